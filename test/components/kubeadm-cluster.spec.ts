import * as assert from "assert";
import * as path from "path";
import { parse, parseAllDocuments } from "yaml";
import { validateKubeadmClusterArgs } from "../../components/kubeadm-cluster";
import {
    bootstrapTokenFromHex,
    bootstrapTokenId,
    parseAdminCredential,
    parseBootstrapToken,
    parseCaCertHash,
    parseControlPlaneFiles,
    SHARED_CONTROL_PLANE_FILES,
} from "../../components/kubeadm-cluster/credentials";
import { clusterConfiguration, initConfiguration, joinConfiguration, PSA_FILE, toYamlDocuments } from "../../components/kubeadm-cluster/kubeadm-config";
import { adminAccountManifest, adminKubeconfig } from "../../components/kubeadm-cluster/kubeconfig";
import { kubeVipManifest } from "../../components/kubeadm-cluster/kube-vip";
import { psaAdmissionConfiguration } from "../../components/kubeadm-cluster/psa";
import { JOIN_CONFIG } from "../../components/kubeadm-cluster/scripts";
import { kubeadmSteps, KubeadmStep, parseStepId, STEP, StepValues } from "../../components/kubeadm-cluster/steps";
import { upgradeSteps } from "../../components/kubeadm-cluster/upgrade";
import { NodeOperation, renderNodeBundle } from "../../components/vm-node/node-command";
import { renderNodeScript } from "../../components/vm-node/script";
import { API_SERVER_PSA_EXEMPTIONS } from "../../policy-pack/conventions";
import { collectArtifacts } from "../../tools/plan/artifacts";
import { runOffline } from "../../tools/offline/run";
import { containsSecret, RecordedResource, RunResult, unwrapSecrets } from "../../tools/offline/record";
import { requireTool } from "../support/offline";
import { shellcheckAll } from "../stacks/shellcheck-all";
import { bashSyntax } from "../support/validators";

const TOKEN = parseBootstrapToken("abcdef.0123456789abcdef", "test token");
const HASH = parseCaCertHash(`sha256:${"0".repeat(64)}`, "test hash");
const pem = (label: string) => `-----BEGIN ${label}-----\nMIIB\n-----END ${label}-----\n`;
const CERTS_STDOUT = JSON.stringify({ files: Object.fromEntries(SHARED_CONTROL_PLANE_FILES.map((f) => [f, Buffer.from(pem(f)).toString("base64")])) });

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
        const init = initConfiguration({ nodeName: "mgmt-cp-0", nodeIp: "192.168.64.10" });
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
        assert.deepStrictEqual(cluster.apiServer.certSANs, ["192.168.64.10", "192.168.64.12", "192.168.64.240"]);
        assert.ok(!("timeoutForControlPlane" in cluster.apiServer), "removed in v1beta4");
    });

    it("init holds no secret: no token value, no certificate key, only a short-lived token kubeadm generates", () => {
        const init = initConfiguration({ nodeName: "mgmt-cp-0", nodeIp: "192.168.64.10" });
        assert.ok(!("certificateKey" in init));
        assert.strictEqual(init.bootstrapTokens.length, 1);
        assert.ok(!("token" in init.bootstrapTokens[0]), "kubeadm fills an empty token (SetBootstrapTokensDynamicDefaults)");
        assert.strictEqual(init.bootstrapTokens[0].ttl, "15m0s");
    });

    it("a control-plane join advertises its own address and has no certificate key (certificates are copied)", () => {
        const worker = joinConfiguration({
            nodeName: "w",
            nodeIp: "192.168.64.11",
            controlPlaneEndpoint: "192.168.64.10:6443",
            token: TOKEN,
            caCertHash: HASH,
            controlPlane: false,
        });
        assert.strictEqual(worker.controlPlane, undefined);
        assert.deepStrictEqual(worker.discovery.bootstrapToken, { token: TOKEN, apiServerEndpoint: "192.168.64.10:6443", caCertHashes: [HASH] });
        const cp = joinConfiguration({
            nodeName: "c",
            nodeIp: "192.168.64.12",
            controlPlaneEndpoint: "192.168.64.240:6443",
            token: TOKEN,
            caCertHash: HASH,
            controlPlane: true,
        });
        assert.deepStrictEqual(cp.controlPlane, { localAPIEndpoint: { advertiseAddress: "192.168.64.12", bindPort: 6443 } });
    });

    it("renders multi-document YAML that parses back to the same objects", () => {
        const init = initConfiguration({ nodeName: "mgmt-cp-0", nodeIp: "192.168.64.10" });
        const docs = parseAllDocuments(toYamlDocuments([cluster, init])).map((d) => d.toJS());
        assert.deepStrictEqual(docs, [cluster, init]);
    });
});

describe("KubeadmCluster: join credentials as branded types", () => {
    it("parses bootstrap tokens; a bad one fails naming its role, never its value", () => {
        assert.strictEqual(parseBootstrapToken("abcdef.0123456789abcdef", "x"), "abcdef.0123456789abcdef");
        for (const bad of ["ABCDEF.0123456789abcdef", "abcdef0123456789abcdef", "abcdef.0123456789abcde", " abcdef.0123456789abcdef"]) {
            assert.throws(
                () => parseBootstrapToken(bad, "the bootstrap token of w-0"),
                (e: Error) => e.message.startsWith("the bootstrap token of w-0 is not a bootstrap token") && !e.message.includes(bad.trim()),
            );
        }
    });

    it("turns 11 random bytes (22 hex) into a 6.16 token; the id is its public half", () => {
        const token = bootstrapTokenFromHex("0123456789abcdef012345", "t");
        assert.strictEqual(token, "012345.6789abcdef012345");
        assert.strictEqual(bootstrapTokenId(token), "012345");
        assert.throws(
            () => bootstrapTokenFromHex("0123456789abcdef01234", "the bootstrap token of w-0"),
            /the bootstrap token of w-0 needs 22 lowercase hex characters/,
        );
        assert.throws(
            () => bootstrapTokenFromHex("0123456789ABCDEF012345", "t"),
            (e: Error) => !e.message.includes("0123456789ABCDEF012345"),
        );
    });

    it("parses the CA hash init prints and quotes what it got instead", () => {
        assert.strictEqual(parseCaCertHash(`sha256:${"a".repeat(64)}\n`, "x"), `sha256:${"a".repeat(64)}`);
        assert.throws(
            () => parseCaCertHash("kubeadm init failed", "the stdout of mgmt-init"),
            /the stdout of mgmt-init is not a CA cert hash: expected sha256:<64 hex>, got "kubeadm init failed"/,
        );
    });

    it("parses the shared control-plane files: every file of the HA guide, keys 0600, never printing content", () => {
        const files = parseControlPlaneFiles(CERTS_STDOUT, "x");
        assert.deepStrictEqual(
            files.map((f) => [f.path, f.mode]),
            [
                ["/etc/kubernetes/pki/ca.crt", "0644"],
                ["/etc/kubernetes/pki/ca.key", "0600"],
                ["/etc/kubernetes/pki/sa.key", "0600"],
                ["/etc/kubernetes/pki/sa.pub", "0644"],
                ["/etc/kubernetes/pki/front-proxy-ca.crt", "0644"],
                ["/etc/kubernetes/pki/front-proxy-ca.key", "0600"],
                ["/etc/kubernetes/pki/etcd/ca.crt", "0644"],
                ["/etc/kubernetes/pki/etcd/ca.key", "0600"],
            ],
        );
        assert.strictEqual(files[1].content, pem("ca.key"));
        const withoutSa = JSON.parse(CERTS_STDOUT);
        delete withoutSa.files["sa.key"];
        assert.throws(
            () => parseControlPlaneFiles(JSON.stringify(withoutSa), "the stdout of c-join-credentials-cp-1"),
            /the stdout of c-join-credentials-cp-1 is missing \/etc\/kubernetes\/pki\/sa\.key/,
        );
        assert.throws(
            () => parseControlPlaneFiles("-----BEGIN PRIVATE KEY-----", "r"),
            (e: Error) => /not shown/.test(e.message) && !e.message.includes("BEGIN"),
        );
    });

    it("parses the admin credential; a missing token fails without showing the output", () => {
        assert.deepStrictEqual(parseAdminCredential('{"certificateAuthorityData":"Q0E=","token":"a.b.c"}', "x"), {
            certificateAuthorityData: "Q0E=",
            token: "a.b.c",
        });
        assert.throws(
            () => parseAdminCredential('{"certificateAuthorityData":"Q0E=","token":""}', "the stdout of c-kubeconfig"),
            /the stdout of c-kubeconfig printed no ServiceAccount token/,
        );
        assert.throws(
            () => parseAdminCredential("secret-ish text", "r"),
            (e: Error) => !e.message.includes("secret-ish"),
        );
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

    it("exempts only the namespaces every cluster has from kubeadm init on (conventions), no users or runtime classes", () => {
        assert.deepStrictEqual(plugin.configuration.exemptions, { usernames: [], runtimeClasses: [], namespaces: ["kube-system"] });
        assert.deepStrictEqual(
            plugin.configuration.exemptions.namespaces,
            API_SERVER_PSA_EXEMPTIONS.map((e) => e.namespace),
        );
    });
});

describe("KubeadmCluster: kube-vip v1.0.4", () => {
    const env = (pod: any) => Object.fromEntries(pod.spec.containers[0].env.map((e: any) => [e.name, e.value]));

    it("announces the VIP over ARP as a /32 through vip_subnet (vip_cidr is not a kube-vip variable)", () => {
        const pod = kubeVipManifest({ vip: "192.168.64.240", interface: "enp0s1" }) as any;
        const vars = env(pod);
        assert.strictEqual(vars.address, "192.168.64.240");
        assert.strictEqual(vars.vip_interface, "enp0s1");
        assert.strictEqual(vars.vip_subnet, "32");
        assert.ok(!("vip_cidr" in vars));
        assert.strictEqual(vars.vip_arp, "true");
        assert.strictEqual(vars.cp_enable, "true");
        assert.strictEqual(pod.spec.hostNetwork, true);
        assert.match(pod.spec.containers[0].image, /^ghcr\.io\/kube-vip\/kube-vip:v\d+\.\d+\.\d+$/);
    });

    it("leaves vip_interface out when none is configured, so kube-vip takes the default-route interface", () => {
        assert.ok(!("vip_interface" in env(kubeVipManifest({ vip: "192.168.64.240" }))));
    });

    it("mounts admin.conf: the steady state on every control-plane node", () => {
        assert.strictEqual((kubeVipManifest({ vip: "192.168.64.240" }) as any).spec.volumes[0].hostPath.path, "/etc/kubernetes/admin.conf");
    });
});

describe("KubeadmCluster: admin kubeconfig from a ServiceAccount token", () => {
    it("binds platform-admin to cluster-admin with a token Secret of the legacy type, which does not expire", () => {
        const docs = parseAllDocuments(adminAccountManifest()).map((d) => d.toJS());
        assert.deepStrictEqual(
            docs.map((d) => `${d.kind}/${d.metadata.name}`),
            ["ServiceAccount/platform-admin", "ClusterRoleBinding/platform-admin", "Secret/platform-admin-token"],
        );
        assert.deepStrictEqual(docs[1].roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" });
        assert.deepStrictEqual(docs[1].subjects, [{ kind: "ServiceAccount", name: "platform-admin", namespace: "kube-system" }]);
        assert.strictEqual(docs[2].type, "kubernetes.io/service-account-token");
        assert.strictEqual(docs[2].metadata.annotations["kubernetes.io/service-account.name"], "platform-admin");
    });

    it("points the kubeconfig at the reachable endpoint with the token and the cluster CA", () => {
        const conf = parse(
            adminKubeconfig({ clusterName: "mgmt", server: "https://192.168.64.240:6443", credential: { certificateAuthorityData: "Q0E=", token: "a.b.c" } }),
        );
        assert.deepStrictEqual(conf.clusters, [{ name: "mgmt", cluster: { server: "https://192.168.64.240:6443", "certificate-authority-data": "Q0E=" } }]);
        assert.deepStrictEqual(conf.users, [{ name: "platform-admin", user: { token: "a.b.c" } }]);
        assert.strictEqual(conf["current-context"], "platform-admin@mgmt");
    });
});

const NETWORK = { podCidr: "10.100.0.0/16", serviceCidr: "10.96.0.0/16" };
const IPS: Record<string, string> = {
    "cp-0": "192.168.64.10",
    "cp-1": "192.168.64.11",
    "cp-2": "192.168.64.12",
    "w-0": "192.168.64.13",
    "w-1": "192.168.64.14",
};
const haSteps = kubeadmSteps(
    { clusterName: "c", kubernetesVersion: "v1.35.9", network: { ...NETWORK, controlPlaneVip: "192.168.64.240" } },
    { controlPlanes: ["cp-0", "cp-1", "cp-2"], workers: ["w-0", "w-1"] },
);
const singleSteps = kubeadmSteps({ clusterName: "c", kubernetesVersion: "v1.35.9", network: NETWORK }, { controlPlanes: ["cp-0"], workers: ["w-0"] });

/** The values the component would resolve for `step`: only what it names. */
function valuesFor(step: KubeadmStep, steps: KubeadmStep[]): StepValues {
    const outputs = { caCertHash: HASH, controlPlaneFiles: parseControlPlaneFiles(CERTS_STDOUT, "t") };
    const read = Object.fromEntries(
        step.reads.map((id) => {
            const kind = steps.find((s) => s.id === id)?.output as keyof typeof outputs;
            return [kind, outputs[kind]];
        }),
    );
    return {
        ips: Object.fromEntries(step.ipsOf.map((n) => [n, IPS[n]])),
        token: step.tokenOf ? TOKEN : undefined,
        tokenId: step.tokenIdOf ? bootstrapTokenId(TOKEN) : undefined,
        read,
    };
}

function scriptsOf(step: KubeadmStep, steps: KubeadmStep[]): Partial<Record<NodeOperation, string>> {
    const v = valuesFor(step, steps);
    return { create: step.create(v), update: step.update?.(v), delete: step.delete?.(v) };
}

const byId = (steps: KubeadmStep[], id: string) => steps.find((s) => s.id === id) as KubeadmStep;

describe("KubeadmCluster: the runbook (kubeadmSteps)", () => {
    it("orders init, then per joining node credentials, join, member (control planes one at a time, workers after), then the kubeconfig", () => {
        assert.deepStrictEqual(
            haSteps.map((s) => [s.id, s.node, s.waitsFor.join(",")]),
            [
                ["init", "cp-0", ""],
                ["join-credentials-cp-1", "cp-0", "init"],
                ["join-cp-1", "cp-1", "join-credentials-cp-1"],
                ["member-cp-1", "cp-0", "join-cp-1"],
                ["join-credentials-cp-2", "cp-0", "init,join-cp-1"],
                ["join-cp-2", "cp-2", "join-credentials-cp-2"],
                ["member-cp-2", "cp-0", "join-cp-2"],
                ["join-credentials-w-0", "cp-0", "init,join-cp-2"],
                ["join-w-0", "w-0", "join-credentials-w-0"],
                ["member-w-0", "cp-0", "join-w-0"],
                ["join-credentials-w-1", "cp-0", "init,join-cp-2"],
                ["join-w-1", "w-1", "join-credentials-w-1"],
                ["member-w-1", "cp-0", "join-w-1"],
                ["kubeconfig", "cp-0", "member-cp-1,member-cp-2,member-w-0,member-w-1"],
            ],
        );
    });

    it("step ids parse back to their kind and node", () => {
        for (const s of haSteps) {
            const parsed = parseStepId(s.id);
            const node = parsed?.node;
            const rebuilt =
                node === undefined
                    ? parsed?.kind
                    : (STEP as any)[{ "join-credentials": "joinCredentials", join: "join", member: "member" }[parsed?.kind as string] as string](node);
            assert.strictEqual(rebuilt, s.id);
        }
        assert.strictEqual(parseStepId("launch"), undefined);
        assert.deepStrictEqual(parseStepId("join-credentials-join-x"), { kind: "join-credentials", node: "join-x" });
    });

    it("a rebuilt machine replaces its node's credentials, join and member; a re-initialised cluster replaces every step that acted on it", () => {
        for (const node of ["cp-1", "w-0"]) {
            for (const id of [STEP.joinCredentials(node), STEP.join(node), STEP.member(node)]) {
                assert.deepStrictEqual(byId(haSteps, id).triggers, [{ machineOf: node }, { outputOf: "init" }], id);
            }
        }
        assert.deepStrictEqual(byId(haSteps, "init").triggers, [{ machineOf: "cp-0" }]);
        assert.deepStrictEqual(byId(haSteps, "kubeconfig").triggers, [{ outputOf: "init" }]);
    });

    it("steps whose create adopts and whose delete destroys are deleted before their replacement is created", () => {
        const dbr = haSteps.filter((s) => s.deleteBeforeReplace).map((s) => parseStepId(s.id)?.kind);
        assert.deepStrictEqual([...new Set(dbr)], ["init", "join-credentials", "join", "member"]);
        assert.strictEqual(byId(haSteps, "kubeconfig").deleteBeforeReplace, false);
        assert.strictEqual(byId(haSteps, "kubeconfig").delete, undefined, "nothing to undo: the token dies with the cluster");
    });

    it("every input change is an update that applies it, or is declared creation-only; nothing silently re-runs create", () => {
        const kinds = (pred: (s: KubeadmStep) => boolean) => haSteps.filter(pred).map((s) => s.id);
        assert.deepStrictEqual(
            kinds((s) => s.update !== undefined),
            ["init", "join-cp-1", "join-cp-2"],
        );
        assert.deepStrictEqual(
            kinds((s) => s.onlyAtCreation !== undefined),
            ["join-credentials-cp-1", "join-credentials-cp-2", "join-credentials-w-0", "join-w-0", "join-credentials-w-1", "join-w-1"],
        );
        // The rest re-run an idempotent create on a change: member waits for a registered node and deletes a
        // deleted token again; kubeconfig re-applies its objects and reads the same token.
        assert.deepStrictEqual(
            kinds((s) => s.update === undefined && s.onlyAtCreation === undefined),
            ["member-cp-1", "member-cp-2", "member-w-0", "member-w-1", "kubeconfig"],
        );
    });

    it("secret steps are those that hold a token, a key or the admin credential; the others hold none", () => {
        assert.deepStrictEqual(
            haSteps.filter((s) => !s.secret).map((s) => parseStepId(s.id)?.kind),
            ["init", "member", "member", "member", "member"],
        );
        for (const s of haSteps.filter((x) => !x.secret)) {
            assert.strictEqual(s.tokenOf, undefined, s.id);
            for (const script of Object.values(scriptsOf(s, haSteps))) {
                assert.ok(!script?.includes(TOKEN), `${s.id} holds the token`);
                assert.ok(!script?.includes("BEGIN"), `${s.id} holds key material`);
            }
        }
    });

    it("a control-plane join writes the copied certificates, PSA config and kube-vip before join.yaml; a worker only join.yaml", () => {
        const cp = byId(haSteps, "join-cp-1");
        assert.deepStrictEqual(
            cp.files(valuesFor(cp, haSteps)).map((f) => f.path),
            [...SHARED_CONTROL_PLANE_FILES.map((f) => `/etc/kubernetes/pki/${f}`), PSA_FILE, "/etc/kubernetes/manifests/kube-vip.yaml", JOIN_CONFIG],
        );
        assert.deepStrictEqual(cp.reads, ["init", "join-credentials-cp-1"]);
        const worker = byId(haSteps, "join-w-0");
        assert.deepStrictEqual(
            worker.files(valuesFor(worker, haSteps)).map((f) => f.path),
            [JOIN_CONFIG],
        );
        assert.deepStrictEqual(worker.reads, ["init"]);
        const join = parse(worker.files(valuesFor(worker, haSteps))[0].content);
        assert.deepStrictEqual(join.discovery.bootstrapToken, { token: TOKEN, apiServerEndpoint: "192.168.64.240:6443", caCertHashes: [HASH] });
    });

    it("init renders the ClusterConfiguration from config with every control-plane IP and the VIP as SANs", () => {
        const init = byId(haSteps, "init");
        const files = init.files(valuesFor(init, haSteps));
        const [clusterDoc, initDoc] = parseAllDocuments(files.find((f) => f.path === "/etc/kubernetes/kubeadm/init.yaml")?.content ?? "").map((d) => d.toJS());
        assert.strictEqual(clusterDoc.controlPlaneEndpoint, "192.168.64.240:6443");
        assert.deepStrictEqual(clusterDoc.apiServer.certSANs, ["192.168.64.10", "192.168.64.11", "192.168.64.12", "192.168.64.240"]);
        assert.strictEqual(initDoc.localAPIEndpoint.advertiseAddress, "192.168.64.10");
        // The record compared on every update is exactly the ClusterConfiguration init reads.
        assert.deepStrictEqual(parse(files.find((f) => f.path === "/etc/kubernetes/kubeadm/cluster-configuration.yaml")?.content ?? ""), clusterDoc);
        const single = byId(singleSteps, "init");
        assert.strictEqual(parseAllDocuments(single.files(valuesFor(single, singleSteps))[2].content)[0].toJS().controlPlaneEndpoint, "192.168.64.10:6443");
    });

    it("every script, alone and as the bundle a node receives, parses and passes shellcheck", function () {
        const bundles: Record<string, string> = {};
        for (const [variant, steps] of [
            ["ha", haSteps],
            ["single", singleSteps],
        ] as const) {
            for (const s of steps) {
                const scripts = scriptsOf(s, steps);
                bundles[`${variant}-${s.id}`] = renderNodeBundle(s.id, { create: scripts.create as string, update: scripts.update, delete: scripts.delete });
                for (const [op, body] of Object.entries(scripts)) {
                    // Alone, each body runs as the plan's <op>.sh shows it.
                    assert.strictEqual(body === undefined ? "" : bashSyntax(renderNodeScript(s.id, [body])), "", `${variant} ${s.id} ${op}`);
                }
            }
        }
        for (const [name, script] of Object.entries(bundles)) {
            assert.strictEqual(bashSyntax(script), "", name);
        }
        requireTool(this, "shellcheck");
        // The bundles hold every body; one shellcheck run over all of them.
        assert.strictEqual(shellcheckAll(bundles), "");
    });
});

describe("KubeadmCluster: argument validation", () => {
    const node = (nodeName: string) => ({ nodeName }) as any;
    const config = {
        name: "c",
        kubernetesVersion: "v1.35.9",
        backend: { kind: "multipass" as const, image: "24.04" },
        network: { nodeSubnet: "", podCidr: "", serviceCidr: "", lbPool: "", clusterMeshIp: "" },
    };

    it("needs 1 or 3 control-plane nodes, a VIP with 3, a worker, and unique node names", () => {
        const [a, b, c, w] = ["a", "b", "c", "w"].map(node);
        assert.throws(() => validateKubeadmClusterArgs("c", { config, controlPlanes: [a, b], workers: [w] }), /needs 1 or 3 control-plane nodes, got 2/);
        assert.throws(() => validateKubeadmClusterArgs("c", { config, controlPlanes: [a, b, c], workers: [w] }), /need network\.controlPlaneVip/);
        assert.throws(() => validateKubeadmClusterArgs("c", { config, controlPlanes: [a], workers: [] }), /at least one worker/);
        assert.throws(() => validateKubeadmClusterArgs("c", { config, controlPlanes: [a], workers: [node("a")] }), /node name a appears twice/);
        assert.doesNotThrow(() => validateKubeadmClusterArgs("c", { config, controlPlanes: [a], workers: [w] }));
    });
});

/** The KubeadmCluster on stand-in nodes (kubeadm-cluster.program.ts), under the offline mocks. */
async function planCluster(scenario: { controlPlanes: number; workers: number; backend: "multipass" | "ssh"; vip?: string }, firstPreview = false) {
    const names = [
        ...Array.from({ length: scenario.controlPlanes }, (_, i) => `c-cp-${i}`),
        ...Array.from({ length: scenario.workers }, (_, i) => `c-worker-${i}`),
    ];
    const result = await runOffline({
        project: "platform",
        stack: "test",
        program: path.join(__dirname, "kubeadm-cluster.program.ts"),
        config: { "test:scenario": JSON.stringify(scenario) },
        secretKeys: [],
        simulatedIps: Object.fromEntries(names.map((n, i) => [n, `192.168.64.${10 + i}`])),
        stackReferences: {},
        firstPreview,
    });
    assert.ok(result.ok, result.ok ? "" : result.error);
    return result as Extract<RunResult, { ok: true }>;
}

const COMMAND_TYPES = ["command:local:Command", "command:remote:Command"];
const commands = (resources: RecordedResource[]) => resources.filter((r) => COMMAND_TYPES.includes(r.type) && !r.name.endsWith("-launch"));
const named = (resources: RecordedResource[], name: string) => {
    const found = resources.find((r) => r.name === name);
    assert.ok(found, `no resource ${name}`);
    return found;
};

describe("KubeadmCluster: registered resources under the offline mocks", function () {
    let ha: Extract<RunResult, { ok: true }>;
    let ssh: Extract<RunResult, { ok: true }>;
    before(async () => {
        [ha, ssh] = await Promise.all([
            planCluster({ controlPlanes: 3, workers: 2, backend: "multipass", vip: "192.168.64.240" }),
            planCluster({ controlPlanes: 1, workers: 1, backend: "ssh" }),
        ]);
    });

    it("names each step's Command `${cluster}-${step id}`, a child of the cluster", () => {
        const cluster = named(ha.resources, "c");
        const config = { clusterName: "c", kubernetesVersion: "v1.35.9", network: NETWORK };
        const nodes = { controlPlanes: ["c-cp-0", "c-cp-1", "c-cp-2"], workers: ["c-worker-0", "c-worker-1"] };
        const steps = [...kubeadmSteps(config, nodes), ...upgradeSteps(config, nodes)];
        assert.deepStrictEqual(
            commands(ha.resources)
                .map((r) => r.name)
                .sort(),
            steps.map((s) => `c-${s.id}`).sort(),
        );
        for (const r of commands(ha.resources)) {
            assert.strictEqual(r.parent, cluster.urn, r.name);
        }
    });

    it("a rebuilt node's steps are replaced: triggers hold its machine identity and the cluster's CA hash; init's hold the first machine's", () => {
        for (const id of ["join-credentials-c-worker-0", "join-c-worker-0", "member-c-worker-0"]) {
            const triggers = named(ha.resources, `c-${id}`).inputs.triggers as string[];
            assert.strictEqual(triggers[0], "c-worker-0-launch-id", id);
            assert.match(triggers[1], /^sha256:[0-9a-f]{64}$/, id);
        }
        assert.deepStrictEqual(named(ha.resources, "c-init").inputs.triggers, ["c-cp-0-launch-id"]);
        // The join token is replaced with the machine too.
        assert.deepStrictEqual(named(ha.resources, "c-token-c-worker-0").inputs, { length: 11, keepers: { machine: "c-worker-0-launch-id" } });
    });

    it("sets deleteBeforeReplace where the step adopts on create and destroys on delete, and ignores creation-only changes", () => {
        for (const r of commands(ha.resources)) {
            const kind = parseStepId(r.name.slice(2))?.kind;
            // The upgrade steps (upgrade.ts) destroy nothing on delete.
            assert.strictEqual(r.options?.deleteBeforeReplace, ["init", "join-credentials", "join", "member"].includes(kind as string), r.name);
            const creationOnly = kind === "join-credentials" || (kind === "join" && r.name.includes("worker"));
            assert.deepStrictEqual(r.options?.ignoreChanges ?? [], creationOnly ? ["stdin"] : [], r.name);
        }
    });

    it("waits in the runbook's order: each step depends on what it waits for", () => {
        const deps = (name: string) => named(ha.resources, name).dependencies;
        const urn = (name: string) => named(ha.resources, name).urn;
        assert.ok(deps("c-join-credentials-c-cp-2").includes(urn("c-join-c-cp-1")), "cp-2 joins after cp-1");
        assert.ok(deps("c-join-credentials-c-worker-0").includes(urn("c-join-c-cp-2")), "workers join after the control plane");
        assert.ok(deps("c-join-c-worker-0").includes(urn("c-join-credentials-c-worker-0")), "credentials right before the join");
        // dependsOn on a component (the node) waits for its children.
        assert.ok(deps("c-join-c-worker-0").includes(urn("c-worker-0-launch")), "the join waits for its machine");
        assert.ok(deps("c-member-c-worker-0").includes(urn("c-join-c-worker-0")));
        for (const m of ["c-member-c-cp-1", "c-member-c-cp-2", "c-member-c-worker-0", "c-member-c-worker-1"]) {
            assert.ok(deps("c-kubeconfig").includes(urn(m)), m);
        }
    });

    it("Multipass nodes run `multipass exec <vm> -- sudo bash -s <op>` from here; SSH hosts `sudo bash -s <op>` over SSH", () => {
        const join = named(ha.resources, "c-join-c-cp-1");
        assert.strictEqual(join.type, "command:local:Command");
        assert.deepStrictEqual(join.inputs.interpreter, ["/bin/bash", "-c"]);
        for (const op of ["create", "update", "delete"]) {
            assert.match(join.inputs[op] as string, new RegExp(`^vm='c-cp-1'$[\\s\\S]*^exec multipass exec "\\$vm" -- sudo bash -s ${op}$`, "m"));
        }
        const worker = named(ha.resources, "c-join-c-worker-0");
        assert.strictEqual(worker.inputs.update, undefined, "a worker join has no update");
        const init = named(ssh.resources, "c-init");
        assert.strictEqual(init.type, "command:remote:Command");
        assert.deepStrictEqual(
            [init.inputs.create, init.inputs.update, init.inputs.delete],
            ["sudo bash -s create", "sudo bash -s update", "sudo bash -s delete"],
        );
        const host = (name: string) => (unwrapSecrets(named(ssh.resources, name).inputs.connection, "reveal") as { host: string }).host;
        assert.deepStrictEqual([host("c-init"), host("c-member-c-worker-0"), host("c-join-c-worker-0")], ["192.168.64.10", "192.168.64.10", "192.168.64.11"]);
        assert.ok(containsSecret(init.inputs.connection), "the SSH connection (private key) is secret");
    });

    it("never passes a previous output to update or delete; secret steps log nothing and store stdin, stdout and stderr as secrets", () => {
        for (const run of [ha, ssh]) {
            const raw = new Map(run.resources.map((r) => [r.name, r]));
            for (const r of commands(run.resources)) {
                assert.strictEqual(r.inputs.addPreviousOutputInEnv, false, r.name);
                const kind = parseStepId(r.name.slice("c-".length))?.kind;
                const secret = ["join-credentials", "join", "kubeconfig"].includes(kind as string);
                assert.strictEqual(containsSecret(raw.get(r.name)?.inputs.stdin), secret, `${r.name} stdin secret`);
                assert.strictEqual(r.inputs.logging, secret ? "none" : undefined, r.name);
                assert.deepStrictEqual(r.additionalSecretOutputs?.filter((o) => o !== "connection") ?? [], secret ? ["stdout", "stderr"] : [], r.name);
            }
        }
    });

    it("keeps every token and key out of resource IDs and plain fields: RandomBytes (ID none), secrets only inside secret markers", () => {
        const revealed = JSON.stringify(
            unwrapSecrets(
                ha.resources.map((r) => r.inputs),
                "reveal",
            ),
        );
        const tokens = [...new Set(revealed.match(/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g) ?? [])];
        assert.strictEqual(tokens.length, 4, `one token per joining node: ${tokens.join(", ")}`);
        const redacted = JSON.stringify([
            unwrapSecrets(
                ha.resources.map((r) => r.inputs),
                "redact",
            ),
            unwrapSecrets(
                ha.resources.map((r) => r.outputs ?? {}),
                "redact",
            ),
            ha.outputs.apiServerEndpoint,
            ha.outputs.nodeIps,
        ]);
        for (const t of tokens) {
            assert.ok(!redacted.includes(t), "a token outside a secret");
            assert.ok(!redacted.includes(t.split(".")[1]), "a token secret outside a secret");
        }
        assert.ok(!redacted.includes("PRIVATE KEY"), "key material outside a secret");
        assert.ok(ha.resources.every((r) => r.type !== "random:index/randomString:RandomString" && r.type !== "random:index/randomId:RandomId"));
        assert.ok(ha.outputs.kubeconfig.secret);
        assert.ok(!String(ha.outputs.controlPlane.value && JSON.stringify(ha.outputs.controlPlane.value)).includes("PRIVATE"));
        assert.strictEqual(ssh.outputs.controlPlane.secret, true, "an SSH connection holds the private key");
    });

    it("gives the provider the ServiceAccount kubeconfig and deleteUnreachable, so a cluster that is gone does not block destroy", () => {
        const provider = named(ha.resources, "c-provider");
        assert.strictEqual(provider.inputs.deleteUnreachable, "true");
        assert.ok(containsSecret(provider.inputs.kubeconfig));
        const conf = parse(ha.outputs.kubeconfig.value as string);
        assert.strictEqual(conf.clusters[0].cluster.server, "https://192.168.64.240:6443");
        assert.match(conf.users[0].user.token, /^offline-plan-placeholder\./);
        assert.deepStrictEqual(ha.outputs.controlPlane.value, { kind: "multipass", vm: "c-cp-0" });
    });

    it("publishes every step's files and scripts, which the plan writes as artifacts keyed by step resource, twice the same", async () => {
        const artifacts = collectArtifacts("t", ha.resources);
        const paths = artifacts.map((a) => a.path);
        for (const p of [
            "t/c-init/create.sh",
            "t/c-init/update.sh",
            "t/c-init/delete.sh",
            "t/c-init/files/etc/kubernetes/psa/admission.yaml",
            "t/c-init/files/etc/kubernetes/kubeadm/init.yaml",
            "t/c-init/files/etc/kubernetes/manifests/kube-vip.yaml",
            "t/c-join-c-cp-1/files/etc/kubernetes/pki/etcd/ca.key",
            "t/c-join-c-cp-1/update.sh",
            "t/c-join-c-worker-0/files/etc/kubernetes/kubeadm/join.yaml",
            "t/c-member-c-worker-0/delete.sh",
            "t/c-kubeconfig/files/etc/kubernetes/platform/admin-account.yaml",
            "t/c-init/stdin.sh",
        ]) {
            assert.ok(paths.includes(p), `missing ${p}`);
        }
        assert.ok(!paths.includes("t/c-join-c-worker-0/update.sh"));
        const again = await planCluster({ controlPlanes: 3, workers: 2, backend: "multipass", vip: "192.168.64.240" });
        assert.deepStrictEqual(collectArtifacts("t", again.resources), artifacts);
    });

    it("the first preview registers the same resources while identities, IPs and outputs are unknown", async () => {
        const preview = await planCluster({ controlPlanes: 3, workers: 2, backend: "multipass", vip: "192.168.64.240" }, true);
        const names = (rs: RecordedResource[]) => rs.map((r) => `${r.type} ${r.name}`).sort();
        assert.deepStrictEqual(names(preview.resources), names(ha.resources));
        assert.deepStrictEqual(
            collectArtifacts("t", preview.resources).filter((a) => a.path.includes("/files/")),
            [],
            "no file is known yet",
        );
    });
});
