/**
 * Kyverno (ADR-003, app clusters only): the admission controller from its pinned chart, then the
 * ClusterPolicies of `policies.ts`. The policies are custom resources of CRDs the chart installs,
 * so they wait for the release: CRDs before CRs.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS, pinnedChart } from "../../config/versions";
import { psaLabels } from "../psa-exemption";
import { kyvernoClusterPolicies } from "./policies";

/** Namespace of the Kyverno controllers. */
export const KYVERNO_NAMESPACE = "kyverno";

/** Arguments of Kyverno. */
export interface KyvernoArgs {
    /** Registries pods may pull from (config `security.trustedRegistries`). */
    trustedRegistries: string[];
    /** Namespaces the policies skip: system and platform namespaces, not the teams' (see `kyvernoClusterPolicies`). */
    excludedNamespaces: string[];
    /** Provider of the cluster to install into. */
    provider: k8s.Provider;
    /** What must be running first: the CNI (the chart's pods need it). Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
}

/** Kyverno and the platform's ClusterPolicies in one cluster. */
export class Kyverno extends pulumi.ComponentResource {
    /** The Helm release; anything that needs Kyverno's CRDs or webhooks depends on it. */
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: KyvernoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:security:Kyverno", name, {}, opts);
        const { provider } = args;
        // The chart's pods meet baseline; restricted stays audited and warned like the cluster default.
        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: KYVERNO_NAMESPACE, labels: psaLabels("baseline") } }, { parent: this, provider });
        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: "kyverno",
                ...pinnedChart(CHARTS.kyverno),
                namespace: namespace.metadata.name,
            },
            { parent: this, provider, dependsOn: args.after },
        );
        for (const policy of kyvernoClusterPolicies(args.trustedRegistries, args.excludedNamespaces)) {
            // The ClusterPolicy CRD and the admission webhook come with the release.
            new k8s.apiextensions.CustomResource(`${name}-${policy.metadata.name}`, policy, { parent: this, provider, dependsOn: [this.release] });
        }
        this.registerOutputs({ release: this.release.status });
    }
}
