/**
 * ApiServerSettings: the three API server files against the Kubernetes 1.35 formats, the step
 * scripts run for real in a throwaway node (test/components/node-sandbox.ts) with fake kubeadm and
 * kubectl that act on the static pod manifest, and the component under the offline mocks: secret
 * stdin, and no key in anything recorded.
 */
import * as assert from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, parseAllDocuments } from "yaml";
import {
    redactedKeys,
    renderSettingsStep,
    settingsSteps,
    SettingsValues,
    validateApiServerSettingsArgs,
    ApiServerSettingsArgs,
} from "../../components/api-server-settings";
import {
    apiServerExtras,
    auditPolicy,
    AuditRule,
    authenticationConfiguration,
    encryptionConfiguration,
    renderEncryptionFile,
} from "../../components/api-server-settings/config-files";
import { clusterConfiguration, PSA_FILE } from "../../components/kubeadm-cluster/kubeadm-config";
import { NODE_STEPS_OUTPUT, NodeStepRecord, renderNodeBundle } from "../../components/vm-node/node-command";
import { collectArtifacts } from "../../tools/plan/artifacts";
import { containsSecret, RecordedResource, unwrapSecrets } from "../../tools/offline/record";
import { makeSandbox, Sandbox, requireSandbox } from "../components/node-sandbox";
import { shellcheckAll } from "../stacks/shellcheck-all";
import { OkRun, requireTool, runTestProgram } from "../support/offline";

const CA = "-----BEGIN CERTIFICATE-----\nMIIBvault\n-----END CERTIFICATE-----\n";
const OIDC = { issuerUrl: "https://192.168.64.203/realms/platform", clientId: "kubernetes", caPem: CA };
const AUDIT = { maxAgeDays: 7, maxBackups: 10, maxSizeMiB: 100 };
const KEY1 = Buffer.alloc(32, 1).toString("base64");
const KEY2 = Buffer.alloc(32, 2).toString("base64");
const KEYS = [
    { generation: 1, secret: KEY1 },
    { generation: 2, secret: KEY2 },
];

function values(overrides: Partial<SettingsValues> = {}, controlPlanes = 1): SettingsValues {
    return {
        clusterName: "c",
        network: { podCidr: "10.100.0.0/16", serviceCidr: "10.96.0.0/16", controlPlaneVip: controlPlanes > 1 ? "192.168.64.240" : undefined },
        controlPlanes: Array.from({ length: controlPlanes }, (_, i) => ({ name: `c-cp-${i}`, ip: `192.168.64.${10 + i}` })),
        settings: { oidc: true, audit: AUDIT, encryptionKeyGeneration: 1 },
        oidc: OIDC,
        ...overrides,
    };
}

/** The first rule of the policy that matches a request (kubernetes.io "Auditing": the first match wins). */
function auditLevel(rules: AuditRule[], req: { user?: string; verb?: string; group?: string; resource?: string; namespace?: string; url?: string }): string {
    const glob = (pattern: string, value: string) => (pattern.endsWith("*") ? value.startsWith(pattern.slice(0, -1)) : pattern === value);
    const rule = rules.find(
        (r) =>
            (!r.users || r.users.includes(req.user ?? "")) &&
            (!r.userGroups || r.userGroups.includes("system:nodes") === (req.user?.startsWith("system:node:") ?? false)) &&
            (!r.verbs || r.verbs.includes(req.verb ?? "")) &&
            (!r.namespaces || r.namespaces.includes(req.namespace ?? "")) &&
            (!r.nonResourceURLs || (req.url !== undefined && r.nonResourceURLs.some((p) => glob(p, req.url as string)))) &&
            (!r.resources ||
                (req.url === undefined && r.resources.some((g) => g.group === req.group && (!g.resources || g.resources.includes(req.resource ?? ""))))),
    );
    return rule ? rule.level : "(no rule)";
}

describe("ApiServerSettings: the API server files (Kubernetes 1.35 formats)", () => {
    it("AuthenticationConfiguration v1: one JWT issuer for the Keycloak client, prefixed claims; none without OIDC", () => {
        assert.deepStrictEqual(authenticationConfiguration(OIDC), {
            apiVersion: "apiserver.config.k8s.io/v1",
            kind: "AuthenticationConfiguration",
            jwt: [
                {
                    issuer: { url: OIDC.issuerUrl, audiences: ["kubernetes"], certificateAuthority: CA },
                    claimMappings: { username: { claim: "preferred_username", prefix: "oidc:" }, groups: { claim: "groups", prefix: "oidc:" } },
                },
            ],
        });
        assert.deepStrictEqual(authenticationConfiguration(undefined), {
            apiVersion: "apiserver.config.k8s.io/v1",
            kind: "AuthenticationConfiguration",
            jwt: [],
        });
    });

    it("audit Policy v1: probes and noise at None, Secrets/ConfigMaps/TokenReviews at Metadata only, RBAC changes with bodies, Metadata else", () => {
        const policy = auditPolicy();
        assert.strictEqual(policy.apiVersion, "audit.k8s.io/v1");
        assert.strictEqual(policy.kind, "Policy");
        assert.deepStrictEqual(policy.omitStages, ["RequestReceived"]);
        const level = (req: Parameters<typeof auditLevel>[1]) => auditLevel(policy.rules, req);
        for (const url of ["/healthz", "/healthz/etcd", "/livez", "/readyz", "/readyz/ping", "/version"]) {
            assert.strictEqual(level({ url, user: "system:anonymous" }), "None", url);
        }
        assert.strictEqual(level({ url: "/metrics", user: "system:serviceaccount:monitoring:prometheus" }), "Metadata");
        for (const verb of ["create", "update", "patch", "delete", "get", "list", "watch"]) {
            assert.strictEqual(level({ verb, group: "", resource: "secrets", user: "oidc:alice" }), "Metadata", `secrets ${verb}`);
            assert.strictEqual(level({ verb, group: "", resource: "configmaps", user: "oidc:alice" }), "Metadata", `configmaps ${verb}`);
        }
        assert.strictEqual(
            level({ verb: "create", group: "authentication.k8s.io", resource: "tokenreviews", user: "system:kube-controller-manager" }),
            "Metadata",
        );
        for (const verb of ["create", "update", "patch", "delete"]) {
            assert.strictEqual(
                level({ verb, group: "rbac.authorization.k8s.io", resource: "clusterrolebindings", user: "oidc:alice" }),
                "RequestResponse",
                verb,
            );
        }
        assert.strictEqual(level({ verb: "get", group: "rbac.authorization.k8s.io", resource: "roles", user: "oidc:alice" }), "Metadata");
        assert.strictEqual(level({ verb: "create", group: "", resource: "events", user: "system:node:c-cp-0" }), "None");
        assert.strictEqual(
            level({ verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: "kube-system", user: "system:kube-scheduler" }),
            "None",
        );
        assert.strictEqual(level({ verb: "get", group: "", resource: "nodes", user: "system:node:c-cp-0" }), "None");
        assert.strictEqual(level({ verb: "create", group: "", resource: "pods", user: "oidc:alice" }), "Metadata");
        assert.strictEqual(level({ verb: "create", group: "", resource: "serviceaccounts/token", user: "oidc:alice" }), "Metadata", "tokens never logged");
        // Nothing anywhere logs bodies except RBAC.
        assert.deepStrictEqual(
            policy.rules.filter((r) => r.level === "Request" || r.level === "RequestResponse").map((r) => r.resources),
            [[{ group: "rbac.authorization.k8s.io" }]],
        );
    });

    it("EncryptionConfiguration v1, secretbox: final writes with the current key, reads the previous one and identity", () => {
        const provider = (g: number, phase: "final" | "transitional") => encryptionConfiguration(KEYS, g, phase).config.resources;
        const box = (...names: Array<[string, string]>) => ({ secretbox: { keys: names.map(([name, secret]) => ({ name, secret })) } });
        assert.deepStrictEqual(provider(1, "final"), [{ resources: ["secrets"], providers: [box(["key-1", KEY1]), { identity: {} }] }]);
        assert.deepStrictEqual(provider(2, "final"), [
            {
                resources: ["secrets"],
                providers: [box(["key-2", KEY2], ["key-1", KEY1]), { identity: {} }],
            },
        ]);
        // Transitional (several API servers): the previous writer stays first, the new key only reads.
        assert.deepStrictEqual(provider(1, "transitional"), [{ resources: ["secrets"], providers: [{ identity: {} }, box(["key-1", KEY1])] }]);
        assert.deepStrictEqual(provider(2, "transitional"), [
            {
                resources: ["secrets"],
                providers: [box(["key-1", KEY1], ["key-2", KEY2]), { identity: {} }],
            },
        ]);
        assert.strictEqual(encryptionConfiguration(KEYS, 2, "final").config.apiVersion, "apiserver.config.k8s.io/v1");
        assert.throws(() => encryptionConfiguration(KEYS, 3, "final"), /generation 3 is missing/);
        const file = renderEncryptionFile(encryptionConfiguration(KEYS, 2, "transitional"));
        assert.ok(file.startsWith("# platform: encrypts with key-1\n"));
        assert.strictEqual(parse(file).kind, "EncryptionConfiguration");
        assert.strictEqual(Buffer.from(KEY1, "base64").length, 32, "secretbox takes a 32-byte key");
    });

    it("flags and mounts: after the PSA ones in the one ClusterConfiguration renderer; none at init", () => {
        const extras = apiServerExtras({ maxAgeDays: 14, maxBackups: 5, maxSizeMiB: 50 });
        const base = {
            clusterName: "c",
            kubernetesVersion: "v1.35.9",
            controlPlaneEndpoint: "192.168.64.10:6443",
            podCidr: "10.100.0.0/16",
            serviceCidr: "10.96.0.0/16",
            certSANs: [],
        };
        const cluster = clusterConfiguration({ ...base, apiServerExtras: extras });
        assert.deepStrictEqual(cluster.apiServer.extraArgs, [
            { name: "admission-control-config-file", value: PSA_FILE },
            { name: "authentication-config", value: "/etc/kubernetes/platform/apiserver/authentication.yaml" },
            { name: "audit-policy-file", value: "/etc/kubernetes/platform/apiserver/audit-policy.yaml" },
            { name: "audit-log-path", value: "/var/log/kubernetes/audit/audit.log" },
            { name: "audit-log-maxage", value: "14" },
            { name: "audit-log-maxbackup", value: "5" },
            { name: "audit-log-maxsize", value: "50" },
            { name: "encryption-provider-config", value: "/etc/kubernetes/platform/apiserver/encryption.yaml" },
            { name: "encryption-provider-config-automatic-reload", value: "true" },
        ]);
        assert.deepStrictEqual(
            cluster.apiServer.extraVolumes.map((v) => [v.name, v.hostPath, v.mountPath, v.readOnly]),
            [
                ["psa", "/etc/kubernetes/psa", "/etc/kubernetes/psa", true],
                ["platform-apiserver", "/etc/kubernetes/platform/apiserver", "/etc/kubernetes/platform/apiserver", true],
                ["audit-log", "/var/log/kubernetes/audit", "/var/log/kubernetes/audit", false],
            ],
        );
        assert.deepStrictEqual(clusterConfiguration(base).apiServer.extraArgs, [{ name: "admission-control-config-file", value: PSA_FILE }]);
    });

    it("the kubeadm file: the full ClusterConfiguration and the node's own InitConfiguration", () => {
        const { files } = renderSettingsStep({ id: "apply-c-cp-1", node: "c-cp-1", phase: "final" }, values({}, 3), KEYS.slice(0, 1));
        const kubeadm = files.find((f) => f.path === "/etc/kubernetes/kubeadm/api-server-settings.yaml");
        assert.ok(kubeadm);
        const [cluster, init] = parseAllDocuments(kubeadm.content).map((d) => d.toJS());
        assert.strictEqual(cluster.controlPlaneEndpoint, "192.168.64.240:6443");
        assert.deepStrictEqual(cluster.apiServer.certSANs, ["192.168.64.10", "192.168.64.11", "192.168.64.12", "192.168.64.240"]);
        assert.deepStrictEqual(init.localAPIEndpoint, { advertiseAddress: "192.168.64.11", bindPort: 6443 });
        assert.strictEqual(init.nodeRegistration.name, "c-cp-1");
        assert.deepStrictEqual(
            files.map((f) => f.mode),
            ["0600", "0600", "0600", "0600"],
        );
    });

    it("steps: one per node in order, a prepare round first with several API servers, one rewrite last", () => {
        assert.deepStrictEqual(
            settingsSteps(["a"]).map((s) => s.id),
            ["apply-a", "rewrite-secrets"],
        );
        assert.deepStrictEqual(
            settingsSteps(["a", "b", "c"]).map((s) => `${s.id}@${s.node}:${s.phase ?? "-"}`),
            [
                "prepare-a@a:transitional",
                "prepare-b@b:transitional",
                "prepare-c@c:transitional",
                "apply-a@a:final",
                "apply-b@b:final",
                "apply-c@c:final",
                "rewrite-secrets@a:-",
            ],
        );
        const args = { controlPlanes: [{}], settings: { oidc: true, audit: AUDIT, encryptionKeyGeneration: 1 } } as unknown as ApiServerSettingsArgs;
        assert.throws(() => validateApiServerSettingsArgs("s", args), /apiServer\.oidc is on but no issuer was given/);
        assert.doesNotThrow(() => validateApiServerSettingsArgs("s", { ...args, settings: { ...args.settings, oidc: false } }));
    });

    it("the scripts are shellcheck-clean", function () {
        requireTool(this, "shellcheck");
        const scripts: Record<string, string> = {};
        for (const [label, v, cps] of [
            ["single", values(), 1],
            ["ha-g2", values({ settings: { oidc: false, audit: AUDIT, encryptionKeyGeneration: 2 } }, 3), 3],
        ] as const) {
            for (const step of settingsSteps(v.controlPlanes.map((n) => n.name)).filter((s, i) => i === 0 || i === cps || s.phase === undefined)) {
                const { script } = renderSettingsStep(step, v, KEYS);
                scripts[`${label}-${step.id}`] = renderNodeBundle(step.id, { create: script, update: script });
            }
        }
        assert.strictEqual(Object.keys(scripts).length, 5);
        assert.strictEqual(shellcheckAll(scripts), "");
    });
});

/** Fakes that shadow the sandbox's kubeadm and kubectl: kubeadm renders the apiServer extraArgs into the manifest. */
const FAKES: Record<string, string> = {
    kubeadm: `
log kubeadm "$@"
case "$*" in
  "version -o short") echo v1.35.9 ;;
  "init phase upload-config kubeadm --config "*) cp "$6" "$FAKE_STATE/uploaded-config.yaml" ;;
  "init phase control-plane apiserver --config "*)
    manifest=/etc/kubernetes/manifests/kube-apiserver.yaml
    before=$(cat "$manifest" 2>/dev/null || true)
    {
      printf 'apiVersion: v1\\nkind: Pod\\nspec:\\n  containers:\\n  - command:\\n    - kube-apiserver\\n'
      awk '/^[^ ]/ { section = $1 }
           section == "apiServer:" && /^  extraArgs:/ { inargs = 1; next }
           /^  [^ ]/ { inargs = 0 }
           inargs && /- name: / { name = $3 }
           inargs && /value: / { v = $0; sub(/^ *value: /, "", v); gsub(/"/, "", v); print "    - --" name "=" v }' "$6"
    } > "$manifest.tmp"
    mv "$manifest.tmp" "$manifest"
    # The kubelet restarts a static pod whose manifest changed.
    if [ "$(cat "$manifest")" != "$before" ]; then
      n=$(cat "$FAKE_STATE/generated" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$FAKE_STATE/generated"
      echo "apiserver-regenerated-$n" > "$FAKE_STATE/containers/kube-apiserver"
    fi ;;
  *) echo "fake kubeadm: unexpected $*" >&2; exit 3 ;;
esac`,
    kubectl: `
log kubectl "$@"
args="$*"
case "$args" in
  *"get --raw=/readyz"*) [ -e "$FAKE_STATE/cluster-answers" ] || { echo "connection refused" >&2; exit 1; } ;;
  *"get secrets --all-namespaces -o json"*) cat "$FAKE_STATE/secrets.json" ;;
  *"replace -f -"*)
    if [ -e "$FAKE_STATE/replace-conflicts" ]; then rm "$FAKE_STATE/replace-conflicts"; cat >/dev/null; echo "Error from server (Conflict): the object has been modified" >&2; exit 1; fi
    cat > "$FAKE_STATE/replaced.json"; echo "secret/a replaced" ;;
  *) echo "fake kubectl: unexpected $args" >&2; exit 3 ;;
esac`,
};

describe("ApiServerSettings: step scripts, run in a throwaway node", function () {
    let node: Sandbox;
    let fakes: string;
    before(function () {
        requireSandbox(this);
        fakes = fs.mkdtempSync(path.join(os.tmpdir(), "api-server-fakes-"));
        for (const [name, body] of Object.entries(FAKES)) {
            fs.writeFileSync(path.join(fakes, name), `#!/bin/bash\nset -u\nlog() { echo "$*" >> "$FAKE_LOG"; }\n${body}\n`, { mode: 0o755 });
        }
    });
    after(() => fakes && fs.rmSync(fakes, { recursive: true, force: true }));
    beforeEach(() => {
        node = makeSandbox();
        // A cluster made by the init step, before this component: the manifest has the PSA flag only.
        write(
            "/etc/kubernetes/manifests/kube-apiserver.yaml",
            `spec:\n  containers:\n  - command:\n    - kube-apiserver\n    - --admission-control-config-file=${PSA_FILE}\n`,
        );
        write("/etc/kubernetes/admin.conf", "admin");
        node.set("cluster-answers");
        node.set("containers/kube-apiserver", "apiserver-initial\n");
        node.set("secrets.json", '{"apiVersion":"v1","kind":"List","items":[{"kind":"Secret","metadata":{"name":"a"}}]}');
    });
    afterEach(() => node?.remove());

    const write = (nodePath: string, content: string) => {
        fs.mkdirSync(path.dirname(node.host(nodePath)), { recursive: true });
        fs.writeFileSync(node.host(nodePath), content);
    };
    const read = (nodePath: string) => fs.readFileSync(node.host(nodePath), "utf8");
    const manifest = () => read("/etc/kubernetes/manifests/kube-apiserver.yaml");
    /** Runs a step's script (as its update) with the fakes first on PATH; returns the run and the calls it made. */
    const run = (v: SettingsValues, id = "apply-c-cp-0", keys = KEYS) => {
        const step = settingsSteps(v.controlPlanes.map((n) => n.name)).find((s) => s.id === id);
        assert.ok(step, id);
        const { script } = renderSettingsStep(step, v, keys);
        node.clearLog();
        const result = node.run(`export PATH=${fakes}:$PATH\n${renderNodeBundle(id, { create: script, update: script })}`, "update");
        return { ...result, calls: node.calls() };
    };
    const kubeadmCalls = (calls: string[]) => calls.filter((c) => c.startsWith("kubeadm"));
    const restarts = (calls: string[]) => calls.filter((c) => / stop /.test(c));

    it("(a) a cluster made before this step: files 0600, config uploaded, manifest regenerated, waits for the new API server", () => {
        const r = run(values());
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(kubeadmCalls(r.calls), [
            "kubeadm version -o short",
            "kubeadm init phase upload-config kubeadm --config /etc/kubernetes/kubeadm/api-server-settings.resolved.yaml",
            "kubeadm init phase control-plane apiserver --config /etc/kubernetes/kubeadm/api-server-settings.resolved.yaml",
        ]);
        assert.match(manifest(), /- --authentication-config=\/etc\/kubernetes\/platform\/apiserver\/authentication\.yaml\n/);
        assert.match(manifest(), /- --encryption-provider-config-automatic-reload=true\n/);
        assert.match(fs.readFileSync(path.join(node.state, "uploaded-config.yaml"), "utf8"), /name: audit-log-maxage\n\s+value: "7"/);
        for (const f of ["authentication.yaml", "audit-policy.yaml", "encryption.yaml"]) {
            assert.strictEqual((fs.statSync(node.host(`/etc/kubernetes/platform/apiserver/${f}`)).mode & 0o777).toString(8), "600", f);
        }
        assert.strictEqual(parse(read("/etc/kubernetes/platform/apiserver/authentication.yaml")).jwt[0].issuer.url, OIDC.issuerUrl);
        const readyz = r.calls.findIndex((c) => c.includes("--server https://192.168.64.10:6443") && c.endsWith("get --raw=/readyz"));
        assert.ok(readyz > r.calls.findIndex((c) => c.startsWith("kubeadm init phase control-plane")), "waits for /readyz after regenerating");
        assert.deepStrictEqual(restarts(r.calls), [], "the kubelet restarts it; the script stops nothing");
        assert.strictEqual(r.stdout, "");
        assert.ok(!r.stderr.includes(KEY1), "the key is never printed");
    });

    it("(b) the same inputs again: no kubeadm, no restart; (c) only the issuer changes: the file is rewritten, no restart", () => {
        assert.strictEqual(run(values()).status, 0);
        const again = run(values());
        assert.strictEqual(again.status, 0, again.stderr);
        assert.deepStrictEqual(kubeadmCalls(again.calls), []);
        assert.deepStrictEqual(restarts(again.calls), []);
        assert.match(again.stderr, /has these settings already/);

        const issuer = run(values({ oidc: { ...OIDC, issuerUrl: "https://keycloak.mgmt.example/realms/platform" } }));
        assert.strictEqual(issuer.status, 0, issuer.stderr);
        assert.deepStrictEqual(kubeadmCalls(issuer.calls), []);
        assert.deepStrictEqual(restarts(issuer.calls), []);
        assert.match(issuer.stderr, /only the authentication file changed: the API server reloads it by itself/);
        assert.strictEqual(
            parse(read("/etc/kubernetes/platform/apiserver/authentication.yaml")).jwt[0].issuer.url,
            "https://keycloak.mgmt.example/realms/platform",
        );
    });

    it("(d) audit maxAge changes: the ClusterConfiguration changed, so upload and regenerate; a removed flag is put back", () => {
        assert.strictEqual(run(values()).status, 0);
        const audit = run(values({ settings: { oidc: true, audit: { ...AUDIT, maxAgeDays: 30 }, encryptionKeyGeneration: 1 } }));
        assert.strictEqual(audit.status, 0, audit.stderr);
        assert.strictEqual(kubeadmCalls(audit.calls).length, 3, "version, upload-config, control-plane");
        assert.match(manifest(), /- --audit-log-maxage=30\n/);
        // `kubeadm upgrade` from an old ConfigMap, or a hand edit, dropped a flag: the manifest check sees it.
        write("/etc/kubernetes/manifests/kube-apiserver.yaml", manifest().replace(/.*--audit-policy-file.*\n/, ""));
        const repaired = run(values({ settings: { oidc: true, audit: { ...AUDIT, maxAgeDays: 30 }, encryptionKeyGeneration: 1 } }));
        assert.strictEqual(repaired.status, 0, repaired.stderr);
        assert.strictEqual(kubeadmCalls(repaired.calls).length, 3);
        assert.match(manifest(), /--audit-policy-file=/);
    });

    it("an audit policy change restarts the API server (read at start) and waits for /readyz", () => {
        assert.strictEqual(run(values()).status, 0);
        write("/etc/kubernetes/platform/apiserver/audit-policy.yaml", "stale\n");
        const r = run(values());
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(kubeadmCalls(r.calls), []);
        assert.strictEqual(restarts(r.calls).length, 1);
        assert.ok(r.calls.findIndex((c) => c.endsWith("get --raw=/readyz")) > r.calls.findIndex((c) => / stop /.test(c)));
    });

    it("(e) key generation 2: two keys and identity, a restart, then every Secret rewritten once (retried on a conflict)", () => {
        assert.strictEqual(run(values()).status, 0);
        const g2 = values({ settings: { oidc: true, audit: AUDIT, encryptionKeyGeneration: 2 } });
        const r = run(g2);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(kubeadmCalls(r.calls), [], "no flag changed");
        assert.strictEqual(restarts(r.calls).length, 1);
        const enc = parse(read("/etc/kubernetes/platform/apiserver/encryption.yaml"));
        assert.deepStrictEqual(enc.resources[0].providers, [
            {
                secretbox: {
                    keys: [
                        { name: "key-2", secret: KEY2 },
                        { name: "key-1", secret: KEY1 },
                    ],
                },
            },
            { identity: {} },
        ]);
        node.set("replace-conflicts");
        const rewrite = run(g2, "rewrite-secrets");
        assert.strictEqual(rewrite.status, 0, rewrite.stderr);
        assert.strictEqual(rewrite.calls.filter((c) => c === "kubectl replace -f -").length, 2, "one conflict, one retry");
        assert.match(fs.readFileSync(path.join(node.state, "replaced.json"), "utf8"), /"name":"a"/);
        assert.match(rewrite.stderr, /every Secret is stored with key-2/);
        assert.strictEqual(rewrite.stdout, "");
    });

    it("refuses a generation that would drop the key in use, and a replaced key of the same name; touches nothing", () => {
        assert.strictEqual(run(values()).status, 0);
        const before = read("/etc/kubernetes/platform/apiserver/encryption.yaml");
        const jump = run(values({ settings: { oidc: true, audit: AUDIT, encryptionKeyGeneration: 3 } }), "apply-c-cp-0", [
            ...KEYS,
            { generation: 3, secret: KEY2 },
        ]);
        assert.strictEqual(jump.status, 1);
        assert.match(jump.stderr, /encrypts Secrets with key-1; apiServer\.encryptionKeyGeneration 3 would drop that key/);
        const replaced = run(values(), "apply-c-cp-0", [{ generation: 1, secret: KEY2 }]);
        assert.strictEqual(replaced.status, 1);
        assert.match(replaced.stderr, /holds another key-1 than the stack/);
        assert.ok(!replaced.stderr.includes(KEY1) && !replaced.stderr.includes(KEY2));
        assert.strictEqual(read("/etc/kubernetes/platform/apiserver/encryption.yaml"), before);
        assert.deepStrictEqual(kubeadmCalls([...jump.calls, ...replaced.calls]), []);
    });

    it("with 3 API servers: prepare adds the new key as a reader, and leaves a node that writes with it already", () => {
        const ha = (g: number) => values({ settings: { oidc: false, audit: AUDIT, encryptionKeyGeneration: g } }, 3);
        assert.strictEqual(run(ha(1), "apply-c-cp-0").status, 0);
        const prepare = run(ha(2), "prepare-c-cp-0");
        assert.strictEqual(prepare.status, 0, prepare.stderr);
        const keys = () =>
            parse(read("/etc/kubernetes/platform/apiserver/encryption.yaml")).resources[0].providers[0].secretbox.keys.map((k: { name: string }) => k.name);
        assert.deepStrictEqual(keys(), ["key-1", "key-2"]);
        assert.strictEqual(run(ha(2), "apply-c-cp-0").status, 0);
        assert.deepStrictEqual(keys(), ["key-2", "key-1"]);
        const again = run(ha(2), "prepare-c-cp-0");
        assert.strictEqual(again.status, 0, again.stderr);
        assert.match(again.stderr, /encrypts with key-2 already: its encryption file stays/);
        assert.deepStrictEqual(keys(), ["key-2", "key-1"]);
        assert.deepStrictEqual(restarts(again.calls), []);
        assert.strictEqual(parse(read("/etc/kubernetes/platform/apiserver/authentication.yaml")).jwt.length, 0, "oidc: false");
    });
});

async function plan(scenario: { controlPlanes: number; oidc: boolean; generation: number; vip?: string }) {
    return runTestProgram(path.join(__dirname, "api-server-settings", "program.ts"), {
        config: { "test:scenario": JSON.stringify(scenario) },
        simulatedIps: Object.fromEntries(Array.from({ length: scenario.controlPlanes }, (_, i) => [`c-cp-${i}`, `192.168.64.${10 + i}`])),
    });
}

/** The mock's RandomBytes value (tools/offline/mocks.ts), in every encoding it could leak in. */
function mockKeyEncodings(name: string): string[] {
    const bytes = createHash("sha512").update(name).digest().subarray(0, 32);
    return [bytes.toString("base64"), bytes.toString("hex")];
}

describe("ApiServerSettings: registered resources under the offline mocks", function () {
    let single: OkRun;
    let ha: OkRun;
    before(async () => {
        [single, ha] = await Promise.all([
            plan({ controlPlanes: 1, oidc: true, generation: 2 }),
            plan({ controlPlanes: 3, oidc: false, generation: 1, vip: "192.168.64.240" }),
        ]);
    });
    const commands = (rs: RecordedResource[]) => rs.filter((r) => r.type === "command:local:Command" && !r.name.endsWith("-launch"));
    const component = (rs: RecordedResource[]) => rs.find((r) => r.type === "platform:k8s:ApiServerSettings") as RecordedResource;

    it("one secret, unlogged step per node in order, each after the one before and replaced with its machine", () => {
        const order = ["prepare-c-cp-0", "prepare-c-cp-1", "prepare-c-cp-2", "apply-c-cp-0", "apply-c-cp-1", "apply-c-cp-2", "rewrite-secrets"].map(
            (id) => `c-settings-${id}`,
        );
        assert.deepStrictEqual(
            commands(ha.resources)
                .map((r) => r.name)
                .sort(),
            [...order].sort(),
        );
        const cmds = order.map((n) => commands(ha.resources).find((r) => r.name === n) as RecordedResource);
        cmds.forEach((c, i) => {
            assert.strictEqual(c.parent, component(ha.resources).urn);
            assert.ok(containsSecret(c.inputs.stdin), `${c.name}: stdin is secret`);
            assert.strictEqual(c.inputs.logging, "none");
            assert.ok(typeof c.inputs.update === "string", `${c.name}: has an update`);
            if (i > 0) {
                assert.ok(c.options?.dependsOn?.includes(cmds[i - 1].urn), `${c.name} waits for ${cmds[i - 1].name}`);
            }
            const launch = ha.resources.find(
                (r) => r.name === `${c.name.includes("rewrite") ? "c-cp-0" : c.name.replace(/^c-settings-(prepare|apply)-/, "")}-launch`,
            ) as RecordedResource;
            assert.ok(c.propertyDependencies.triggers?.includes(launch.urn), `${c.name}: replaced when its machine is rebuilt`);
        });
        assert.deepStrictEqual(
            ha.resources.filter((r) => r.type === "random:index/randomBytes:RandomBytes").map((r) => [r.name, r.inputs.length]),
            [["c-settings-encryption-key-1", 32]],
        );
        assert.deepStrictEqual(
            single.resources.filter((r) => r.type === "random:index/randomBytes:RandomBytes").map((r) => r.name),
            ["c-settings-encryption-key-1", "c-settings-encryption-key-2"],
        );
    });

    it("no key in anything recorded: outputs, artifacts, redacted inputs; only the secret stdin holds it", () => {
        const leaks = ["c-settings-encryption-key-1", "c-settings-encryption-key-2"].flatMap(mockKeyEncodings);
        const apply = commands(single.resources).find((r) => r.name === "c-settings-apply-c-cp-0") as RecordedResource;
        const stdin = JSON.stringify(unwrapSecrets(apply.inputs.stdin, "reveal"));
        assert.ok(stdin.includes(leaks[0]) && stdin.includes(leaks[2]), "the step's stdin carries both keys (the search works)");
        const has = (text: string) => leaks.filter((k) => text.includes(k));
        const nonRandom = single.resources.filter((r) => r.type !== "random:index/randomBytes:RandomBytes");
        assert.deepStrictEqual(has(JSON.stringify(nonRandom.map((r) => unwrapSecrets(r.inputs, "redact")))), []);
        assert.deepStrictEqual(has(JSON.stringify(nonRandom.map((r) => unwrapSecrets(r.outputs, "reveal")))), []);
        assert.deepStrictEqual(has(JSON.stringify(single.outputs)), []);
        const artifacts = collectArtifacts("test", single.resources);
        assert.deepStrictEqual(has(artifacts.map((a) => a.content).join("\n")), []);
        const encryption = artifacts.find((a) => a.path === "test/c-settings-apply-c-cp-0/files/etc/kubernetes/platform/apiserver/encryption.yaml");
        assert.ok(encryption, artifacts.map((a) => a.path).join("\n"));
        assert.deepStrictEqual(parse(encryption.content).resources[0].providers[0].secretbox.keys, [
            { name: "key-2", secret: "[secret]" },
            { name: "key-1", secret: "[secret]" },
        ]);
        assert.ok(artifacts.some((a) => a.path === "test/c-settings-rewrite-secrets/update.sh"));
        assert.deepStrictEqual(redactedKeys(2), [
            { generation: 2, secret: "[secret]" },
            { generation: 1, secret: "[secret]" },
        ]);
    });

    it("oidc: false gives no issuer; oidc: true gives the Keycloak one", () => {
        const records = (run: OkRun) => unwrapSecrets(component(run.resources).outputs?.[NODE_STEPS_OUTPUT], "reveal") as Record<string, NodeStepRecord>;
        const authOf = (r: NodeStepRecord) => parse((r.files.find((f) => f.path.endsWith("/authentication.yaml")) as { content: string }).content);
        assert.deepStrictEqual(authOf(records(ha)["apply-c-cp-1"]).jwt, []);
        assert.ok(!JSON.stringify(records(ha)).includes("realms/platform"));
        assert.strictEqual(authOf(records(single)["apply-c-cp-0"]).jwt[0].issuer.url, OIDC.issuerUrl);
        assert.deepStrictEqual(Object.keys(records(single)), ["apply-c-cp-0", "rewrite-secrets"]);
    });
});
