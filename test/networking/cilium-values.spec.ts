// The Cilium values each stack renders, against the values.schema.json of the pinned chart and
// against the chart's removed keys.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ciliumSupportProblem, ciliumValues, CLUSTERMESH_PORT } from "../../components/cilium-mesh";
import { meshPoolName } from "../../components/metallb";
import { CHARTS } from "../../config/versions";
import { COMPATIBILITY } from "../../policy-pack/conventions";
import { compile, errorsOf, requireSchemas, stackConfigs, TEST_CA } from "./helpers";

const configs = stackConfigs();
const render = (stack: string) =>
    ciliumValues({ config: configs.get(stack)!, apiServerHost: "192.168.64.10", apiServerPort: 6443, caCert: TEST_CA.cert, caKey: TEST_CA.key }) as Record<
        string,
        any
    >;

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
            const validate = compile(
                JSON.parse(fs.readFileSync(path.join(requireSchemas(this), `cilium-${CHARTS.cilium.version}.values.schema.json`), "utf8")),
            );
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

            it("puts the clustermesh-apiserver on its fixed IP from the mesh pool, behind a LoadBalancer", () => {
                const service = values.clustermesh.apiserver.service;
                assert.equal(values.clustermesh.useAPIServer, true);
                assert.equal(service.type, "LoadBalancer");
                assert.equal(service.annotations["metallb.io/loadBalancerIPs"], config.network.clusterMeshIp);
                assert.equal(service.annotations["metallb.io/address-pool"], meshPoolName(config.name));
            });

            it("passes the shared CA as given (base64 PEM), and generates certs in-cluster (no Helm-generated certs)", () => {
                assert.deepEqual(values.tls.ca, { cert: TEST_CA.cert, key: TEST_CA.key });
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
                assert.equal(ciliumSupportProblem(config.kubernetesVersion), undefined);
            }
        });

        it("refuses a minor outside the tested list of policy-pack/conventions.ts, naming the fix", () => {
            assert.ok(!COMPATIBILITY.ciliumKubernetesMinors.includes("1.31"));
            assert.match(ciliumSupportProblem("v1.31.4") ?? "", /not 1\.31; pin a Cilium release/);
        });
    });
});
