// `npm run policy:check -- <files or dirs> [--config FILE.json] [--policy GLOB]...`
// Runs the CrossGuard pack over plain Kubernetes YAML with no Pulumi engine (the role gator plays
// for Gatekeeper). Exit 1 on a mandatory violation, 2 on usage, config or parse errors, else 0.
// As the CLI: load the SDK (which the pack imports) without the closure serialization it never
// uses here, before anything loads it: less than half the start-up time (tools/offline/sdk.ts).
if (require.main === module) {
    require("./offline/sdk").loadSdk();
}
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { evaluatePolicies, PackConfig, PlannedResource, PolicyConfigError, resolvePolicies, Violation } from "../policy-pack/evaluate";
import { typeToken } from "../policy-pack/lib/type-token";

export const USAGE = "usage: policy-check <file or dir>... [--config FILE.json] [--policy GLOB]...";

/** Bad command line: reported on stderr with the usage, exit code 2. */
export class UsageError extends Error {}

/** A file that cannot be read or parsed: reported on stderr naming the file, exit code 2. */
export class InputError extends Error {}

export interface CliArgs {
    paths: string[];
    configFile?: string;
    policyGlobs: string[];
    help: boolean;
}

export function parseArgs(argv: string[]): CliArgs {
    const args: CliArgs = { paths: [], policyGlobs: [], help: false };
    let optionsDone = false;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (optionsDone || !arg.startsWith("-") || arg === "-") {
            args.paths.push(arg);
            continue;
        }
        const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
        const value = () => {
            const v = inline ?? argv[++i];
            if (v === undefined || v === "") {
                throw new UsageError(`${flag} needs a value`);
            }
            return v;
        };
        switch (flag) {
            case "--":
                optionsDone = true;
                break;
            case "--config":
                if (args.configFile !== undefined) {
                    throw new UsageError("--config may be given once");
                }
                args.configFile = value();
                break;
            case "--policy":
                args.policyGlobs.push(value());
                break;
            case "-h":
            case "--help":
                args.help = true;
                break;
            default:
                throw new UsageError(`unknown option ${flag}`);
        }
    }
    if (!args.help && args.paths.length === 0) {
        throw new UsageError("no files or directories given");
    }
    return args;
}

/** One Kubernetes object read from YAML, with where it came from. */
export interface LoadedObject {
    file: string;
    /** `<document index>` (0-based), or `<document index>.items[<i>]` inside a List. */
    location: string;
    object: Record<string, any>;
}

function yamlFiles(p: string): string[] {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(p);
    } catch {
        throw new InputError(`${p}: no such file or directory`);
    }
    if (!stat.isDirectory()) {
        return [p];
    }
    return fs
        .readdirSync(p)
        .sort()
        .flatMap((entry) => {
            const child = path.join(p, entry);
            return fs.statSync(child).isDirectory() ? yamlFiles(child) : /\.ya?ml$/.test(entry) ? [child] : [];
        });
}

function checkObject(o: unknown, where: string): Record<string, any> {
    if (!o || typeof o !== "object" || Array.isArray(o)) {
        throw new InputError(`${where}: not a Kubernetes object (expected a mapping with apiVersion and kind)`);
    }
    const obj = o as Record<string, any>;
    if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") {
        throw new InputError(`${where}: missing apiVersion or kind`);
    }
    return obj;
}

/** Reads every YAML document of the files and directories; List kinds are expanded. */
export function loadObjects(paths: string[]): { files: string[]; objects: LoadedObject[] } {
    const files = paths.flatMap(yamlFiles);
    const objects: LoadedObject[] = [];
    for (const file of files) {
        const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"));
        docs.forEach((doc, index) => {
            const error = doc.errors[0];
            if (error) {
                throw new InputError(`${file}: document ${index}: invalid YAML: ${error.message.split("\n")[0].replace(/:$/, "")}`);
            }
            const value = doc.toJS();
            if (value === null || value === undefined) {
                return; // An empty document, e.g. after a trailing `---`.
            }
            const obj = checkObject(value, `${file}:${index}`);
            if (/List$/.test(obj.kind) && Array.isArray(obj.items)) {
                obj.items.forEach((item: unknown, i: number) => {
                    const location = `${index}.items[${i}]`;
                    objects.push({ file, location, object: checkObject(item, `${file}:${location}`) });
                });
            } else {
                objects.push({ file, location: String(index), object: obj });
            }
        });
    }
    return { files, objects };
}

export function toPlannedResources(objects: LoadedObject[], stack = "policy-check"): PlannedResource[] {
    return objects.map((o) => {
        const type = typeToken(o.object.apiVersion, o.object.kind);
        return {
            urn: `urn:pulumi:${stack}::policy-check::${type}::${o.file}:${o.location}`,
            type,
            name: String(o.object.metadata?.name ?? ""),
            dependencies: [],
            inputs: o.object,
        };
    });
}

export function formatViolation(v: Violation, byUrn: Map<string, LoadedObject>): string {
    const o = v.urn ? byUrn.get(v.urn) : undefined;
    const where = o ? `${o.file}:${o.location} ${o.object.kind}/${o.object.metadata?.name ?? "<unnamed>"}` : "(stack)";
    return `${where} [${v.level}] ${v.policy}: ${v.message}`;
}

export function summary(violations: Violation[], resources: number, files: number, policies: number): string {
    const mandatory = violations.filter((v) => v.level === "mandatory").length;
    const checked = `${resources} object(s) in ${files} file(s) against ${policies} policies`;
    return violations.length === 0
        ? `policy-check: no violations; ${checked}.`
        : `policy-check: ${violations.length} violation(s), ${mandatory} mandatory and ${violations.length - mandatory} advisory; ${checked}.`;
}

function readConfig(file: string): PackConfig {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        throw new InputError(`${file}: cannot read the config file`);
    }
    try {
        return JSON.parse(text) as PackConfig;
    } catch (e) {
        throw new InputError(`${file}: invalid JSON: ${(e as Error).message}`);
    }
}

/** The whole command; returns the exit code. */
export function run(argv: string[], out: (line: string) => void, err: (line: string) => void): number {
    try {
        const args = parseArgs(argv);
        if (args.help) {
            out(USAGE);
            return 0;
        }
        const config = args.configFile ? readConfig(args.configFile) : {};
        const policyNames = args.policyGlobs.length ? args.policyGlobs : undefined;
        const policyCount = resolvePolicies(config, policyNames).length;
        const { files, objects } = loadObjects(args.paths);
        const resources = toPlannedResources(objects);
        const byUrn = new Map(resources.map((r, i) => [r.urn, objects[i]]));
        // Report in file and document order; the evaluator sorts by URN, where "10" sorts before "2".
        const order = new Map(resources.map((r, i) => [r.urn, i]));
        const violations = evaluatePolicies(resources, { config, policyNames })
            .map((v, i) => ({ v, i }))
            .sort((a, b) => (order.get(a.v.urn ?? "") ?? -1) - (order.get(b.v.urn ?? "") ?? -1) || a.i - b.i)
            .map(({ v }) => v);
        violations.forEach((v) => out(formatViolation(v, byUrn)));
        out(summary(violations, objects.length, files.length, policyCount));
        return violations.some((v) => v.level === "mandatory") ? 1 : 0;
    } catch (e) {
        if (e instanceof UsageError || e instanceof InputError || e instanceof PolicyConfigError) {
            err(`policy-check: ${e.message}`);
            if (e instanceof UsageError) {
                err(USAGE);
            }
            return 2;
        }
        throw e;
    }
}

if (require.main === module) {
    process.exitCode = run(
        process.argv.slice(2),
        (line) => console.log(line),
        (line) => console.error(line),
    );
}
