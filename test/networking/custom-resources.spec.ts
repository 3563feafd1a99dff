// Every custom resource the shipped stacks create, against its upstream CRD in ../shared/schemas/crds
// (unknown fields rejected, as the API server does); plus the MetalLB pools, the Gateway's listeners
// and routes, and the namespaces the networking add-ons add.
import { strict as assert } from "assert";
import { gatewayClass, gatewayNamespace, hubbleUiRoute, httpsRedirectRoute, MAIN_GATEWAY, mainGateway } from "../../components/cilium-mesh";
import {
    ipAddressPool,
    l2Advertisement,
    meshAddressPool,
    meshPoolName,
    poolName,
    rangesWithout,
    serviceAddressPool,
    servicePoolName,
} from "../../components/metallb";
import { PlannedStack, planShipped } from "../support/offline";
import { customResources, errorsOf, requireSchemas, stackConfigs, strictCrdValidator } from "./helpers";

const configs = stackConfigs();

describe("networking: custom resources against their upstream CRDs", function () {
    this.timeout(180_000);
    let stacks: PlannedStack[];
    before(async () => {
        stacks = await planShipped();
    });

    it("every custom resource of every stack validates against the CRD of its group, version and kind", function () {
        requireSchemas(this);
        const kinds = new Set<string>();
        for (const planned of stacks) {
            for (const r of customResources(planned.resources)) {
                const { apiVersion, kind } = r.inputs as { apiVersion: string; kind: string };
                kinds.add(kind);
                const validate = strictCrdValidator(apiVersion, kind);
                assert.ok(validate, `${planned.stack}/${r.name}: no CRD for ${apiVersion} ${kind} in ../shared/schemas/crds`);
                assert.ok(validate(r.inputs), `${planned.stack}/${r.name}: ${errorsOf(validate)}`);
            }
        }
        // Guards against an empty check: the kinds this platform is known to create are all covered.
        for (const kind of ["GatewayClass", "Gateway", "HTTPRoute", "IPAddressPool", "L2Advertisement", "ClusterPolicy", "CiliumNetworkPolicy"]) {
            assert.ok(kinds.has(kind), `no ${kind} in the plan`);
        }
    });

    it("the strict CRD schemas do reject a broken object (so passing means something)", function () {
        requireSchemas(this);
        const gateway = mainGateway();
        const validateGateway = strictCrdValidator(gateway.apiVersion, gateway.kind)!;
        assert.equal(validateGateway({ ...gateway, spec: { ...gateway.spec, listeners: [{ ...gateway.spec.listeners[0], protocol: 80 }] } }), false);
        const pool = meshAddressPool("x", "192.168.64.200");
        const validatePool = strictCrdValidator(pool.apiVersion, pool.kind)!;
        assert.equal(validatePool({ ...pool, spec: { ...pool.spec, autoAsign: false } }), false, "a misspelt field");
        const cnp = {
            apiVersion: "cilium.io/v2",
            kind: "CiliumNetworkPolicy",
            metadata: { name: "x", namespace: "y" },
            spec: { endpointSelector: {}, ingress: [{ fromEntities: ["gateway"] }] },
        };
        assert.equal(strictCrdValidator(cnp.apiVersion, cnp.kind)!(cnp), false, "an entity Cilium does not know");
    });
});

describe("networking: MetalLB pools", () => {
    it("takes the fixed IPs out of the general pool, wherever they sit in the range", () => {
        assert.deepEqual(rangesWithout("192.168.64.200-192.168.64.210", ["192.168.64.200"]), ["192.168.64.201-192.168.64.210"]);
        assert.deepEqual(rangesWithout("192.168.64.200-192.168.64.210", ["192.168.64.210"]), ["192.168.64.200-192.168.64.209"]);
        assert.deepEqual(rangesWithout("192.168.64.200-192.168.64.210", ["192.168.64.205"]), [
            "192.168.64.200-192.168.64.204",
            "192.168.64.206-192.168.64.210",
        ]);
        assert.deepEqual(rangesWithout("192.168.64.200-192.168.64.210", ["192.168.64.200", "192.168.64.203", "192.168.64.201"]), [
            "192.168.64.202-192.168.64.202",
            "192.168.64.204-192.168.64.210",
        ]);
        assert.throws(
            () => rangesWithout("192.168.64.200-192.168.64.201", ["192.168.64.201", "192.168.64.200"]),
            /network\.lbPool .* holds only the fixed addresses .*; widen the pool/,
        );
    });

    for (const config of configs.values()) {
        it(`${config.name}: the mesh IP is alone in a pool that never auto-assigns, and one L2Advertisement announces both pools`, () => {
            const mesh = meshAddressPool(config.name, config.network.clusterMeshIp);
            assert.deepEqual(mesh.spec, { addresses: [`${config.network.clusterMeshIp}/32`], autoAssign: false });
            const fixed = [config.network.clusterMeshIp, ...Object.values(config.network.serviceIps ?? {})];
            const general = ipAddressPool(config.name, config.network.lbPool, fixed);
            assert.equal(general.spec.autoAssign, undefined, "the general pool keeps MetalLB's default, autoAssign true");
            for (const ip of fixed) {
                assert.ok(!general.spec.addresses.some((a: string) => a.split("-").includes(ip)), ip);
            }
            assert.deepEqual(l2Advertisement(config.name, false).spec.ipAddressPools, [poolName(config.name), meshPoolName(config.name)]);
        });
    }
});

describe("networking: mgmt's fixed service IPs", () => {
    it("sit alone in a pool that never auto-assigns, announced with the others", () => {
        const mgmt = configs.get("mgmt")!;
        const ips = Object.values(mgmt.network.serviceIps!);
        const pool = serviceAddressPool(mgmt.name, ips);
        assert.deepEqual(pool.spec, { addresses: ips.map((ip) => `${ip}/32`), autoAssign: false });
        assert.equal(strictCrdValidator(pool.apiVersion, pool.kind)!(pool), true);
        assert.ok(l2Advertisement(mgmt.name, true).spec.ipAddressPools.includes(servicePoolName(mgmt.name)));
    });
});

describe("networking: main-gateway and its routes", () => {
    it("serves HTTPS 443 with wildcard-tls from its own namespace to every namespace, and HTTP 80 to its own namespace only", () => {
        const listeners = mainGateway().spec.listeners;
        assert.deepEqual(
            listeners.map((l: any) => [l.protocol, l.port, l.allowedRoutes.namespaces.from]),
            [
                ["HTTP", 80, "Same"],
                ["HTTPS", 443, "All"],
            ],
        );
        assert.deepEqual(listeners[1].tls.certificateRefs, [{ kind: "Secret", name: "wildcard-tls", namespace: MAIN_GATEWAY.namespace }]);
        assert.equal(mainGateway().metadata.namespace, "gateway-system");
        assert.equal(gatewayClass().spec.controllerName, "io.cilium/gateway-controller");
    });

    it("answers every plain-HTTP request with a 301 to https, from the Gateway's own namespace", () => {
        const route = httpsRedirectRoute();
        assert.equal(route.metadata.namespace, MAIN_GATEWAY.namespace);
        assert.deepEqual(route.spec.parentRefs, [{ name: MAIN_GATEWAY.name, namespace: MAIN_GATEWAY.namespace, sectionName: "http" }]);
        assert.deepEqual(route.spec.rules, [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }]);
    });

    it("serves the Hubble UI on the HTTPS listener only", () => {
        const route = hubbleUiRoute("mgmt");
        assert.deepEqual(route.spec.parentRefs, [{ name: MAIN_GATEWAY.name, namespace: MAIN_GATEWAY.namespace, sectionName: "https" }]);
        assert.deepEqual(route.spec.hostnames, ["hubble.mgmt.local.dev"]);
    });

    it("gateway-system enforces restricted at every PSA mode", () => {
        const labels = gatewayNamespace().metadata.labels;
        for (const mode of ["enforce", "audit", "warn"]) {
            assert.equal(labels[`pod-security.kubernetes.io/${mode}`], "restricted");
            assert.equal(labels[`pod-security.kubernetes.io/${mode}-version`], "latest");
        }
    });
});
