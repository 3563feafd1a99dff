// Builds a non-Kubernetes resource (helm, vault, tls, random) as the mocks record it.
import { evaluatePolicies, PackConfig, Violation } from "../../../policy-pack/evaluate";

export function checkProvider(policy: string, type: string, inputs: Record<string, unknown>, config?: PackConfig): Violation[] {
    return evaluatePolicies([{ urn: `urn:pulumi:test::test::${type}::r`, type, name: "r", dependencies: [], inputs }], { policyNames: [policy], config });
}
