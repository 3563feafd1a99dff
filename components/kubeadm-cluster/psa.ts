/**
 * The Pod Security Admission configuration of seed 001 §6.4, in the format of kubernetes.io
 * "Enforce Pod Security Standards by Configuring the Built-in Admission Controller"
 * (apiserver.config.k8s.io/v1, pod-security.admission.config.k8s.io/v1; Kubernetes ≥ 1.25).
 */
import { stringify } from "yaml";

/**
 * Namespaces exempt from PSA, with the seed's reasons. Everything else that needs privileges gets
 * an explicit, reviewable namespace label from the add-on that creates it.
 */
export const PSA_EXEMPT_NAMESPACES: ReadonlyArray<{ namespace: string; reason: string }> = [
    { namespace: "kube-system", reason: "system components (static pods, CoreDNS, Cilium agents) need host access" },
    { namespace: "cilium-system", reason: "CNI needs host networking and privileges (seed 001 §6.4)" },
    { namespace: "monitoring", reason: "node-exporter needs host network and volumes; to be narrowed quarterly" },
    { namespace: "vault", reason: "Vault locks memory (IPC_LOCK); review quarterly for baseline" },
];

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
                    exemptions: { usernames: [], runtimeClasses: [], namespaces: PSA_EXEMPT_NAMESPACES.map((e) => e.namespace) },
                },
            },
        ],
    };
}

export function renderPsaAdmissionConfiguration(): string {
    return stringify(psaAdmissionConfiguration(), { lineWidth: 0 });
}
