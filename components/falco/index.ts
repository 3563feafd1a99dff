/**
 * Falco (all clusters): syscall-level runtime detection from the pinned falcosecurity chart, with
 * the platform's custom rules (`rules.ts`) next to the upstream default rules.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS, pinnedChart } from "../../config/versions";
import { privilegedNamespaceMetadata } from "../psa-exemption";
import { renderFalcoCustomRules } from "./rules";

/** Namespace of the Falco DaemonSet. */
export const FALCO_NAMESPACE = "falco";

/** Helm values: the modern eBPF probe (Ubuntu 24.04 kernels; the legacy `ebpf` kind is gone in 9.x) and our rules. */
export function falcoValues(): Record<string, unknown> {
    return {
        driver: { kind: "modern_ebpf" },
        customRules: { "rules-custom.yaml": renderFalcoCustomRules() },
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
    /** The Helm release. */
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: FalcoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:security:Falco", name, {}, opts);
        const { provider } = args;
        // privileged: the eBPF probe needs a privileged container with host PID and /proc, /sys and
        // the container runtime socket mounted from the host; no lower PSS level allows that.
        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
                metadata: privilegedNamespaceMetadata(FALCO_NAMESPACE, {
                    reason: "Falco's eBPF probe runs privileged with hostPID and host /proc, /sys and the containerd socket",
                    owner: "platform-security",
                }),
            },
            { parent: this, provider },
        );
        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: "falco",
                ...pinnedChart(CHARTS.falco),
                namespace: namespace.metadata.name,
                values: falcoValues(),
            },
            { parent: this, provider, dependsOn: args.after },
        );
        this.registerOutputs({ release: this.release.status });
    }
}
