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
    let minorBump: StackPlanJson;
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
                // Relative to the shipped size, which capacity work may change.
                mgmtWith((c) => (c["platform:nodes"].workers.cpus += 2)),
                mgmtWith((c) => (c["platform:cluster"].kubernetesVersion = "v1.35.10")),
                mgmtWith((c) => (c["platform:cluster"].kubernetesVersion = "v1.36.0")),
                mgmtWith((c) => {
                    c["platform:nodes"].controlPlane.count = 3;
                    c["platform:network"].controlPlaneVip = "192.168.64.240";
                }),
                mgmtWith((c) => (c["platform:apiServer"] = { audit: { maxAgeDays: 30 } })),
                mgmtWith((c) => (c["platform:apiServer"] = { oidc: false })),
            ].map(mgmtOf),
        );
        [shipped, again] = [byStack(await shippedRun), await againRun];
        [twoWorkers, biggerWorker, patchBump, minorBump, threeControlPlanes, longerAudit, withoutOidc] = await changedRuns;
    });

    it("1. nothing changed: a second plan of the shipped config has no operation", () => {
        assert.deepStrictEqual(compare(shipped.mgmt, again), { changes: [], refused: [] });
    });

    it("2. a worker added: its VM, credentials, join and membership are created, in that order, and nothing else", () => {
        const { changes, refused } = compare(shipped.mgmt, twoWorkers);
        assert.deepStrictEqual(refused, []);
        assert.deepStrictEqual(summary(changes).sort(), [
            "create mgmt-drain-mgmt-worker-1",
            "create mgmt-join-credentials-mgmt-worker-1",
            "create mgmt-join-mgmt-worker-1",
            "create mgmt-member-mgmt-worker-1",
            "create mgmt-token-mgmt-worker-1",
            "create mgmt-uncordon-mgmt-worker-1",
            "create mgmt-upgrade-mgmt-worker-1",
            "create mgmt-worker-1",
            "create mgmt-worker-1-launch",
        ]);
        inOrder(changes, "mgmt-worker-1", "mgmt-worker-1-launch", "mgmt-join-mgmt-worker-1", "mgmt-member-mgmt-worker-1");
        // Its upgrade steps (no-ops on a node bootstrapped at the cluster's version) after the membership.
        inOrder(changes, "mgmt-member-mgmt-worker-1", "mgmt-drain-mgmt-worker-1", "mgmt-upgrade-mgmt-worker-1", "mgmt-uncordon-mgmt-worker-1");
        inOrder(changes, "mgmt-token-mgmt-worker-1", "mgmt-join-credentials-mgmt-worker-1", "mgmt-join-mgmt-worker-1");
    });

    it("3. a worker removed: drained (member), reset (join), then its VM deleted (launch), and nothing else", () => {
        const { changes, refused } = compare(twoWorkers, shipped.mgmt);
        assert.deepStrictEqual(refused, []);
        assert.deepStrictEqual(summary(changes).sort(), [
            "delete mgmt-drain-mgmt-worker-1",
            "delete mgmt-join-credentials-mgmt-worker-1",
            "delete mgmt-join-mgmt-worker-1",
            "delete mgmt-member-mgmt-worker-1",
            "delete mgmt-token-mgmt-worker-1",
            "delete mgmt-uncordon-mgmt-worker-1",
            "delete mgmt-upgrade-mgmt-worker-1",
            "delete mgmt-worker-1",
            "delete mgmt-worker-1-launch",
        ]);
        inOrder(changes, "mgmt-uncordon-mgmt-worker-1", "mgmt-upgrade-mgmt-worker-1", "mgmt-drain-mgmt-worker-1", "mgmt-member-mgmt-worker-1");
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

    /**
     * What a version change runs: the guard records the new version, then the upgrade steps update,
     * each running its update script, in the order of upgrade.ts. Nothing else moves: the API
     * server settings' kubeadm file names no version (the step fills in the installed one), and
     * init, the joins and the nodes ignore it. Nothing is replaced.
     */
    const upgradeRun = [
        "update mgmt-config-guard [environment]",
        "update mgmt-upgrade-preflight [stdin]",
        "update mgmt-upgrade-snapshot [stdin]",
        "update mgmt-upgrade-mgmt-cp-0 [stdin]",
        "update mgmt-drain-mgmt-worker-0 [stdin]",
        "update mgmt-upgrade-mgmt-worker-0 [stdin]",
        "update mgmt-uncordon-mgmt-worker-0 [stdin]",
    ];

    it("5. a patch version bump: the upgrade steps run their update scripts, in order; init, joins and nodes stay", () => {
        const { changes, refused } = compare(shipped.mgmt, patchBump);
        assert.deepStrictEqual(refused, []);
        assert.deepStrictEqual(summary(changes), upgradeRun);
        assert.ok(
            changes.every((c) => c.op === "update" && c.runs === "update"),
            summary(changes).join("; "),
        );
    });

    it("5b. a minor bump (v1.35 → v1.36): the same steps in the same order, nothing replaced", () => {
        const { changes, refused } = compare(shipped.mgmt, minorBump);
        assert.deepStrictEqual(refused, []);
        assert.deepStrictEqual(summary(changes), upgradeRun);
        // The scripts switch the repository to the new minor and ask kubeadm about the target.
        const stdin = (name: string) => String((minorBump.resources.find((r) => r.name === name) as { inputs: Record<string, unknown> }).inputs.stdin);
        assert.match(stdin("mgmt-upgrade-preflight"), /core:\/stable:\/v1\.36\/deb\/[\s\S]*kubeadm upgrade plan v1\.36\.0/);
        assert.match(stdin("mgmt-upgrade-mgmt-cp-0"), /kubeadm upgrade apply -y v1\.36\.0/);
        assert.match(stdin("mgmt-upgrade-mgmt-worker-0"), /kubelet='1\.36\.0-\*' kubectl='1\.36\.0-\*'/);
    });

    it("5c. a downgrade, patch or minor: refused by the config guard before anything runs", () => {
        for (const [from, to, running, wanted] of [
            [patchBump, shipped.mgmt, "v1.35.10", "v1.35.9"],
            [minorBump, shipped.mgmt, "v1.36.0", "v1.35.9"],
        ] as const) {
            const { changes, refused } = compare(from, to);
            assert.deepStrictEqual(changes, []);
            assert.strictEqual(refused.length, 1, refused.join("\n"));
            assert.ok(
                refused[0].startsWith(
                    `platform:cluster.kubernetesVersion: the running cluster has ${running}, the config now says ${wanted}. Set it back to ${running}. kubeadm upgrades forward only`,
                ),
                refused[0],
            );
        }
    });

    it("5d. a skip of more than one minor: refused by the config guard, naming the minor to set first", () => {
        // With containerd 2.2.1 the valid versions are v1.35.x and v1.36.x only, so config validation
        // refuses any config two minors apart. The running side is a cluster the guard recorded at
        // v1.34.8 (built when the pins allowed 1.34): the shipped plan with that recorded version.
        const at134 = JSON.parse(JSON.stringify(shipped.mgmt)) as StackPlanJson;
        const guard = at134.resources.find((r) => r.name === configGuardName("mgmt")) as { inputs: { environment: Record<string, string> } };
        guard.inputs.environment["platform:cluster.kubernetesVersion"] = "v1.34.8";
        const { changes, refused } = compare(at134, minorBump);
        assert.deepStrictEqual(changes, []);
        assert.deepStrictEqual(refused, [
            "platform:cluster.kubernetesVersion: the running cluster has v1.34.8, the config now says v1.36.0. " +
                'kubeadm upgrades one minor at a time (kubernetes.io "Upgrading kubeadm clusters"): set v1.35.x (its newest patch) first and run pulumi up, ' +
                "then the next minor, up to v1.36.0; or set it back to v1.34.8.",
        ]);
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
