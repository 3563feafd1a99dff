import { strict as assert } from "assert";
import { assertPolicyMetadata, check, gatewayApi } from "../helpers";

const NAME = "ingress-unique-hostnames";
const ingress = (name: string, ...hosts: string[]) => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: "apps" },
    spec: { tls: [{ hosts, secretName: "tls" }], rules: hosts.map((host) => ({ host })) },
});
const HUBBLE = "hubble.mgmt.local.dev";

describe(NAME, () => {
    it("is a mandatory stack policy with a full-sentence description", () => assertPolicyMetadata(NAME, "mandatory"));

    it("passes Ingresses with distinct hosts (one Ingress may repeat its own host)", () => {
        assert.deepEqual(check(NAME, [ingress("a", "a.app.local", "a.app.local"), ingress("b", "b.app.local")]), []);
    });

    it("fails the second Ingress claiming a host, on that Ingress", () => {
        const violations = check(NAME, [ingress("a", "shared.app.local"), ingress("b", "b.app.local", "shared.app.local")]);
        assert.deepEqual(
            violations.map((v) => [v.name, v.message]),
            [["b", `Ingress apps/b serves host "shared.app.local", already served by Ingress apps/a; give each hostname a single Ingress or Gateway.`]],
        );
    });

    it("passes a Gateway's listener and its routes sharing a hostname, and the redirect beside an HTTPS route", () => {
        const gateway = gatewayApi.gateway();
        gateway.spec.listeners[1].hostname = HUBBLE;
        const redirect = gatewayApi.redirect();
        redirect.spec.hostnames = [HUBBLE];
        assert.deepEqual(check(NAME, [gateway, redirect, gatewayApi.route("hubble-ui", "kube-system", [HUBBLE])]), []);
    });

    it("fails an Ingress claiming an HTTPRoute's hostname", () => {
        const violations = check(NAME, [gatewayApi.gateway(), gatewayApi.route("hubble-ui", "kube-system", [HUBBLE]), ingress("hubble", HUBBLE)]);
        assert.deepEqual(
            violations.map((v) => v.message),
            [`Ingress apps/hubble serves host "${HUBBLE}", already served by HTTPRoute kube-system/hubble-ui; give each hostname a single Ingress or Gateway.`],
        );
    });

    it("fails a listener hostname already served by an Ingress", () => {
        const gateway = gatewayApi.gateway();
        gateway.spec.listeners[1].hostname = "shop.apps.local.dev";
        const violations = check(NAME, [ingress("shop", "shop.apps.local.dev"), gateway]);
        assert.deepEqual(
            violations.map((v) => v.message),
            [
                `Gateway gateway-system/main-gateway serves host "shop.apps.local.dev", already served by Ingress apps/shop; ` +
                    "give each hostname a single Ingress or Gateway.",
            ],
        );
    });

    it("fails a second HTTPRoute claiming a hostname on the same listener, also on a Gateway outside the stack", () => {
        const first = gatewayApi.route("shop", "apps", ["shop.apps.local.dev"]);
        const second = gatewayApi.route("shop-v2", "apps", ["shop.apps.local.dev"]);
        const message = (listener: string) =>
            `HTTPRoute apps/shop-v2 serves host "shop.apps.local.dev" on ${listener}, already served there by HTTPRoute apps/shop; ` +
            "give each hostname a single HTTPRoute per listener.";
        assert.deepEqual(
            check(NAME, [gatewayApi.gateway(), first, second]).map((v) => [v.name, v.message]),
            [["shop-v2", message(`listener "https" of Gateway gateway-system/main-gateway`)]],
        );
        assert.deepEqual(
            check(NAME, [first, second]).map((v) => v.message),
            [message(`Gateway gateway-system/main-gateway listener "https"`)],
        );
    });
});
