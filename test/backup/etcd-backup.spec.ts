// EtcdBackup's node files: the snapshot script run for real against fake crictl/kubectl/curl (the
// contract the upgrade steps rely on), the systemd units through `systemd-analyze verify`, and the
// install bundle through shellcheck. No mock program: test/backup/components.spec.ts runs it.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    backupFiles,
    CA_FILE,
    CONFIG_FILE,
    configFile,
    renderInstallScript,
    renderRemoveScript,
    serviceUnit,
    SNAPSHOT_COMMAND,
    timerUnit,
} from "../../components/etcd-backup/files";
import { renderNodeBundle } from "../../components/vm-node/node-command";
import { extractEmbeddedFiles } from "../../components/vm-node/script";
import { shellcheckAll } from "../stacks/shellcheck-all";
import { requireTool } from "../support/offline";
import { backupSandbox, BackupSandbox } from "./sandbox";

const SCRIPT = path.join(__dirname, "..", "..", "components", "etcd-backup", "platform-etcd-snapshot.sh");
const VALUES = {
    clusterName: "mgmt",
    node: "mgmt-cp-1",
    s3Endpoint: "https://192.168.64.202/",
    region: "us-east-1",
    caPem: "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n",
};
const SECRET_KEY = 'sk-fake"secret\\with-quote';

describe("EtcdBackup: the files and scripts a control-plane node gets", () => {
    const files = backupFiles(VALUES);
    const install = renderInstallScript(files);

    it("installs the snapshot command at the path the upgrade steps call, with its config, the CA and both units", () => {
        assert.deepEqual(
            files.map((f) => [f.path, f.mode]),
            [
                [SNAPSHOT_COMMAND, "0755"],
                [CONFIG_FILE, "0644"],
                [CA_FILE, "0644"],
                ["/etc/systemd/system/platform-etcd-snapshot.service", "0644"],
                ["/etc/systemd/system/platform-etcd-snapshot.timer", "0644"],
            ],
        );
        assert.equal(SNAPSHOT_COMMAND, "/usr/local/sbin/platform-etcd-snapshot");
        assert.deepEqual(extractEmbeddedFiles(install), files, "the install script writes exactly these files");
        assert.match(install, /systemctl enable --now platform-etcd-snapshot\.timer/);
    });

    it("configures bucket velero, prefix etcd/<cluster>/<node>, the endpoint without a trailing slash, and no credential", () => {
        const config = configFile(VALUES);
        assert.match(config, /^BUCKET='velero'$/m);
        assert.match(config, /^PREFIX='etcd\/mgmt\/mgmt-cp-1'$/m);
        assert.match(config, /^S3_ENDPOINT='https:\/\/192\.168\.64\.202'$/m);
        assert.match(config, /^REGION='us-east-1'$/m);
        assert.match(config, /^RETENTION_DAYS='14'$/m);
        assert.match(config, /^SECRET_NAMESPACE='kube-system'$/m);
        assert.doesNotMatch(config, /secretAccessKey|aws_secret/i);
    });

    it("times a snapshot every 6 hours, persistent across a stopped VM, with a random delay", () => {
        const timer = timerUnit();
        assert.match(timer, /^OnCalendar=\*-\*-\* 00\/6:00:00$/m);
        assert.match(timer, /^Persistent=true$/m);
        assert.match(timer, /^RandomizedDelaySec=\S+$/m);
        assert.match(serviceUnit(), new RegExp(`^ExecStart=${SNAPSHOT_COMMAND}$`, "m"));
        const calendar = spawnSync("systemd-analyze", ["calendar", "--iterations=4", "*-*-* 00/6:00:00"], { encoding: "utf8" });
        if (calendar.status === 0) {
            const hours = [...calendar.stdout.matchAll(/ (\d\d):00:00 UTC/g)].map((m) => Number(m[1]));
            assert.equal(hours.length, 4);
            hours.slice(1).forEach((h, i) => assert.equal((h - hours[i] + 24) % 24, 6, calendar.stdout));
        }
    });

    it("passes systemd-analyze verify (no warning either), which does catch a broken unit", function () {
        requireTool(this, "systemd-analyze");
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "units-"));
        // The units' dependencies (sysinit.target, timers.target) come from the host's unit directory.
        fs.mkdirSync(path.join(root, "lib", "systemd"), { recursive: true });
        spawnSync("cp", ["-a", "/lib/systemd/system", path.join(root, "lib", "systemd")]);
        const units = path.join(root, "etc", "systemd", "system");
        fs.mkdirSync(units, { recursive: true });
        fs.mkdirSync(path.join(root, path.dirname(SNAPSHOT_COMMAND)), { recursive: true });
        fs.writeFileSync(path.join(root, SNAPSHOT_COMMAND), "#!/bin/bash\n", { mode: 0o755 });
        const verify = (timer: string, service: string) => {
            fs.writeFileSync(path.join(units, "platform-etcd-snapshot.timer"), timer);
            fs.writeFileSync(path.join(units, "platform-etcd-snapshot.service"), service);
            const files = ["timer", "service"].map((k) => path.join(units, `platform-etcd-snapshot.${k}`));
            const r = spawnSync("systemd-analyze", ["verify", `--root=${root}`, ...files], { encoding: "utf8" });
            return `${r.status === 0 ? "" : `exit ${r.status} `}${r.stdout}${r.stderr}`.trim();
        };
        try {
            assert.equal(verify(timerUnit(), serviceUnit()), "");
            assert.notEqual(verify(timerUnit().replace("00/6:00:00", "every six hours"), serviceUnit()), "", "a bad calendar must fail");
            assert.notEqual(verify(timerUnit(), serviceUnit().replace("Type=oneshot", "Type=oneshoot")), "", "a bad service type must be reported");
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("passes shellcheck: the snapshot script, and the create/update/delete bundle as it reaches the node", function () {
        requireTool(this, "shellcheck");
        const bundle = renderNodeBundle("etcd backup", { create: install, update: install, delete: renderRemoveScript() });
        assert.equal(shellcheckAll({ "platform-etcd-snapshot": fs.readFileSync(SCRIPT, "utf8"), bundle }), "");
        assert.match(fs.readFileSync(SCRIPT, "utf8"), /^set -euo pipefail$/m);
    });
});

describe("platform-etcd-snapshot, run against fakes", () => {
    let box: BackupSandbox;
    let snapshots: string;
    let env: Record<string, string>;
    const bucket = () => path.join(box.state, "s3", "velero", "etcd", "mgmt", "mgmt-cp-1");

    before(function () {
        requireTool(this, "flock");
        box = backupSandbox();
        snapshots = path.join(box.root, "backups");
        const dataDir = path.join(box.root, "var-lib-etcd");
        fs.mkdirSync(dataDir);
        const manifest = path.join(box.root, "etcd.yaml");
        fs.writeFileSync(manifest, `spec:\n  containers:\n  - command:\n    - etcd\n    - --data-dir=${dataDir}\n    - --name=mgmt-cp-1\n`);
        const config = configFile(VALUES)
            .replace(/^SNAPSHOT_DIR=.*$/m, `SNAPSHOT_DIR='${snapshots}'`)
            .replace(/^ETCD_MANIFEST=.*$/m, `ETCD_MANIFEST='${manifest}'`)
            .replace(/^CA_FILE=.*$/m, `CA_FILE='${path.join(box.root, "ca.pem")}'`);
        fs.writeFileSync(path.join(box.root, "config"), config);
        env = { PLATFORM_ETCD_BACKUP_CONFIG: path.join(box.root, "config") };
    });
    after(() => box?.remove());
    beforeEach(() => {
        box.clear();
        for (const f of fs.readdirSync(box.state)) {
            fs.rmSync(path.join(box.state, f), { recursive: true, force: true });
        }
    });

    it("snapshots, verifies with etcdutl, uploads signed with the key from stdin, and prints exactly where it went", () => {
        const r = box.run(SCRIPT, [], env);
        assert.equal(r.status, 0, r.stderr);
        const lines = r.stdout.trimEnd().split("\n");
        assert.equal(lines.length, 2, r.stdout);
        const [, local] = /^snapshot=(.+)$/.exec(lines[0]) ?? [];
        const [, url] = /^uploaded=(.+)$/.exec(lines[1]) ?? [];
        assert.match(path.basename(local), /^etcd-mgmt-cp-1-\d{8}T\d{6}Z\.db$/);
        assert.equal(path.dirname(local), snapshots);
        assert.equal(url, `https://192.168.64.202/velero/etcd/mgmt/mgmt-cp-1/${path.basename(local)}`);
        assert.equal(fs.readFileSync(path.join(bucket(), path.basename(local)), "utf8"), "etcd-snapshot-bytes", "the S3 copy is the snapshot");
        const calls = box.calls();
        const save = calls.findIndex((c) => / exec id-etcd etcdctl .* snapshot save /.test(c));
        const status = calls.findIndex((c) => / exec id-etcd etcdutl snapshot status /.test(c));
        const upload = calls.findIndex((c) => c.startsWith("curl ") && c.includes("--upload-file"));
        assert.ok(save >= 0 && save < status && status < upload, calls.join("\n"));
        assert.match(calls[upload], /--aws-sigv4 aws:amz:us-east-1:s3 /);
        assert.match(calls[upload], new RegExp(`--cacert ${path.join(box.root, "ca.pem")} `));
        assert.ok(!calls.some((c) => c.includes("sk-fake")), "the secret key never appears in a command line");
        assert.equal(fs.readFileSync(path.join(box.state, "curl-config"), "utf8"), `user = "AKIAFAKE0123456789AB:${SECRET_KEY.replace(/[\\"]/g, "\\$&")}"\n`);
    });

    it("prunes snapshots older than 14 days, locally and in S3, and keeps younger ones", () => {
        fs.mkdirSync(snapshots, { recursive: true });
        fs.mkdirSync(bucket(), { recursive: true });
        const day = 24 * 3600 * 1000;
        for (const [name, age] of [
            ["etcd-mgmt-cp-1-20200101T000000Z.db", 15],
            ["etcd-mgmt-cp-1-20200102T000000Z.db", 13],
        ] as const) {
            fs.writeFileSync(path.join(snapshots, name), "old");
            fs.writeFileSync(path.join(bucket(), name), "old");
            const t = new Date(Date.now() - age * day);
            fs.utimesSync(path.join(snapshots, name), t, t);
        }
        const r = box.run(SCRIPT, [], env);
        assert.equal(r.status, 0, r.stderr);
        assert.ok(!fs.existsSync(path.join(snapshots, "etcd-mgmt-cp-1-20200101T000000Z.db")));
        assert.ok(!fs.existsSync(path.join(bucket(), "etcd-mgmt-cp-1-20200101T000000Z.db")), "the S3 copy goes too");
        assert.ok(fs.existsSync(path.join(snapshots, "etcd-mgmt-cp-1-20200102T000000Z.db")));
        assert.ok(fs.existsSync(path.join(bucket(), "etcd-mgmt-cp-1-20200102T000000Z.db")));
    });

    it("fails, keeping nothing and uploading nothing, when etcdutl snapshot status refuses the snapshot", () => {
        const before = fs.existsSync(snapshots) ? fs.readdirSync(snapshots).length : 0;
        fs.writeFileSync(path.join(box.state, "corrupt"), "");
        const r = box.run(SCRIPT, [], env);
        assert.notEqual(r.status, 0);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /etcdutl snapshot status refused/);
        assert.equal(fs.readdirSync(snapshots).length, before);
        assert.ok(!box.calls().some((c) => c.startsWith("curl ")));
    });

    it("fails when S3 is unreachable, keeping the local snapshot and saying so", () => {
        fs.writeFileSync(path.join(box.state, "s3-down"), "");
        const r = box.run(SCRIPT, [], env);
        assert.notEqual(r.status, 0);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /upload to https:\/\/192\.168\.64\.202\/velero\/etcd\/mgmt\/mgmt-cp-1\/\S+ failed; \S+ is kept locally only/);
    });

    it("fails when no etcd container runs, and when its config is missing", () => {
        fs.writeFileSync(path.join(box.state, "no-etcd"), "");
        const none = box.run(SCRIPT, [], env);
        assert.notEqual(none.status, 0);
        assert.match(none.stderr, /no running etcd container/);
        const noConfig = box.run(SCRIPT, [], { PLATFORM_ETCD_BACKUP_CONFIG: path.join(box.root, "absent") });
        assert.notEqual(noConfig.status, 0);
        assert.match(noConfig.stderr, /is missing/);
    });
});
