import * as assert from "assert";
import { spawnSync } from "child_process";
import { CONFIG_GUARD_ROLE, configGuardCommand, configGuardName, guardRefusals, guardSettings } from "../../config/guard";
import { StackConfig } from "../../config/model";
import { validateStackConfig } from "../../config/validate";
import { shippedConfig } from "../support/offline";

/** mgmt's shipped config, validated, with one change applied to the raw config first. */
function mgmt(change: (raw: any) => void = () => undefined): StackConfig {
    const config = shippedConfig("mgmt");
    const raw = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(config).map(([k, v]) => [k.replace(/^platform:/, ""), v]))));
    change(raw);
    const result = validateStackConfig(raw);
    assert.ok(result.ok, result.ok ? "" : JSON.stringify(result.errors));
    return result.config;
}

/**
 * Runs the guard as pulumi-command's local Command would: interpreter + [create|update] as the
 * argv, the process environment plus `environment`, the stdin, and on update
 * PULUMI_COMMAND_STDOUT = the stored stdout with its trailing newline trimmed (local/commandOutputs.go).
 */
function runGuard(config: StackConfig, step: "create" | "update", previousStdout?: string) {
    const cmd = configGuardCommand(config);
    const env: Record<string, string | undefined> = { ...process.env, ...cmd.environment };
    delete env.PULUMI_COMMAND_STDOUT;
    if (previousStdout !== undefined) {
        env.PULUMI_COMMAND_STDOUT = previousStdout.replace(/\n$/, "");
    }
    const [program, ...args] = cmd.interpreter;
    const result = spawnSync(program, [...args, cmd[step]], { env, input: cmd.stdin, encoding: "utf8" });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Create with `before`, then update to `after`: what `pulumi up` runs after a config change. */
function change(before: StackConfig, after: StackConfig) {
    const created = runGuard(before, "create");
    assert.strictEqual(created.status, 0, created.stderr);
    return runGuard(after, "update", created.stdout);
}

describe("config/guard", () => {
    const shipped = mgmt();

    it("is named after the stack, with the role the offline compare looks for", () => {
        assert.strictEqual(configGuardName("mgmt"), `mgmt-${CONFIG_GUARD_ROLE}`);
        assert.strictEqual(CONFIG_GUARD_ROLE, "config-guard");
    });

    it("create prints the guarded settings, which the update compares with", () => {
        const created = runGuard(shipped, "create");
        assert.strictEqual(created.status, 0, created.stderr);
        assert.deepStrictEqual(JSON.parse(created.stdout), guardSettings(shipped));
        assert.deepStrictEqual(guardSettings(shipped), {
            "platform:cluster.name": "mgmt",
            "platform:cluster.kubernetesVersion": "v1.35.9",
            "platform:nodes.controlPlane.count": "1",
            "platform:network.podCidr": "10.100.0.0/16",
            "platform:network.serviceCidr": "10.96.0.0/16",
            "platform:network.controlPlaneVip": "(none)",
            "platform:backend.kind": "multipass",
        });
        assert.deepStrictEqual(configGuardCommand(shipped).environment, guardSettings(shipped), "the preview diff shows the settings by key");
    });

    it("lets an update through when no guarded setting changed (a worker added, a VM resized)", () => {
        const result = change(
            shipped,
            mgmt((r) => ((r.nodes.workers.count = 3), (r.nodes.workers.cpus = 4))),
        );
        assert.strictEqual(result.status, 0, result.stderr);
        assert.strictEqual(result.stderr, "");
        assert.deepStrictEqual(JSON.parse(result.stdout), guardSettings(shipped));
    });

    const refused: Array<{ key: string; change: (raw: any) => void; current: string; wanted: string; reason: RegExp }> = [
        {
            // A patch bump is an upgrade now (test/components/kubeadm-upgrade.spec.ts); going back is refused.
            key: "platform:cluster.kubernetesVersion",
            change: (r) => (r.cluster.kubernetesVersion = "v1.35.8"),
            current: "v1.35.9",
            wanted: "v1.35.8",
            reason: /kubeadm upgrades forward only/,
        },
        {
            key: "platform:network.podCidr",
            change: (r) => (r.network.podCidr = "10.110.0.0/16"),
            current: "10.100.0.0/16",
            wanted: "10.110.0.0/16",
            reason: /spec\.podCIDR/,
        },
        {
            key: "platform:network.serviceCidr",
            change: (r) => (r.network.serviceCidr = "10.95.0.0/16"),
            current: "10.96.0.0/16",
            wanted: "10.95.0.0/16",
            reason: /ClusterIP/,
        },
        {
            key: "platform:network.controlPlaneVip",
            change: (r) => (r.network.controlPlaneVip = "192.168.64.199"),
            current: "(none)",
            wanted: "192.168.64.199",
            reason: /control-plane endpoint/,
        },
        { key: "platform:cluster.name", change: (r) => (r.cluster.name = "hub"), current: "mgmt", wanted: "hub", reason: /second cluster and delete this one/ },
        {
            key: "platform:backend.kind",
            change: (r) => {
                r.backend = {
                    kind: "ssh",
                    hosts: [
                        { name: "n1", address: "192.168.64.50" },
                        { name: "n2", address: "192.168.64.51" },
                    ],
                };
                r.sshPrivateKey = "[secret]";
            },
            current: "multipass",
            wanted: "ssh",
            reason: /cannot move between Multipass VMs and SSH hosts/,
        },
    ];
    for (const c of refused) {
        it(`refuses a change of ${c.key}, exiting 1 with exactly guardRefusals' message`, () => {
            const wanted = mgmt(c.change);
            const result = change(shipped, wanted);
            assert.strictEqual(result.status, 1);
            assert.strictEqual(result.stdout, "", "nothing printed: the old settings stay recorded");
            const expected = guardRefusals(guardSettings(shipped), guardSettings(wanted));
            assert.deepStrictEqual(result.stderr.trimEnd().split("\n"), expected);
            assert.strictEqual(expected.length, 1);
            assert.ok(
                expected[0].startsWith(`${c.key}: the running cluster has ${c.current}, the config now says ${c.wanted}. Set it back to ${c.current}. `),
                expected[0],
            );
            assert.match(expected[0], c.reason);
        });
    }

    it("refuses control plane 1 -> 3 (the count and the VIP it needs), one message each", () => {
        const wanted = mgmt((r) => {
            r.nodes.controlPlane.count = 3;
            r.network.controlPlaneVip = "192.168.64.199";
        });
        const result = change(shipped, wanted);
        assert.strictEqual(result.status, 1);
        const lines = result.stderr.trimEnd().split("\n");
        assert.deepStrictEqual(lines, guardRefusals(guardSettings(shipped), guardSettings(wanted)));
        assert.deepStrictEqual(
            lines.map((l) => l.split(":")[0] + ":" + l.split(":")[1]),
            ["platform:nodes.controlPlane.count", "platform:network.controlPlaneVip"],
        );
        assert.match(lines[0], /has 1, the config now says 3\. Set it back to 1\. A running control plane keeps its size/);
    });

    it("keeps refusing on every later up: a refused update records nothing new", () => {
        const created = runGuard(shipped, "create");
        const wanted = mgmt((r) => (r.network.podCidr = "10.110.0.0/16"));
        assert.strictEqual(runGuard(wanted, "update", created.stdout).status, 1);
        // The engine keeps the old stdout after a failed update; the next up compares with it again.
        assert.strictEqual(runGuard(wanted, "update", created.stdout).status, 1);
        // Set back: accepted.
        assert.strictEqual(runGuard(shipped, "update", created.stdout).status, 0);
    });

    it("compares only keys both sides have (a guard of an older or newer program version)", () => {
        const wanted = guardSettings(shipped);
        assert.deepStrictEqual(guardRefusals({ "platform:cluster.name": "mgmt" }, wanted), []);
        assert.deepStrictEqual(guardRefusals({ ...wanted, "platform:removed.key": "x" }, wanted), []);
    });

    it("refuses, with the way out, when the recorded output is not a settings object", () => {
        const result = runGuard(shipped, "update", "node bootstrap done");
        assert.strictEqual(result.status, 1);
        assert.match(
            result.stderr,
            /config guard: its recorded output is not a settings object \(node bootstrap done\)\. Check that none of platform:cluster\.name, .* changed/,
        );
    });
});
