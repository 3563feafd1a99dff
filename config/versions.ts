/**
 * Every pinned version of the platform in one place: node packages, images, charts and CRD
 * bundles. Nothing else in the code names a version, and nothing here says "latest".
 */

/** Default Kubernetes version (seed 001 targets 1.35; 1.35.9 is its newest patch, 2026-09-15). */
export const DEFAULT_KUBERNETES_VERSION = "v1.35.9";

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

/** Container images run outside any chart (static pods). */
export const IMAGES = {
    /** kube-vip for the control-plane VIP (static pod; kube-vip.io "Static Pods" docs). */
    kubeVip: "ghcr.io/kube-vip/kube-vip:v1.0.4",
};

/** A plain manifest (CRD bundle or upstream deploy file) pinned by the version in its URL. */
export interface ManifestPin {
    /** Exact upstream release. */
    version: string;
    /** https URL of that release's manifest. */
    url: string;
}

// --- networking (issue 3) ---
/** Manifests applied without Helm (networking add-ons). */
export const MANIFESTS = {
    /**
     * Gateway API standard channel, the version the Cilium 1.20 Gateway API guide requires
     * (docs.cilium.io "Gateway API Support": v1.5.1 GatewayClass, Gateway, HTTPRoute, GRPCRoute,
     * ReferenceGrant, BackendTLSPolicy, TLSRoute). Cilium 1.19 would pair with v1.4.1.
     */
    gatewayApi: {
        version: "v1.5.1",
        url: "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml",
    },
    /** rancher/local-path-provisioner v0.0.37 (2026-08); it publishes no Helm repository, only this manifest. */
    localPathProvisioner: {
        version: "v0.0.37",
        url: "https://raw.githubusercontent.com/rancher/local-path-provisioner/v0.0.37/deploy/local-path-storage.yaml",
    },
} satisfies Record<string, ManifestPin>;

/**
 * Kubernetes minors the pinned Cilium chart is e2e-tested against (its "Kubernetes Compatibility"
 * page). 1.19.x lists 1.32-1.35; 1.20 follows the upstream-supported minors at its branch cut
 * (1.33-1.36; verify on docs.cilium.io/en/v1.20 when bumping). Move with CHARTS.cilium.
 */
export const CILIUM_KUBERNETES_MINORS = ["1.33", "1.34", "1.35", "1.36"];

/** Helm charts, by add-on. Networking and security issues add their entries here. */
export const CHARTS: Record<string, ChartPin> = {
    // --- networking (issue 3) ---
    /** Newest stable Cilium (1.20.0, 2026-07-29) whose tested minors include Kubernetes 1.35. */
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
};
