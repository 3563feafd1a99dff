/**
 * The one shape of a Helm add-on: a chart pinned in config/versions.ts, installed as a
 * `helm.v3.Release` (Helm runs the chart's hooks; it previews without a reachable cluster) into
 * its own namespace with its PSA level and, when privileged, the exemption record. Children are
 * `${name}-namespace` and `${name}-release`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartPin, pinnedChart } from "../../config/versions";
import { namespaceMetadata, namespaceName, NamespaceSpec } from "./psa";

/** Where a release goes: a namespace it creates, or one that exists from `kubeadm init` on (kube-system). */
export type ReleaseNamespace = NamespaceSpec | { existing: string };

/** Requests and limits of one container, as chart values and pod specs take them. */
export interface ContainerResources {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

/** Explicit requests and limits: every platform workload sets both, so capacity sums are real. */
export function resources(cpuRequest: string, memoryRequest: string, cpuLimit: string, memoryLimit: string): ContainerResources {
    return { requests: { cpu: cpuRequest, memory: memoryRequest }, limits: { cpu: cpuLimit, memory: memoryLimit } };
}

/** Arguments of a pinned release. */
export interface PinnedReleaseArgs {
    /** The chart, pinned in config/versions.ts. */
    chart: ChartPin;
    /** Helm's release name (`helm ls`). */
    releaseName: string;
    /** The namespace to create (with its PSA level) or the existing one to install into. */
    namespace: ReleaseNamespace;
    /** Chart values; only key material is secret, as nested secrets, so a preview shows the rest. */
    values: pulumi.Input<Record<string, unknown>>;
    /** Provider of the target cluster. */
    provider: k8s.Provider;
    /** What must be running first (the CNI: the chart's pods need it). Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
    /** Skip Helm's wait for the release's resources (hooks still run and are waited for). */
    skipAwait?: boolean;
    /** Seconds Helm may take, hooks included; the provider's default is 300. */
    timeout?: number;
}

/** What a pinned release created. */
export interface PinnedRelease {
    /** Name of the release's namespace. */
    namespace: string;
    /** The Helm release: anything that needs the chart's CRDs or pods depends on it. */
    release: k8s.helm.v3.Release;
}

/** Creates `${name}-namespace` (unless the namespace exists) and `${name}-release` under `parent`. */
export function pinnedRelease(name: string, args: PinnedReleaseArgs, parent: pulumi.Resource): PinnedRelease {
    const opts = { parent, provider: args.provider };
    const spec = args.namespace;
    const namespaceResource = "existing" in spec ? undefined : new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: namespaceMetadata(spec) }, opts);
    const namespace = "existing" in spec ? spec.existing : namespaceName(spec);
    const release = new k8s.helm.v3.Release(
        `${name}-release`,
        {
            name: args.releaseName,
            ...pinnedChart(args.chart),
            // An input from the Namespace resource, so the release waits for it.
            namespace: namespaceResource ? namespaceResource.metadata.name : namespace,
            values: args.values,
            skipAwait: args.skipAwait,
            timeout: args.timeout,
        },
        { ...opts, dependsOn: args.after },
    );
    return { namespace, release };
}
