import { strict as assert } from "assert";
import { assertPolicyMetadata, check } from "../helpers";

const NAME = "no-external-services";
const service = (spec: Record<string, unknown>, namespace = "apps") => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace },
    spec: { selector: { app: "web" }, ports: [{ port: 80 }], ...spec },
});

describe(NAME, () => {
    it("is mandatory with a full-sentence description", () => assertPolicyMetadata(NAME, "mandatory"));

    it("passes a ClusterIP Service", () => {
        assert.deepEqual(check(NAME, service({ type: "ClusterIP" })), []);
    });

    for (const type of ["LoadBalancer", "NodePort"]) {
        it(`fails type ${type}, naming the field and the fix`, () => {
            assert.deepEqual(
                check(NAME, service({ type })).map((v) => v.message),
                [
                    `spec.type is "${type}", which exposes the Service outside the cluster; ` +
                        "use type ClusterIP behind the Gateway, or allow apps/web in this policy's allowedServices with a reason.",
                ],
            );
        });
    }

    it("fails externalIPs", () => {
        assert.match(check(NAME, service({ externalIPs: ["192.168.64.10"] }))[0].message, /^spec\.externalIPs is set/);
    });

    it("passes an allowed Service or a Service in an exempt namespace", () => {
        const lb = service({ type: "LoadBalancer" });
        assert.deepEqual(check(NAME, lb, { [NAME]: { allowedServices: [{ namespace: "apps", name: "web", reason: "public demo" }] } }), []);
        assert.deepEqual(check(NAME, lb, { [NAME]: { exemptNamespaces: [{ namespace: "apps", reason: "edge namespace" }] } }), []);
    });
});
