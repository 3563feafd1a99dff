/**
 * Chart values of the scaling add-ons (issue 11; seed 001 §9.1, seed 002 E). None of these charts
 * has a copy in ../shared, so every key is one of the pinned chart's upstream values.yaml (cited
 * per function) and test/scaling/autoscaling.spec.ts holds the keys to that list.
 */
import { resources } from "../lib/pinned-release";

/** Namespaces of the add-ons; all three enforce PSA `restricted`. */
export const VPA_NAMESPACE = "vpa";
export const GOLDILOCKS_NAMESPACE = "goldilocks";
export const KEDA_NAMESPACE = "keda";

/** The label that opts a namespace into Goldilocks: its controller then creates a VPA (update mode `Off`) per workload there. */
export const GOLDILOCKS_ENABLED_LABEL = "goldilocks.fairwinds.com/enabled";

/** A pod and its containers as PSA `restricted` requires them (the charts' own defaults omit seccomp or the capability drop). */
const RESTRICTED_POD = { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } };
const RESTRICTED_CONTAINER = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };

/**
 * FairwindsOps `vpa` chart (stable/vpa/values.yaml: `recommender`, `updater`, `admissionController`,
 * each with `enabled`, `replicaCount`, `resources`, `podSecurityContext`, `securityContext`).
 * Recommendation mode (seed 002 E): only the recommender runs, so VPA objects get a `status.recommendation`
 * and nothing is evicted or mutated. To let VPA apply them, set `updater.enabled` and
 * `admissionController.enabled` to true here (both with explicit `resources`, and a CHART_WORKLOADS entry
 * per component) and set a VPA's `updatePolicy.updateMode` to `Recreate` or `InPlaceOrRecreate`
 * (`Auto` is deprecated since VPA 1.5); Goldilocks takes the namespace label
 * `goldilocks.fairwinds.com/vpa-update-mode`.
 */
export function vpaValues(): Record<string, unknown> {
    return {
        recommender: {
            enabled: true,
            replicaCount: 1,
            resources: resources("50m", "128Mi", "200m", "512Mi"),
            podSecurityContext: RESTRICTED_POD,
            securityContext: RESTRICTED_CONTAINER,
        },
        updater: { enabled: false },
        admissionController: { enabled: false },
    };
}

/**
 * FairwindsOps `goldilocks` chart (stable/goldilocks/values.yaml). VPA comes from its own release,
 * so the `vpa` subchart stays off. The dashboard is a ClusterIP Service only (the pack's
 * no-external-services): reach it with `kubectl -n goldilocks port-forward svc/goldilocks-dashboard 8080:80`.
 * One dashboard replica instead of the chart's two: it is a read-only view. The chart's pod and
 * container security contexts (RuntimeDefault seccomp, non-root, read-only root, no capabilities)
 * already meet `restricted`.
 */
export function goldilocksValues(): Record<string, unknown> {
    return {
        vpa: { enabled: false },
        controller: { resources: resources("25m", "64Mi", "100m", "256Mi") },
        dashboard: { replicaCount: 1, service: { type: "ClusterIP" }, resources: resources("25m", "64Mi", "100m", "256Mi") },
    };
}

/**
 * kedacore `keda` chart (keda/values.yaml: `resources.{operator,metricServer,webhooks}`; the
 * chart's securityContext defaults are "secure by default", README, and meet `restricted`).
 * The chart installs its CRDs (`crds.install` defaults to true).
 */
export function kedaValues(): Record<string, unknown> {
    return {
        resources: {
            operator: resources("100m", "128Mi", "500m", "512Mi"),
            metricServer: resources("50m", "128Mi", "500m", "512Mi"),
            webhooks: resources("20m", "64Mi", "200m", "256Mi"),
        },
    };
}
