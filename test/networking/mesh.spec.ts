// The mesh across the three shipped stacks, from the real programs run under mocks: each lists
// the other two with their ids and endpoints, all carry mgmt's one CA, and the order of creation
// puts CRDs and Cilium before what needs them.
import { strict as assert } from "assert";
import { contains, parseIpv4, parseRange } from "../../config/cidr";
import { CILIUM_POLICY_CRD, CILIUM_RELEASE_TIMEOUT_SECONDS } from "../../components/cilium-mesh";
import { CHARTS } from "../../config/versions";
import { PlannedStack, planShipped, requireTool, resourcesOfType } from "../support/offline";
import { shellcheck } from "../support/validators";

const RELEASE = "kubernetes:helm.sh/v3:Release";

function ciliumValues(planned: PlannedStack): Record<string, any> {
    const release = resourcesOfType(planned.resources, RELEASE).find((r) => (r.inputs as any).chart === CHARTS.cilium.chart);
    assert.ok(release, `${planned.stack} has no Cilium release`);
    return (release.inputs as any).values;
}

describe("networking: the mesh across mgmt, app1 and app2", function () {
    let stacks: PlannedStack[];
    before(async function () {
        stacks = await planShipped();
    });

    it("each cluster peers with exactly the other two, at their own clustermesh IPs, with matching ids", () => {
        for (const planned of stacks) {
            const clusters = ciliumValues(planned).clustermesh.config.clusters;
            const others = stacks.filter((s) => s !== planned);
            assert.deepEqual(Object.keys(clusters).sort(), others.map((o) => o.config.name).sort(), `${planned.stack}'s peers`);
            for (const other of others) {
                const own = ciliumValues(other);
                assert.deepEqual(
                    clusters[other.config.name].ips,
                    [own.clustermesh.apiserver.service.annotations["metallb.io/loadBalancerIPs"]],
                    `${planned.stack} dials ${other.stack}`,
                );
                assert.equal(
                    planned.config.meshPeers.find((p) => p.name === other.config.name)?.id,
                    own.cluster.id,
                    `${planned.stack}'s id for ${other.stack}`,
                );
            }
        }
    });

    it("cluster names and ids are unique across the mesh", () => {
        const ids = stacks.map((s) => ciliumValues(s).cluster.id);
        const names = stacks.map((s) => ciliumValues(s).cluster.name);
        assert.equal(new Set(ids).size, 3);
        assert.equal(new Set(names).size, 3);
    });

    it("all three carry mgmt's CA, and mgmt exports its key as a secret", () => {
        const mgmt = stacks.find((s) => s.config.role === "mgmt")!;
        assert.equal(mgmt.outputs.ciliumCaKey.secret, true);
        assert.equal(mgmt.outputs.ciliumCaCert.secret, false);
        const cert = Buffer.from(String(mgmt.outputs.ciliumCaCert.value)).toString("base64");
        const key = Buffer.from(String(mgmt.outputs.ciliumCaKey.value)).toString("base64");
        for (const planned of stacks) {
            assert.equal(ciliumValues(planned).tls.ca.cert, cert, `${planned.stack}'s tls.ca.cert`);
            assert.equal(ciliumValues(planned).tls.ca.key, key, `${planned.stack}'s tls.ca.key`);
        }
    });

    it("every clustermesh IP lies in its own cluster's MetalLB pool", () => {
        for (const planned of stacks) {
            const ip = parseIpv4(ciliumValues(planned).clustermesh.apiserver.service.annotations["metallb.io/loadBalancerIPs"])!;
            const pool = parseRange(planned.config.network.lbPool);
            assert.ok(pool.ok && contains(pool.range, { first: ip, last: ip }), `${planned.stack}: ${ip} outside ${planned.config.network.lbPool}`);
        }
    });

    it("exports the mesh endpoint, the Hubble UI's https address and the GatewayClass", () => {
        for (const planned of stacks) {
            assert.equal(planned.outputs.meshEndpoint.value, `${planned.config.network.clusterMeshIp}:2379`);
            assert.equal(planned.outputs.gatewayClassName.value, "cilium");
            assert.equal(planned.outputs.hubbleUiUrl.value, `https://hubble.${planned.config.name}.local.dev`);
        }
    });

    it("orders creation: Gateway API CRDs before Cilium, Cilium before MetalLB and the Gateway, MetalLB before its pools", () => {
        for (const planned of stacks) {
            const byName = (suffix: string) => {
                const r = planned.resources.find((x) => x.name === `${planned.config.name}-${suffix}`);
                assert.ok(r, `${planned.stack}: no ${suffix}`);
                return r;
            };
            const dependsOn = (suffix: string, on: string) =>
                assert.ok(byName(suffix).dependencies.includes(byName(on).urn), `${planned.stack}: ${suffix} does not wait for ${on}`);
            for (const crd of ["gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants", "tlsroutes"]) {
                dependsOn("cilium-mesh-release", `cilium-mesh-gateway-api-crd-${crd}.gateway.networking.k8s.io`);
                dependsOn("cilium-mesh-main-gateway", `cilium-mesh-gateway-api-crd-${crd}.gateway.networking.k8s.io`);
            }
            dependsOn("cilium-mesh-main-gateway", "cilium-mesh-release");
            dependsOn("cilium-mesh-policy-crds", "cilium-mesh-release");
            dependsOn("metallb-release", "cilium-mesh-release");
            dependsOn("metallb-pool", "metallb-release");
            dependsOn("metallb-mesh-pool", "metallb-release");
            dependsOn("metallb-l2", "metallb-mesh-pool");
            dependsOn("local-path-provisioner", "cilium-mesh-release");
        }
    });

    it("waits on the first control-plane node until Cilium's operator serves the CiliumNetworkPolicy CRD, with a script shellcheck passes", function () {
        requireTool(this, "shellcheck");
        for (const planned of stacks) {
            const wait = planned.resources.find((r) => r.name === `${planned.config.name}-cilium-mesh-policy-crds`);
            assert.ok(wait, `${planned.stack}: no CRD wait`);
            // A node command carries its script as the stdin bundle (components/vm-node/node-command.ts).
            const script = String(wait.inputs.stdin);
            assert.match(script, new RegExp(`kubectl wait --for=condition=Established --timeout=\\d+s "crd/\\$crd"`));
            assert.match(script, new RegExp(`crd=${CILIUM_POLICY_CRD.replace(/\./g, "\\.")}`));
            assert.equal(shellcheck(script), "", `${planned.stack}: the CRD wait`);
        }
    });

    it("gives Helm at least 900 s for the Cilium release, whose certgen hook Jobs wait for a Ready node", () => {
        for (const planned of stacks) {
            const cilium = resourcesOfType(planned.resources, RELEASE).find((r) => (r.inputs as any).chart === CHARTS.cilium.chart);
            assert.ok(CILIUM_RELEASE_TIMEOUT_SECONDS >= 900);
            assert.equal((cilium?.inputs as any).timeout, CILIUM_RELEASE_TIMEOUT_SECONDS, planned.stack);
        }
    });

    it("does not let Helm wait on the Cilium release, whose LoadBalancer Service only gets an IP from MetalLB installed after it", () => {
        for (const planned of stacks) {
            const cilium = resourcesOfType(planned.resources, RELEASE).find((r) => (r.inputs as any).chart === CHARTS.cilium.chart);
            const values = ciliumValues(planned);
            assert.equal(values.clustermesh.apiserver.service.type, "LoadBalancer");
            assert.equal((cilium?.inputs as any).skipAwait, true, `${planned.stack}: Helm would wait for a MetalLB address that cannot come yet`);
        }
    });
});
