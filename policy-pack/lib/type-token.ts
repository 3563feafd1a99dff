// validateResourceOfType for providers the pack does not depend on (vault, tls, random, CRDs):
// the same exact type match and the same __pulumiType tag the engine uses to skip other types.
import { ResourceValidation } from "@pulumi/policy";

export function validateResourceOfTypeToken(token: string, validate: ResourceValidation): ResourceValidation {
    const fn: ResourceValidation = (args, reportViolation) =>
        args.type === token ? validate(args, reportViolation) : args.notApplicable(`Policy only applies to resources of type '${token}'`);
    (fn as { __pulumiType?: string }).__pulumiType = token;
    return fn;
}

/** The Pulumi type token of a Kubernetes object: `apps/v1` Deployment is `kubernetes:apps/v1:Deployment`, core `v1` is `core/v1`. */
export function typeToken(apiVersion: string, kind: string): string {
    return `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`;
}
