/**
 * The real stack programs under the mock runtime: what they create, in what order, and what they
 * keep secret.
 */
import * as assert from "assert";
import * as path from "path";
import { parse, parseAllDocuments } from "yaml";
import { decodeRootScript } from "../../components/vm-node";
import { RecordedResource } from "../../tools/offline/record";
import { containsSecret } from "../../tools/offline/record";
import { runOffline } from "../../tools/offline/run";
import { UNKNOWN } from "../../tools/offline/runner";
import { referenceState } from "../../tools/plan";
import { readStackFile } from "../../tools/plan/stack-file";
import { findResource, planReport, planShipped, planWithConfig, PlannedStack, REPO_ROOT, requireTool, resourcesOfType, shippedConfig } from "../support/offline";
import { cloudInitSchema, shellcheck } from "../support/validators";

const REMOTE = "command:remote:Command";
const LOCAL = "command:local:Command";

/** True when `from` depends on `to`, directly or through other resources. */
function dependsOn(resources: RecordedResource[], from: RecordedResource, to: RecordedResource): boolean {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const seen = new Set<string>();
    const stack = [...from.dependencies];
    while (stack.length > 0) {
        const urn = stack.pop() as string;
        if (urn === to.urn) {
            return true;
        }
        if (!seen.has(urn)) {
            seen.add(urn);
            stack.push(...(byUrn.get(urn)?.dependencies ?? []));
        }
    }
    return false;
}

function stackNamed(stacks: PlannedStack[], name: string): PlannedStack {
    return stacks.find((s) => s.stack === name) as PlannedStack;
}

describe("stacks under mocks: the shipped mgmt, app1 and app2", function () {
    let stacks: PlannedStack[];
    before(async () => {
        stacks = await planShipped();
    });

    it("plans mgmt first, then the app stacks", () => {
        assert.deepStrictEqual(stacks.map((s) => s.stack), ["mgmt", "app1", "app2"]);
    });

    for (const name of ["mgmt", "app1", "app2"]) {
        it(`${name}: one VmNode per planned node, each parenting its own launch command`, () => {
            const { resources } = stackNamed(stacks, name);
            const nodes = resourcesOfType(resources, "platform:infra:VmNode");
            assert.deepStrictEqual(nodes.map((n) => n.name).sort(), [`${name}-cp-0`, `${name}-worker-0`]);
            for (const node of nodes) {
                const launch = findResource(resources, LOCAL, `${node.name}-launch`);
                assert.strictEqual(launch.parent, node.urn);
                assert.deepStrictEqual((launch.inputs.environment as Record<string, string>).VM_NAME, node.name);
                assert.deepStrictEqual(launch.inputs.interpreter, ["/bin/bash", "-c"]);
            }
        });

        it(`${name}: init, then join credentials, then joins, then membership, then the kubeconfig`, () => {
            const { resources } = stackNamed(stacks, name);
            const cluster = findResource(resources, "platform:k8s:KubeadmCluster", name);
            const get = (n: string) => findResource(resources, REMOTE, n);
            const init = get(`${name}-init`);
            const credentials = get(`${name}-join-credentials`);
            const join = get(`${name}-join-${name}-worker-0`);
            const member = get(`${name}-member-${name}-worker-0`);
            const kubeconfig = get(`${name}-kubeconfig`);
            for (const r of [init, credentials, join, member, kubeconfig]) {
                assert.strictEqual(r.parent, cluster.urn, r.name);
            }
            const cpLaunch = findResource(resources, LOCAL, `${name}-cp-0-launch`);
            const workerLaunch = findResource(resources, LOCAL, `${name}-worker-0-launch`);
            assert.ok(dependsOn(resources, init, cpLaunch), "init waits for the control-plane VM");
            assert.ok(dependsOn(resources, credentials, init), "credentials after init");
            assert.ok(dependsOn(resources, join, credentials), "join after credentials");
            assert.ok(dependsOn(resources, join, workerLaunch), "join waits for its VM");
            assert.ok(dependsOn(resources, member, join), "membership after join");
            assert.ok(dependsOn(resources, kubeconfig, member), "kubeconfig after every join");
            assert.ok(!dependsOn(resources, init, join), "no cycle");
        });

        it(`${name}: commands that carry the token, key or kubeconfig log nothing and store secrets`, () => {
            const { resources, recorded } = stackNamed(stacks, name);
            for (const role of ["init", "join-credentials", `join-${name}-worker-0`, "kubeconfig"]) {
                const r = findResource(resources, REMOTE, `${name}-${role}`);
                assert.strictEqual(r.inputs.logging, "none", role);
                // @pulumi/command adds "connection" itself; ours are stdout and stderr.
                for (const output of ["stdout", "stderr"]) {
                    assert.ok(r.additionalSecretOutputs?.includes(output), `${role}: ${output} is not secret`);
                }
                const raw = findResource(recorded, REMOTE, `${name}-${role}`);
                assert.ok(containsSecret(raw.inputs.stdin), `${role} stdin is a secret`);
            }
            for (const role of ["token-id", "token-secret"]) {
                assert.deepStrictEqual(findResource(resources, "random:index/randomString:RandomString", `${name}-${role}`).additionalSecretOutputs, ["result"]);
            }
            assert.deepStrictEqual(findResource(resources, "random:index/randomId:RandomId", `${name}-certificate-key`).additionalSecretOutputs, ["hex"]);
        });

        it(`${name}: the bootstrap token and certificate key have kubeadm's formats`, () => {
            const { resources } = stackNamed(stacks, name);
            assert.deepStrictEqual(
                pick(findResource(resources, "random:index/randomString:RandomString", `${name}-token-id`).inputs, ["length", "lower", "upper", "numeric", "special"]),
                { length: 6, lower: true, upper: false, numeric: true, special: false },
            );
            assert.strictEqual(findResource(resources, "random:index/randomString:RandomString", `${name}-token-secret`).inputs.length, 16);
            assert.strictEqual(findResource(resources, "random:index/randomId:RandomId", `${name}-certificate-key`).inputs.byteLength, 32);
        });

        it(`${name}: exports the typed outputs, the kubeconfig as a secret`, () => {
            const planned = stackNamed(stacks, name);
            const { outputs, config } = planned;
            for (const key of ["kubeconfig", "apiServerEndpoint", "clusterName", "clusterId", "podCidr", "serviceCidr", "lbPool", "nodes"]) {
                assert.ok(key in outputs, `missing output ${key}`);
            }
            assert.strictEqual(outputs.kubeconfig.secret, true);
            assert.strictEqual(outputs.apiServerEndpoint.secret, false);
            const ip = `192.168.64.${10 * config.id}`;
            assert.strictEqual(outputs.apiServerEndpoint.value, `https://${ip}:6443`);
            assert.deepStrictEqual(outputs.nodes.value, { [`${name}-cp-0`]: ip, [`${name}-worker-0`]: `192.168.64.${10 * config.id + 1}` });
            assert.strictEqual(parse(outputs.kubeconfig.value as string).clusters[0].cluster.server, `https://${ip}:6443`);
            assert.deepStrictEqual([outputs.clusterName.value, outputs.clusterId.value, outputs.podCidr.value], [config.name, config.id, config.network.podCidr]);
        });

        it(`${name}: hands kubeadm the config's networking and the first node's address`, () => {
            const planned = stackNamed(stacks, name);
            const initYaml = planned.artifacts.find((a) => a.path === `${name}/${name}-init/files/etc/kubernetes/kubeadm/init.yaml`);
            assert.ok(initYaml, "init.yaml artifact");
            const [clusterConfig, initConfig] = parseAllDocuments(initYaml.content).map((d) => d.toJS());
            assert.strictEqual(clusterConfig.kind, "ClusterConfiguration");
            assert.strictEqual(clusterConfig.networking.podSubnet, planned.config.network.podCidr);
            assert.strictEqual(clusterConfig.networking.serviceSubnet, planned.config.network.serviceCidr);
            assert.strictEqual(clusterConfig.clusterName, name);
            assert.strictEqual(initConfig.localAPIEndpoint.advertiseAddress, planned.outputs.nodes.value && (planned.outputs.nodes.value as Record<string, string>)[`${name}-cp-0`]);
        });

        it(`${name}: every node script passes shellcheck and every user-data passes cloud-init schema`, function () {
            requireTool(this, "shellcheck");
            requireTool(this, "cloud-init");
            const { artifacts } = stackNamed(stacks, name);
            const scripts = artifacts.filter((a) => a.path.endsWith(".sh"));
            const userData = artifacts.filter((a) => a.path.endsWith("user-data.yaml"));
            assert.ok(scripts.length >= 8 && userData.length === 2, `${scripts.length} scripts, ${userData.length} user-data`);
            for (const s of scripts) {
                assert.strictEqual(shellcheck(s.content), "", s.path);
            }
            for (const u of userData) {
                assert.strictEqual(cloudInitSchema(u.content), "", u.path);
            }
        });
    }

    it("app stacks read mgmt through a StackReference named by config and fed mgmt's outputs", () => {
        for (const name of ["app1", "app2"]) {
            const { resources, outputs } = stackNamed(stacks, name);
            const ref = findResource(resources, "pulumi:pulumi:StackReference", `${name}-mgmt`);
            assert.strictEqual(ref.inputs.name, "organization/platform/mgmt");
            assert.deepStrictEqual(outputs.mgmt.value, { clusterName: "mgmt", apiServerEndpoint: "https://192.168.64.10:6443" });
        }
        assert.ok(!stackNamed(stacks, "mgmt").resources.some((r) => r.type === "pulumi:pulumi:StackReference"));
    });

    it("removing a worker drains it from the first control-plane node before it is reset", () => {
        const { resources } = stackNamed(stacks, "app1");
        const member = findResource(resources, REMOTE, "app1-member-app1-worker-0");
        const join = findResource(resources, REMOTE, "app1-join-app1-worker-0");
        const drain = decodeRootScript(member.inputs.delete as string) ?? "";
        assert.match(drain, /kubectl drain 'app1-worker-0'/);
        assert.match(decodeRootScript(join.inputs.delete as string) ?? "", /kubeadm reset --force/);
        // The membership record runs on the first control-plane node, not on the leaving worker.
        assert.strictEqual((member.inputs.connection as { host: string }).host, "192.168.64.20");
        assert.strictEqual((join.inputs.connection as { host: string }).host, "192.168.64.21");
    });
});

function pick(obj: Record<string, unknown>, keys: string[]): Record<string, unknown> {
    return Object.fromEntries(keys.map((k) => [k, obj[k]]));
}

describe("stacks under mocks: other shapes", function () {
    it("three control-plane nodes: kube-vip VIP endpoint, control-plane joins one at a time", async () => {
        const config = shippedConfig("mgmt");
        config["platform:nodes"].controlPlane.count = 3;
        config["platform:network"].controlPlaneVip = "192.168.64.240";
        const planned = await planWithConfig("mgmt", config);
        const { resources, outputs, artifacts } = planned;
        assert.strictEqual(outputs.apiServerEndpoint.value, "https://192.168.64.240:6443");
        const join1 = findResource(resources, REMOTE, "mgmt-join-mgmt-cp-1");
        const join2 = findResource(resources, REMOTE, "mgmt-join-mgmt-cp-2");
        const worker = findResource(resources, REMOTE, "mgmt-join-mgmt-worker-0");
        assert.ok(dependsOn(resources, join2, join1), "cp-2 joins after cp-1");
        assert.ok(dependsOn(resources, worker, join2), "workers join after the control plane");
        const initVip = artifacts.find((a) => a.path === "mgmt/mgmt-init/files/etc/kubernetes/manifests/kube-vip.yaml");
        const joinVip = artifacts.find((a) => a.path === "mgmt/mgmt-join-mgmt-cp-1/files/etc/kubernetes/manifests/kube-vip.yaml");
        assert.match(initVip?.content ?? "", /path: \/etc\/kubernetes\/super-admin\.conf/);
        assert.match(joinVip?.content ?? "", /path: \/etc\/kubernetes\/admin\.conf/);
        assert.ok(!artifacts.some((a) => a.path.startsWith("mgmt/mgmt-join-mgmt-worker-0/files/etc/kubernetes/manifests/")), "workers run no kube-vip");
        const joinYaml = artifacts.find((a) => a.path === "mgmt/mgmt-join-mgmt-cp-1/files/etc/kubernetes/kubeadm/join.yaml");
        const join = parse(joinYaml?.content ?? "");
        assert.strictEqual(join.discovery.bootstrapToken.apiServerEndpoint, "192.168.64.240:6443");
        assert.match(join.controlPlane.certificateKey, /^[0-9a-f]{64}$/);
        const clusterConfig = parseAllDocuments(artifacts.find((a) => a.path === "mgmt/mgmt-init/files/etc/kubernetes/kubeadm/init.yaml")?.content ?? "")[0].toJS();
        assert.deepStrictEqual(clusterConfig.apiServer.certSANs, ["192.168.64.10", "192.168.64.11", "192.168.64.12", "192.168.64.240"]);
    });

    it("ssh backend: bootstraps existing hosts over SSH with the user's secret key, launches no VM", async () => {
        const config = shippedConfig("mgmt");
        config["platform:backend"] = { kind: "ssh", hosts: [{ name: "rack-a", address: "192.168.64.50", user: "ops" }, { name: "rack-b", address: "192.168.64.51", user: "ops" }] };
        config["platform:sshPrivateKey"] = { secure: "v1:ciphertext" };
        const planned = await planWithConfig("mgmt", config);
        const { resources, recorded } = planned;
        assert.deepStrictEqual(resourcesOfType(resources, LOCAL), []);
        assert.ok(!resources.some((r) => r.name === "mgmt-ssh-key"), "no generated SSH key: the user's key is used");
        const bootstrap = findResource(resources, REMOTE, "rack-a-bootstrap");
        assert.deepStrictEqual(pick(bootstrap.inputs.connection as Record<string, unknown>, ["host", "user"]), { host: "192.168.64.50", user: "ops" });
        assert.match(bootstrap.inputs.stdin as string, /kubeadm='1\.35\.9-\*'/);
        assert.ok(containsSecret(findResource(recorded, REMOTE, "rack-a-bootstrap").inputs.connection), "the private key stays secret");
        const init = findResource(resources, REMOTE, "mgmt-init");
        assert.strictEqual((init.inputs.connection as { host: string }).host, "192.168.64.50");
        assert.ok(dependsOn(resources, init, bootstrap), "init waits for the bootstrap");
        assert.deepStrictEqual(planned.outputs.nodes.value, { "rack-a": "192.168.64.50", "rack-b": "192.168.64.51" });
    });

    it("a bad config stops the plan before the program runs, naming each key", async () => {
        const config = shippedConfig("app1");
        config["platform:network"].serviceCidr = "10.97.0.0/12";
        config["platform:cluster"].id = 300;
        const report = await planReport("app1", config);
        assert.match(report, /platform:network\.serviceCidr: "10\.97\.0\.0\/12" has host bits set/);
        assert.match(report, /platform:cluster\.id: is 300/);
        assert.doesNotMatch(report, /\n\s+at /, "no stack trace");
    });

    it("an app stack that collides with mgmt is rejected across stacks", async () => {
        const config = shippedConfig("app1");
        config["platform:network"].podCidr = "10.100.0.0/16";
        const report = await planReport("app1", config);
        assert.match(report, /app1: platform:network\.podCidr: 10\.100\.0\.0\/16 overlaps stack mgmt's podCidr/);
    });
});

describe("stacks under mocks: the first `pulumi preview`, before anything exists", function () {
    const names = (resources: RecordedResource[]) => resources.map((r) => `${r.type} ${r.name}`).sort();

    async function firstPreview(stack: string, shipped: PlannedStack[]) {
        const file = readStackFile(REPO_ROOT, stack);
        const mgmt = shipped.find((s) => s.stack === "mgmt") as PlannedStack;
        const result = await runOffline({
            project: "platform",
            stack,
            program: path.join(REPO_ROOT, "index.ts"),
            config: file.runtimeConfig,
            secretKeys: file.secretKeys,
            simulatedIps: {},
            // App stacks are previewed after mgmt is up, so mgmt's outputs are known.
            stackReferences: { "organization/platform/mgmt": referenceState(mgmt.outputs) },
            firstPreview: true,
        });
        assert.ok(result.ok, result.ok ? "" : result.error);
        return result;
    }

    for (const stack of ["mgmt", "app1"]) {
        it(`${stack}: registers every resource of the full plan while IPs, keys and the kubeconfig are unknown`, async () => {
            const shipped = await planShipped();
            const full = shipped.find((s) => s.stack === stack) as PlannedStack;
            const preview = await firstPreview(stack, shipped);
            assert.ok(preview.ok);
            assert.deepStrictEqual(names(preview.resources), names(full.recorded));
            for (const key of ["kubeconfig", "apiServerEndpoint", "nodes"]) {
                assert.strictEqual(preview.outputs[key].value, UNKNOWN, key);
            }
            assert.strictEqual(preview.outputs.kubeconfig.secret, true);
            assert.strictEqual(preview.outputs.clusterName.value, stack);
        });
    }
});
