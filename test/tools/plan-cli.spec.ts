/** `npm run plan` as a user runs it: exit codes, messages, artifacts, JSON. */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { StackPlanJson } from "../../tools/plan/report";
import { planJson, planShipped, PlannedStack, REPO_ROOT } from "../support/offline";

/** The fields of a stack's plan JSON that come from its recorded run. */
function planJsonFields(planned: PlannedStack) {
    const { resources, outputs, violations } = planJson(planned);
    return { resources, outputs, violations };
}

/** As `npm run plan` runs it: node with the offline runs' cached loader. */
function plan(args: string[]) {
    const run = spawnSync(process.execPath, ["-r", "./tools/offline/register.cjs", "tools/plan.ts", ...args], {
        cwd: REPO_ROOT,
        encoding: "utf8",
        timeout: 180_000,
    });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr, all: `${run.stdout}${run.stderr}` };
}

describe("npm run plan (CLI)", function () {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cli-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("plans the three shipped stacks: exit 0, a tree per stack, artifacts, JSON byte-identical run to run", async () => {
        const out = path.join(tmp, "out");
        const first = plan(["--out", out, "--json", path.join(tmp, "a.json")]);
        assert.strictEqual(first.code, 0, first.all);
        for (const stack of ["mgmt", "app1", "app2"]) {
            assert.match(first.stdout, new RegExp(`== ${stack} \\(`));
            assert.match(first.stdout, new RegExp(`  ${stack}  platform:k8s:KubeadmCluster  \\(\\d+ resources\\)`));
            assert.ok(fs.existsSync(path.join(out, stack, `${stack}-cp-0-launch/user-data.yaml`)), `${stack} user-data`);
            assert.ok(fs.existsSync(path.join(out, stack, `${stack}-init/files/etc/kubernetes/psa/admission.yaml`)), `${stack} PSA file`);
            const guard = fs.readFileSync(path.join(out, stack, `${stack}-config-guard/stdin.js`), "utf8");
            assert.match(guard, /function guardRefusals\(/, `${stack} config guard program`);
        }
        assert.match(first.stdout, /plan OK: 3 stack\(s\)/);
        // Run to run the same: each stack's resources, outputs and violations are byte for byte what
        // the test suite's own plan of the shipped stacks (other processes, another run) gives.
        const a = fs.readFileSync(path.join(tmp, "a.json"), "utf8");
        const elsewhere = await planShipped();
        for (const [i, s] of (JSON.parse(a).stacks as StackPlanJson[]).entries()) {
            const { resources, outputs, violations } = s;
            assert.strictEqual(
                JSON.stringify({ resources, outputs, violations }),
                JSON.stringify(planJsonFields(elsewhere[i])),
                `${s.stack}: two plans differ`,
            );
        }
        const json = JSON.parse(a);
        assert.deepStrictEqual(
            json.stacks.map((s: any) => s.stack),
            ["mgmt", "app1", "app2"],
        );
        // The estimates are wired in: the timeline over the recorded graph, each cluster's capacity.
        assert.match(first.stdout, /\ntimeline \(an estimate from typical step durations/);
        assert.ok(json.timeline.parallelSeconds > 0 && json.timeline.parallelSeconds < json.timeline.sequentialSeconds);
        const urns = new Set(json.stacks.flatMap((s: any) => s.resources.map((r: any) => r.urn)));
        assert.ok(json.timeline.criticalPath.length > 0 && json.timeline.criticalPath.every((u: string) => urns.has(u)));
        for (const s of json.stacks) {
            assert.deepStrictEqual(Object.keys(s.capacity).sort(), ["allocatableCpuMilli", "allocatableMemoryMiB", "cpuRequestsMilli", "memoryRequestsMiB"]);
            // The partial stage a fresh deploy runs first: a part of the stack's resources, its outputs, the pack's verdict.
            const own = new Set(s.resources.map((r: any) => r.urn));
            assert.strictEqual(s.partialStage.stage, s.stack === "mgmt" ? "foundation" : "standalone");
            // Every URN is the full program's, but the stage's read of its own last outputs (stacks/stage-guard.ts).
            const reads = s.partialStage.urns.filter((u: string) => !own.has(u));
            assert.deepStrictEqual(reads, [`urn:pulumi:${s.stack}::platform::pulumi:pulumi:StackReference::${s.stack}-last-deploy`]);
            assert.strictEqual(s.partialStage.outputs.deployStage, s.partialStage.stage);
            assert.deepStrictEqual(s.partialStage.violations, []);
        }
        assert.deepStrictEqual(
            json.timeline.steps.map((s: any) => s.step),
            ["mgmt (foundation)", "mgmt", "app1 (standalone)", "app1", "app2 (standalone)", "app2"],
        );
        assert.match(
            first.stdout,
            /\nstandalone stage \(config\/stage\.ts\): \d+ of these resources, unchanged, and 1 read of its own; policy: no violations\n/,
        );
        assert.match(first.stdout, /\n {2}deploy: \d+m \d\ds \(1\.\d\d× the slowest stack alone\)/);
        const mgmt = json.stacks[0];
        assert.strictEqual(mgmt.outputs.kubeconfig, "[secret]");
        const join = mgmt.resources.find((r: any) => r.name === "mgmt-join-mgmt-worker-0");
        assert.strictEqual(join.inputs.stdin, "[secret]");
        assert.match(join.secretDigests.stdin, /^sha256:[0-9a-f]{16}$/);
        assert.match(join.parent, /platform:k8s:KubeadmCluster::mgmt$/);
        assert.ok(join.dependencies.length > 0);
        assert.deepStrictEqual(mgmt.violations, []);
        for (const stack of json.stacks) {
            const urns = new Set(stack.resources.map((r: any) => r.urn));
            for (const r of stack.resources) {
                assert.ok(r.options && typeof r.options === "object", `${r.name} has options`);
                for (const dep of r.options.dependsOn ?? []) {
                    assert.ok(r.dependencies.includes(dep) && !Object.values(r.propertyDependencies).flat().includes(dep), `${r.name}: dependsOn ${dep}`);
                }
                if (r.options.provider) {
                    assert.ok(urns.has(r.options.provider), `${r.name}: provider ${r.options.provider} is in the plan`);
                }
            }
            assert.ok(
                stack.resources.some((r: any) => r.type.startsWith("kubernetes:") && r.options.provider?.includes("pulumi:providers:kubernetes")),
                `${stack.stack}: k8s provider`,
            );
        }
        // No token leaks into the JSON: the mocked token lives only in the join's secret stdin.
        const joinYaml = fs.readFileSync(path.join(out, "mgmt/mgmt-join-mgmt-worker-0/files/etc/kubernetes/kubeadm/join.yaml"), "utf8");
        const token = parse(joinYaml).discovery.bootstrapToken.token as string;
        assert.match(token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
        assert.ok(!a.includes(token), "the bootstrap token appears in the JSON");
    });

    it("plans a named app stack with its mgmt; a change mgmt's config guard refuses exits 1, naming it", () => {
        // Needs a.json from the first test. The bump only touches mgmt's guard and node scripts; app2 sees no change.
        const dir = path.join(tmp, "bump");
        fs.mkdirSync(dir);
        for (const stack of ["mgmt", "app2"]) {
            const text = fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8");
            fs.writeFileSync(
                path.join(dir, `Pulumi.${stack}.yaml`),
                stack === "mgmt" ? text.replace("kubernetesVersion: v1.35.9", "kubernetesVersion: v1.35.8") : text,
            );
        }
        const run = plan(["app2", "--config-dir", dir, "--out", path.join(tmp, "out2"), "--compare-to", path.join(tmp, "a.json")]);
        assert.strictEqual(run.code, 1, run.all);
        assert.match(run.stdout, /\(planning mgmt too: an app stack references it\)/);
        assert.match(run.stdout, /== mgmt \(/);
        assert.doesNotMatch(run.stdout, /== app1 \(/);
        assert.match(
            run.stdout,
            /\nmgmt: refused, nothing runs:\n {2}platform:cluster\.kubernetesVersion: the running cluster has v1\.35\.9, the config now says v1\.35\.8\./,
        );
        assert.match(run.stdout, /\napp2: no changes\n/);
        assert.match(run.stdout, /plan FAILED: 1 stack\(s\) refuse the change/);
    });

    it("exits 1 with one line per bad key and no stack trace for an invalid config", () => {
        const dir = path.join(tmp, "bad");
        fs.mkdirSync(dir);
        for (const stack of ["mgmt", "app1", "app2"]) {
            fs.copyFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), path.join(dir, `Pulumi.${stack}.yaml`));
        }
        const app1 = parse(fs.readFileSync(path.join(dir, "Pulumi.app1.yaml"), "utf8"));
        app1.config["platform:network"].serviceCidr = "10.96.0.0/12";
        app1.config["platform:nodes"].controlPlane.memoryMiB = 1024;
        fs.writeFileSync(path.join(dir, "Pulumi.app1.yaml"), stringify(app1));
        const run = plan(["--config-dir", dir, "--out", path.join(tmp, "out3")]);
        assert.strictEqual(run.code, 1, run.all);
        assert.match(run.all, /invalid config in .*Pulumi\.app1\.yaml:/);
        assert.match(run.all, / {2}- platform:network\.serviceCidr: 10\.96\.0\.0-10\.111\.255\.255 overlaps network\.podCidr/);
        assert.match(run.all, / {2}- platform:nodes\.controlPlane\.memoryMiB: is 1024; kubeadm preflight needs at least 1700 MiB/);
        assert.doesNotMatch(run.all, /\n\s+at /);
    });

    it("exits 1 when the stacks do not fit together", () => {
        const dir = path.join(tmp, "cross");
        fs.mkdirSync(dir);
        for (const stack of ["mgmt", "app1", "app2"]) {
            const text = fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8");
            fs.writeFileSync(
                path.join(dir, `Pulumi.${stack}.yaml`),
                stack === "app2" ? text.replace("podCidr: 10.102.0.0/16", "podCidr: 10.101.0.0/16") : text,
            );
        }
        const run = plan(["--config-dir", dir, "--out", path.join(tmp, "out4")]);
        assert.strictEqual(run.code, 1, run.all);
        assert.match(run.all, /the stacks do not fit together:\n {2}- app2: platform:network\.podCidr: 10\.101\.0\.0\/16 overlaps stack app1's podCidr/);
    });

    it("exits 2 on usage errors and unknown stacks", () => {
        const unknownFlag = plan(["--bogus"]);
        assert.strictEqual(unknownFlag.code, 2);
        assert.match(unknownFlag.stderr, /Unknown option '--bogus'.*\nusage: npm run plan/);
        const missingValue = plan(["--out"]);
        assert.strictEqual(missingValue.code, 2);
        assert.match(missingValue.stderr, /Option '--out <value>' argument missing/);
        const noPlan = plan(["mgmt", "--compare-to", path.join(tmp, "missing.json")]);
        assert.strictEqual(noPlan.code, 2);
        assert.match(noPlan.stderr, /--compare-to .*missing\.json: ENOENT/);
        const unknownStack = plan(["staging"]);
        assert.strictEqual(unknownStack.code, 2);
        assert.match(unknownStack.stderr, /no config for stack "staging": .*Pulumi\.staging\.yaml does not exist/);
    });
});
