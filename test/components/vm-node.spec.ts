import * as assert from "assert";
import { parse } from "yaml";
import { BOOTSTRAP_PATH, kubernetesPackageVersion, renderBootstrapScript, renderCloudInit } from "../../components/vm-node/bootstrap";
import { multipassEnv, parseMultipassIp, renderDeleteScript, renderLaunchScript } from "../../components/vm-node/multipass";
import { decodeRootScript, encodeRootScript, validateVmNodeArgs } from "../../components/vm-node";
import { embedFile, extractEmbeddedFiles, renderNodeScript } from "../../components/vm-node/script";
import { requireTool } from "../support/offline";
import { bashSyntax, cloudInitSchema, shellcheck } from "../support/validators";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHt9m5oX0yQk2f0hX7r0fYV3x2N1n4mK8sC5dE6fG7hI test";

describe("VmNode: bootstrap script", () => {
    const script = renderBootstrapScript("v1.35.9");

    it("uses the pkgs.k8s.io repository of the configured minor and pins the exact patch", () => {
        assert.match(script, /https:\/\/pkgs\.k8s\.io\/core:\/stable:\/v1\.35\/deb\/Release\.key/);
        assert.match(script, /deb \[signed-by=\/etc\/apt\/keyrings\/kubernetes-apt-keyring\.gpg\] https:\/\/pkgs\.k8s\.io\/core:\/stable:\/v1\.35\/deb\/ \//);
        assert.match(script, /kubelet='1\.35\.9-\*' kubeadm='1\.35\.9-\*' kubectl='1\.35\.9-\*'/);
        assert.match(script, /apt-mark hold kubelet kubeadm kubectl/);
        assert.match(renderBootstrapScript("v1.37.1"), /stable:\/v1\.37\/deb/);
        assert.strictEqual(kubernetesPackageVersion("v1.36.4"), "1.36.4-*");
    });

    it("turns swap off, loads overlay and br_netfilter, and sets the bridge and forwarding sysctls", () => {
        assert.match(script, /^swapoff -a$/m);
        const files = extractEmbeddedFiles(script);
        const modules = files.find((f) => f.path === "/etc/modules-load.d/k8s.conf");
        const sysctl = files.find((f) => f.path === "/etc/sysctl.d/k8s.conf");
        assert.deepStrictEqual(modules?.content.trim().split("\n"), ["overlay", "br_netfilter"]);
        for (const key of ["net.bridge.bridge-nf-call-iptables = 1", "net.bridge.bridge-nf-call-ip6tables = 1", "net.ipv4.ip_forward = 1"]) {
            assert.ok(sysctl?.content.includes(key), key);
        }
        assert.match(script, /^modprobe br_netfilter$/m);
        assert.match(script, /^sysctl --system/m);
    });

    it("configures containerd with the systemd cgroup driver and restarts it only on change", () => {
        assert.match(script, /sed 's\/SystemdCgroup = false\/SystemdCgroup = true\/'/);
        assert.match(script, /if ! cmp -s \/etc\/containerd\/config\.toml\.new \/etc\/containerd\/config\.toml; then/);
    });

    it("runs in strict mode and passes shellcheck", function () {
        assert.match(script, /^#!\/bin\/bash\n.*\nset -euo pipefail$/m);
        assert.strictEqual(bashSyntax(script), "");
        requireTool(this, "shellcheck");
        assert.strictEqual(shellcheck(script), "");
    });
});

describe("VmNode: cloud-init", () => {
    const userData = renderCloudInit({ bootstrapScript: renderBootstrapScript("v1.35.9"), sshAuthorizedKey: `${KEY}\n` });

    it("installs the bootstrap script, runs it once and authorises the stack's SSH key", () => {
        assert.ok(userData.startsWith("#cloud-config\n"));
        const doc = parse(userData);
        assert.deepStrictEqual(Object.keys(doc).sort(), ["runcmd", "ssh_authorized_keys", "write_files"]);
        assert.deepStrictEqual(doc.ssh_authorized_keys, [KEY]);
        assert.strictEqual(doc.write_files[0].path, BOOTSTRAP_PATH);
        assert.strictEqual(doc.write_files[0].content, renderBootstrapScript("v1.35.9"));
        assert.deepStrictEqual(doc.runcmd, [[BOOTSTRAP_PATH]]);
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

describe("VmNode: Multipass", () => {
    it("launches only when the VM is missing, waits for cloud-init and prints only the info JSON", function () {
        const launch = renderLaunchScript();
        assert.match(launch, /if multipass info "\$VM_NAME" >\/dev\/null 2>&1; then/);
        assert.match(launch, /multipass launch "\$VM_IMAGE" --name "\$VM_NAME" --cpus "\$VM_CPUS" --memory "\$VM_MEMORY" --disk "\$VM_DISK" --timeout 900 --cloud-init - >&2/);
        assert.match(launch, /cloud-init status --wait >&2 \|\| rc=\$\?/);
        // Only the last command writes to stdout.
        const stdoutLines = launch.split("\n").filter((l) => /multipass|echo/.test(l) && !/>&2|>\/dev\/null/.test(l));
        assert.deepStrictEqual(stdoutLines, ['multipass info "$VM_NAME" --format json']);
        requireTool(this, "shellcheck");
        assert.strictEqual(shellcheck(launch), "");
    });

    it("deletes idempotently: purge only when the VM exists", function () {
        const del = renderDeleteScript();
        assert.match(del, /if multipass info "\$VM_NAME" >\/dev\/null 2>&1; then\n  multipass delete --purge "\$VM_NAME"\nelse/);
        requireTool(this, "shellcheck");
        assert.strictEqual(shellcheck(del), "");
    });

    it("renders sizes in Multipass syntax", () => {
        assert.deepStrictEqual(multipassEnv({ name: "app1-cp-0", image: "24.04", cpus: 2, memoryMiB: 3072, diskGiB: 30 }), {
            VM_NAME: "app1-cp-0",
            VM_IMAGE: "24.04",
            VM_CPUS: "2",
            VM_MEMORY: "3072M",
            VM_DISK: "30G",
        });
    });

    it("reads the first IPv4 from `multipass info --format json`", () => {
        const info = JSON.stringify({ errors: [], info: { "mgmt-cp-0": { state: "Running", ipv4: ["192.168.64.5", "10.100.0.7"] } } });
        assert.strictEqual(parseMultipassIp(info, "mgmt-cp-0"), "192.168.64.5");
        assert.throws(() => parseMultipassIp(JSON.stringify({ info: { "mgmt-cp-0": { ipv4: [] } } }), "mgmt-cp-0"), /lists no IPv4 address/);
        assert.throws(() => parseMultipassIp("launch failed", "mgmt-cp-0"), /is not JSON/);
    });

    it("insists on exactly one backend", () => {
        const pool = { count: 1, cpus: 2, memoryMiB: 2048, diskGiB: 20 };
        assert.throws(() => validateVmNodeArgs("n", { kubernetesVersion: "v1.35.9", pool, sshPrivateKey: "k" }), /mutually exclusive; set exactly one/);
        assert.throws(
            () => validateVmNodeArgs("n", { kubernetesVersion: "v1.35.9", pool, sshPrivateKey: "k", multipassImage: "24.04", sshHost: { name: "n", address: "1.2.3.4", user: "u" } }),
            /mutually exclusive/,
        );
        assert.throws(() => validateVmNodeArgs("n", { kubernetesVersion: "v1.35.9", pool, sshPrivateKey: "k", multipassImage: "24.04" }), /needs sshPublicKey/);
    });
});

describe("node scripts", () => {
    it("embeds files as heredocs that bash writes back byte for byte", function () {
        const content = "a: $HOME `x` 'y'\n\\n end";
        const script = renderNodeScript("test", [embedFile({ path: "/tmp/x/y.conf", content, mode: "0600" })]);
        assert.deepStrictEqual(extractEmbeddedFiles(script), [{ path: "/tmp/x/y.conf", content: `${content}\n`, mode: "0600" }]);
        assert.strictEqual(bashSyntax(script), "");
    });

    it("refuses paths and contents that would break the heredoc", () => {
        assert.throws(() => embedFile({ path: "relative", content: "", mode: "0600" }), /absolute/);
        assert.throws(() => embedFile({ path: "/a", content: "x\nPLATFORM_FILE_EOF\ny", mode: "0600" }), /delimiter/);
    });

    it("round-trips a delete script through its base64 command line", () => {
        const script = renderNodeScript("drain", ["echo 'it''s' \"$X\""]);
        const line = encodeRootScript(script);
        assert.match(line, /^echo [A-Za-z0-9+/=]+ \| base64 -d \| sudo bash -s$/);
        assert.strictEqual(decodeRootScript(line), script);
        assert.strictEqual(decodeRootScript("sudo bash -s"), undefined);
    });
});
