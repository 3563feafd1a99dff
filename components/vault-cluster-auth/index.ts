/**
 * VaultClusterAuth: one cluster's Kubernetes auth mount in mgmt's Vault (`kubernetes-<cluster>`),
 * its policies and roles, and the in-cluster RBAC Vault's TokenReview needs. Each cluster's own
 * stack creates it (app stacks with mgmt's onboarding token), so mgmt never needs to know them.
 *
 * No reviewer JWT is stored anywhere: with `token_reviewer_jwt` unset and `disable_local_ca_jwt`
 * true, Vault calls the cluster's TokenReview API with the client's own JWT, so each client
 * ServiceAccount is bound to `system:auth-delegator` here (Vault docs, auth/kubernetes "Use the
 * Vault client's JWT as the reviewer JWT"). That JWT must then also be valid for the API server
 * itself: a token whose only audience is `vault://vault-issuer` is refused ("invalid bearer token,
 * token audiences [vault://vault-issuer] is invalid for the target audiences",
 * cert-manager/cert-manager#6150), so every client asks for KUBE_API_AUDIENCE as well
 * (cert-manager `serviceAccountRef.audiences`, External Secrets `serviceAccountRef.audiences`).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { KV_MOUNT, kvPath, VAULT_ISSUER, vaultAuthMount } from "../lib/trust";

/**
 * The API server's own token audience: kubeadm sets `--service-account-issuer` to
 * `https://kubernetes.default.svc.<dnsDomain>` (dnsDomain cluster.local, kubeadm-config.ts) and
 * `--api-audiences` defaults to the issuer.
 */
export const KUBE_API_AUDIENCE = "https://kubernetes.default.svc.cluster.local";

/** A workload that logs in to Vault through its cluster's mount. */
export interface VaultClient {
    /** Vault role name on the mount. */
    role: string;
    /** Namespace of the ServiceAccount the role is bound to. */
    namespace: string;
    /** The ServiceAccount whose token logs in. */
    serviceAccount: string;
    /** Audience the role requires in that token (besides KUBE_API_AUDIENCE, which the TokenReview needs). */
    audience: string;
}

/** The two clients of every cluster's mount; other components build against these names. */
export const VAULT_CLIENTS = {
    /** cert-manager's `vault-issuer`: cert-manager requests tokens for SA vault-issuer, audience `vault://<clusterissuer>` by default. */
    certManager: { role: "cert-manager", namespace: "cert-manager", serviceAccount: "vault-issuer", audience: `vault://${VAULT_ISSUER}` },
    /** External Secrets' `vault-backend` store, logging in as the operator's own ServiceAccount. */
    externalSecrets: { role: "external-secrets", namespace: "external-secrets", serviceAccount: "external-secrets", audience: "vault" },
} as const satisfies Record<string, VaultClient>;

/** Lifetime of a Vault token a client gets at login: both log in again per use, so minutes are enough. */
export const CLIENT_TOKEN_TTL_SECONDS = 20 * 60;
/** Longest a client's token may be renewed to. */
export const CLIENT_TOKEN_MAX_TTL_SECONDS = 60 * 60;

/** Name of a cluster's Vault policy: `platform-<cluster>-<client>`. */
export function policyName(clusterName: string, client: VaultClient): string {
    return `platform-${clusterName}-${client.role}`;
}

/** cert-manager's policy: sign CSRs on the PKI role (seed 001 §11.3), nothing else (not `issue`: cert-manager sends CSRs). */
export function certManagerPolicyHcl(pkiSignPath: string): string {
    return `path "${pkiSignPath}" {\n  capabilities = ["create", "update"]\n}\n`;
}

/** External Secrets' policy: read this cluster's and the shared KV v2 entries (data paths: `<mount>/data/<path>`). */
export function externalSecretsPolicyHcl(clusterName: string): string {
    return [kvPath({ cluster: clusterName }, "*"), kvPath("shared", "*")].map((p) => `path "${KV_MOUNT}/data/${p}" {\n  capabilities = ["read"]\n}\n`).join("");
}

/** The Vault role of a client, as `vault.kubernetes.AuthBackendRole` arguments (backend and policies aside). */
export function clientRole(client: VaultClient): Omit<vault.kubernetes.AuthBackendRoleArgs, "backend" | "tokenPolicies"> {
    return {
        roleName: client.role,
        boundServiceAccountNames: [client.serviceAccount],
        boundServiceAccountNamespaces: [client.namespace],
        audience: client.audience,
        // Explicit: the UID (Vault's default) cannot be reused by a re-created ServiceAccount of the same name.
        aliasNameSource: "serviceaccount_uid",
        tokenTtl: CLIENT_TOKEN_TTL_SECONDS,
        tokenMaxTtl: CLIENT_TOKEN_MAX_TTL_SECONDS,
    };
}

/** The ClusterRoleBinding that lets each client's JWT call TokenReview (the Vault client's JWT is the reviewer JWT). */
export function authDelegatorBinding(): k8s.rbac.v1.ClusterRoleBindingArgs & { metadata: { name: string } } {
    return {
        metadata: { name: "platform-vault-client-auth-delegator" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" },
        subjects: Object.values(VAULT_CLIENTS).map((c) => ({ kind: "ServiceAccount", name: c.serviceAccount, namespace: c.namespace })),
    };
}

/** Arguments of a VaultClusterAuth. */
export interface VaultClusterAuthArgs {
    /** The cluster's name: the mount is `kubernetes-<cluster>`. */
    clusterName: string;
    /** The cluster's API server as mgmt's Vault pod reaches it, `https://host:6443`. */
    apiServerEndpoint: pulumi.Input<string>;
    /** PEM of the cluster's CA, which signed the API server's certificate. */
    clusterCaPem: pulumi.Input<string>;
    /** The PKI sign endpoint cert-manager's policy allows (`pki_int/sign/k8s-certs`). */
    pkiSignPath: string;
    /** Provider of mgmt's Vault (the onboarding token on app stacks). */
    vaultProvider: vault.Provider;
    /** Provider of this cluster. */
    provider: k8s.Provider;
    /** What must exist first (Vault answering; the cluster's API). Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
}

/** A cluster's Kubernetes auth mount in Vault, with cert-manager's and External Secrets' roles. */
export class VaultClusterAuth extends pulumi.ComponentResource {
    /** The mount's path, `kubernetes-<cluster>` (login at `/v1/auth/<mountPath>/login`). */
    public readonly mountPath: string;
    /** cert-manager's role on the mount. */
    public readonly certManagerRole: string;
    /** External Secrets' role on the mount. */
    public readonly externalSecretsRole: string;

    constructor(name: string, args: VaultClusterAuthArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:trust:VaultClusterAuth", name, {}, opts);
        const inVault = { parent: this, provider: args.vaultProvider };
        const mount = new vault.AuthBackend(
            `${name}-mount`,
            { type: "kubernetes", path: vaultAuthMount(args.clusterName), description: `Kubernetes auth of cluster ${args.clusterName}` },
            { ...inVault, dependsOn: args.after },
        );
        // No tokenReviewerJwt: the client's JWT reviews itself (see the module comment).
        const config = new vault.kubernetes.AuthBackendConfig(
            `${name}-config`,
            { backend: mount.path, kubernetesHost: args.apiServerEndpoint, kubernetesCaCert: args.clusterCaPem, disableLocalCaJwt: true },
            inVault,
        );
        const policies: Record<keyof typeof VAULT_CLIENTS, string> = {
            certManager: certManagerPolicyHcl(args.pkiSignPath),
            externalSecrets: externalSecretsPolicyHcl(args.clusterName),
        };
        for (const [key, client] of Object.entries(VAULT_CLIENTS) as [keyof typeof VAULT_CLIENTS, VaultClient][]) {
            const policy = new vault.Policy(`${name}-${client.role}-policy`, { name: policyName(args.clusterName, client), policy: policies[key] }, inVault);
            new vault.kubernetes.AuthBackendRole(
                `${name}-${client.role}-role`,
                { ...clientRole(client), backend: mount.path, tokenPolicies: [policy.name] },
                { ...inVault, dependsOn: [config] },
            );
        }
        new k8s.rbac.v1.ClusterRoleBinding(`${name}-auth-delegator`, authDelegatorBinding(), { parent: this, provider: args.provider, dependsOn: args.after });
        this.mountPath = vaultAuthMount(args.clusterName);
        this.certManagerRole = VAULT_CLIENTS.certManager.role;
        this.externalSecretsRole = VAULT_CLIENTS.externalSecrets.role;
        this.registerOutputs({ mountPath: this.mountPath, certManagerRole: this.certManagerRole, externalSecretsRole: this.externalSecretsRole });
    }
}
