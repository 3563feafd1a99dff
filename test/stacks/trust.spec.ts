// Trust and secrets as the shipped stacks compose them (issue 9), recorded under the offline mocks:
// mgmt's outputs, how app stacks reach mgmt, the pack's trust rules on the real resources, and no
// credential in the plan's JSON.
import { strict as assert } from "assert";
import { VAULT_STACK_OUTPUTS } from "../../components/vault-pki";
import { evaluatePolicies, PlannedResource } from "../../policy-pack/evaluate";
import { containsSecret, RecordedResource, unwrapSecrets } from "../../tools/offline/record";
import { PlannedStack, planJson, planShipped, resourcesOfType } from "../support/offline";

const ROLE = "vault:pkiSecret/secretBackendRole:SecretBackendRole";
const EXTERNAL_SECRET = "kubernetes:external-secrets.io/v1:ExternalSecret";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const COMMAND = "command:local:Command";
const STACK_REFERENCE = "pulumi:pulumi:StackReference";

/** Every string under a secret marker in recorded inputs, and the string fields of JSON documents among them. */
function secretStrings(recorded: unknown): string[] {
    if (unwrapSecrets(recorded, "redact") === "[secret]") {
        const leaves = (v: unknown): string[] =>
            typeof v === "string" ? [v, ...jsonStrings(v)] : typeof v === "object" && v !== null ? Object.values(v).flatMap(leaves) : [];
        return leaves(unwrapSecrets(recorded, "reveal"));
    }
    return typeof recorded === "object" && recorded !== null ? Object.values(recorded).flatMap(secretStrings) : [];
}

function jsonStrings(text: string): string[] {
    try {
        const parsed: unknown = JSON.parse(text);
        const leaves = (v: unknown): string[] => (typeof v === "string" ? [v] : typeof v === "object" && v !== null ? Object.values(v).flatMap(leaves) : []);
        return typeof parsed === "object" ? leaves(parsed) : [];
    } catch {
        return [];
    }
}

describe("trust and secrets in the shipped stacks", function () {
    this.timeout(180_000);
    let stacks: PlannedStack[];
    before(async () => {
        stacks = await planShipped();
    });
    const stack = (name: string) => stacks.find((s) => s.stack === name) as PlannedStack;
    const apps = () => stacks.filter((s) => s.config.role === "app");

    it("mgmt exports what `npm run vault:unseal` and the app stacks read, credentials as secrets only", () => {
        const { outputs } = stack("mgmt");
        for (const name of Object.values(VAULT_STACK_OUTPUTS)) {
            assert.ok(outputs[name], `mgmt does not export ${name}`);
        }
        for (const name of ["vaultUnsealKey", "vaultRootToken", "vaultOnboardingToken", "kubeconfig", "ciliumCaKey"]) {
            assert.equal(outputs[name].secret, true, `${name} must be a secret output`);
        }
        for (const name of ["vaultAddress", "vaultServerCaPem", "vaultRootCaPem", "oidcIssuerUrl", "s3Endpoint"]) {
            assert.equal(outputs[name].secret, false, `${name} is public and app stacks read it as a plain value`);
        }
        assert.equal(outputs.vaultAddress.value, `https://${stack("mgmt").config.network.serviceIps!.vault}:8200`);
        assert.equal(outputs.oidcIssuerUrl.value, `https://${stack("mgmt").config.network.serviceIps!.keycloak}/realms/platform`);
    });

    it("app stacks reach mgmt's Vault and Keycloak only through the typed reference, never by a literal address", () => {
        const mgmt = stack("mgmt").outputs;
        for (const app of apps()) {
            const [reference] = resourcesOfType(app.resources, STACK_REFERENCE);
            const provider = app.recorded.find((r) => r.type === "pulumi:providers:vault") as RecordedResource;
            assert.ok(provider, `${app.stack} has no Vault provider`);
            for (const input of ["address", "token"]) {
                assert.deepEqual(provider.propertyDependencies[input], [reference.urn], `${app.stack}: the provider's ${input} comes from the reference`);
            }
            assert.ok(containsSecret(provider.inputs.token), `${app.stack}: the onboarding token stays a secret`);
            const store = app.resources.find((r) => r.type === "kubernetes:external-secrets.io/v1:ClusterSecretStore") as RecordedResource;
            const issuer = app.resources.find((r) => r.type === "kubernetes:cert-manager.io/v1:ClusterIssuer") as RecordedResource;
            assert.equal((store.inputs.spec as any).provider.vault.server, mgmt.vaultAddress.value);
            assert.equal((issuer.inputs.spec as any).vault.server, mgmt.vaultAddress.value);
            assert.ok(!JSON.stringify(app.config).includes(String(mgmt.vaultAddress.value).slice(8, -5)), "no mgmt address in the app's config");
        }
    });

    it("gives every cluster its own auth mount, a vault-issuer, wildcard-tls for main-gateway and a vault-backend store", () => {
        for (const s of stacks) {
            const mounts = resourcesOfType(s.resources, "vault:index/authBackend:AuthBackend").map((r) => r.inputs.path);
            assert.deepEqual(mounts, [`kubernetes-${s.config.name}`], s.stack);
            const certificate = resourcesOfType(s.resources, "kubernetes:cert-manager.io/v1:Certificate").find(
                (r) => (r.inputs.spec as any).secretName === "wildcard-tls",
            );
            assert.ok(certificate, `${s.stack}: no wildcard-tls`);
            assert.deepEqual((certificate.inputs.spec as any).issuerRef, { group: "cert-manager.io", kind: "ClusterIssuer", name: "vault-issuer" });
            assert.deepEqual((certificate.inputs.spec as any).privateKey, { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" });
            assert.deepEqual([(certificate.inputs.spec as any).duration, (certificate.inputs.spec as any).renewBefore], ["720h", "360h"]);
            assert.equal(resourcesOfType(s.resources, "kubernetes:external-secrets.io/v1:ClusterSecretStore").length, 1, s.stack);
            assert.ok(!s.resources.some((r) => (r.inputs.spec as any)?.selfSigned !== undefined), `${s.stack}: no self-signed issuer exists`);
        }
    });

    it("applies the API server settings after every other add-on, since applying them restarts the API server", () => {
        for (const s of stacks) {
            const settings = s.resources.find((r) => r.type === "platform:k8s:ApiServerSettings") as RecordedResource;
            const releases = resourcesOfType(s.resources, "kubernetes:helm.sh/v3:Release");
            const steps = resourcesOfType(s.resources, COMMAND).filter((r) => r.parent === settings.urn);
            assert.ok(steps.length > 0, s.stack);
            const byUrn = new Map(s.resources.map((r) => [r.urn, r]));
            // What a step waits for, directly or through what it waits for (a component stands for its children).
            const upstream = (urn: string, seen = new Set<string>()): Set<string> => {
                for (const d of byUrn.get(urn)?.dependencies ?? []) {
                    if (!seen.has(d)) {
                        seen.add(d);
                        upstream(d, seen);
                        s.resources.filter((r) => r.parent === d).forEach((child) => seen.add(child.urn));
                    }
                }
                return seen;
            };
            for (const step of steps) {
                const before = upstream(step.urn);
                for (const release of releases) {
                    assert.ok(before.has(release.urn), `${s.stack}: ${step.name} does not wait for ${release.name}`);
                }
            }
        }
    });

    it("runs every command that handles a credential with logging off and its stdout secret", () => {
        for (const s of stacks) {
            for (const command of resourcesOfType(s.recorded, COMMAND)) {
                const handlesSecret = containsSecret(command.inputs);
                if (handlesSecret) {
                    assert.equal(command.inputs.logging, "none", `${s.stack}/${command.name}`);
                    assert.ok(command.additionalSecretOutputs?.includes("stdout"), `${s.stack}/${command.name}`);
                }
            }
        }
    });

    it('keeps every credential out of the plan\'s JSON: no private key, token or generated password outside "[secret]"', () => {
        for (const s of stacks) {
            const json = JSON.stringify(planJson(s));
            assert.doesNotMatch(json, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, s.stack);
            assert.doesNotMatch(json, /hvs\./, `${s.stack}: a Vault token`);
            const values = s.recorded.flatMap((r) => secretStrings(r.inputs)).filter((v) => v.length >= 16 && !v.includes("CERTIFICATE-----"));
            assert.ok(values.length >= 5, `${s.stack}: only ${values.length} secret values to look for`);
            for (const value of values) {
                assert.ok(!json.includes(JSON.stringify(value).slice(1, -1)), `${s.stack}: a secret value is in the plan: ${value.slice(0, 12)}...`);
            }
        }
    });

    describe("the pack's trust rules on the real resources", () => {
        const asPlanned = (r: RecordedResource): PlannedResource => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            dependencies: r.dependencies,
            inputs: r.inputs,
        });
        const rule = (policy: string, resources: RecordedResource[]) => evaluatePolicies(resources.map(asPlanned), { policyNames: [policy] });
        const mutate = (r: RecordedResource, change: (inputs: any) => void): RecordedResource => {
            const inputs = structuredClone(r.inputs);
            change(inputs);
            return { ...r, inputs };
        };

        it("vault-pki-role-max-ttl: the k8s-certs role passes; a 31-day maxTtl fails", () => {
            const roles = resourcesOfType(stack("mgmt").resources, ROLE);
            assert.equal(roles.length, 1);
            assert.deepEqual(rule("vault-pki-role-max-ttl", roles), []);
            const longer = mutate(roles[0], (i) => (i.maxTtl = String(31 * 24 * 3600)));
            assert.equal(rule("vault-pki-role-max-ttl", [longer]).length, 1);
        });

        it("external-secret-lifecycle: every platform ExternalSecret passes; Delete or a 2h refresh fails", () => {
            const secrets = stacks.flatMap((s) => resourcesOfType(s.resources, EXTERNAL_SECRET));
            assert.ok(secrets.length >= 3, `only ${secrets.length} ExternalSecrets`);
            assert.deepEqual(rule("external-secret-lifecycle", secrets), []);
            for (const secret of secrets) {
                assert.equal(rule("external-secret-lifecycle", [mutate(secret, (i) => (i.spec.target.deletionPolicy = "Delete"))]).length, 1, secret.name);
                assert.equal(rule("external-secret-lifecycle", [mutate(secret, (i) => (i.spec.refreshInterval = "2h"))]).length, 1, secret.name);
            }
        });

        it("random-password-length: every generated password passes; 16 characters fails", () => {
            const passwords = stacks.flatMap((s) => resourcesOfType(s.resources, PASSWORD));
            assert.ok(passwords.length >= 10, `only ${passwords.length} passwords`);
            assert.deepEqual(rule("random-password-length", passwords), []);
            for (const password of passwords) {
                assert.equal(rule("random-password-length", [mutate(password, (i) => (i.length = 16))]).length, 1, password.name);
            }
        });
    });
});
