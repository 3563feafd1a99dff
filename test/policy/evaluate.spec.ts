// The in-process evaluator reproduces the engine's analyzer: levels, config, type matching, stack resources.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { PolicyResource, StackValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { ALLOWED_IMAGES } from "../../policy-pack/conventions";
import { evaluatePolicies, globToRegExp, PlannedResource, PolicyConfigError, resolvePolicies } from "../../policy-pack/evaluate";
import { check, compliantDeployment, REPO_ROOT, resourceOf } from "./helpers";

const lbService = { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "apps" }, spec: { type: "LoadBalancer" } };
const levelOf = (config: Record<string, unknown>) => check("no-external-services", lbService, config).map((v) => v.level);

describe("evaluatePolicies", () => {
    it("passes a fully compliant workload under every policy", () => {
        assert.deepEqual(evaluatePolicies([resourceOf(compliantDeployment())]), []);
    });

    describe("enforcement levels", () => {
        it("uses the policy's own level by default", () => assert.deepEqual(levelOf({}), ["mandatory"]));
        it('lets "all" override it', () => assert.deepEqual(levelOf({ all: "advisory" }), ["advisory"]));
        it('lets the policy\'s entry override "all"', () => {
            assert.deepEqual(levelOf({ all: "advisory", "no-external-services": "mandatory" }), ["mandatory"]);
            assert.deepEqual(levelOf({ all: "advisory", "no-external-services": { enforcementLevel: "mandatory" } }), ["mandatory"]);
        });
        it("skips disabled policies and reports remediate as mandatory", () => {
            assert.deepEqual(levelOf({ "no-external-services": "disabled" }), []);
            assert.deepEqual(levelOf({ all: "disabled" }), []);
            assert.deepEqual(levelOf({ "no-external-services": "remediate" }), ["mandatory"]);
        });
        it("rejects an unknown level", () => {
            assert.throws(() => levelOf({ all: "strict" }), PolicyConfigError);
        });
    });

    describe("config", () => {
        it("merges configSchema defaults under the configured options", () => {
            const [resolved] = resolvePolicies({ "trusted-image-registries": { trustedRegistries: ["quay.io"] } }, ["trusted-image-registries"]);
            assert.deepEqual(resolved.config, { exemptNamespaces: [], trustedRegistries: ["quay.io"], allowedImages: [...ALLOWED_IMAGES] });
            const [defaults] = resolvePolicies({}, ["random-password-length"]);
            assert.deepEqual(defaults.config, { minLength: 20 });
        });
        it("validates options against the policy's configSchema", () => {
            assert.throws(
                () => resolvePolicies({ "random-password-length": { minLength: "20" } }),
                /config for policy random-password-length: \/minLength must be integer/,
            );
            assert.throws(() => resolvePolicies({ "random-password-length": { minLenght: 20 } }), /must NOT have additional properties \(minLenght\)/);
            assert.throws(
                () => resolvePolicies({ "pss-baseline-privileged": { exemptNamespaces: [{ namespace: "x" }] } }),
                /must have required property 'reason'/,
            );
        });
        it("rejects config for a policy that is not in the pack", () => {
            assert.throws(() => resolvePolicies({ "no-such-policy": "mandatory" }), /not in the pack/);
        });
        it("filters policies by glob and rejects a glob that matches nothing", () => {
            assert.deepEqual(
                resolvePolicies({}, ["pss-restricted-run-as-*"]).map((r) => r.policy.name),
                ["pss-restricted-run-as-non-root", "pss-restricted-run-as-user"],
            );
            assert.throws(() => resolvePolicies({}, ["pss-basline-*"]), /matches no policy/);
            assert.ok(globToRegExp("a?c.*").test("abc.anything") && !globToRegExp("a?c.*").test("abcxd"));
        });
    });

    describe("engine behaviour", () => {
        it("matches validateResourceOfType on the exact type token", () => {
            const seen: string[] = [];
            const policy = {
                name: "t",
                description: "T.",
                validateResource: validateResourceOfType(k8s.core.v1.Service, (_p, args) => {
                    seen.push(args.type);
                }),
            };
            const resources = [resourceOf(lbService), { ...resourceOf(lbService), urn: "u2", type: "kubernetes:core/v1:ServiceList" }];
            evaluatePolicies(resources, { policies: [policy] });
            assert.deepEqual(seen, ["kubernetes:core/v1:Service"]);
        });

        it("gives stack policies resources with parent, dependencies and propertyDependencies resolved", () => {
            let got: PolicyResource[] = [];
            const policy: StackValidationPolicy = {
                name: "s",
                description: "S.",
                validateStack: (args) => {
                    got = args.resources;
                },
            };
            const ns: PlannedResource = {
                urn: "urn:ns",
                type: "kubernetes:core/v1:Namespace",
                name: "ns",
                dependencies: [],
                inputs: { metadata: { name: "apps" } },
            };
            const np: PlannedResource = {
                urn: "urn:np",
                type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
                name: "np",
                parent: "urn:ns",
                dependencies: ["urn:ns", "urn:missing"],
                propertyDependencies: { metadata: ["urn:ns"] },
                inputs: {},
            };
            evaluatePolicies([ns, np], { policies: [policy] });
            assert.equal(got[1].parent, got[0]);
            assert.deepEqual(got[1].dependencies, [got[0]]);
            assert.deepEqual(got[1].propertyDependencies, { metadata: [got[0]] });
            assert.equal(got[1].opts.parent, "urn:ns");
            assert.ok(got[0].isType(k8s.core.v1.Namespace) && !got[1].isType(k8s.core.v1.Namespace));
        });

        it("treats notApplicable as no violation and refuses asynchronous policies", () => {
            const na = { name: "na", description: "NA.", validateResource: (args: any) => args.notApplicable("never") };
            assert.deepEqual(evaluatePolicies([resourceOf(lbService)], { policies: [na] }), []);
            const async = { name: "async", description: "Async.", validateResource: async () => undefined };
            assert.throws(() => evaluatePolicies([resourceOf(lbService)], { policies: [async] }), /policy async is asynchronous/);
        });

        it("sorts violations by URN, then policy", () => {
            const a = { ...resourceOf(lbService), urn: "urn:b" };
            const b = { ...resourceOf({ ...lbService, spec: { type: "NodePort", externalIPs: ["1.2.3.4"] } }), urn: "urn:a" };
            const violations = evaluatePolicies([a, b], { policyNames: ["no-external-services", "required-*"] });
            assert.deepEqual(
                violations.map((v) => v.urn),
                ["urn:a", "urn:a", "urn:b"],
            );
        });
    });
});

describe("policy-pack/config presets", () => {
    for (const file of ["advisory-rollout.json", "pss-restricted-mandatory.json"]) {
        it(`${file} is a valid pack config`, () => {
            const config = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "policy-pack", "config", file), "utf8"));
            assert.ok(resolvePolicies(config).length > 0);
        });
    }

    it("pss-restricted-mandatory.json makes every restricted check mandatory and leaves baseline mandatory", () => {
        const config = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "policy-pack", "config", "pss-restricted-mandatory.json"), "utf8"));
        const levels = new Set(resolvePolicies(config, ["pss-*"]).map((r) => r.level));
        assert.deepEqual([...levels], ["mandatory"]);
    });
});
