/**
 * Child-process entry: runs one stack program under the Pulumi mock runtime and reports every
 * registered resource (with parent, dependencies and inputs) and every stack output to the parent.
 * One process per stack, because the mock runtime and the module cache are process-global.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockWorld, platformMocks } from "./mocks";
import { RecordedOutput, RecordedResource, RunResult } from "./record";

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
}

const TIMEOUT_MS = 60_000;

/* eslint-disable @typescript-eslint/no-explicit-any */
function structToJs(struct: any): Record<string, unknown> {
    return struct ? (struct.toJavaScript() as Record<string, unknown>) : {};
}

function recordMonitor(resources: Map<string, RecordedResource>): void {
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: unknown, resp: any) => void) =>
        register(req, (err: unknown, resp: any) => {
            if (!err && resp) {
                const propertyDependencies: Record<string, string[]> = {};
                req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
                    propertyDependencies[key] = [...deps.getUrnsList()].sort();
                });
                const urn = resp.getUrn();
                resources.set(urn, {
                    urn,
                    type: req.getType(),
                    name: req.getName(),
                    parent: req.getParent() || undefined,
                    dependencies: [...new Set<string>(req.getDependenciesList())].sort(),
                    propertyDependencies,
                    inputs: structToJs(req.getObject()),
                    custom: req.getCustom(),
                    additionalSecretOutputs: [...req.getAdditionalsecretoutputsList()],
                });
            }
            callback(err, resp);
        });
    const read = monitor.readResource.bind(monitor);
    monitor.readResource = (req: any, callback: (err: unknown, resp: any) => void) =>
        read(req, (err: unknown, resp: any) => {
            if (!err && resp) {
                const urn = resp.getUrn();
                resources.set(urn, { urn, type: req.getType(), name: req.getName(), parent: req.getParent() || undefined, dependencies: [], propertyDependencies: {}, inputs: structToJs(req.getProperties()), custom: true });
            }
            callback(err, resp);
        });
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, callback: (err: unknown, resp: any) => void) => {
        const entry = resources.get(req.getUrn());
        if (entry) {
            entry.outputs = structToJs(req.getOutputs());
        }
        return registerOutputs(req, callback);
    };
}

/** Marks a stack output whose value is not known yet (first preview). */
export const UNKNOWN = "[unknown]";

async function resolveOutput(value: unknown): Promise<RecordedOutput> {
    const output: pulumi.Output<unknown> = pulumi.output(value as pulumi.Input<unknown>);
    // `isKnown` is the SDK's own flag; apply() never runs on an unknown value.
    const known = await (output as unknown as { isKnown: Promise<boolean> }).isKnown;
    const secret = await pulumi.isSecret(output);
    if (!known) {
        return { value: UNKNOWN, secret };
    }
    return { value: await new Promise<unknown>((resolve) => output.apply((v) => (resolve(v), v))), secret };
}

/** What the run is waiting for, named in the timeout message. */
let waitingFor = "the program module";

async function run(job: RunJob): Promise<RunResult> {
    const resources = new Map<string, RecordedResource>();
    // Errors raised inside apply() or while serializing inputs surface as unhandled rejections;
    // the first one fails the run at once (the registration it broke would never complete).
    const failed = new Promise<never>((_, reject) => process.on("unhandledRejection", reject));

    await pulumi.runtime.setMocks(platformMocks(job), job.project, job.stack, job.firstPreview === true, "organization");
    pulumi.runtime.setAllConfig(job.config, job.secretKeys);
    recordMonitor(resources);
    try {
        return await Promise.race([failed, record(job, resources)]);
    } catch (e) {
        const configError = e instanceof pulumi.RunError;
        return { ok: false, stack: job.stack, configError, error: e instanceof Error ? (configError ? e.message : e.stack ?? e.message) : String(e) };
    }
}

/** Loads the program, resolves its exports and waits until every registration has completed. */
async function record(job: RunJob, resources: Map<string, RecordedResource>): Promise<RunResult> {
    const exported = await require(job.program);
    const outputs: Record<string, RecordedOutput> = {};
    for (const key of Object.keys(exported ?? {}).sort()) {
        waitingFor = `stack output "${key}"`;
        outputs[key] = await resolveOutput(exported[key]);
    }
    waitingFor = "outstanding resource registrations";
    await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
    const sorted = [...resources.values()].sort((a, b) => a.urn.localeCompare(b.urn));
    return { ok: true, stack: job.stack, resources: sorted, outputs };
}

if (require.main === module) {
    process.once("message", (job: RunJob) => {
        const timer = setTimeout(() => {
            process.send?.({ ok: false, stack: job.stack, configError: false, error: `offline run of ${job.stack} did not finish within ${TIMEOUT_MS / 1000}s (waiting for ${waitingFor})` });
            process.exit(1);
        }, TIMEOUT_MS);
        run(job).then((result) => {
            clearTimeout(timer);
            process.send?.(result, () => process.exit(0));
        });
    });
}
