// Every custom resource the networking add-ons create, against its CRD's openAPIV3Schema from
// ../shared/schemas/crds; plus the namespaces and StorageClasses they add.
import { strict as assert } from "assert";
import { gatewayClass, gatewayNamespace, hubbleUiRoute, MAIN_GATEWAY, mainGateway } from "../../components/cilium-mesh";
import { localPathStorageClasses } from "../../components/local-path";
import { ipAddressPool, l2Advertisement, METALLB_PSA_EXEMPTION } from "../../components/metallb";
import { EXEMPTION_ANNOTATION_PREFIX, PSA_EXEMPTIONS_REVIEW_BY, privilegedNamespaceMetadata } from "../../components/psa-exemption";
import { crdValidator, errorsOf, requireSchemas, stackConfigs } from "./helpers";

const CRDS: Record<string, string> = {
    GatewayClass: "gateway-api/gateway.networking.k8s.io_gatewayclasses.yaml",
    Gateway: "gateway-api/gateway.networking.k8s.io_gateways.yaml",
    HTTPRoute: "gateway-api/gateway.networking.k8s.io_httproutes.yaml",
    IPAddressPool: "metallb/metallb.io_ipaddresspools.yaml",
    L2Advertisement: "metallb/metallb.io_l2advertisements.yaml",
};

const configs = stackConfigs();

function objectsOf(stack: string): Record<string, any>[] {
    const config = configs.get(stack)!;
    return [gatewayClass(), mainGateway(), hubbleUiRoute(config.name), ipAddressPool(config.name, config.network.lbPool), l2Advertisement(config.name)];
}

describe("networking: custom resources against their CRDs", () => {
    for (const stack of configs.keys()) {
        for (const object of objectsOf(stack)) {
            it(`${stack}: ${object.kind} ${object.metadata.name} validates`, function () {
                requireSchemas(this);
                const validate = crdValidator(CRDS[object.kind], object.apiVersion);
                assert.ok(validate(object), errorsOf(validate));
            });
        }
    }

    it("the CRD schemas do reject a broken object (so passing means something)", function () {
        requireSchemas(this);
        const gateway = mainGateway();
        gateway.spec.listeners[0].protocol = 80;
        const validate = crdValidator(CRDS.Gateway, gateway.apiVersion);
        assert.equal(validate(gateway), false);
        const pool = ipAddressPool("x", "192.168.64.200-192.168.64.210");
        delete pool.spec;
        assert.equal(crdValidator(CRDS.IPAddressPool, pool.apiVersion)(pool), false);
    });

    it("main-gateway serves HTTP 80 and HTTPS 443 with wildcard-tls from its own namespace", () => {
        const listeners = mainGateway().spec.listeners;
        assert.deepEqual(listeners.map((l: any) => [l.protocol, l.port]), [["HTTP", 80], ["HTTPS", 443]]);
        const ref = listeners[1].tls.certificateRefs[0];
        assert.equal(ref.name, "wildcard-tls");
        assert.equal(ref.namespace, MAIN_GATEWAY.namespace);
        assert.equal(mainGateway().metadata.namespace, "gateway-system");
    });

    it("each cluster's MetalLB pool is its configured range, advertised in L2", () => {
        for (const config of configs.values()) {
            const pool = ipAddressPool(config.name, config.network.lbPool);
            assert.deepEqual(pool.spec.addresses, [config.network.lbPool]);
            assert.deepEqual(l2Advertisement(config.name).spec.ipAddressPools, [pool.metadata.name]);
        }
    });
});

describe("networking: namespaces and storage classes", () => {
    it("privileged namespaces carry the enforce label, the reason and a review date", () => {
        const meta = privilegedNamespaceMetadata("metallb-system", METALLB_PSA_EXEMPTION);
        assert.equal(meta.labels["pod-security.kubernetes.io/enforce"], "privileged");
        assert.equal(meta.annotations[`${EXEMPTION_ANNOTATION_PREFIX}reason`], METALLB_PSA_EXEMPTION.reason);
        assert.equal(meta.annotations[`${EXEMPTION_ANNOTATION_PREFIX}review-by`], PSA_EXEMPTIONS_REVIEW_BY);
    });

    it("gateway-system enforces restricted", () => {
        assert.equal(gatewayNamespace().metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    });

    it("local-path is the default class (Delete) and local-path-retain keeps volumes; both wait for the consumer", () => {
        const { standard, retain } = localPathStorageClasses();
        assert.equal(standard.metadata.name, "local-path");
        assert.equal(standard.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"], "true");
        assert.equal(standard.reclaimPolicy, "Delete");
        assert.equal(retain.metadata.name, "local-path-retain");
        assert.equal(retain.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"], undefined);
        assert.equal(retain.reclaimPolicy, "Retain");
        for (const c of [standard, retain]) {
            assert.equal(c.volumeBindingMode, "WaitForFirstConsumer");
            assert.equal(c.provisioner, "rancher.io/local-path");
        }
    });
});
