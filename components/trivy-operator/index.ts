/**
 * Trivy Operator (all clusters): scans images, configuration and nodes in the cluster and stores
 * the results as report custom resources (seed 001 §13.1).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS, pinnedChart } from "../../config/versions";
import { privilegedNamespaceMetadata } from "../psa-exemption";

/** Namespace of the operator and of its scan jobs. */
export const TRIVY_NAMESPACE = "trivy-system";

/** Arguments of TrivyOperator. */
export interface TrivyOperatorArgs {
    /** Provider of the cluster to install into. */
    provider: k8s.Provider;
    /** What must be running first: the CNI (the chart's pods need it). Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
}

/** Trivy Operator in one cluster. */
export class TrivyOperator extends pulumi.ComponentResource {
    /** The Helm release. */
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: TrivyOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:security:TrivyOperator", name, {}, opts);
        const { provider } = args;
        // privileged: the node-collector jobs (CIS node checks) run in this namespace with hostPID
        // and read-only hostPath mounts of /etc/kubernetes, /var/lib/kubelet and /var/lib/etcd.
        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
                metadata: privilegedNamespaceMetadata(TRIVY_NAMESPACE, {
                    reason: "Trivy node-collector jobs need hostPID and hostPath mounts of the kubelet and control-plane config",
                    owner: "platform-security",
                }),
            },
            { parent: this, provider },
        );
        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: "trivy-operator",
                ...pinnedChart(CHARTS.trivyOperator),
                namespace: namespace.metadata.name,
            },
            { parent: this, provider, dependsOn: args.after },
        );
        this.registerOutputs({ release: this.release.status });
    }
}
