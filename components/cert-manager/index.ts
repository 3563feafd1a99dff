/**
 * CertManager: cert-manager on a cluster, its `vault-issuer` ClusterIssuer signing through mgmt's
 * Vault (`pki_int`) with the cluster's own Kubernetes auth mount, and the Gateway's `wildcard-tls`.
 *
 * cert-manager runs on every cluster rather than on mgmt alone delivering certificates: each
 * cluster makes its own key and sends Vault only a CSR, so no private key ever crosses clusters
 * (delivery would copy every key through Vault or a cross-cluster Secret), and renewals need only
 * Vault, not mgmt's cert-manager or a sync job, to be up.
 *
 * There is no self-signed bootstrap issuer (seed 001 §11.0 phase 1): Vault's own listener
 * certificate is made by Pulumi's tls provider, so nothing needs cert-manager before Vault.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../config/versions";
import { MAIN_GATEWAY, LOCAL_DOMAIN } from "../cilium-mesh";
import { CertificateArgs, platformCertificate } from "../lib/certificate";
import { pinnedRelease, resources } from "../lib/pinned-release";
import { VAULT_ISSUER } from "../lib/trust";
import { KUBE_API_AUDIENCE, VAULT_CLIENTS, VaultClusterAuth } from "../vault-cluster-auth";

/** cert-manager's namespace, also its cluster resource namespace (where a ClusterIssuer's ServiceAccount lives). */
export const CERT_MANAGER_NAMESPACE = VAULT_CLIENTS.certManager.namespace;
/** Helm release name; the chart names the controller's ServiceAccount after it. */
export const CERT_MANAGER_RELEASE = "cert-manager";
/** The controller's ServiceAccount, which requests vault-issuer's tokens. */
export const CERT_MANAGER_CONTROLLER_SA = CERT_MANAGER_RELEASE;
/** Helm's budget: image pulls on fresh nodes, then the startupapicheck hook retries until the webhook serves. */
export const CERT_MANAGER_RELEASE_TIMEOUT_SECONDS = 600;

/**
 * Chart values (cert-manager v1.21.1 values.yaml; its schema rejects unknown top-level keys). The
 * chart's pods already run as restricted PSA asks (runAsNonRoot, RuntimeDefault seccomp, no
 * privilege escalation, ALL capabilities dropped), so nothing is overridden there.
 */
export function certManagerValues(): Record<string, unknown> {
    return {
        // CRDs with the release, kept on uninstall (crds.keep defaults to true) so Certificates survive a reinstall.
        crds: { enabled: true },
        resources: resources("50m", "128Mi", "500m", "384Mi"),
        webhook: { resources: resources("20m", "64Mi", "200m", "128Mi") },
        cainjector: { resources: resources("25m", "128Mi", "250m", "256Mi") },
        startupapicheck: { resources: resources("10m", "32Mi", "100m", "64Mi") },
    };
}

/** Base64 of a PEM, as `caBundle` takes it. */
export function base64Pem(pem: string): string {
    return Buffer.from(pem, "utf8").toString("base64");
}

/** The ServiceAccount vault-issuer's tokens are minted for; no pod runs as it. */
export function vaultIssuerServiceAccount(): k8s.core.v1.ServiceAccountArgs {
    return { metadata: { name: VAULT_CLIENTS.certManager.serviceAccount, namespace: CERT_MANAGER_NAMESPACE }, automountServiceAccountToken: false };
}

/** The Role and RoleBinding that let cert-manager's controller request vault-issuer's tokens, and nothing else (upstream-facts §4 "RBAC"). */
export function vaultIssuerTokenRbac(): { role: k8s.rbac.v1.RoleArgs; binding: k8s.rbac.v1.RoleBindingArgs } {
    const name = `${VAULT_CLIENTS.certManager.serviceAccount}-token`;
    return {
        role: {
            metadata: { name, namespace: CERT_MANAGER_NAMESPACE },
            rules: [{ apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: [VAULT_CLIENTS.certManager.serviceAccount], verbs: ["create"] }],
        },
        binding: {
            metadata: { name, namespace: CERT_MANAGER_NAMESPACE },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
            subjects: [{ kind: "ServiceAccount", name: CERT_MANAGER_CONTROLLER_SA, namespace: CERT_MANAGER_NAMESPACE }],
        },
    };
}

/** What the ClusterIssuer needs. */
export interface VaultIssuerArgs {
    /** Vault's https address. */
    server: pulumi.Input<string>;
    /** The PKI sign endpoint. */
    path: string;
    /** Base64 of the PEM of the CA that signed Vault's listener certificate. */
    caBundle: pulumi.Input<string>;
    /** Vault's auth mount of this cluster (`kubernetes-<cluster>`). */
    mountPath: string;
    /** The Vault role on it. */
    role: string;
}

/** The `vault-issuer` ClusterIssuer (cert-manager.io/v1; cert-manager docs, configuration/vault "Secretless Authentication with a Service Account"). */
export function vaultClusterIssuer(args: VaultIssuerArgs): Record<string, any> {
    return {
        apiVersion: "cert-manager.io/v1",
        kind: "ClusterIssuer",
        metadata: { name: VAULT_ISSUER },
        spec: {
            vault: {
                server: args.server,
                path: args.path,
                caBundle: args.caBundle,
                auth: {
                    kubernetes: {
                        role: args.role,
                        mountPath: `/v1/auth/${args.mountPath}`,
                        // The default audience vault://vault-issuer stays; the API server's lets Vault send this token to TokenReview (vault-cluster-auth).
                        serviceAccountRef: { name: VAULT_CLIENTS.certManager.serviceAccount, audiences: [KUBE_API_AUDIENCE] },
                    },
                },
            },
        },
    };
}

/** The Gateway's wildcard certificate of a cluster: `*.<cluster>.local.dev` and `<cluster>.local.dev`. */
export function wildcardCertificate(clusterName: string): CertificateArgs {
    const domain = `${clusterName}.${LOCAL_DOMAIN}`;
    return { name: MAIN_GATEWAY.tlsSecretName, namespace: MAIN_GATEWAY.namespace, secretName: MAIN_GATEWAY.tlsSecretName, dnsNames: [`*.${domain}`, domain] };
}

/** Arguments of a CertManager. */
export interface CertManagerArgs {
    /** The cluster's name: the wildcard certificate's domain. */
    clusterName: string;
    /** Vault's https address as this cluster's pods reach it. */
    vaultAddress: pulumi.Input<string>;
    /** The PKI sign endpoint (`pki_int/sign/k8s-certs`). */
    pkiSignPath: string;
    /** PEM of the CA that signed Vault's listener certificate. */
    vaultCaPem: pulumi.Input<string>;
    /** This cluster's Vault auth (mount and role); the issuer waits for it. */
    vaultAuth: VaultClusterAuth;
    /** Provider of this cluster. */
    provider: k8s.Provider;
    /** What must be running first: the CNI (the chart's pods need it). Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
    /** What the wildcard certificate waits for besides the issuer: the Gateway's namespace. */
    gatewayAfter: pulumi.Resource[];
}

/** cert-manager with the Vault ClusterIssuer and the Gateway's certificate. */
export class CertManager extends pulumi.ComponentResource {
    /** The ClusterIssuer's name; every platform Certificate names it. */
    public readonly issuerName: string;
    /** The ClusterIssuer: other components' Certificates depend on it. */
    public readonly issuer: k8s.apiextensions.CustomResource;
    /** The Helm release (CRDs and webhook). */
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:trust:CertManager", name, {}, opts);
        const childOpts = { parent: this, provider: args.provider };
        // Helm waits (skipAwait unset): the webhook serves before any Certificate is applied.
        const { release } = pinnedRelease(
            name,
            {
                chart: CHARTS.certManager,
                releaseName: CERT_MANAGER_RELEASE,
                namespace: { name: CERT_MANAGER_NAMESPACE, level: "restricted" },
                values: certManagerValues(),
                provider: args.provider,
                after: args.after,
                timeout: CERT_MANAGER_RELEASE_TIMEOUT_SECONDS,
            },
            this,
        );
        const inNamespace = { ...childOpts, dependsOn: [release] };
        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-vault-issuer-sa`, vaultIssuerServiceAccount(), inNamespace);
        const rbac = vaultIssuerTokenRbac();
        const role = new k8s.rbac.v1.Role(`${name}-vault-issuer-role`, rbac.role, inNamespace);
        const binding = new k8s.rbac.v1.RoleBinding(`${name}-vault-issuer-binding`, rbac.binding, { ...childOpts, dependsOn: [release, role] });
        const issuer = new k8s.apiextensions.CustomResource(
            `${name}-issuer`,
            vaultClusterIssuer({
                server: args.vaultAddress,
                path: args.pkiSignPath,
                caBundle: pulumi.output(args.vaultCaPem).apply(base64Pem),
                mountPath: args.vaultAuth.mountPath,
                role: args.vaultAuth.certManagerRole,
            }) as k8s.apiextensions.CustomResourceArgs,
            { ...childOpts, dependsOn: [release, serviceAccount, binding, args.vaultAuth] },
        );
        platformCertificate(`${name}-wildcard-tls`, wildcardCertificate(args.clusterName), { ...childOpts, dependsOn: [issuer, ...args.gatewayAfter] });
        this.issuerName = VAULT_ISSUER;
        this.issuer = issuer;
        this.release = release;
        this.registerOutputs({ issuerName: this.issuerName });
    }
}
