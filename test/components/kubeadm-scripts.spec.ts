/**
 * The kubeadm steps' scripts, run for real as a node would run them (bash -s <op>, as root) in a
 * throwaway node with fake kubeadm/kubectl/crictl (node-sandbox.ts): what each does on a first run,
 * on a retry after each kind of failure, on an update and on delete.
 */
import * as assert from "assert";
import { createHash, X509Certificate } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import {
    bootstrapTokenId,
    parseBootstrapToken,
    parseCaCertHash,
    parseControlPlaneFiles,
    SHARED_CONTROL_PLANE_FILES,
} from "../../components/kubeadm-cluster/credentials";
import { kubeadmSteps, KubeadmStep, StepValues } from "../../components/kubeadm-cluster/steps";
import { renderNodeBundle } from "../../components/vm-node/node-command";
import { makeSandbox, Sandbox, requireSandbox } from "./node-sandbox";

const TOKEN = parseBootstrapToken("abcdef.0123456789abcdef", "test token");
const IPS: Record<string, string> = { "c-cp-0": "192.168.64.10", "c-cp-1": "192.168.64.11", "c-cp-2": "192.168.64.12", "c-worker-0": "192.168.64.13" };
const NETWORK = { podCidr: "10.100.0.0/16", serviceCidr: "10.96.0.0/16" };

/** The CA hash kubeadm join expects, computed here with Node's crypto, not with the script's openssl pipeline. */
function caHashOf(certFile: string): string {
    const spki = new X509Certificate(fs.readFileSync(certFile)).publicKey.export({ type: "spki", format: "der" });
    return `sha256:${createHash("sha256").update(spki).digest("hex")}`;
}

/** A step of a cluster (with a VIP when `ha`), and its bundle rendered from `values`. */
function bundleOf(ha: boolean, id: string, read: StepValues["read"] = {}): { step: KubeadmStep; bundle: string } {
    const steps = kubeadmSteps(
        { clusterName: "c", kubernetesVersion: "v1.35.9", network: ha ? { ...NETWORK, controlPlaneVip: "192.168.64.240" } : NETWORK },
        { controlPlanes: ha ? ["c-cp-0", "c-cp-1", "c-cp-2"] : ["c-cp-0"], workers: ["c-worker-0"] },
    );
    const step = steps.find((s) => s.id === id) as KubeadmStep;
    const values: StepValues = {
        ips: Object.fromEntries(step.ipsOf.map((n) => [n, IPS[n]])),
        token: step.tokenOf ? TOKEN : undefined,
        tokenId: step.tokenIdOf ? bootstrapTokenId(TOKEN) : undefined,
        read,
    };
    return { step, bundle: renderNodeBundle(id, { create: step.create(values), update: step.update?.(values), delete: step.delete?.(values) }) };
}

/** Index of the first logged call matching `pattern`, -1 if none. */
const callIndex = (calls: string[], pattern: RegExp) => calls.findIndex((c) => pattern.test(c));

describe("kubeadm step scripts, run in a throwaway node", function () {
    let node: Sandbox;
    before(function () {
        requireSandbox(this);
    });
    beforeEach(() => {
        node = makeSandbox();
    });
    afterEach(() => node?.remove());

    const write = (nodePath: string, content: string) => {
        fs.mkdirSync(path.dirname(node.host(nodePath)), { recursive: true });
        fs.writeFileSync(node.host(nodePath), content);
    };
    const exists = (nodePath: string) => fs.existsSync(node.host(nodePath));
    const read = (nodePath: string) => fs.readFileSync(node.host(nodePath), "utf8");

    describe("init", () => {
        it("admin.conf present but no kubeadm-config ConfigMap: resets, cleans the CNI state, then runs init", () => {
            write("/etc/kubernetes/admin.conf", "from a timed-out init");
            write("/etc/cni/net.d/05-cilium.conflist", "{}");
            node.set("links/cilium_host");
            node.set("iptables", "*filter\n:INPUT ACCEPT [0:0]\n:CILIUM_INPUT - [0:0]\n-A INPUT -j CILIUM_INPUT\n-A INPUT -s 10.0.0.0/8 -j ACCEPT\nCOMMIT\n");
            const run = node.run(bundleOf(false, "init").bundle, "create");
            assert.strictEqual(run.status, 0, run.stderr);
            const calls = node.calls();
            const reset = callIndex(calls, /^kubeadm reset --force$/);
            const init = callIndex(calls, /^kubeadm init --config \/etc\/kubernetes\/kubeadm\/init\.yaml$/);
            assert.ok(reset >= 0 && init > reset, calls.join("\n"));
            assert.ok(!exists("/etc/cni/net.d/05-cilium.conflist"), "CNI config left behind");
            assert.ok(calls.includes("ip link delete cilium_host"));
            assert.strictEqual(
                fs.readFileSync(path.join(node.state, "iptables-restored"), "utf8"),
                "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 10.0.0.0/8 -j ACCEPT\nCOMMIT\n",
            );
            // The only stdout: the hash kubeadm join verifies the CA by.
            assert.strictEqual(run.stdout, `${caHashOf(node.host("/etc/kubernetes/pki/ca.crt"))}\n`);
            assert.strictEqual(
                read("/etc/kubernetes/kubeadm/cluster-configuration.initialised.yaml"),
                read("/etc/kubernetes/kubeadm/cluster-configuration.yaml"),
            );
            assert.ok(exists("/etc/kubernetes/psa/admission.yaml"), "PSA config written before init");
        });

        it("a fresh node: no reset, init; a failed init shows the log's tail with the token masked and fails", () => {
            node.set("fail-init");
            const failed = node.run(bundleOf(false, "init").bundle, "create");
            assert.strictEqual(failed.status, 1);
            assert.match(
                failed.stderr,
                /kubeadm-init failed; last lines of \/var\/log\/platform\/kubeadm-init\.log \(secrets masked\):\n\[init\] timed out; token <token>/,
            );
            assert.ok(!failed.stderr.includes("abcdef.0123456789abcdef"));
            assert.strictEqual(callIndex(node.calls(), /^kubeadm reset/), -1, "nothing to reset on a fresh node");
        });

        it("a retry once the cluster answers runs no kubeadm and prints the same hash", () => {
            const { bundle } = bundleOf(false, "init");
            const first = node.run(bundle, "create");
            node.clearLog();
            const retry = node.run(bundle, "create");
            assert.strictEqual(retry.status, 0, retry.stderr);
            assert.strictEqual(retry.stdout, first.stdout);
            assert.deepStrictEqual(
                node.calls().filter((c) => c.startsWith("kubeadm")),
                [],
            );
        });

        it("refuses to adopt a cluster it did not initialise", () => {
            write("/etc/kubernetes/admin.conf", "someone else's");
            node.set("cluster-answers");
            const run = node.run(bundleOf(false, "init").bundle, "create");
            assert.strictEqual(run.status, 1);
            assert.match(
                run.stderr,
                /a cluster runs on c-cp-0 that this step did not initialise .*: it is not adopted\. To start over, run kubeadm reset -f on c-cp-0/,
            );
            assert.deepStrictEqual(
                node.calls().filter((c) => c.startsWith("kubeadm")),
                [],
            );
        });

        it("with a VIP: kube-vip runs on super-admin.conf during init, then on admin.conf; waits for the new kube-vip and /readyz on the VIP", () => {
            const run = node.run(bundleOf(true, "init").bundle, "create");
            assert.strictEqual(run.status, 0, run.stderr);
            assert.match(fs.readFileSync(path.join(node.state, "kube-vip-during-init.yaml"), "utf8"), /path: \/etc\/kubernetes\/super-admin\.conf/);
            assert.match(read("/etc/kubernetes/manifests/kube-vip.yaml"), /path: \/etc\/kubernetes\/admin\.conf/);
            assert.doesNotMatch(read("/etc/kubernetes/manifests/kube-vip.yaml"), /super-admin/);
            const calls = node.calls();
            const init = callIndex(calls, /^kubeadm init/);
            const readyz = calls.findIndex((c, i) => i > init && /get --raw=\/readyz$/.test(c) && !c.includes("--server"));
            const vipPolls = calls.filter((c, i) => i > init && i < readyz && /ps --name \^kube-vip\$/.test(c));
            assert.ok(vipPolls.length >= 2, "waits for a kube-vip container other than the one before the switch");
            assert.ok(readyz > init, "waits for /readyz through the VIP (admin.conf's server)");
        });

        it("update: a changed PSA config restarts the API server and waits for /readyz; an unchanged one touches nothing", () => {
            const { bundle } = bundleOf(false, "init");
            assert.strictEqual(node.run(bundle, "create").status, 0);
            node.set("containers/kube-apiserver", "api-1");
            node.clearLog();
            const same = node.run(bundle, "update");
            assert.strictEqual(same.status, 0, same.stderr);
            assert.strictEqual(callIndex(node.calls(), /crictl .* stop/), -1, "restarted an API server for nothing");
            assert.strictEqual(
                same.stdout.trim(),
                caHashOf(node.host("/etc/kubernetes/pki/ca.crt")),
                "an update prints the hash again: it replaces the stdout",
            );

            write("/etc/kubernetes/psa/admission.yaml", "the old exemptions");
            node.clearLog();
            const changed = node.run(bundle, "update");
            assert.strictEqual(changed.status, 0, changed.stderr);
            const calls = node.calls();
            const stop = callIndex(calls, /^crictl --runtime-endpoint unix:\/\/\/run\/containerd\/containerd\.sock stop api-1$/);
            const readyz = callIndex(calls, /--server https:\/\/192\.168\.64\.10:6443 --request-timeout=5s get --raw=\/readyz$/);
            assert.ok(stop >= 0 && readyz > stop, calls.join("\n"));
            assert.doesNotMatch(read("/etc/kubernetes/psa/admission.yaml"), /old exemptions/);
            assert.deepStrictEqual(
                calls.filter((c) => c.startsWith("kubeadm")),
                [],
            );
        });

        it("update: a ClusterConfiguration other than the initialised one is refused with the diff and what to do", () => {
            assert.strictEqual(node.run(bundleOf(false, "init").bundle, "create").status, 0);
            const record = "/etc/kubernetes/kubeadm/cluster-configuration.initialised.yaml";
            write(record, read(record).replace("serviceSubnet: 10.96.0.0/16", "serviceSubnet: 10.95.0.0/16"));
            node.set("containers/kube-apiserver", "api-1");
            write("/etc/kubernetes/psa/admission.yaml", "old");
            node.clearLog();
            const run = node.run(bundleOf(false, "init").bundle, "update");
            assert.strictEqual(run.status, 1);
            assert.match(run.stderr, /the kubeadm ClusterConfiguration differs from the one this cluster was initialised with/);
            assert.match(run.stderr, /^- {2}serviceSubnet: 10\.95\.0\.0\/16$/m);
            assert.match(run.stderr, /^\+ {2}serviceSubnet: 10\.96\.0\.0\/16$/m);
            assert.match(run.stderr, /revert that change in the stack config, or rebuild the cluster/);
            assert.strictEqual(read("/etc/kubernetes/psa/admission.yaml"), "old", "nothing applied after a refusal");
            assert.strictEqual(run.stdout, "");
        });

        it("update of a cluster that does not answer fails naming the node", () => {
            assert.strictEqual(node.run(bundleOf(false, "init").bundle, "create").status, 0);
            node.set("unreachable");
            const run = node.run(bundleOf(false, "init").bundle, "update");
            assert.strictEqual(run.status, 1);
            assert.match(run.stderr, /the cluster on c-cp-0 does not answer/);
        });

        it("delete resets the first control-plane node and its CNI state; a node without kubeadm state is left alone", () => {
            const { bundle } = bundleOf(false, "init");
            assert.strictEqual(node.run(bundle, "create").status, 0);
            write("/etc/cni/net.d/05-cilium.conflist", "{}");
            node.clearLog();
            assert.strictEqual(node.run(bundle, "delete").status, 0);
            assert.ok(node.calls().includes("kubeadm reset --force"));
            assert.ok(!exists("/etc/kubernetes/admin.conf") && !exists("/etc/cni/net.d/05-cilium.conflist"));
            node.clearLog();
            const again = node.run(bundle, "delete");
            assert.strictEqual(again.status, 0);
            assert.match(again.stderr, /c-cp-0 holds no kubeadm state: nothing to reset/);
            assert.deepStrictEqual(node.calls(), []);
        });
    });

    describe("join", () => {
        /** A worker's join, expecting the CA of this sandbox's cluster. */
        const workerJoin = () => bundleOf(false, "join-c-worker-0", { caCertHash: parseCaCertHash(caHashOf(path.join(node.state, "ca.crt")), "t") });
        const joined = (name: string, labels: object) => node.set(`nodes/${name}`, JSON.stringify(labels));

        it("a fresh worker joins with its own token; a retry once it is registered does nothing", () => {
            node.set("cluster-answers");
            const first = node.run(workerJoin().bundle, "create");
            assert.strictEqual(first.status, 0, first.stderr);
            assert.ok(node.calls().includes("kubeadm join --config /etc/kubernetes/kubeadm/join.yaml"));
            assert.strictEqual(callIndex(node.calls(), /^kubeadm reset/), -1);
            assert.strictEqual(parse(fs.readFileSync(path.join(node.state, "join-config.yaml"), "utf8")).discovery.bootstrapToken.token, TOKEN);
            node.clearLog();
            const retry = node.run(workerJoin().bundle, "create");
            assert.strictEqual(retry.status, 0, retry.stderr);
            assert.match(retry.stderr, /c-worker-0 is already registered/);
            assert.deepStrictEqual(
                node.calls().filter((c) => c.startsWith("kubeadm")),
                [],
            );
        });

        it("kubelet credentials of this cluster but no Node object: resets and joins again", () => {
            node.set("cluster-answers");
            assert.strictEqual(node.run(workerJoin().bundle, "create").status, 0);
            node.unset("nodes/c-worker-0");
            node.clearLog();
            const run = node.run(workerJoin().bundle, "create");
            assert.strictEqual(run.status, 0, run.stderr);
            const calls = node.calls();
            assert.ok(
                callIndex(calls, /^kubeadm reset --force$/) < callIndex(calls, /^kubeadm join /) && callIndex(calls, /^kubeadm reset/) >= 0,
                calls.join("\n"),
            );
        });

        it("kubeadm state of another cluster (another CA): resets and joins this one", () => {
            node.set("cluster-answers");
            write("/etc/kubernetes/kubelet.conf", "old cluster");
            write("/etc/kubernetes/pki/ca.crt", "not the CA of this cluster");
            const run = node.run(workerJoin().bundle, "create");
            assert.strictEqual(run.status, 0, run.stderr);
            assert.match(run.stderr, /holds kubeadm state that is not a finished join to this cluster; resetting first/);
            assert.ok(callIndex(node.calls(), /^kubeadm reset/) < callIndex(node.calls(), /^kubeadm join/));
        });

        it("when the API server cannot be asked it fails, touching nothing", () => {
            node.set("cluster-answers");
            assert.strictEqual(node.run(workerJoin().bundle, "create").status, 0);
            node.set("unreachable");
            node.clearLog();
            const run = node.run(workerJoin().bundle, "create");
            assert.strictEqual(run.status, 1);
            assert.match(run.stderr, /cannot ask the API server whether c-worker-0 joined:\nUnable to connect to the server/);
            assert.deepStrictEqual(
                node.calls().filter((c) => c.startsWith("kubeadm")),
                [],
            );
            assert.ok(exists("/etc/kubernetes/kubelet.conf"));
        });

        it("a control-plane node writes the copied certificates before joining, and counts as done only with the control-plane label", () => {
            node.set("cluster-answers");
            const caHash = parseCaCertHash(caHashOf(path.join(node.state, "ca.crt")), "t");
            const certs = JSON.stringify({
                files: Object.fromEntries(SHARED_CONTROL_PLANE_FILES.map((f) => [f, fs.readFileSync(path.join(node.state, "ca.crt")).toString("base64")])),
            });
            const { bundle } = bundleOf(true, "join-c-cp-1", { caCertHash: caHash, controlPlaneFiles: parseControlPlaneFiles(certs, "t") });
            const first = node.run(bundle, "create");
            assert.strictEqual(first.status, 0, first.stderr);
            for (const f of SHARED_CONTROL_PLANE_FILES) {
                assert.ok(exists(`/etc/kubernetes/pki/${f}`), f);
            }
            assert.strictEqual(fs.statSync(node.host("/etc/kubernetes/pki/ca.key")).mode & 0o777, 0o600);
            assert.ok(exists("/etc/kubernetes/manifests/kube-vip.yaml") && exists("/etc/kubernetes/psa/admission.yaml"));
            const config = parse(fs.readFileSync(path.join(node.state, "join-config.yaml"), "utf8"));
            assert.deepStrictEqual(config.controlPlane, { localAPIEndpoint: { advertiseAddress: "192.168.64.11", bindPort: 6443 } });

            // Registered, but the join stopped before the etcd member joined (no control-plane label).
            joined("c-cp-1", { "kubernetes.io/hostname": "c-cp-1" });
            node.clearLog();
            const halfway = node.run(bundle, "create");
            assert.strictEqual(halfway.status, 0, halfway.stderr);
            assert.match(halfway.stderr, /registered but not a control-plane member/);
            assert.ok(callIndex(node.calls(), /^kubeadm reset/) >= 0 && callIndex(node.calls(), /^kubeadm reset/) < callIndex(node.calls(), /^kubeadm join/));

            node.clearLog();
            const done = node.run(bundle, "create");
            assert.strictEqual(done.status, 0);
            assert.match(done.stderr, /c-cp-1 is already a control-plane member/);
            assert.deepStrictEqual(
                node.calls().filter((c) => c.startsWith("kubeadm")),
                [],
            );
        });

        it("update of a control-plane join applies a changed kube-vip manifest and waits for the new kube-vip, without restarting the API server", () => {
            const { bundle } = bundleOf(true, "join-c-cp-1", { caCertHash: parseCaCertHash(`sha256:${"0".repeat(64)}`, "t"), controlPlaneFiles: [] });
            write("/etc/kubernetes/kubelet.conf", "kubelet");
            node.set("containers/kube-apiserver", "api-1");
            node.set("cluster-answers");
            const first = node.run(bundle, "update");
            assert.strictEqual(first.status, 0, first.stderr);
            write("/etc/kubernetes/manifests/kube-vip.yaml", "an older manifest: another interface");
            node.clearLog();
            const run = node.run(bundle, "update");
            assert.strictEqual(run.status, 0, run.stderr);
            assert.match(run.stderr, /the kube-vip manifest changed: waiting for the kubelet to restart kube-vip/);
            assert.match(read("/etc/kubernetes/manifests/kube-vip.yaml"), /name: address\n\s+value: 192\.168\.64\.240/);
            assert.strictEqual(callIndex(node.calls(), /crictl .* stop/), -1, "the PSA config did not change");
            assert.ok(node.calls().filter((c) => /ps --name \^kube-vip\$/.test(c)).length >= 2);
            assert.deepStrictEqual(
                node.calls().filter((c) => c.startsWith("kubeadm")),
                [],
                "join.yaml and the certificates matter only to kubeadm join",
            );
        });

        it("update of a control-plane join that never joined fails, naming the replace", () => {
            const { bundle } = bundleOf(true, "join-c-cp-1", { caCertHash: parseCaCertHash(`sha256:${"0".repeat(64)}`, "t"), controlPlaneFiles: [] });
            const run = node.run(bundle, "update");
            assert.strictEqual(run.status, 1);
            assert.match(run.stderr, /c-cp-1 has not joined .*pulumi up --replace/);
        });

        it("deleting a control-plane join resets first (kubeadm removes the etcd member), then deletes its Node", () => {
            node.set("cluster-answers");
            write("/etc/kubernetes/admin.conf", "admin");
            write("/etc/kubernetes/kubelet.conf", "kubelet");
            joined("c-cp-1", { "node-role.kubernetes.io/control-plane": "" });
            const run = node.run(
                bundleOf(true, "join-c-cp-1", { caCertHash: parseCaCertHash(`sha256:${"0".repeat(64)}`, "t"), controlPlaneFiles: [] }).bundle,
                "delete",
            );
            assert.strictEqual(run.status, 0, run.stderr);
            const calls = node.calls();
            const reset = callIndex(calls, /^kubeadm reset --force$/);
            const del = callIndex(
                calls,
                /^kubectl --kubeconfig \/run\/platform-leave-admin\.conf --request-timeout=20s delete node c-cp-1 --ignore-not-found$/,
            );
            assert.ok(reset >= 0 && del > reset, calls.join("\n"));
            assert.ok(!fs.existsSync(path.join(node.state, "nodes/c-cp-1")));
            assert.ok(!exists("/run/platform-leave-admin.conf"), "the saved admin credentials are removed");
        });

        it("deleting a worker's join resets it; a machine with nothing on it is left alone", () => {
            write("/etc/kubernetes/kubelet.conf", "kubelet");
            assert.strictEqual(node.run(workerJoin().bundle, "delete").status, 0);
            assert.ok(node.calls().includes("kubeadm reset --force"));
            assert.ok(!exists("/etc/kubernetes/kubelet.conf"));
        });
    });

    describe("credentials, membership and the kubeconfig (on the first control-plane node)", () => {
        it("credentials: a token without expiry for this node; a control-plane node's also prints every shared file, and only that", () => {
            node.set("cluster-answers");
            for (const f of SHARED_CONTROL_PLANE_FILES) {
                write(`/etc/kubernetes/pki/${f}`, `-----BEGIN ${f}-----\nx\n-----END ${f}-----\n`);
            }
            const worker = node.run(bundleOf(true, "join-credentials-c-worker-0").bundle, "create");
            assert.strictEqual(worker.status, 0, worker.stderr);
            assert.strictEqual(worker.stdout, "");
            const calls = node.calls();
            assert.ok(
                calls.includes("kubectl -n kube-system delete secret bootstrap-token-abcdef --ignore-not-found"),
                "a retry first removes its own earlier token",
            );
            assert.ok(
                calls.includes("kubeadm token create abcdef.0123456789abcdef --ttl 0 --description join of c-worker-0; deleted by its member step"),
                calls.join("\n"),
            );

            const cp = node.run(bundleOf(true, "join-credentials-c-cp-1").bundle, "create");
            assert.strictEqual(cp.status, 0, cp.stderr);
            const files = parseControlPlaneFiles(cp.stdout.trim(), "the credentials output");
            assert.deepStrictEqual(
                files.map((f) => f.content),
                SHARED_CONTROL_PLANE_FILES.map((f) => read(`/etc/kubernetes/pki/${f}`)),
            );
        });

        it("credentials fail before printing anything when a shared file is missing", () => {
            node.set("cluster-answers");
            const run = node.run(bundleOf(true, "join-credentials-c-cp-1").bundle, "create");
            assert.strictEqual(run.status, 1);
            assert.strictEqual(run.stdout, "");
            assert.match(run.stderr, /\/etc\/kubernetes\/pki\/ca\.crt is missing on the first control-plane node/);
        });

        it("member: waits for the Node, then deletes the node's token", () => {
            node.set("cluster-answers");
            node.set("nodes/c-worker-0", "{}");
            const run = node.run(bundleOf(false, "member-c-worker-0").bundle, "create");
            assert.strictEqual(run.status, 0, run.stderr);
            assert.ok(node.calls().includes("kubectl -n kube-system delete secret bootstrap-token-abcdef --ignore-not-found"));
            node.unset("nodes/c-worker-0");
            const never = node.run(bundleOf(false, "member-c-worker-0").bundle, "create");
            assert.strictEqual(never.status, 1);
            assert.match(never.stderr, /node c-worker-0 did not register within 5 minutes; read: journalctl -u kubelet on c-worker-0/);
        });

        it("member delete: drains, and a failed drain warns while the Node is still deleted", () => {
            node.set("cluster-answers");
            write("/etc/kubernetes/admin.conf", "admin");
            node.set("nodes/c-worker-0", "{}");
            node.set("drain-fails");
            const run = node.run(bundleOf(false, "member-c-worker-0").bundle, "delete");
            assert.strictEqual(run.status, 0, run.stderr);
            assert.match(run.stderr, /warning: draining c-worker-0 failed/);
            const calls = node.calls();
            assert.ok(
                callIndex(calls, /drain c-worker-0 --ignore-daemonsets --delete-emptydir-data --timeout=180s$/) <
                    callIndex(calls, /delete node c-worker-0 --wait=true$/),
            );
            assert.ok(!fs.existsSync(path.join(node.state, "nodes/c-worker-0")));
        });

        it("member delete of a control-plane node drains it but leaves the Node to its join's reset", () => {
            node.set("cluster-answers");
            write("/etc/kubernetes/admin.conf", "admin");
            node.set("nodes/c-cp-1", "{}");
            assert.strictEqual(node.run(bundleOf(true, "member-c-cp-1").bundle, "delete").status, 0);
            assert.ok(callIndex(node.calls(), /drain c-cp-1/) >= 0);
            assert.strictEqual(callIndex(node.calls(), /delete node/), -1);
        });

        it("member and credentials deletes succeed with a warning when the cluster is gone", () => {
            write("/etc/kubernetes/admin.conf", "admin");
            node.set("unreachable");
            for (const id of ["member-c-worker-0", "join-credentials-c-worker-0"]) {
                const run = node.run(bundleOf(false, id).bundle, "delete");
                assert.strictEqual(run.status, 0, `${id}: ${run.stderr}`);
                assert.match(run.stderr, /warning: the cluster does not answer/, id);
            }
            assert.strictEqual(callIndex(node.calls(), /drain|delete/), -1);
            fs.rmSync(node.host("/etc/kubernetes/admin.conf"));
            assert.strictEqual(node.run(bundleOf(false, "member-c-worker-0").bundle, "delete").status, 0, "first node already reset");
        });

        it("kubeconfig: applies the admin account and prints the token and CA as the only stdout", () => {
            node.set("cluster-answers");
            const run = node.run(bundleOf(false, "kubeconfig").bundle, "create");
            assert.strictEqual(run.status, 0, run.stderr);
            assert.deepStrictEqual(JSON.parse(run.stdout), { certificateAuthorityData: "Q0FEQVRB", token: "eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl" });
            assert.ok(node.calls().includes("kubectl apply -f /etc/kubernetes/platform/admin-account.yaml"));
            assert.match(read("/etc/kubernetes/platform/admin-account.yaml"), /type: kubernetes.io\/service-account-token/);
        });
    });
});
