/**
 * Pod Security Admission labels and the exemption record of seed 001 §6.4, shared by every
 * namespace the platform creates. Every Namespace states its level explicitly (the policy pack's
 * `namespace-psa-labels` enforces it) instead of inheriting the cluster default.
 */
import {
    PSA_EXEMPTION_ANNOTATION_PREFIX,
    PSA_EXEMPTION_APPROVER,
    PSA_EXEMPTIONS_APPROVED_ON,
    PSA_EXEMPTIONS_REVIEW_BY,
    PSA_LABEL_PREFIX,
    PsaExemption,
    PsaLevel,
} from "../../policy-pack/conventions";

/** A namespace an add-on creates: baseline or restricted, or privileged with its exemption record. */
export type NamespaceSpec = { name: string; level: Exclude<PsaLevel, "privileged"> } | { privileged: PsaExemption };

/** Metadata of a namespace, as the Namespace resource takes it. */
export interface NamespaceMetadata {
    name: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
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
        [`${PSA_EXEMPTION_ANNOTATION_PREFIX}reason`]: exemption.reason,
        [`${PSA_EXEMPTION_ANNOTATION_PREFIX}owner`]: exemption.owner,
        [`${PSA_EXEMPTION_ANNOTATION_PREFIX}approver`]: PSA_EXEMPTION_APPROVER,
        [`${PSA_EXEMPTION_ANNOTATION_PREFIX}approved-on`]: PSA_EXEMPTIONS_APPROVED_ON,
        [`${PSA_EXEMPTION_ANNOTATION_PREFIX}review-by`]: PSA_EXEMPTIONS_REVIEW_BY,
    };
}

/** The namespace's name. */
export function namespaceName(spec: NamespaceSpec): string {
    return "privileged" in spec ? spec.privileged.namespace : spec.name;
}

/** Labels (and, when privileged, the exemption record) of a namespace the platform creates. */
export function namespaceMetadata(spec: NamespaceSpec): NamespaceMetadata {
    if ("privileged" in spec) {
        return { name: spec.privileged.namespace, labels: psaLabels("privileged"), annotations: exemptionAnnotations(spec.privileged) };
    }
    return { name: spec.name, labels: psaLabels(spec.level) };
}
