import { strict as assert } from "assert";
import { assertPolicyMetadata, check } from "../helpers";

const NAME = "ingress-https-only";
const ingress = () => ({
    apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "web", namespace: "apps", annotations: {} as Record<string, string> },
    spec: {
        tls: [{ hosts: ["web.app.local", "*.api.app.local"], secretName: "web-tls" }] as { hosts?: string[]; secretName: string }[],
        rules: [{ host: "web.app.local" }, { host: "v1.api.app.local" }],
    },
});

describe(NAME, () => {
    it("is mandatory with a full-sentence description", () => assertPolicyMetadata(NAME, "mandatory"));

    it("passes an Ingress whose hosts all have TLS (wildcards included)", () => {
        assert.deepEqual(check(NAME, ingress()), []);
    });

    it("fails an Ingress without spec.tls", () => {
        const i = ingress();
        i.spec.tls = [];
        assert.deepEqual(check(NAME, i).map(v => v.message), ["spec.tls is empty, so the Ingress serves plain HTTP; add a spec.tls entry with a certificate secret for its hosts."]);
    });

    it("fails a host that no TLS entry covers (a wildcard covers one label only)", () => {
        const i = ingress();
        i.spec.rules.push({ host: "a.b.api.app.local" });
        assert.deepEqual(check(NAME, i).map(v => v.message), [`spec.rules[2].host "a.b.api.app.local" is not covered by spec.tls; add it to a spec.tls[].hosts entry.`]);
    });

    it("fails ssl-redirect turned off", () => {
        const i = ingress();
        i.metadata.annotations["nginx.ingress.kubernetes.io/ssl-redirect"] = "false";
        assert.match(check(NAME, i)[0].message, /^metadata\.annotations\["nginx\.ingress\.kubernetes\.io\/ssl-redirect"\] is "false"/);
    });
});
