/**
 * The one seam between the orchestration and Pulumi: an operation on one stack. The real one is
 * an Automation API LocalWorkspace over the project at the repository root; tests pass a fake,
 * so they never need the CLI.
 */
import * as path from "path";
import { LocalWorkspace, OutputMap, Stack } from "@pulumi/pulumi/automation";

/** What `npm run deploy` / `destroy` does to a stack. */
export type Operation = "up" | "preview" | "destroy";

/** Resource operation → count, as the engine reports it ({create: 42, same: 3}). */
export type ResourceChanges = Partial<Record<string, number>>;

/** Pulumi, as the orchestration sees it. */
export interface StackWorkspace {
    /** Whether the stack exists in the backend. */
    exists(stack: string): Promise<boolean>;
    /**
     * Runs the operation (up and preview with the policy pack), streaming the CLI's output as it
     * comes; resolves with the resource changes, rejects when the operation fails.
     */
    run(stack: string, operation: Operation, onOutput: (text: string) => void): Promise<ResourceChanges>;
    /** The stack's outputs, secrets flagged and not masked: handle them as secrets. */
    outputs(stack: string): Promise<OutputMap>;
}

/** Settings of the real workspace. */
export interface AutomationOptions {
    /** Repository root: Pulumi.yaml and the Pulumi.<stack>.yaml files. */
    root: string;
    /** Backend URL (PULUMI_BACKEND_URL for every CLI call). */
    backend: string;
    /** Colour the CLI's output (a terminal). */
    color: boolean;
}

/** The Automation API workspace: the project at the repository root, the policy pack attached. */
export async function automationWorkspace(options: AutomationOptions): Promise<StackWorkspace> {
    const workspace = await LocalWorkspace.create({
        workDir: options.root,
        envVars: { PULUMI_BACKEND_URL: options.backend, PULUMI_SKIP_UPDATE_CHECK: "true" },
    });
    // Progress dots and the outputs table are left out: the summary reports instead, and never a secret.
    const display = { color: options.color ? ("always" as const) : ("never" as const), suppressProgress: true, suppressOutputs: true };
    const policyPacks = [path.join(options.root, "policy-pack")];
    // `stack select` rewrites the workspace's current stack: one at a time, while operations (which
    // all pass --stack) run in parallel.
    let selecting: Promise<unknown> = Promise.resolve();
    const select = (stack: string, create: boolean): Promise<Stack> => {
        const next = selecting.then(() => (create ? Stack.createOrSelect(stack, workspace) : Stack.select(stack, workspace)));
        selecting = next.catch(() => undefined);
        return next;
    };
    return {
        async exists(stack) {
            return (await workspace.listStacks()).some((s) => s.name === stack || s.name.endsWith(`/${stack}`));
        },
        async run(stack, operation, onOutput) {
            const streams = { onOutput, onError: onOutput };
            if (operation === "destroy") {
                return (await (await select(stack, false)).destroy({ ...display, ...streams })).summary.resourceChanges ?? {};
            }
            const selected = await select(stack, true);
            if (operation === "preview") {
                return (await selected.preview({ ...display, ...streams, policyPacks })).changeSummary;
            }
            return (await selected.up({ ...display, ...streams, policyPacks })).summary.resourceChanges ?? {};
        },
        outputs: (stack) => workspace.stackOutputs(stack),
    };
}
