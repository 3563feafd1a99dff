/** The bring-up estimate: step kinds, the critical path of a graph, phases, and the shipped stacks. */
import * as assert from "assert";
import { StackConfig } from "../../config/model";
import { validateStackConfig } from "../../config/validate";
import { RecordedResource } from "../../tools/offline/record";
import { readStackFile } from "../../tools/plan/stack-file";
import { estimateDeploy, estimateStack, STEP_DURATIONS, stepKinds, TimedStack } from "../../tools/plan/timeline";
import { planShipped, REPO_ROOT } from "../support/offline";

const D = (kind: keyof typeof STEP_DURATIONS) => STEP_DURATIONS[kind].seconds;
const urn = (name: string, type: string) => `urn:pulumi:s::platform::${type}::${name}`;

/** A recorded resource: name, type, the names it depends on, and inputs. */
function res(name: string, type: string, deps: string[] = [], extra: Partial<RecordedResource> = {}): RecordedResource {
    return { urn: urn(name, type), type, name, dependencies: deps, propertyDependencies: {}, inputs: {}, custom: true, ...extra };
}

const LOCAL = "command:local:Command";
const REMOTE = "command:remote:Command";
const HELM = "kubernetes:helm.sh/v3:Release";

function shippedConfig(stack: string): StackConfig {
    const result = validateStackConfig(readStackFile(REPO_ROOT, stack).raw);
    assert.ok(result.ok);
    return result.config;
}

describe("timeline: step kinds", () => {
    const cps = new Set(["c-cp-0", "c-cp-1"]);
    const cases: Array<[RecordedResource, string[]]> = [
        [res("c-cp-0-launch", LOCAL), ["vm-launch", "cloud-init"]],
        [res("c-cp-0-bootstrap", REMOTE), ["cloud-init"]],
        [res("c-init", REMOTE), ["kubeadm-init"]],
        [res("c-join-credentials", REMOTE), ["join-credentials"]],
        [res("c-join-credentials-c-worker-0", REMOTE), ["join-credentials"]],
        [res("c-join-c-worker-0", REMOTE), ["kubeadm-join"]],
        [res("c-join-c-cp-1", REMOTE), ["kubeadm-join-control-plane"]],
        [res("c-member-c-worker-0", REMOTE), ["node-member"]],
        [res("c-kubeconfig", REMOTE), ["kubeconfig"]],
        [res("c-drain-c-worker-1", REMOTE), ["command"]],
        [res("c-config-guard", LOCAL), ["command"]],
        [res("c-init", LOCAL), ["kubeadm-init"]],
        [res("c-join-credentials-c-worker-0", LOCAL), ["join-credentials"]],
        [res("c-cilium", HELM, [], { inputs: { chart: "cilium" } }), ["helm:cilium"]],
        [res("c-vault", HELM, [], { inputs: { chart: "oci://registry/charts/vault" } }), ["helm:vault"]],
        [res("c-other", HELM, [], { inputs: { chart: "oci://registry/charts/unlisted" } }), ["helm"]],
        [res("c-vault-init", LOCAL), ["vault-init"]],
        [res("c-api-server-apply-c-cp-0", REMOTE), ["api-server-settings"]],
        [res("c-api-server-rewrite-secrets", REMOTE), ["command"]],
        [res("c-lpp", "kubernetes:apps/v1:Deployment"), ["k8s-workload"]],
        [res("c-crds", "kubernetes:yaml/v2:ConfigFile", [], { custom: false }), ["k8s-manifest"]],
        [res("c-ns", "kubernetes:core/v1:Namespace"), ["k8s-object"]],
        [res("c", "platform:k8s:KubeadmCluster", [], { custom: false }), ["instant"]],
        [res("c-provider", "pulumi:providers:kubernetes"), ["instant"]],
        [res("c-key", "tls:index/privateKey:PrivateKey"), ["instant"]],
    ];
    for (const [resource, kinds] of cases) {
        it(`${resource.name} (${resource.type}) is ${kinds.join(" + ")}`, () => {
            assert.deepStrictEqual(stepKinds(resource, cps), kinds);
        });
    }

    it("every entry of the table says where its number comes from", () => {
        for (const [kind, entry] of Object.entries(STEP_DURATIONS)) {
            assert.ok(entry.seconds >= 0 && entry.basis.length > 20, kind);
        }
    });
});

describe("timeline: critical path of a small graph", () => {
    // cp launch → init → credentials → worker join → kubeconfig → provider → cilium → metallb
    //                                                          ↘ namespace (no recorded deps: waits for the provider)
    // worker launch (parallel with the cp launch, same length) → worker join
    // the control plane's second node joins after the credentials, in parallel with the worker
    const resources = [
        res("c-cp-0-launch", LOCAL),
        res("c-worker-0-launch", LOCAL),
        res("c-init", REMOTE, [urn("c-cp-0-launch", LOCAL)]),
        res("c-join-credentials", REMOTE, [urn("c-init", REMOTE)]),
        res("c-join-c-cp-1", REMOTE, [urn("c-join-credentials", REMOTE)]),
        res("c-join-c-worker-0", REMOTE, [urn("c-join-credentials", REMOTE), urn("c-worker-0-launch", LOCAL)]),
        res("c-kubeconfig", REMOTE, [urn("c-join-c-worker-0", REMOTE), urn("c-join-c-cp-1", REMOTE)]),
        res("c-provider", "pulumi:providers:kubernetes", [urn("c-kubeconfig", REMOTE)]),
        res("c-ns", "kubernetes:core/v1:Namespace"),
        res("c-cilium", HELM, [urn("c-ns", "kubernetes:core/v1:Namespace")], { inputs: { chart: "cilium" } }),
        res("c-metrics", HELM, [], { inputs: { chart: "metrics-server" } }),
        res("c-metallb", HELM, [urn("c-cilium", HELM)], { inputs: { chart: "metallb" } }),
        res("c", "platform:k8s:KubeadmCluster", [], { custom: false }),
    ];
    resources.filter((r) => /-(init|join|kubeconfig)/.test(r.name)).forEach((r) => (r.parent = urn("c", "platform:k8s:KubeadmCluster")));
    const estimate = estimateStack(resources, new Set(["c-cp-0", "c-cp-1"]));

    it("follows the longest chain: the control-plane join outlasts the worker join, the namespace waits for the provider", () => {
        assert.deepStrictEqual(
            estimate.criticalPath.map((u) => u.split("::").pop()),
            ["c-cp-0-launch", "c-init", "c-join-credentials", "c-join-c-cp-1", "c-kubeconfig", "c-ns", "c-cilium", "c-metallb"],
        );
        const expected =
            D("vm-launch") +
            D("cloud-init") +
            D("kubeadm-init") +
            D("join-credentials") +
            D("kubeadm-join-control-plane") +
            D("kubeconfig") +
            D("k8s-object") +
            D("helm:cilium") +
            D("helm:metallb");
        assert.strictEqual(estimate.seconds, expected);
    });

    it("in sequence: every step once", () => {
        const expected =
            2 * (D("vm-launch") + D("cloud-init")) +
            D("kubeadm-init") +
            D("join-credentials") +
            D("kubeadm-join-control-plane") +
            D("kubeadm-join") +
            D("kubeconfig") +
            D("k8s-object") +
            D("helm:cilium") +
            D("helm:metrics-server") +
            D("helm:metallb");
        assert.strictEqual(estimate.sequentialSeconds, expected);
    });

    it("refuses a cycle and names it", () => {
        const a = res("a", REMOTE, [urn("b", REMOTE)]);
        const b = res("b", REMOTE, [urn("a", REMOTE)]);
        assert.throws(() => estimateStack([a, b]), /timeline: .*::a depends on itself|timeline: .*::b depends on itself/);
    });
});

describe("timeline: a deploy follows the deploy steps", () => {
    const U = D("pulumi-update");
    const launch = D("vm-launch") + D("cloud-init");
    /** `launches` VM launches one after another; the first `partial` of them (and the mesh CA) are the stack's partial stage. */
    const stack = (name: string, launches: number, partial?: number): TimedStack => {
        const config = { ...shippedConfig(name === "mgmt" ? "mgmt" : "app1"), name };
        const ca = name === "mgmt" ? [res(`${name}-ca-key`, "tls:index/privateKey:PrivateKey")] : [];
        const vms = Array.from({ length: launches }, (_, i) => res(`${name}-vm-${i}-launch`, LOCAL, i === 0 ? [] : [urn(`${name}-vm-${i - 1}-launch`, LOCAL)]));
        const resources = [...ca, ...vms];
        return { stack: name, config, resources, ...(partial === undefined ? {} : { partial: { resources: [...ca, ...vms.slice(0, partial)] } }) };
    };
    const names = (urns: string[]) => urns.map((u) => u.split("::").pop());

    it("unstaged: mgmt, then the slower app; each stack's run costs one update on top", () => {
        const timeline = estimateDeploy([stack("mgmt", 2), stack("app1", 1), stack("app2", 3)]);
        assert.deepStrictEqual(timeline.perStack, { mgmt: U + 2 * launch, app1: U + launch, app2: U + 3 * launch });
        assert.strictEqual(timeline.parallelSeconds, 2 * U + 5 * launch);
        assert.strictEqual(timeline.sequentialSeconds, 6 * launch);
        assert.deepStrictEqual(names(timeline.criticalPath), [
            "mgmt-vm-0-launch",
            "mgmt-vm-1-launch",
            "app2-vm-0-launch",
            "app2-vm-1-launch",
            "app2-vm-2-launch",
        ]);
    });

    it("staged: an app's standalone part runs beside mgmt, its full stage only adds the rest once both are done", () => {
        // mgmt: foundation = the CA (no time), full = 2 launches. app1: 1 launch standalone + 1 after.
        // app2: 3 launches standalone (longer than mgmt) + 1 after.
        const timeline = estimateDeploy([stack("mgmt", 2, 0), stack("app1", 2, 1), stack("app2", 4, 3)]);
        assert.deepStrictEqual(timeline.steps, [
            { step: "mgmt (foundation)", seconds: U, finishesAt: U },
            { step: "mgmt", seconds: U + 2 * launch, finishesAt: 2 * U + 2 * launch },
            { step: "app1 (standalone)", seconds: U + launch, finishesAt: 2 * U + launch },
            { step: "app1", seconds: U + launch, finishesAt: 3 * U + 3 * launch },
            { step: "app2 (standalone)", seconds: U + 3 * launch, finishesAt: 2 * U + 3 * launch },
            { step: "app2", seconds: U + launch, finishesAt: 3 * U + 4 * launch },
        ]);
        assert.strictEqual(timeline.parallelSeconds, 3 * U + 4 * launch);
        // Alone, each stack is still one update from empty state.
        assert.deepStrictEqual(timeline.perStack, { mgmt: U + 2 * launch, app1: U + 2 * launch, app2: U + 4 * launch });
        // app2's standalone stage ends after mgmt: the path runs through it, not through mgmt.
        assert.deepStrictEqual(names(timeline.criticalPath), ["app2-vm-0-launch", "app2-vm-1-launch", "app2-vm-2-launch", "app2-vm-3-launch"]);
    });
});

describe("timeline: the shipped stacks", () => {
    it("deploys a fresh platform in stages, at most 1.3x the slowest single stack", async () => {
        const stacks = await planShipped();
        const timeline = estimateDeploy(stacks);
        assert.deepStrictEqual(
            timeline.steps.map((s) => s.step),
            ["mgmt (foundation)", "mgmt", "app1 (standalone)", "app1", "app2 (standalone)", "app2"],
        );
        const slowest = Math.max(...Object.values(timeline.perStack));
        assert.strictEqual(slowest, timeline.perStack.mgmt);
        assert.ok(timeline.parallelSeconds <= 1.3 * slowest, `${timeline.parallelSeconds}s > 1.3 × ${slowest}s`);
        const step = (id: string) => timeline.steps.find((s) => s.step === id) as { seconds: number; finishesAt: number };
        assert.strictEqual(timeline.parallelSeconds, Math.max(step("app1").finishesAt, step("app2").finishesAt));
        // An app's full stage starts when mgmt ends and spends no time on what its standalone stage built.
        assert.strictEqual(step("app1").finishesAt, step("mgmt").finishesAt + step("app1").seconds);
        assert.ok(step("app1").seconds < timeline.perStack.app1 / 2, `app1's full stage takes ${step("app1").seconds}s`);
        // The chain a new cluster cannot avoid (a VM, kubeadm init, the kubeconfig), then what an app needs mgmt's services for.
        const names = timeline.criticalPath.map((u) => u.split("::").pop());
        for (const name of ["mgmt-cp-0-launch", "mgmt-init", "mgmt-kubeconfig"]) {
            assert.ok(names.includes(name), `${name} is not on the critical path: ${names.join(", ")}`);
        }
        assert.ok(names.some((n) => /^app[12]-api-server-apply-/.test(n as string)));
        assert.ok(!names.some((n) => /^app[12]-(init|cp-0-launch)$/.test(n as string)), "an app's cluster bring-up waits for mgmt");
    });
});
