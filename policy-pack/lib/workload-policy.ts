// Builds a resource policy that runs on Pods and on the pod template of every workload kind,
// after the namespace exemptions of the policy's config.
import { EnforcementLevel, PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { exemptNamespacesSchema, NamespaceExemption, podTemplateOf, PodTemplate, skipExemptNamespace } from "./k8s";

export interface WorkloadPolicyArgs {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    /** Options besides `exemptNamespaces`, which every workload policy has. */
    options?: Record<string, PolicyConfigJSONSchema>;
    defaultExemptions?: NamespaceExemption[];
    validate(pod: PodTemplate, args: ResourceValidationArgs, reportViolation: ReportViolation): void;
}

export function workloadPolicy(p: WorkloadPolicyArgs): ResourceValidationPolicy {
    const configSchema: PolicyConfigSchema = {
        properties: { exemptNamespaces: exemptNamespacesSchema(p.defaultExemptions), ...p.options },
    };
    return {
        name: p.name,
        description: p.description,
        enforcementLevel: p.enforcementLevel,
        configSchema,
        validateResource: (args, reportViolation) => {
            const pod = podTemplateOf(args.type, args.props);
            if (!pod) {
                return args.notApplicable("Policy only applies to Pods and workloads with a pod template");
            }
            skipExemptNamespace(args);
            p.validate(pod, args, reportViolation);
        },
    };
}
