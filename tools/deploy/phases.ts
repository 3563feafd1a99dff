/**
 * The order stacks deploy in, derived from which stack reads which (an app stack's
 * `platform:mgmtStack`), and the steps `npm run deploy` runs: one run of one stack's program each,
 * started as soon as the steps it needs have succeeded. `npm run plan` estimates the same steps;
 * destroy runs the order backwards.
 */
import { StackConfig } from "../../config/model";
import { DeployStage, PARTIAL_STAGE } from "../../config/stage";
import { referencedStackName } from "../plan/stack-file";
import { Operation } from "./workspace";

/** A stack and the config that says which stacks it reads. */
export interface OrderedStack {
    stack: string;
    config: Pick<StackConfig, "mgmtStack">;
}

/** A stack, which stacks it reads and its role (which partial stage it has). */
export interface StagedStack extends OrderedStack {
    config: Pick<StackConfig, "mgmtStack" | "role">;
}

/** The stacks among `stacks` that `stack` reads. */
function readStacks(stacks: OrderedStack[], stack: OrderedStack): string[] {
    const ref = stack.config.mgmtStack;
    return ref && stacks.some((s) => s.stack === referencedStackName(ref)) ? [referencedStackName(ref)] : [];
}

/**
 * Phases: each holds the stacks whose referenced stacks all sit in earlier phases, in the given
 * order. A referenced stack that is not among `stacks` is taken as deployed already (`--stack app1`).
 */
export function deployPhases(stacks: OrderedStack[]): string[][] {
    const needs = new Map(stacks.map((s) => [s.stack, readStacks(stacks, s)]));
    const placed = new Set<string>();
    const phases: string[][] = [];
    while (placed.size < stacks.length) {
        const phase = stacks.map((s) => s.stack).filter((s) => !placed.has(s) && (needs.get(s) as string[]).every((n) => placed.has(n)));
        if (phase.length === 0) {
            const left = stacks.map((s) => s.stack).filter((s) => !placed.has(s));
            throw new Error(`the stacks ${left.join(", ")} reference each other (platform:mgmtStack); no order can deploy them`);
        }
        phase.forEach((s) => placed.add(s));
        phases.push(phase);
    }
    return phases;
}

/** One run of one stack's program. */
export interface DeployStep {
    /** The stack's name for its full stage, `<stack> (<stage>)` for a partial one. */
    id: string;
    stack: string;
    stage: DeployStage;
    /** Ids of the steps that must have succeeded before this one starts. */
    needs: string[];
}

/** The id of a stack's step in `stage`. */
export function stepId(stack: string, stage: DeployStage): string {
    return stage === "full" ? stack : `${stack} (${stage})`;
}

/**
 * The steps of an operation over `stacks`, needs before the steps that need them. Every stack gets
 * one full step after the stacks it reads (destroy: before them). An `up` stages a fresh platform
 * (config/stage.ts): a mgmt stack and the app stacks reading it that have no resources (`fresh`)
 * run mgmt's foundation stage first; then mgmt's full stage and each such app stack's standalone
 * stage, side by side; each app stack's full stage once mgmt and its own standalone stage are done.
 * A stack with resources never runs a partial stage (it would delete the rest), nor does a fresh
 * mgmt that no fresh app stack reads (there is nothing to run beside it).
 */
export function deploySteps(stacks: StagedStack[], operation: Operation, fresh: ReadonlySet<string>): DeployStep[] {
    const phases = deployPhases(stacks);
    const byName = new Map(stacks.map((s) => [s.stack, s]));
    const order = operation === "destroy" ? [...phases].reverse().flat() : phases.flat();
    const readers = (name: string) => stacks.filter((s) => readStacks(stacks, s).includes(name)).map((s) => s.stack);
    const isFresh = (name: string) => operation === "up" && fresh.has(name);
    // A fresh app stack reading a fresh mgmt: the pair is staged.
    const stagedPair = (app: string, mgmt: string) => isFresh(app) && isFresh(mgmt);
    const staged = (stack: StagedStack) =>
        stack.config.role === "mgmt"
            ? readers(stack.stack).some((app) => stagedPair(app, stack.stack))
            : readStacks(stacks, stack).some((mgmt) => stagedPair(stack.stack, mgmt));
    const steps: DeployStep[] = [];
    for (const name of order) {
        const stack = byName.get(name) as StagedStack;
        const reads = readStacks(stacks, stack);
        if (operation === "destroy") {
            steps.push({ id: name, stack: name, stage: "full", needs: readers(name) });
            continue;
        }
        const partial = stepId(name, PARTIAL_STAGE[stack.config.role]);
        if (staged(stack)) {
            // An app's standalone stage reads its mgmt's foundation outputs.
            const needs = reads.map((mgmt) => stepId(mgmt, PARTIAL_STAGE.mgmt));
            steps.push({ id: partial, stack: name, stage: PARTIAL_STAGE[stack.config.role], needs });
        }
        steps.push({ id: name, stack: name, stage: "full", needs: [...reads, ...(staged(stack) ? [partial] : [])] });
    }
    return steps;
}
