import { strict as assert } from "assert";
import { assertPolicyMetadata, check } from "../helpers";

const NAME = "app-namespace-default-deny";
const appNs = (name: string, label = "platform.example/app-namespace") => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, labels: { [label]: "true", "pod-security.kubernetes.io/enforce": "baseline" } },
});
const denyAll = (namespace: string, spec: Record<string, unknown> = {}) => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "default-deny-all", namespace },
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ...spec },
});

describe(NAME, () => {
    it("is a mandatory stack policy with a full-sentence description", () => assertPolicyMetadata(NAME, "mandatory"));

    it("passes when each application namespace has a default-deny NetworkPolicy", () => {
        assert.deepEqual(check(NAME, [appNs("shop"), denyAll("shop"), { apiVersion: "v1", kind: "Namespace", metadata: { name: "monitoring" } }]), []);
    });

    it("fails an application namespace without one, on the Namespace", () => {
        const violations = check(NAME, [appNs("shop"), appNs("blog"), denyAll("shop")]);
        assert.deepEqual(
            violations.map((v) => [v.type, v.name, v.message]),
            [
                [
                    "kubernetes:core/v1:Namespace",
                    "blog",
                    "application namespace blog has no default-deny NetworkPolicy; add one in it with podSelector: {} and policyTypes: [Ingress, Egress].",
                ],
            ],
        );
    });

    it("does not count a policy that selects some pods or lacks Egress", () => {
        assert.equal(check(NAME, [appNs("shop"), denyAll("shop", { podSelector: { matchLabels: { app: "x" } } })]).length, 1);
        assert.equal(check(NAME, [appNs("shop"), denyAll("shop", { policyTypes: ["Ingress"] })]).length, 1);
    });

    it("takes the label key from config", () => {
        assert.deepEqual(check(NAME, [appNs("shop", "tenant")]), [], "the default key does not match");
        assert.equal(check(NAME, [appNs("shop", "tenant")], { [NAME]: { appNamespaceLabel: "tenant" } }).length, 1);
    });
});
