/** What must hold before a deploy: the Pulumi CLI, the passphrase, Multipass, memory and disk. */
import * as assert from "assert";
import { StackConfig } from "../../config/model";
import { validateStackConfig } from "../../config/validate";
import { backendUrl, passphraseCheck } from "../../tools/deploy/environment";
import {
    checkPrerequisites,
    HostProbe,
    hostResourceChecks,
    MULTIPASS_MIN_VERSION,
    multipassCheck,
    newVms,
    parseMeminfo,
    parseVmStat,
    pulumiCheck,
} from "../../tools/deploy/prerequisites";
import { readStackFile } from "../../tools/plan/stack-file";
import { REPO_ROOT } from "../support/offline";

function shipped(stack: string): { stack: string; config: StackConfig } {
    const result = validateStackConfig(readStackFile(REPO_ROOT, stack).raw);
    assert.ok(result.ok);
    return { stack, config: result.config };
}

const ssh = (s: { stack: string; config: StackConfig }) => ({
    ...s,
    config: { ...s.config, backend: { kind: "ssh" as const, hosts: [] } },
});

describe("prerequisites: the Pulumi CLI", () => {
    it("missing: says so and how to install it", () => {
        const check = pulumiCheck(undefined, "3.248.0");
        assert.strictEqual(check.level, "fail");
        assert.match(check.fix as string, /get\.pulumi\.com/);
    });
    it("older than the pinned SDK: names both versions", () => {
        assert.deepStrictEqual(
            [pulumiCheck("v3.247.9\n", "3.248.0").level, pulumiCheck("v3.247.9\n", "3.248.0").what],
            ["fail", "Pulumi CLI v3.247.9 is older than 3.248.0, the @pulumi/pulumi this project pins"],
        );
        assert.strictEqual(pulumiCheck("v2.99.0", "3.248.0").level, "fail");
    });
    it("the same or newer passes; output without a version does not", () => {
        assert.strictEqual(pulumiCheck("v3.248.0", "3.248.0").level, "ok");
        assert.strictEqual(pulumiCheck("v3.250.1", "3.248.0").level, "ok");
        assert.strictEqual(pulumiCheck("v4.0.0", "3.248.0").level, "ok");
        assert.strictEqual(pulumiCheck("command not found", "3.248.0").level, "fail");
    });
});

describe("prerequisites: the passphrase", () => {
    const file = (exists: boolean) => () => exists;
    it("stops when neither variable is set (or the passphrase is empty), saying how", () => {
        for (const env of [{}, { PULUMI_CONFIG_PASSPHRASE: "" }]) {
            const check = passphraseCheck(env, "file:///repo/.pulumi-state", file(true));
            assert.strictEqual(check.level, "fail");
            assert.match(check.fix as string, /export PULUMI_CONFIG_PASSPHRASE=.*PULUMI_CONFIG_PASSPHRASE_FILE/);
        }
    });
    it("takes either variable; a _FILE that does not exist fails, naming it", () => {
        assert.strictEqual(passphraseCheck({ PULUMI_CONFIG_PASSPHRASE: "x" }, "file:///s", file(true)).level, "ok");
        assert.strictEqual(passphraseCheck({ PULUMI_CONFIG_PASSPHRASE_FILE: "/p" }, "file:///s", file(true)).level, "ok");
        assert.deepStrictEqual(
            [
                passphraseCheck({ PULUMI_CONFIG_PASSPHRASE_FILE: "/nope" }, "s3://bucket", file(false)).level,
                passphraseCheck({ PULUMI_CONFIG_PASSPHRASE_FILE: "/nope" }, "s3://bucket", file(false)).what,
            ],
            ["fail", "PULUMI_CONFIG_PASSPHRASE_FILE names /nope, which does not exist"],
        );
    });
    it("Pulumi Cloud encrypts secrets itself: no passphrase needed", () => {
        assert.strictEqual(passphraseCheck({}, "https://api.pulumi.com", file(false)).level, "ok");
    });
    it("the default backend is a file backend inside the repository; PULUMI_BACKEND_URL overrides it", () => {
        assert.strictEqual(backendUrl({}, "/repo"), "file:///repo/.pulumi-state");
        assert.strictEqual(backendUrl({ PULUMI_BACKEND_URL: "s3://state" }, "/repo"), "s3://state");
    });
});

describe("prerequisites: Multipass, memory and disk", () => {
    it("Multipass missing or too old fails with how to install it", () => {
        const missing = multipassCheck(undefined, ["mgmt", "app1"]);
        assert.deepStrictEqual([missing.level, missing.what], ["fail", "Multipass is not installed, and mgmt, app1 use the multipass backend"]);
        assert.match(missing.fix as string, new RegExp(`Multipass ${MULTIPASS_MIN_VERSION} or newer: \`brew install --cask multipass\``));
        assert.strictEqual(multipassCheck("multipass   1.14.1+mac\nmultipassd  1.14.1+mac\n", ["mgmt"]).level, "fail");
        assert.strictEqual(multipassCheck("multipass   1.15.1\nmultipassd  1.15.1\n", ["mgmt"]).level, "ok");
    });

    it("counts only the VMs that do not exist yet", () => {
        const vms = newVms([shipped("mgmt"), shipped("app1")], ["mgmt-cp-0", "mgmt-worker-0"]);
        assert.deepStrictEqual(
            vms.map((v) => v.name),
            ["app1-cp-0", "app1-worker-0"],
        );
        assert.deepStrictEqual(newVms([ssh(shipped("app1"))], []), []);
    });

    it("memory short: fail with the numbers; disk short: warn (Multipass disks grow as they fill)", () => {
        const vms = [
            { name: "a", memoryMiB: 4096, diskGiB: 40 },
            { name: "b", memoryMiB: 6144, diskGiB: 50 },
        ];
        const [memory, disk] = hostResourceChecks(vms, 8000.7, 60.2);
        assert.deepStrictEqual([memory.level, memory.what], ["fail", "memory: the new VMs (a, b) need 10240 MiB; this host has 8000 MiB available"]);
        assert.deepStrictEqual([disk.level, disk.what], ["warn", "disk: the new VMs (a, b) may grow to 90 GiB; 60 GiB are free where Multipass keeps them"]);
        assert.deepStrictEqual(
            hostResourceChecks(vms, 20000, 500).map((c) => c.level),
            ["ok", "ok"],
        );
    });

    it("reads available memory from /proc/meminfo and from macOS vm_stat", () => {
        assert.strictEqual(parseMeminfo("MemTotal:       16318720 kB\nMemFree:          512000 kB\nMemAvailable:    8192000 kB\n"), 8000);
        const vmStat = [
            "Mach Virtual Memory Statistics: (page size of 16384 bytes)",
            "Pages free:                               10000.",
            "Pages active:                            500000.",
            "Pages inactive:                          200000.",
            "Pages speculative:                        30000.",
        ].join("\n");
        assert.strictEqual(parseVmStat(vmStat), ((10000 + 200000 + 30000) * 16384) / 2 ** 20);
        assert.strictEqual(parseVmStat("garbage"), undefined);
    });
});

describe("prerequisites: which checks run", () => {
    const asked: string[] = [];
    const probe: HostProbe = {
        pulumiVersion: async () => (asked.push("pulumi"), "v3.248.0"),
        multipassVersion: async () => (asked.push("multipass"), "multipass 1.16.0"),
        multipassVms: async () => (asked.push("vms"), []),
        availableMemoryMiB: async () => (asked.push("memory"), 64_000),
        freeDiskGiB: async () => (asked.push("disk"), 500),
        fileExists: () => true,
    };
    const input = (operation: "up" | "preview" | "destroy" | "kubeconfigs", stacks = [shipped("mgmt")]) => ({
        operation,
        stacks,
        env: { PULUMI_CONFIG_PASSPHRASE: "x" },
        root: "/repo",
        sdkVersion: "3.248.0",
    });
    beforeEach(() => asked.splice(0));

    it("deploy: the CLI, the passphrase, Multipass, then memory and disk", async () => {
        const checks = await checkPrerequisites(input("up"), probe);
        assert.deepStrictEqual(asked, ["pulumi", "multipass", "vms", "memory", "disk"]);
        assert.deepStrictEqual(
            checks.map((c) => c.level),
            ["ok", "ok", "ok", "ok", "ok"],
        );
    });
    it("preview and kubeconfigs run no node command: no Multipass; destroy needs Multipass but no memory", async () => {
        await checkPrerequisites(input("preview"), probe);
        await checkPrerequisites(input("kubeconfigs"), probe);
        assert.deepStrictEqual(asked, ["pulumi", "pulumi"]);
        asked.splice(0);
        await checkPrerequisites(input("destroy"), probe);
        assert.deepStrictEqual(asked, ["pulumi", "multipass"]);
    });
    it("SSH stacks need no Multipass", async () => {
        await checkPrerequisites(input("up", [ssh(shipped("app1"))]), probe);
        assert.deepStrictEqual(asked, ["pulumi"]);
    });
});
