/**
 * One scaling add-on: a pinned chart in its own `restricted` namespace. A component of its own, so
 * each release is `<add-on>-release` beside `<add-on>-namespace` (the shape every platform release has).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartPin } from "../../config/versions";
import { pinnedRelease } from "../lib/pinned-release";

/** Arguments of a ScalingAddOn. */
export interface ScalingAddOnArgs {
    /** The chart, pinned in config/versions.ts. */
    chart: ChartPin;
    /** Namespace to create (PSA `restricted`) and Helm's release name. */
    namespace: string;
    /** Chart values. */
    values: Record<string, unknown>;
    /** Provider of the target cluster. */
    provider: k8s.Provider;
    /** What must be running first. */
    after: pulumi.Resource[];
}

/** A pinned release of a scaling add-on. */
export class ScalingAddOn extends pulumi.ComponentResource {
    /** Name of the release's namespace. */
    public readonly namespace: string;
    /** The Helm release: whatever needs the chart's CRDs depends on it. */
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: ScalingAddOnArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:scaling:AddOn", name, {}, opts);
        const { namespace, release } = pinnedRelease(
            name,
            {
                chart: args.chart,
                releaseName: args.namespace,
                namespace: { name: args.namespace, level: "restricted" },
                values: args.values,
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
