// Keycloak (issue 9): the component under the offline mocks (keycloak-fixtures/program.ts, one
// run plus a first preview), its custom resources against the upstream CRDs, its pods against the
// policy pack (PSS restricted included), its secrets, and the realm's wiring.
import { strict as assert } from "assert";
import * as path from "path";
import { ADMIN_GROUP, GRAFANA_CLIENT_ID, KUBELOGIN_REDIRECT_URIS, KUBERNETES_CLIENT_ID, oidcAdminBinding, REALM } from "../../components/keycloak/realm";
import { keycloakCertificate, keycloakExternalSecrets, NAMES } from "../../components/keycloak/workloads";
import { certificateSpec } from "../../components/lib/certificate";
import { externalSecretSpec } from "../../components/lib/external-secret";
import { KV_MOUNT } from "../../components/lib/trust";
import { IMAGES } from "../../config/versions";
import { evaluatePolicies } from "../../policy-pack/evaluate";
import { PSA_LABEL_PREFIX } from "../../policy-pack/conventions";
import { OkRun, runTestProgram } from "../support/offline";
import { containsSecret, RecordedResource, unwrapSecrets } from "../../tools/offline/record";
import { errorsOf, requireSchemas, strictCrdValidator } from "../networking/helpers";
import { check } from "../policy/helpers";
import { shellcheck } from "../support/validators";

const KEYCLOAK_IP = "192.168.64.203";
const ROOT_CA_PEM = "-----BEGIN CERTIFICATE-----\noffline-plan-placeholder-vault-root\n-----END CERTIFICATE-----\n";
const COMPONENT = "platform:trust:Keycloak";

function plan(firstPreview: boolean): Promise<OkRun> {
    return runTestProgram(path.join(__dirname, "keycloak-fixtures", "program.ts"), {
        stack: "mgmt",
        config: { "test:keycloakIp": KEYCLOAK_IP, "test:vaultRootCaPem": ROOT_CA_PEM },
        firstPreview,
    });
}

const named = (resources: RecordedResource[], name: string): RecordedResource => {
    const found = resources.find((r) => r.name === name);
    assert.ok(found, `no resource ${name}; have ${resources.map((r) => r.name).join(", ")}`);
    return found;
};
const ofType = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === type);
const revealed = (r: RecordedResource) => unwrapSecrets(r.inputs, "reveal") as Record<string, any>;
const podSpec = (r: RecordedResource) => revealed(r).spec.template.spec;

describe("Keycloak under the offline mocks", function () {
    let run: OkRun;
    let mine: RecordedResource[];
    before(async () => {
        const [full, first] = await Promise.all([plan(false), plan(true)]);
        // A first preview, with every provider output unknown (passwords, the realm's id), still plans.
        assert.ok(first.resources.length > 0);
        run = full;
        const component = named(run.resources, "keycloak");
        assert.equal(component.type, COMPONENT);
        mine = run.resources.filter((r) => r.parent === component.urn);
    });

    it("names every child `keycloak-<role>`, a child of the component", () => {
        assert.deepEqual(mine.map((r) => r.name).sort(), [
            "keycloak-admin",
            "keycloak-admin-kv",
            "keycloak-admin-password",
            "keycloak-admin-secret",
            "keycloak-admins-group",
            "keycloak-certificate",
            "keycloak-db-kv",
            "keycloak-db-password",
            "keycloak-db-secret",
            "keycloak-grafana-client",
            "keycloak-grafana-client-password",
            "keycloak-grafana-groups",
            "keycloak-grafana-oidc-kv",
            "keycloak-kubernetes-audience",
            "keycloak-kubernetes-client",
            "keycloak-kubernetes-groups",
            "keycloak-namespace",
            "keycloak-postgres",
            "keycloak-postgres-service",
            "keycloak-realm",
            "keycloak-server",
            "keycloak-service",
        ]);
    });

    it("exports the issuer, the clients, the realm and the admin group", () => {
        const values = Object.fromEntries(Object.entries(run.outputs).map(([k, v]) => [k, v.value]));
        assert.deepEqual(values, {
            url: `https://${KEYCLOAK_IP}`,
            issuerUrl: `https://${KEYCLOAK_IP}/realms/platform`,
            realm: REALM,
            kubernetesClientId: KUBERNETES_CLIENT_ID,
            grafanaClientId: GRAFANA_CLIENT_ID,
            adminGroup: ADMIN_GROUP,
        });
    });

    it("creates the namespace `keycloak` with PSA restricted in every mode", () => {
        const labels = revealed(named(mine, "keycloak-namespace")).metadata.labels;
        for (const mode of ["enforce", "audit", "warn"]) {
            assert.equal(labels[`${PSA_LABEL_PREFIX}${mode}`], "restricted", mode);
        }
    });

    it("runs pinned images with requests and limits on every container, init containers included", () => {
        const pods = [podSpec(named(mine, "keycloak-server")), podSpec(named(mine, "keycloak-postgres"))];
        const containers = pods.flatMap((p) => [...(p.initContainers ?? []), ...p.containers]);
        assert.deepEqual(containers.map((c: any) => c.image).sort(), [IMAGES.keycloak, IMAGES.keycloak, IMAGES.keycloakPostgres].sort());
        assert.match(IMAGES.keycloak, /^quay\.io\/keycloak\/keycloak:26\.\d+\.\d+$/);
        assert.match(IMAGES.keycloakPostgres, /^docker\.io\/library\/postgres:1[78]\.\d+$/);
        for (const c of containers) {
            for (const kind of ["requests", "limits"]) {
                assert.ok(c.resources?.[kind]?.cpu && c.resources?.[kind]?.memory, `${c.name}: ${kind}`);
            }
            assert.equal(c.securityContext.readOnlyRootFilesystem, true, c.name);
        }
    });

    it("passes every policy of the pack, PSS restricted included: the pack's defaults allow Keycloak's image and LoadBalancer by name", () => {
        const resources = mine.map((r) => ({ ...r, inputs: revealed(r) }));
        assert.deepEqual(
            evaluatePolicies(resources).map((v) => `${v.policy} ${v.name}: ${v.message}`),
            [],
        );
        // Without the allowances exactly those two rules object.
        const config = { "trusted-image-registries": { allowedImages: [] }, "no-external-services": { allowedServices: [] } };
        const without = new Set(evaluatePolicies(resources, { config }).map((v) => `${v.policy} ${v.name}`));
        assert.deepEqual([...without].sort(), ["no-external-services keycloak-service", "trusted-image-registries keycloak-server"]);
    });

    it("validates the Certificate and the ExternalSecrets against the upstream CRDs", function () {
        requireSchemas(this);
        const crs = mine.filter((r) => r.type.startsWith("kubernetes:cert-manager.io/") || r.type.startsWith("kubernetes:external-secrets.io/"));
        assert.equal(crs.length, 3);
        for (const r of crs) {
            const object = revealed(r);
            const validate = strictCrdValidator(object.apiVersion, object.kind);
            assert.ok(validate, `${object.apiVersion} ${object.kind}: no CRD`);
            assert.ok(validate(object), `${r.name}: ${errorsOf(validate)}`);
        }
    });

    it("asks for a certificate for the fixed IP, the public name and the in-cluster name, inside the k8s-certs role's domains", () => {
        const spec = revealed(named(mine, "keycloak-certificate")).spec;
        assert.deepEqual(spec.ipAddresses, [KEYCLOAK_IP]);
        assert.deepEqual(spec.dnsNames, ["keycloak.mgmt.local.dev", "keycloak.keycloak.svc.cluster.local"]);
        assert.equal(spec.secretName, NAMES.tls);
        for (const name of spec.dnsNames) {
            assert.match(name, /(^|\.)(local\.dev|mgmt\.local|app\.local|svc\.cluster\.local)$/, name);
        }
    });

    it("delivers each password from its KV entry, and the pack's lifecycle rule fails a mutated copy", () => {
        const specs = keycloakExternalSecrets("mgmt");
        assert.deepEqual(revealed(named(mine, "keycloak-admin-secret")), externalSecretSpec(specs.admin));
        assert.deepEqual(specs.admin.data, [{ secretKey: "password", path: "platform/mgmt/keycloak-admin", property: "password" }]);
        assert.deepEqual(specs.db.data, [{ secretKey: "password", path: "platform/mgmt/keycloak-db", property: "password" }]);
        const mutated = externalSecretSpec(specs.db);
        mutated.spec.target.deletionPolicy = "Delete";
        assert.equal(check("external-secret-lifecycle", mutated).length, 1);
        // A Certificate outside the role's domains is visible in the pure function's output too.
        assert.deepEqual(certificateSpec(keycloakCertificate("mgmt", KEYCLOAK_IP)), revealed(named(mine, "keycloak-certificate")));
    });

    it("keeps every credential secret: passwords, KV data, the provider's password, the Grafana client's secret", () => {
        const passwords = ofType(mine, "random:index/randomPassword:RandomPassword");
        assert.equal(passwords.length, 3);
        for (const p of passwords) {
            assert.ok((p.inputs.length as number) >= 20, p.name);
            assert.deepEqual(p.additionalSecretOutputs?.includes("result"), true, p.name);
        }
        const short = { ...passwords[0], inputs: { ...passwords[0].inputs, length: 19 } };
        assert.equal(evaluatePolicies([short], { policyNames: ["random-password-length"] }).length, 1, "the pack's rule sees the resource");
        for (const kv of ofType(mine, "vault:kv/secretV2:SecretV2")) {
            assert.equal(kv.inputs.mount, KV_MOUNT);
            assert.ok(containsSecret(kv.inputs.dataJson), `${kv.name}: dataJson`);
        }
        assert.deepEqual(
            ofType(mine, "vault:kv/secretV2:SecretV2").map((kv) => kv.inputs.name),
            ["platform/mgmt/keycloak-admin", "platform/mgmt/keycloak-db", "platform/mgmt/grafana-oidc"],
        );
        assert.ok(containsSecret(named(mine, "keycloak-admin").inputs.password), "provider password");
        assert.ok(containsSecret(named(mine, "keycloak-grafana-client").inputs.clientSecret), "grafana clientSecret");
        // The pods read passwords from Secrets, never from a literal.
        for (const name of ["keycloak-server", "keycloak-postgres"]) {
            for (const c of podSpec(named(mine, name)).containers) {
                for (const e of (c.env ?? []).filter((e: any) => /PASSWORD/.test(e.name))) {
                    assert.equal(e.value, undefined, `${name} ${e.name}`);
                    assert.ok(e.valueFrom.secretKeyRef.name, `${name} ${e.name}`);
                }
            }
        }
        // Nothing the engine stores as an input holds a password outside a secret.
        const leaks = mine.flatMap((r) => plainCredentials(unwrapSecrets(r.inputs, "redact"), r.name));
        assert.deepEqual(leaks, []);
    });

    it("waits for Vault's entries before the ExternalSecrets, and for the database, secrets and certificate before the server", () => {
        const urn = (n: string) => named(mine, n).urn;
        assert.ok(named(mine, "keycloak-admin-secret").dependencies.includes(urn("keycloak-admin-kv")));
        assert.ok(named(mine, "keycloak-db-secret").dependencies.includes(urn("keycloak-db-kv")));
        const server = named(mine, "keycloak-server").dependencies;
        for (const n of ["keycloak-postgres", "keycloak-admin-secret", "keycloak-db-secret", "keycloak-certificate", "keycloak-namespace"]) {
            assert.ok(server.includes(urn(n)), n);
        }
        assert.ok(server.includes(named(run.resources, "prerequisites").urn), "the component's `after`");
    });

    it("runs Keycloak in production mode on the fixed issuer URL with HTTPS from files and health on 9000", () => {
        const spec = podSpec(named(mine, "keycloak-server"));
        const [c] = spec.containers;
        assert.deepEqual(c.args, ["start"]);
        const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
        assert.equal(env.KC_HOSTNAME, `https://${KEYCLOAK_IP}`);
        assert.equal(env.KC_DB, "postgres");
        assert.equal(env.KC_HEALTH_ENABLED, "true");
        assert.deepEqual(env.KC_BOOTSTRAP_ADMIN_PASSWORD, { secretKeyRef: { name: NAMES.adminSecret, key: "password" } });
        assert.equal(env.KEYCLOAK_ADMIN, undefined, "replaced by KC_BOOTSTRAP_ADMIN_* in 26.0");
        const tls = spec.volumes.find((v: any) => v.secret).secret.secretName;
        assert.equal(tls, NAMES.tls);
        assert.equal(c.volumeMounts.find((m: any) => m.name === "tls").mountPath + "/tls.crt", env.KC_HTTPS_CERTIFICATE_FILE);
        for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
            assert.equal(c[probe].httpGet.port, "management", probe);
            assert.equal(c[probe].httpGet.scheme, "HTTPS", probe);
        }
        assert.equal(c.ports.find((p: any) => p.name === "management").containerPort, 9000);
        // The writable paths are volumes: data and Quarkus' generated classes, seeded by the init container.
        const mounts = c.volumeMounts.map((m: any) => m.mountPath);
        assert.ok(mounts.includes("/opt/keycloak/data") && mounts.includes("/opt/keycloak/lib/quarkus"));
        const [seed] = spec.initContainers;
        assert.equal(seed.volumeMounts[0].name, "quarkus");
        assert.deepEqual(seed.command.slice(0, 2), ["/bin/bash", "-c"]);
        assert.equal(shellcheck(seed.command[2]), "");
    });

    it("keeps PostgreSQL on local-path-retain behind a ClusterIP Service", () => {
        const sts = revealed(named(mine, "keycloak-postgres"));
        assert.equal(sts.spec.volumeClaimTemplates[0].spec.storageClassName, "local-path-retain");
        assert.ok(sts.spec.template.spec.containers[0].readinessProbe.exec.command.includes("pg_isready"));
        assert.equal(revealed(named(mine, "keycloak-postgres-service")).spec.type, "ClusterIP");
    });

    it("exposes Keycloak on the fixed IP from mgmt's service pool, 443 to 8443", () => {
        const svc = revealed(named(mine, "keycloak-service"));
        assert.deepEqual(svc.metadata.annotations, { "metallb.io/address-pool": "mgmt-services", "metallb.io/loadBalancerIPs": KEYCLOAK_IP });
        assert.equal(svc.spec.type, "LoadBalancer");
        assert.deepEqual(svc.spec.ports, [{ name: "https", port: 443, targetPort: "https" }]);
        const server = podSpec(named(mine, "keycloak-server")).containers[0];
        assert.equal(server.ports.find((p: any) => p.name === "https").containerPort, 8443);
    });

    it("manages the realm through a provider on the LoadBalancer URL, trusting Vault's root, after the server is up", () => {
        const provider = named(mine, "keycloak-admin");
        const inputs = revealed(provider);
        assert.equal(inputs.url, `https://${KEYCLOAK_IP}`);
        assert.equal(inputs.realm, "master");
        assert.equal(inputs.clientId, "admin-cli");
        assert.equal(inputs.username, "admin");
        assert.equal(inputs.rootCaCertificate, ROOT_CA_PEM);
        assert.ok(provider.dependencies.includes(named(mine, "keycloak-server").urn));
        assert.ok(provider.dependencies.includes(named(mine, "keycloak-service").urn));
        for (const r of mine.filter((r) => r.type.startsWith("keycloak:"))) {
            assert.equal(r.options?.provider, provider.urn, r.name);
        }
        assert.equal(revealed(named(mine, "keycloak-realm")).realm, REALM);
        assert.equal(revealed(named(mine, "keycloak-admins-group")).name, ADMIN_GROUP);
    });

    it("wires the clients: kubernetes public with PKCE and kubelogin's redirects, grafana confidential on its callback", () => {
        const realmId = `keycloak-realm-id`;
        const k = revealed(named(mine, "keycloak-kubernetes-client"));
        assert.equal(k.realmId, realmId);
        assert.equal(k.clientId, "kubernetes");
        assert.equal(k.accessType, "PUBLIC");
        assert.equal(k.standardFlowEnabled, true);
        assert.equal(k.directAccessGrantsEnabled, false);
        assert.equal(k.pkceCodeChallengeMethod, "S256");
        assert.deepEqual(k.validRedirectUris, [...KUBELOGIN_REDIRECT_URIS]);
        assert.deepEqual(KUBELOGIN_REDIRECT_URIS, ["http://localhost:8000", "http://localhost:18000"]);
        const g = revealed(named(mine, "keycloak-grafana-client"));
        assert.equal(g.clientId, "grafana");
        assert.equal(g.accessType, "CONFIDENTIAL");
        assert.deepEqual(g.validRedirectUris, ["https://grafana.mgmt.local.dev/login/generic_oauth"]);
        const audience = revealed(named(mine, "keycloak-kubernetes-audience"));
        assert.equal(audience.clientId, "keycloak-kubernetes-client-id");
        assert.equal(audience.includedClientAudience, "kubernetes");
        assert.equal(audience.addToIdToken, true);
    });

    it("puts a `groups` claim without paths on both clients", () => {
        for (const client of ["kubernetes", "grafana"]) {
            const m = revealed(named(mine, `keycloak-${client}-groups`));
            assert.equal(m.clientId, `keycloak-${client}-client-id`, client);
            assert.equal(m.claimName, "groups");
            assert.equal(m.fullPath, false);
            assert.equal(m.addToIdToken, true);
            assert.equal(m.addToAccessToken, true);
        }
    });

    it("stores the Grafana client's ID and secret in Vault, read back from the client", () => {
        const kv = named(mine, "keycloak-grafana-oidc-kv");
        assert.deepEqual(kv.propertyDependencies.dataJson, [named(mine, "keycloak-grafana-client").urn]);
        assert.deepEqual(Object.keys(JSON.parse(revealed(kv).dataJson)), ["client_id", "client_secret"]);
        assert.equal(JSON.parse(revealed(kv).dataJson).client_id, "grafana");
    });
});

describe("Keycloak: the OIDC admin binding", () => {
    it("binds oidc:platform-admins to cluster-admin, and takes another prefix", () => {
        const binding = oidcAdminBinding();
        assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" });
        assert.deepEqual(binding.subjects, [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "oidc:platform-admins" }]);
        assert.equal(oidcAdminBinding("sso:").subjects[0].name, "sso:platform-admins");
    });
});

/** Paths of plain-text credentials in redacted inputs: a credential field, or an env var named like one, that is not "[secret]". */
function plainCredentials(value: unknown, at: string): string[] {
    if (typeof value !== "object" || value === null) {
        return [];
    }
    const obj = value as Record<string, unknown>;
    const envLiteral = typeof obj.name === "string" && /PASSWORD|SECRET|TOKEN/.test(obj.name) && typeof obj.value === "string";
    const fields = Object.entries(obj).filter(([k, v]) => /^(password|clientSecret|dataJson|token)$/.test(k) && typeof v === "string" && v !== "[secret]");
    return [
        ...(envLiteral ? [`${at}.${obj.name}`] : []),
        ...fields.map(([k]) => `${at}.${k}`),
        ...Object.entries(obj).flatMap(([k, v]) => plainCredentials(v, `${at}.${k}`)),
    ];
}
