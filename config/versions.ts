/**
 * Every pinned version of the platform in one place: node packages, images, charts and CRD
 * bundles. Nothing else in the code names a version, and nothing here says "latest".
 */

/**
 * Default Kubernetes version (seed 001 targets 1.35). v1.35.9 (2026-09-15) is the newest patch the
 * reference sheet confirms; 1.35.10 was only scheduled (2026-10-13) when this was pinned, so check
 * kubernetes.io/releases before bumping.
 */
export const DEFAULT_KUBERNETES_VERSION = "v1.35.9";

/** An Ubuntu package held at one upstream release. */
export interface NodePackagePin {
    /** Debian package name. */
    name: string;
    /** Upstream release, as the binary reports it (`containerd --version`). */
    version: string;
    /**
     * apt version pattern: the upstream release exact, Ubuntu's revision free. The archive's
     * -updates and -security pockets list only the newest build of a package, so an exact revision
     * would stop installing the day Ubuntu publishes a rebuild; a new upstream release fails the
     * install loudly until it is pinned here.
     */
    apt: string;
}

/**
 * The container runtime of every node, from Ubuntu 24.04's own archive, installed at these
 * versions and held (`apt-mark hold`). noble-updates serves containerd 2.2.1 with runc 1.3.4
 * (Ubuntu's Docker-stack SRU policy, wiki.ubuntu.com/DockerUpdates); noble-security serves 1.7.28.
 * 2.2.1 is the pick: a fresh noble node already gets it, containerd 1.7 reached end of life on
 * 2026-03-10, containerd RELEASES.md recommends 2.2.0+ for Kubernetes 1.35 and 1.36 (1.7 only up to
 * 1.35), and its sandbox image (pause:3.10.1) is kubeadm 1.35's. Which Kubernetes minors the pin
 * allows follows from COMPATIBILITY.containerdForKubernetes (config validation, node bootstrap).
 * Before bumping, read `apt-cache policy containerd runc` on a fresh 24.04 VM.
 */
export const NODE_PACKAGES = {
    containerd: { name: "containerd", version: "2.2.1", apt: "2.2.1-0ubuntu1~24.04.*" },
    runc: { name: "runc", version: "1.3.4", apt: "1.3.4-0ubuntu1~24.04.*" },
} satisfies Record<string, NodePackagePin>;

/** A Helm chart pinned to an exact version in an https repository. */
export interface ChartPin {
    /** Chart name inside the repository. */
    chart: string;
    /** Exact chart version. */
    version: string;
    /** https repository URL. */
    repo: string;
}

/** The chart, exact version and repository of a pin, as `helm.v3.Release` arguments. */
export function pinnedChart(pin: ChartPin): { chart: string; version: string; repositoryOpts: { repo: string } } {
    return { chart: pin.chart, version: pin.version, repositoryOpts: { repo: pin.repo } };
}

/** Container images run outside any chart (static pods, the platform's own typed workloads). */
export const IMAGES = {
    /** kube-vip for the control-plane VIP (static pod; kube-vip.io "Static Pods" docs). */
    kubeVip: "ghcr.io/kube-vip/kube-vip:v1.0.4",
    /** rancher/local-path-provisioner v0.0.37 (2026-08); published on Docker Hub only (allowed by name in the pack's ALLOWED_IMAGES). */
    localPathProvisioner: "docker.io/rancher/local-path-provisioner:v0.0.37",
    /**
     * The provisioner's helper pod, which creates and removes volume directories. Upstream's manifest
     * names `busybox` untagged (that is, latest); the platform pins the official image's release.
     */
    localPathHelper: "docker.io/library/busybox:1.37.0",
    /**
     * Keycloak 26.8.0, the newest 26.x a release page confirms (folio-org/folio-keycloak v26.8.0,
     * "Update to Keycloak 26.8.0"). The project publishes its image on quay.io only, outside the
     * trusted registries, so the pack allows it by name (ALLOWED_IMAGES).
     */
    keycloak: "quay.io/keycloak/keycloak:26.8.0",
    /** Keycloak's database: the official PostgreSQL 18.6 image (Keycloak 26.x tests 18, supports 14-18; keycloak.org/server/db). */
    keycloakPostgres: "docker.io/library/postgres:18.6",
    /**
     * SeaweedFS 4.47 (2026-09-15; github.com/seaweedfs/seaweedfs/releases/tag/4.47), mgmt's S3
     * endpoint (components/object-storage). Upstream publishes on Docker Hub only, outside
     * docker.io/library, so the pack allows it by name. The tag was seen published through a
     * merged Renovate bump (shaman007/home-k3s#769); check `docker.io/chrislusf/seaweedfs` tags on
     * the registry before bumping (4.08 and 4.09 shipped an S3 startup panic, Arvo-AI/aurora#49).
     */
    seaweedfs: "docker.io/chrislusf/seaweedfs:4.47",
};

/** One upstream file, pinned by the tag in its URL and, where its bytes could be read, by digest. */
export interface PinnedFile {
    /** https URL of the file at the pinned tag. */
    url: string;
    /** sha256 of the file's bytes; absent only where no copy of the tag's file was available to compute it. */
    sha256?: string;
    /** Every object the file holds, `<kind>/<name>`, in file order: the program refuses a file that holds anything else. */
    objects: readonly string[];
}

/** An upstream manifest applied as typed resources (components/lib/pinned-manifest.ts), file by file. */
export interface ManifestPin {
    /** Exact upstream release. */
    version: string;
    /** Its files. */
    files: readonly PinnedFile[];
}

const GATEWAY_API_VERSION = "v1.6.1";
const GATEWAY_API_STANDARD = `https://raw.githubusercontent.com/kubernetes-sigs/gateway-api/${GATEWAY_API_VERSION}/config/crd/standard`;

/** A Gateway API standard-channel CRD file, `gateway.networking.k8s.io_<plural>.yaml`, holding that one CRD. */
function gatewayApiCrd(plural: string, sha256?: string): PinnedFile {
    const name = `${plural}.gateway.networking.k8s.io`;
    return { url: `${GATEWAY_API_STANDARD}/gateway.networking.k8s.io_${plural}.yaml`, sha256, objects: [`CustomResourceDefinition/${name}`] };
}

// --- networking (issue 3) ---
/** Manifests applied without Helm (networking add-ons). */
export const MANIFESTS = {
    /**
     * Gateway API v1.6.1, standard channel: the minimum Cilium 1.20 supports ("Gateway API support
     * now requires Gateway API v1.6.1 at a minimum", Cilium 1.20 upgrade notes, cilium/cilium#47408).
     * The files of `config/crd/standard` at the tag, which `standard-install.yaml` concatenates: the
     * ten standard CRDs (TLSRoute and ListenerSet joined in v1.5, TCPRoute and UDPRoute in v1.6;
     * gateway-api CHANGELOG/1.5 and 1.6) and the `safe-upgrades` ValidatingAdmissionPolicy that
     * refuses experimental CRDs over standard ones and downgrades below v1.5. Digests are those of
     * the tag's files in ../shared/schemas/crds/gateway-api (SOURCE.txt); the other files could not
     * be read here, so they are pinned by tag and by their objects only.
     */
    gatewayApi: {
        version: GATEWAY_API_VERSION,
        files: [
            gatewayApiCrd("gatewayclasses", "53710048ba26f8620eed59d5e51b157ecf040daf5c6eef31a4b991e0808c4be5"),
            gatewayApiCrd("gateways", "25b885f5870b8fff1ae82efa2628b2761cef3745900c2aecf8fb76629a01255a"),
            gatewayApiCrd("httproutes", "a424a0d6c953b162e71d1d97bb7e75012d8f1ac264e7274f2763d1b96ab39852"),
            gatewayApiCrd("grpcroutes"),
            gatewayApiCrd("referencegrants"),
            gatewayApiCrd("backendtlspolicies"),
            gatewayApiCrd("listenersets"),
            gatewayApiCrd("tlsroutes"),
            gatewayApiCrd("tcproutes"),
            gatewayApiCrd("udproutes"),
            {
                url: `${GATEWAY_API_STANDARD}/gateway.networking.k8s.io_vap_safeupgrades.yaml`,
                objects: [
                    "ValidatingAdmissionPolicy/safe-upgrades.gateway.networking.k8s.io",
                    "ValidatingAdmissionPolicyBinding/safe-upgrades.gateway.networking.k8s.io",
                ],
            },
        ],
    },
} satisfies Record<string, ManifestPin>;

/** Helm charts, by add-on. Networking and security issues add their entries here. */
export const CHARTS = {
    // --- networking (issue 3) ---
    /** Newest stable Cilium (1.20.0, 2026-07-29) whose tested minors (COMPATIBILITY.ciliumKubernetesMinors) include Kubernetes 1.35. */
    cilium: { chart: "cilium", version: "1.20.0", repo: "https://helm.cilium.io" },
    /** MetalLB 0.16.1 (2026-05-27): the CRDs the IPAddressPool/L2Advertisement tests validate against. */
    metallb: { chart: "metallb", version: "0.16.1", repo: "https://metallb.github.io/metallb" },
    /** metrics-server chart 3.13.1 ships metrics-server 0.8.1. */
    metricsServer: { chart: "metrics-server", version: "3.13.1", repo: "https://kubernetes-sigs.github.io/metrics-server/" },
    // --- security (issue 4) ---
    /** Kyverno 1.19.0 (2026-08-20; k8s 1.33-1.35): chart tag kyverno-chart-3.9.0 of kyverno/kyverno v1.19.0. */
    kyverno: { chart: "kyverno", version: "3.9.0", repo: "https://kyverno.github.io/kyverno/" },
    /** Falco 0.44.1 (falcosecurity/charts falco 9.1.0): `driver.kind: modern_ebpf`, `customRules`. */
    falco: { chart: "falco", version: "9.1.0", repo: "https://falcosecurity.github.io/charts" },
    /** Trivy Operator (aquasecurity/helm-charts trivy-operator 0.34.0; the newest release confirmed by a merged upgrade PR). */
    trivyOperator: { chart: "trivy-operator", version: "0.34.0", repo: "https://aquasecurity.github.io/helm-charts" },
    // --- trust and secrets (issue 9); values (and schemas) in ../shared/schemas/charts/<chart>-<version> ---
    /** Vault 2.0.4 (hashicorp/vault-helm 0.34.1, 2026-08-13; tested with Kubernetes 1.32-1.36). */
    vault: { chart: "vault", version: "0.34.1", repo: "https://helm.releases.hashicorp.com" },
    /** cert-manager v1.21.1 (2026-07-29); the chart version carries the leading "v". */
    certManager: { chart: "cert-manager", version: "v1.21.1", repo: "https://charts.jetstack.io" },
    /** External Secrets Operator v2.9.0 (chart 2.9.0, 2026-08-08): serves external-secrets.io/v1 only. */
    externalSecrets: { chart: "external-secrets", version: "2.9.0", repo: "https://charts.external-secrets.io" },
} satisfies Record<string, ChartPin>;

/** Oldest Multipass the host scripts are written for (seed 001 §3.2: multipass >= 1.15.1); `npm run deploy` checks it. */
export const MULTIPASS_MIN_VERSION = "1.15.1";
