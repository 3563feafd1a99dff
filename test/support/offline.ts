/**
 * Test harness over the offline plan: runs the real stack programs under the mock runtime
 * (one child process per stack) and gives tests the recorded resources, outputs, violations and
 * node artifacts. The shipped three-stack plan is computed once per mocha process.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { PlannedStack, planStacks, referenceState, withReferencedStacks } from "../../tools/plan";
import { MockWorld } from "../../tools/offline/mocks";
import { runOffline } from "../../tools/offline/run";
import { RecordedResource, RunResult } from "../../tools/offline/record";
import { StackPlanJson, stackPlanJson } from "../../tools/plan/report";
import { readStackFile, stackFileFromConfig, StackFile } from "../../tools/plan/stack-file";

export type { PlannedStack } from "../../tools/plan";

export const REPO_ROOT = path.resolve(__dirname, "../..");
/** Upstream schemas and fixtures live beside the repo, never inside it. */
export const SHARED = path.resolve(REPO_ROOT, "../shared");

let shipped: Promise<PlannedStack[]> | undefined;

/** Plans `files`; `stages: false` for day-2 configs, where the deploy stages of a fresh platform never run. */
async function planOrThrow(files: StackFile[], options: { stages: boolean }): Promise<PlannedStack[]> {
    const result = await planStacks(files, undefined, options);
    if (!result.ok) {
        throw new Error(`plan failed:\n${result.report.join("\n")}`);
    }
    return result.stacks;
}

/**
 * mgmt, app1 and app2 exactly as shipped, planned once per test run: mocha's parallel workers share
 * one plan through a file named by the digest of every source file, so a change of code or config
 * plans again.
 */
export function planShipped(): Promise<PlannedStack[]> {
    shipped ??= sharedShippedPlan();
    return shipped;
}

/** Digest of the repository's own files (what a plan reads), node_modules and build output aside. */
function sourcesDigest(): string {
    const hash = createHash("sha256");
    const walk = (dir: string): void => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                if (!["node_modules", ".git", "out", ".pulumi"].includes(entry.name)) {
                    walk(full);
                }
            } else if (/\.(ts|cjs|js|json|yaml|yml|sh)$/.test(entry.name)) {
                hash.update(path.relative(REPO_ROOT, full)).update("\0").update(fs.readFileSync(full)).update("\0");
            }
        }
    };
    walk(REPO_ROOT);
    return hash.digest("hex").slice(0, 16);
}

async function sharedShippedPlan(): Promise<PlannedStack[]> {
    const file = path.join(os.tmpdir(), `platform-shipped-plan-${sourcesDigest()}.json`);
    const lock = `${file}.lock`;
    for (;;) {
        if (fs.existsSync(file)) {
            return JSON.parse(fs.readFileSync(file, "utf8")) as PlannedStack[];
        }
        try {
            fs.closeSync(fs.openSync(lock, "wx"));
            break;
        } catch {
            // Another worker is planning; a lock older than 3 minutes belongs to one that died.
            if (fs.existsSync(lock) && Date.now() - fs.statSync(lock).mtimeMs > 180_000) {
                fs.rmSync(lock, { force: true });
            }
            await new Promise((resolve) => setTimeout(resolve, 200));
        }
    }
    try {
        const stacks = await planOrThrow(
            ["mgmt", "app1", "app2"].map((s) => readStackFile(REPO_ROOT, s)),
            { stages: true },
        );
        fs.writeFileSync(`${file}.tmp`, JSON.stringify(stacks));
        fs.renameSync(`${file}.tmp`, file);
        return stacks;
    } finally {
        fs.rmSync(lock, { force: true });
    }
}

/** The `config:` map of a shipped stack file, to copy and change in a test. */
export function shippedConfig(stack: string): Record<string, any> {
    return (parse(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, any> }).config;
}

/** The shipped mgmt config moved onto two existing SSH hosts (rack-a, rack-b) with a secret key. */
export function sshMgmtConfig(): Record<string, any> {
    const config = shippedConfig("mgmt");
    config["platform:backend"] = {
        kind: "ssh",
        hosts: [
            { name: "rack-a", address: "192.168.64.50", user: "ops" },
            { name: "rack-b", address: "192.168.64.51", user: "ops" },
        ],
    };
    config["platform:sshPrivateKey"] = { secure: "v1:ciphertext" };
    return config;
}

/**
 * Runs one shipped stack's program again in another mock world (first preview, unreachable
 * cluster, ...), fed mgmt's planned outputs as the StackReference, as after mgmt is up.
 */
export function rerunShipped(stack: string, shipped: PlannedStack[], world: Partial<MockWorld>): Promise<RunResult> {
    const file = readStackFile(REPO_ROOT, stack);
    const mgmt = shipped.find((s) => s.stack === "mgmt") as PlannedStack;
    return runOffline({
        project: "platform",
        stack,
        program: path.join(REPO_ROOT, "index.ts"),
        config: file.runtimeConfig,
        secretKeys: file.secretKeys,
        simulatedIps: {},
        stackReferences: { "organization/platform/mgmt": referenceState(mgmt.outputs) },
        ...world,
    });
}

/** Plans stacks from in-memory config maps, in one run (plus the shipped mgmt an app stack references). */
export function planConfigs(configs: Record<string, Record<string, unknown>>): Promise<PlannedStack[]> {
    const files = Object.entries(configs).map(([stack, config]) => stackFileFromConfig(stack, `<test config for ${stack}>`, config));
    return planOrThrow(
        withReferencedStacks(files, (s) => readStackFile(REPO_ROOT, s)),
        { stages: false },
    );
}

/** Plans one stack from an in-memory config map (plus the shipped mgmt when it is an app stack). */
export async function planWithConfig(stack: string, config: Record<string, unknown>): Promise<PlannedStack> {
    return (await planConfigs({ [stack]: config })).find((p) => p.stack === stack) as PlannedStack;
}

/** A planned stack as `npm run plan -- --json` writes it. */
export function planJson(planned: PlannedStack): StackPlanJson {
    return stackPlanJson(planned.stack, planned.recorded, planned.outputs, planned.violations);
}

/** Plans and returns the failure report (for configs that must be rejected). */
export async function planReport(stack: string, config: Record<string, unknown>): Promise<string> {
    const file = stackFileFromConfig(stack, `<test config for ${stack}>`, config);
    const result = await planStacks(
        withReferencedStacks([file], (s) => readStackFile(REPO_ROOT, s)),
        undefined,
        { stages: false },
    );
    if (result.ok) {
        throw new Error(`expected the plan of ${stack} to fail, but it succeeded`);
    }
    return result.report.join("\n");
}

/** The resource of that type and name; throws listing what exists otherwise. */
export function findResource(resources: RecordedResource[], type: string, name: string): RecordedResource {
    const found = resources.find((r) => r.type === type && r.name === name);
    if (!found) {
        const names = resources.filter((r) => r.type === type).map((r) => r.name);
        throw new Error(`no ${type} named ${name}; have: ${names.join(", ") || "none"}`);
    }
    return found;
}

/** All resources of a type. */
export function resourcesOfType(resources: RecordedResource[], type: string): RecordedResource[] {
    return resources.filter((r) => r.type === type);
}

/**
 * Whether an external validator is installed. Locally a missing tool skips its tests with a
 * message; in CI (`CI` set, where .ci/run installs it) a missing tool is a failure.
 */
export function requireTool(ctx: Mocha.Context, tool: string): void {
    if (spawnSync("which", [tool]).status === 0) {
        return;
    }
    if (process.env.CI) {
        throw new Error(`${tool} is not installed; .ci/run should have installed it`);
    }
    ctx.skip();
}

/** Skips, saying why, when the upstream data in ../shared is not beside the repo. */
export function requireShared(ctx: Mocha.Context, relative: string): string {
    const full = path.join(SHARED, relative);
    if (!fs.existsSync(full)) {
        console.log(`      skipped: ${full} not found (upstream schemas and fixtures live in ../shared)`);
        ctx.skip();
    }
    return full;
}

/** A successful offline run. */
export type OkRun = Extract<RunResult, { ok: true }>;

/** How a test program (not a shipped stack) runs: its `test:` config, the world around it, its stack name. */
export interface TestProgramOptions extends Partial<MockWorld> {
    /** Runtime config, e.g. `{ "test:scenario": JSON.stringify(...) }`. */
    config?: Record<string, string>;
    /** Stack name the program sees (default "test"). */
    stack?: string;
}

/** Runs a test program under the offline mocks; throws with the program's error if it fails. */
export async function runTestProgram(program: string, options: TestProgramOptions = {}): Promise<OkRun> {
    const { config = {}, stack = "test", ...world } = options;
    const result = await runOffline({ project: "platform", stack, program, config, secretKeys: [], simulatedIps: {}, stackReferences: {}, ...world });
    if (!result.ok) {
        throw new Error(`${path.relative(REPO_ROOT, program)}: ${result.error}`);
    }
    return result;
}

const sharedRuns = new Map<string, Promise<OkRun>>();

/** `runTestProgram` once per mocha worker for a program with no options: the specs that read one program share its run. */
export function sharedTestProgram(program: string): Promise<OkRun> {
    let run = sharedRuns.get(program);
    if (!run) {
        run = runTestProgram(program);
        sharedRuns.set(program, run);
    }
    return run;
}
