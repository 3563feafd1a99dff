/**
 * Trivy Operator (all clusters): scans images, configuration and nodes in the cluster and stores
 * the results as report custom resources (seed 001 §13.1).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../config/versions";
import { PRIVILEGED_NAMESPACES } from "../../policy-pack/conventions";
import { pinnedRelease, resources } from "../lib/pinned-release";

/** Namespace of the operator and of its scan jobs. */
export const TRIVY_NAMESPACE = PRIVILEGED_NAMESPACES.trivy.namespace;

/**
 * Helm values (trivy-operator chart 0.34.0 values.yaml). The chart's defaults run up to 10
 * standalone scan jobs at once, each downloading the vulnerability database, with 500M limits:
 * too much for 4-6 GiB nodes. Two at a time, against the built-in Trivy server, which downloads
 * the database once (`builtInTrivyServer` switches the jobs to ClientServer mode).
 */
export function trivyValues(): Record<string, unknown> {
    return {
        operator: { scanJobsConcurrentLimit: 2, builtInTrivyServer: true },
        // The operator Deployment (chart default: none).
        resources: resources("100m", "128Mi", "500m", "512Mi"),
        trivy: {
            // Each scan job's containers.
            resources: resources("100m", "100M", "500m", "500M"),
            // The built-in server's StatefulSet.
            server: { resources: resources("200m", "512Mi", "1", "1Gi") },
        },
    };
}

/** Arguments of TrivyOperator. */
export interface TrivyOperatorArgs {
    /** Provider of the cluster to install into. */
    provider: k8s.Provider;
    /** What must be running first: the CNI (the chart's pods need it). Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
}

/** Trivy Operator in one cluster. */
export class TrivyOperator extends pulumi.ComponentResource {
    /** Name of the release's namespace. */
    public readonly namespace: string;
    /** The Helm release. */
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: TrivyOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:security:TrivyOperator", name, {}, opts);
        // Privileged: the node-collector jobs (CIS node checks) run here with hostPID and read-only
        // hostPath mounts of /etc/kubernetes, /var/lib/kubelet and /var/lib/etcd.
        const { namespace, release } = pinnedRelease(
            name,
            {
                chart: CHARTS.trivyOperator,
                releaseName: "trivy-operator",
                namespace: { privileged: PRIVILEGED_NAMESPACES.trivy },
                values: trivyValues(),
                provider: args.provider,
                after: args.after,
            },
            this,
        );
        this.namespace = namespace;
        this.release = release;
        this.registerOutputs({ namespace, release: release.status });
    }
}
