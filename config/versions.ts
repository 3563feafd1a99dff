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
    /**
     * The k8sgpt engine the k8sgpt operator runs for the K8sGPT resource (components/k8sgpt): the CR's
     * `repository` and `version`, which the operator joins into the image (with no `version` the pod
     * fails with InvalidImageName). v0.4.32 is a release seen running under the 0.2.x operator charts
     * (ghcr.io/k8sgpt-ai/k8sgpt tags); check the k8sgpt releases page before bumping.
     */
    k8sgpt: "ghcr.io/k8sgpt-ai/k8sgpt:v0.4.32",
    /**
     * The OpenTelemetry Collector's Kubernetes distribution at the chart's appVersion (0.165.0): it
     * carries the otlp receiver, otlp_grpc exporter and file_storage extension the platform uses
     * (opentelemetry-collector-releases distributions/otelcol-k8s/manifest.yaml). The chart has no
     * default repository since 0.89.0 (UPGRADING.md), so it is set here.
     */
    otelCollector: "docker.io/otel/opentelemetry-collector-k8s:0.165.0",
    /** Init container that hands the OTel Collector's hostPath queue directory to its user (uid 10001); the official busybox release. */
    otelQueueInit: "docker.io/library/busybox:1.37.0",
    /**
     * Velero's AWS object-store plugin (components/velero), an init container that copies the plugin
     * into Velero's pod. The plugin's README pairs v1.14.x with Velero v1.18.x (the chart pin ships
     * 1.18.1); v1.14.2 is built against Velero v1.18.0 (velero-plugin-for-aws#286 "Bump velero to
     * v1.18.0"). Published on Docker Hub under velero only, so the pack must allow it by name.
     */
    veleroPluginForAws: "docker.io/velero/velero-plugin-for-aws:v1.14.2",
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
    // --- observability, metrics (issue 10); values in ../shared/schemas/charts/<chart>-<version> (no schema) ---
    /**
     * kube-prometheus-stack 88.5.3 (2026-08-21): prometheus-operator v0.93.1, subcharts
     * kube-state-metrics 8.4.0 and prometheus-node-exporter 4.56.1; `prometheus.agentMode` renders a PrometheusAgent.
     */
    kubePrometheusStack: { chart: "kube-prometheus-stack", version: "88.5.3", repo: "https://prometheus-community.github.io/helm-charts" },
    /** Thanos v0.42.4 (stevehipwell/helm-charts thanos 1.24.1, 2026-08-12; Bitnami's Thanos images are frozen since 2025-08-28). */
    thanos: { chart: "thanos", version: "1.24.1", repo: "https://stevehipwell.github.io/helm-charts/" },
    // --- scaling and AIOps (issue 11); no copy of these charts in ../shared: keys are those of the upstream values.yaml ---
    /** FairwindsOps `vpa` 5.0.0 ships VPA 1.7.1 (the CRDs in ../shared/schemas/crds/vertical-pod-autoscaler); Goldilocks 11.0.0 depends on vpa 5.0.*. */
    vpa: { chart: "vpa", version: "5.0.0", repo: "https://charts.fairwinds.com/stable" },
    /** FairwindsOps `goldilocks` 11.0.0 ships Goldilocks v4.16.1 (stable/goldilocks/Chart.yaml). */
    goldilocks: { chart: "goldilocks", version: "11.0.0", repo: "https://charts.fairwinds.com/stable" },
    /** KEDA 2.20.2 (kedacore/charts `keda`): the ScaledObject CRD in ../shared/schemas/crds/keda is the v2.20.2 tag's. */
    keda: { chart: "keda", version: "2.20.2", repo: "https://kedacore.github.io/charts" },
    /** k8sgpt-operator chart 0.2.27 (operator v0.2.25); its bundled K8sGPT CRD is older than config/crd at the tag (../shared SOURCE.txt). */
    k8sgptOperator: { chart: "k8sgpt-operator", version: "0.2.27", repo: "https://charts.k8sgpt.ai/" },
    // --- logs and traces (issue 10); values in ../shared/schemas/charts/<chart>-<version> except the OTel Collector's ---
    /** Loki 3.7.6 (grafana-community loki 18.11.0, 2026-08-20; the OSS chart since grafana/loki 7.x is GEL-only). */
    loki: { chart: "loki", version: "18.11.0", repo: "https://grafana-community.github.io/helm-charts" },
    /** Tempo 2.10.8, monolithic (grafana-community tempo 2.2.4, 2026-08-13). */
    tempo: { chart: "tempo", version: "2.2.4", repo: "https://grafana-community.github.io/helm-charts" },
    /** Alloy v1.18.1 (grafana/alloy helm-chart/1.11.1, 2026-08-06); the chart stays in grafana's repository. */
    alloy: { chart: "alloy", version: "1.11.1", repo: "https://grafana.github.io/helm-charts" },
    /**
     * OpenTelemetry Collector chart 0.182.0 (appVersion 0.165.0, published 2026-11-21 per the repository's
     * index.yaml). No copy of its values is in ../shared: the values set only keys of the chart's
     * values.yaml (mode, image, command, config, ports, resources, extraVolumes, extraVolumeMounts,
     * initContainers, tolerations, fullnameOverride) as read there.
     */
    otelCollector: { chart: "opentelemetry-collector", version: "0.182.0", repo: "https://open-telemetry.github.io/opentelemetry-helm-charts" },
    // --- backup (issue 11) ---
    /** Velero 1.18.1 (vmware-tanzu/helm-charts velero 12.1.0; values and schema in ../shared/schemas/charts/velero-12.1.0). */
    velero: { chart: "velero", version: "12.1.0", repo: "https://vmware-tanzu.github.io/helm-charts" },
    // --- Grafana (issue 10); values in ../shared/schemas/charts/grafana-12.11.1 (no schema) ---
    /** Grafana 13.2.0 (grafana-community grafana 12.11.1, the chart kube-prometheus-stack 88.5.3 depends on; moved from grafana/helm-charts 2026-01-30). */
    grafana: { chart: "grafana", version: "12.11.1", repo: "https://grafana-community.github.io/helm-charts" },
} satisfies Record<string, ChartPin>;

/** Oldest Multipass the host scripts are written for (seed 001 §3.2: multipass >= 1.15.1); `npm run deploy` checks it. */
export const MULTIPASS_MIN_VERSION = "1.15.1";
