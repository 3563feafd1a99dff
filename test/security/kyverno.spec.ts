// Kyverno ClusterPolicies: valid against the upstream CRD (kyverno v1.19.0, ../shared/schemas), in
// the current per-rule form, covering every container list, with registries from config.
import { strict as assert } from "assert";
import Ajv, { ValidateFunction } from "ajv";
import * as fs from "fs";
import { parse } from "yaml";
import { DEFAULT_TRUSTED_REGISTRIES } from "../../policy-pack/conventions";
import { ClusterPolicyManifest, kyvernoClusterPolicies, listKey, registryPattern } from "../../components/kyverno/policies";
import { requireShared } from "../support/offline";
import { strictStructural } from "../networking/helpers";
import { kyvernoStringMatches } from "../policy/kyverno-pattern";

/** The CRD's v1 openAPIV3Schema; `metadata` is the API server's to check, as for any CR. */
function crdValidator(file: string): ValidateFunction {
    const crd = parse(fs.readFileSync(file, "utf8"));
    const version = crd.spec.versions.find((v: any) => v.name === "v1" && v.served);
    assert.ok(version, "the CRD serves kyverno.io/v1");
    // strict: false ignores the x-kubernetes-* keywords; formats are Kubernetes' own (int-or-string, …).
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    return ajv.compile(strictStructural(version.schema.openAPIV3Schema));
}

const errorsOf = (validate: ValidateFunction, object: unknown): string[] =>
    validate(object) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);

describe("Kyverno ClusterPolicies", () => {
    const policies = kyvernoClusterPolicies(DEFAULT_TRUSTED_REGISTRIES, ["kube-system"]);
    const byName = (name: string) => policies.find((p) => p.metadata.name === name) as ClusterPolicyManifest;

    describe("against the kyverno.io_clusterpolicies CRD (v1.19.0)", function () {
        let validate: ValidateFunction;
        before(function () {
            this.timeout(60_000);
            validate = crdValidator(requireShared(this, "schemas/crds/kyverno/kyverno.io_clusterpolicies.yaml"));
        });

        it("accepts each of the four policies", () => {
            assert.equal(policies.length, 4);
            for (const p of policies) {
                assert.deepEqual(errorsOf(validate, p), [], p.metadata.name);
            }
        });

        it("rejects a misspelt field, so the check above can fail", () => {
            const broken = structuredClone(policies[0]) as any;
            broken.spec.rules[0].validate.failureActon = "Enforce";
            assert.ok(errorsOf(validate, broken).some((e) => e.includes("failureActon")));
        });

        it("rejects a failureAction the CRD does not know", () => {
            const broken = structuredClone(policies[0]) as any;
            broken.spec.rules[0].validate.failureAction = "Block";
            assert.notDeepEqual(errorsOf(validate, broken), []);
        });
    });

    it("sets validate.failureAction Enforce on every rule and never the deprecated spec-level fields", () => {
        for (const p of policies) {
            const spec = p.spec as Record<string, unknown>;
            assert.equal(spec.validationFailureAction, undefined, p.metadata.name);
            assert.equal(spec.validationFailureActionOverrides, undefined, p.metadata.name);
            for (const rule of p.spec.rules) {
                assert.equal(rule.validate.failureAction, "Enforce", `${p.metadata.name}/${rule.name}`);
            }
        }
    });

    it("matches Pods, which is what every workload controller ends up creating", () => {
        for (const p of policies) {
            for (const rule of p.spec.rules) {
                assert.deepEqual(
                    rule.match.any.flatMap((m) => m.resources.kinds),
                    ["Pod"],
                    p.metadata.name,
                );
            }
        }
    });

    /** Every pod-spec pattern of a rule (one, or each alternative of anyPattern). */
    const specsOf = (p: ClusterPolicyManifest): any[] => {
        const v = p.spec.rules[0].validate;
        return (v.anyPattern ?? [v.pattern]).map((x: any) => x.spec);
    };

    for (const name of ["require-trusted-registry", "disallow-privileged", "disallow-root-user"]) {
        it(`${name} checks containers, =(initContainers) and =(ephemeralContainers) in every pattern`, () => {
            for (const spec of specsOf(byName(name))) {
                assert.deepEqual(
                    Object.keys(spec)
                        .filter((k) => k !== "securityContext")
                        .sort(),
                    ["=(ephemeralContainers)", "=(initContainers)", "containers"],
                );
                assert.equal(spec["=(initContainers)"].length, 1);
                assert.deepEqual(spec["=(initContainers)"], spec.containers, "the same element pattern for every list");
                assert.deepEqual(spec["=(ephemeralContainers)"], spec.containers, "the same element pattern for every list");
            }
        });
    }

    it("require-resource-limits checks containers and init containers, not ephemeral ones (the API forbids their resources)", () => {
        const [spec] = specsOf(byName("require-resource-limits"));
        assert.deepEqual(Object.keys(spec).sort(), ["=(initContainers)", "containers"]);
        assert.deepEqual(spec.containers, [{ resources: { limits: { memory: "?*", cpu: "?*" } } }]);
    });

    it("disallow-privileged only allows privileged false or unset", () => {
        const [spec] = specsOf(byName("disallow-privileged"));
        assert.deepEqual(spec.containers, [{ "=(securityContext)": { "=(privileged)": "false" } }]);
    });

    it("disallow-root-user needs runAsNonRoot true at pod level (no container overriding it) or on every container", () => {
        const [podLevel, perContainer] = specsOf(byName("disallow-root-user"));
        assert.deepEqual(podLevel.securityContext, { runAsNonRoot: true });
        assert.deepEqual(podLevel.containers, [{ "=(securityContext)": { "=(runAsNonRoot)": true } }]);
        assert.equal(perContainer.securityContext, undefined);
        assert.deepEqual(perContainer.containers, [{ securityContext: { runAsNonRoot: true } }]);
    });

    it("builds the registry pattern from the configured registries, the same pattern for every container list", () => {
        const custom = kyvernoClusterPolicies(["registry.example.org/team", "ghcr.io/acme/"]);
        const [spec] = custom.find((p) => p.metadata.name === "require-trusted-registry")!.spec.rules.map((r) => (r.validate.pattern as any).spec);
        const pattern = registryPattern(["registry.example.org/team", "ghcr.io/acme/"]);
        for (const list of ["containers", "initContainers", "ephemeralContainers"] as const) {
            assert.deepEqual(spec[listKey(list)], [{ image: pattern }], list);
        }
        // Behaviour, through the model of Kyverno's string matching (test/policy/kyverno-pattern.ts).
        assert.ok(kyvernoStringMatches("registry.example.org/team/api:1.0", pattern));
        assert.ok(kyvernoStringMatches("ghcr.io/acme/web:2", pattern));
        assert.ok(!kyvernoStringMatches("ghcr.io/other/web:2", pattern));
        assert.ok(!kyvernoStringMatches("nginx:1.27", pattern), "no Docker Hub entry configured");
        assert.ok(kyvernoStringMatches("nginx:1.27", registryPattern(DEFAULT_TRUSTED_REGISTRIES)), "docker.io/library covers short names");
        assert.throws(() => registryPattern([]), /trustedRegistries/);
    });

    it("excludes exactly the given namespaces, and none when none are given", () => {
        for (const p of policies) {
            assert.deepEqual(p.spec.rules[0].exclude, { any: [{ resources: { namespaces: ["kube-system"] } }] });
        }
        for (const p of kyvernoClusterPolicies(DEFAULT_TRUSTED_REGISTRIES)) {
            assert.equal(p.spec.rules[0].exclude, undefined);
        }
    });
});
