/**
 * Day 2 on the shipped stacks: each scenario plans the shipped config and a changed copy, and
 * asserts what `pulumi up` would do between them (tools/plan/compare.ts), operation by operation,
 * or the config guard's refusal. Every config is planned once; the assertions share the plans.
 */
import * as assert from "assert";
import { configGuardName, guardRefusals } from "../../config/guard";
import { compareStack, StackChanges } from "../../tools/plan/compare";
import type { Change, StackPlanJson } from "../../tools/plan/report";
import { planConfigs, planJson, planShipped, PlannedStack, shippedConfig } from "../support/offline";

type Config = Record<string, any>;

/** The shipped mgmt config, changed by `edit`. */
function mgmtWith(edit: (config: Config) => void): Config {
    const config = shippedConfig("mgmt");
    edit(config);
    return config;
}

const compare = (from: StackPlanJson, to: StackPlanJson): StackChanges => compareStack(from, to, { name: configGuardName(to.stack), refusals: guardRefusals });
const nameOf = (c: Change) => c.urn.slice(c.urn.lastIndexOf("::") + 2);
const summary = (changes: Change[]) => changes.map((c) => `${c.op} ${nameOf(c)}${c.keys.length > 0 ? ` [${c.keys.join(", ")}]` : ""}`);

/** Asserts that in `changes` each named resource's operation comes before the next one's. */
function inOrder(changes: Change[], ...names: string[]): void {
    const at = names.map((n) => changes.findIndex((c) => nameOf(c) === n));
    assert.ok(
        at.every((i, k) => i >= 0 && (k === 0 || at[k - 1] < i)),
        `expected ${names.join(" → ")} in ${summary(changes).join("; ")}`,
    );
}

describe("day 2: what pulumi up does after a config change (npm run plan -- --compare-to)", function () {
    let shipped: Record<string, StackPlanJson>;
    let again: StackPlanJson;
    let twoWorkers: StackPlanJson;
    let biggerWorker: StackPlanJson;
    let patchBump: StackPlanJson;
    let threeControlPlanes: StackPlanJson;
    let longerAudit: StackPlanJson;
    let withoutOidc: StackPlanJson;

    before(async () => {
        const byStack = (stacks: PlannedStack[]) => Object.fromEntries(stacks.map((s) => [s.stack, planJson(s)]));
        const mgmtOf = async (config: Config) => byStack(await planConfigs({ mgmt: config })).mgmt;
        // All at once: each plan is its own processes.
        const shippedRun = planShipped();
        // Again from the shipped file: plan-cli.spec already compares all three stacks run to run.
        const againRun = mgmtOf(shippedConfig("mgmt"));
        const changedRuns = Promise.all(
            [
                mgmtWith((c) => (c["platform:nodes"].workers.count = 2)),
                mgmtWith((c) => (c["platform:nodes"].workers.cpus = 6)),
                mgmtWith((c) => (c["platform:cluster"].kubernetesVersion = "v1.35.10")),
                mgmtWith((c) => {
                    c["platform:nodes"].controlPlane.count = 3;
                    c["platform:network"].controlPlaneVip = "192.168.64.240";
                }),
                mgmtWith((c) => (c["platform:apiServer"] = { audit: { maxAgeDays: 30 } })),
                mgmtWith((c) => (c["platform:apiServer"] = { oidc: false })),
            ].map(mgmtOf),
        );
        [shipped, again] = [byStack(await shippedRun), await againRun];
        [twoWorkers, biggerWorker, patchBump, threeControlPlanes, longerAudit, withoutOidc] = await changedRuns;
    });

    it("1. nothing changed: a second plan of the shipped config has no operation", () => {
        assert.deepStrictEqual(compare(shipped.mgmt, again), { changes: [], refused: [] });
    });

    it("2. a worker added: its VM, credentials, join and membership are created, in that order, and nothing else", () => {
        const { changes, refused } = compare(shipped.mgmt, twoWorkers);
        assert.deepStrictEqual(refused, []);
        assert.deepStrictEqual(summary(changes).sort(), [
            "create mgmt-join-credentials-mgmt-worker-1",
            "create mgmt-join-mgmt-worker-1",
            "create mgmt-member-mgmt-worker-1",
            "create mgmt-token-mgmt-worker-1",
            "create mgmt-worker-1",
            "create mgmt-worker-1-launch",
        ]);
        inOrder(changes, "mgmt-worker-1", "mgmt-worker-1-launch", "mgmt-join-mgmt-worker-1", "mgmt-member-mgmt-worker-1");
        inOrder(changes, "mgmt-token-mgmt-worker-1", "mgmt-join-credentials-mgmt-worker-1", "mgmt-join-mgmt-worker-1");
    });

    it("3. a worker removed: drained (member), reset (join), then its VM deleted (launch), and nothing else", () => {
        const { changes, refused } = compare(twoWorkers, shipped.mgmt);
        assert.deepStrictEqual(refused, []);
        assert.deepStrictEqual(summary(changes).sort(), [
            "delete mgmt-join-credentials-mgmt-worker-1",
            "delete mgmt-join-mgmt-worker-1",
            "delete mgmt-member-mgmt-worker-1",
            "delete mgmt-token-mgmt-worker-1",
            "delete mgmt-worker-1",
            "delete mgmt-worker-1-launch",
        ]);
        inOrder(changes, "mgmt-member-mgmt-worker-1", "mgmt-join-mgmt-worker-1", "mgmt-worker-1-launch", "mgmt-worker-1");
        inOrder(changes, "mgmt-join-mgmt-worker-1", "mgmt-join-credentials-mgmt-worker-1", "mgmt-token-mgmt-worker-1");
    });

    it("4. worker cpus changed: one update of the worker's launch, by its update script, for its environment", () => {
        const { changes, refused } = compare(shipped.mgmt, biggerWorker);
        assert.deepStrictEqual(refused, []);
        assert.deepStrictEqual(
            changes.map((c) => ({ ...c, urn: nameOf(c) })),
            [{ urn: "mgmt-worker-0-launch", op: "update", keys: ["environment"], runs: "update" }],
        );
    });

    it("5. a patch version bump: refused by the config guard before anything runs", () => {
        const { changes, refused } = compare(shipped.mgmt, patchBump);
        assert.deepStrictEqual(changes, []);
        assert.strictEqual(refused.length, 1, refused.join("\n"));
        assert.match(
            refused[0],
            /^platform:cluster\.kubernetesVersion: the running cluster has v1\.35\.9, the config now says v1\.35\.10\. Set it back to v1\.35\.9\./,
        );
    });

    it("6. control-plane count 1 → 3: refused by the config guard, naming the count and the VIP", () => {
        const { changes, refused } = compare(shipped.mgmt, threeControlPlanes);
        assert.deepStrictEqual(changes, []);
        const byKey = Object.fromEntries(refused.map((r) => [r.slice(0, r.indexOf(": ")), r]));
        assert.deepStrictEqual(Object.keys(byKey).sort(), ["platform:network.controlPlaneVip", "platform:nodes.controlPlane.count"]);
        assert.match(byKey["platform:nodes.controlPlane.count"], /the running cluster has 1, the config now says 3\. Set it back to 1\./);
        assert.match(byKey["platform:network.controlPlaneVip"], /the running cluster has \(none\), the config now says 192\.168\.64\.240/);
    });

    it("7. audit settings changed on a running cluster: the API server step runs its update script, and nothing else changes", () => {
        const { changes, refused } = compare(shipped.mgmt, longerAudit);
        assert.deepStrictEqual(refused, []);
        assert.deepStrictEqual(
            changes.map((c) => ({ ...c, urn: nameOf(c) })),
            [{ urn: "mgmt-api-server-apply-mgmt-cp-0", op: "update", keys: ["stdin"], runs: "update" }],
        );
    });

    it("8. OIDC added to a running cluster: the API server step runs its update script and the admins' binding is created", () => {
        const { changes, refused } = compare(withoutOidc, shipped.mgmt);
        assert.deepStrictEqual(refused, []);
        assert.deepStrictEqual(summary(changes).sort(), ["create mgmt-oidc-admins", "update mgmt-api-server-apply-mgmt-cp-0 [stdin]"]);
        assert.equal(changes.find((c) => c.op === "update")?.runs, "update");
    });
});
