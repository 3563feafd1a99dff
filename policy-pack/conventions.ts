/**
 * Platform conventions: the facts the components, the config validation and the policy pack must
 * agree on. One module, imported by all three, so they cannot drift apart.
 *
 * It imports nothing on purpose. The pack installs and runs from its own directory
 * (`pulumi preview --policy-pack policy-pack` copies nothing else), so the module lives inside the
 * pack and the root project imports it from here.
 */

// --- labels and annotations -------------------------------------------------------------------

/** The one domain of the platform's own labels and annotations. */
export const LABEL_DOMAIN = "platform.example";

/** Marks an application namespace: default-deny, quotas, PSA restricted (stack policy `app-namespace-default-deny`). */
export const APP_NAMESPACE_LABEL = `${LABEL_DOMAIN}/app-namespace`;

/** Prefix of the exemption record on a privileged namespace (seed 001 §6.4). */
export const PSA_EXEMPTION_ANNOTATION_PREFIX = `${LABEL_DOMAIN}/psa-exemption-`;

/** The annotation that holds the reason of an exemption; `namespace-psa-labels` requires it. */
export const PSA_EXEMPTION_REASON_ANNOTATION = `${PSA_EXEMPTION_ANNOTATION_PREFIX}reason`;

// --- Pod Security Admission -------------------------------------------------------------------

/** A Pod Security Standards level (kubernetes.io "Pod Security Standards"). */
export type PsaLevel = "privileged" | "baseline" | "restricted";

/** The levels, weakest first. */
export const PSA_LEVELS: readonly PsaLevel[] = ["privileged", "baseline", "restricted"];

/** Label prefix of Pod Security Admission (kubernetes.io "Pod Security Admission"). */
export const PSA_LABEL_PREFIX = "pod-security.kubernetes.io/";

/** Why a namespace may enforce `privileged`, and who owns what runs there. */
export interface PsaExemption {
    /** The namespace. */
    namespace: string;
    /** What the pods need and why (seed 001 §6.4 step 1). */
    reason: string;
    /** Team that owns the workloads in the namespace. */
    owner: string;
}

/**
 * Namespaces the API server itself exempts from PSA (kubeadm's AdmissionConfiguration). Only
 * namespaces that exist on every cluster from `kubeadm init` on belong here: an exemption for a
 * namespace nobody created is a hole for whoever creates it first.
 */
export const API_SERVER_PSA_EXEMPTIONS: readonly PsaExemption[] = [
    {
        namespace: "kube-system",
        reason: "control-plane static pods, CoreDNS and the Cilium agent (the chart's namespace) need host access",
        owner: "platform-network",
    },
];

/**
 * The privileged namespaces the platform's add-ons create, each with its record. The add-on that
 * creates the namespace writes the record on it; the pack accepts `privileged` only with a record.
 */
export const PRIVILEGED_NAMESPACES = {
    metallb: {
        namespace: "metallb-system",
        reason: "MetalLB speaker uses hostNetwork and NET_RAW to answer ARP for LoadBalancer IPs (seed 001 §19.2)",
        owner: "platform-network",
    },
    localPath: {
        namespace: "local-path-storage",
        reason: "local-path-provisioner helper pods mount hostPath to create and remove volume directories on the node",
        owner: "platform-storage",
    },
    falco: {
        namespace: "falco",
        reason: "Falco's eBPF probe runs privileged with hostPID and host /proc, /sys and the containerd socket",
        owner: "platform-security",
    },
    trivy: {
        namespace: "trivy-system",
        reason: "Trivy's node-collector jobs read the node's files through hostPath with hostPID for the CIS node checks",
        owner: "platform-security",
    },
    monitoring: {
        namespace: "monitoring",
        reason:
            "node-exporter reads the node's /proc and /sys with hostNetwork and hostPID, so node metrics describe the node, not its pod; " +
            "the OpenTelemetry Collector agent keeps its queue under hostPath and listens on host ports 4317/4318",
        owner: "platform-observability",
    },
    logging: {
        namespace: "logging",
        reason: "Alloy's node agent reads every pod's log files and keeps its positions and buffer under hostPath on the node",
        owner: "platform-observability",
    },
    velero: {
        namespace: "velero",
        reason: "Velero's node agent (kopia file-system backup) mounts the kubelet's pod volumes through hostPath and runs privileged",
        owner: "platform-backup",
    },
} as const satisfies Record<string, PsaExemption>;

/** Who approves PSA exemptions of the platform's own tools. */
export const PSA_EXEMPTION_APPROVER = "platform-security";

/**
 * When the current exemptions were approved and when they must be reviewed again. Seed 001 §6.4
 * allows at most 6 months; constants, not the clock, so every plan renders the same objects.
 * Renew both together at the quarterly review.
 */
export const PSA_EXEMPTIONS_APPROVED_ON = "2026-11-22";
export const PSA_EXEMPTIONS_REVIEW_BY = "2027-05-22";

// --- pod specs --------------------------------------------------------------------------------

/** The container lists of a pod spec. */
export type ContainerList = "containers" | "initContainers" | "ephemeralContainers";

/** Every container list, in the order the kubelet starts them (init, then app; ephemeral last). */
export const CONTAINER_LISTS: readonly ContainerList[] = ["initContainers", "containers", "ephemeralContainers"];

// --- images -----------------------------------------------------------------------------------

/** Registries workloads may pull from by default (seed 001 §13.2); `security.trustedRegistries` overrides. */
export const DEFAULT_TRUSTED_REGISTRIES: readonly string[] = ["harbor.local.dev", "gcr.io", "docker.io/library"];

/** Docker Hub, as the container runtime names it when an image reference names no registry. */
export const DOCKER_HUB = "docker.io";

// --- compatibility ----------------------------------------------------------------------------

/** A `major.minor` Kubernetes version, e.g. "1.35". */
export type KubernetesMinor = `1.${number}`;

/**
 * What works with what. Config validation checks a stack against this table before anything
 * runs; the node bootstrap re-checks the containerd it actually installed.
 */
export const COMPATIBILITY = {
    /** Minors this code renders kubeadm v1beta4 for: v1beta4 arrived in 1.31; 1.37 is the newest minor. */
    kubeadmMinors: { min: 31, max: 37 },
    /**
     * The oldest containerd of each supported line per Kubernetes minor (containerd RELEASES.md,
     * "Kubernetes Support"). A node whose containerd is older than every entry of its minor fails
     * the bootstrap.
     */
    containerdForKubernetes: {
        "1.33": ["2.1.0", "2.0.5", "1.7.28"],
        "1.34": ["2.1.3", "2.0.6", "1.7.28"],
        "1.35": ["2.2.0", "2.1.5", "1.7.28"],
        "1.36": ["2.3.0", "2.2.0"],
    } as Record<string, readonly string[]>,
    /** Kubernetes minors the pinned Cilium (1.20) is tested on (docs.cilium.io v1.20 "Kubernetes Compatibility"; verify when bumping). */
    ciliumKubernetesMinors: ["1.33", "1.34", "1.35", "1.36"] as readonly string[],
    /** Kubernetes minors Kyverno 1.19 supports (kyverno.io "Compatibility Matrix": 1.33-1.35). */
    kyvernoKubernetesMinors: ["1.33", "1.34", "1.35"] as readonly string[],
} as const;

// --- images allowed outside the trusted registries ---------------------------------------------

/** One platform image the pack admits although its registry is not trusted: an exact name, with the reason. */
export interface AllowedImage {
    /** Fully qualified name without tag or digest, as the runtime resolves it, e.g. `docker.io/rancher/local-path-provisioner`. */
    image: string;
    /** Why the platform runs it from outside the trusted registries. */
    reason: string;
}

/**
 * Default `allowedImages` of the pack's `trusted-image-registries`: exact names, no wildcards, so
 * allowing one upstream image never trusts the rest of its registry. The tag stays pinned in
 * config/versions.ts and `no-latest-image-tag` still applies.
 */
export const ALLOWED_IMAGES: readonly AllowedImage[] = [
    {
        image: "docker.io/rancher/local-path-provisioner",
        reason: "upstream's manifest (deploy/local-path-storage.yaml) runs rancher/local-path-provisioner from Docker Hub, outside docker.io/library",
    },
    { image: "quay.io/keycloak/keycloak", reason: "Keycloak publishes its server image on quay.io only (keycloak.org/server/containers)" },
    { image: "docker.io/chrislusf/seaweedfs", reason: "SeaweedFS, mgmt's S3 endpoint, publishes its image on Docker Hub under chrislusf only" },
];

// --- Services exposed on purpose --------------------------------------------------------------

/** One Service the platform exposes outside its cluster on purpose, with the reason. */
export interface AllowedService {
    /** Namespace of the Service. */
    namespace: string;
    /** Name of the Service. */
    name: string;
    /** Why it must be reachable from outside the cluster. */
    reason: string;
}

/**
 * Default `allowedServices` of the pack's `no-external-services`: mgmt's shared services, which the
 * other clusters' API servers, cert-manager, External Secrets and Velero reach on fixed
 * LoadBalancer IPs (config `network.serviceIps`). Everything else goes through the Gateway.
 */
export const ALLOWED_EXTERNAL_SERVICES: readonly AllowedService[] = [
    { namespace: "keycloak", name: "keycloak", reason: "the OIDC issuer of every cluster's API server and of kubectl oidc-login on the operator's machine" },
    { namespace: "object-storage", name: "s3-lb", reason: "the S3 endpoint every cluster's Velero (and mgmt's Thanos, Loki, Tempo) writes to" },
    { namespace: "monitoring", name: "thanos-receive-ingest", reason: "remote write from every cluster's Prometheus to Thanos Receive on mgmt's ingest IP" },
    { namespace: "logging", name: "loki-ingest", reason: "the app clusters' Alloy and falcosidekick push logs to mgmt on its ingest IP" },
    { namespace: "monitoring", name: "otlp-ingest", reason: "the app clusters' OpenTelemetry Collectors send traces to mgmt on its ingest IP" },
];

// --- image references ------------------------------------------------------------------------

/** The old name of Docker Hub's host; references naming it resolve to DOCKER_HUB (distribution/reference normalize.go `legacyDefaultDomain`). */
export const DOCKER_HUB_LEGACY_HOST = "index.docker.io";

/** Docker Hub's namespace of official images: `nginx` is `docker.io/library/nginx` (normalize.go `officialRepoPrefix`). */
export const DOCKER_OFFICIAL_NAMESPACE = "library";

/**
 * Whether the first path component of an image reference names a registry host rather than a
 * Docker Hub namespace: it has a dot or a port, is `localhost`, or has upper case
 * (distribution/reference v0.6 normalize.go `splitDockerDomain`).
 */
export function isRegistryHost(component: string): boolean {
    return /[.:]/.test(component) || component === "localhost" || component.toLowerCase() !== component;
}

/**
 * Why a trusted-registry entry cannot be enforced alike by the pack's `trusted-image-registries`
 * and Kyverno's `require-trusted-registry`, or undefined when it can. An entry is a registry host
 * with an optional path prefix, e.g. `harbor.local.dev` or `docker.io/library`.
 */
export function trustedRegistryProblem(entry: string): string | undefined {
    const trimmed = entry.replace(/\/+$/, "");
    const [host, ...path] = trimmed.split("/");
    if (!/^[A-Za-z0-9._:/-]+$/.test(trimmed)) {
        return `${JSON.stringify(entry)} is not a registry host with an optional path (Kyverno reads *, ?, |, &, ! and spaces as pattern syntax)`;
    }
    if (!isRegistryHost(host)) {
        const fix = `for Docker Hub write ${DOCKER_HUB}/<namespace>`;
        return `${JSON.stringify(entry)} does not start with a registry host (a name with a dot or a port, or localhost); ${fix}`;
    }
    if (host === DOCKER_HUB_LEGACY_HOST) {
        return `${JSON.stringify(entry)} names ${DOCKER_HUB_LEGACY_HOST}; write ${DOCKER_HUB}, the name references resolve to`;
    }
    if (host === DOCKER_HUB && path.length === 0) {
        return `${JSON.stringify(entry)} trusts all of Docker Hub; name a namespace such as ${DOCKER_HUB}/${DOCKER_OFFICIAL_NAMESPACE}`;
    }
    if (host === DOCKER_HUB && isRegistryHost(path[0])) {
        return `${JSON.stringify(entry)} names a Docker Hub namespace that reads as a registry host; Docker Hub namespaces are lower-case letters and digits`;
    }
    return undefined;
}
