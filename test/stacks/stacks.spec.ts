/**
 * The real stack programs under the mock runtime: what they create, in what order, and what they
 * keep secret.
 */
import * as assert from "assert";
import { parse, parseAllDocuments } from "yaml";
import { SHARED_CONTROL_PLANE_FILES } from "../../components/kubeadm-cluster/credentials";
import { containsSecret, RecordedResource, unwrapSecrets } from "../../tools/offline/record";
import { UNKNOWN } from "../../tools/offline/runner";
import {
    findResource,
    planReport,
    planShipped,
    planWithConfig,
    PlannedStack,
    requireTool,
    rerunShipped,
    resourcesOfType,
    shippedConfig,
    sshMgmtConfig,
} from "../support/offline";
import { cloudInitSchema } from "../support/validators";
import { shellcheckAll } from "./shellcheck-all";

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

/** The artifact at `path`, or a failure listing the ones of the same directory. */
function artifact(planned: PlannedStack, file: string): string {
    const found = planned.artifacts.find((a) => a.path === file);
    assert.ok(
        found,
        `no artifact ${file}; have ${planned.artifacts
            .map((a) => a.path)
            .filter((p) => p.startsWith(file.split("/").slice(0, 2).join("/")))
            .join(", ")}`,
    );
    return found.content;
}

describe("stacks under mocks: the shipped mgmt, app1 and app2", function () {
    let stacks: PlannedStack[];
    before(async () => {
        stacks = await planShipped();
    });

    it("plans mgmt first, then the app stacks", () => {
        assert.deepStrictEqual(
            stacks.map((s) => s.stack),
            ["mgmt", "app1", "app2"],
        );
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
            }
        });

        it(`${name}: init, then the worker's credentials, join and membership, then the kubeconfig, all children of the cluster`, () => {
            const { resources } = stackNamed(stacks, name);
            const cluster = findResource(resources, "platform:k8s:KubeadmCluster", name);
            const get = (n: string) => findResource(resources, LOCAL, n);
            const init = get(`${name}-init`);
            const credentials = get(`${name}-join-credentials-${name}-worker-0`);
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
            assert.ok(dependsOn(resources, join, credentials), "join after its credentials");
            assert.ok(dependsOn(resources, join, workerLaunch), "join waits for its VM");
            assert.ok(dependsOn(resources, member, join), "membership after join");
            assert.ok(dependsOn(resources, kubeconfig, member), "kubeconfig after every join");
            assert.ok(!dependsOn(resources, init, join), "no cycle");
            // A rebuilt VM replaces its node's steps; so does a re-initialised cluster: the CA hash init printed.
            const joinYaml = parse(artifact(stackNamed(stacks, name), `${name}/${name}-join-${name}-worker-0/files/etc/kubernetes/kubeadm/join.yaml`));
            const [caHash] = joinYaml.discovery.bootstrapToken.caCertHashes;
            assert.match(caHash, /^sha256:[0-9a-f]{64}$/);
            for (const r of [credentials, join, member]) {
                assert.deepStrictEqual(r.inputs.triggers, [`${name}-worker-0-launch-id`, caHash], r.name);
            }
            assert.deepStrictEqual(init.inputs.triggers, [`${name}-cp-0-launch-id`]);
        });

        it(`${name}: commands that carry a token, key or credential log nothing and store secrets; none passes a previous output`, () => {
            const { resources, recorded } = stackNamed(stacks, name);
            for (const role of [`join-credentials-${name}-worker-0`, `join-${name}-worker-0`, "kubeconfig"]) {
                const r = findResource(resources, LOCAL, `${name}-${role}`);
                assert.strictEqual(r.inputs.logging, "none", role);
                for (const output of ["stdout", "stderr"]) {
                    assert.ok(r.additionalSecretOutputs?.includes(output), `${role}: ${output} is not secret`);
                }
                assert.ok(containsSecret(findResource(recorded, LOCAL, `${name}-${role}`).inputs.stdin), `${role} stdin is a secret`);
            }
            for (const r of resourcesOfType(resources, LOCAL).filter((c) => c.parent?.endsWith(`KubeadmCluster::${name}`))) {
                assert.strictEqual(r.inputs.addPreviousOutputInEnv, false, r.name);
            }
            assert.deepStrictEqual(findResource(resources, "random:index/randomBytes:RandomBytes", `${name}-token-${name}-worker-0`).additionalSecretOutputs, [
                "base64",
                "hex",
            ]);
        });

        it(`${name}: the join token comes from RandomBytes (ID "none", 11 bytes), replaced with the worker's machine`, () => {
            const { resources } = stackNamed(stacks, name);
            const token = findResource(resources, "random:index/randomBytes:RandomBytes", `${name}-token-${name}-worker-0`);
            assert.deepStrictEqual(token.inputs, { length: 11, keepers: { machine: `${name}-worker-0-launch-id` } });
            assert.ok(
                !resources.some((r) => r.type === "random:index/randomString:RandomString" || r.type === "random:index/randomId:RandomId"),
                "their IDs are their values",
            );
            const join = parse(artifact(stackNamed(stacks, name), `${name}/${name}-join-${name}-worker-0/files/etc/kubernetes/kubeadm/join.yaml`));
            assert.match(join.discovery.bootstrapToken.token, /^[0-9a-f]{6}\.[0-9a-f]{16}$/);
        });

        it(`${name}: exports the typed outputs, the kubeconfig (a ServiceAccount token) as a secret`, () => {
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
            const kubeconfig = parse(outputs.kubeconfig.value as string);
            assert.strictEqual(kubeconfig.clusters[0].cluster.server, `https://${ip}:6443`);
            assert.deepStrictEqual(Object.keys(kubeconfig.users[0].user), ["token"]);
            assert.deepStrictEqual(
                [outputs.clusterName.value, outputs.clusterId.value, outputs.podCidr.value],
                [config.name, config.id, config.network.podCidr],
            );
            const provider = findResource(planned.resources, "pulumi:providers:kubernetes", `${name}-provider`);
            assert.strictEqual(provider.inputs.deleteUnreachable, "true");
        });

        it(`${name}: hands kubeadm the config's networking and the first node's address`, () => {
            const planned = stackNamed(stacks, name);
            const [clusterConfig, initConfig] = parseAllDocuments(artifact(planned, `${name}/${name}-init/files/etc/kubernetes/kubeadm/init.yaml`)).map((d) =>
                d.toJS(),
            );
            assert.strictEqual(clusterConfig.kind, "ClusterConfiguration");
            assert.strictEqual(clusterConfig.networking.podSubnet, planned.config.network.podCidr);
            assert.strictEqual(clusterConfig.networking.serviceSubnet, planned.config.network.serviceCidr);
            assert.strictEqual(clusterConfig.clusterName, name);
            assert.strictEqual(initConfig.localAPIEndpoint.advertiseAddress, (planned.outputs.nodes.value as Record<string, string>)[`${name}-cp-0`]);
        });

        it(`${name}: every node script passes shellcheck and every user-data passes cloud-init schema`, function () {
            requireTool(this, "shellcheck");
            requireTool(this, "cloud-init");
            const { artifacts } = stackNamed(stacks, name);
            const scripts = artifacts.filter((a) => a.path.endsWith(".sh"));
            const userData = artifacts.filter((a) => a.path.endsWith("user-data.yaml"));
            assert.ok(scripts.length >= 16 && userData.length === 2, `${scripts.length} scripts, ${userData.length} user-data`);
            assert.strictEqual(shellcheckAll(Object.fromEntries(scripts.map((s) => [s.path, s.content]))), "");
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

    it("removing a worker drains and deletes its Node from the first control-plane node, then resets the worker", () => {
        const app1 = stackNamed(stacks, "app1");
        assert.match(artifact(app1, "app1/app1-member-app1-worker-0/delete.sh"), /kubectl drain 'app1-worker-0' --ignore-daemonsets/);
        assert.match(artifact(app1, "app1/app1-member-app1-worker-0/delete.sh"), /kubectl delete node 'app1-worker-0' --wait=true/);
        assert.match(artifact(app1, "app1/app1-join-app1-worker-0/delete.sh"), /kubeadm reset --force/);
        // The membership record runs on the first control-plane node, not on the leaving worker.
        const vm = (n: string) => /^vm='([^']+)'$/m.exec(findResource(app1.resources, LOCAL, n).inputs.delete as string)?.[1];
        assert.strictEqual(vm("app1-member-app1-worker-0"), "app1-cp-0");
        assert.strictEqual(vm("app1-join-app1-worker-0"), "app1-worker-0");
        assert.strictEqual(vm("app1-init"), "app1-cp-0", "the first control-plane node is reset too");
    });
});

describe("stacks under mocks: other shapes", function () {
    it("three control-plane nodes: kube-vip VIP endpoint, joins one at a time, certificates copied, workers after", async () => {
        const config = shippedConfig("mgmt");
        config["platform:nodes"].controlPlane.count = 3;
        config["platform:network"].controlPlaneVip = "192.168.64.240";
        const planned = await planWithConfig("mgmt", config);
        const { resources, outputs } = planned;
        assert.strictEqual(outputs.apiServerEndpoint.value, "https://192.168.64.240:6443");
        const join1 = findResource(resources, LOCAL, "mgmt-join-mgmt-cp-1");
        const join2 = findResource(resources, LOCAL, "mgmt-join-mgmt-cp-2");
        const worker = findResource(resources, LOCAL, "mgmt-join-mgmt-worker-0");
        assert.ok(dependsOn(resources, join2, join1), "cp-2 joins after cp-1");
        assert.ok(dependsOn(resources, worker, join2), "workers join after the control plane");
        assert.match(artifact(planned, "mgmt/mgmt-init/files/etc/kubernetes/manifests/kube-vip.yaml"), /path: \/etc\/kubernetes\/admin\.conf/);
        assert.match(
            artifact(planned, "mgmt/mgmt-init/create.sh"),
            /sed -i 's#path: \/etc\/kubernetes\/admin\.conf#path: \/etc\/kubernetes\/super-admin\.conf#'/,
        );
        assert.match(artifact(planned, "mgmt/mgmt-join-mgmt-cp-1/files/etc/kubernetes/manifests/kube-vip.yaml"), /path: \/etc\/kubernetes\/admin\.conf/);
        assert.ok(!planned.artifacts.some((a) => a.path.startsWith("mgmt/mgmt-join-mgmt-worker-0/files/etc/kubernetes/manifests/")), "workers run no kube-vip");
        for (const f of SHARED_CONTROL_PLANE_FILES) {
            assert.match(artifact(planned, `mgmt/mgmt-join-mgmt-cp-1/files/etc/kubernetes/pki/${f}`), /^-----BEGIN /, f);
        }
        const join = parse(artifact(planned, "mgmt/mgmt-join-mgmt-cp-1/files/etc/kubernetes/kubeadm/join.yaml"));
        assert.strictEqual(join.discovery.bootstrapToken.apiServerEndpoint, "192.168.64.240:6443");
        assert.deepStrictEqual(join.controlPlane, { localAPIEndpoint: { advertiseAddress: "192.168.64.11", bindPort: 6443 } });
        const clusterConfig = parseAllDocuments(artifact(planned, "mgmt/mgmt-init/files/etc/kubernetes/kubeadm/init.yaml"))[0].toJS();
        assert.deepStrictEqual(clusterConfig.apiServer.certSANs, ["192.168.64.10", "192.168.64.11", "192.168.64.12", "192.168.64.240"]);
        // The copied CA keys travel only inside secrets.
        const redacted = JSON.stringify(
            unwrapSecrets(
                planned.recorded.map((r) => r.inputs),
                "redact",
            ),
        );
        assert.ok(!redacted.includes("PRIVATE KEY"));
    });

    it("ssh backend: every step runs `sudo bash -s <op>` over SSH with the user's secret key, and launches no VM", async () => {
        const config = sshMgmtConfig();
        const planned = await planWithConfig("mgmt", config);
        const { resources, recorded } = planned;
        assert.ok(!resources.some((r) => r.name.endsWith("-launch")));
        const bootstrap = findResource(resources, REMOTE, "rack-a-bootstrap");
        const init = findResource(resources, REMOTE, "mgmt-init");
        assert.deepStrictEqual(
            [init.inputs.create, init.inputs.update, init.inputs.delete],
            ["sudo bash -s create", "sudo bash -s update", "sudo bash -s delete"],
        );
        assert.strictEqual((init.inputs.connection as { host: string }).host, "192.168.64.50");
        assert.strictEqual((findResource(resources, REMOTE, "mgmt-join-rack-b").inputs.connection as { host: string }).host, "192.168.64.51");
        assert.ok(containsSecret(findResource(recorded, REMOTE, "mgmt-init").inputs.connection), "the private key stays secret");
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
        const result = await rerunShipped(stack, shipped, { firstPreview: true });
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
