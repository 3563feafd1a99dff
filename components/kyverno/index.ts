/**
 * Kyverno (ADR-003, app clusters only): the admission controller from its pinned chart, then the
 * ClusterPolicies of `policies.ts`. The policies are custom resources of CRDs the chart installs,
 * so they wait for the release: CRDs before CRs.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../config/versions";
import { pinnedRelease, resources } from "../lib/pinned-release";
import { kyvernoClusterPolicies } from "./policies";

/** Namespace of the Kyverno controllers. */
export const KYVERNO_NAMESPACE = "kyverno";

/** Namespace label the API server sets on every namespace (Kubernetes ≥ 1.22); it cannot be forged. */
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/**
 * Helm values (kyverno chart 3.9.0 values.yaml).
 *
 * The webhooks skip `spared` (the platform's own namespaces): with one admission replica a Pod
 * create there would otherwise fail whenever Kyverno is down, because the webhooks fail closed.
 * That is the choice for these 1-worker clusters: three replicas would all land on the one
 * worker (the control plane is tainted), so they would not survive the node they share, and
 * would cost memory the node needs. The policies exclude the same namespaces, so nothing that
 * was checked stops being checked.
 *
 * Requests and limits for every controller and hook Job the chart runs (several chart defaults
 * set no CPU limit).
 */
export function kyvernoValues(spared: string[]): Record<string, unknown> {
    const controller = resources("100m", "128Mi", "500m", "384Mi");
    const small = resources("10m", "64Mi", "100m", "256Mi");
    return {
        config: { webhooks: { namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: "NotIn", values: spared }] } } },
        admissionController: { initContainer: { resources: small }, container: { resources: controller } },
        backgroundController: { resources: controller },
        cleanupController: { resources: controller },
        reportsController: { resources: controller },
        webhooksCleanup: { resources: small },
        crds: { migration: { podResources: small } },
    };
}

/** Arguments of Kyverno. */
export interface KyvernoArgs {
    /** Registries pods may pull from (config `security.trustedRegistries`). */
    trustedRegistries: string[];
    /** Namespaces Kyverno leaves alone, in its policies and its webhooks: the platform's own, never the teams'. */
    excludedNamespaces: string[];
    /** Provider of the cluster to install into. */
    provider: k8s.Provider;
    /** What must be running first: the CNI (the chart's pods need it). Components do not pass their own dependsOn to children. */
    after: pulumi.Resource[];
}

/** Kyverno and the platform's ClusterPolicies in one cluster. */
export class Kyverno extends pulumi.ComponentResource {
    /** Name of the release's namespace. */
    public readonly namespace: string;
    /** The Helm release; anything that needs Kyverno's CRDs or webhooks depends on it. */
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: KyvernoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:security:Kyverno", name, {}, opts);
        const { provider } = args;
        // The chart's pods meet baseline; restricted stays audited and warned like the cluster default.
        const { namespace, release } = pinnedRelease(
            name,
            {
                chart: CHARTS.kyverno,
                releaseName: "kyverno",
                namespace: { name: KYVERNO_NAMESPACE, level: "baseline" },
                values: kyvernoValues(args.excludedNamespaces),
                provider,
                after: args.after,
            },
            this,
        );
        for (const policy of kyvernoClusterPolicies(args.trustedRegistries, args.excludedNamespaces)) {
            // The ClusterPolicy CRD and the admission webhook come with the release.
            new k8s.apiextensions.CustomResource(`${name}-${policy.metadata.name}`, policy, { parent: this, provider, dependsOn: [release] });
        }
        this.namespace = namespace;
        this.release = release;
        this.registerOutputs({ namespace, release: release.status });
    }
}
