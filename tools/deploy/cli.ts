/**
 * The platform's lifecycle in one command each, over the Automation API:
 *
 *   npm run deploy [-- --stack NAME ... --preview]   mgmt, then the app stacks in parallel, with the policy pack
 *                                                    (a fresh platform in stages: config/stage.ts)
 *   npm run destroy -- --yes [--stack NAME ...]       the app stacks in parallel, then mgmt
 *   npm run kubeconfigs [-- --stack NAME ...]         kubeconfigs/<stack>.yaml and kubeconfigs/platform.yaml
 *
 * Config is validated and the prerequisites checked before anything runs. Exit 0 when every stack
 * succeeded; 1 when a stack, a check or the config failed; 2 on usage errors (and destroy without --yes).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { StackConfig } from "../../config/model";
import { validateAll, withReferencedStacks } from "../plan";
import { readStackFile, StackFileError } from "../plan/stack-file";
import { backendUrl, Check, fileBackendDir, LOCAL_STATE_DIR } from "./environment";
import { hostProbe } from "./host";
import { exportKubeconfigs, KUBECONFIG_DIR, renderExport } from "./kubeconfigs";
import { Io, runSteps } from "./orchestrate";
import { deployPhases, deploySteps } from "./phases";
import { checkPrerequisites, HostProbe } from "./prerequisites";
import { exitCode, renderSummary } from "./summary";
import { automationWorkspace, Operation, StackWorkspace } from "./workspace";

const ROOT = path.resolve(__dirname, "../..");

/** The three commands (package.json passes the first argument). */
export type Command = "deploy" | "destroy" | "kubeconfigs";

/** Parsed command line. */
export interface CliOptions {
    command: Command;
    /** `--stack NAME`, repeatable; empty means every stack with a Pulumi.<stack>.yaml. */
    stacks: string[];
    /** deploy: `pulumi preview` instead of `pulumi up`. */
    preview: boolean;
    /** destroy: the confirmation. */
    yes: boolean;
}

export class UsageError extends Error {}

const USAGE = [
    "usage: npm run deploy -- [--stack NAME]... [--preview]",
    "       npm run destroy -- --yes [--stack NAME]...",
    "       npm run kubeconfigs -- [--stack NAME]...",
].join("\n");

export function parseCliArgs(argv: string[]): CliOptions {
    const [command, ...rest] = argv;
    if (command !== "deploy" && command !== "destroy" && command !== "kubeconfigs") {
        throw new UsageError(`unknown command ${command ?? "(none)"}\n${USAGE}`);
    }
    const options: CliOptions = { command, stacks: [], preview: false, yes: false };
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        if (arg === "--stack") {
            const stack = rest[++i];
            if (stack === undefined || stack.startsWith("-")) {
                throw new UsageError(`--stack needs a stack name\n${USAGE}`);
            }
            options.stacks.push(stack);
        } else if (arg === "--preview" && command === "deploy") {
            options.preview = true;
        } else if (arg === "--yes" && command === "destroy") {
            options.yes = true;
        } else {
            throw new UsageError(`${command} does not take ${arg}\n${USAGE}`);
        }
    }
    return options;
}

/** Every stack that has a `Pulumi.<stack>.yaml` in `root`. */
export function stackFiles(root: string): string[] {
    return fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** What `main` needs from the outside world; the CLI passes the real machine, tests fakes. */
export interface CliDeps {
    /** Repository root: Pulumi.yaml, Pulumi.<stack>.yaml, policy-pack/. */
    root: string;
    env: NodeJS.ProcessEnv;
    probe: HostProbe;
    /** The Pulumi workspace on `backend`. */
    workspace(backend: string): Promise<StackWorkspace>;
    /** Installs the policy pack's own dependencies when they are missing (the engine runs it from its folder). */
    preparePolicyPack(): void;
    io: Io;
}

/** A stack with its validated config. */
type LoadedStack = { stack: string; config: StackConfig };

/**
 * Reads and validates the stacks, alone and together (the stacks they reference are read too), and
 * returns them in deploy order: mgmt, then the app stacks.
 */
function loadStacks(root: string, names: string[], log: (line: string) => void): LoadedStack[] | undefined {
    const read = (stack: string) => readStackFile(root, stack);
    const files = withReferencedStacks(names.map(read), read);
    const { configs, report } = validateAll(files);
    if (report.length > 0) {
        report.forEach((line) => log(line));
        return undefined;
    }
    const selected = files.filter((f) => names.includes(f.stack)).map((f) => ({ stack: f.stack, config: configs.get(f.stack) as StackConfig }));
    return deployPhases(selected)
        .flat()
        .map((name) => selected.find((s) => s.stack === name) as LoadedStack);
}

function renderCheck(check: Check): string[] {
    const mark = { ok: "ok  ", warn: "WARN", fail: "FAIL" }[check.level];
    return [`  ${mark}  ${check.what}`, ...(check.fix ? [`        fix: ${check.fix}`] : [])];
}

/** Runs one command; returns the exit code. */
export async function main(argv: string[], deps: CliDeps): Promise<number> {
    const { io, root } = deps;
    let options: CliOptions;
    let stacks: LoadedStack[] | undefined;
    try {
        options = parseCliArgs(argv);
        stacks = loadStacks(root, options.stacks.length > 0 ? options.stacks : stackFiles(root), io.log);
    } catch (e) {
        if (e instanceof UsageError || e instanceof StackFileError) {
            io.log(e.message);
            return 2;
        }
        throw e;
    }
    if (!stacks) {
        return 1;
    }
    const names = stacks.map((s) => s.stack);
    if (options.command === "destroy" && !options.yes) {
        io.log(`destroy deletes every resource of ${[...deployPhases(stacks)].reverse().flat().join(", ")}: the app stacks first (in parallel), then mgmt.`);
        io.log("Multipass VMs are deleted and purged, so the clusters and everything in them are gone; the stacks' history and config stay.");
        io.log(`Nothing was done. To go ahead: npm run destroy -- --yes${options.stacks.map((s) => ` --stack ${s}`).join("")}`);
        return 2;
    }
    const operation: Operation | "kubeconfigs" =
        options.command === "kubeconfigs" ? "kubeconfigs" : options.command === "destroy" ? "destroy" : options.preview ? "preview" : "up";
    const sdkVersion = (JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")) as { version: string }).version;
    io.log("== prerequisites");
    const checks = await checkPrerequisites({ operation, stacks, env: deps.env, root, sdkVersion }, deps.probe);
    checks.flatMap(renderCheck).forEach((line) => io.log(line));
    if (checks.some((c) => c.level === "fail")) {
        io.log("stopped before anything ran: fix the FAIL lines above");
        return 1;
    }
    const backend = backendUrl(deps.env, root);
    const stateDir = fileBackendDir(backend);
    if (stateDir) {
        fs.mkdirSync(stateDir, { recursive: true });
    }
    io.log(
        `backend: ${backend}${deps.env.PULUMI_BACKEND_URL ? "" : ` (the repository's git-ignored ${LOCAL_STATE_DIR}/; set PULUMI_BACKEND_URL for another)`}`,
    );
    if (operation === "up" || operation === "preview") {
        deps.preparePolicyPack();
    }
    const workspace = await deps.workspace(backend);
    const kubeconfigDir = path.join(root, KUBECONFIG_DIR);
    if (operation === "kubeconfigs") {
        const exported = await exportKubeconfigs(names, workspace, kubeconfigDir);
        renderExport(exported, process.cwd()).forEach((line) => io.log(line));
        return exported.files.length > 0 ? 0 : 1;
    }
    // Only stacks with no resources at all may run a partial stage: on any other it would delete the rest.
    const fresh = new Set<string>();
    if (operation === "up") {
        for (const { stack } of stacks) {
            if ((await workspace.resourceCount(stack)) === 0) {
                fresh.add(stack);
            }
        }
    }
    const steps = deploySteps(stacks, operation, fresh);
    const staged = [...new Set(steps.filter((s) => s.stage !== "full").map((s) => s.stack))];
    if (staged.length > 0) {
        io.log(`fresh stacks (${staged.join(", ")}): deploying in stages, so the app clusters come up while mgmt does (config/stage.ts)`);
    }
    const results = await runSteps(steps, operation, workspace, io);
    renderSummary(operation, results).forEach((line) => io.log(line));
    if (operation === "up" && results.some((r) => r.status === "succeeded")) {
        // Every stack of the platform, so the merged file has all clusters after a `--stack` deploy too.
        const all = stackFiles(root).map((stack) => ({ stack, config: { mgmtStack: readStackFile(root, stack).raw.mgmtStack as string | undefined } }));
        const exported = await exportKubeconfigs(deployPhases(all).flat(), workspace, kubeconfigDir);
        renderExport(exported, process.cwd()).forEach((line) => io.log(line));
    }
    return exitCode(results);
}

/** The policy pack's dependencies, installed with npm the first time. */
function preparePolicyPack(): void {
    const pack = path.join(ROOT, "policy-pack");
    if (fs.existsSync(path.join(pack, "node_modules"))) {
        return;
    }
    const install = fs.existsSync(path.join(pack, "package-lock.json")) ? "ci" : "install";
    const run = spawnSync("npm", [install, "--prefix", pack, "--no-audit", "--no-fund"], { stdio: "inherit" });
    if (run.status !== 0) {
        throw new Error(`npm ${install} --prefix policy-pack failed (exit ${run.status}); run it by hand to see why`);
    }
}

if (require.main === module) {
    const io: Io = { log: (line) => console.log(line), now: () => Date.now() };
    main(process.argv.slice(2), {
        root: ROOT,
        env: process.env,
        probe: hostProbe,
        workspace: (backend) => automationWorkspace({ root: ROOT, backend, color: process.stdout.isTTY === true }),
        preparePolicyPack,
        io,
    }).then(
        (code) => process.exit(code),
        (e) => {
            console.error(e instanceof Error ? e.message : String(e));
            process.exit(1);
        },
    );
}
