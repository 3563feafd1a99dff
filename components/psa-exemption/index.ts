/**
 * Pod Security Admission labels and the exemption record of seed 001 §6.4, shared by every
 * namespace the platform's add-ons create. Every Namespace states its level explicitly (the
 * policy pack's `namespace-psa-labels` enforces it) instead of inheriting the cluster default.
 */

/** A Pod Security Standards level (kubernetes.io "Pod Security Standards"). */
export type PsaLevel = "privileged" | "baseline" | "restricted";

/** Label prefix of Pod Security Admission (kubernetes.io "Pod Security Admission"). */
export const PSA_LABEL_PREFIX = "pod-security.kubernetes.io/";

/** Annotation prefix of the exemption record on a privileged namespace. */
export const EXEMPTION_ANNOTATION_PREFIX = "platform.local/psa-exemption-";

/**
 * When the current exemptions were approved and when they must be reviewed again. Seed 001 §6.4
 * allows at most 6 months; constants, not the clock, so every plan renders the same objects.
 * Renew both together at the quarterly review.
 */
export const PSA_EXEMPTIONS_APPROVED_ON = "2026-11-22";
export const PSA_EXEMPTIONS_REVIEW_BY = "2027-05-22";

/** Who approves PSA exemptions of the platform's own tools. */
export const PSA_EXEMPTION_APPROVER = "platform-security";

/** Why a namespace needs the privileged level, as recorded on it. */
export interface PsaExemption {
    /** What the pods need and why (seed 001 §6.4 step 1). */
    reason: string;
    /** Team that owns the workloads in the namespace. */
    owner: string;
}

/**
 * enforce/audit/warn labels. Below `restricted`, audit and warn stay at `restricted` so the
 * gap to the strictest level keeps showing up in audit logs and kubectl warnings (seed 001 §13.0).
 */
export function psaLabels(enforce: PsaLevel): Record<string, string> {
    return {
        [`${PSA_LABEL_PREFIX}enforce`]: enforce,
        [`${PSA_LABEL_PREFIX}enforce-version`]: "latest",
        [`${PSA_LABEL_PREFIX}audit`]: "restricted",
        [`${PSA_LABEL_PREFIX}audit-version`]: "latest",
        [`${PSA_LABEL_PREFIX}warn`]: "restricted",
        [`${PSA_LABEL_PREFIX}warn-version`]: "latest",
    };
}

/** The exemption record (reason, approver, owner, approval and review dates) as annotations. */
export function exemptionAnnotations(exemption: PsaExemption): Record<string, string> {
    return {
        [`${EXEMPTION_ANNOTATION_PREFIX}reason`]: exemption.reason,
        [`${EXEMPTION_ANNOTATION_PREFIX}owner`]: exemption.owner,
        [`${EXEMPTION_ANNOTATION_PREFIX}approver`]: PSA_EXEMPTION_APPROVER,
        [`${EXEMPTION_ANNOTATION_PREFIX}approved-on`]: PSA_EXEMPTIONS_APPROVED_ON,
        [`${EXEMPTION_ANNOTATION_PREFIX}review-by`]: PSA_EXEMPTIONS_REVIEW_BY,
    };
}

/** Metadata of a namespace that enforces `privileged`, with its exemption record. */
export function privilegedNamespaceMetadata(name: string, exemption: PsaExemption): { name: string; labels: Record<string, string>; annotations: Record<string, string> } {
    return { name, labels: psaLabels("privileged"), annotations: exemptionAnnotations(exemption) };
}
