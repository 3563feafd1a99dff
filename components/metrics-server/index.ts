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
import { CHARTS, pinnedChart } from "../../config/versions";

export const METRICS_SERVER_NAMESPACE = "kube-system";

/** Chart values (kubernetes-sigs/metrics-server chart 3.13: `args` are appended to the defaults). */
export function metricsServerValues(): Record<string, unknown> {
    return { args: ["--kubelet-insecure-tls"] };
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
        new k8s.helm.v3.Release(
            `${name}-metrics-server`,
            {
                name: "metrics-server",
                ...pinnedChart(CHARTS.metricsServer),
                namespace: METRICS_SERVER_NAMESPACE,
                values: metricsServerValues(),
            },
            { parent: this, provider: args.provider, dependsOn: args.after },
        );
        this.registerOutputs({});
    }
}
