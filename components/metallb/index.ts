/**
 * MetalLb: LoadBalancer IPs in L2 mode from the cluster's own pool (seed 001 §7.2, §19.2).
 * One IPAddressPool and one L2Advertisement per cluster: each cluster announces only its own range.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS, pinnedChart } from "../../config/versions";
import { privilegedNamespaceMetadata, PsaExemption } from "../psa-exemption";

export const METALLB_NAMESPACE = "metallb-system";

/** The speaker answers ARP from the host network (hostNetwork, NET_RAW): baseline forbids both. */
export const METALLB_PSA_EXEMPTION: PsaExemption = {
    reason: "MetalLB speaker uses hostNetwork and NET_RAW to answer ARP for LoadBalancer IPs (seed 001 §19.2)",
    owner: "platform-network",
};

/** Name of the cluster's pool, as in seed 001 §19.2 (`mgmt-pool`). */
export function poolName(clusterName: string): string {
    return `${clusterName}-pool`;
}

export function ipAddressPool(clusterName: string, range: string): Record<string, any> {
    return {
        apiVersion: "metallb.io/v1beta1",
        kind: "IPAddressPool",
        metadata: { name: poolName(clusterName), namespace: METALLB_NAMESPACE },
        // The clustermesh-apiserver asks for its fixed address by annotation; other Services get the
        // remaining addresses in order.
        spec: { addresses: [range] },
    };
}

export function l2Advertisement(clusterName: string): Record<string, any> {
    return {
        apiVersion: "metallb.io/v1beta1",
        kind: "L2Advertisement",
        metadata: { name: `${clusterName}-l2`, namespace: METALLB_NAMESPACE },
        spec: { ipAddressPools: [poolName(clusterName)] },
    };
}

/** Arguments of a MetalLb. */
export interface MetalLbArgs {
    /** Cluster name, for the pool's name. */
    clusterName: string;
    /** The pool, "first-last" inside the node subnet (config `network.lbPool`, validated). */
    pool: string;
    /** Provider of the target cluster. */
    provider: k8s.Provider;
    /** What must be running first: the CNI (pods need it). Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
}

/** MetalLB with the cluster's address pool. */
export class MetalLb extends pulumi.ComponentResource {
    /** Name of the IPAddressPool. */
    public readonly poolName: string;

    constructor(name: string, args: MetalLbArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:network:MetalLb", name, {}, opts);
        const childOpts = { parent: this, provider: args.provider };
        // Privileged, with the reason and review date recorded on the namespace (seed 001 §6.4).
        const ns = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: privilegedNamespaceMetadata(METALLB_NAMESPACE, METALLB_PSA_EXEMPTION) }, childOpts);
        // The chart installs the CRDs and the webhook; the Release waits until they serve.
        const release = new k8s.helm.v3.Release(
            `${name}-metallb`,
            {
                name: "metallb",
                ...pinnedChart(CHARTS.metallb),
                namespace: ns.metadata.name,
            },
            { ...childOpts, dependsOn: args.after },
        );
        const crOpts = { ...childOpts, dependsOn: [release] };
        const pool = new k8s.apiextensions.CustomResource(`${name}-pool`, ipAddressPool(args.clusterName, args.pool) as k8s.apiextensions.CustomResourceArgs, crOpts);
        new k8s.apiextensions.CustomResource(`${name}-l2`, l2Advertisement(args.clusterName) as k8s.apiextensions.CustomResourceArgs, { ...crOpts, dependsOn: [release, pool] });
        this.poolName = poolName(args.clusterName);
        this.registerOutputs({ poolName: this.poolName });
    }
}
