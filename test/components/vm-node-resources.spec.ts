import * as assert from "assert";
import * as path from "path";
import { ownerMarker, renderBootstrapScript, renderCloudInit } from "../../components/vm-node/bootstrap";
import { renderDeleteScript, renderLaunchScript, renderUpdateScript } from "../../components/vm-node/multipass";
import { containsSecret, RecordedResource, RunResult } from "../../tools/offline/record";
import { runOffline } from "../../tools/offline/run";

const PROGRAM = path.join(__dirname, "vm-node-program.ts");

function runProgram(simulatedIps: Record<string, string>): Promise<RunResult> {
    return runOffline({ project: "platform", stack: "mgmt", program: PROGRAM, config: {}, secretKeys: [], simulatedIps, stackReferences: {} });
}

function find(resources: RecordedResource[], name: string): RecordedResource {
    const found = resources.find((r) => r.name === name);
    assert.ok(found, `no resource ${name}; have ${resources.map((r) => r.name).join(", ")}`);
    return found;
}

describe("VmNode: resources under the Pulumi mocks", function () {
    let result: Extract<RunResult, { ok: true }>;
    before(async () => {
        const run = await runProgram({ "mgmt-cp-0": "192.168.64.10" });
        assert.ok(run.ok, run.ok ? "" : run.error);
        result = run;
    });

    it("launches the VM with create, update and delete scripts, the cloud-init on stdin, no SSH key", () => {
        const launch = find(result.resources, "mgmt-cp-0-launch");
        assert.strictEqual(launch.type, "command:local:Command");
        assert.strictEqual(launch.parent, find(result.resources, "mgmt-cp-0").urn);
        assert.strictEqual(launch.inputs.create, renderLaunchScript());
        assert.strictEqual(launch.inputs.update, renderUpdateScript());
        assert.strictEqual(launch.inputs.delete, renderDeleteScript());
        const owner = ownerMarker("organization/platform/mgmt", "mgmt-cp-0");
        assert.strictEqual(launch.inputs.stdin, renderCloudInit({ bootstrapScript: renderBootstrapScript("v1.35.9"), owner }));
        assert.strictEqual((launch.inputs.environment as Record<string, string>).VM_OWNER, owner);
        assert.strictEqual(launch.inputs.addPreviousOutputInEnv, false);
        assert.ok(!result.resources.some((r) => r.type.startsWith("tls:")), "no generated key: Multipass steps use multipass exec");
    });

    it("replaces the launch delete-first, ignores first-boot-only inputs, and waits for the guard", () => {
        const launch = find(result.resources, "mgmt-cp-0-launch");
        const guard = find(result.resources, "test-config-guard");
        assert.strictEqual(launch.options?.deleteBeforeReplace, true);
        assert.deepStrictEqual(launch.options?.ignoreChanges, ["stdin", "environment.VM_IMAGE"]);
        assert.ok(launch.options?.dependsOn?.includes(guard.urn), JSON.stringify(launch.options));
        const bootstrap = find(result.resources, "rack-a-bootstrap");
        assert.ok(bootstrap.options?.dependsOn?.includes(guard.urn), JSON.stringify(bootstrap.options));
    });

    it("bootstraps an SSH host once, on a new address again, with the key secret and no SetEnv", () => {
        const bootstrap = find(result.resources, "rack-a-bootstrap");
        assert.strictEqual(bootstrap.type, "command:remote:Command");
        assert.strictEqual(bootstrap.inputs.create, "sudo bash -s");
        assert.strictEqual(bootstrap.inputs.stdin, renderBootstrapScript("v1.35.9"));
        assert.strictEqual(bootstrap.inputs.addPreviousOutputInEnv, false);
        assert.deepStrictEqual(bootstrap.options?.ignoreChanges, ["stdin"]);
        // pulumi-command's SDK adds "triggers[*]" itself (@pulumi/command remote/command.js).
        assert.deepStrictEqual(bootstrap.options?.replaceOnChanges, ["connection.host", "triggers[*]"]);
        assert.ok(containsSecret(bootstrap.inputs.connection), "the private key stays secret");
    });

    it("exposes nodeName, the checked IP, the connection and the identity of the machine", () => {
        assert.deepStrictEqual(result.outputs.vm.value, {
            nodeName: "mgmt-cp-0",
            ip: "192.168.64.10",
            connection: { kind: "multipass", vm: "mgmt-cp-0" },
            identity: "mgmt-cp-0-launch-id",
        });
        const host = result.outputs.host.value as Record<string, unknown>;
        assert.strictEqual(host.nodeName, "rack-a");
        assert.strictEqual(host.ip, "192.168.64.50");
        assert.strictEqual(host.identity, "rack-a-bootstrap-id");
        assert.strictEqual(result.outputs.hostConnectionSecret.value, true);
    });

    it("fails the launch step with a ResourceError when Multipass puts the VM off network.nodeSubnet", async () => {
        const run = await runProgram({ "mgmt-cp-0": "10.133.7.12" });
        assert.ok(!run.ok, "the run must fail");
        assert.match(run.error, /platform:network\.nodeSubnet: Multipass gave mgmt-cp-0 the address 10\.133\.7\.12, outside 192\.168\.64\.0\/24/);
    });
});
