/**
 * `npm run plan -- [stack...] [--config-dir DIR] [--out DIR] [--json FILE] [--compare-to OLD.json]`
 *
 * Runs the real stack programs under the Pulumi mock runtime, with no CLI and no cloud: validates
 * every config (alone and across stacks), prints each stack's resource tree, writes every node
 * artifact under --out, evaluates the policy pack, and optionally writes the whole plan as JSON.
 * It also prints each cluster's capacity (tools/plan/capacity.ts) and the estimated bring-up
 * (tools/plan/timeline.ts). With --compare-to, it prints what `pulumi up` would do to get from that
 * earlier plan to this one, operation by operation in the engine's order, or that the stack's
 * config guard refuses it. Exit 0: valid, no mandatory violation, the platform fits, nothing
 * refused. 1: invalid config, program error, mandatory violation, a platform that does not fit or
 * a refused change. 2: usage error.
 */
// As the CLI: load the rest from the offline runs' transpile cache (register.cjs; when node
// preloaded it, this is a no-op) rather than through ts-node's compiler, start the first stack's
// runner (mgmt, always planned) so that it loads the SDK while this process loads the rest, and
// load the SDK without the parts it never uses here.
if (require.main === module) {
    require("./offline/register.cjs");
    require("./offline/run").startRunners(1);
    require("./offline/sdk").loadSdk();
}
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { configGuardName, guardRefusals } from "../config/guard";
import { planNodes, PROJECT, StackConfig } from "../config/model";
import { DeployStage, PARTIAL_STAGE } from "../config/stage";
import { formatErrors, validateAcrossStacks, validateStackConfig } from "../config/validate";
import { evaluatePolicies, PackConfig, Violation } from "../policy-pack/evaluate";
import { runOffline, startRunners } from "./offline/run";
import { RecordedOutput, RecordedResource, RunResult, unwrapSecrets } from "./offline/record";
import { StackReferenceState } from "./offline/mocks";
import { Artifact, collectArtifacts } from "./plan/artifacts";
import { CapacityFinding, capacityFindings, capacityJson, hostFindings, renderCapacity, stackCapacity } from "./plan/capacity";
import { compareStack } from "./plan/compare";
import { countByType, renderChanges, renderTree, renderViolations, StackPlanJson, stackPlanJson } from "./plan/report";
import { simulatedIps } from "./plan/simulate";
import { readStackFile, referencedStackName, StackFile, StackFileError } from "./plan/stack-file";
import { stageDrift } from "./plan/stages";
import { estimateDeploy, renderTimeline } from "./plan/timeline";

const ROOT = path.resolve(__dirname, "..");
const DEFAULT_STACKS = ["mgmt", "app1", "app2"];
const USAGE = "usage: npm run plan -- [stack...] [--config-dir DIR] [--out DIR] [--json FILE] [--compare-to OLD.json]";

/** Parsed command line. */
export interface PlanOptions {
    stacks: string[];
    configDir: string;
    outDir: string;
    jsonFile?: string;
    /** An earlier plan JSON to compare against. */
    compareTo?: string;
}

export class UsageError extends Error {}

export function parsePlanArgs(argv: string[]): PlanOptions {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            options: { "config-dir": { type: "string" }, out: { type: "string" }, json: { type: "string" }, "compare-to": { type: "string" } },
        });
    } catch (e) {
        throw new UsageError(`${(e as Error).message}\n${USAGE}`);
    }
    const { values, positionals } = parsed;
    const resolved = (file: string | undefined) => (file === undefined ? undefined : path.resolve(file));
    return {
        stacks: positionals.length > 0 ? positionals : DEFAULT_STACKS,
        configDir: resolved(values["config-dir"]) ?? ROOT,
        outDir: resolved(values.out) ?? path.join(ROOT, "out"),
        jsonFile: resolved(values.json),
        compareTo: resolved(values["compare-to"]),
    };
}

/** Config errors: one block per stack, then cross-stack problems. Empty when all is valid. */
export function validateAll(files: StackFile[]): { configs: Map<string, StackConfig>; report: string[] } {
    const configs = new Map<string, StackConfig>();
    const report: string[] = [];
    for (const f of files) {
        const result = validateStackConfig(f.raw);
        if (result.ok) {
            configs.set(f.stack, result.config);
        } else {
            report.push(`invalid config in ${path.relative(process.cwd(), f.file) || f.file}:`, formatErrors(result.errors));
        }
    }
    if (report.length === 0 && files.length > 1) {
        const cross = validateAcrossStacks(files.map((f) => ({ stack: f.stack, config: configs.get(f.stack) as StackConfig })));
        if (cross.length > 0) {
            report.push("the stacks do not fit together:", formatErrors(cross));
        }
    }
    return { configs, report };
}

/** The state a mocked StackReference to a planned stack returns. */
export function referenceState(outputs: Record<string, RecordedOutput>): StackReferenceState {
    return {
        outputs: Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, unwrapSecrets(o.value, "reveal")])),
        secretOutputNames: Object.keys(outputs).filter((k) => outputs[k].secret),
    };
}

function writeFile(file: string, content: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
}

/** One run of a stack's program, planned: what it registers and what the pack says of it. */
export interface PlannedRun {
    /** Resources with secrets revealed (mock placeholders), as policies see them. */
    resources: RecordedResource[];
    /** Resources with secret markers kept, to tell what is secret. */
    recorded: RecordedResource[];
    outputs: Record<string, RecordedOutput>;
    violations: Violation[];
}

/** A partial deploy stage of a stack (config/stage.ts), planned: the pack runs on its `pulumi up` too. */
export interface PlannedStage extends PlannedRun {
    stage: Exclude<DeployStage, "full">;
}

/** One stack, planned: its full program, and its partial stage. */
export interface PlannedStack extends PlannedRun {
    stack: string;
    config: StackConfig;
    artifacts: Artifact[];
    /** The stack's partial stage, which `npm run deploy` runs first on a fresh platform; absent when not planned. */
    partial?: PlannedStage;
}

export type PlanResult = { ok: true; stacks: PlannedStack[] } | { ok: false; report: string[] };

/**
 * The pack config for one stack: the stack's own trusted registries (what its Kyverno enforces)
 * unless the given pack config sets them.
 */
export function stackPackConfig(config: StackConfig, packConfig: PackConfig = {}): PackConfig {
    const key = "trusted-image-registries";
    const given = packConfig[key];
    const entry = typeof given === "string" ? { enforcementLevel: given } : ((given ?? {}) as Record<string, unknown>);
    return { ...packConfig, [key]: { trustedRegistries: config.security.trustedRegistries, ...entry } };
}

/** Adds the mgmt stack an app stack references when it is not planned already. */
export function withReferencedStacks(files: StackFile[], read: (stack: string) => StackFile): StackFile[] {
    const result = [...files];
    for (const f of files) {
        const ref = f.raw.mgmtStack;
        if (typeof ref === "string" && !result.some((g) => g.stack === referencedStackName(ref))) {
            result.unshift(read(referencedStackName(ref)));
        }
    }
    return result;
}

/**
 * Validates the stacks alone and together, then runs each program offline, each run in its own
 * process, in both its deploy stages (config/stage.ts): mgmt's full and foundation stages at once;
 * each app stack's standalone stage once mgmt's foundation outputs are known and its full stage once
 * mgmt's full outputs are, their StackReferences fed with those outputs only (so a standalone stage
 * that reads more of mgmt fails here as it would in `npm run deploy`). Evaluates the policy pack on
 * every run and checks that each partial stage is a part of the full program, unchanged. Stacks
 * come back mgmt first, then in the order given. `stages: false` plans the full programs only
 * (what `pulumi up` on stacks that exist runs: the partial stages apply to fresh stacks only).
 */
export async function planStacks(files: StackFile[], packConfig?: PackConfig, options: { stages: boolean } = { stages: true }): Promise<PlanResult> {
    const { configs, report } = validateAll(files);
    if (report.length > 0) {
        return { ok: false, report };
    }
    startRunners((options.stages ? 2 : 1) * files.length);
    const references: Record<DeployStage, Record<string, StackReferenceState>> = { full: {}, foundation: {}, standalone: {} };
    const analyze = (f: StackFile, label: string, result: RunResult): PlannedRun | string => {
        if (!result.ok) {
            return result.configError ? `stack ${f.stack}${label}: ${result.error}` : `stack ${f.stack}${label}: the program failed:\n${result.error}`;
        }
        const config = configs.get(f.stack) as StackConfig;
        const resources = result.resources.map((r) => ({ ...r, inputs: unwrapSecrets(r.inputs, "reveal") as Record<string, unknown> }));
        const violations = evaluatePolicies(resources, { stack: f.stack, config: stackPackConfig(config, packConfig) });
        return { resources, recorded: result.resources, outputs: result.outputs, violations };
    };
    /**
     * Starts one run of a stack in `stage`; its StackReferences see the outputs of the mgmt stage it
     * reads (`reads`); `known` is true once its outputs are known, false if it failed first.
     */
    const start = (f: StackFile, stage: DeployStage, reads: DeployStage) => {
        let outputsKnown: (ok: boolean) => void = () => {};
        const known = new Promise<boolean>((resolve) => (outputsKnown = resolve));
        const job = {
            project: PROJECT,
            stack: f.stack,
            program: path.join(ROOT, "index.ts"),
            config: f.runtimeConfig,
            secretKeys: f.secretKeys,
            simulatedIps: simulatedIps(configs.get(f.stack) as StackConfig),
            stackReferences: references[reads],
            deployStage: stage,
        };
        const label = stage === "full" ? "" : ` (${stage} stage)`;
        const planned = runOffline(job, (outputs) => {
            references[stage][`organization/${PROJECT}/${f.stack}`] = referenceState(outputs);
            outputsKnown(true);
        })
            .finally(() => outputsKnown(false))
            .then(
                (result) => analyze(f, label, result),
                (e: Error) => `stack ${f.stack}${label}: ${e.message}`,
            );
        return { known, planned };
    };
    // App stacks read mgmt's outputs only, never each other: each stage starts as soon as the
    // outputs of the mgmt stage it reads are known, while mgmt's last registrations still run.
    const role = (f: StackFile) => (configs.get(f.stack) as StackConfig).role;
    const mgmtFiles = files.filter((f) => role(f) === "mgmt");
    const appFiles = files.filter((f) => role(f) === "app");
    const mgmtFull = mgmtFiles.map((f) => start(f, "full", "full"));
    const mgmtFoundation = options.stages ? mgmtFiles.map((f) => start(f, PARTIAL_STAGE.mgmt, "full")) : [];
    const after = async (runs: Array<{ known: Promise<boolean> }>, stage: DeployStage, reads: DeployStage) =>
        (await Promise.all(runs.map((r) => r.known))).every(Boolean) ? appFiles.map((f) => start(f, stage, reads)) : [];
    const [appStandalone, appFull] = await Promise.all([
        options.stages ? after(mgmtFoundation, PARTIAL_STAGE.app, PARTIAL_STAGE.mgmt) : [],
        after(mgmtFull, "full", "full"),
    ]);
    const fullRuns = await Promise.all([...mgmtFull, ...appFull].map((r) => r.planned));
    const partialRuns = await Promise.all([...mgmtFoundation, ...appStandalone].map((r) => r.planned));
    const failure = [...fullRuns, ...partialRuns].find((p): p is string => typeof p === "string");
    if (failure || fullRuns.length !== files.length || (options.stages && partialRuns.length !== files.length)) {
        return { ok: false, report: [failure ?? "the mgmt stack's run failed before its outputs were known"] };
    }
    const ordered = [...mgmtFiles, ...appFiles];
    const stacks = ordered.map((f, i): PlannedStack => {
        const full = fullRuns[i] as PlannedRun;
        const partial = options.stages ? { ...(partialRuns[i] as PlannedRun), stage: PARTIAL_STAGE[role(f)] } : undefined;
        return { stack: f.stack, config: configs.get(f.stack) as StackConfig, ...full, artifacts: collectArtifacts(f.stack, full.resources), partial };
    });
    const drift = stacks.flatMap((s) =>
        s.partial ? stageDrift(s.partial.stage, s.partial.recorded, s.recorded).map((line) => `stack ${s.stack}: ${line}`) : [],
    );
    return drift.length > 0
        ? { ok: false, report: ["a partial deploy stage is not a part of the full program (config/stage.ts):", ...drift] }
        : { ok: true, stacks };
}

/** The stacks of an earlier plan JSON, by name. */
function readEarlierPlan(file: string): Map<string, StackPlanJson> {
    let json: { stacks?: StackPlanJson[] };
    try {
        json = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new StackFileError(`--compare-to ${file}: ${(e as Error).message}`);
    }
    if (!Array.isArray(json.stacks)) {
        throw new StackFileError(`--compare-to ${file}: not a plan JSON (no "stacks"); write one with npm run plan -- --json FILE`);
    }
    return new Map(json.stacks.map((s) => [s.stack, s]));
}

/** The CLI: plan, print, write artifacts and JSON. Returns the exit code. */
export async function plan(options: PlanOptions, log: (line: string) => void): Promise<number> {
    const read = (stack: string) => readStackFile(options.configDir, stack);
    const named = options.stacks.map(read);
    const files = withReferencedStacks(named, read);
    const earlier = options.compareTo ? readEarlierPlan(options.compareTo) : undefined;
    files.filter((f) => !named.includes(f)).forEach((f) => log(`(planning ${f.stack} too: an app stack references it)`));
    const result = await planStacks(files);
    if (!result.ok) {
        result.report.forEach((line) => log(line));
        return 1;
    }
    let mandatory = 0;
    const findings: CapacityFinding[] = [];
    const stacks: StackPlanJson[] = [];
    for (const planned of result.stacks) {
        const { stack, config, artifacts, violations } = planned;
        mandatory += violations.filter((v) => v.level === "mandatory").length;
        fs.rmSync(path.join(options.outDir, stack), { recursive: true, force: true });
        artifacts.forEach((a) => writeFile(path.join(options.outDir, a.path), a.content));
        const nodes = planNodes(config)
            .map((n) => n.name)
            .join(", ");
        log(`== ${stack} (${config.role}, cluster ${config.name} id ${config.id}; nodes ${nodes}) ==`);
        log(`${planned.recorded.length} resources:`);
        renderTree(planned.recorded).forEach((line) => log(line));
        log("by type:");
        countByType(planned.recorded).forEach((line) => log(line));
        log(`artifacts: ${artifacts.length} files under ${path.relative(process.cwd(), path.join(options.outDir, stack)) || "."}`);
        log(violations.length === 0 ? "policy: no violations" : `policy: ${violations.length} violation(s)`);
        renderViolations(violations).forEach((line) => log(line));
        // The pack runs on the partial stage's `pulumi up` as well (npm run deploy on a fresh platform).
        const partial = planned.partial as PlannedStage;
        mandatory += partial.violations.filter((v) => v.level === "mandatory").length;
        const ownReads = partial.recorded.filter((r) => r.external && !planned.recorded.some((f) => f.urn === r.urn)).length;
        log(
            `${partial.stage} stage (config/stage.ts): ${partial.recorded.length - ownReads} of these resources, unchanged, and ${ownReads} read of its own; ` +
                (partial.violations.length === 0 ? "policy: no violations" : `policy: ${partial.violations.length} violation(s)`),
        );
        renderViolations(partial.violations).forEach((line) => log(line));
        const capacity = stackCapacity(config, planned.resources);
        renderCapacity(capacity).forEach((line) => log(line));
        findings.push(...capacityFindings(stack, config, capacity));
        const partialJson = stackPlanJson(stack, partial.recorded, partial.outputs, partial.violations);
        stacks.push({
            ...stackPlanJson(stack, planned.recorded, planned.outputs, violations),
            capacity: capacityJson(capacity),
            partialStage: { stage: partial.stage, urns: partial.recorded.map((r) => r.urn), outputs: partialJson.outputs, violations: partial.violations },
        });
    }
    findings.push(...hostFindings(result.stacks));
    findings.forEach((f) => log(`capacity ${f.level}: ${f.message}`));
    const timeline = estimateDeploy(result.stacks);
    renderTimeline(timeline, result.stacks).forEach((line) => log(line));
    let refused = 0;
    if (earlier && options.compareTo) {
        log(`== what pulumi up would do, from ${path.relative(process.cwd(), options.compareTo) || options.compareTo} ==`);
        for (const json of stacks) {
            const compared = compareStack(earlier.get(json.stack), json, { name: configGuardName(json.stack), refusals: guardRefusals });
            Object.assign(json, compared.refused.length > 0 ? { changes: [], refused: compared.refused } : { changes: compared.changes });
            refused += compared.refused.length > 0 ? 1 : 0;
            renderChanges(json.stack, compared.changes, compared.refused).forEach((line) => log(line));
        }
    }
    if (options.jsonFile) {
        writeFile(options.jsonFile, `${JSON.stringify({ timeline, stacks }, null, 2)}\n`);
        log(`plan JSON: ${options.jsonFile}`);
    }
    const unfit = findings.filter((f) => f.level === "fail").length;
    const problems = [
        mandatory > 0 ? `${mandatory} mandatory policy violation(s)` : "",
        unfit > 0 ? `${unfit} capacity problem(s)` : "",
        refused > 0 ? `${refused} stack(s) refuse the change` : "",
    ].filter((p) => p);
    log(problems.length === 0 ? `plan OK: ${result.stacks.length} stack(s)` : `plan FAILED: ${problems.join(", ")}`);
    return problems.length === 0 ? 0 : 1;
}

if (require.main === module) {
    let options: PlanOptions;
    try {
        options = parsePlanArgs(process.argv.slice(2));
    } catch (e) {
        console.error((e as Error).message);
        process.exit(2);
    }
    plan(options, (line) => console.log(line)).then(
        (code) => process.exit(code),
        (e) => {
            const { mapStack } = require("./offline/register.cjs") as { mapStack(stack: string): string };
            console.error(e instanceof StackFileError ? e.message : mapStack(String((e as Error).stack)));
            process.exit(e instanceof StackFileError ? 2 : 1);
        },
    );
}
