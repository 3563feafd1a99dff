/**
 * The Pod Security Admission configuration of seed 001 §6.4, in the format of kubernetes.io
 * "Enforce Pod Security Standards by Configuring the Built-in Admission Controller"
 * (apiserver.config.k8s.io/v1, pod-security.admission.config.k8s.io/v1; Kubernetes ≥ 1.25).
 */
import { stringify } from "yaml";
import { API_SERVER_PSA_EXEMPTIONS } from "../../policy-pack/conventions";

/** Baseline enforced; restricted audited and warned, so teams see what the stricter level would reject. */
export function psaAdmissionConfiguration(): object {
    return {
        apiVersion: "apiserver.config.k8s.io/v1",
        kind: "AdmissionConfiguration",
        plugins: [
            {
                name: "PodSecurity",
                configuration: {
                    apiVersion: "pod-security.admission.config.k8s.io/v1",
                    kind: "PodSecurityConfiguration",
                    defaults: {
                        enforce: "baseline",
                        "enforce-version": "latest",
                        audit: "restricted",
                        "audit-version": "latest",
                        warn: "restricted",
                        "warn-version": "latest",
                    },
                    // Only namespaces every cluster has from kubeadm init on: an exemption for a namespace
                    // nobody created is a hole for whoever creates it first (network.md #9).
                    exemptions: { usernames: [], runtimeClasses: [], namespaces: API_SERVER_PSA_EXEMPTIONS.map((e) => e.namespace) },
                },
            },
        ],
    };
}

export function renderPsaAdmissionConfiguration(): string {
    return stringify(psaAdmissionConfiguration(), { lineWidth: 0 });
}
