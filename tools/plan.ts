/**
 * `npm run plan -- [stack...] [--config-dir DIR] [--out DIR] [--json FILE]`
 *
 * Runs the real stack programs under the Pulumi mock runtime, with no CLI and no cloud: validates
 * every config (alone and across stacks), prints each stack's resource tree, writes every node
 * artifact under --out, evaluates the policy pack, and optionally writes the whole plan as JSON.
 * Exit 0: valid and no mandatory violation. 1: invalid config, program error or mandatory
 * violation. 2: usage error.
 */
import * as fs from "fs";
import * as path from "path";
import { planNodes, PROJECT, StackConfig } from "../config/model";
import { formatErrors, validateAcrossStacks, validateStackConfig } from "../config/validate";
import { evaluatePolicies, PackConfig, Violation } from "../policy-pack/evaluate";
import { runOffline } from "./offline/run";
import { RecordedOutput, RecordedResource, unwrapSecrets } from "./offline/record";
import { StackReferenceState } from "./offline/mocks";
import { Artifact, collectArtifacts } from "./plan/artifacts";
import { countByType, renderTree, renderViolations, stackPlanJson } from "./plan/report";
import { simulatedIps } from "./plan/simulate";
import { readStackFile, referencedStackName, StackFile, StackFileError } from "./plan/stack-file";

const ROOT = path.resolve(__dirname, "..");
const DEFAULT_STACKS = ["mgmt", "app1", "app2"];
const USAGE = "usage: npm run plan -- [stack...] [--config-dir DIR] [--out DIR] [--json FILE]";

/** Parsed command line. */
export interface PlanOptions {
    stacks: string[];
    configDir: string;
    outDir: string;
    jsonFile?: string;
}

export class UsageError extends Error {}

export function parsePlanArgs(argv: string[]): PlanOptions {
    const options: PlanOptions = { stacks: [], configDir: ROOT, outDir: path.join(ROOT, "out") };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) {
                throw new UsageError(`${arg} needs a value\n${USAGE}`);
            }
            return v;
        };
        if (arg === "--config-dir") {
            options.configDir = path.resolve(value());
        } else if (arg === "--out") {
            options.outDir = path.resolve(value());
        } else if (arg === "--json") {
            options.jsonFile = path.resolve(value());
        } else if (arg.startsWith("-")) {
            throw new UsageError(`unknown option ${arg}\n${USAGE}`);
        } else {
            options.stacks.push(arg);
        }
    }
    if (options.stacks.length === 0) {
        options.stacks = DEFAULT_STACKS;
    }
    return options;
}

/** Config errors: one block per stack, then cross-stack problems. Empty when all is valid. */
function validateAll(files: StackFile[]): { configs: Map<string, StackConfig>; report: string[] } {
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

/** One stack, planned. */
export interface PlannedStack {
    stack: string;
    config: StackConfig;
    /** Resources with secrets revealed (mock placeholders), as policies see them. */
    resources: RecordedResource[];
    /** Resources with secret markers kept, to tell what is secret. */
    recorded: RecordedResource[];
    outputs: Record<string, RecordedOutput>;
    violations: Violation[];
    artifacts: Artifact[];
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
 * Validates the stacks alone and together, then runs each program offline, mgmt first, feeding
 * app stacks' StackReferences with mgmt's planned outputs; evaluates the policy pack per stack.
 */
export async function planStacks(files: StackFile[], packConfig?: PackConfig): Promise<PlanResult> {
    const { configs, report } = validateAll(files);
    if (report.length > 0) {
        return { ok: false, report };
    }
    const isApp = (f: StackFile) => Number(configs.get(f.stack)?.role !== "mgmt");
    const ordered = [...files].sort((a, b) => isApp(a) - isApp(b));
    const stacks: PlannedStack[] = [];
    const references: Record<string, StackReferenceState> = {};
    for (const f of ordered) {
        const config = configs.get(f.stack) as StackConfig;
        const result = await runOffline({
            project: PROJECT,
            stack: f.stack,
            program: path.join(ROOT, "index.ts"),
            config: f.runtimeConfig,
            secretKeys: f.secretKeys,
            simulatedIps: simulatedIps(config),
            stackReferences: references,
        });
        if (!result.ok) {
            return { ok: false, report: [result.configError ? `stack ${f.stack}: ${result.error}` : `stack ${f.stack}: the program failed:\n${result.error}`] };
        }
        references[`organization/${PROJECT}/${f.stack}`] = referenceState(result.outputs);
        const resources = result.resources.map((r) => ({ ...r, inputs: unwrapSecrets(r.inputs, "reveal") as Record<string, unknown> }));
        stacks.push({
            stack: f.stack,
            config,
            resources,
            recorded: result.resources,
            outputs: result.outputs,
            violations: evaluatePolicies(resources, { stack: f.stack, config: stackPackConfig(config, packConfig) }),
            artifacts: collectArtifacts(f.stack, resources),
        });
    }
    return { ok: true, stacks };
}

/** The CLI: plan, print, write artifacts and JSON. Returns the exit code. */
export async function plan(options: PlanOptions, log: (line: string) => void): Promise<number> {
    const read = (stack: string) => readStackFile(options.configDir, stack);
    const named = options.stacks.map(read);
    const files = withReferencedStacks(named, read);
    files.filter((f) => !named.includes(f)).forEach((f) => log(`(planning ${f.stack} too: an app stack references it)`));
    const result = await planStacks(files);
    if (!result.ok) {
        result.report.forEach((line) => log(line));
        return 1;
    }
    let mandatory = 0;
    for (const planned of result.stacks) {
        const { stack, config, artifacts, violations } = planned;
        mandatory += violations.filter((v) => v.level === "mandatory").length;
        fs.rmSync(path.join(options.outDir, stack), { recursive: true, force: true });
        artifacts.forEach((a) => writeFile(path.join(options.outDir, a.path), a.content));
        const nodes = planNodes(config).map((n) => n.name).join(", ");
        log(`== ${stack} (${config.role}, cluster ${config.name} id ${config.id}; nodes ${nodes}) ==`);
        log(`${planned.recorded.length} resources:`);
        renderTree(planned.recorded).forEach((line) => log(line));
        log("by type:");
        countByType(planned.recorded).forEach((line) => log(line));
        log(`artifacts: ${artifacts.length} files under ${path.relative(process.cwd(), path.join(options.outDir, stack)) || "."}`);
        log(violations.length === 0 ? "policy: no violations" : `policy: ${violations.length} violation(s)`);
        renderViolations(violations).forEach((line) => log(line));
    }
    if (options.jsonFile) {
        const json = { stacks: result.stacks.map((p) => stackPlanJson(p.stack, p.recorded, p.outputs, p.violations)) };
        writeFile(options.jsonFile, `${JSON.stringify(json, null, 2)}\n`);
        log(`plan JSON: ${options.jsonFile}`);
    }
    log(mandatory === 0 ? `plan OK: ${result.stacks.length} stack(s)` : `plan FAILED: ${mandatory} mandatory policy violation(s)`);
    return mandatory === 0 ? 0 : 1;
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
            console.error(e instanceof StackFileError ? e.message : (e as Error).stack);
            process.exit(e instanceof StackFileError ? 2 : 1);
        },
    );
}
