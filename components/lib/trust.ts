/**
 * Names the trust add-ons share (issue 9): Vault's KV layout, the per-cluster Kubernetes auth
 * mounts, the issuer and the secret store. Every component that writes or reads one of these
 * takes it from here, so a path is spelled once.
 */

/** The KV v2 mount that holds every platform credential. */
export const KV_MOUNT = "secret";

/** Whose credential it is: one cluster's own, or one every cluster's External Secrets may read. */
export type KvScope = { cluster: string } | "shared";

/** The KV path of a credential, below the mount: `platform/<cluster>/<name>` or `platform/shared/<name>`. */
export function kvPath(scope: KvScope, name: string): string {
    return `platform/${scope === "shared" ? "shared" : scope.cluster}/${name}`;
}

/** The Vault Kubernetes auth mount of a cluster. Each cluster has its own, created by its own stack. */
export function vaultAuthMount(clusterName: string): string {
    return `kubernetes-${clusterName}`;
}

/** The cert-manager ClusterIssuer that signs through Vault's `pki_int`. */
export const VAULT_ISSUER = "vault-issuer";

/** The External Secrets ClusterSecretStore over Vault's KV. */
export const CLUSTER_SECRET_STORE = "vault-backend";

/** Vault's in-cluster Service on mgmt. */
export const VAULT_SERVICE = { namespace: "vault", name: "vault", port: 8200 } as const;
