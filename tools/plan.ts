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
import { evaluatePolicies, Violation } from "../policy-pack/evaluate";
import { runOffline } from "./offline/run";
import { RecordedOutput, RecordedResource, unwrapSecrets } from "./offline/record";
import { StackReferenceState } from "./offline/mocks";
import { collectArtifacts } from "./plan/artifacts";
import { countByType, renderTree, renderViolations, stackPlanJson, StackPlanJson } from "./plan/report";
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

function referenceState(outputs: Record<string, RecordedOutput>): StackReferenceState {
    return {
        outputs: Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, unwrapSecrets(o.value, "reveal")])),
        secretOutputNames: Object.keys(outputs).filter((k) => outputs[k].secret),
    };
}

function writeFile(file: string, content: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
}

export async function plan(options: PlanOptions, log: (line: string) => void): Promise<number> {
    const files = options.stacks.map((s) => readStackFile(options.configDir, s));
    // App stacks need mgmt's outputs for their StackReference: plan mgmt first even if not named.
    for (const f of [...files]) {
        const ref = f.raw.mgmtStack;
        if (typeof ref === "string" && !files.some((g) => g.stack === referencedStackName(ref))) {
            files.unshift(readStackFile(options.configDir, referencedStackName(ref)));
            log(`(planning ${referencedStackName(ref)} too: ${f.stack} references it)`);
        }
    }
    const { configs, report } = validateAll(files);
    if (report.length > 0) {
        report.forEach((line) => log(line));
        return 1;
    }
    const ordered = [...files].sort((a, b) => Number(configs.get(a.stack)?.role !== "mgmt") - Number(configs.get(b.stack)?.role !== "mgmt"));

    const planned: StackPlanJson[] = [];
    const references: Record<string, StackReferenceState> = {};
    let mandatory = 0;
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
            log(result.configError ? `stack ${f.stack}: ${result.error}` : `stack ${f.stack}: the program failed:\n${result.error}`);
            return 1;
        }
        references[`organization/${PROJECT}/${f.stack}`] = referenceState(result.outputs);

        const revealed: RecordedResource[] = result.resources.map((r) => ({ ...r, inputs: unwrapSecrets(r.inputs, "reveal") as Record<string, unknown> }));
        const violations: Violation[] = evaluatePolicies(revealed, { stack: f.stack });
        mandatory += violations.filter((v) => v.level === "mandatory").length;
        const artifacts = collectArtifacts(f.stack, revealed);
        fs.rmSync(path.join(options.outDir, f.stack), { recursive: true, force: true });
        artifacts.forEach((a) => writeFile(path.join(options.outDir, a.path), a.content));

        const nodes = planNodes(config).map((n) => n.name).join(", ");
        log(`== ${f.stack} (${config.role}, cluster ${config.name} id ${config.id}; nodes ${nodes}) ==`);
        log(`${result.resources.length} resources:`);
        renderTree(result.resources).forEach((line) => log(line));
        log("by type:");
        countByType(result.resources).forEach((line) => log(line));
        log(`artifacts: ${artifacts.length} files under ${path.relative(process.cwd(), path.join(options.outDir, f.stack)) || "."}`);
        log(violations.length === 0 ? "policy: no violations" : `policy: ${violations.length} violation(s)`);
        renderViolations(violations).forEach((line) => log(line));
        planned.push(stackPlanJson(f.stack, result.resources, result.outputs, violations));
    }
    if (options.jsonFile) {
        writeFile(options.jsonFile, `${JSON.stringify({ stacks: planned }, null, 2)}\n`);
        log(`plan JSON: ${options.jsonFile}`);
    }
    log(mandatory === 0 ? `plan OK: ${planned.length} stack(s)` : `plan FAILED: ${mandatory} mandatory policy violation(s)`);
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
