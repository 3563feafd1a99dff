/**
 * ExternalSecrets (every cluster): the External Secrets Operator from its pinned chart, and the
 * `vault-backend` ClusterSecretStore that reads mgmt's Vault KV over TLS with this cluster's own
 * Kubernetes auth mount (`kubernetes-<cluster>`, created by components/vault-cluster-auth). Every
 * ExternalSecret the platform creates goes through components/lib/external-secret.ts and names
 * this store; it depends on `store`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../config/versions";
import { pinnedRelease, resources } from "../lib/pinned-release";
import { CLUSTER_SECRET_STORE, KV_MOUNT, vaultAuthMount } from "../lib/trust";
import { KUBE_API_AUDIENCE, VAULT_CLIENTS } from "../vault-cluster-auth";

/** Namespace of the operator. */
export const ESO_NAMESPACE = VAULT_CLIENTS.externalSecrets.namespace;
/** The controller's ServiceAccount: the identity the Vault role `external-secrets` is bound to. */
export const ESO_SERVICE_ACCOUNT = VAULT_CLIENTS.externalSecrets.serviceAccount;
/** The Vault Kubernetes auth role the store logs in with (components/vault-cluster-auth binds it to the ServiceAccount above). */
export const ESO_VAULT_ROLE = VAULT_CLIENTS.externalSecrets.role;
/**
 * Audiences of the ServiceAccount token the store presents: the Vault role's, and the API server's,
 * because Vault reviews the client's own token with the TokenReview API (components/vault-cluster-auth).
 */
export const ESO_VAULT_AUDIENCES = [VAULT_CLIENTS.externalSecrets.audience, KUBE_API_AUDIENCE];

/** The store's kind; `v1` because v1beta1 is no longer served (ESO v0.17.0). */
const STORE_TYPE = { apiVersion: "external-secrets.io/v1", kind: "ClusterSecretStore" } as const;

/**
 * Helm values (external-secrets chart 2.9.0 values.yaml): the chart installs and upgrades the CRDs
 * (`installCRDs`), the controller's ServiceAccount has the fixed name the Vault role is bound to,
 * and the controller, webhook and cert controller get explicit requests and limits. The chart's
 * securityContext defaults (non-root uid 1000, read-only root, no capabilities, RuntimeDefault
 * seccomp) are kept, which is why the namespace can enforce `restricted`.
 */
export function externalSecretsValues(): Record<string, unknown> {
    return {
        installCRDs: true,
        serviceAccount: { create: true, name: ESO_SERVICE_ACCOUNT },
        resources: resources("10m", "64Mi", "200m", "256Mi"),
        webhook: { resources: resources("10m", "32Mi", "100m", "128Mi") },
        certController: { resources: resources("10m", "64Mi", "100m", "256Mi") },
    };
}

/** Arguments of `clusterSecretStoreSpec`. */
export interface ClusterSecretStoreArgs {
    /** Cluster name: selects the Vault auth mount `kubernetes-<cluster>`. */
    clusterName: string;
    /** Vault's https address as this cluster reaches it. */
    vaultAddress: string;
    /** PEM of the CA that signed Vault's listener certificate. */
    vaultCaPem: string;
}

/**
 * The ClusterSecretStore over Vault's KV v2.
 * The CA is given inline (`caBundle`, base64 of the PEM), so the store trusts exactly Vault's
 * listener CA and needs no Secret of its own; the token is the controller's own, for audience
 * `vault` and the API server's (ESO vault provider docs, "Kubernetes authentication", `serviceAccountRef.audiences`).
 */
export function clusterSecretStoreSpec(args: ClusterSecretStoreArgs): Record<string, any> {
    return {
        ...STORE_TYPE,
        metadata: { name: CLUSTER_SECRET_STORE },
        spec: {
            provider: {
                vault: {
                    server: args.vaultAddress,
                    path: KV_MOUNT,
                    version: "v2",
                    caBundle: Buffer.from(args.vaultCaPem).toString("base64"),
                    auth: {
                        kubernetes: {
                            mountPath: vaultAuthMount(args.clusterName),
                            role: ESO_VAULT_ROLE,
                            serviceAccountRef: { name: ESO_SERVICE_ACCOUNT, namespace: ESO_NAMESPACE, audiences: ESO_VAULT_AUDIENCES },
                        },
                    },
                },
            },
        },
    };
}

/** Arguments of ExternalSecrets. */
export interface ExternalSecretsArgs {
    /** Cluster name: selects the Vault auth mount. */
    clusterName: string;
    /** Provider of the cluster to install into. */
    provider: k8s.Provider;
    /** Vault's https address as this cluster reaches it (mgmt: in-cluster or the fixed LoadBalancer IP; app clusters: the LoadBalancer IP). */
    vaultAddress: pulumi.Input<string>;
    /** PEM of Vault's listener CA (components/vault-pki); public, not a secret. */
    vaultCaPem: pulumi.Input<string>;
    /** What must be running first: the CNI (the chart's pods need it). Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
    /** This cluster's Vault Kubernetes auth mount and role (components/vault-cluster-auth): the store logs in through them. */
    vaultAuth: pulumi.Resource[];
}

/** The External Secrets Operator and the `vault-backend` ClusterSecretStore of one cluster. */
export class ExternalSecrets extends pulumi.ComponentResource {
    /** Name of the operator's namespace. */
    public readonly namespace: string;
    /** The controller's ServiceAccount. */
    public readonly serviceAccount: string;
    /** Name of the ClusterSecretStore every platform ExternalSecret names. */
    public readonly storeName: string;
    /** The ClusterSecretStore: every ExternalSecret depends on it. */
    public readonly store: k8s.apiextensions.CustomResource;

    constructor(name: string, args: ExternalSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:trust:ExternalSecrets", name, {}, opts);
        const { namespace, release } = pinnedRelease(
            name,
            {
                chart: CHARTS.externalSecrets,
                releaseName: "external-secrets",
                namespace: { name: ESO_NAMESPACE, level: "restricted" },
                values: externalSecretsValues(),
                provider: args.provider,
                after: args.after,
            },
            this,
        );
        const spec = pulumi
            .all([args.vaultAddress, args.vaultCaPem])
            .apply(([vaultAddress, vaultCaPem]) => clusterSecretStoreSpec({ clusterName: args.clusterName, vaultAddress, vaultCaPem }).spec);
        // The release brings the CRD and a ready webhook (Helm waits); the auth mount and role must exist before the store can log in.
        this.store = new k8s.apiextensions.CustomResource(
            `${name}-store`,
            { ...STORE_TYPE, metadata: { name: CLUSTER_SECRET_STORE }, spec },
            { parent: this, provider: args.provider, dependsOn: [release, ...args.vaultAuth] },
        );
        this.namespace = namespace;
        this.serviceAccount = ESO_SERVICE_ACCOUNT;
        this.storeName = CLUSTER_SECRET_STORE;
        this.registerOutputs({ namespace, serviceAccount: this.serviceAccount, storeName: this.storeName, store: this.store.id });
    }
}
