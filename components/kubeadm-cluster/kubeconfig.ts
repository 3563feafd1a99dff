/** Kubeconfig handling: point admin.conf at the endpoint this machine can reach. */
import { parse, stringify } from "yaml";

interface KubeconfigDoc {
    clusters?: Array<{ name: string; cluster: { server?: string } }>;
}

/** Rewrites every cluster's server to `server`; throws if the text is not a kubeconfig. */
export function rewriteKubeconfigServer(kubeconfig: string, server: string): string {
    let doc: KubeconfigDoc | null;
    try {
        doc = parse(kubeconfig) as KubeconfigDoc | null;
    } catch {
        doc = null;
    }
    if (!doc || !Array.isArray(doc.clusters) || doc.clusters.length === 0) {
        throw new Error("admin.conf has no clusters; is the control plane initialised? (ls /etc/kubernetes on the first node)");
    }
    for (const entry of doc.clusters) {
        entry.cluster.server = server;
    }
    return stringify(doc, { lineWidth: 0 });
}
