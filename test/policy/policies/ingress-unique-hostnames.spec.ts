import { strict as assert } from "assert";
import { assertPolicyMetadata, check } from "../helpers";

const NAME = "ingress-unique-hostnames";
const ingress = (name: string, ...hosts: string[]) => ({
    apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name, namespace: "apps" },
    spec: { tls: [{ hosts, secretName: "tls" }], rules: hosts.map(host => ({ host })) },
});

describe(NAME, () => {
    it("is a mandatory stack policy with a full-sentence description", () => assertPolicyMetadata(NAME, "mandatory"));

    it("passes Ingresses with distinct hosts (one Ingress may repeat its own host)", () => {
        assert.deepEqual(check(NAME, [ingress("a", "a.app.local", "a.app.local"), ingress("b", "b.app.local")]), []);
    });

    it("fails the second Ingress claiming a host, on that Ingress", () => {
        const violations = check(NAME, [ingress("a", "shared.app.local"), ingress("b", "b.app.local", "shared.app.local")]);
        assert.deepEqual(violations.map(v => [v.name, v.message]), [["b", `Ingress apps/b serves host "shared.app.local", already served by Ingress apps/a; give each host a single Ingress.`]]);
    });
});
