/**
 * Autoscaling (issue 11; seed 001 §9.1, seed 002 E): on every cluster the VPA recommender
 * (recommendation mode: no updater, no admission controller) and Goldilocks, which creates a VPA
 * with update mode `Off` for each workload of the namespaces it is told to watch and shows the
 * recommendations on a ClusterIP dashboard; on app clusters also KEDA. Goldilocks watches a
 * namespace labelled `goldilocks.fairwinds.com/enabled=true`: this component adds that label with a
 * NamespacePatch to each namespace it is given, so the component that owns a namespace keeps owning it.
 * Needs metrics-server (the recommender reads the resource metrics API).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../config/versions";
import { ScalingAddOn } from "./add-on";
import { GOLDILOCKS_ENABLED_LABEL, GOLDILOCKS_NAMESPACE, goldilocksValues, KEDA_NAMESPACE, kedaValues, VPA_NAMESPACE, vpaValues } from "./values";

/** The namespaces the component creates, with KEDA's on app clusters (Kyverno must leave them alone: their images are upstream's). */
export function autoscalingNamespaces(keda: boolean): string[] {
    return [VPA_NAMESPACE, GOLDILOCKS_NAMESPACE, ...(keda ? [KEDA_NAMESPACE] : [])];
}

/** The patch that opts one existing namespace into Goldilocks; it sets nothing else on the namespace. */
export function goldilocksOptIn(namespace: string): { metadata: { name: string; labels: Record<string, string> } } {
    return { metadata: { name: namespace, labels: { [GOLDILOCKS_ENABLED_LABEL]: "true" } } };
}

/** Arguments of Autoscaling. */
export interface AutoscalingArgs {
    /** Provider of the target cluster. */
    provider: k8s.Provider;
    /** What must be running first: the CNI and metrics-server. Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
    /** Install KEDA (app clusters). */
    keda: boolean;
    /**
     * Namespaces Goldilocks recommends for, each created elsewhere in the stack: the application
     * namespaces on app clusters, the platform's own on mgmt.
     */
    recommendNamespaces: string[];
    /** The resources that create those namespaces: each patch waits for them (and for this component's own releases). */
    namespacesReady: pulumi.Resource[];
}

/** VPA and Goldilocks on one cluster, and KEDA where asked. */
export class Autoscaling extends pulumi.ComponentResource {
    /** The namespaces the component created. */
    public readonly namespaces: string[];
    /** The VPA release: anything that creates VerticalPodAutoscaler objects depends on it (the chart brings the CRDs). */
    public readonly vpa: k8s.helm.v3.Release;
    /** The KEDA release (app clusters): ScaledObjects depend on it. */
    public readonly keda?: k8s.helm.v3.Release;

    constructor(name: string, args: AutoscalingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:scaling:Autoscaling", name, {}, opts);
        const common = { provider: args.provider, after: args.after };
        const vpa = new ScalingAddOn(`${name}-vpa`, { chart: CHARTS.vpa, namespace: VPA_NAMESPACE, values: vpaValues(), ...common }, { parent: this });
        // Goldilocks' controller creates VPA objects, so it waits for the CRDs the VPA chart installs.
        const goldilocks = new ScalingAddOn(
            `${name}-goldilocks`,
            { chart: CHARTS.goldilocks, namespace: GOLDILOCKS_NAMESPACE, values: goldilocksValues(), ...common, after: [...args.after, vpa.release] },
            { parent: this },
        );
        for (const namespace of [...new Set(args.recommendNamespaces)]) {
            new k8s.core.v1.NamespacePatch(`${name}-opt-in-${namespace}`, goldilocksOptIn(namespace), {
                parent: this,
                provider: args.provider,
                dependsOn: [...args.namespacesReady, vpa, goldilocks],
            });
        }
        const keda = args.keda
            ? new ScalingAddOn(`${name}-keda`, { chart: CHARTS.keda, namespace: KEDA_NAMESPACE, values: kedaValues(), ...common }, { parent: this })
            : undefined;
        this.namespaces = autoscalingNamespaces(args.keda);
        this.vpa = vpa.release;
        this.keda = keda?.release;
        this.registerOutputs({ namespaces: this.namespaces, goldilocks: goldilocks.namespace, recommendNamespaces: args.recommendNamespaces });
    }
}
