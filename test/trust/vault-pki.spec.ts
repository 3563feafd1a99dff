// VaultPki (issue 9): the chart values against vault-helm 0.34.1's schema and defaults, the
// component under the offline mocks (PKI chain, TTLs, key types, steps, secrets), the init and
// unseal programs run for real against a fake Vault, and `npm run vault:unseal`'s parts.
import { strict as assert } from "assert";
import { coalesce, unknownKeys } from "../support/chart-values";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { stepCommandArgs, vaultAddress } from "../../components/vault-pki";
import { onboardingPolicy, PKI, PKI_SIGN_PATH } from "../../components/vault-pki/pki";
import { InitOutput, parseInitOutput, runVaultStep, VAULT_STACK_OUTPUTS, VaultStep } from "../../components/vault-pki/steps";
import { LISTENER_CA_VALIDITY, listenerSans } from "../../components/vault-pki/tls";
import { raftConfig, VAULT_RESOURCES, VAULT_TLS_DIR, VAULT_TLS_SECRET, vaultValues } from "../../components/vault-pki/values";
import { CHARTS } from "../../config/versions";
import { evaluatePolicies, PlannedResource } from "../../policy-pack/evaluate";
import { PSS_CHECKS } from "../../policy-pack/policies/pss/checks";
import { containsSecret, RecordedResource, unwrapSecrets } from "../../tools/offline/record";
import { parseUnsealArgs, unseal, unsealEnvironment } from "../../tools/vault/unseal";
import { chartSchemaValidator, errorsOf, requireSchemas, SCHEMAS } from "../networking/helpers";
import { findResource, OkRun, requireTool, runTestProgram } from "../support/offline";

const VALUES_ARGS = { clusterName: "mgmt", vaultIp: "192.168.64.231", storageClass: "local-path-retain" };
const CHART_DIR = `charts/${CHARTS.vault.chart}-${CHARTS.vault.version}`;

describe("VaultPki: chart values (vault-helm 0.34.1)", () => {
    const values: any = vaultValues(VALUES_ARGS);

    it("validate against the chart's values.schema.json once merged over its defaults, and name only keys its values.yaml has", function () {
        requireSchemas(this);
        const defaults = parse(fs.readFileSync(path.join(SCHEMAS, CHART_DIR, "values.yaml"), "utf8"));
        const validate = chartSchemaValidator(`${CHART_DIR}/values.schema.json`);
        assert.ok(validate(coalesce(defaults, values)), errorsOf(validate));
        assert.deepEqual(unknownKeys(values, defaults), []);
        // The check itself catches a misspelt key.
        assert.deepEqual(unknownKeys({ server: { ha: { replica: 1 } } }, defaults), ["server.ha.replica"]);
    });

    it("run one raft server with its data on the Retain class, the injector off, and explicit requests and limits", () => {
        assert.deepEqual(values.server.ha, { enabled: true, replicas: 1, raft: { enabled: true, setNodeId: true, config: raftConfig() } });
        assert.equal(values.server.standalone.enabled, false);
        assert.deepEqual(values.server.dataStorage, { enabled: true, storageClass: "local-path-retain" });
        assert.deepEqual(values.server.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
        assert.equal(values.injector.enabled, false);
        assert.deepEqual(values.server.resources, VAULT_RESOURCES);
        assert.ok(VAULT_RESOURCES.requests.cpu && VAULT_RESOURCES.requests.memory && VAULT_RESOURCES.limits.cpu && VAULT_RESOURCES.limits.memory);
    });

    it("serve TLS from the mounted Secret, with the chart's TLS mode on", () => {
        assert.equal(values.global.tlsDisable, false);
        const config = raftConfig();
        assert.match(config, /storage "raft" \{\s*path = "\/vault\/data"/);
        assert.ok(!/tls_disable/.test(config), "the listener must not disable TLS");
        assert.ok(config.includes(`tls_cert_file   = "${VAULT_TLS_DIR}/tls.crt"`) && config.includes(`tls_key_file    = "${VAULT_TLS_DIR}/tls.key"`));
        assert.deepEqual(values.server.volumes, [{ name: "tls", secret: { secretName: VAULT_TLS_SECRET, defaultMode: 0o440 } }]);
        assert.deepEqual(values.server.volumeMounts, [{ name: "tls", mountPath: VAULT_TLS_DIR, readOnly: true }]);
        assert.equal(values.server.extraEnvironmentVars.VAULT_CACERT, `${VAULT_TLS_DIR}/ca.crt`);
    });

    it("expose Vault as the one LoadBalancer (vault-ui) on the fixed IP of mgmt's service pool, reachable while sealed", () => {
        assert.equal(values.server.service, undefined, "server.service.type would make vault, vault-active and vault-standby LoadBalancers");
        assert.deepEqual(values.ui, {
            enabled: true,
            serviceType: "LoadBalancer",
            externalPort: 8200,
            targetPort: 8200,
            activeVaultPodOnly: false,
            publishNotReadyAddresses: true,
            annotations: { "metallb.io/address-pool": "mgmt-services", "metallb.io/loadBalancerIPs": "192.168.64.231" },
        });
    });

    it("give the server pod what PSA restricted asks (every baseline and restricted check passes on the rendered pod)", () => {
        // The pod as server-statefulset.yaml renders it with these values: the securityContexts, the volumes, no host access.
        const sc = values.server.statefulSet.securityContext;
        const pod = (container: any) => ({
            specPath: "spec",
            metaPath: "metadata",
            metadata: {},
            spec: {
                securityContext: sc.pod,
                containers: [{ name: "vault", image: "hashicorp/vault:2.0.4", securityContext: container, volumeMounts: values.server.volumeMounts }],
                volumes: [...values.server.volumes, { name: "config", configMap: { name: "vault-config" } }, { name: "home", emptyDir: {} }],
            },
        });
        const findings = (container: any) => PSS_CHECKS.flatMap((c) => c.check(pod(container)).map((f) => `${c.id}: ${f.path}`));
        assert.deepEqual(findings(sc.container), []);
        // The chart's default container context (no privilege escalation only) would fail restricted.
        assert.ok(findings({ allowPrivilegeEscalation: false }).some((f) => f.startsWith("capabilities_restricted")));
    });
});

describe("VaultPki: the listener certificate and the PKI settings", () => {
    it("covers the Vault IP, loopback and the chart's Service and pod names", () => {
        const sans = listenerSans("192.168.64.231");
        assert.deepEqual(sans.ipAddresses, ["192.168.64.231", "127.0.0.1"]);
        for (const dns of ["vault", "vault.vault", "vault.vault.svc", "vault.vault.svc.cluster.local", "vault-0.vault-internal", "vault-active.vault.svc"]) {
            assert.ok(sans.dnsNames.includes(dns), dns);
        }
    });

    it("lets the onboarding policy manage only kubernetes-* auth mounts, platform-* policies and child tokens", () => {
        const paths = [...onboardingPolicy().matchAll(/path "([^"]+)" \{\s*capabilities = \[([^\]]*)\]/g)].map((m) => [m[1], m[2]]);
        assert.deepEqual(
            paths.map(([p]) => p),
            [
                "sys/auth",
                "sys/auth/kubernetes-*",
                "sys/mounts/auth/kubernetes-*",
                "auth/kubernetes-*",
                "sys/policies/acl/platform-*",
                "sys/policy/platform-*",
                "auth/token/create",
            ],
        );
        assert.ok(paths.find(([p]) => p === "sys/auth/kubernetes-*")?.[1].includes('"sudo"'), "enabling an auth method needs sudo");
        assert.ok(!onboardingPolicy().includes('"root"') && !/path "(secret|pki)/.test(onboardingPolicy()));
    });
});

/** The mocked run of the fixture program: run once, asserted on by every test below. */
describe("VaultPki under the offline mocks", function () {
    this.timeout(60_000);
    let run: OkRun;
    let byName: (type: string, name: string) => RecordedResource;
    let revealed: (r: RecordedResource) => any;
    const urnOf = (type: string, name: string) => byName(type, name).urn;
    before(async () => {
        run = await runTestProgram(path.join(__dirname, "vault-pki", "program.ts"));
        byName = (type, name) => findResource(run.resources, type, `mgmt-vault-${name}`);
        revealed = (r) => unwrapSecrets(r.inputs, "reveal");
    });
    const T = {
        mount: "vault:index/mount:Mount",
        root: "vault:pkiSecret/secretBackendRootCert:SecretBackendRootCert",
        csr: "vault:pkiSecret/secretBackendIntermediateCertRequest:SecretBackendIntermediateCertRequest",
        sign: "vault:pkiSecret/secretBackendRootSignIntermediate:SecretBackendRootSignIntermediate",
        setSigned: "vault:pkiSecret/secretBackendIntermediateSetSigned:SecretBackendIntermediateSetSigned",
        issuer: "vault:pkiSecret/secretBackendIssuer:SecretBackendIssuer",
        defaults: "vault:pkiSecret/secretBackendConfigIssuers:SecretBackendConfigIssuers",
        urls: "vault:pkiSecret/secretBackendConfigUrls:SecretBackendConfigUrls",
        role: "vault:pkiSecret/secretBackendRole:SecretBackendRole",
        command: "command:local:Command",
        provider: "pulumi:providers:vault",
    };

    it("installs the pinned chart into the restricted vault namespace after the networking, the namespace and the TLS Secret, without waiting", () => {
        const release = byName("kubernetes:helm.sh/v3:Release", "release");
        const inputs = revealed(release);
        assert.deepEqual([inputs.chart, inputs.version, inputs.repositoryOpts.repo], [CHARTS.vault.chart, CHARTS.vault.version, CHARTS.vault.repo]);
        assert.equal(inputs.skipAwait, true, "a sealed Vault is never Ready");
        assert.equal(inputs.namespace, "vault");
        assert.deepEqual(inputs.values, vaultValues(VALUES_ARGS));
        const standIn = findResource(run.resources, "kubernetes:core/v1:Namespace", "networking-stand-in").urn;
        for (const urn of [standIn, urnOf("kubernetes:core/v1:Namespace", "namespace"), urnOf("kubernetes:core/v1:Secret", "tls-secret")]) {
            assert.ok(release.dependencies.includes(urn), urn);
        }
        const ns = revealed(byName("kubernetes:core/v1:Namespace", "namespace"));
        assert.equal(ns.metadata.name, "vault");
        assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    });

    it("makes the listener CA and server certificate with @pulumi/tls (ECDSA, renewed early) into a TLS Secret whose data is secret", () => {
        assert.deepEqual(
            [revealed(byName("tls:index/privateKey:PrivateKey", "tls-ca-key")), revealed(byName("tls:index/privateKey:PrivateKey", "tls-key"))].map((k) => [
                k.algorithm,
                k.ecdsaCurve,
            ]),
            [
                ["ECDSA", "P384"],
                ["ECDSA", "P256"],
            ],
        );
        const ca = revealed(byName("tls:index/selfSignedCert:SelfSignedCert", "tls-ca"));
        assert.equal(ca.isCaCertificate, true);
        assert.deepEqual([ca.validityPeriodHours, ca.earlyRenewalHours], [LISTENER_CA_VALIDITY.validityPeriodHours, LISTENER_CA_VALIDITY.earlyRenewalHours]);
        const csr = revealed(byName("tls:index/certRequest:CertRequest", "tls-csr"));
        assert.deepEqual({ dnsNames: csr.dnsNames, ipAddresses: csr.ipAddresses }, listenerSans("192.168.64.231"));
        const cert = byName("tls:index/locallySignedCert:LocallySignedCert", "tls-cert");
        assert.ok(cert.propertyDependencies.caCertPem.includes(urnOf("tls:index/selfSignedCert:SelfSignedCert", "tls-ca")));
        assert.ok(revealed(cert).earlyRenewalHours > 0);
        const secret = byName("kubernetes:core/v1:Secret", "tls-secret");
        assert.equal((secret.inputs as any).type, "kubernetes.io/tls");
        assert.equal((secret.inputs as any).metadata.name, VAULT_TLS_SECRET);
        assert.equal(unwrapSecrets(secret.inputs, "redact") && (unwrapSecrets(secret.inputs, "redact") as any).stringData, "[secret]");
        assert.deepEqual(Object.keys(revealed(secret).stringData).sort(), ["ca.crt", "tls.crt", "tls.key"]);
    });

    it("runs init and unseal as local node programs that log nothing and keep stdout secret; init never runs again and has no delete", () => {
        const init = byName(T.command, "init");
        const unsealStep = byName(T.command, "unseal");
        for (const step of [init, unsealStep]) {
            const inputs = revealed(step);
            assert.equal(inputs.logging, "none", step.name);
            assert.deepEqual(inputs.interpreter, ["node", "-"]);
            assert.equal(inputs.addPreviousOutputInEnv, false);
            assert.ok(step.additionalSecretOutputs?.includes("stdout"), step.name);
            assert.equal(inputs.delete, undefined, `${step.name}: nothing to do on delete`);
            assert.equal(inputs.environment.VAULT_ADDR, vaultAddress("192.168.64.231"));
            assert.match(inputs.environment.VAULT_CACERT_PEM, /BEGIN CERTIFICATE/);
        }
        assert.deepEqual(init.options?.ignoreChanges?.sort(), ["environment", "stdin"]);
        assert.equal(init.options?.deleteBeforeReplace, false, "a refused re-init must leave the recorded keys in place");
        assert.ok(init.dependencies.includes(urnOf("kubernetes:helm.sh/v3:Release", "release")));
        assert.ok(unsealStep.dependencies.includes(init.urn));
        assert.ok(!containsSecret((init.inputs as any).environment), "init gets no secret");
        assert.ok(containsSecret((unsealStep.inputs as any).environment.VAULT_UNSEAL_KEY), "the unseal key arrives as a secret");
        assert.ok(unsealStep.propertyDependencies.environment.includes(init.urn), "a new init output re-runs unseal");
    });

    it("builds the Vault provider from the init step, after unseal, with a secret token and the listener CA as a file", () => {
        const provider = byName(T.provider, "provider");
        assert.ok(provider.options?.dependsOn?.includes(urnOf(T.command, "unseal")));
        assert.ok(provider.propertyDependencies.token.includes(urnOf(T.command, "init")));
        assert.ok(containsSecret((provider.inputs as any).token), "token must be secret");
        const inputs = revealed(provider);
        assert.equal(inputs.address, "https://192.168.64.231:8200");
        assert.match(fs.readFileSync(inputs.caCertFile, "utf8"), /BEGIN CERTIFICATE/);
        const appStyle = findResource(run.resources, T.provider, "app-vault");
        assert.ok(containsSecret((appStyle.inputs as any).token), "vaultProvider makes a plain token secret");
        for (const r of run.resources.filter((x) => x.type.startsWith("vault:"))) {
            assert.equal(r.options?.provider?.split("::").pop(), `${provider.urn.split("::").pop()}`, `${r.name} must use the Vault provider`);
        }
    });

    it("mounts pki and pki_int with their max lease TTLs, and the KV v2 mount", () => {
        const mount = (n: string) => revealed(byName(T.mount, n));
        assert.deepEqual([mount("pki-mount").path, mount("pki-mount").type, mount("pki-mount").maxLeaseTtlSeconds], ["pki", "pki", 87600 * 3600]);
        assert.deepEqual(
            [mount("pki-int-mount").path, mount("pki-int-mount").type, mount("pki-int-mount").maxLeaseTtlSeconds],
            ["pki_int", "pki", 43800 * 3600],
        );
        assert.deepEqual([mount("kv-mount").path, mount("kv-mount").type, mount("kv-mount").options], ["secret", "kv", { version: "2" }]);
    });

    it("chains root (10 y, EC P-384) -> intermediate CSR -> signed by the root mount (5 y) -> set-signed -> named default issuer", () => {
        const root = revealed(byName(T.root, "root-ca"));
        assert.deepEqual(
            [root.type, root.commonName, root.issuerName, root.ttl, root.keyType, root.keyBits],
            ["internal", "Platform Root CA", "root-2026", "315360000", "ec", 384],
        );
        assert.ok(byName(T.root, "root-ca").propertyDependencies.backend.includes(urnOf(T.mount, "pki-mount")));
        const csr = byName(T.csr, "intermediate-csr");
        assert.deepEqual([revealed(csr).type, revealed(csr).keyType, revealed(csr).keyBits], ["internal", "ec", 384]);
        assert.ok(csr.propertyDependencies.backend.includes(urnOf(T.mount, "pki-int-mount")));
        const sign = byName(T.sign, "intermediate-signed");
        assert.deepEqual([revealed(sign).backend, revealed(sign).ttl, revealed(sign).format], ["pki", "157680000", "pem"]);
        assert.ok(sign.propertyDependencies.backend.includes(urnOf(T.mount, "pki-mount")), "signed by the root mount");
        assert.ok(sign.propertyDependencies.csr.includes(csr.urn));
        assert.ok(sign.propertyDependencies.issuerRef.includes(urnOf(T.root, "root-ca")), "issuerRef names the root explicitly");
        const setSigned = byName(T.setSigned, "intermediate-set-signed");
        assert.equal(revealed(setSigned).backend, "pki_int");
        assert.deepEqual(setSigned.propertyDependencies.certificate, [sign.urn]);
        const issuer = byName(T.issuer, "intermediate-issuer");
        const defaults = byName(T.defaults, "default-issuer");
        assert.deepEqual(defaults.propertyDependencies.default, [setSigned.urn], "default = set-signed's importedIssuers[0]");
        assert.ok(/^[0-9a-f-]{36}$/.test(revealed(defaults).default), "an issuer ID, not a name");
        assert.equal(revealed(defaults).default, revealed(issuer).issuerRef);
        assert.deepEqual([revealed(defaults).backend, revealed(issuer).issuerName], ["pki_int", "intermediate-2026"]);
    });

    it("gives the k8s-certs role its domains, IP SANs, EC P-256 keys, 168 h and at most 720 h, after the default issuer", () => {
        const role = byName(T.role, "role");
        const r = revealed(role);
        assert.equal(r.backend, PKI.intermediate.path);
        assert.equal(`${r.backend}/sign/${r.name}`, PKI_SIGN_PATH);
        assert.deepEqual(r.allowedDomains, ["local.dev", "mgmt.local", "app.local", "svc.cluster.local"]);
        assert.deepEqual([r.allowSubdomains, r.allowBareDomains, r.allowWildcardCertificates, r.allowIpSans], [true, true, true, true]);
        assert.deepEqual([r.keyType, r.keyBits, r.ttl, r.maxTtl, r.issuerRef], ["ec", 256, "604800", "2592000", "default"]);
        assert.ok(role.dependencies.includes(urnOf(T.defaults, "default-issuer")));
        const urls = (n: string) => revealed(byName(T.urls, n));
        assert.deepEqual(urls("pki-int-urls").issuingCertificates, ["https://192.168.64.231:8200/v1/pki_int/ca"]);
        assert.deepEqual(urls("pki-int-urls").crlDistributionPoints, ["https://192.168.64.231:8200/v1/pki_int/crl"]);
        assert.deepEqual(urls("pki-urls").issuingCertificates, ["https://192.168.64.231:8200/v1/pki/ca"]);
    });

    it("makes the onboarding token an orphan, periodic, renewable token of the onboarding policy", () => {
        const token = byName("vault:index/token:Token", "onboarding-token");
        const t = revealed(token);
        assert.deepEqual([t.noParent, t.renewable, t.period, t.policies], [true, true, "768h", ["platform-onboarding"]]);
        assert.ok(token.propertyDependencies.policies.includes(urnOf("vault:index/policy:Policy", "onboarding-policy")));
    });

    it("passes the policy pack, and vault-pki-role-max-ttl fails once the role's maxTtl is above 30 days", () => {
        const component = findResource(run.resources, "platform:trust:VaultPki", "mgmt-vault").urn;
        const planned: PlannedResource[] = run.resources.map((r) => ({ ...r, inputs: unwrapSecrets(r.inputs, "reveal") as Record<string, unknown> }));
        const ours = (v: { urn?: string }) => planned.find((p) => p.urn === v.urn)?.parent === component;
        assert.deepEqual(evaluatePolicies(planned).filter(ours), []);
        const mutated = planned.map((p) => (p.type === T.role ? { ...p, inputs: { ...p.inputs, maxTtl: "2678400" } } : p));
        assert.deepEqual(
            evaluatePolicies(mutated)
                .filter(ours)
                .map((v) => v.policy),
            ["vault-pki-role-max-ttl"],
        );
    });

    it("exports every credential as a secret and the certificates in the clear", () => {
        const outputs = run.outputs;
        for (const name of ["onboardingToken", "unsealKey", "rootToken"]) {
            assert.equal(outputs[name].secret, true, name);
        }
        for (const name of ["address", "serverCaPem", "rootCaPem", "intermediateCaPem", "kvMount", "pkiSignPath"]) {
            assert.equal(outputs[name].secret, false, name);
        }
        assert.deepEqual([outputs.kvMount.value, outputs.pkiSignPath.value], ["secret", "pki_int/sign/k8s-certs"]);
        const exported = outputs.stackOutputs.value as Record<string, unknown>;
        assert.deepEqual(Object.keys(exported).sort(), Object.values(VAULT_STACK_OUTPUTS).sort());
        assert.equal((outputs.ready.value as string[]).length, 5);
    });

    it("holds no private key, token or unseal key in any input or output outside a secret", () => {
        const key = outputs().unsealKey.value as string;
        const token = outputs().rootToken.value as string;
        const onboarding = outputs().onboardingToken.value as string;
        const plain = JSON.stringify([
            run.resources.map((r) => unwrapSecrets({ inputs: r.inputs, outputs: r.outputs }, "redact")),
            Object.values(outputs()).filter((o) => !o.secret),
        ]);
        for (const needle of ["PRIVATE KEY", key, Buffer.from(key, "base64").toString(), token, onboarding, "hvs."]) {
            assert.ok(!plain.includes(needle), `found ${needle.slice(0, 12)}... in the clear`);
        }
    });
    const outputs = () => run.outputs;
});

describe("VaultPki in a first preview (nothing exists yet)", function () {
    this.timeout(60_000);
    it("registers everything with the init output, the keys and the provider's token unknown, and still exports the address", async () => {
        const result = await runTestProgram(path.join(__dirname, "vault-pki", "program.ts"), { firstPreview: true });
        assert.ok(findResource(result.resources, "vault:pkiSecret/secretBackendRole:SecretBackendRole", "mgmt-vault-role"));
        assert.equal(result.outputs.address.value, "https://192.168.64.231:8200");
        for (const name of ["unsealKey", "rootToken", "onboardingToken", "rootCaPem"]) {
            assert.equal(result.outputs[name].value, "[unknown]", name);
        }
    });
});

/** A fake Vault API: what the steps call, with the state that matters. */
class FakeVault {
    initialized = false;
    sealed = true;
    /** Health answers 429 (standby) this many times after unseal, as raft elects itself. */
    standbyAnswers = 0;
    readonly key = Buffer.from("fake-unseal-key-0123456789").toString("base64");
    readonly token = "hvs.fake-root-token";
    readonly calls: string[] = [];
    readonly bodies: unknown[] = [];

    handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        let text = "";
        req.on("data", (c) => (text += c));
        req.on("end", () => {
            const body = text ? JSON.parse(text) : undefined;
            this.calls.push(`${req.method} ${req.url}`);
            this.bodies.push(body);
            const reply = (status: number, json: unknown) => {
                res.writeHead(status, { "content-type": "application/json" });
                res.end(JSON.stringify(json));
            };
            switch (`${req.method} ${req.url}`) {
                case "GET /v1/sys/init":
                    return reply(200, { initialized: this.initialized });
                case "PUT /v1/sys/init":
                    if (this.initialized) {
                        return reply(400, { errors: ["Vault is already initialized"] });
                    }
                    this.initialized = true;
                    return reply(200, { keys: ["00"], keys_base64: [this.key], root_token: this.token });
                case "GET /v1/sys/seal-status":
                    return reply(200, { type: "shamir", initialized: this.initialized, sealed: this.sealed, t: 1, n: 1 });
                case "PUT /v1/sys/unseal":
                    if (body?.key !== this.key) {
                        return reply(400, { errors: ["Unseal failed, invalid key"] });
                    }
                    this.sealed = false;
                    return reply(200, { sealed: false, t: 1, n: 1 });
                case "GET /v1/sys/health":
                    if (!this.initialized || this.sealed) {
                        return reply(this.initialized ? 503 : 501, { initialized: this.initialized, sealed: this.sealed });
                    }
                    if (this.standbyAnswers > 0) {
                        this.standbyAnswers--;
                        return reply(429, { standby: true });
                    }
                    return reply(200, { initialized: true, sealed: false, standby: false, version: "2.0.4" });
                default:
                    return reply(404, { errors: [`no handler for ${req.method} ${req.url}`] });
            }
        });
    }
}

/** Serves `vault` on a free port (`delayMs` later, to simulate an API that is not up yet); resolves with its URL. */
async function serve(vault: FakeVault, delayMs = 0, tlsOptions?: { key: string; cert: string }): Promise<{ url: string; close(): void; listenNow(): void }> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => vault.handle(req, res);
    const server = tlsOptions ? https.createServer(tlsOptions, handler) : http.createServer(handler);
    const probe = http.createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, "127.0.0.1", () => resolve((probe.address() as AddressInfo).port)));
    await new Promise((resolve) => probe.close(resolve));
    let started = false;
    const listen = () => {
        if (!started) {
            started = true;
            server.listen(port, "127.0.0.1");
        }
    };
    const timer = delayMs > 0 ? setTimeout(listen, delayMs) : (listen(), undefined);
    return {
        url: `${tlsOptions ? "https" : "http"}://127.0.0.1:${port}`,
        listenNow: () => {
            clearTimeout(timer);
            listen();
        },
        close: () => {
            clearTimeout(timer);
            server.close();
        },
    };
}

interface Ran {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Runs a step's program exactly as its Command would (interpreter, argument, stdin), with `env` over the Command's environment. */
/** Runs a step's program as the Command runs it; `onStderr` sees its progress as it comes. */
function runStep(step: VaultStep, env: Record<string, string>, onStderr?: (soFar: string) => void): Promise<Ran> {
    const args = stepCommandArgs(step, {});
    const interpreter = args.interpreter as string[];
    const environment = { PATH: process.env.PATH ?? "", ...(args.environment as Record<string, string>), VAULT_RETRY_SECONDS: "0.1", ...env };
    const child: ChildProcess = spawn(interpreter[0], [...interpreter.slice(1), args.create as string], { env: environment });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (c) => (stdout += c));
    child.stderr?.on("data", (c) => {
        stderr += c;
        onStderr?.(stderr);
    });
    child.stdin?.end(args.stdin as string);
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe("VaultPki: the init and unseal programs against a fake Vault", function () {
    this.timeout(30_000);
    let vault: FakeVault;
    let server: { url: string; close(): void };
    beforeEach(async () => {
        vault = new FakeVault();
        server = await serve(vault);
    });
    afterEach(() => server.close());

    it("init: initialises a fresh Vault with one key share and prints the key and root token, and only there", async () => {
        const ran = await runStep("init", { VAULT_ADDR: server.url });
        assert.equal(ran.code, 0, ran.stderr);
        assert.deepEqual(vault.calls, ["GET /v1/sys/init", "PUT /v1/sys/init"]);
        assert.deepEqual(vault.bodies[1], { secret_shares: 1, secret_threshold: 1 });
        const output = JSON.parse(ran.stdout) as InitOutput;
        assert.deepEqual(parseInitOutput(ran.stdout), { unsealKey: vault.key, rootToken: vault.token });
        assert.deepEqual(Object.keys(output).sort(), ["root_token", "unseal_keys_b64"]);
        assert.ok(!ran.stderr.includes(vault.key) && !ran.stderr.includes(vault.token));
    });

    it("init: refuses an already initialised Vault, says how to recover, and never initialises again", async () => {
        vault.initialized = true;
        const ran = await runStep("init", { VAULT_ADDR: server.url });
        assert.equal(ran.code, 1);
        assert.equal(ran.stdout, "");
        assert.match(ran.stderr, /already initialised/);
        assert.match(ran.stderr, /pulumi stack import/);
        assert.match(ran.stderr, /data-vault-0/);
        assert.deepEqual(vault.calls, ["GET /v1/sys/init"]);
    });

    it("unseal: posts the key only while sealed, then waits for an active Vault; a second run posts nothing", async () => {
        vault.initialized = true;
        vault.standbyAnswers = 2;
        const first = await runStep("unseal", { VAULT_ADDR: server.url, VAULT_UNSEAL_KEY: vault.key });
        assert.equal(first.code, 0, first.stderr);
        assert.deepEqual(vault.calls, ["GET /v1/sys/seal-status", "PUT /v1/sys/unseal", "GET /v1/sys/health", "GET /v1/sys/health", "GET /v1/sys/health"]);
        vault.calls.length = 0;
        const second = await runStep("unseal", { VAULT_ADDR: server.url, VAULT_UNSEAL_KEY: vault.key });
        assert.equal(second.code, 0, second.stderr);
        assert.deepEqual(vault.calls, ["GET /v1/sys/seal-status", "GET /v1/sys/health"]);
        assert.match(second.stderr, /already unsealed/);
        for (const ran of [first, second]) {
            assert.ok(!`${ran.stdout}${ran.stderr}`.includes(vault.key), "the key is never printed");
        }
    });

    it("unseal: fails on a wrong key without printing it", async () => {
        vault.initialized = true;
        const ran = await runStep("unseal", { VAULT_ADDR: server.url, VAULT_UNSEAL_KEY: "d3Jvbmcta2V5" });
        assert.equal(ran.code, 1);
        assert.match(ran.stderr, /not accepted: Unseal failed, invalid key/);
        assert.ok(!`${ran.stdout}${ran.stderr}`.includes("d3Jvbmcta2V5"));
        assert.equal(vault.sealed, true);
    });

    it("retries while the API is not up yet, with progress on stderr, then succeeds", async () => {
        const late = new FakeVault();
        // Vault comes up only once the program has been refused at least once, however slowly it starts.
        const slow = await serve(late, 60_000);
        try {
            const ran = await runStep("init", { VAULT_ADDR: slow.url, VAULT_WAIT_SECONDS: "20" }, (soFar) => {
                if (soFar.includes("waiting for the API")) {
                    slow.listenNow();
                }
            });
            assert.equal(ran.code, 0, ran.stderr);
            assert.match(ran.stderr, /waiting for the API at http:\/\/127\.0\.0\.1:\d+ \(connect ECONNREFUSED/);
            assert.ok(late.initialized);
        } finally {
            slow.close();
        }
    });

    it("gives up after VAULT_WAIT_SECONDS with a clear message", async () => {
        const nobody = await serve(new FakeVault(), 60_000);
        try {
            const started = Date.now();
            const ran = await runStep("unseal", { VAULT_ADDR: nobody.url, VAULT_UNSEAL_KEY: "x", VAULT_WAIT_SECONDS: "1" });
            assert.equal(ran.code, 1);
            assert.match(ran.stderr, /timed out after \d+ s waiting for the API .*kubectl -n vault get pods,svc,pvc/);
            assert.ok(Date.now() - started < 5000);
        } finally {
            nobody.close();
        }
    });

    it("refuses an https address without the CA, and a malformed address", async () => {
        const noCa = await runStep("init", { VAULT_ADDR: "https://127.0.0.1:1" });
        assert.equal(noCa.code, 1);
        assert.match(noCa.stderr, /VAULT_CACERT_PEM/);
        const bad = await runStep("init", { VAULT_ADDR: "127.0.0.1:8200" });
        assert.match(bad.stderr, /must be an http\(s\) URL/);
    });

    it("talks https with the listener CA, and does not trust another CA", async function () {
        requireTool(this, "openssl");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vault-tls-"));
        const sh = (args: string[]) => assert.equal(spawnSync("openssl", args, { cwd: dir, encoding: "utf8" }).status, 0, args.join(" "));
        try {
            for (const ca of ["ca", "other"]) {
                sh([
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-keyout",
                    `${ca}.key`,
                    "-out",
                    `${ca}.crt`,
                    "-days",
                    "1",
                    "-subj",
                    `/CN=${ca}`,
                ]);
            }
            sh(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "tls.key", "-out", "tls.csr", "-subj", "/CN=vault"]);
            fs.writeFileSync(path.join(dir, "ext"), "subjectAltName=IP:127.0.0.1\n");
            sh(["x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "tls.crt", "-days", "1", "-extfile", "ext"]);
            const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
            const secure = new FakeVault();
            const tlsServer = await serve(secure, 0, { key: read("tls.key"), cert: read("tls.crt") });
            try {
                const wrong = await runStep("init", { VAULT_ADDR: tlsServer.url, VAULT_CACERT_PEM: read("other.crt"), VAULT_WAIT_SECONDS: "0.5" });
                assert.equal(wrong.code, 1);
                assert.match(wrong.stderr, /certificate/);
                assert.equal(secure.initialized, false);
                const ran = await runStep("init", { VAULT_ADDR: tlsServer.url, VAULT_CACERT_PEM: read("ca.crt") });
                assert.equal(ran.code, 0, ran.stderr);
                assert.ok(secure.initialized);
            } finally {
                tlsServer.close();
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("npm run vault:unseal (tools/vault/unseal.ts)", function () {
    this.timeout(30_000);
    const outputsFor = (url: string, key: string, keySecret = true) => ({
        [VAULT_STACK_OUTPUTS.address]: { value: url, secret: false },
        [VAULT_STACK_OUTPUTS.serverCaPem]: { value: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n", secret: false },
        [VAULT_STACK_OUTPUTS.unsealKey]: { value: key, secret: keySecret },
    });

    it("takes --stack NAME or defaults to mgmt, and nothing else", () => {
        assert.equal(parseUnsealArgs([]), "mgmt");
        assert.equal(parseUnsealArgs(["--stack", "lab"]), "lab");
        assert.throws(() => parseUnsealArgs(["--stack"]), /usage/);
        assert.throws(() => parseUnsealArgs(["--key", "x"]), /usage/);
    });

    it("builds the step's environment from the stack outputs, naming a missing output and refusing a plain key, never quoting it", () => {
        const env = unsealEnvironment("mgmt", outputsFor("https://192.168.64.231:8200", "c2VjcmV0LWtleQ=="));
        assert.deepEqual([env.VAULT_ADDR, env.VAULT_UNSEAL_KEY], ["https://192.168.64.231:8200", "c2VjcmV0LWtleQ=="]);
        assert.match(env.VAULT_CACERT_PEM ?? "", /BEGIN CERTIFICATE/);
        const missing: Record<string, { value: string; secret: boolean }> = outputsFor("https://x:8200", "k");
        delete missing[VAULT_STACK_OUTPUTS.unsealKey];
        assert.throws(() => unsealEnvironment("mgmt", missing), /no vaultUnsealKey output; run `pulumi up -s mgmt` first/);
        assert.throws(
            () => unsealEnvironment("mgmt", outputsFor("https://x:8200", "c2VjcmV0LWtleQ==", false)),
            (e: Error) => /must be a secret/.test(e.message) && !e.message.includes("c2VjcmV0LWtleQ=="),
        );
    });

    it("unseals through the stack outputs without printing the key; usage errors exit 2", async () => {
        const vault = new FakeVault();
        vault.initialized = true;
        const server = await serve(vault);
        try {
            const printed: string[] = [];
            const io = { out: (t: string) => printed.push(t), err: (t: string) => printed.push(t) };
            const outputs = outputsFor(server.url, vault.key);
            const code = await unseal(["--stack", "mgmt"], async () => ({ outputs: async () => outputs }), io);
            assert.equal(code, 0, printed.join(""));
            assert.equal(vault.sealed, false);
            assert.ok(!printed.join("").includes(vault.key));
            assert.equal(await unseal(["--bogus"], async () => ({ outputs: async () => outputs }), io), 2);
        } finally {
            server.close();
        }
    });

    it("runs the same step function the Command runs (one source for both)", () => {
        assert.ok(stepCommandArgs("unseal", {}).stdin?.toString().includes(runVaultStep.toString()));
    });
});
