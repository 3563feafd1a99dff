/**
 * The Kyverno ClusterPolicies of seed 001 §13.2/§19.2 (require limits, trusted registries,
 * disallow privileged, disallow root), in the current form of Kyverno 1.19 (kyverno.io/v1):
 * - `validate.failureAction` per rule; the seed's `spec.validationFailureAction` is deprecated
 *   since 1.13 (kyverno PRs #10528, #10893);
 * - `=(initContainers)` / `=(ephemeralContainers)` conditional anchors, so a pod cannot slip an
 *   untrusted image or a privileged container past the policy in a list the seed forgot
 *   (kyverno/policies#951).
 */

/** Pulumi-free shape of a ClusterPolicy, as the CRD's openAPIV3Schema validates it. */
export interface ClusterPolicyManifest {
    apiVersion: "kyverno.io/v1";
    kind: "ClusterPolicy";
    metadata: { name: string; annotations: Record<string, string> };
    spec: { background: boolean; rules: KyvernoRule[] };
}

/** One validate rule over Pods. */
export interface KyvernoRule {
    name: string;
    match: { any: Array<{ resources: { kinds: string[] } }> };
    exclude?: { any: Array<{ resources: { namespaces: string[] } }> };
    validate: { failureAction: "Enforce" | "Audit"; message: string; pattern?: object; anyPattern?: object[] };
}

/** The container lists of a pod spec, and the key each takes in a pattern. */
export type ContainerList = "containers" | "initContainers" | "ephemeralContainers";
const ALL_LISTS: ContainerList[] = ["containers", "initContainers", "ephemeralContainers"];

/**
 * `containers` is required in every pod, so it is matched as is; the other lists are optional and
 * take the `=(…)` anchor: checked when present, ignored when absent.
 */
export function listKey(list: ContainerList): string {
    return list === "containers" ? list : `=(${list})`;
}

/** A pod-spec pattern applying the same element pattern to each listed container list. */
export function perContainer(element: object, lists: ContainerList[] = ALL_LISTS): Record<string, object[]> {
    return Object.fromEntries(lists.map((l) => [listKey(l), [element]]));
}

/** `harbor.local.dev/* | gcr.io/*`: Kyverno's wildcard alternatives, one per trusted registry. */
export function registryPattern(registries: string[]): string {
    if (registries.length === 0) {
        throw new Error("registryPattern: no trusted registry given; set security.trustedRegistries");
    }
    return registries.map((r) => `${r.replace(/\/+$/, "")}/*`).join(" | ");
}

function podRule(name: string, message: string, validate: { pattern: object } | { anyPattern: object[] }, excludedNamespaces: string[]): KyvernoRule {
    return {
        name,
        match: { any: [{ resources: { kinds: ["Pod"] } }] },
        ...(excludedNamespaces.length > 0 ? { exclude: { any: [{ resources: { namespaces: [...excludedNamespaces] } }] } } : {}),
        validate: { failureAction: "Enforce", message, ...validate },
    };
}

function clusterPolicy(name: string, title: string, rule: KyvernoRule): ClusterPolicyManifest {
    return {
        apiVersion: "kyverno.io/v1",
        kind: "ClusterPolicy",
        metadata: { name, annotations: { "policies.kyverno.io/title": title, "policies.kyverno.io/subject": "Pod" } },
        // background: also report existing pods that violate, not only new admissions.
        spec: { background: true, rules: [rule] },
    };
}

/**
 * The four policies, for `registries` (config `security.trustedRegistries`). `excludedNamespaces`
 * holds platform namespaces PSA already exempts or that run the platform's own, upstream-built
 * images (ADR-003: Kyverno guards the teams' workloads; seed 001 §19.2 excludes kube-system).
 *
 * require-resource-limits skips ephemeral containers: the API rejects resources on them
 * ("Resources are not allowed for ephemeral containers"), so requiring limits would forbid every
 * `kubectl debug`. The other three cover all three lists.
 */
export function kyvernoClusterPolicies(registries: string[], excludedNamespaces: string[] = []): ClusterPolicyManifest[] {
    return [
        clusterPolicy(
            "require-resource-limits",
            "Require CPU and memory limits",
            podRule("check-container-resources", "CPU and memory limits are required on every container and init container.", {
                pattern: { spec: perContainer({ resources: { limits: { memory: "?*", cpu: "?*" } } }, ["containers", "initContainers"]) },
            }, excludedNamespaces),
        ),
        clusterPolicy(
            "require-trusted-registry",
            "Require images from trusted registries",
            podRule("check-image-registry", `Images must come from a trusted registry: ${registries.join(", ")}.`, {
                pattern: { spec: perContainer({ image: registryPattern(registries) }) },
            }, excludedNamespaces),
        ),
        clusterPolicy(
            "disallow-privileged",
            "Disallow privileged containers",
            podRule("check-privileged", "Privileged containers are not allowed.", {
                pattern: { spec: perContainer({ "=(securityContext)": { "=(privileged)": "false" } }) },
            }, excludedNamespaces),
        ),
        clusterPolicy(
            "disallow-root-user",
            "Disallow running as root",
            // Either the pod sets runAsNonRoot and no container turns it off, or every container sets it.
            podRule("check-run-as-non-root", "Containers must run as non-root: set securityContext.runAsNonRoot to true.", {
                anyPattern: [
                    { spec: { securityContext: { runAsNonRoot: true }, ...perContainer({ "=(securityContext)": { "=(runAsNonRoot)": true } }) } },
                    { spec: perContainer({ securityContext: { runAsNonRoot: true } }) },
                ],
            }, excludedNamespaces),
        ),
    ];
}
