// The mesh across the three shipped stacks, from the real programs run under mocks: each lists
// the other two with their ids and endpoints, all carry mgmt's one CA, and the order of creation
// puts CRDs and Cilium before what needs them.
import { strict as assert } from "assert";
import { contains, parseIpv4, parseRange } from "../../config/cidr";
import { CHARTS } from "../../config/versions";
import { PlannedStack, planShipped, resourcesOfType } from "../support/offline";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

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
                assert.deepEqual(clusters[other.config.name].ips, [own.clustermesh.apiserver.service.annotations["metallb.io/loadBalancerIPs"]], `${planned.stack} dials ${other.stack}`);
                assert.equal(planned.config.meshPeers.find((p) => p.name === other.config.name)?.id, own.cluster.id, `${planned.stack}'s id for ${other.stack}`);
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
        for (const planned of stacks) {
            assert.equal(ciliumValues(planned).tls.ca.cert, cert, `${planned.stack}'s tls.ca.cert`);
            assert.ok(ciliumValues(planned).tls.ca.key.length > 0);
        }
        assert.equal(new Set(stacks.map((s) => ciliumValues(s).tls.ca.key)).size, 1);
    });

    it("the Cilium release values (with the CA key) are recorded as secret", () => {
        for (const planned of stacks) {
            const recorded = planned.recorded.find((r) => r.type === RELEASE && JSON.stringify(r.inputs).includes(CHARTS.cilium.version));
            assert.ok(recorded, `${planned.stack}: Cilium release`);
            // Pulumi's wire form of a secret: the signature key marks the whole values object.
            assert.equal((recorded.inputs as any).values?.[SECRET_SIG], SECRET_SIG_VALUE, `${planned.stack}: Cilium values are not secret`);
        }
    });

    it("every clustermesh IP lies in its own cluster's MetalLB pool", () => {
        for (const planned of stacks) {
            const ip = parseIpv4(ciliumValues(planned).clustermesh.apiserver.service.annotations["metallb.io/loadBalancerIPs"])!;
            const pool = parseRange(planned.config.network.lbPool);
            assert.ok(pool.ok && contains(pool.range, { first: ip, last: ip }), `${planned.stack}: ${ip} outside ${planned.config.network.lbPool}`);
        }
    });

    it("exports the mesh endpoint, Hubble UI address and GatewayClass", () => {
        for (const planned of stacks) {
            assert.equal(planned.outputs.meshEndpoint.value, `${planned.config.network.clusterMeshIp}:2379`);
            assert.equal(planned.outputs.gatewayClassName.value, "cilium");
            assert.match(String(planned.outputs.hubbleUiUrl.value), new RegExp(`^http://hubble\\.${planned.config.name}\\.`));
        }
    });

    it("orders creation: Gateway API CRDs before Cilium, Cilium before MetalLB and the Gateway, MetalLB before its pool", () => {
        for (const planned of stacks) {
            const byName = (suffix: string) => {
                const r = planned.resources.find((x) => x.name === `${planned.config.name}-${suffix}`);
                assert.ok(r, `${planned.stack}: no ${suffix}`);
                return r;
            };
            const dependsOn = (suffix: string, on: string) => assert.ok(byName(suffix).dependencies.includes(byName(on).urn), `${planned.stack}: ${suffix} does not wait for ${on}`);
            dependsOn("cilium-mesh-cilium", "cilium-mesh-gateway-api-crds");
            dependsOn("cilium-mesh-main-gateway", "cilium-mesh-cilium");
            dependsOn("metallb-metallb", "cilium-mesh-cilium");
            dependsOn("metallb-pool", "metallb-metallb");
            dependsOn("local-path-provisioner", "cilium-mesh-cilium");
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
