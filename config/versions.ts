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

/** Container images run outside any chart (static pods). */
export const IMAGES = {
    /** kube-vip for the control-plane VIP (static pod; kube-vip.io "Static Pods" docs). */
    kubeVip: "ghcr.io/kube-vip/kube-vip:v1.0.4",
};

/** Helm charts, by add-on. Networking and security issues add their entries here. */
export const CHARTS: Record<string, ChartPin> = {
    // --- networking (issue 3) ---
    // --- security (issue 4) ---
    /** Kyverno 1.19.0 (2026-08-20; k8s 1.33-1.35): chart tag kyverno-chart-3.9.0 of kyverno/kyverno v1.19.0. */
    kyverno: { chart: "kyverno", version: "3.9.0", repo: "https://kyverno.github.io/kyverno/" },
    /** Falco 0.44.1 (falcosecurity/charts falco 9.1.0): `driver.kind: modern_ebpf`, `customRules`. */
    falco: { chart: "falco", version: "9.1.0", repo: "https://falcosecurity.github.io/charts" },
    /** Trivy Operator app 0.33.0 (aquasecurity/helm-charts trivy-operator 0.35.0, 2026-08). */
    trivyOperator: { chart: "trivy-operator", version: "0.35.0", repo: "https://aquasecurity.github.io/helm-charts" },
};
