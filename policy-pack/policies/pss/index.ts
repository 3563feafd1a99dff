// One policy per Pod Security Standards check: `pss-baseline-*` mandatory, `pss-restricted-*` advisory
// by default (seed 002: enforce baseline, warn restricted), each level overridable through pack config.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { API_SERVER_EXEMPTIONS } from "../../lib/k8s";
import { workloadPolicy } from "../../lib/workload-policy";
import { PSS_CHECKS, PssCheck } from "./checks";

export const pssPolicyName = (check: PssCheck) => `pss-${check.level}-${check.slug}`;

export const pssPolicies: ResourceValidationPolicy[] = PSS_CHECKS.map((check) =>
    workloadPolicy({
        name: pssPolicyName(check),
        description: check.description,
        enforcementLevel: check.level === "baseline" ? "mandatory" : "advisory",
        defaultExemptions: API_SERVER_EXEMPTIONS,
        validate: (pod, _args, reportViolation) => {
            for (const finding of check.check(pod)) {
                reportViolation(finding.message);
            }
        },
    }),
);
