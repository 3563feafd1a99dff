/**
 * Child-process entry: runs one stack program under the Pulumi mock runtime and reports every
 * registered resource (with parent, dependencies, inputs and options) and every stack output to
 * the parent. One process per stack, because the mock runtime and the module cache are
 * process-global. The process loads the SDK as soon as it starts, before its job arrives, so
 * that the parent can start it ahead (run.ts).
 */
import type * as pulumiSdk from "@pulumi/pulumi";
import { DEPLOY_STAGE_ENV, DeployStage } from "../../config/stage";
import { MockWorld, platformMocks } from "./mocks";
import { RecordedOutput, RecordedResource, RunMessage, RunResult } from "./record";
import { isKnown, loadSdk, waitForRegistrations, wrapMonitor } from "./sdk";

/** What the parent asks for. */
export interface RunJob extends MockWorld {
    project: string;
    stack: string;
    /** Module to load: the program entry (index.ts) or a test program. */
    program: string;
    /** Full config map ("platform:cluster" → JSON text), as `pulumi config` would hold it. */
    config: Record<string, string>;
    /** Config keys that are secrets. */
    secretKeys: string[];
    /** The deploy stage, passed as `npm run deploy` passes it (config/stage.ts); the full program when absent. */
    deployStage?: DeployStage;
}

const TIMEOUT_MS = 60_000;

/** Maps a stack trace back to the TypeScript lines (register.cjs, which loaded this program). */
const { mapStack } = require("./register.cjs") as { mapStack(stack: string): string };

function recordMonitor(pulumi: typeof pulumiSdk, resources: Map<string, RecordedResource>): void {
    wrapMonitor(pulumi, {
        recorded: (r) => resources.set(r.urn, r),
        outputs(urn, outputs) {
            const entry = resources.get(urn);
            if (entry) {
                entry.outputs = outputs;
            }
        },
    });
}

/** Marks a stack output whose value is not known yet (first preview). */
export const UNKNOWN = "[unknown]";

async function resolveOutput(pulumi: typeof pulumiSdk, value: unknown): Promise<RecordedOutput> {
    const output: pulumiSdk.Output<unknown> = pulumi.output(value as pulumiSdk.Input<unknown>);
    const known = await isKnown(output);
    const secret = await pulumi.isSecret(output);
    if (!known) {
        return { value: UNKNOWN, secret };
    }
    return { value: await new Promise<unknown>((resolve) => output.apply((v) => (resolve(v), v))), secret };
}

/** What the run is waiting for, named in the timeout message. */
let waitingFor = "the program module";

async function run(pulumi: typeof pulumiSdk, job: RunJob): Promise<RunResult> {
    const resources = new Map<string, RecordedResource>();
    // Errors raised inside apply() or while serializing inputs surface as unhandled rejections;
    // the first one fails the run at once (the registration it broke would never complete).
    const failed = new Promise<never>((_, reject) => process.on("unhandledRejection", reject));

    const organization = "organization";
    await pulumi.runtime.setMocks(
        platformMocks(job, `${organization}/${job.project}/${job.stack}`),
        job.project,
        job.stack,
        job.firstPreview === true,
        organization,
    );
    pulumi.runtime.setAllConfig(job.config, job.secretKeys);
    recordMonitor(pulumi, resources);
    try {
        return await Promise.race([failed, record(pulumi, job, resources)]);
    } catch (e) {
        const configError = e instanceof pulumi.RunError;
        return { ok: false, stack: job.stack, configError, error: e instanceof Error ? (configError ? e.message : mapStack(e.stack ?? e.message)) : String(e) };
    }
}

/** Loads the program, resolves its exports and waits until every registration has completed. */
async function record(pulumi: typeof pulumiSdk, job: RunJob, resources: Map<string, RecordedResource>): Promise<RunResult> {
    if (job.deployStage) {
        process.env[DEPLOY_STAGE_ENV] = job.deployStage;
    }
    const exported = await require(job.program);
    const outputs: Record<string, RecordedOutput> = {};
    for (const key of Object.keys(exported ?? {}).sort()) {
        waitingFor = `stack output "${key}"`;
        outputs[key] = await resolveOutput(pulumi, exported[key]);
    }
    // Stacks that reference this one need only its outputs: they can start while registrations finish.
    process.send?.({ outputsKnown: outputs } satisfies RunMessage);
    waitingFor = "outstanding resource registrations";
    await waitForRegistrations();
    const sorted = [...resources.values()].sort((a, b) => a.urn.localeCompare(b.urn));
    return { ok: true, stack: job.stack, resources: sorted, outputs };
}

if (require.main === module) {
    // Loaded now, while the parent still prepares the job; the packages to preload come as arguments.
    const pulumi = loadSdk();
    process.argv.slice(2).forEach((pkg) => require(pkg));
    // A spare the parent never used: leave with it.
    process.once("disconnect", () => process.exit(0));
    process.once("message", (job: RunJob) => {
        const timer = setTimeout(() => {
            process.send?.({
                ok: false,
                stack: job.stack,
                configError: false,
                error: `offline run of ${job.stack} did not finish within ${TIMEOUT_MS / 1000}s (waiting for ${waitingFor})`,
            });
            process.exit(1);
        }, TIMEOUT_MS);
        run(pulumi, job).then((result) => {
            clearTimeout(timer);
            process.send?.(result, () => process.exit(0));
        });
    });
}
