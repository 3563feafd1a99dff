/**
 * `--compare-to` on small hand-made plans: each provider rule, each option, the engine's order.
 * The scenarios on the shipped stacks are in test/scenarios.
 */
import * as assert from "assert";
import { changedPaths, covers, parsePath } from "../../tools/plan/diff";
import { compareStack, ConfigGuard } from "../../tools/plan/compare";
import type { Change, ResourcePlanJson, StackPlanJson } from "../../tools/plan/report";

const urn = (type: string, name: string) => `urn:pulumi:s::platform::${type}::${name}`;
const LOCAL = "command:local:Command";
const REMOTE = "command:remote:Command";
const PROVIDER = "pulumi:providers:kubernetes";

type R = ResourcePlanJson & { inputs: Record<string, unknown> };

/** A resource of plan JSON. */
function res(type: string, name: string, inputs: Record<string, unknown> = {}, more: Partial<R> = {}): R {
    return { urn: urn(type, name), type, name, parent: null, custom: true, dependencies: [], propertyDependencies: {}, inputs, options: {}, ...more };
}

/** The resource `r` with its `key` input taken from `from`. */
function fed(r: R, key: string, from: R): R {
    return { ...r, dependencies: [...new Set([...r.dependencies, from.urn])], propertyDependencies: { ...r.propertyDependencies, [key]: [from.urn] } };
}

const stack = (resources: R[]): StackPlanJson => ({ stack: "s", resources, outputs: {}, violations: [] });
const ops = (changes: Change[]) =>
    changes.map((c) => `${c.op} ${c.urn.split("::").pop()}${c.keys.length ? ` [${c.keys.join(",")}]` : ""}${c.replaced ? " (old)" : ""}`);
const compare = (old: R[], now: R[], guard?: ConfigGuard) => compareStack(stack(old), stack(now), guard);

describe("compare: property paths", () => {
    it("parses Pulumi's path syntax and matches wildcards", () => {
        assert.deepStrictEqual(parsePath('spec.containers[0]["a.b/c"][*].image'), ["spec", "containers", 0, "a.b/c", "*", "image"]);
        assert.deepStrictEqual(parsePath("triggers[*]"), ["triggers", "*"]);
        assert.ok(covers(parsePath("triggers[*]"), ["triggers", 2]));
        assert.ok(!covers(parsePath("triggers[*]"), ["triggers"]));
        assert.throws(() => parsePath("a..b"), /not a property path/);
    });

    it("reports changed leaves, a secret by its digest only", () => {
        const old = { inputs: { a: { b: 1, c: [1, 2] }, s: "[secret]" }, secretDigests: { s: "sha256:1" } };
        assert.deepStrictEqual(changedPaths(old, { inputs: { a: { b: 1, c: [1, 3] }, s: "[secret]" }, secretDigests: { s: "sha256:1" } }), [["a", "c", 1]]);
        assert.deepStrictEqual(changedPaths(old, { ...old, secretDigests: { s: "sha256:2" } }), [["s"]]);
        assert.deepStrictEqual(changedPaths(old, old), []);
    });
});

describe("compare: pulumi-command", () => {
    const launch = res(LOCAL, "vm", { create: "c", environment: { CPUS: "2" } });

    it("no change: no operations", () => {
        assert.deepStrictEqual(compare([launch], [launch]), { changes: [], refused: [] });
    });

    it("an input change updates: create runs again without an update script, update with one", () => {
        const now = res(LOCAL, "vm", { create: "c", environment: { CPUS: "4" } });
        assert.deepStrictEqual(compare([launch], [now]).changes, [{ urn: now.urn, op: "update", keys: ["environment"], runs: "create" }]);
        const withUpdate = res(LOCAL, "vm", { create: "c", update: "u", environment: { CPUS: "4" } });
        assert.deepStrictEqual(compare([launch], [withUpdate]).changes[0].runs, "update");
    });

    it("a triggers change replaces: new copy first, old copy deleted with the deletes at the end", () => {
        const a = res(REMOTE, "a", { create: "x", triggers: ["1"] });
        const gone = res(REMOTE, "gone", { create: "y" }, { dependencies: [a.urn] });
        const now = res(REMOTE, "a", { create: "x", triggers: ["2"] });
        assert.deepStrictEqual(ops(compare([a, gone], [now]).changes), ["replace a [triggers]", "delete gone", "delete a (old)"]);
    });

    it("ignoreChanges drops the key; replaceOnChanges forces a replace", () => {
        const old = res(LOCAL, "vm", { create: "c", stdin: "v1" }, { options: { ignoreChanges: ["stdin"] } });
        assert.deepStrictEqual(compare([old], [{ ...old, inputs: { create: "c", stdin: "v2" } }]).changes, []);
        const forced = res(LOCAL, "vm", { create: "c", environment: { A: "1" } }, { options: { replaceOnChanges: ["environment.A"] } });
        const now = { ...forced, inputs: { create: "c", environment: { A: "2" } } };
        assert.deepStrictEqual(ops(compare([forced], [now]).changes), ["replace vm [environment]", "delete vm (old)"]);
    });
});

describe("compare: delete-before-replace and dependents", () => {
    // vm ← join (input connection from vm) ← member (dependsOn join only); note only takes a plain input.
    const vm = res(LOCAL, "vm", { create: "c", triggers: ["1"] }, { options: { deleteBeforeReplace: true } });
    const join = fed(res(REMOTE, "join", { create: "j", triggers: ["t"], connection: { host: "h" } }), "connection", vm);
    const joinTriggered = fed(res(REMOTE, "join", { create: "j", triggers: ["h"] }), "triggers", vm);
    const member = res(REMOTE, "member", { create: "m" }, { dependencies: [join.urn] });
    const vm2 = { ...vm, inputs: { create: "c", triggers: ["2"] } };

    it("deletes first; a dependent whose changed input only updates is not deleted early", () => {
        const { changes } = compare([vm, join, member], [vm2, join, member]);
        assert.deepStrictEqual(ops(changes), ["delete vm [triggers] (old)", "replace vm [triggers]", "update join [connection]"]);
    });

    it("deletes the dependents that are replaced with it first, in reverse dependency order", () => {
        const memberOf = {
            ...member,
            dependencies: [joinTriggered.urn],
            propertyDependencies: { triggers: [joinTriggered.urn] },
            inputs: { create: "m", triggers: ["x"] },
        };
        const { changes } = compare([vm, joinTriggered, memberOf], [vm2, joinTriggered, memberOf]);
        assert.deepStrictEqual(ops(changes), [
            "delete member [triggers] (old)",
            "delete join [triggers] (old)",
            "delete vm [triggers] (old)",
            "replace vm [triggers]",
            "replace join [triggers]",
            "replace member [triggers]",
        ]);
    });

    it("without deleteBeforeReplace the dependents see unknown inputs and follow their own rule", () => {
        const cbd = { ...vm, options: {} };
        const { changes } = compare([cbd, joinTriggered], [{ ...cbd, inputs: vm2.inputs }, joinTriggered]);
        assert.deepStrictEqual(ops(changes), ["replace vm [triggers]", "replace join [triggers]", "delete join (old)", "delete vm (old)"]);
    });
});

describe("compare: kubernetes", () => {
    const kubeconfig = res(REMOTE, "kubeconfig", { create: "k", triggers: ["1"] });
    const provider = fed(res(PROVIDER, "provider", { kubeconfig: "[secret]" }, { secretDigests: { kubeconfig: "sha256:a" } }), "kubeconfig", kubeconfig);
    const k8s = (type: string, name: string, inputs: Record<string, unknown>) =>
        res(`kubernetes:${type}`, name, inputs, { options: { provider: provider.urn }, dependencies: [provider.urn] });
    const ns = k8s("core/v1:Namespace", "ns", { metadata: { name: "apps", labels: { a: "1" } } });
    const release = k8s("helm.sh/v3:Release", "rel", { name: "cilium", namespace: "kube-system", values: { a: 1 } });

    it("metadata.name replaces, labels update; a named object keeps its name, so it is deleted first", () => {
        const relabelled = k8s("core/v1:Namespace", "ns", { metadata: { name: "apps", labels: { a: "2" } } });
        assert.deepStrictEqual(ops(compare([ns], [relabelled]).changes), ["update ns [metadata]"]);
        const renamed = k8s("core/v1:Namespace", "ns", { metadata: { name: "apps2" } });
        assert.deepStrictEqual(ops(compare([ns], [renamed]).changes), ["replace ns [metadata]", "delete ns (old)"]);
        const sc = k8s("storage.k8s.io/v1:StorageClass", "sc", { metadata: { name: "local" }, provisioner: "a", reclaimPolicy: "Delete" });
        const moved = { ...sc, inputs: { ...sc.inputs, provisioner: "b" } };
        assert.deepStrictEqual(ops(compare([sc], [moved]).changes), ["delete sc [provisioner] (old)", "replace sc [provisioner]"]);
        assert.deepStrictEqual(ops(compare([sc], [{ ...sc, inputs: { ...sc.inputs, reclaimPolicy: "Retain" } }]).changes), ["update sc [reclaimPolicy]"]);
    });

    it("Helm releases update on values and replace on name", () => {
        assert.deepStrictEqual(ops(compare([release], [{ ...release, inputs: { ...release.inputs, values: { a: 2 } } }]).changes), ["update rel [values]"]);
        assert.deepStrictEqual(ops(compare([release], [{ ...release, inputs: { ...release.inputs, name: "c2" } }]).changes), [
            "replace rel [name]",
            "delete rel (old)",
        ]);
    });

    it("a replaced kubeconfig replaces the provider, and every resource of the provider with it", () => {
        const kc2 = { ...kubeconfig, inputs: { create: "k", triggers: ["2"] } };
        const { changes } = compare([kubeconfig, provider, ns, release], [kc2, provider, ns, release]);
        assert.deepStrictEqual(ops(changes), [
            "replace kubeconfig [triggers]",
            "replace provider [kubeconfig]",
            "replace ns [provider]",
            "replace rel [provider]",
            "delete rel (old)",
            "delete ns (old)",
            "delete provider (old)",
            "delete kubeconfig (old)",
        ]);
    });
});

describe("compare: tls and random", () => {
    it("any input change replaces, except a certificate's earlyRenewalHours", () => {
        const key = res("tls:index/privateKey:PrivateKey", "key", { algorithm: "RSA", rsaBits: 2048 });
        assert.deepStrictEqual(ops(compare([key], [{ ...key, inputs: { algorithm: "RSA", rsaBits: 4096 } }]).changes), [
            "replace key [rsaBits]",
            "delete key (old)",
        ]);
        const cert = res("tls:index/selfSignedCert:SelfSignedCert", "cert", { earlyRenewalHours: 1, validityPeriodHours: 10 });
        assert.deepStrictEqual(ops(compare([cert], [{ ...cert, inputs: { earlyRenewalHours: 2, validityPeriodHours: 10 } }]).changes), [
            "update cert [earlyRenewalHours]",
        ]);
        const bytes = res("random:index/randomBytes:RandomBytes", "bytes", { length: 16 });
        assert.deepStrictEqual(ops(compare([bytes], [{ ...bytes, inputs: { length: 32 } }]).changes), ["replace bytes [length]", "delete bytes (old)"]);
    });
});

describe("compare: creates, deletes, components and refusals", () => {
    const node = res("platform:infra:VmNode", "node", {}, { custom: false });
    const launch = res(LOCAL, "node-launch", { create: "c" }, { parent: node.urn });
    const join = fed(res(REMOTE, "join", { create: "j", connection: "[secret]" }, { secretDigests: { connection: "sha256:1" } }), "connection", launch);
    const member = { ...res(REMOTE, "member", { create: "w", delete: "drain" }), dependencies: [join.urn] };

    it("creates in dependency order; deletes in reverse dependency order of the old plan, children before parents", () => {
        assert.deepStrictEqual(ops(compare([], [member, join, launch, node]).changes), ["create node", "create node-launch", "create join", "create member"]);
        assert.deepStrictEqual(ops(compare([node, launch, join, member], []).changes), ["delete member", "delete join", "delete node-launch", "delete node"]);
    });

    it("an existing resource fed by a new one sees its input change", () => {
        const other = res(LOCAL, "other-launch", { create: "c" });
        const rewired = fed({ ...join, dependencies: [] }, "connection", other);
        assert.deepStrictEqual(ops(compare([launch, join], [launch, other, rewired]).changes), ["create other-launch", "update join [connection]"]);
    });

    it("a change in a secret input shows up by its digest", () => {
        const moved = { ...join, secretDigests: { connection: "sha256:2" } };
        assert.deepStrictEqual(ops(compare([launch, join], [launch, moved]).changes), ["update join [connection]"]);
    });

    it("the config guard refuses: no operation at all, its messages", () => {
        const guardOf = (v: string) => res(LOCAL, "c-config-guard", { create: "g", environment: { KUBERNETES_VERSION: v } });
        const guard: ConfigGuard = {
            name: "c-config-guard",
            refusals: (previous, wanted) =>
                previous.KUBERNETES_VERSION === wanted.KUBERNETES_VERSION
                    ? []
                    : [`kubernetesVersion: ${previous.KUBERNETES_VERSION} → ${wanted.KUBERNETES_VERSION}`],
        };
        assert.deepStrictEqual(compare([guardOf("v1"), launch], [guardOf("v2"), { ...launch, inputs: { create: "d" } }], guard), {
            changes: [],
            refused: ["kubernetesVersion: v1 → v2"],
        });
        assert.deepStrictEqual(ops(compare([guardOf("v1"), launch], [guardOf("v1"), { ...launch, inputs: { create: "d" } }], guard).changes), [
            "update node-launch [create]",
        ]);
    });

    it("refuses to delete or replace a protected resource", () => {
        const ca = res("tls:index/privateKey:PrivateKey", "ca", { algorithm: "RSA" }, { options: { protect: true } });
        assert.match(compare([ca], []).refused.join(), /ca: unable to delete it: it is marked for protection/);
        assert.match(compare([ca], [{ ...ca, inputs: { algorithm: "ECDSA" } }]).refused.join(), /ca: unable to replace it/);
    });

    it("a changed type without a modelled provider rule is an error, not a guess", () => {
        const v = res("vault:pkiSecret/role:Role", "role", { maxTtl: "1h" });
        assert.throws(() => compare([v], [{ ...v, inputs: { maxTtl: "2h" } }]), /no diff rule for vault:pkiSecret\/role:Role \(role, changed: maxTtl\)/);
    });

    it("rejects an earlier plan written before options were recorded", () => {
        const legacy = { ...launch, options: undefined } as unknown as R;
        assert.throws(() => compare([legacy], [launch]), /has no resource options/);
    });
});
