// tools/dr: the etcd restore, its verification and the Velero namespace restore, shellchecked and
// run for real against fake crictl/ctr/kubectl/systemctl in a scratch directory.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { errorsOf, requireSchemas, strictCrdValidator } from "../networking/helpers";
import { shellcheckAll } from "../stacks/shellcheck-all";
import { requireTool } from "../support/offline";
import { backupSandbox, BackupSandbox } from "./sandbox";

const DR = path.join(__dirname, "..", "..", "tools", "dr");
const RESTORE = path.join(DR, "etcd-restore.sh");
const VERIFY = path.join(DR, "etcd-verify.sh");
const VELERO = path.join(DR, "velero-restore-namespace.sh");
const CONTROL_PLANE = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"];

describe("tools/dr scripts: shape", () => {
    it("are shellcheck-clean and strict", function () {
        requireTool(this, "shellcheck");
        const scripts = Object.fromEntries([RESTORE, VERIFY, VELERO].map((f) => [path.basename(f), fs.readFileSync(f, "utf8")]));
        assert.equal(shellcheckAll(scripts), "");
        for (const [name, text] of Object.entries(scripts)) {
            assert.match(text, /^set -euo pipefail$/m, name);
        }
    });
});

describe("tools/dr scripts, run against fakes", () => {
    let box: BackupSandbox;
    let manifests: string;
    let dataDir: string;
    let snapshot: string;
    let env: Record<string, string>;

    /** A node: the four static pod manifests, etcd's data directory holding `old`, a good snapshot. */
    function freshNode(): void {
        for (const f of fs.readdirSync(box.root).filter((f) => !["bin", "state"].includes(f))) {
            fs.rmSync(path.join(box.root, f), { recursive: true, force: true });
        }
        for (const f of fs.readdirSync(box.state)) {
            fs.rmSync(path.join(box.state, f), { recursive: true, force: true });
        }
        fs.mkdirSync(manifests);
        fs.mkdirSync(path.join(dataDir, "member"), { recursive: true });
        fs.writeFileSync(path.join(dataDir, "member", "marker"), "old");
        for (const m of CONTROL_PLANE.slice(1)) {
            fs.writeFileSync(path.join(manifests, `${m}.yaml`), `# ${m}\n`);
        }
        fs.writeFileSync(
            path.join(manifests, "etcd.yaml"),
            [
                "spec:",
                "  containers:",
                "  - command:",
                "    - etcd",
                `    - --data-dir=${dataDir}`,
                "    - --name=mgmt-cp-1",
                "    - --initial-advertise-peer-urls=https://192.168.64.10:2380",
                "    image: registry.k8s.io/etcd:3.6.5-0",
                "",
            ].join("\n"),
        );
        fs.mkdirSync(path.dirname(snapshot), { recursive: true });
        fs.writeFileSync(snapshot, "etcd-snapshot-bytes");
        box.clear();
    }

    before(() => {
        box = backupSandbox();
        manifests = path.join(box.root, "manifests");
        dataDir = path.join(box.root, "var-lib", "etcd");
        snapshot = path.join(box.root, "snapshots", "etcd-mgmt-cp-1-20261201T000000Z.db");
        env = { PLATFORM_MANIFEST_DIR: manifests, FAKE_MANIFESTS: manifests, PLATFORM_ADMIN_KUBECONFIG: path.join(box.root, "admin.conf") };
    });
    after(() => box?.remove());
    beforeEach(freshNode);

    it("each refuses to run without its inputs, touching nothing", () => {
        for (const [script, args] of [
            [RESTORE, []],
            [RESTORE, ["--snapshot", snapshot]],
            [RESTORE, ["--node", "mgmt-cp-1"]],
            [VERIFY, []],
            [VELERO, []],
            [VELERO, ["--namespace", "vault"]],
            [VELERO, ["--namespace", "vault", "--backup", "b", "--schedule", "s"]],
        ] as const) {
            const r = box.run(script, [...args], env);
            assert.equal(r.status, 2, `${path.basename(script)} ${args.join(" ")}: ${r.stderr}`);
            assert.match(r.stderr, /refusing to run without/);
        }
        assert.deepEqual(box.calls(), []);
    });

    it("etcd restore without --yes prints the plan and the way back and changes nothing", () => {
        const r = box.run(RESTORE, ["--snapshot", snapshot, "--node", "mgmt-cp-1"], env);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /The way back/);
        assert.match(r.stderr, /nothing changed; add --yes/);
        assert.deepEqual(box.calls(), []);
        assert.equal(fs.readFileSync(path.join(dataDir, "member", "marker"), "utf8"), "old");
    });

    it("etcd restore refuses a --node that is not this node's member", () => {
        const r = box.run(RESTORE, ["--snapshot", snapshot, "--node", "mgmt-cp-2", "--yes"], env);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /member is mgmt-cp-1, not mgmt-cp-2/);
        assert.deepEqual(box.calls(), []);
    });

    it("etcd restore: status, restore to a new dir, control plane parked, dirs swapped, etcd back first, way back printed", () => {
        const r = box.run(RESTORE, ["--snapshot", snapshot, "--node", "mgmt-cp-1", "--yes"], env);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(fs.readFileSync(path.join(dataDir, "member", "marker"), "utf8"), "restored\n", "the restored data is in place");
        const kept = fs.readdirSync(path.dirname(dataDir)).filter((d) => d.startsWith("etcd.before-restore-"));
        assert.equal(kept.length, 1);
        assert.equal(fs.readFileSync(path.join(path.dirname(dataDir), kept[0], "member", "marker"), "utf8"), "old", "the old data is kept");
        assert.deepEqual(fs.readdirSync(manifests).sort(), CONTROL_PLANE.map((m) => `${m}.yaml`).sort(), "every manifest is back");
        assert.deepEqual(
            fs.readdirSync(box.root).filter((f) => f.startsWith("manifests.before-restore-")),
            [],
            "the parking directory is gone",
        );
        const calls = box.calls();
        const ctr = calls.filter((c) => c.startsWith("ctr "));
        assert.equal(ctr.length, 2);
        assert.match(ctr[0], / registry\.k8s\.io\/etcd:3\.6\.5-0 \S+ etcdutl snapshot status /);
        assert.match(
            ctr[1],
            / etcdutl snapshot restore \S+ --data-dir \S+\/etcd\.restore-\S+\/data --name mgmt-cp-1 --initial-cluster mgmt-cp-1=https:\/\/192\.168\.64\.10:2380 --initial-advertise-peer-urls https:\/\/192\.168\.64\.10:2380 --bump-revision 1000000000 --mark-compacted$/,
        );
        assert.equal(calls[calls.length - 1], "systemctl restart kubelet");
        assert.match(r.stderr, /The way back[\s\S]*mv \S+etcd\.before-restore-\S+ \S+etcd\n/);
        assert.match(r.stderr, /etcd-verify\.sh --node mgmt-cp-1/);
    });

    it("etcd restore stops before touching the node when the snapshot fails its status check", () => {
        fs.writeFileSync(snapshot, "garbage");
        const r = box.run(RESTORE, ["--snapshot", snapshot, "--node", "mgmt-cp-1", "--yes"], env);
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /FAILED/);
        assert.equal(fs.readFileSync(path.join(dataDir, "member", "marker"), "utf8"), "old");
        assert.equal(fs.readdirSync(manifests).length, 4, "the control plane still runs");
    });

    it("etcd verify passes on a healthy node and fails, with the way back, on a NotReady node", () => {
        const ok = box.run(VERIFY, ["--node", "mgmt-cp-1"], env);
        assert.equal(ok.status, 0, ok.stderr);
        assert.equal((ok.stderr.match(/^ok {4}/gm) ?? []).length, 7, ok.stderr);
        fs.writeFileSync(path.join(box.state, "worker-not-ready"), "");
        const bad = box.run(VERIFY, ["--node", "mgmt-cp-1"], env);
        assert.equal(bad.status, 1);
        assert.match(bad.stderr, /^FAIL {2}every Node is Ready$/m);
        assert.match(bad.stderr, /the way back/);
        const wrongNode = box.run(VERIFY, ["--node", "mgmt-cp-9"], env);
        assert.match(wrongNode.stderr, /^FAIL {2}member mgmt-cp-9 is listed and started$/m);
    });

    it("velero restore prints a Restore that validates against the Velero CRD, and maps a copy with --into", function () {
        requireSchemas(this);
        const validate = strictCrdValidator("velero.io/v1", "Restore")!;
        const plain = box.run(VELERO, ["--namespace", "keycloak", "--schedule", "velero-hourly-critical"], env);
        assert.equal(plain.status, 2, plain.stderr);
        const restore: any = parse(plain.stdout);
        assert.ok(validate(restore as object), errorsOf(validate));
        assert.equal(restore.spec.scheduleName, "velero-hourly-critical");
        assert.deepEqual(restore.spec.includedNamespaces, ["keycloak"]);
        assert.equal(restore.spec.existingResourcePolicy, "none");
        const copy: any = parse(box.run(VELERO, ["--namespace", "keycloak", "--backup", "velero-daily-20261201020000", "--into", "keycloak-copy"], env).stdout);
        assert.ok(validate(copy as object), errorsOf(validate));
        assert.deepEqual(copy.spec.namespaceMapping, { keycloak: "keycloak-copy" });
        assert.equal(copy.spec.backupName, "velero-daily-20261201020000");
        assert.deepEqual(box.calls(), [], "a dry run calls nothing");
    });

    it("velero restore with --yes applies the Restore, waits for it, and refuses an existing namespace or a partial restore", () => {
        const r = box.run(VELERO, ["--namespace", "keycloak", "--backup", "b1", "--yes"], env);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(parse(fs.readFileSync(path.join(box.state, "applied.yaml"), "utf8")).kind, "Restore");
        assert.match(r.stderr, /The way back[\s\S]*kubectl delete namespace keycloak/);
        fs.writeFileSync(path.join(box.state, "namespace-keycloak"), "");
        fs.rmSync(path.join(box.state, "applied.yaml"));
        const exists = box.run(VELERO, ["--namespace", "keycloak", "--backup", "b1", "--yes"], env);
        assert.equal(exists.status, 1);
        assert.match(exists.stderr, /namespace keycloak exists/);
        assert.ok(!fs.existsSync(path.join(box.state, "applied.yaml")), "nothing applied");
        fs.writeFileSync(path.join(box.state, "restore-phase"), "PartiallyFailed");
        const partial = box.run(VELERO, ["--namespace", "keycloak", "--backup", "b1", "--into", "kc2", "--yes"], env);
        assert.equal(partial.status, 1);
        assert.match(partial.stderr, /PartiallyFailed/);
    });
});
