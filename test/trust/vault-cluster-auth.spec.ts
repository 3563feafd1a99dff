// VaultClusterAuth under the offline mocks: the mount, its config (no reviewer JWT anywhere), the
// roles bound to the right ServiceAccount, namespace and audience, the policies' HCL, and the
// ClusterRoleBinding that lets the clients' JWTs call TokenReview.
import * as path from "path";
import { strict as assert } from "assert";
import {
    authDelegatorBinding,
    certManagerPolicyHcl,
    CLIENT_TOKEN_MAX_TTL_SECONDS,
    CLIENT_TOKEN_TTL_SECONDS,
    externalSecretsPolicyHcl,
    VAULT_CLIENTS,
} from "../../components/vault-cluster-auth";
import { RecordedResource, unwrapSecrets } from "../../tools/offline/record";
import { findResource, OkRun, resourcesOfType, sharedTestProgram } from "../support/offline";
import { PROGRAM } from "./cert-manager-fixtures/world";

const ROLE = "vault:kubernetes/authBackendRole:AuthBackendRole";
const VAULT_PROVIDER = "urn:pulumi:test::platform::pulumi:providers:vault::vault";
const K8S_PROVIDER = "urn:pulumi:test::platform::pulumi:providers:kubernetes::app1-k8s";

/** Vault's HCL policy path blocks: path → capabilities. */
function hclPaths(hcl: string): Record<string, string[]> {
    const blocks = [...hcl.matchAll(/path "([^"]+)" \{\s*capabilities = \[([^\]]*)\]\s*\}/g)];
    assert.equal(blocks.length, (hcl.match(/path "/g) ?? []).length, `every block parses: ${hcl}`);
    return Object.fromEntries(blocks.map((m) => [m[1], m[2].split(",").map((c) => c.trim().replace(/"/g, ""))]));
}

describe("VaultClusterAuth (app1, offline mocks)", () => {
    let run: OkRun;
    let vaultResources: RecordedResource[];
    const inputs = (type: string, name: string) => unwrapSecrets(findResource(run.resources, type, name).inputs, "reveal") as Record<string, any>;

    before(async () => {
        run = await sharedTestProgram(path.join(__dirname, "cert-manager-fixtures", "program.ts"));
        vaultResources = run.resources.filter((r) => r.type.startsWith("vault:"));
    });

    it("mounts Kubernetes auth at kubernetes-app1 and exports the mount and role names", () => {
        assert.deepEqual(inputs("vault:index/authBackend:AuthBackend", "app1-vault-auth-mount"), {
            type: "kubernetes",
            path: "kubernetes-app1",
            description: "Kubernetes auth of cluster app1",
        });
        assert.equal(run.outputs.mountPath.value, "kubernetes-app1");
        assert.equal(run.outputs.certManagerRole.value, "cert-manager");
        assert.equal(run.outputs.externalSecretsRole.value, "external-secrets");
    });

    it("configures the mount with the cluster's API server and CA and no reviewer JWT: the client's JWT reviews itself", () => {
        const config = inputs("vault:kubernetes/authBackendConfig:AuthBackendConfig", "app1-vault-auth-config");
        assert.deepEqual(config, {
            backend: "kubernetes-app1",
            kubernetesHost: PROGRAM.apiServerEndpoint,
            kubernetesCaCert: PROGRAM.clusterCaPem,
            disableLocalCaJwt: true,
        });
        for (const r of vaultResources) {
            assert.ok(!Object.keys(r.inputs).some((k) => /jwt/i.test(k) && k !== "disableLocalCaJwt"), `${r.name} sets a JWT`);
            assert.doesNotMatch(JSON.stringify(r.inputs), /eyJ[\w-]+\.[\w-]+\./, `${r.name} holds something JWT-shaped`);
        }
    });

    it("creates every Vault object with the Vault provider, and the mount only after `after`", () => {
        assert.equal(vaultResources.length, 6, vaultResources.map((r) => r.name).join(", "));
        for (const r of vaultResources) {
            assert.equal(r.options?.provider, VAULT_PROVIDER, r.name);
        }
        const mount = findResource(run.resources, "vault:index/authBackend:AuthBackend", "app1-vault-auth-mount");
        assert.ok(mount.dependencies.includes("urn:pulumi:test::platform::kubernetes:core/v1:ConfigMap::app1-cni"));
    });

    it("binds cert-manager's role to SA cert-manager/vault-issuer, audience vault://vault-issuer, with its policy and short TTLs", () => {
        const role = inputs(ROLE, "app1-vault-auth-cert-manager-role");
        assert.deepEqual(role, {
            roleName: "cert-manager",
            backend: "kubernetes-app1",
            boundServiceAccountNames: ["vault-issuer"],
            boundServiceAccountNamespaces: ["cert-manager"],
            audience: "vault://vault-issuer",
            aliasNameSource: "serviceaccount_uid",
            tokenPolicies: ["platform-app1-cert-manager"],
            tokenTtl: CLIENT_TOKEN_TTL_SECONDS,
            tokenMaxTtl: CLIENT_TOKEN_MAX_TTL_SECONDS,
        });
        assert.ok(CLIENT_TOKEN_TTL_SECONDS <= 3600 && CLIENT_TOKEN_MAX_TTL_SECONDS <= 3600);
    });

    it("binds External Secrets' role to SA external-secrets/external-secrets, audience vault", () => {
        const role = inputs(ROLE, "app1-vault-auth-external-secrets-role");
        assert.deepEqual(
            [role.roleName, role.boundServiceAccountNames, role.boundServiceAccountNamespaces, role.audience, role.tokenPolicies],
            ["external-secrets", ["external-secrets"], ["external-secrets"], "vault", ["platform-app1-external-secrets"]],
        );
        assert.equal(role.backend, "kubernetes-app1");
        // Roles are written after the config, so a login never meets an unconfigured mount.
        const config =
            "urn:pulumi:test::platform::platform:trust:VaultClusterAuth$vault:kubernetes/authBackendConfig:AuthBackendConfig::app1-vault-auth-config";
        for (const r of resourcesOfType(run.resources, ROLE)) {
            assert.ok(r.dependencies.includes(config), r.name);
        }
        assert.deepEqual(VAULT_CLIENTS.externalSecrets, {
            role: "external-secrets",
            namespace: "external-secrets",
            serviceAccount: "external-secrets",
            audience: "vault",
        });
    });

    it("writes the policies: cert-manager may only sign on the PKI role; External Secrets may only read its cluster's and the shared KV data", () => {
        const policies = resourcesOfType(run.resources, "vault:index/policy:Policy").map((r) => unwrapSecrets(r.inputs, "reveal") as Record<string, string>);
        const byName = Object.fromEntries(policies.map((p) => [p.name, hclPaths(p.policy)]));
        assert.deepEqual(byName, {
            "platform-app1-cert-manager": { "pki_int/sign/k8s-certs": ["create", "update"] },
            "platform-app1-external-secrets": { "secret/data/platform/app1/*": ["read"], "secret/data/platform/shared/*": ["read"] },
        });
        // Another cluster's data stays out of reach.
        assert.ok(!Object.keys(hclPaths(externalSecretsPolicyHcl("app2"))).some((p) => p.includes("/app1/")));
        assert.deepEqual(hclPaths(certManagerPolicyHcl("pki_int/sign/other")), { "pki_int/sign/other": ["create", "update"] });
    });

    it("binds both clients' ServiceAccounts to system:auth-delegator in the cluster, with the cluster's provider", () => {
        const binding = findResource(run.resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "app1-vault-auth-auth-delegator");
        assert.equal(binding.options?.provider, K8S_PROVIDER);
        const spec = binding.inputs as any;
        assert.deepEqual(spec.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" });
        assert.deepEqual(spec.subjects, [
            { kind: "ServiceAccount", name: "vault-issuer", namespace: "cert-manager" },
            { kind: "ServiceAccount", name: "external-secrets", namespace: "external-secrets" },
        ]);
        assert.deepEqual(authDelegatorBinding().subjects, spec.subjects);
    });
});
