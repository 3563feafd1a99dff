/**
 * The Kyverno ClusterPolicies of seed 001 §13.2/§19.2 (require limits, trusted registries,
 * disallow privileged, disallow root), in the current form of Kyverno 1.19 (kyverno.io/v1):
 * - `validate.failureAction` per rule; the seed's `spec.validationFailureAction` is deprecated
 *   since 1.13 (kyverno PRs #10528, #10893);
 * - `=(initContainers)` / `=(ephemeralContainers)` conditional anchors, so a pod cannot slip an
 *   untrusted image or a privileged container past the policy in a list the seed forgot
 *   (kyverno/policies#951);
 * - a registry pattern that accepts exactly the images the policy pack's `trusted-image-registries`
 *   accepts, short Docker Hub names included (`registryPattern`).
 *
 * ClusterPolicy, not ValidatingPolicy: `kyverno.io/v1` is deprecated since 1.17 but still served by the
 * pinned 1.19, and its pattern semantics (pkg/engine/pattern) can be checked here against the pack
 * with no Kyverno binary. Move to `policies.kyverno.io/v1` together with the Kyverno bump that drops it.
 */
import {
    CONTAINER_LISTS,
    ContainerList,
    DOCKER_HUB,
    DOCKER_HUB_LEGACY_HOST,
    DOCKER_OFFICIAL_NAMESPACE,
    trustedRegistryProblem,
} from "../../policy-pack/conventions";

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

/**
 * `containers` is required in every pod, so it is matched as is; the other lists are optional and
 * take the `=(…)` anchor: checked when present, ignored when absent.
 */
export function listKey(list: ContainerList): string {
    return list === "containers" ? list : `=(${list})`;
}

/** A pod-spec pattern applying the same element pattern to each listed container list. */
export function perContainer(element: object, lists: readonly ContainerList[] = CONTAINER_LISTS): Record<string, object[]> {
    return Object.fromEntries(lists.map((l) => [listKey(l), [element]]));
}

/**
 * Every spelling of an image reference that resolves into the trusted `entry`, as Kyverno pattern
 * conditions (pkg/engine/pattern: `|` separates alternatives, `&` joins conditions, a leading `!`
 * negates; `*` matches any run of characters, `/` included). Kyverno compares the image string as
 * written, while the runtime and the pack resolve it first (distribution/reference normalize.go):
 * `nginx`, `library/nginx`, `docker.io/nginx` and `index.docker.io/library/nginx` are all
 * `docker.io/library/nginx`, and `bitnami/redis` is `docker.io/bitnami/redis`.
 */
function spellings(entry: string): string[] {
    const trimmed = entry.replace(/\/+$/, "");
    const [host, ...path] = trimmed.split("/");
    if (host !== DOCKER_HUB) {
        return [`${trimmed}/*`];
    }
    const namespace = path.join("/");
    const hosts = [DOCKER_HUB, DOCKER_HUB_LEGACY_HOST];
    // `bitnami/redis`: no host, Docker Hub implied (trustedRegistryProblem keeps host-like namespaces out).
    const result = [...hosts.map((h) => `${h}/${namespace}/*`), `${namespace}/*`];
    if (namespace === DOCKER_OFFICIAL_NAMESPACE) {
        // `nginx` (no slash at all), and `docker.io/nginx` (a host, then one component).
        result.push("!*/*", ...hosts.map((h) => `${h}/* & !${h}/*/*`));
    }
    return result;
}

/** The pattern of `require-trusted-registry` for `registries` (config `security.trustedRegistries`). */
export function registryPattern(registries: readonly string[]): string {
    if (registries.length === 0) {
        throw new Error("registryPattern: no trusted registry given; set security.trustedRegistries");
    }
    for (const r of registries) {
        const problem = trustedRegistryProblem(r);
        if (problem) {
            throw new Error(`registryPattern: security.trustedRegistries entry ${problem}`);
        }
    }
    return registries.flatMap(spellings).join(" | ");
}

function podRule(name: string, message: string, validate: { pattern: object } | { anyPattern: object[] }, excludedNamespaces: readonly string[]): KyvernoRule {
    return {
        name,
        match: { any: [{ resources: { kinds: ["Pod"] } }] },
        ...(excludedNamespaces.length > 0 ? { exclude: { any: [{ resources: { namespaces: [...excludedNamespaces] } }] } } : {}),
        validate: { failureAction: "Enforce", message, ...validate },
    };
}

/** Kyverno's annotation naming the controllers to generate rules for; `none` turns autogen off (api/kyverno/v1 PodControllersAnnotation). */
export const AUTOGEN_CONTROLLERS_ANNOTATION = "pod-policies.kyverno.io/autogen-controllers";

function clusterPolicy(name: string, title: string, rule: KyvernoRule, annotations: Record<string, string> = {}): ClusterPolicyManifest {
    return {
        apiVersion: "kyverno.io/v1",
        kind: "ClusterPolicy",
        metadata: { name, annotations: { "policies.kyverno.io/title": title, "policies.kyverno.io/subject": "Pod", ...annotations } },
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
 * `kubectl debug`. The other three cover all three lists. It also checks Pods only, with autogen
 * off: Kyverno would otherwise add rules for Deployments and the other controllers
 * (pkg/autogen `CanAutoGen`), rejecting a Deployment whose pods get their limits from the
 * namespace's LimitRange, which LimitRanger applies to Pods alone, before validating webhooks run.
 */
export function kyvernoClusterPolicies(registries: readonly string[], excludedNamespaces: readonly string[] = []): ClusterPolicyManifest[] {
    return [
        clusterPolicy(
            "require-resource-limits",
            "Require CPU and memory limits",
            podRule(
                "check-container-resources",
                "CPU and memory limits are required on every container and init container.",
                {
                    pattern: { spec: perContainer({ resources: { limits: { memory: "?*", cpu: "?*" } } }, ["containers", "initContainers"]) },
                },
                excludedNamespaces,
            ),
            { [AUTOGEN_CONTROLLERS_ANNOTATION]: "none" },
        ),
        clusterPolicy(
            "require-trusted-registry",
            "Require images from trusted registries",
            podRule(
                "check-image-registry",
                `Images must come from a trusted registry: ${registries.join(", ")}.`,
                {
                    pattern: { spec: perContainer({ image: registryPattern(registries) }) },
                },
                excludedNamespaces,
            ),
        ),
        clusterPolicy(
            "disallow-privileged",
            "Disallow privileged containers",
            podRule(
                "check-privileged",
                "Privileged containers are not allowed.",
                {
                    pattern: { spec: perContainer({ "=(securityContext)": { "=(privileged)": "false" } }) },
                },
                excludedNamespaces,
            ),
        ),
        clusterPolicy(
            "disallow-root-user",
            "Disallow running as root",
            // Either the pod sets runAsNonRoot and no container turns it off, or every container sets it.
            podRule(
                "check-run-as-non-root",
                "Containers must run as non-root: set securityContext.runAsNonRoot to true.",
                {
                    anyPattern: [
                        { spec: { securityContext: { runAsNonRoot: true }, ...perContainer({ "=(securityContext)": { "=(runAsNonRoot)": true } }) } },
                        { spec: perContainer({ securityContext: { runAsNonRoot: true } }) },
                    ],
                },
                excludedNamespaces,
            ),
        ),
    ];
}
