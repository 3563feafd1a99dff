/**
 * The Pod Security exemption record of seed 001 §6.4 ("document why, record an expiry, review
 * quarterly"), as namespace metadata: the enforce label says `privileged` explicitly, and two
 * annotations carry the reason and the review date, so `kubectl get ns -o yaml` shows them.
 */

/** Why a namespace may run privileged pods, and until when that was agreed. */
export interface PsaExemption {
    /** What needs the privileges, and which ones. */
    reason: string;
    /** ISO date (YYYY-MM-DD) by which the exemption must be reviewed; at most 6 months out (seed 001 §6.4). */
    reviewBy: string;
}

/** Annotation keys of the exemption record. */
export const EXEMPTION_ANNOTATIONS = {
    reason: "platform.local/psa-exemption-reason",
    reviewBy: "platform.local/psa-exemption-review-by",
} as const;

/** Labels and annotations of a namespace that enforces `privileged`; audit still reports what baseline would reject. */
export function privilegedNamespaceMetadata(name: string, exemption: PsaExemption): { name: string; labels: Record<string, string>; annotations: Record<string, string> } {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(exemption.reviewBy)) {
        throw new Error(`PSA exemption of namespace ${name}: reviewBy must be YYYY-MM-DD, got "${exemption.reviewBy}"`);
    }
    return {
        name,
        labels: {
            "pod-security.kubernetes.io/enforce": "privileged",
            "pod-security.kubernetes.io/audit": "baseline",
        },
        annotations: {
            [EXEMPTION_ANNOTATIONS.reason]: exemption.reason,
            [EXEMPTION_ANNOTATIONS.reviewBy]: exemption.reviewBy,
        },
    };
}
