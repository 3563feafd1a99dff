import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import {
    BOOTSTRAP_PATH,
    containerdCheck,
    kubernetesPackageVersion,
    osReleaseCheck,
    OWNER_MARKER_PATH,
    ownerMarker,
    renderBootstrapScript,
    renderCloudInit,
} from "../../components/vm-node/bootstrap";
import { MultipassEnv, multipassEnv, parseNodeIp, renderDeleteScript, renderLaunchScript, renderUpdateScript } from "../../components/vm-node/multipass";
import { embedFile, renderNodeScript } from "../../components/vm-node/script";
import { containerdSupports } from "../../config/validate";
import { NODE_PACKAGES } from "../../config/versions";
import { COMPATIBILITY } from "../../policy-pack/conventions";
import { requireTool } from "../support/offline";
import { bashSyntax, cloudInitSchema, shellcheck } from "../support/validators";

const OWNER = ownerMarker("organization/platform/mgmt", "mgmt-worker-0");

/** Runs a script as pulumi-command's local Command does: `/bin/bash -c <script>`, with env and stdin. */
function run(script: string, env: Record<string, string>, input = "") {
    const result = spawnSync("/bin/bash", ["-c", script], { env: { ...process.env, ...env }, input, encoding: "utf8" });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A temp dir with the fake `multipass` (test/components/fakes/multipass) first on PATH. */
class FakeMultipass {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-multipass-"));

    constructor() {
        fs.mkdirSync(path.join(this.dir, "bin"));
        fs.mkdirSync(path.join(this.dir, "vms"));
        fs.copyFileSync(path.join(__dirname, "fakes", "multipass"), path.join(this.dir, "bin", "multipass"));
        fs.chmodSync(path.join(this.dir, "bin", "multipass"), 0o755);
    }

    /** An existing VM, as Multipass would know it. */
    addVm(name: string, vm: { state: string; cpus?: number; memoryMiB?: number; diskMiB?: number; owner?: string }): void {
        const d = path.join(this.dir, "vms", name);
        fs.mkdirSync(d);
        const files: Record<string, string | number | undefined> = {
            state: vm.state,
            cpus: vm.cpus ?? 2,
            memory_mib: vm.memoryMiB ?? 6144,
            disk_mib: vm.diskMiB ?? 50 * 1024,
            ip: "192.168.64.50",
            owner: vm.owner,
        };
        for (const [file, value] of Object.entries(files)) {
            if (value !== undefined) {
                fs.writeFileSync(path.join(d, file), `${value}\n`);
            }
        }
    }

    vmFile(name: string, file: string): string | undefined {
        const p = path.join(this.dir, "vms", name, file);
        return fs.existsSync(p) ? fs.readFileSync(p, "utf8").trim() : undefined;
    }

    daemonDown(): void {
        fs.writeFileSync(path.join(this.dir, "daemon-down"), "");
    }

    /** Every multipass call so far, one argument string each. */
    calls(): string[] {
        const p = path.join(this.dir, "calls");
        return fs.existsSync(p) ? fs.readFileSync(p, "utf8").trim().split("\n") : [];
    }

    run(script: string, env: MultipassEnv, input = "") {
        return run(script, { ...env, PATH: `${path.join(this.dir, "bin")}:${process.env.PATH}`, FAKE_MULTIPASS_DIR: this.dir }, input);
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

function workerEnv(change: Partial<{ cpus: number; memoryMiB: number; diskGiB: number }> = {}): MultipassEnv {
    return multipassEnv({
        name: "mgmt-worker-0",
        image: "24.04",
        cpus: 2,
        memoryMiB: 6144,
        diskGiB: 50,
        owner: OWNER,
        poolKey: "platform:nodes.workers",
        ...change,
    });
}

describe("VmNode: bootstrap script", () => {
    const script = renderBootstrapScript("v1.35.9");

    it("uses the pkgs.k8s.io repository of the configured minor and pins the exact patch", () => {
        assert.match(script, /https:\/\/pkgs\.k8s\.io\/core:\/stable:\/v1\.35\/deb\/Release\.key/);
        assert.match(script, /deb \[signed-by=\/etc\/apt\/keyrings\/kubernetes-apt-keyring\.gpg\] https:\/\/pkgs\.k8s\.io\/core:\/stable:\/v1\.35\/deb\/ \//);
        assert.match(script, /kubelet='1\.35\.9-\*' kubeadm='1\.35\.9-\*' kubectl='1\.35\.9-\*'/);
        assert.match(script, /apt-mark hold kubelet kubeadm kubectl/);
        assert.match(renderBootstrapScript("v1.36.4"), /stable:\/v1\.36\/deb/);
        assert.strictEqual(kubernetesPackageVersion("v1.36.4"), "1.36.4-*");
    });

    it("pins and holds containerd and runc at the versions of config/versions.ts", () => {
        const { containerd, runc } = NODE_PACKAGES;
        const install = script.split("\n").find((l) => l.includes(" install ") && l.includes("containerd="));
        assert.ok(install?.includes(`containerd='${containerd.apt}'`), install);
        assert.ok(install?.includes(`runc='${runc.apt}'`), install);
        assert.match(script, /^apt-mark hold containerd runc$/m);
        assert.ok(containerd.apt.startsWith(`${containerd.version}-`) && runc.apt.startsWith(`${runc.version}-`), "the apt pattern pins the upstream release");
    });

    it("waits for the dpkg lock and keeps conffiles on every apt-get call", () => {
        const aptLines = script.split("\n").filter((l) => /^apt-get /.test(l));
        assert.strictEqual(aptLines.length, 4);
        for (const line of aptLines) {
            assert.match(line, /-o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confold/, line);
        }
    });

    it("turns swap off, loads overlay and br_netfilter, and sets the bridge and forwarding sysctls", () => {
        assert.match(script, /^swapoff -a$/m);
        assert.ok(script.includes(embedFile({ path: "/etc/modules-load.d/k8s.conf", mode: "0644", content: "overlay\nbr_netfilter\n" })));
        const sysctl = "net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.ip_forward = 1\n";
        assert.ok(script.includes(embedFile({ path: "/etc/sysctl.d/k8s.conf", mode: "0644", content: sysctl })));
        assert.match(script, /^modprobe br_netfilter$/m);
        assert.match(script, /^sysctl --system/m);
    });

    it("configures containerd with the systemd cgroup driver and restarts it only on change", () => {
        assert.match(script, /sed 's\/SystemdCgroup = false\/SystemdCgroup = true\/'/);
        assert.match(script, /if ! cmp -s \/etc\/containerd\/config\.toml\.new \/etc\/containerd\/config\.toml; then/);
    });

    it("checks the OS first and the installed containerd right after installing it", () => {
        const lines = script.split("\n");
        const first = lines.findIndex((l) => l.startsWith("os="));
        assert.ok(first > 0 && first < lines.findIndex((l) => l.startsWith("swapoff")), "the OS check runs before anything changes");
        const install = lines.findIndex((l) => l.includes("containerd='"));
        const check = lines.findIndex((l) => l.startsWith('containerd_line="$(containerd --version)"'));
        const configure = lines.findIndex((l) => l.startsWith("containerd config default"));
        assert.ok(install < check && check < configure, "install, check, then configure");
    });

    it("refuses to render for a minor without a containerd recommendation", () => {
        assert.throws(() => renderBootstrapScript("v1.37.1"), /no entry for Kubernetes 1\.37/);
    });

    it("runs in strict mode and passes shellcheck", function () {
        assert.match(script, /^#!\/bin\/bash\n.*\nset -euo pipefail$/m);
        assert.strictEqual(bashSyntax(script), "");
        requireTool(this, "shellcheck");
        assert.strictEqual(shellcheck(script), "");
    });
});

describe("VmNode: OS check (run with bash)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "os-release-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const check = (content: string) => {
        const file = path.join(dir, "os-release");
        fs.writeFileSync(file, content);
        return run(renderNodeScript("test", [...osReleaseCheck(file), "echo passed"]), {});
    };

    it("passes Ubuntu 24.04", () => {
        const result = check('PRETTY_NAME="Ubuntu 24.04.3 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n');
        assert.strictEqual(result.status, 0, result.stderr);
        assert.strictEqual(result.stdout, "passed\n");
    });

    for (const [title, content, os] of [
        ["Ubuntu 22.04", 'NAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\n', "ubuntu 22.04"],
        ["Debian 12", 'NAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n', "debian 12"],
        ["a file without ID", "NAME=mystery\n", "unknown unknown"],
    ]) {
        it(`stops on ${title}, naming the OS and the fix`, () => {
            const result = check(content);
            assert.strictEqual(result.status, 1);
            assert.strictEqual(result.stdout, "");
            assert.match(result.stderr, new RegExp(`this host runs ${os} .*must run Ubuntu 24\\.04 LTS.*platform:backend\\.hosts`));
        });
    }

    it("passes shellcheck", function () {
        requireTool(this, "shellcheck");
        assert.strictEqual(shellcheck(renderNodeScript("test", osReleaseCheck("/etc/os-release"))), "");
    });
});

describe("VmNode: containerd check (run with bash and a fake containerd)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-containerd-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Runs the check for `minor` with a `containerd` on PATH that prints `line`. */
    const check = (minor: string, line: string) => {
        fs.writeFileSync(path.join(dir, "containerd"), `#!/bin/bash\necho '${line}'\n`, { mode: 0o755 });
        return run(renderNodeScript("test", [...containerdCheck(minor), "echo passed"]), { PATH: `${dir}:${process.env.PATH}` });
    };

    it("accepts the pinned containerd as Ubuntu builds print it", () => {
        const result = check("1.35", `containerd github.com/containerd/containerd/v2 ${NODE_PACKAGES.containerd.version} `);
        assert.strictEqual(result.status, 0, result.stderr);
    });

    it("refuses a containerd the table does not recommend, naming the versions and the pin", () => {
        const result = check("1.35", "containerd github.com/containerd/containerd 1.7.27 ");
        assert.strictEqual(result.status, 1);
        assert.match(result.stderr, /containerd 1\.7\.27 is installed, but containerd recommends 2\.2\.0\+, 2\.1\.5\+, 1\.7\.28\+ for Kubernetes 1\.35/);
        assert.ok(result.stderr.includes(NODE_PACKAGES.containerd.apt), result.stderr);
    });

    it("agrees with config validation's containerdSupports on every minor and version", () => {
        const versions = ["1.7.12", "1.7.28", "1.7.30", "2.0.6", "2.1.4", "2.1.5", "2.2.0", "2.2.1", "2.3.0", "v2.2.1"];
        for (const minor of Object.keys(COMPATIBILITY.containerdForKubernetes)) {
            for (const version of versions) {
                const bash = check(minor, `containerd containerd.io ${version} abcdef`).status === 0;
                assert.strictEqual(bash, containerdSupports(minor, version.replace(/^v/, "")), `Kubernetes ${minor}, containerd ${version}`);
            }
        }
    });

    it("stops when containerd prints no version", () => {
        const result = check("1.35", "containerd: command broken");
        assert.strictEqual(result.status, 1);
        assert.match(result.stderr, /cannot read a version from containerd --version/);
    });
});

describe("VmNode: cloud-init", () => {
    const bootstrap = renderBootstrapScript("v1.35.9");
    const userData = renderCloudInit({ bootstrapScript: bootstrap, owner: OWNER });

    it("writes this stack's owner marker, installs the bootstrap script and runs it once", () => {
        assert.ok(userData.startsWith("#cloud-config\n"));
        const doc = parse(userData);
        assert.deepStrictEqual(Object.keys(doc).sort(), ["runcmd", "write_files"], "no SSH key: later steps use multipass exec");
        assert.deepStrictEqual(doc.write_files[0], { path: OWNER_MARKER_PATH, permissions: "0644", owner: "root:root", content: `${OWNER}\n` });
        assert.strictEqual(doc.write_files[1].path, BOOTSTRAP_PATH);
        assert.strictEqual(doc.write_files[1].content, bootstrap);
        assert.deepStrictEqual(doc.runcmd, [[BOOTSTRAP_PATH]]);
        assert.strictEqual(OWNER, "stack=organization/platform/mgmt vm=mgmt-worker-0");
    });

    it("passes `cloud-init schema`", function () {
        requireTool(this, "cloud-init");
        assert.strictEqual(cloudInitSchema(userData), "");
    });

    it("is rejected by `cloud-init schema` when broken (the validator really validates)", function () {
        requireTool(this, "cloud-init");
        assert.notStrictEqual(cloudInitSchema(userData.replace("runcmd:", "runcmd: 7\nx:")), "");
        assert.notStrictEqual(cloudInitSchema(userData.replace("#cloud-config\n", "")), "");
    });
});

describe("VmNode: Multipass launch (run against a fake multipass)", () => {
    let mp: FakeMultipass;
    beforeEach(() => (mp = new FakeMultipass()));
    afterEach(() => mp.remove());
    const launch = renderLaunchScript();
    const userData = renderCloudInit({ bootstrapScript: renderBootstrapScript("v1.35.9"), owner: OWNER });

    it("launches a missing VM with its size and the cloud-init from stdin, and prints only the info JSON", () => {
        const result = mp.run(launch, workerEnv(), userData);
        assert.strictEqual(result.status, 0, result.stderr);
        assert.ok(
            mp.calls().includes("launch 24.04 --name mgmt-worker-0 --cpus 2 --memory 6144M --disk 50G --timeout 900 --cloud-init -"),
            mp.calls().join("\n"),
        );
        assert.strictEqual(mp.vmFile("mgmt-worker-0", "user-data"), userData.trim());
        assert.strictEqual(parseNodeIp(result.stdout, "mgmt-worker-0", "192.168.64.0/24"), "192.168.64.50");
    });

    it("reuses a VM that carries this stack's marker (the retry path), starting it", () => {
        mp.addVm("mgmt-worker-0", { state: "Stopped", owner: OWNER });
        const result = mp.run(launch, workerEnv(), userData);
        assert.strictEqual(result.status, 0, result.stderr);
        assert.ok(!mp.calls().some((c) => c.startsWith("launch")), "no second launch");
        assert.ok(mp.calls().includes("start mgmt-worker-0"));
        assert.match(result.stderr, /launched by this stack before.*reusing it/);
        assert.strictEqual(mp.vmFile("mgmt-worker-0", "state"), "Running");
        assert.strictEqual(parseNodeIp(result.stdout, "mgmt-worker-0", "192.168.64.0/24"), "192.168.64.50");
    });

    it("refuses a VM without the marker, names it and the fix, and stops it again", () => {
        mp.addVm("mgmt-worker-0", { state: "Stopped" });
        const result = mp.run(launch, workerEnv(), userData);
        assert.strictEqual(result.status, 1);
        assert.match(
            result.stderr,
            new RegExp(
                "a Multipass VM named mgmt-worker-0 already exists and this stack did not launch it " +
                    "\\(/etc/platform/owner: missing; expected: stack=organization/platform/mgmt vm=mgmt-worker-0\\)",
            ),
        );
        assert.match(result.stderr, /multipass delete --purge mgmt-worker-0.*platform:cluster\.name/);
        assert.ok(!mp.calls().some((c) => c.startsWith("launch")));
        assert.strictEqual(mp.vmFile("mgmt-worker-0", "state"), "Stopped", "a foreign VM is left as it was");
        assert.strictEqual(result.stdout, "");
    });

    it("refuses a VM another stack launched, showing its marker, and leaves it running", () => {
        const other = ownerMarker("organization/platform/app1", "mgmt-worker-0");
        mp.addVm("mgmt-worker-0", { state: "Running", owner: other });
        const result = mp.run(launch, workerEnv(), userData);
        assert.strictEqual(result.status, 1);
        assert.ok(result.stderr.includes(`/etc/platform/owner: ${other}; expected: ${OWNER}`), result.stderr);
        assert.ok(!mp.calls().some((c) => c.startsWith("stop") || c.startsWith("launch")));
    });

    it("refuses a deleted, unpurged VM with recover or purge", () => {
        mp.addVm("mgmt-worker-0", { state: "Deleted", owner: OWNER });
        const result = mp.run(launch, workerEnv(), userData);
        assert.strictEqual(result.status, 1);
        assert.match(result.stderr, /deleted but not purged.*multipass recover mgmt-worker-0.*multipass purge/);
    });

    it("fails with the fix when the Multipass daemon does not answer, launching nothing", () => {
        mp.daemonDown();
        const result = mp.run(launch, workerEnv(), userData);
        assert.strictEqual(result.status, 1);
        assert.match(result.stderr, /multipass list failed: the Multipass daemon does not answer\. Start Multipass/);
        assert.deepStrictEqual(mp.calls(), ["list --format json"]);
    });

    it("fails when cloud-init failed, and accepts its recoverable-errors exit 2", () => {
        mp.addVm("mgmt-worker-0", { state: "Running", owner: OWNER });
        fs.writeFileSync(path.join(mp.dir, "vms", "mgmt-worker-0", "cloud-init-rc"), "1");
        const failed = mp.run(launch, workerEnv(), userData);
        assert.strictEqual(failed.status, 1);
        assert.match(failed.stderr, /cloud-init failed on mgmt-worker-0 \(exit 1\).*cloud-init-output\.log/);
        fs.writeFileSync(path.join(mp.dir, "vms", "mgmt-worker-0", "cloud-init-rc"), "2");
        assert.strictEqual(mp.run(launch, workerEnv(), userData).status, 0);
    });
});

describe("VmNode: Multipass delete (run against a fake multipass)", () => {
    let mp: FakeMultipass;
    beforeEach(() => (mp = new FakeMultipass()));
    afterEach(() => mp.remove());
    const del = renderDeleteScript();

    it("purges an existing VM", () => {
        mp.addVm("mgmt-worker-0", { state: "Running", owner: OWNER });
        const result = mp.run(del, workerEnv());
        assert.strictEqual(result.status, 0, result.stderr);
        assert.ok(mp.calls().includes("delete --purge mgmt-worker-0"));
        assert.strictEqual(mp.vmFile("mgmt-worker-0", "state"), undefined);
    });

    it("skips a VM that is not found", () => {
        const result = mp.run(del, workerEnv());
        assert.strictEqual(result.status, 0, result.stderr);
        assert.match(result.stderr, /VM mgmt-worker-0 is already gone/);
        assert.ok(!mp.calls().some((c) => c.startsWith("delete")));
    });

    it("fails, instead of calling the VM gone, when the daemon does not answer", () => {
        mp.addVm("mgmt-worker-0", { state: "Running", owner: OWNER });
        mp.daemonDown();
        const result = mp.run(del, workerEnv());
        assert.strictEqual(result.status, 1);
        assert.match(result.stderr, /the Multipass daemon does not answer/);
        assert.doesNotMatch(result.stderr, /already gone/);
    });
});

describe("VmNode: Multipass resize on update (run against a fake multipass)", () => {
    let mp: FakeMultipass;
    beforeEach(() => {
        mp = new FakeMultipass();
        mp.addVm("mgmt-worker-0", { state: "Running", cpus: 2, memoryMiB: 6144, diskMiB: 50 * 1024, owner: OWNER });
    });
    afterEach(() => mp.remove());
    const update = renderUpdateScript();
    const sets = () => mp.calls().filter((c) => c.startsWith("set "));

    it("stops the VM, sets only the changed cpus, starts it and prints the info JSON", () => {
        const result = mp.run(update, workerEnv({ cpus: 4 }));
        assert.strictEqual(result.status, 0, result.stderr);
        const calls = mp.calls();
        const [stop, set, start] = ["stop mgmt-worker-0", "set local.mgmt-worker-0.cpus=4", "start mgmt-worker-0"].map((c) => calls.indexOf(c));
        assert.ok(stop >= 0 && stop < set && set < start, calls.join("\n"));
        assert.deepStrictEqual(sets(), ["set local.mgmt-worker-0.cpus=4"]);
        assert.strictEqual(mp.vmFile("mgmt-worker-0", "cpus"), "4");
        assert.strictEqual(mp.vmFile("mgmt-worker-0", "state"), "Running");
        assert.strictEqual(parseNodeIp(result.stdout, "mgmt-worker-0", "192.168.64.0/24"), "192.168.64.50");
    });

    it("sets memory and a larger disk in Multipass units", () => {
        const result = mp.run(update, workerEnv({ memoryMiB: 8192, diskGiB: 60 }));
        assert.strictEqual(result.status, 0, result.stderr);
        assert.deepStrictEqual(sets(), ["set local.mgmt-worker-0.memory=8192M", "set local.mgmt-worker-0.disk=60G"]);
        assert.strictEqual(mp.vmFile("mgmt-worker-0", "disk_mib"), String(60 * 1024));
    });

    it("refuses a smaller disk before stopping anything, with the key, the current and the wanted size", () => {
        const result = mp.run(update, workerEnv({ diskGiB: 40, cpus: 4 }));
        assert.strictEqual(result.status, 1);
        assert.match(
            result.stderr,
            /platform:nodes\.workers\.diskGiB: mgmt-worker-0 has a 50\.00GiB disk and the config now asks for 40G, but Multipass can only grow a disk/,
        );
        assert.match(result.stderr, /Set it back to at least 50\.00GiB, or rebuild the node.*pulumi up --replace/);
        assert.ok(!mp.calls().some((c) => c.startsWith("stop") || c.startsWith("set")), mp.calls().join("\n"));
        assert.strictEqual(mp.vmFile("mgmt-worker-0", "state"), "Running");
    });

    it("changes nothing when the size already matches (an update for another input)", () => {
        const result = mp.run(update, workerEnv());
        assert.strictEqual(result.status, 0, result.stderr);
        assert.ok(!mp.calls().some((c) => c.startsWith("stop") || c.startsWith("set")), mp.calls().join("\n"));
        assert.ok(result.stdout.trim().startsWith("{"));
    });

    it("does not stop a VM that is already stopped", () => {
        fs.writeFileSync(path.join(mp.dir, "vms", "mgmt-worker-0", "state"), "Stopped\n");
        const result = mp.run(update, workerEnv({ cpus: 3 }));
        assert.strictEqual(result.status, 0, result.stderr);
        assert.ok(!mp.calls().some((c) => c.startsWith("stop")));
        assert.strictEqual(mp.vmFile("mgmt-worker-0", "state"), "Running");
    });

    it("fails with the rebuild command when the VM is gone", () => {
        fs.rmSync(path.join(mp.dir, "vms", "mgmt-worker-0"), { recursive: true });
        const result = mp.run(update, workerEnv({ cpus: 4 }));
        assert.strictEqual(result.status, 1);
        assert.match(result.stderr, /VM mgmt-worker-0 is gone \(absent\).*pulumi up --replace <URN of mgmt-worker-0-launch>/);
    });
});

describe("VmNode: Multipass scripts and environment", () => {
    for (const [name, script] of [
        ["launch", renderLaunchScript()],
        ["update", renderUpdateScript()],
        ["delete", renderDeleteScript()],
    ]) {
        it(`${name} passes shellcheck`, function () {
            assert.strictEqual(bashSyntax(script), "");
            requireTool(this, "shellcheck");
            assert.strictEqual(shellcheck(script), "");
        });
    }

    it("the fake multipass passes shellcheck too", function () {
        requireTool(this, "shellcheck");
        assert.strictEqual(shellcheck(fs.readFileSync(path.join(__dirname, "fakes", "multipass"), "utf8")), "");
    });

    it("renders sizes in Multipass syntax and carries the owner marker and the pool key", () => {
        assert.deepStrictEqual(workerEnv({ memoryMiB: 3072, diskGiB: 30 }), {
            VM_NAME: "mgmt-worker-0",
            VM_IMAGE: "24.04",
            VM_CPUS: "2",
            VM_MEMORY: "3072M",
            VM_DISK: "30G",
            VM_OWNER: OWNER,
            VM_POOL_KEY: "platform:nodes.workers",
        });
    });
});

describe("VmNode: node IP", () => {
    const info = (ipv4: unknown) => JSON.stringify({ errors: [], info: { "mgmt-cp-0": { state: "Running", ipv4 } } });

    it("reads the first IPv4 of `multipass info --format json`", () => {
        assert.strictEqual(parseNodeIp(info(["192.168.64.5", "10.100.0.7"]), "mgmt-cp-0", "192.168.64.0/24"), "192.168.64.5");
        assert.throws(() => parseNodeIp(info([]), "mgmt-cp-0", "192.168.64.0/24"), /lists no IPv4 address/);
        assert.throws(() => parseNodeIp("launch failed", "mgmt-cp-0", "192.168.64.0/24"), /is not JSON/);
    });

    it("refuses an address off platform:network.nodeSubnet, naming the key, the address and the fix", () => {
        assert.throws(
            () => parseNodeIp(info(["10.133.7.12"]), "mgmt-cp-0", "192.168.64.0/24"),
            /^Error: platform:network\.nodeSubnet: Multipass gave mgmt-cp-0 the address 10\.133\.7\.12, outside 192\.168\.64\.0\/24\..*lbPool.*multipass list/,
        );
        assert.throws(
            () => parseNodeIp(info(["192.168.64.255"]), "mgmt-cp-0", "192.168.64.0/24"),
            /outside 192\.168\.64\.0\/24/,
            "the broadcast address is no host",
        );
    });
});

describe("node scripts", () => {
    it("embeds files as heredocs that bash writes back byte for byte", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "embed-"));
        try {
            const content = "a: $HOME `x` 'y'\n\\n end";
            const file = path.join(dir, "x", "y.conf");
            const script = renderNodeScript("test", [embedFile({ path: file, content, mode: "0600" })]);
            const result = run(script, {});
            assert.strictEqual(result.status, 0, result.stderr);
            assert.strictEqual(fs.readFileSync(file, "utf8"), `${content}\n`);
            assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("refuses paths and contents that would break the heredoc", () => {
        assert.throws(() => embedFile({ path: "relative", content: "", mode: "0600" }), /absolute/);
        assert.throws(() => embedFile({ path: "/a", content: "x\nPLATFORM_FILE_EOF\ny", mode: "0600" }), /delimiter/);
    });

    it("is read whole before it runs, so a child reading stdin cannot eat the rest (`bash -s`)", () => {
        const body = ["cat >/dev/null", "echo after-the-child"];
        const wrapped = spawnSync("bash", ["-s"], { input: renderNodeScript("test", body), encoding: "utf8" });
        assert.strictEqual(wrapped.status, 0, wrapped.stderr);
        assert.strictEqual(wrapped.stdout, "after-the-child\n");
        // Negative control: the same lines unwrapped lose everything after the child.
        const bare = spawnSync("bash", ["-s"], { input: ["set -euo pipefail", ...body, ""].join("\n"), encoding: "utf8" });
        assert.strictEqual(bare.stdout, "");
    });
});
