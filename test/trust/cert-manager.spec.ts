// CertManager: chart values valid for the pinned chart's closed schema, restricted PSA, requests
// and limits; the vault-issuer ClusterIssuer and the wildcard Certificate valid for the upstream
// CRDs and wired to Vault, the cluster's mount and the Gateway; and phase2-check.sh run for real
// against a fake kubectl (jsonpath rendered by the real kubectl) and a real openssl PKI.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import {
    base64Pem,
    CERT_MANAGER_NAMESPACE,
    certManagerValues,
    vaultClusterIssuer,
    vaultIssuerTokenRbac,
    wildcardCertificate,
} from "../../components/cert-manager";
import { MAIN_GATEWAY } from "../../components/cilium-mesh";
import { certificateSpec } from "../../components/lib/certificate";
import { KUBE_API_AUDIENCE } from "../../components/vault-cluster-auth";
import { CHARTS } from "../../config/versions";
import { chartRequests } from "../../tools/plan/capacity";
import { RecordedResource, unwrapSecrets } from "../../tools/offline/record";
import { chartSchemaValidator, errorsOf, requireSchemas, SCHEMAS, strictCrdValidator } from "../networking/helpers";
import { findResource, OkRun, requireTool, sharedTestProgram } from "../support/offline";
import { shellcheck } from "../support/validators";
import {
    certificate,
    healthyState,
    makePki,
    realKubectl,
    runScript,
    ScriptRun,
    SCRIPT,
    TestPki,
    tlsSecret,
    VAULT_CA_PATH,
} from "./cert-manager-fixtures/phase2";
import { PROGRAM } from "./cert-manager-fixtures/world";

const CHART_DIR = `charts/cert-manager-${CHARTS.certManager.version}`;
const COMPONENTS = ["", "webhook.", "cainjector.", "startupapicheck."];
const ISSUER_URN = "urn:pulumi:test::platform::platform:trust:CertManager$kubernetes:cert-manager.io/v1:ClusterIssuer::app1-cert-manager-issuer";

function get(value: any, dotted: string): any {
    return dotted.split(".").reduce((v, k) => (v === undefined || v === null ? undefined : v[k]), value);
}

describe("CertManager: chart values", () => {
    it("are valid for the pinned chart's values.schema.json, whose closed top level rejects an unknown key", function () {
        requireSchemas(this);
        const validate = chartSchemaValidator(`${CHART_DIR}/values.schema.json`);
        assert.ok(validate(certManagerValues()), errorsOf(validate));
        assert.equal(validate({ ...certManagerValues(), installCRD: true }), false, "a misspelt key is caught");
    });

    it("install the CRDs with the release and keep crds.keep at its default (true)", function () {
        const values = certManagerValues() as any;
        assert.deepEqual(values.crds, { enabled: true });
        assert.ok(!("installCRDs" in values), "deprecated");
        requireSchemas(this);
        assert.equal(parse(fs.readFileSync(path.join(SCHEMAS, CHART_DIR, "values.yaml"), "utf8")).crds.keep, true);
    });

    it("set requests and limits for the controller, webhook, cainjector and startupapicheck", () => {
        const values = certManagerValues();
        for (const prefix of COMPONENTS) {
            const r = get(values, `${prefix}resources`);
            assert.ok(r?.requests?.cpu && r?.requests?.memory && r?.limits?.cpu && r?.limits?.memory, `${prefix}resources`);
        }
    });

    it("leave the chart's pod security as it ships, which the restricted PSA level admits", function () {
        requireSchemas(this);
        const defaults = parse(fs.readFileSync(path.join(SCHEMAS, CHART_DIR, "values.yaml"), "utf8"));
        const values = certManagerValues();
        for (const prefix of COMPONENTS) {
            const pod = get(defaults, `${prefix}securityContext`);
            const container = get(defaults, `${prefix}containerSecurityContext`);
            assert.equal(pod.runAsNonRoot, true, prefix);
            assert.equal(pod.seccompProfile.type, "RuntimeDefault", prefix);
            assert.equal(container.allowPrivilegeEscalation, false, prefix);
            assert.deepEqual(container.capabilities.drop, ["ALL"], prefix);
            assert.equal(get(values, `${prefix}securityContext`), undefined, `${prefix}: not overridden`);
            assert.equal(get(values, `${prefix}containerSecurityContext`), undefined, `${prefix}: not overridden`);
        }
    });
});

describe("CertManager: custom resources against the upstream CRDs", () => {
    const issuer = vaultClusterIssuer({
        server: PROGRAM.vaultAddress,
        path: PROGRAM.pkiSignPath,
        caBundle: base64Pem(PROGRAM.vaultCaPem),
        mountPath: "kubernetes-app1",
        role: "cert-manager",
    });
    const wildcard = certificateSpec(wildcardCertificate("app1"));

    it("the vault-issuer ClusterIssuer is valid (strict: unknown fields rejected)", function () {
        requireSchemas(this);
        const validate = strictCrdValidator(issuer.apiVersion, issuer.kind)!;
        assert.ok(validate(issuer), errorsOf(validate));
        const misspelt = structuredClone(issuer);
        misspelt.spec.vault.auth.kubernetes.serviceAccountRef.audience = ["x"];
        assert.equal(validate(misspelt), false, "a misspelt field is caught");
    });

    it("the wildcard Certificate is valid", function () {
        requireSchemas(this);
        const validate = strictCrdValidator(wildcard.apiVersion, wildcard.kind)!;
        assert.ok(validate(wildcard), errorsOf(validate));
    });
});

describe("CertManager (app1, offline mocks)", () => {
    let run: OkRun;
    const named = (type: string, name: string): RecordedResource => findResource(run.resources, type, name);
    const inputsOf = (r: RecordedResource) => unwrapSecrets(r.inputs, "reveal") as Record<string, any>;

    before(async () => {
        run = await sharedTestProgram(path.join(__dirname, "cert-manager-fixtures", "program.ts"));
    });

    it("installs the pinned chart as release cert-manager in a restricted namespace, waiting for it, after the CNI", () => {
        const release = named("kubernetes:helm.sh/v3:Release", "app1-cert-manager-release");
        const inputs = inputsOf(release);
        assert.deepEqual(
            [inputs.chart, inputs.version, inputs.repositoryOpts.repo],
            [CHARTS.certManager.chart, CHARTS.certManager.version, CHARTS.certManager.repo],
        );
        assert.equal(inputs.name, "cert-manager");
        assert.equal(inputs.namespace, CERT_MANAGER_NAMESPACE);
        assert.ok(!inputs.skipAwait, "Helm waits: the webhook serves before any Certificate");
        assert.deepEqual(inputs.values, certManagerValues());
        assert.ok(release.dependencies.includes("urn:pulumi:test::platform::kubernetes:core/v1:ConfigMap::app1-cni"));
        const ns = inputsOf(named("kubernetes:core/v1:Namespace", "app1-cert-manager-namespace"));
        assert.equal(ns.metadata.name, "cert-manager");
        assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    });

    it("gives the capacity report every workload's requests", () => {
        const workloads = chartRequests(named("kubernetes:helm.sh/v3:Release", "app1-cert-manager-release"), 1);
        assert.deepEqual(
            workloads.map((w) => [w.name, w.cpuMilli, w.memoryMiB, w.unset]),
            [
                ["cert-manager/controller", 50, 128, []],
                ["cert-manager/webhook", 20, 64, []],
                ["cert-manager/cainjector", 25, 128, []],
            ],
        );
    });

    it("lets the controller (SA cert-manager) request tokens for SA vault-issuer only", () => {
        const sa = inputsOf(named("kubernetes:core/v1:ServiceAccount", "app1-cert-manager-vault-issuer-sa"));
        assert.deepEqual(sa.metadata, { name: "vault-issuer", namespace: "cert-manager" });
        assert.equal(sa.automountServiceAccountToken, false);
        const role = inputsOf(named("kubernetes:rbac.authorization.k8s.io/v1:Role", "app1-cert-manager-vault-issuer-role"));
        assert.deepEqual(role.rules, [{ apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: ["vault-issuer"], verbs: ["create"] }]);
        const binding = inputsOf(named("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "app1-cert-manager-vault-issuer-binding"));
        assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: "cert-manager", namespace: "cert-manager" }]);
        assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name });
        assert.deepEqual(vaultIssuerTokenRbac().role.metadata, role.metadata);
    });

    it("wires vault-issuer to Vault's address, the PKI sign path, the listener CA (base64), the cluster's mount and role", function () {
        const issuer = named("kubernetes:cert-manager.io/v1:ClusterIssuer", "app1-cert-manager-issuer");
        const vault = inputsOf(issuer).spec.vault;
        assert.equal(inputsOf(issuer).metadata.name, "vault-issuer");
        assert.equal(vault.server, PROGRAM.vaultAddress);
        assert.equal(vault.path, "pki_int/sign/k8s-certs");
        assert.equal(Buffer.from(vault.caBundle, "base64").toString("utf8"), PROGRAM.vaultCaPem);
        assert.deepEqual(vault.auth.kubernetes, {
            role: "cert-manager",
            mountPath: "/v1/auth/kubernetes-app1",
            serviceAccountRef: { name: "vault-issuer", audiences: [KUBE_API_AUDIENCE] },
        });
        requireSchemas(this);
        const validate = strictCrdValidator("cert-manager.io/v1", "ClusterIssuer")!;
        assert.ok(validate(inputsOf(issuer)), errorsOf(validate));
    });

    it("creates vault-issuer after the release, its ServiceAccount and RBAC, and the cluster's whole Vault auth", () => {
        const deps = named("kubernetes:cert-manager.io/v1:ClusterIssuer", "app1-cert-manager-issuer").dependencies;
        const prefix = "urn:pulumi:test::platform::platform:trust:";
        for (const needed of [
            "CertManager$kubernetes:helm.sh/v3:Release::app1-cert-manager-release",
            "CertManager$kubernetes:core/v1:ServiceAccount::app1-cert-manager-vault-issuer-sa",
            "CertManager$kubernetes:rbac.authorization.k8s.io/v1:RoleBinding::app1-cert-manager-vault-issuer-binding",
            "VaultClusterAuth$vault:kubernetes/authBackendConfig:AuthBackendConfig::app1-vault-auth-config",
            "VaultClusterAuth$vault:kubernetes/authBackendRole:AuthBackendRole::app1-vault-auth-cert-manager-role",
            "VaultClusterAuth$kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding::app1-vault-auth-auth-delegator",
        ]) {
            assert.ok(deps.includes(prefix + needed), needed);
        }
    });

    it("issues wildcard-tls for main-gateway from vault-issuer (ECDSA P-256, 720h, renewed 360h before), after the issuer and the Gateway's namespace", function () {
        requireSchemas(this);
        const cert = named("kubernetes:cert-manager.io/v1:Certificate", "app1-cert-manager-wildcard-tls");
        const inputs = inputsOf(cert);
        assert.deepEqual(inputs.metadata, { name: "wildcard-tls", namespace: MAIN_GATEWAY.namespace });
        assert.equal(inputs.spec.secretName, MAIN_GATEWAY.tlsSecretName);
        assert.deepEqual(inputs.spec.dnsNames, ["*.app1.local.dev", "app1.local.dev"]);
        assert.deepEqual(inputs.spec.issuerRef, { group: "cert-manager.io", kind: "ClusterIssuer", name: "vault-issuer" });
        assert.deepEqual([inputs.spec.duration, inputs.spec.renewBefore], ["720h", "360h"]);
        assert.deepEqual([inputs.spec.privateKey.algorithm, inputs.spec.privateKey.size], ["ECDSA", 256]);
        assert.ok(cert.dependencies.includes(ISSUER_URN));
        assert.ok(cert.dependencies.includes("urn:pulumi:test::platform::kubernetes:core/v1:Namespace::app1-gateway-namespace"));
        const validate = strictCrdValidator("cert-manager.io/v1", "Certificate")!;
        assert.ok(validate(inputs), errorsOf(validate));
    });

    it("never creates a self-signed or CA issuer, and exports the issuer's name", () => {
        const issuers = run.resources.filter((r) => /cert-manager\.io\/v1:(Cluster)?Issuer$/.test(r.type));
        assert.deepEqual(
            issuers.map((r) => Object.keys(inputsOf(r).spec)),
            [["vault"]],
        );
        assert.equal(run.outputs.issuerName.value, "vault-issuer");
    });
});

describe("phase2-check.sh (real bash and openssl, fake kubectl)", () => {
    let dir: string;
    let pki: TestPki;
    let runs: Record<string, ScriptRun>;
    const lines = (r: ScriptRun, verdict: "PASS" | "FAIL") => r.stdout.split("\n").filter((l) => l.startsWith(verdict));
    const failed = (r: ScriptRun) => lines(r, "FAIL").map((l) => l.match(/^FAIL\s+\[(\d)\]/)?.[1]);
    const app1 = (state: any) => state.clusters.app1.objects;
    /** A call's arguments after the global --context flag: the verb first. */
    const verbFirst = (call: string[]) => (call[0] === "--context" ? call.slice(2) : call);
    const callsOf = (r: ScriptRun, verb: string) => r.calls.map(verbFirst).filter((c) => c[0] === verb);
    const withState = (change: (state: any) => void) => {
        const state = healthyState(pki);
        change(state);
        return state;
    };
    const CONTEXTS = ["--context", "app1", "--vault-context", "mgmt"];

    before(async function () {
        requireTool(this, "openssl");
        requireTool(this, "kubectl");
        requireTool(this, "bash");
        assert.ok(realKubectl());
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "phase2-pki-"));
        pki = makePki(dir);
        fs.writeFileSync(path.join(dir, "vault-ca.pem"), pki.intermediate);
        // Independent breakages share a run (each FAIL line names its own cause): node and kubectl start slowly.
        const scenarios: Record<string, [unknown, string[]]> = {
            healthy: [healthyState(pki), CONTEXTS],
            broken: [
                withState((s) => {
                    const objects = app1(s);
                    objects.clusterissuers[0].status.conditions = [
                        { type: "Other", status: "True" },
                        { type: "Ready", status: "False" },
                    ];
                    objects.clusterissuers.push({
                        apiVersion: "cert-manager.io/v1",
                        kind: "ClusterIssuer",
                        metadata: { name: "lab-ca" },
                        spec: { selfSigned: {} },
                    });
                    objects.issuers.push({
                        apiVersion: "cert-manager.io/v1",
                        kind: "Issuer",
                        metadata: { name: "selfsigned-bootstrap", namespace: "demo" },
                        spec: { ca: { secretName: "x" } },
                    });
                    objects.certificates.push(
                        certificate("demo", "from-bootstrap", { kind: "ClusterIssuer", name: "selfsigned-bootstrap" }),
                        certificate("demo", "namespaced-namesake", { name: "vault-issuer" }),
                    );
                    objects.certificates[1].status.conditions = [{ type: "Ready", status: "False" }];
                    objects.secrets = [tlsSecret("gateway-system", "wildcard-tls", pki.impostorLeaf)];
                }),
                CONTEXTS,
            ],
            missing: [
                withState((s) => {
                    app1(s).clusterissuers = [];
                    app1(s).certificates[0].status.conditions[1].status = "False";
                }),
                CONTEXTS,
            ],
            noVaultCa: [healthyState(pki), ["--context", "app1", "--issue-test"]],
            issueTest: [healthyState(pki), ["--vault-ca", path.join(dir, "vault-ca.pem"), "--issue-test"]],
            issueTimeout: [withState((s) => (s.clusters.app1.issuance.ready = false)), [...CONTEXTS, "--issue-test"]],
            usage: [healthyState(pki), ["--vault-ca", "x", "--vault-context", "mgmt"]],
        };
        const entries = await Promise.all(Object.entries(scenarios).map(async ([name, [state, args]]) => [name, await runScript(state, args)] as const));
        runs = Object.fromEntries(entries);
    });

    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    it("is shellcheck-clean", function () {
        requireTool(this, "shellcheck");
        assert.equal(shellcheck(fs.readFileSync(SCRIPT, "utf8")), "");
        assert.match(fs.readFileSync(SCRIPT, "utf8"), /^set -euo pipefail$/m);
    });

    it("passes every check on a finished phase 2, on the given context, reading Vault's CA from mgmt", () => {
        const r = runs.healthy;
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.deepEqual(
            lines(r, "PASS").map((l) => l.slice(0, 9)),
            ["PASS  [1]", "PASS  [2]", "PASS  [3]", "PASS  [4]", "PASS  [5]"],
        );
        assert.match(r.stdout, /\[5\] gateway-system\/wildcard-tls Ready and verifies against Vault's pki_int CA \(issuer=CN ?= ?Platform Intermediate CA\)/);
        for (const call of r.calls) {
            const context = call[call.indexOf("--context") + 1];
            assert.equal(context, call.includes("--raw") ? "mgmt" : "app1", call.join(" "));
        }
        assert.ok(r.calls.some((c) => c.includes(VAULT_CA_PATH)));
    });

    it("reads the issuer's Ready condition by type, not conditions[0]", () => {
        assert.equal(runs.broken.status, 1);
        assert.match(runs.broken.stdout, /^FAIL {2}\[1\] ClusterIssuer vault-issuer not Ready \(Ready=False\)$/m);
        assert.match(runs.missing.stdout, /^FAIL {2}\[1\] ClusterIssuer vault-issuer: .*NotFound/m);
    });

    it("fails on a self-signed issuer and on any issuer named selfsigned-bootstrap, naming them", () => {
        assert.match(runs.broken.stdout, /^FAIL {2}\[2\] self-signed or bootstrap issuers remain: ClusterIssuer\/lab-ca Issuer\/demo\/selfsigned-bootstrap$/m);
    });

    it("lists Certificates not issued by the ClusterIssuer vault-issuer (a namesake Issuer too)", () => {
        assert.match(
            runs.broken.stdout,
            /^FAIL {2}\[3\] .*: demo\/from-bootstrap\(ClusterIssuer\/selfsigned-bootstrap\) demo\/namespaced-namesake\(\/vault-issuer\)$/m,
        );
    });

    it("lists Certificates that are not Ready", () => {
        assert.match(runs.broken.stdout, /^FAIL {2}\[4\] Certificates not Ready: keycloak\/keycloak-tls$/m);
        assert.match(runs.missing.stdout, /^FAIL {2}\[4\] Certificates not Ready: gateway-system\/wildcard-tls$/m);
        assert.match(runs.missing.stdout, /^FAIL {2}\[5\] Certificate gateway-system\/wildcard-tls not Ready \(False\)$/m);
        assert.deepEqual(failed(runs.broken), ["1", "2", "3", "4", "5"]);
        assert.deepEqual(failed(runs.missing), ["1", "4", "5"]);
    });

    it("fails when wildcard-tls does not chain to Vault's intermediate, though its issuer's name says Intermediate", () => {
        assert.match(
            runs.broken.stdout,
            /\[5\] gateway-system\/wildcard-tls: does not verify against Vault's pki_int CA \(issuer=CN ?= ?Bootstrap Intermediate CA\)/,
        );
        // Without mgmt's context, app1 has no Vault to read the CA from: check 5 fails and the test issuance is not attempted.
        assert.deepEqual(failed(runs.noVaultCa), ["5", "6"]);
        assert.match(runs.noVaultCa.stdout, /\[5\] cannot read Vault's pki_int CA/);
        assert.deepEqual(callsOf(runs.noVaultCa, "apply"), []);
    });

    it("--issue-test issues a throwaway Certificate from vault-issuer, verifies it, and deletes it with its Secret", () => {
        const r = runs.issueTest;
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /PASS {2}\[6\] test issuance cert-manager\/phase2-check-\S+ verifies against Vault's pki_int CA/);
        const name = callsOf(r, "wait")[0]
            ?.find((a) => a.startsWith("certificate/"))
            ?.slice("certificate/".length);
        assert.equal(callsOf(r, "apply").length, 1);
        assert.ok(name);
        const deletes = callsOf(r, "delete").map((c) => c.slice(1, 3));
        assert.deepEqual(deletes, [
            ["certificate", name],
            ["secret", name],
        ]);
        assert.ok(!r.calls.some((c) => c.includes("--context")), "no context given: the current one");
        assert.ok(!JSON.stringify(app1(r.state)).includes("phase2-check-"), "nothing left behind");
    });

    it("--issue-test fails, and still cleans up, when the Certificate never gets Ready", () => {
        const r = runs.issueTimeout;
        assert.equal(r.status, 1);
        assert.deepEqual(failed(r), ["6"]);
        assert.match(r.stdout, /\[6\] test Certificate cert-manager\/phase2-check-\S+ not Ready within/);
        assert.deepEqual(
            callsOf(r, "delete").map((c) => c[1]),
            ["certificate", "secret"],
        );
        assert.ok(!JSON.stringify(app1(r.state)).includes("phase2-check-"), "nothing left behind");
    });

    it("exits 2 on a usage error", () => {
        assert.equal(runs.usage.status, 2);
        assert.match(runs.usage.stderr, /exclude each other/);
        assert.equal(runs.usage.calls.length, 0);
    });
});
