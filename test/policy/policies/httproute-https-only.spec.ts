import { strict as assert } from "assert";
import { assertPolicyMetadata, check, gatewayApi } from "../helpers";

const NAME = "httproute-https-only";
const namespace = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });

describe(NAME, () => {
    it("is a mandatory stack policy with a full-sentence description", () => assertPolicyMetadata(NAME, "mandatory"));

    it("passes the redirect on the HTTP listener and an app route on the HTTPS one", () => {
        assert.deepEqual(
            check(NAME, [gatewayApi.gateway(), gatewayApi.redirect(), gatewayApi.route("hubble-ui", "kube-system", ["hubble.mgmt.local.dev"])]),
            [],
        );
    });

    it("passes a route naming the whole Gateway from another namespace: the HTTP listener admits its own namespace only", () => {
        const route = gatewayApi.route("shop", "apps", ["shop.apps.local.dev"], {});
        assert.deepEqual(check(NAME, [gatewayApi.gateway(), route]), []);
        const defaulted = gatewayApi.gateway();
        delete defaulted.spec.listeners[0].allowedRoutes; // from: Same is the API's default
        assert.deepEqual(check(NAME, [defaulted, route]), []);
        defaulted.spec.listeners[0].allowedRoutes = { namespaces: { from: "All" } };
        assert.equal(check(NAME, [defaulted, route]).length, 1);
    });

    it("fails a rule that serves content through the HTTP listener, on the route", () => {
        const redirect = gatewayApi.redirect();
        redirect.spec.rules[0] = { backendRefs: [{ name: "web", port: 80 }] };
        const violations = check(NAME, [gatewayApi.gateway(), redirect]);
        assert.deepEqual(
            violations.map((v) => [v.name, v.message]),
            [
                [
                    "https-redirect",
                    'spec.rules[0] of HTTPRoute gateway-system/https-redirect is served over plain HTTP by listener "http" ' +
                        "(port 80) of Gateway gateway-system/main-gateway through spec.parentRefs[0]; " +
                        'set its sectionName to an HTTPS listener, or make the rule a RequestRedirect filter with scheme "https".',
                ],
            ],
        );
    });

    it("follows the listener's allowedRoutes: a Selector that picks the route's namespace attaches it", () => {
        const gateway = gatewayApi.gateway();
        gateway.spec.listeners[0].allowedRoutes = { namespaces: { from: "Selector", selector: { matchLabels: { "kubernetes.io/metadata.name": "apps" } } } };
        const route = gatewayApi.route("shop", "apps", ["shop.apps.local.dev"], {});
        assert.equal(check(NAME, [namespace("apps"), gateway, route]).length, 1);
        gateway.spec.listeners[0].allowedRoutes.namespaces.selector = { matchLabels: { team: "web" } };
        assert.deepEqual(check(NAME, [namespace("apps"), gateway, route]), []);
    });

    it("follows sectionName, port and hostnames: a route elsewhere does not attach to the HTTP listener", () => {
        const gateway = gatewayApi.gateway();
        gateway.spec.listeners[0] = { name: "http", port: 80, protocol: "HTTP", hostname: "*.other.dev", allowedRoutes: { namespaces: { from: "Same" } } };
        const route = (parentRef: Record<string, unknown>, hostnames: string[]) => ({ ...gatewayApi.route("web", "gateway-system", hostnames, parentRef) });
        assert.deepEqual(check(NAME, [gateway, route({ port: 443 }, [])]), []);
        assert.deepEqual(check(NAME, [gateway, route({}, ["web.apps.local.dev"])]), [], "hostnames do not intersect");
        assert.equal(check(NAME, [gateway, route({}, ["web.other.dev"])]).length, 1, "*.other.dev covers web.other.dev");
        assert.equal(check(NAME, [gateway, route({ port: 80 }, [])]).length, 1);
    });

    it("does not apply to a stack without HTTPRoutes", () => {
        assert.deepEqual(check(NAME, [gatewayApi.gateway()]), []);
    });
});
