/**
 * Falco (all clusters): syscall-level runtime detection from the pinned falcosecurity chart, with
 * the platform's custom rules (`rules.ts`) next to the upstream default rules.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../config/versions";
import { PRIVILEGED_NAMESPACES } from "../../policy-pack/conventions";
import { pinnedRelease, resources } from "../lib/pinned-release";
import { renderFalcoCustomRules } from "./rules";

/** Namespace of the Falco DaemonSet. */
export const FALCO_NAMESPACE = PRIVILEGED_NAMESPACES.falco.namespace;

/**
 * Helm values (falco chart 9.1.0 values.yaml): the modern eBPF probe (Ubuntu 24.04 kernels; the
 * legacy `ebpf` kind is gone in 9.x), our rules, and requests and limits for every container the
 * chart can run: Falco itself (the chart's own defaults, made explicit), falcoctl's rule
 * install and follow containers, and the driver loader init container.
 */
export function falcoValues(): Record<string, unknown> {
    const falcoctl = resources("10m", "32Mi", "100m", "128Mi");
    return {
        driver: { kind: "modern_ebpf", loader: { initContainer: { resources: falcoctl } } },
        customRules: { "rules-custom.yaml": renderFalcoCustomRules() },
        resources: resources("100m", "512Mi", "1000m", "1024Mi"),
        falcoctl: { artifact: { install: { resources: falcoctl }, follow: { resources: falcoctl } } },
    };
}

/** Arguments of Falco. */
export interface FalcoArgs {
    /** Provider of the cluster to install into. */
    provider: k8s.Provider;
    /** What must be running first: the CNI (the chart's pods need it). Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
}

/** Falco in one cluster. */
export class Falco extends pulumi.ComponentResource {
    /** Name of the release's namespace. */
    public readonly namespace: string;
    /** The Helm release. */
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: FalcoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:security:Falco", name, {}, opts);
        // Privileged: the eBPF probe runs privileged with hostPID and host /proc, /sys and the
        // container runtime socket; no lower PSS level allows that.
        const { namespace, release } = pinnedRelease(
            name,
            {
                chart: CHARTS.falco,
                releaseName: "falco",
                namespace: { privileged: PRIVILEGED_NAMESPACES.falco },
                values: falcoValues(),
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
