/**
 * The kubeconfig the stack exports and its Kubernetes provider uses. It holds a ServiceAccount token
 * bound to cluster-admin instead of admin.conf's client certificate: kubeadm signs that certificate
 * for one year, and a kubeconfig read once would stop working then (pulumi.md #9, bootstrap.md #11).
 * A token Secret of type kubernetes.io/service-account-token does not expire; it is revoked by
 * deleting the Secret (kubernetes.io "Configure Service Accounts for Pods": manually create a
 * long-lived API token for a ServiceAccount).
 */
import { stringify } from "yaml";
import { AdminCredential } from "./credentials";

/** Names of the objects the kubeconfig step creates in kube-system. */
export const ADMIN_ACCOUNT = {
    namespace: "kube-system",
    serviceAccount: "platform-admin",
    secret: "platform-admin-token",
    clusterRoleBinding: "platform-admin",
} as const;

/** The ServiceAccount, its cluster-admin binding and its token Secret, as `kubectl apply` reads them. */
export function adminAccountManifest(): string {
    const { namespace, serviceAccount, secret, clusterRoleBinding } = ADMIN_ACCOUNT;
    const docs = [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: serviceAccount, namespace } },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: clusterRoleBinding },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
            subjects: [{ kind: "ServiceAccount", name: serviceAccount, namespace }],
        },
        {
            apiVersion: "v1",
            kind: "Secret",
            type: "kubernetes.io/service-account-token",
            metadata: { name: secret, namespace, annotations: { "kubernetes.io/service-account.name": serviceAccount } },
        },
    ];
    return docs.map((d) => stringify(d, { lineWidth: 0 })).join("---\n");
}

/** A kubeconfig for `server` that authenticates with the ServiceAccount token. */
export function adminKubeconfig(args: { clusterName: string; server: string; credential: AdminCredential }): string {
    const user = ADMIN_ACCOUNT.serviceAccount;
    const context = `${user}@${args.clusterName}`;
    return stringify(
        {
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: args.clusterName, cluster: { server: args.server, "certificate-authority-data": args.credential.certificateAuthorityData } }],
            users: [{ name: user, user: { token: args.credential.token } }],
            contexts: [{ name: context, context: { cluster: args.clusterName, user } }],
            "current-context": context,
        },
        { lineWidth: 0 },
    );
}
