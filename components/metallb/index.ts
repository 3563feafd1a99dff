/**
 * MetalLb: LoadBalancer IPs in L2 mode from the cluster's own range (seed 001 §7.2, §19.2). The
 * clustermesh-apiserver's fixed IP has a pool of its own that never auto-assigns, so no other
 * Service can take it first: MetalLB hands an un-annotated Service the first free address of an
 * auto-assign pool, in whatever order it processes Services (metallb v0.16.1
 * internal/allocator/allocator.go). mgmt's fixed service IPs (Vault, S3, Keycloak) get a third
 * such pool. One L2Advertisement announces them all.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { formatIpv4, parseIpv4, parseRange } from "../../config/cidr";
import { CHARTS } from "../../config/versions";
import { PRIVILEGED_NAMESPACES } from "../../policy-pack/conventions";
import { pinnedRelease, resources } from "../lib/pinned-release";

export const METALLB_NAMESPACE = PRIVILEGED_NAMESPACES.metallb.namespace;

/** Annotations a Service uses to ask for an address of a given pool (metallb.io "Usage": IPAddress sharing and pools). */
export const METALLB_ANNOTATIONS = { pool: "metallb.io/address-pool", ips: "metallb.io/loadBalancerIPs" } as const;

/** The general pool, as in seed 001 §19.2 (`mgmt-pool`). */
export function poolName(clusterName: string): string {
    return `${clusterName}-pool`;
}

/** The pool that holds only the clustermesh-apiserver's IP. */
export function meshPoolName(clusterName: string): string {
    return `${clusterName}-mesh`;
}

/** The pool of mgmt's fixed service IPs (Vault, S3, Keycloak; `network.serviceIps`). */
export function servicePoolName(clusterName: string): string {
    return `${clusterName}-services`;
}

/**
 * `first-last` without the `reserved` addresses: the address ranges of the general pool. Throws
 * when nothing is left, naming the config key.
 */
export function rangesWithout(range: string, reserved: string[]): string[] {
    const parsed = parseRange(range);
    const addresses = reserved.map(parseIpv4);
    if (!parsed.ok || addresses.some((a) => a === undefined)) {
        throw new Error(`network.lbPool ${range} or a fixed address among ${reserved.join(", ")} does not parse; validate the config first`);
    }
    let parts: Array<[number, number]> = [[parsed.range.first, parsed.range.last]];
    for (const address of addresses as number[]) {
        parts = parts.flatMap(([a, b]): Array<[number, number]> =>
            address < a || address > b
                ? [[a, b]]
                : (
                      [
                          [a, address - 1],
                          [address + 1, b],
                      ] as Array<[number, number]>
                  ).filter(([x, y]) => x <= y),
        );
    }
    if (parts.length === 0) {
        throw new Error(
            `network.lbPool ${range} holds only the fixed addresses (${reserved.join(", ")}); widen the pool so other Services (the Gateway) get addresses`,
        );
    }
    return parts.map(([a, b]) => `${formatIpv4(a)}-${formatIpv4(b)}`);
}

/** The general pool: the configured range without the fixed IPs, auto-assigned. */
export function ipAddressPool(clusterName: string, range: string, reserved: string[]): Record<string, any> {
    return {
        apiVersion: "metallb.io/v1beta1",
        kind: "IPAddressPool",
        metadata: { name: poolName(clusterName), namespace: METALLB_NAMESPACE },
        spec: { addresses: rangesWithout(range, reserved) },
    };
}

/** The service pool: mgmt's fixed service IPs, given only to the Service that asks for one. */
export function serviceAddressPool(clusterName: string, ips: string[]): Record<string, any> {
    return {
        apiVersion: "metallb.io/v1beta1",
        kind: "IPAddressPool",
        metadata: { name: servicePoolName(clusterName), namespace: METALLB_NAMESPACE },
        spec: { addresses: ips.map((ip) => `${ip}/32`), autoAssign: false },
    };
}

/** The mesh pool: the one fixed IP, given only to a Service that asks for it. */
export function meshAddressPool(clusterName: string, meshIp: string): Record<string, any> {
    return {
        apiVersion: "metallb.io/v1beta1",
        kind: "IPAddressPool",
        metadata: { name: meshPoolName(clusterName), namespace: METALLB_NAMESPACE },
        spec: { addresses: [`${meshIp}/32`], autoAssign: false },
    };
}

export function l2Advertisement(clusterName: string, withServicePool: boolean): Record<string, any> {
    const pools = [poolName(clusterName), meshPoolName(clusterName), ...(withServicePool ? [servicePoolName(clusterName)] : [])];
    return {
        apiVersion: "metallb.io/v1beta1",
        kind: "L2Advertisement",
        metadata: { name: `${clusterName}-l2`, namespace: METALLB_NAMESPACE },
        spec: { ipAddressPools: pools },
    };
}

/**
 * Chart values (metallb 0.16.1 values.yaml). L2 only: frr-k8s is the chart's default BGP backend
 * since 0.16 and would add a privileged DaemonSet, a webhook and CRDs nothing here uses.
 */
export function metalLbValues(): Record<string, unknown> {
    return {
        frrk8s: { enabled: false },
        controller: { resources: resources("50m", "64Mi", "200m", "128Mi") },
        speaker: { resources: resources("50m", "64Mi", "200m", "128Mi") },
    };
}

/** Arguments of a MetalLb. */
export interface MetalLbArgs {
    /** Cluster name, for the pools' names. */
    clusterName: string;
    /** The range, "first-last" inside the node subnet (config `network.lbPool`, validated). */
    pool: string;
    /** The clustermesh-apiserver's fixed IP, inside `pool` (config `network.clusterMeshIp`). */
    meshIp: string;
    /** mgmt's fixed service IPs, inside `pool` (config `network.serviceIps`); they get a pool of their own. */
    serviceIps?: string[];
    /** Provider of the target cluster. */
    provider: k8s.Provider;
    /** What must be running first: the CNI (pods need it). Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
}

/** MetalLB with the cluster's address pools. */
export class MetalLb extends pulumi.ComponentResource {
    /** Name of the release's namespace. */
    public readonly namespace: string;
    /** Name of the general IPAddressPool. */
    public readonly poolName: string;
    /** Name of the mesh IP's IPAddressPool. */
    public readonly meshPoolName: string;

    constructor(name: string, args: MetalLbArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:network:MetalLb", name, {}, opts);
        let pool: Record<string, any>;
        try {
            pool = ipAddressPool(args.clusterName, args.pool, [args.meshIp, ...(args.serviceIps ?? [])]);
        } catch (e) {
            throw new pulumi.InputPropertiesError({
                message: `${name}: ${(e as Error).message}`,
                errors: [{ propertyPath: "pool", reason: (e as Error).message }],
            });
        }
        // Privileged for the speaker (hostNetwork, NET_RAW), with its exemption record.
        // The chart installs the CRDs and the webhook; the release waits until they serve.
        const { namespace, release } = pinnedRelease(
            name,
            {
                chart: CHARTS.metallb,
                releaseName: "metallb",
                namespace: { privileged: PRIVILEGED_NAMESPACES.metallb },
                values: metalLbValues(),
                provider: args.provider,
                after: args.after,
            },
            this,
        );
        const crOpts = { parent: this, provider: args.provider, dependsOn: [release] };
        const general = new k8s.apiextensions.CustomResource(`${name}-pool`, pool as k8s.apiextensions.CustomResourceArgs, crOpts);
        const mesh = new k8s.apiextensions.CustomResource(
            `${name}-mesh-pool`,
            meshAddressPool(args.clusterName, args.meshIp) as k8s.apiextensions.CustomResourceArgs,
            crOpts,
        );
        const serviceIps = args.serviceIps ?? [];
        const services =
            serviceIps.length > 0
                ? [
                      new k8s.apiextensions.CustomResource(
                          `${name}-service-pool`,
                          serviceAddressPool(args.clusterName, serviceIps) as k8s.apiextensions.CustomResourceArgs,
                          crOpts,
                      ),
                  ]
                : [];
        new k8s.apiextensions.CustomResource(`${name}-l2`, l2Advertisement(args.clusterName, services.length > 0) as k8s.apiextensions.CustomResourceArgs, {
            ...crOpts,
            dependsOn: [release, general, mesh, ...services],
        });
        this.namespace = namespace;
        this.poolName = poolName(args.clusterName);
        this.meshPoolName = meshPoolName(args.clusterName);
        this.registerOutputs({ namespace: this.namespace, poolName: this.poolName, meshPoolName: this.meshPoolName });
    }
}
