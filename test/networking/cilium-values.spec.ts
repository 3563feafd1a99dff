// The Cilium values each stack renders, against the values.schema.json of the pinned chart and
// against the chart's removed keys.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { assertCiliumSupports, ciliumValues, CLUSTERMESH_PORT } from "../../components/cilium-mesh";
import { CHARTS, CILIUM_KUBERNETES_MINORS } from "../../config/versions";
import { compile, errorsOf, requireSchemas, stackConfigs, TEST_CA } from "./helpers";

const configs = stackConfigs();
const render = (stack: string) => ciliumValues({ config: configs.get(stack)!, apiServerHost: "192.168.64.10", apiServerPort: 6443, ca: TEST_CA }) as Record<string, any>;

describe("networking: Cilium values", () => {
    describe(`schema of the pinned chart (cilium ${CHARTS.cilium.version})`, function () {
        for (const stack of configs.keys()) {
            it(`${stack}: validates against cilium-${CHARTS.cilium.version}.values.schema.json`, function () {
                const file = path.join(requireSchemas(this), `cilium-${CHARTS.cilium.version}.values.schema.json`);
                assert.ok(fs.existsSync(file), `no schema for the pinned Cilium ${CHARTS.cilium.version} in ../shared/schemas; pin a version that has one`);
                const validate = compile(JSON.parse(fs.readFileSync(file, "utf8")));
                assert.ok(validate(render(stack)), errorsOf(validate));
            });
        }

        it("the schema does reject a wrong type (so passing means something)", function () {
            const validate = compile(JSON.parse(fs.readFileSync(path.join(requireSchemas(this), `cilium-${CHARTS.cilium.version}.values.schema.json`), "utf8")));
            assert.equal(validate({ ...render("mgmt"), routingMode: 1 }), false);
            assert.equal(validate({ ...render("mgmt"), cluster: { name: "mgmt", id: "one" } }), false);
        });
    });

    for (const stack of configs.keys()) {
        describe(stack, () => {
            const values = render(stack);
            const config = configs.get(stack)!;

            it("has no removed keys: no `tunnel`, and kubeProxyReplacement is the boolean true", () => {
                assert.equal("tunnel" in values, false);
                assert.equal(values.kubeProxyReplacement, true);
            });

            it("runs VXLAN tunnel routing with kubernetes IPAM and the API endpoint for kube-proxy replacement", () => {
                assert.equal(values.routingMode, "tunnel");
                assert.equal(values.tunnelProtocol, "vxlan");
                assert.deepEqual(values.ipam, { mode: "kubernetes" });
                assert.equal(values.k8sServiceHost, "192.168.64.10");
                assert.equal(values.k8sServicePort, 6443);
            });

            it("names the cluster from config and enables Hubble relay + UI and Gateway API", () => {
                assert.deepEqual(values.cluster, { name: config.name, id: config.id });
                assert.equal(values.hubble.relay.enabled, true);
                assert.equal(values.hubble.ui.enabled, true);
                assert.equal(values.gatewayAPI.enabled, true);
            });

            it("leaves LoadBalancer IPs to MetalLB", () => {
                assert.equal(values.enableLBIPAM, false);
                assert.equal(values.l2announcements.enabled, false);
            });

            it("puts the clustermesh-apiserver on its fixed IP behind a LoadBalancer", () => {
                const service = values.clustermesh.apiserver.service;
                assert.equal(values.clustermesh.useAPIServer, true);
                assert.equal(service.type, "LoadBalancer");
                assert.equal(service.annotations["metallb.io/loadBalancerIPs"], config.network.clusterMeshIp);
            });

            it("passes the shared CA as base64 PEM, and generates certs in-cluster (no Helm-generated certs)", () => {
                assert.equal(Buffer.from(values.tls.ca.cert, "base64").toString(), TEST_CA.certPem);
                assert.equal(Buffer.from(values.tls.ca.key, "base64").toString(), TEST_CA.keyPem);
                assert.equal(values.hubble.tls.auto.method, "cronJob");
                assert.equal(values.clustermesh.apiserver.tls.auto.method, "cronJob");
            });

            it("lists every configured peer, and only peers, with its IP and port", () => {
                const clusters = values.clustermesh.config.clusters;
                assert.equal(values.clustermesh.config.enabled, true);
                assert.deepEqual(Object.keys(clusters).sort(), config.meshPeers.map((p) => p.name).sort());
                assert.equal(config.name in clusters, false);
                for (const peer of config.meshPeers) {
                    assert.deepEqual(clusters[peer.name], { enabled: true, port: CLUSTERMESH_PORT, ips: [peer.address] });
                }
            });
        });
    }

    describe("Kubernetes support of the pinned Cilium", () => {
        it("covers every stack's Kubernetes minor", () => {
            for (const config of configs.values()) {
                assert.doesNotThrow(() => assertCiliumSupports(config.kubernetesVersion));
            }
        });

        it("refuses a minor outside the tested list, naming the fix", () => {
            assert.ok(!CILIUM_KUBERNETES_MINORS.includes("1.31"));
            assert.throws(() => assertCiliumSupports("v1.31.4"), /not 1\.31; pin a Cilium release/);
        });
    });
});
