/**
 * Rolling upgrades (components/kubeadm-cluster/upgrade.ts): the pure step list for patch and minor
 * bumps, the scripts run for real in a throwaway node with fakes (node-sandbox.ts), the config
 * guard's version rules, and the Cilium operator's PodDisruptionBudget. No mock program runs here:
 * test/scenarios/day2.spec.ts plans the bumps.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import { validateKubeadmClusterArgs } from "../../components/kubeadm-cluster";
import { kubeadmSteps, KubeadmStep, parseStepId, StepValues } from "../../components/kubeadm-cluster/steps";
import { CORDONED_FOR_UPGRADE, ETCD_SNAPSHOT_COMMAND, UPGRADE_PENDING_FILE, upgradeSteps } from "../../components/kubeadm-cluster/upgrade";
import { ciliumValues } from "../../components/cilium-mesh";
import { renderNodeBundle } from "../../components/vm-node/node-command";
import { configGuardCommand, guardRefusals, guardSettings, guardVersionSupport } from "../../config/guard";
import { StackConfig } from "../../config/model";
import { validateStackConfig } from "../../config/validate";
import { requireTool, shippedConfig } from "../support/offline";
import { shellcheckAll } from "../stacks/shellcheck-all";
import { makeSandbox, Sandbox, requireSandbox } from "./node-sandbox";

const NETWORK = { podCidr: "10.100.0.0/16", serviceCidr: "10.96.0.0/16" };
const HA = { controlPlanes: ["cp-0", "cp-1", "cp-2"], workers: ["w-0", "w-1"] };
const SINGLE = { controlPlanes: ["cp-0"], workers: ["w-0"] };
const steps = (version: string, nodes = HA) => upgradeSteps({ clusterName: "c", kubernetesVersion: version, network: NETWORK }, nodes);
const NO_VALUES: StepValues = { ips: {}, read: {} };
const bundle = (s: KubeadmStep) => renderNodeBundle(s.id, { create: s.create(NO_VALUES), update: s.update?.(NO_VALUES) });
const script = (version: string, id: string, nodes = HA) => (steps(version, nodes).find((s) => s.id === id) as KubeadmStep).create(NO_VALUES);

describe("upgrade steps: the pure step list", () => {
    it("orders preflight, snapshot, control planes one at a time (first applies), then per worker drain, upgrade, uncordon", () => {
        for (const version of ["v1.35.10", "v1.36.0"]) {
            assert.deepStrictEqual(
                steps(version).map((s) => [s.id, s.node, s.waitsFor.join(",")]),
                [
                    ["upgrade-preflight", "cp-0", "kubeconfig"],
                    ["upgrade-snapshot", "cp-0", "upgrade-preflight"],
                    ["upgrade-cp-0", "cp-0", "upgrade-snapshot"],
                    ["upgrade-cp-1", "cp-1", "upgrade-cp-0"],
                    ["upgrade-cp-2", "cp-2", "upgrade-cp-1"],
                    ["drain-w-0", "cp-0", "upgrade-cp-2"],
                    ["upgrade-w-0", "w-0", "drain-w-0"],
                    ["uncordon-w-0", "cp-0", "upgrade-w-0"],
                    ["drain-w-1", "cp-0", "uncordon-w-0"],
                    ["upgrade-w-1", "w-1", "drain-w-1"],
                    ["uncordon-w-1", "cp-0", "upgrade-w-1"],
                ],
            );
        }
        assert.deepStrictEqual(
            steps("v1.35.10", SINGLE).map((s) => s.id),
            ["upgrade-preflight", "upgrade-snapshot", "upgrade-cp-0", "drain-w-0", "upgrade-w-0", "uncordon-w-0"],
        );
        // They follow the whole runbook: its last step is the one the preflight waits for.
        const runbook = kubeadmSteps({ clusterName: "c", kubernetesVersion: "v1.35.10", network: NETWORK }, HA);
        assert.strictEqual(runbook[runbook.length - 1].id, "kubeconfig");
    });

    it("the version is an input (the scripts), never a trigger; create and update are one script; nothing is secret or deleted", () => {
        const [patch, minor] = [steps("v1.35.10"), steps("v1.36.0")];
        for (const [i, s] of patch.entries()) {
            const node = parseStepId(s.id)?.node ?? "cp-0";
            assert.deepStrictEqual(s.triggers, [{ machineOf: node }, { outputOf: "init" }], s.id);
            assert.deepStrictEqual(minor[i].triggers, s.triggers, `${s.id}: a version change must not replace`);
            assert.notStrictEqual(minor[i].create(NO_VALUES), s.create(NO_VALUES), `${s.id}: a version change must update`);
            assert.strictEqual(s.update?.(NO_VALUES), s.create(NO_VALUES), s.id);
            assert.strictEqual(s.delete, undefined, s.id);
            assert.strictEqual(s.secret, false, s.id);
            assert.strictEqual(s.deleteBeforeReplace, false, s.id);
            assert.strictEqual(s.onlyAtCreation, undefined, s.id);
            assert.deepStrictEqual(s.files(NO_VALUES), [], s.id);
        }
    });

    it("init and the joins do not hold the version: a bump leaves every one of their scripts and files as they were", () => {
        const values = (s: KubeadmStep): StepValues => ({
            ips: Object.fromEntries(s.ipsOf.map((n, i) => [n, `192.168.64.${10 + i}`])),
            read: {},
        });
        const init = (version: string) => kubeadmSteps({ clusterName: "c", kubernetesVersion: version, network: NETWORK }, HA)[0];
        const [a, b] = [init("v1.35.9"), init("v1.36.0")];
        assert.strictEqual(a.create(values(a)), b.create(values(b)));
        assert.strictEqual(a.update?.(values(a)), b.update?.(values(b)));
        assert.match(a.files(values(a))[2].content, /^kubernetesVersion: installed-kubeadm-version$/m);
        assert.match(a.create(values(a)), /kubeadm_version=\$\(kubeadm version -o short\)/);
    });

    it("the first control plane runs kubeadm upgrade apply; the others kubeadm upgrade node, never apply (the seed ran apply on every one)", () => {
        assert.match(script("v1.35.10", "upgrade-cp-0"), /^ {2}if ! kubeadm upgrade apply -y v1\.35\.10 >/m);
        for (const id of ["upgrade-cp-1", "upgrade-cp-2", "upgrade-w-0"]) {
            assert.match(script("v1.35.10", id), /if ! kubeadm upgrade node >/, id);
            assert.doesNotMatch(script("v1.35.10", id), /upgrade apply/, id);
        }
    });

    it("switches the package repository to the target minor and pins kubeadm, then kubelet and kubectl, at the target", () => {
        const cp = script("v1.36.0", "upgrade-cp-0");
        assert.match(cp, /https:\/\/pkgs\.k8s\.io\/core:\/stable:\/v1\.36\/deb\//);
        const kubeadm = cp.indexOf("kubeadm='1.36.0-*'");
        const apply = cp.indexOf("kubeadm upgrade apply");
        const kubelet = cp.indexOf("kubelet='1.36.0-*' kubectl='1.36.0-*'");
        assert.ok(kubeadm > 0 && apply > kubeadm && kubelet > apply, "kubeadm, then apply, then kubelet/kubectl");
        assert.match(cp, /apt-mark hold kubelet kubectl/);
        assert.match(script("v1.36.0", "upgrade-preflight"), /kubeadm upgrade plan v1\.36\.0/);
    });

    it("drains through the eviction API with a timeout, never forced", () => {
        const drain = script("v1.35.10", "drain-w-0");
        assert.match(drain, /kubectl drain 'w-0' --ignore-daemonsets --delete-emptydir-data --timeout=600s/);
        for (const s of steps("v1.35.10")) {
            // apt's --force-confold is not kubectl's --force.
            assert.doesNotMatch(s.create(NO_VALUES), /--force(\s|$)|--disable-eviction/, s.id);
        }
    });

    it("every bundle parses and passes shellcheck", function () {
        requireTool(this, "shellcheck");
        const bundles = Object.fromEntries(steps("v1.36.0").map((s) => [s.id, bundle(s)]));
        assert.strictEqual(shellcheckAll(bundles), "");
    });

    it("refuses a node name that would make a step id twice", () => {
        const node = (nodeName: string) => ({ nodeName }) as never;
        const args = (names: string[]) => ({ config: { network: NETWORK }, controlPlanes: [node("cp-0")], workers: names.map(node) }) as never;
        assert.throws(() => validateKubeadmClusterArgs("c", args(["preflight"])), /node name preflight is reserved/);
        assert.doesNotThrow(() => validateKubeadmClusterArgs("c", args(["w-0"])));
    });
});

/** Fakes for the upgrade: kubeadm, kubectl, kubelet, apt and friends acting on the sandbox's state files. */
const FAKES: Record<string, string> = {
    kubeadm: `
log kubeadm "$@"
case "$1 \${2:-}" in
  "version "*) cat "$FAKE_STATE/kubeadm-version" ;;
  "upgrade plan") if [ -e "$FAKE_STATE/plan-refuses" ]; then echo "[upgrade/version] FATAL: the target is not allowed"; exit 1; fi; echo "You can now apply the upgrade" ;;
  "upgrade apply")
    if [ -e "$FAKE_STATE/apply-fails" ]; then echo "[upgrade/apply] FATAL: static pod kube-apiserver did not come up"; exit 1; fi
    target=$4
    echo "$target" > "$FAKE_STATE/cluster-version"
    echo "    image: registry.k8s.io/kube-apiserver:$target" > /etc/kubernetes/manifests/kube-apiserver.yaml ;;
  "upgrade node")
    if [ -e /etc/kubernetes/manifests/kube-apiserver.yaml ]; then
      echo "    image: registry.k8s.io/kube-apiserver:$(cat "$FAKE_STATE/cluster-version")" > /etc/kubernetes/manifests/kube-apiserver.yaml
    fi ;;
  *) echo "fake kubeadm: unexpected $*" >&2; exit 3 ;;
esac`,
    kubectl: `
log kubectl "$@"
args="$*"
after() { local want=$1; shift; while [ $# -gt 1 ]; do if [ "$1" = "$want" ]; then echo "$2"; return; fi; shift; done; }
node=$(after node "$@")
case "$args" in
  *"get configmap kubeadm-config"*) echo "kubernetesVersion: $(cat "$FAKE_STATE/cluster-version")" ;;
  *"get node"*"kubeletVersion} {"*) printf '%s True' "$(cat "$FAKE_STATE/node-version/$node")" ;;
  *"get node"*kubeletVersion*) cat "$FAKE_STATE/node-version/$node" ;;
  *"get node"*annotations*) cat "$FAKE_STATE/annotated/$node" 2>/dev/null || true ;;
  *"annotate node"*"upgrade-" ) rm -f "$FAKE_STATE/annotated/$node" ;;
  *"annotate node"*) mkdir -p "$FAKE_STATE/annotated"; echo "\${args##*=}" > "$FAKE_STATE/annotated/$node" ;;
  "cordon "*) touch "$FAKE_STATE/cordoned-$2" ;;
  "uncordon "*) rm -f "$FAKE_STATE/cordoned-$2" ;;
  "drain "*) if [ -e "$FAKE_STATE/drain-fails" ]; then echo "error: Cannot evict pod as it would violate the pod's disruption budget." >&2; exit 1; fi ;;
  *) echo "fake kubectl: unexpected $args" >&2; exit 3 ;;
esac`,
    kubelet: `echo "Kubernetes $(cat "$FAKE_STATE/kubelet-version")"`,
    containerd: 'echo "containerd github.com/containerd/containerd/v2 2.2.1 dd1cf1a"',
    "apt-get": `
log apt-get "$@"
for a in "$@"; do
  case "$a" in
    kubeadm=*) v=\${a#kubeadm=}; echo "v\${v%-\\*}" > "$FAKE_STATE/kubeadm-version" ;;
    kubelet=*) v=\${a#kubelet=}; echo "v\${v%-\\*}" > "$FAKE_STATE/kubelet-version" ;;
  esac
done`,
    "apt-mark": 'log apt-mark "$@"',
    curl: 'log curl "$@"; echo "-----BEGIN PGP PUBLIC KEY BLOCK-----"',
    gpg: 'log gpg "$@"; cat > /dev/null; touch "$4"',
    // A restarted kubelet reports its version to the API server.
    systemctl: 'log systemctl "$@"; if [ "$1" = restart ]; then cp "$FAKE_STATE/kubelet-version" "$FAKE_STATE/node-version/$(cat "$FAKE_STATE/self")"; fi',
};

describe("upgrade steps, run in a throwaway node", function () {
    let node: Sandbox;
    before(function () {
        requireSandbox(this);
    });
    /** A node named `self` running `running` (kubelet, kubeadm, cluster), a control-plane node unless `worker`. */
    const boot = (self: string, running: string, worker = false) => {
        node = makeSandbox();
        for (const [name, body] of Object.entries(FAKES)) {
            node.fake(name, body);
        }
        for (const f of ["kubelet-version", "kubeadm-version", "cluster-version", `node-version/${self}`]) {
            node.set(f, `${running}\n`);
        }
        node.set("self", self);
        if (!worker) {
            fs.writeFileSync(node.host("/etc/kubernetes/manifests/kube-apiserver.yaml"), `    image: registry.k8s.io/kube-apiserver:${running}\n`);
            fs.writeFileSync(node.host("/etc/kubernetes/admin.conf"), "admin");
        }
    };
    afterEach(() => node?.remove());
    const run = (version: string, id: string, op = "update", nodes = SINGLE) =>
        node.run(bundle(steps(version, nodes).find((s) => s.id === id) as KubeadmStep), op);
    const state = (name: string) => fs.readFileSync(`${node.state}/${name}`, "utf8").trim();
    const changing = (calls: string[]) =>
        calls.filter((c) => /^(apt-get|kubeadm upgrade (apply|node)|systemctl|kubectl (cordon|drain|uncordon|annotate))/.test(c));

    it("preflight: the target kubeadm from the target minor's repository, then kubeadm upgrade plan; a refusal fails and says the cluster is unchanged", () => {
        boot("cp-0", "v1.35.9");
        node.set("plan-refuses");
        const refused = run("v1.36.0", "upgrade-preflight");
        assert.strictEqual(refused.status, 1);
        assert.match(refused.stderr, /kubeadm-upgrade-plan failed; last lines of .*\n\[upgrade\/version\] FATAL: the target is not allowed/);
        assert.match(
            refused.stderr,
            /kubeadm upgrade plan refuses v1\.36\.0: the cluster is unchanged \(only kubeadm on cp-0 is at v1\.36\.0\)\. .*set platform:cluster\.kubernetesVersion back to v1\.35\.9/,
        );
        assert.match(fs.readFileSync(node.host("/etc/apt/sources.list.d/kubernetes.list"), "utf8"), /core:\/stable:\/v1\.36\/deb\//);
        assert.ok(!node.calls().some((c) => /upgrade apply|upgrade node/.test(c)), "nothing but the plan ran");
        node.unset("plan-refuses");
        node.clearLog();
        const accepted = run("v1.36.0", "upgrade-preflight");
        assert.strictEqual(accepted.status, 0, accepted.stderr);
        assert.ok(node.calls().includes("kubeadm upgrade plan v1.36.0"), node.calls().join("\n"));
    });

    it("preflight and snapshot on a cluster at the target (first up, re-run) touch nothing", () => {
        boot("cp-0", "v1.35.9");
        for (const id of ["upgrade-preflight", "upgrade-snapshot", "upgrade-cp-0"]) {
            const r = run("v1.35.9", id, "create");
            assert.strictEqual(r.status, 0, `${id}: ${r.stderr}`);
        }
        assert.deepStrictEqual(changing(node.calls()), []);
        assert.ok(!node.calls().some((c) => c.startsWith("curl") || c.startsWith("kubeadm upgrade")), node.calls().join("\n"));
    });

    it("snapshot: without the D2 snapshot script the upgrade does not start, with a clear message; with it, it runs", () => {
        boot("cp-0", "v1.35.9");
        const missing = run("v1.35.10", "upgrade-snapshot");
        assert.strictEqual(missing.status, 1);
        assert.match(
            missing.stderr,
            /\/usr\/local\/sbin\/platform-etcd-snapshot is missing on cp-0: .*The upgrade to v1\.35\.10 does not start without an etcd snapshot/,
        );
        // /usr is not in the sandbox: the same script with the command at a path that is.
        const fake = "/run/platform-etcd-snapshot";
        fs.writeFileSync(node.host(fake), `#!/bin/bash\necho snapshot >> ${node.state}/snapshots\n`, { mode: 0o755 });
        const s = steps("v1.35.10", SINGLE).find((x) => x.id === "upgrade-snapshot") as KubeadmStep;
        const body = s.create(NO_VALUES).split(ETCD_SNAPSHOT_COMMAND).join(fake);
        const taken = node.run(renderNodeBundle(s.id, { create: body }), "create");
        assert.strictEqual(taken.status, 0, taken.stderr);
        assert.strictEqual(state("snapshots"), "snapshot");
    });

    it("first control plane: apply, then kubelet and kubectl, restart, wait; a failed apply leaves it pending and the re-run applies again; then a no-op", () => {
        boot("cp-0", "v1.35.9");
        node.set("apply-fails");
        const failed = run("v1.35.10", "upgrade-cp-0");
        assert.strictEqual(failed.status, 1);
        assert.match(
            failed.stderr,
            /kubeadm upgrade apply -y v1\.35\.10 failed on cp-0; .*run pulumi up again: it runs kubeadm upgrade apply -y v1\.35\.10 again/,
        );
        assert.ok(fs.existsSync(node.host(UPGRADE_PENDING_FILE)), "pending after a failed apply");
        assert.strictEqual(state("kubelet-version"), "v1.35.9", "the kubelet waits for the control plane");
        node.unset("apply-fails");
        node.clearLog();
        const done = run("v1.35.10", "upgrade-cp-0");
        assert.strictEqual(done.status, 0, done.stderr);
        const calls = changing(node.calls());
        const at = (p: RegExp) => calls.findIndex((c) => p.test(c));
        assert.ok(at(/kubeadm=1\.35\.10-\*/) < at(/^kubeadm upgrade apply -y v1\.35\.10$/), calls.join("\n"));
        assert.ok(at(/^kubeadm upgrade apply/) < at(/kubelet=1\.35\.10-\* kubectl=1\.35\.10-\*/), calls.join("\n"));
        assert.ok(at(/kubelet=/) < at(/^systemctl restart kubelet$/), calls.join("\n"));
        assert.ok(!fs.existsSync(node.host(UPGRADE_PENDING_FILE)));
        assert.strictEqual(state("node-version/cp-0"), "v1.35.10");
        node.clearLog();
        const again = run("v1.35.10", "upgrade-cp-0");
        assert.strictEqual(again.status, 0, again.stderr);
        assert.deepStrictEqual(changing(node.calls()), [], "a re-run after success is a no-op");
    });

    it("another control plane runs kubeadm upgrade node once the cluster is at the target", () => {
        boot("cp-1", "v1.35.9");
        node.set("cluster-version", "v1.35.10\n");
        const r = run("v1.35.10", "upgrade-cp-1", "update", HA);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.ok(node.calls().includes("kubeadm upgrade node"));
        assert.ok(!node.calls().some((c) => c.includes("upgrade apply")));
        assert.match(fs.readFileSync(node.host("/etc/kubernetes/manifests/kube-apiserver.yaml"), "utf8"), /kube-apiserver:v1\.35\.10/);
    });

    it("drain: a drain that cannot finish exits 1, leaves the node cordoned and marked, and never forces", () => {
        boot("cp-0", "v1.35.9");
        node.set("node-version/w-0", "v1.35.9\n");
        node.set("drain-fails");
        const r = run("v1.35.10", "drain-w-0");
        assert.strictEqual(r.status, 1);
        assert.match(r.stderr, /Cannot evict pod as it would violate the pod's disruption budget/);
        assert.match(r.stderr, /The upgrade stops here and w-0 stays cordoned; nothing was forced\. .*run pulumi up again: it resumes with this drain/);
        assert.ok(fs.existsSync(`${node.state}/cordoned-w-0`), "still cordoned");
        assert.strictEqual(state("annotated/w-0"), "v1.35.10");
        assert.ok(
            node.calls().every((c) => !/--force(\s|$)|--disable-eviction/.test(c)),
            node.calls().join("\n"),
        );
        // The uncordon step is not reached: the engine stops at the failed drain; a later run resumes with it.
        node.unset("drain-fails");
        assert.strictEqual(run("v1.35.10", "drain-w-0").status, 0);
    });

    it("worker: drain, kubeadm upgrade node and kubelet, uncordon once Ready at the target; every step again is a no-op", () => {
        boot("w-0", "v1.35.9", true);
        node.set("node-version/w-0", "v1.35.9\n");
        // One sandbox plays both nodes: the first control plane's kubectl and the worker's packages.
        fs.writeFileSync(node.host("/etc/kubernetes/admin.conf"), "admin");
        for (const id of ["drain-w-0", "upgrade-w-0", "uncordon-w-0"]) {
            const r = run("v1.35.10", id);
            assert.strictEqual(r.status, 0, `${id}: ${r.stderr}`);
        }
        const calls = changing(node.calls());
        const order = [
            /^kubectl annotate node w-0 --overwrite/,
            /^kubectl cordon w-0/,
            /^kubectl drain w-0/,
            /^kubeadm upgrade node$/,
            /^systemctl restart kubelet$/,
            /^kubectl uncordon w-0/,
        ];
        const at = order.map((p) => calls.findIndex((c) => p.test(c)));
        assert.ok(
            at.every((i, k) => i >= 0 && (k === 0 || at[k - 1] < i)),
            calls.join("\n"),
        );
        assert.ok(!fs.existsSync(`${node.state}/cordoned-w-0`) && !fs.existsSync(`${node.state}/annotated/w-0`));
        node.clearLog();
        for (const id of ["drain-w-0", "upgrade-w-0", "uncordon-w-0"]) {
            assert.strictEqual(run("v1.35.10", id).status, 0, id);
        }
        assert.deepStrictEqual(changing(node.calls()), [], "a re-run after success is a no-op");
    });

    it("uncordon lifts only the upgrade's own cordon", () => {
        boot("cp-0", "v1.35.10");
        node.set("node-version/w-0", "v1.35.10\n");
        node.set("cordoned-w-0");
        const r = run("v1.35.10", "uncordon-w-0");
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stderr, /w-0 was not cordoned for an upgrade: nothing to uncordon/);
        assert.ok(fs.existsSync(`${node.state}/cordoned-w-0`), "someone else's cordon stays");
        assert.ok(CORDONED_FOR_UPGRADE.endsWith("/cordoned-for-upgrade"));
    });
});

/** mgmt's shipped config, validated. */
function mgmt(): StackConfig {
    const raw = Object.fromEntries(Object.entries(shippedConfig("mgmt")).map(([k, v]) => [k.replace(/^platform:/, ""), v]));
    const result = validateStackConfig(raw);
    assert.ok(result.ok);
    return result.config;
}

describe("config guard: what a Kubernetes version change may be", () => {
    const key = "platform:cluster.kubernetesVersion";
    const settings = guardSettings(mgmt());
    const change = (from: string, to: string, support = guardVersionSupport()) =>
        guardRefusals({ ...settings, [key]: from }, { ...settings, [key]: to }, support);

    it("lets a patch bump and a one-minor bump through (the upgrade steps apply them)", () => {
        assert.deepStrictEqual(change("v1.35.9", "v1.35.10"), []);
        assert.deepStrictEqual(change("v1.35.9", "v1.36.0"), []);
    });

    it("refuses a target the pinned Cilium or containerd does not support, naming the pin and the fix", () => {
        const [refusal] = change("v1.36.4", "v1.37.0");
        assert.ok(
            refusal.startsWith(
                `${key}: the running cluster has v1.36.4, the config now says v1.37.0. Cilium 1.20.0 (CHARTS.cilium in config/versions.ts) supports`,
            ),
            refusal,
        );
        assert.match(
            refusal,
            /containerd 2\.2\.1 \(NODE_PACKAGES in config\/versions\.ts\) supports Kubernetes 1\.35, 1\.36 only, not 1\.37: pin a release that supports 1\.37 first/,
        );
        assert.match(refusal, /or set it back to v1\.36\.4\.$/);
        // Each component on its own.
        const only = (pin: string, minors: string[]) => change("v1.35.9", "v1.36.0", [{ pin, minors }]);
        assert.deepStrictEqual(only("Cilium X", ["1.35", "1.36"]), []);
        assert.match(only("Cilium X", ["1.35"])[0], /Cilium X supports Kubernetes 1\.35 only, not 1\.36/);
    });

    it("refuses a minor skip and a downgrade; other keys keep their refusals", () => {
        assert.match(change("v1.34.2", "v1.36.0")[0], /kubeadm upgrades one minor at a time .*set v1\.35\.x \(its newest patch\) first/);
        assert.match(change("v1.35.9", "v1.35.8")[0], /Set it back to v1\.35\.9\. kubeadm upgrades forward only/);
        assert.match(change("v1.36.0", "v1.35.9")[0], /kubeadm upgrades forward only/);
        const renamed = guardRefusals(settings, { ...settings, "platform:cluster.name": "hub" });
        assert.match(renamed[0], /^platform:cluster\.name: the running cluster has mgmt, the config now says hub\. Set it back to mgmt\./);
    });

    it("the guard program itself (node, as pulumi-command runs it) carries the support table: v1.36 → v1.37 exits 1", () => {
        const cmd = configGuardCommand(mgmt());
        const runGuard = (version: string, op: string, previous?: string) => {
            const env: Record<string, string | undefined> = { ...process.env, ...cmd.environment, [key]: version, PULUMI_COMMAND_STDOUT: previous };
            if (previous === undefined) {
                delete env.PULUMI_COMMAND_STDOUT;
            }
            return spawnSync(cmd.interpreter[0], [...cmd.interpreter.slice(1), op], { env, input: cmd.stdin, encoding: "utf8" });
        };
        const created = runGuard("v1.36.4", cmd.create);
        assert.strictEqual(created.status, 0, created.stderr);
        const refused = runGuard("v1.37.0", cmd.update, created.stdout.trimEnd());
        assert.strictEqual(refused.status, 1);
        assert.deepStrictEqual(refused.stderr.trimEnd().split("\n"), change("v1.36.4", "v1.37.0"));
        assert.strictEqual(runGuard("v1.36.5", cmd.update, created.stdout.trimEnd()).status, 0);
    });
});

describe("PodDisruptionBudgets of the platform's replicated workloads", () => {
    it("Cilium's operator (2 replicas by chart default) gets one that lets a drain evict one at a time", () => {
        const values = ciliumValues({ config: mgmt(), apiServerHost: "192.168.64.10", apiServerPort: 6443, caCert: "Y2E=", caKey: "a2V5" }) as Record<
            string,
            any
        >;
        assert.deepStrictEqual(values.operator.podDisruptionBudget, { enabled: true, maxUnavailable: 1 });
    });
});
