/**
 * What a provider's Diff answers for a resource whose inputs changed, as the real providers
 * decide it: which input keys changed, and whether the change replaces the resource. Inputs come
 * from plan JSON (secrets as "[secret]" plus their digest). Each rule names its provider source.
 */
import { propertyPath } from "../offline/record";

/** A property path as segments; `"*"` matches any key or index. */
export type PathSegments = Array<string | number>;

/** Parses Pulumi's property path syntax: `a.b[0]["c.d"][*]` (pulumi/pulumi `resource.ParsePropertyPath`). */
export function parsePath(path: string): PathSegments {
    const segments: PathSegments = [];
    const pattern = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\[\*\]|\.?([^.[\]]+)/gy;
    let match: RegExpExecArray | null;
    while (pattern.lastIndex < path.length && (match = pattern.exec(path))) {
        segments.push(match[1] !== undefined ? Number(match[1]) : match[2] !== undefined ? (JSON.parse(match[2]) as string) : (match[3] ?? "*"));
    }
    if (pattern.lastIndex !== path.length) {
        throw new Error(`not a property path: ${path}`);
    }
    return segments;
}

/** True when `pattern` is `path` or one of its ancestors (wildcards match any segment). */
export function covers(pattern: PathSegments, path: PathSegments): boolean {
    return pattern.length <= path.length && pattern.every((s, i) => s === "*" || s === path[i]);
}

/** Two paths on one branch: either covers the other. */
function overlap(a: PathSegments, b: PathSegments): boolean {
    return covers(a, b) || covers(b, a);
}

const isContainer = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** One side of a comparison: inputs as plan JSON shows them, and the digests of their secrets. */
export interface Side {
    inputs: Record<string, unknown>;
    secretDigests?: Record<string, string>;
}

/**
 * Leaf paths whose values differ between the old and the new inputs. A "[secret]" on both sides
 * differs when its digest does. A value that changes shape (scalar ↔ object) reports its own path too.
 */
export function changedPaths(old: Side, now: Side): PathSegments[] {
    const out: PathSegments[] = [];
    const walk = (a: unknown, b: unknown, at: PathSegments) => {
        if (isContainer(a) || isContainer(b)) {
            const before = out.length;
            const keys = new Set([...Object.keys(isContainer(a) ? a : {}), ...Object.keys(isContainer(b) ? b : {})]);
            for (const k of [...keys].sort()) {
                const key = Array.isArray(a) || Array.isArray(b) ? Number(k) : k;
                walk(isContainer(a) ? a[k] : undefined, isContainer(b) ? b[k] : undefined, [...at, key]);
            }
            // A scalar that became an object (or back), or an empty object that appeared or went.
            const reshaped = a !== undefined && b !== undefined && (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b));
            if (reshaped || (out.length === before && JSON.stringify(a) !== JSON.stringify(b))) {
                out.splice(before, 0, at);
            }
            return;
        }
        const secret = a === "[secret]" && b === "[secret]";
        const p = propertyPath(at);
        if (secret ? old.secretDigests?.[p] !== now.secretDigests?.[p] : JSON.stringify(a) !== JSON.stringify(b)) {
            out.push(at);
        }
    };
    walk(old.inputs, now.inputs, []);
    return out;
}

/** What a provider's Diff decided. */
export interface ProviderDiff {
    /** Changed paths that force a replace. */
    replaces: PathSegments[];
    /** The provider asks to delete the old resource first (pulumi-kubernetes, for named objects). */
    deleteBeforeReplace?: boolean;
}

/** The inputs of a diff: changed paths (unknown keys included as whole keys) and both sides. */
export interface DiffInput {
    type: string;
    old: Side;
    now: Side;
    changed: PathSegments[];
}

type Rule = (input: DiffInput) => ProviderDiff;

/**
 * pulumi-command: `triggers` is tagged `provider:"replaceOnChanges"`, every other input updates
 * in place (pulumi/pulumi-command provider/pkg/provider/common/inputs.go).
 */
const commandRule: Rule = ({ changed }) => ({ replaces: changed.filter((p) => p[0] === "triggers") });

/**
 * terraform-provider-tls (bridged as @pulumi/tls): every input of tls_private_key,
 * tls_self_signed_cert, tls_locally_signed_cert and tls_cert_request is RequiresReplace except
 * `early_renewal_hours` (internal/provider/resource_self_signed_cert.go schema).
 */
const tlsRule: Rule = ({ changed }) => ({ replaces: changed.filter((p) => p[0] !== "earlyRenewalHours") });

/** terraform-provider-random: every input is RequiresReplace (internal/provider/resource_string.go, resource_id.go, resource_bytes.go). */
const randomRule: Rule = ({ changed }) => ({ replaces: changed });

/**
 * pulumi-kubernetes DiffConfig: a kubeconfig that is unknown or points at another cluster, or a
 * new renderYamlToDirectory, replaces the provider (provider/pkg/provider/provider.go). Offline,
 * kubeconfigs are mocks that differ only when the server does, so any change counts as another cluster.
 */
const kubernetesProviderRule: Rule = ({ changed }) => ({ replaces: changed.filter((p) => p[0] === "kubeconfig" || p[0] === "renderYamlToDirectory") });

/** pulumi-kubernetes Helm Release: only `name` and `namespace` force a replace (provider/pkg/provider/helm_release.go Diff). */
const helmReleaseRule: Rule = ({ changed }) => ({ replaces: changed.filter((p) => p[0] === "name" || p[0] === "namespace") });

const labelSelector = (prefix: string) =>
    ["", ".matchExpressions", ".matchExpressions.key", ".matchExpressions.operator", ".matchExpressions.values", ".matchLabels"].map((s) => prefix + s);
const container = (prefix: string) =>
    ["args", "command", "env", "env.value", "image", "imagePullPolicy", "lifecycle", "livenessProbe", "ports", "readinessProbe", "resources", "securityContext"]
        .concat(["stdin", "stdinOnce", "terminationMessagePath", "terminationMessagePolicy", "tty", "volumeDevices", "volumeMounts", "workingDir"])
        .map((f) => `${prefix}.${f}`);
const persistentVolumeSources = [
    "awsElasticBlockStore",
    "azureDisk",
    "azureFile",
    "cephfs",
    "cinder",
    "csi",
    "fc",
    "flexVolume",
    "flocker",
    "gcePersistentDisk",
]
    .concat([
        "glusterfs",
        "hostPath",
        "iscsi",
        "local",
        "nfs",
        "photonPersistentDisk",
        "portworxVolume",
        "quobyte",
        "rbd",
        "scaleIO",
        "storageos",
        "vsphereVolume",
    ])
    .map((s) => `spec.${s}`);
const podSpec = [
    "affinity",
    "automountServiceAccountToken",
    "dnsConfig",
    "dnsPolicy",
    "enableServiceLinks",
    "hostAliases",
    "hostIPC",
    "hostNetwork",
    "hostPID",
    "hostname",
]
    .concat([
        "imagePullSecrets",
        "nodeName",
        "nodeSelector",
        "overhead",
        "preemptionPolicy",
        "priority",
        "priorityClassName",
        "readinessGates",
        "restartPolicy",
    ])
    .concat(["runtimeClassName", "schedulerName", "securityContext", "serviceAccount", "serviceAccountName", "shareProcessNamespace", "subdomain"])
    .concat(["terminationGracePeriodSeconds", "volumes"])
    .map((f) => `spec.${f}`);
const statefulSet = [
    "spec.podManagementPolicy",
    "spec.revisionHistoryLimit",
    "spec.serviceName",
    "spec.volumeClaimTemplates",
    ...labelSelector("spec.selector"),
];
const job = ["spec.completions", "spec.parallelism", "spec.template", ...labelSelector("spec.selector")];
const core: Record<string, string[]> = {
    ConfigMap: ["binaryData", "data"],
    PersistentVolume: persistentVolumeSources,
    PersistentVolumeClaim: ["spec", "spec.accessModes", "spec.resources", "spec.storageClassName", "spec.volumeName", ...labelSelector("spec.selector")],
    Pod: [...podSpec, ...container("spec.containers[*]"), ...container("spec.initContainers[*]")],
    ResourceQuota: ["spec.scopes"],
    Secret: ["type", "stringData", "data"],
    Service: ["spec.clusterIP"],
};

/**
 * pulumi-kubernetes `forceNewProperties`: the fields whose change replaces an object, by
 * group → version → kind, besides metadata.name and metadata.namespace for every kind
 * (provider/pkg/provider/diff.go; ConfigMap and Secret data replace unless the provider enables
 * enableConfigMapMutable / enableSecretMutable, which ours does not). Pod fields apply to Pods only,
 * not to the pod templates of workloads.
 */
const FORCE_NEW: Record<string, Record<string, Record<string, string[]>>> = {
    // "Daemonset" as upstream spells it: the kind is DaemonSet, so its selector never forces a replace.
    apps: {
        v1beta1: { StatefulSet: statefulSet },
        v1beta2: { Daemonset: labelSelector("spec.selector"), Deployment: labelSelector("spec.selector"), StatefulSet: statefulSet },
        v1: { Daemonset: labelSelector("spec.selector"), Deployment: labelSelector("spec.selector"), StatefulSet: statefulSet },
    },
    core: { v1: core },
    policy: { v1beta1: { PodDisruptionBudget: ["spec"] } },
    "rbac.authorization.k8s.io": Object.fromEntries(
        ["v1alpha1", "v1beta1", "v1"].map((v) => [v, { ClusterRoleBinding: ["roleRef"], RoleBinding: ["roleRef"] }]),
    ),
    "storage.k8s.io": { v1: { StorageClass: ["parameters", "provisioner"] } },
    batch: Object.fromEntries(["v1beta1", "v1", "v2alpha1"].map((v) => [v, { Job: job }])),
};

/** `kubernetes:<group>/<version>:<Kind>` → its force-new paths. */
function forceNewPaths(type: string): PathSegments[] {
    const match = /^kubernetes:([^/]+)\/([^:]+):(.+)$/.exec(type);
    const extra = match ? (FORCE_NEW[match[1]]?.[match[2]]?.[match[3]] ?? []) : [];
    return ["metadata.name", "metadata.namespace", ...extra].map(parsePath);
}

const metadataOf = (inputs: Record<string, unknown>) => (inputs.metadata ?? {}) as { name?: unknown; namespace?: unknown };

/**
 * pulumi-kubernetes Diff: replace when a force-new path changed; delete first when the object is
 * named in the program (not autonamed) and keeps its name and namespace, since two objects of one
 * name cannot coexist (provider/pkg/provider/provider.go Diff, `deleteBeforeReplace :=`).
 */
const kubernetesRule: Rule = ({ type, old, now, changed }) => {
    const force = forceNewPaths(type);
    const replaces = changed.filter((p) => force.some((f) => overlap(f, p)));
    const [a, b] = [metadataOf(old.inputs), metadataOf(now.inputs)];
    const deleteBeforeReplace = replaces.length > 0 && typeof b.name === "string" && a.name === b.name && a.namespace === b.namespace;
    return { replaces, deleteBeforeReplace };
};

/** The rule for a custom resource type; undefined when no provider rule is modelled. */
export function providerRule(type: string): Rule | undefined {
    if (type.startsWith("command:")) {
        return commandRule;
    }
    if (type.startsWith("tls:")) {
        return tlsRule;
    }
    if (type.startsWith("random:")) {
        return randomRule;
    }
    if (type === "pulumi:providers:kubernetes") {
        return kubernetesProviderRule;
    }
    if (type === "kubernetes:helm.sh/v3:Release") {
        return helmReleaseRule;
    }
    return type.startsWith("kubernetes:") ? kubernetesRule : undefined;
}

/** Applies `ignoreChanges`: the engine resets those paths to their old values before diffing (step_generator.go processIgnoreChanges). */
export function withoutIgnored(changed: PathSegments[], ignoreChanges: string[] = []): PathSegments[] {
    const ignored = ignoreChanges.map(parsePath);
    return changed.filter((p) => !ignored.some((i) => covers(i, p)));
}

/** `replaceOnChanges`: a change at or under one of these paths replaces (step_generator.go applyReplaceOnChanges). */
export function replacedByOption(changed: PathSegments[], replaceOnChanges: string[] = []): PathSegments[] {
    const paths = replaceOnChanges.map(parsePath);
    return changed.filter((p) => paths.some((r) => overlap(r, p)));
}
