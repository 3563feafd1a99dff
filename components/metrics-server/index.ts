/**
 * MetricsServer: resource metrics for `kubectl top`, HPA and VPA (seed 001 §9.1).
 *
 * Uses `--kubelet-insecure-tls`: kubeadm's kubelet serving certificates are self-signed and carry
 * no IP SANs, so metrics-server cannot verify them. The alternative, kubelet
 * `serverTLSBootstrap: true`, also needs a CSR approver (kubelet-csr-approver) and a KubeletConfiguration
 * change on every node; for a lab on a private host-only bridge the scrape of the kubelet is the
 * only connection that skips verification, which is the smaller change. Revisit with seed 001 §20.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../config/versions";
import { pinnedRelease, resources } from "../lib/pinned-release";

export const METRICS_SERVER_NAMESPACE = "kube-system";

/**
 * Chart values (kubernetes-sigs/metrics-server chart 3.13: `args` are appended to `defaultArgs`;
 * `resources` is the container's, whose chart default requests 100m/200Mi and sets no limit).
 */
export function metricsServerValues(): Record<string, unknown> {
    return { args: ["--kubelet-insecure-tls"], resources: resources("100m", "200Mi", "500m", "400Mi") };
}

/** Arguments of a MetricsServer. */
export interface MetricsServerArgs {
    /** Provider of the target cluster. */
    provider: k8s.Provider;
    /** What must be running first: the CNI (pods need it). Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
}

/** metrics-server in kube-system. */
export class MetricsServer extends pulumi.ComponentResource {
    constructor(name: string, args: MetricsServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:addons:MetricsServer", name, {}, opts);
        // kube-system: the API aggregation layer's usual home, exempt from PSA from `kubeadm init` on.
        pinnedRelease(
            name,
            {
                chart: CHARTS.metricsServer,
                releaseName: "metrics-server",
                namespace: { existing: METRICS_SERVER_NAMESPACE },
                values: metricsServerValues(),
                provider: args.provider,
                after: args.after,
            },
            this,
        );
        this.registerOutputs({});
    }
}
