// Seed 001 §6.4/§19.1 and seed 002 §C: every namespace states its Pod Security level explicitly
// instead of relying on the cluster default; "privileged" needs a recorded reason, either in this
// policy's config or on the Namespace itself (the annotation components/psa-exemption writes).
import * as k8s from "@pulumi/kubernetes";
import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { PSA_EXEMPTION_REASON_ANNOTATION, PSA_LABEL_PREFIX, PSA_LEVELS } from "../conventions";
import { API_SERVER_EXEMPTIONS, exemptNamespacesSchema, NamespaceExemption, objectName } from "../lib/k8s";

export const namespacePsaLabels: ResourceValidationPolicy = {
    name: "namespace-psa-labels",
    description:
        "Every Namespace must set the pod-security.kubernetes.io/enforce label, " +
        "and a Namespace or NamespacePatch may enforce privileged only with a recorded reason.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            privilegedNamespaces: {
                ...exemptNamespacesSchema(API_SERVER_EXEMPTIONS),
                description: "Namespaces allowed to enforce the privileged level, each with the reason.",
            },
            exemptionReasonAnnotation: {
                type: "string",
                minLength: 1,
                default: PSA_EXEMPTION_REASON_ANNOTATION,
                description: "A Namespace annotated with a non-empty reason under this key may also enforce privileged.",
            },
        },
    },
    validateResource: [
        validateResourceOfType(k8s.core.v1.Namespace, (ns, args, reportViolation) => checkPsaLabels(ns.metadata, true, args, reportViolation)),
        // A patch of a namespace someone else creates (e.g. an upstream manifest) need not manage PSA,
        // but the labels it does set follow the same rules.
        validateResourceOfType(k8s.core.v1.NamespacePatch, (ns, args, reportViolation) => checkPsaLabels(ns.metadata, false, args, reportViolation)),
    ],
};

type Metadata = { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> } | undefined;

function checkPsaLabels(metadata: Metadata, requireEnforce: boolean, args: ResourceValidationArgs, reportViolation: ReportViolation): void {
    const { privilegedNamespaces = [], exemptionReasonAnnotation = PSA_EXEMPTION_REASON_ANNOTATION } = args.getConfig<{
        privilegedNamespaces?: NamespaceExemption[];
        exemptionReasonAnnotation?: string;
    }>();
    const name = objectName({ metadata }, args.name);
    const labels: Record<string, string> = metadata?.labels ?? {};
    const enforce = labels[`${PSA_LABEL_PREFIX}enforce`];
    if (enforce === undefined && requireEnforce) {
        reportViolation(`metadata.labels["${PSA_LABEL_PREFIX}enforce"] is not set on namespace ${name}; set it to "baseline" or "restricted".`);
    }
    for (const mode of ["enforce", "audit", "warn"]) {
        const value = labels[`${PSA_LABEL_PREFIX}${mode}`];
        if (value !== undefined && !(PSA_LEVELS as readonly string[]).includes(value)) {
            reportViolation(`metadata.labels["${PSA_LABEL_PREFIX}${mode}"] is ${JSON.stringify(value)}; use one of ${PSA_LEVELS.join(", ")}.`);
        }
    }
    const recorded = String(metadata?.annotations?.[exemptionReasonAnnotation] ?? "").trim() !== "";
    if (enforce === "privileged" && !recorded && !privilegedNamespaces.some((p) => p.namespace === name)) {
        reportViolation(
            `metadata.labels["${PSA_LABEL_PREFIX}enforce"] is "privileged" on namespace ${name}; use "baseline", or record why: ` +
                `annotate it with ${exemptionReasonAnnotation} or list it in this policy's privilegedNamespaces.`,
        );
    }
}
