import { strict as assert } from "assert";
import { assertPolicyMetadata, check, gatewayApi } from "../helpers";

const NAME = "ingress-https-only";
const ingress = () => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "web", namespace: "apps", annotations: {} as Record<string, string> },
    spec: {
        tls: [{ hosts: ["web.app.local", "*.api.app.local"], secretName: "web-tls" }] as { hosts?: string[]; secretName: string }[],
        rules: [{ host: "web.app.local" }, { host: "v1.api.app.local" }],
    },
});

describe(NAME, () => {
    it("is mandatory with a full-sentence description", () => assertPolicyMetadata(NAME, "mandatory"));

    describe("Ingress", () => {
        it("passes an Ingress whose hosts all have TLS (wildcards included)", () => {
            assert.deepEqual(check(NAME, ingress()), []);
        });

        it("fails an Ingress without spec.tls", () => {
            const i = ingress();
            i.spec.tls = [];
            assert.deepEqual(
                check(NAME, i).map((v) => v.message),
                ["spec.tls is empty, so the Ingress serves plain HTTP; add a spec.tls entry with a certificate secret for its hosts."],
            );
        });

        it("fails a host that no TLS entry covers (a wildcard covers one label only)", () => {
            const i = ingress();
            i.spec.rules.push({ host: "a.b.api.app.local" });
            assert.deepEqual(
                check(NAME, i).map((v) => v.message),
                [`spec.rules[2].host "a.b.api.app.local" is not covered by spec.tls; add it to a spec.tls[].hosts entry.`],
            );
        });

        it("fails ssl-redirect turned off", () => {
            const i = ingress();
            i.metadata.annotations["nginx.ingress.kubernetes.io/ssl-redirect"] = "false";
            assert.match(check(NAME, i)[0].message, /^metadata\.annotations\["nginx\.ingress\.kubernetes\.io\/ssl-redirect"\] is "false"/);
        });
    });

    describe("Gateway", () => {
        it("passes an HTTP listener open to its own namespace only, beside an HTTPS listener with a certificate", () => {
            assert.deepEqual(check(NAME, gatewayApi.gateway()), []);
        });

        it("passes an HTTP listener that leaves allowedRoutes to its default (Same)", () => {
            const g = gatewayApi.gateway();
            delete g.spec.listeners[0].allowedRoutes;
            assert.deepEqual(check(NAME, g), []);
        });

        it("fails an HTTP listener that admits routes from every namespace", () => {
            const g = gatewayApi.gateway();
            g.spec.listeners[0].allowedRoutes.namespaces.from = "All";
            assert.deepEqual(
                check(NAME, g).map((v) => v.message),
                [
                    `spec.listeners[0] ("http") serves plain HTTP to routes from namespaces "All"; set allowedRoutes.namespaces.from to "Same", so only ` +
                        `the Gateway's namespace attaches there (with routes that redirect to https), or make the listener HTTPS.`,
                ],
            );
        });

        it("fails an HTTPS listener without a certificate", () => {
            const g = gatewayApi.gateway();
            delete g.spec.listeners[1].tls;
            assert.deepEqual(
                check(NAME, g).map((v) => v.message),
                [`spec.listeners[1] ("https") is HTTPS without a certificate; set tls.certificateRefs to the Secret holding the certificate of its hostnames.`],
            );
        });

        it("checks v1beta1 Gateways too, which the standard channel still serves", () => {
            const g = gatewayApi.gateway();
            g.apiVersion = "gateway.networking.k8s.io/v1beta1";
            g.spec.listeners[0].allowedRoutes.namespaces.from = "Selector";
            assert.equal(check(NAME, g).length, 1);
        });
    });
});
