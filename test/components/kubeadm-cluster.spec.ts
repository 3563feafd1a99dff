import * as assert from "assert";
import { parse, parseAllDocuments } from "yaml";
import { validateKubeadmClusterArgs } from "../../components/kubeadm-cluster";
import {
    checkJoinSecrets,
    clusterConfiguration,
    initConfiguration,
    joinConfiguration,
    PSA_FILE,
    toYamlDocuments,
} from "../../components/kubeadm-cluster/kubeadm-config";
import { rewriteKubeconfigServer } from "../../components/kubeadm-cluster/kubeconfig";
import { kubeVipManifest } from "../../components/kubeadm-cluster/kube-vip";
import { psaAdmissionConfiguration } from "../../components/kubeadm-cluster/psa";
import {
    renderDrainScript,
    renderInitScript,
    renderJoinCredentialsScript,
    renderJoinScript,
    renderReadKubeconfigScript,
    renderResetScript,
    renderWaitForNodeScript,
} from "../../components/kubeadm-cluster/scripts";
import { VmNode } from "../../components/vm-node";
import { extractEmbeddedFiles } from "../../components/vm-node/script";
import { requireTool } from "../support/offline";
import { bashSyntax, shellcheck } from "../support/validators";

const TOKEN = "abcdef.0123456789abcdef";
const CERT_KEY = "e6a2eb8581237ab72a4f494f30285ec12a9694d750b9785706a83bfcbbbd2204";
const HASH = `sha256:${"0".repeat(64)}`;

const cluster = clusterConfiguration({
    clusterName: "mgmt",
    kubernetesVersion: "v1.35.9",
    controlPlaneEndpoint: "192.168.64.240:6443",
    podCidr: "10.100.0.0/16",
    serviceCidr: "10.96.0.0/16",
    certSANs: ["192.168.64.12", "192.168.64.10", "192.168.64.240", "192.168.64.10"],
});

describe("KubeadmCluster: kubeadm v1beta4 config", () => {
    it("writes extraArgs as lists of {name, value}, never maps (v1beta4)", () => {
        assert.strictEqual(cluster.apiVersion, "kubeadm.k8s.io/v1beta4");
        for (const args of [cluster.apiServer.extraArgs, cluster.controllerManager.extraArgs]) {
            assert.ok(Array.isArray(args));
            for (const arg of args) {
                assert.deepStrictEqual(Object.keys(arg).sort(), ["name", "value"]);
            }
        }
        const init = initConfiguration({ nodeName: "mgmt-cp-0", nodeIp: "192.168.64.10", token: TOKEN, certificateKey: CERT_KEY });
        assert.deepStrictEqual(init.nodeRegistration.kubeletExtraArgs, [{ name: "node-ip", value: "192.168.64.10" }]);
    });

    it("wires the PSA admission file into the API server with a read-only hostPath mount", () => {
        assert.deepStrictEqual(cluster.apiServer.extraArgs, [{ name: "admission-control-config-file", value: PSA_FILE }]);
        const [mount] = cluster.apiServer.extraVolumes;
        assert.ok(PSA_FILE.startsWith(`${mount.mountPath}/`));
        assert.strictEqual(mount.hostPath, mount.mountPath);
        assert.strictEqual(mount.readOnly, true);
    });

    it("disables kube-proxy for Cilium, takes networking from config, and dedupes cert SANs", () => {
        assert.deepStrictEqual(cluster.proxy, { disabled: true });
        assert.deepStrictEqual(cluster.networking, { podSubnet: "10.100.0.0/16", serviceSubnet: "10.96.0.0/16", dnsDomain: "cluster.local" });
        assert.strictEqual(cluster.controlPlaneEndpoint, "192.168.64.240:6443");
        assert.deepStrictEqual(cluster.apiServer.certSANs, ["192.168.64.10", "192.168.64.12", "192.168.64.240"]);
        assert.ok(!("timeoutForControlPlane" in cluster.apiServer), "removed in v1beta4");
    });

    it("puts the certificate key only into control-plane joins", () => {
        const worker = joinConfiguration({ nodeName: "w", nodeIp: "192.168.64.11", controlPlaneEndpoint: "192.168.64.10:6443", token: TOKEN, caCertHash: HASH });
        assert.strictEqual(worker.controlPlane, undefined);
        assert.deepStrictEqual(worker.discovery.bootstrapToken, { token: TOKEN, apiServerEndpoint: "192.168.64.10:6443", caCertHashes: [HASH] });
        const cp = joinConfiguration({ nodeName: "c", nodeIp: "192.168.64.12", controlPlaneEndpoint: "192.168.64.240:6443", token: TOKEN, caCertHash: HASH, certificateKey: CERT_KEY });
        assert.deepStrictEqual(cp.controlPlane, { localAPIEndpoint: { advertiseAddress: "192.168.64.12", bindPort: 6443 }, certificateKey: CERT_KEY });
    });

    it("renders multi-document YAML that parses back to the same objects", () => {
        const init = initConfiguration({ nodeName: "mgmt-cp-0", nodeIp: "192.168.64.10", token: TOKEN, certificateKey: CERT_KEY });
        const docs = parseAllDocuments(toYamlDocuments([cluster, init])).map((d) => d.toJS());
        assert.deepStrictEqual(docs, [cluster, init]);
    });

    it("rejects malformed tokens, certificate keys and CA hashes", () => {
        assert.doesNotThrow(() => checkJoinSecrets({ token: TOKEN, certificateKey: CERT_KEY, caCertHash: HASH }));
        assert.throws(() => checkJoinSecrets({ token: "ABCDEF.0123456789abcdef" }), /\[a-z0-9\]\{6\}/);
        assert.throws(() => checkJoinSecrets({ token: TOKEN, certificateKey: "abc" }), /64 lowercase hex/);
        assert.throws(() => checkJoinSecrets({ token: TOKEN, caCertHash: "kubeadm init failed" }), /sha256:<64 hex>/);
    });
});

describe("KubeadmCluster: PSA admission configuration (seed 001 §6.4)", () => {
    const config = psaAdmissionConfiguration() as any;
    const plugin = config.plugins[0];

    it("enforces baseline and audits/warns restricted", () => {
        assert.strictEqual(config.apiVersion, "apiserver.config.k8s.io/v1");
        assert.strictEqual(config.kind, "AdmissionConfiguration");
        assert.strictEqual(plugin.name, "PodSecurity");
        assert.strictEqual(plugin.configuration.apiVersion, "pod-security.admission.config.k8s.io/v1");
        assert.deepStrictEqual(plugin.configuration.defaults, {
            enforce: "baseline",
            "enforce-version": "latest",
            audit: "restricted",
            "audit-version": "latest",
            warn: "restricted",
            "warn-version": "latest",
        });
    });

    it("exempts the seed's namespaces and no users or runtime classes", () => {
        assert.deepStrictEqual(plugin.configuration.exemptions, { usernames: [], runtimeClasses: [], namespaces: ["kube-system", "cilium-system", "monitoring", "vault"] });
    });
});

describe("KubeadmCluster: kube-vip", () => {
    const env = (pod: any) => Object.fromEntries(pod.spec.containers[0].env.map((e: any) => [e.name, e.value]));

    it("announces the VIP over ARP on the configured interface for the control plane", () => {
        const pod = kubeVipManifest({ vip: "192.168.64.240", interface: "enp0s1", initNode: false }) as any;
        const vars = env(pod);
        assert.strictEqual(vars.address, "192.168.64.240");
        assert.strictEqual(vars.vip_interface, "enp0s1");
        assert.strictEqual(vars.vip_arp, "true");
        assert.strictEqual(vars.cp_enable, "true");
        assert.strictEqual(pod.spec.hostNetwork, true);
        assert.match(pod.spec.containers[0].image, /^ghcr\.io\/kube-vip\/kube-vip:v\d+\.\d+\.\d+$/);
    });

    it("mounts super-admin.conf only on the init node (kube-vip#684), admin.conf elsewhere", () => {
        const path = (initNode: boolean) => (kubeVipManifest({ vip: "192.168.64.240", interface: "enp0s1", initNode }) as any).spec.volumes[0].hostPath.path;
        assert.strictEqual(path(true), "/etc/kubernetes/super-admin.conf");
        assert.strictEqual(path(false), "/etc/kubernetes/admin.conf");
    });
});

describe("KubeadmCluster: node scripts", () => {
    const files = [{ path: "/etc/kubernetes/kubeadm/init.yaml", content: "kind: InitConfiguration\n", mode: "0600" }];
    const scripts: Record<string, string> = {
        init: renderInitScript({ files, kubeVip: false }),
        initHa: renderInitScript({ files, kubeVip: true }),
        credentials: renderJoinCredentialsScript(TOKEN, CERT_KEY),
        join: renderJoinScript(files),
        reset: renderResetScript(),
        drain: renderDrainScript("app1-worker-0"),
        wait: renderWaitForNodeScript("app1-worker-0"),
        kubeconfig: renderReadKubeconfigScript(),
    };

    it("all parse, run in strict mode and pass shellcheck", function () {
        for (const [name, script] of Object.entries(scripts)) {
            assert.match(script, /^#!\/bin\/bash\n#.*\nset -euo pipefail\n/, name);
            assert.strictEqual(bashSyntax(script), "", name);
        }
        requireTool(this, "shellcheck");
        for (const [name, script] of Object.entries(scripts)) {
            assert.strictEqual(shellcheck(script), "", name);
        }
    });

    it("init and join are guarded so a re-run is a no-op", () => {
        assert.match(scripts.init, /^if \[ ! -f \/etc\/kubernetes\/admin\.conf \]; then$/m);
        assert.match(scripts.join, /^if \[ ! -f \/etc\/kubernetes\/kubelet\.conf \]; then$/m);
        assert.deepStrictEqual(extractEmbeddedFiles(scripts.join), files.map((f) => ({ ...f })));
    });

    it("init uploads the certificates and prints only the CA hash on stdout", () => {
        assert.match(scripts.init, /kubeadm init --config \/etc\/kubernetes\/kubeadm\/init\.yaml --upload-certs >\/var\/log\/platform\/kubeadm-init\.log 2>&1/);
        assert.match(scripts.init, /openssl x509 -pubkey -noout -in \/etc\/kubernetes\/pki\/ca\.crt \| openssl pkey -pubin -outform der \| openssl dgst -sha256 -hex/);
        const stdoutLines = scripts.init.split("\n").filter((l) => /^\s*echo /.test(l) && !/>&2/.test(l));
        assert.deepStrictEqual(stdoutLines, ['echo "sha256:${hash}"']);
        assert.match(scripts.initHa, /sed -i 's#path: \/etc\/kubernetes\/super-admin\.conf#path: \/etc\/kubernetes\/admin\.conf#'/);
        assert.doesNotMatch(scripts.init, /super-admin/);
    });

    it("masks the token and certificate key when it shows a failed kubeadm log", () => {
        assert.match(scripts.join, /sed -E 's\/\[a-z0-9\]\{6\}\\\.\[a-z0-9\]\{16\}\/<token>\/g; s\/\[0-9a-f\]\{64\}\/<key>\/g'/);
        const masked = require("child_process").execSync(`printf 'kubeadm join --token ${TOKEN} --certificate-key ${CERT_KEY}\\n' | sed -E 's/[a-z0-9]{6}\\.[a-z0-9]{16}/<token>/g; s/[0-9a-f]{64}/<key>/g'`, { encoding: "utf8" });
        assert.strictEqual(masked, "kubeadm join --token <token> --certificate-key <key>\n");
    });

    it("re-creates the token and re-uploads the certificates before joins", () => {
        assert.match(scripts.credentials, /kubeadm token delete 'abcdef' >\/dev\/null 2>&1 \|\| true/);
        assert.match(scripts.credentials, /kubeadm token create 'abcdef\.0123456789abcdef' --ttl 2h/);
        assert.match(scripts.credentials, /kubeadm init phase upload-certs --upload-certs --certificate-key 'e6a2/);
    });

    it("drains then deletes a leaving node, and tolerates one already gone", () => {
        const drain = scripts.drain.indexOf("kubectl drain 'app1-worker-0' --ignore-daemonsets --delete-emptydir-data");
        const del = scripts.drain.indexOf("kubectl delete node 'app1-worker-0'");
        assert.ok(drain > 0 && del > drain);
        assert.match(scripts.drain, /if kubectl get node 'app1-worker-0' >\/dev\/null 2>&1; then/);
    });
});

describe("KubeadmCluster: kubeconfig", () => {
    const adminConf = [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: kubernetes",
        "  cluster:",
        "    server: https://mgmt-cp-0:6443",
        "    certificate-authority-data: Q0E=",
        "users: []",
        "contexts: []",
        "",
    ].join("\n");

    it("points every cluster at the reachable endpoint and keeps the rest", () => {
        const rewritten = parse(rewriteKubeconfigServer(adminConf, "https://192.168.64.240:6443"));
        assert.strictEqual(rewritten.clusters[0].cluster.server, "https://192.168.64.240:6443");
        assert.strictEqual(rewritten.clusters[0].cluster["certificate-authority-data"], "Q0E=");
    });

    it("fails clearly on something that is not a kubeconfig", () => {
        assert.throws(() => rewriteKubeconfigServer("cat: /etc/kubernetes/admin.conf: No such file", "https://x:6443"), /admin\.conf has no clusters/);
    });
});

describe("KubeadmCluster: argument validation", () => {
    const node = {} as VmNode;
    const config = { name: "c", kubernetesVersion: "v1.35.9", network: { nodeSubnet: "", podCidr: "", serviceCidr: "", lbPool: "", clusterMeshIp: "", vipInterface: "enp0s1" } };

    it("needs 1 or 3 control-plane nodes, a VIP with 3, and a worker", () => {
        assert.throws(() => validateKubeadmClusterArgs("c", { config, controlPlanes: [node, node], workers: [node] }), /needs 1 or 3 control-plane nodes, got 2/);
        assert.throws(() => validateKubeadmClusterArgs("c", { config, controlPlanes: [node, node, node], workers: [node] }), /need network\.controlPlaneVip/);
        assert.throws(() => validateKubeadmClusterArgs("c", { config, controlPlanes: [node], workers: [] }), /at least one worker/);
        assert.doesNotThrow(() => validateKubeadmClusterArgs("c", { config, controlPlanes: [node], workers: [node] }));
    });
});
