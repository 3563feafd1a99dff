// One policy per Pod Security Standards check: `pss-baseline-*` mandatory, `pss-restricted-*` advisory
// by default (seed 002: enforce baseline, warn restricted), each level overridable through pack config.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { NamespaceExemption } from "../../lib/k8s";
import { workloadPolicy } from "../../lib/workload-policy";
import { PSS_CHECKS, PssCheck } from "./checks";

/** Seed 001 §6.4: the namespaces whose PSA exemption "cannot be reduced". */
const PSS_DEFAULT_EXEMPTIONS: NamespaceExemption[] = [
    { namespace: "kube-system", reason: "control-plane and node components need host access (seed 001 §6.4)" },
    { namespace: "cilium-system", reason: "the CNI agent needs host networking and privileges (seed 001 §6.4)" },
];

export const pssPolicyName = (check: PssCheck) => `pss-${check.level}-${check.slug}`;

export const pssPolicies: ResourceValidationPolicy[] = PSS_CHECKS.map(check => workloadPolicy({
    name: pssPolicyName(check),
    description: check.description,
    enforcementLevel: check.level === "baseline" ? "mandatory" : "advisory",
    defaultExemptions: PSS_DEFAULT_EXEMPTIONS,
    validate: (pod, _args, reportViolation) => {
        for (const finding of check.check(pod)) {
            reportViolation(finding.message);
        }
    },
}));
