/**
 * The one seam between the orchestration and Pulumi: an operation on one stack. The real one is
 * an Automation API LocalWorkspace over the project at the repository root; tests pass a fake,
 * so they never need the CLI.
 */
import * as path from "path";
import { LocalWorkspace, OutputMap, Stack } from "@pulumi/pulumi/automation";
import { DEPLOY_STAGE_ENV, DeployStage } from "../../config/stage";

/** What `npm run deploy` / `destroy` does to a stack. */
export type Operation = "up" | "preview" | "destroy";

/** Resource operation → count, as the engine reports it ({create: 42, same: 3}). */
export type ResourceChanges = Partial<Record<string, number>>;

/** Pulumi, as the orchestration sees it. */
export interface StackWorkspace {
    /** Whether the stack exists in the backend. */
    exists(stack: string): Promise<boolean>;
    /** How many resources the stack's state holds; 0 for a stack that does not exist. */
    resourceCount(stack: string): Promise<number>;
    /**
     * Runs the operation (up and preview with the policy pack) on the program's `stage`
     * (config/stage.ts), streaming the CLI's output as it comes; resolves with the resource
     * changes, rejects when the operation fails.
     */
    run(stack: string, operation: Operation, onOutput: (text: string) => void, stage: DeployStage): Promise<ResourceChanges>;
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

/**
 * The Automation API workspace: the project at the repository root, the policy pack attached. A
 * workspace's environment reaches every CLI call it makes, so each partial stage gets its own
 * workspace over the same folder, its stage in the environment, while the full runs go on beside it.
 */
export async function automationWorkspace(options: AutomationOptions): Promise<StackWorkspace> {
    const env = { PULUMI_BACKEND_URL: options.backend, PULUMI_SKIP_UPDATE_CHECK: "true" };
    const create = (stage: DeployStage) =>
        LocalWorkspace.create({ workDir: options.root, envVars: stage === "full" ? env : { ...env, [DEPLOY_STAGE_ENV]: stage } });
    const workspaces = new Map<DeployStage, Promise<LocalWorkspace>>();
    const workspaceFor = (stage: DeployStage) => {
        workspaces.set(stage, workspaces.get(stage) ?? create(stage));
        return workspaces.get(stage) as Promise<LocalWorkspace>;
    };
    const workspace = await workspaceFor("full");
    // Progress dots and the outputs table are left out: the summary reports instead, and never a secret.
    const display = { color: options.color ? ("always" as const) : ("never" as const), suppressProgress: true, suppressOutputs: true };
    const policyPacks = [path.join(options.root, "policy-pack")];
    // `stack select` rewrites the folder's current stack: one at a time, while operations (which
    // all pass --stack) run in parallel.
    let selecting: Promise<unknown> = Promise.resolve();
    const select = (stack: string, create: boolean, stage: DeployStage = "full"): Promise<Stack> => {
        const next = selecting.then(async () => {
            const ws = await workspaceFor(stage);
            return create ? Stack.createOrSelect(stack, ws) : Stack.select(stack, ws);
        });
        selecting = next.catch(() => undefined);
        return next;
    };
    const summary = async (stack: string) => (await workspace.listStacks()).find((s) => s.name === stack || s.name.endsWith(`/${stack}`));
    return {
        exists: async (stack) => (await summary(stack)) !== undefined,
        // `pulumi stack ls --json`: the file backend counts the resources of the stack's checkpoint
        // (pkg/backend/diy/stack.go, diyStackSummary.ResourceCount), none without a checkpoint.
        resourceCount: async (stack) => (await summary(stack))?.resourceCount ?? 0,
        async run(stack, operation, onOutput, stage) {
            const streams = { onOutput, onError: onOutput };
            if (operation === "destroy") {
                return (await (await select(stack, false)).destroy({ ...display, ...streams })).summary.resourceChanges ?? {};
            }
            const selected = await select(stack, true, stage);
            if (operation === "preview") {
                return (await selected.preview({ ...display, ...streams, policyPacks })).changeSummary;
            }
            return (await selected.up({ ...display, ...streams, policyPacks })).summary.resourceChanges ?? {};
        },
        outputs: (stack) => workspace.stackOutputs(stack),
    };
}
