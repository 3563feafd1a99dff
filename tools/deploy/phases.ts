/**
 * The order stacks deploy in, derived from which stack reads which (an app stack's
 * `platform:mgmtStack`). `npm run deploy` runs the phases one after another and the stacks of one
 * phase in parallel; `npm run plan` estimates the same order; destroy runs it backwards.
 */
import { StackConfig } from "../../config/model";
import { referencedStackName } from "../plan/stack-file";

/** A stack and the config that says which stacks it reads. */
export interface OrderedStack {
    stack: string;
    config: Pick<StackConfig, "mgmtStack">;
}

/**
 * Phases: each holds the stacks whose referenced stacks all sit in earlier phases, in the given
 * order. A referenced stack that is not among `stacks` is taken as deployed already (`--stack app1`).
 */
export function deployPhases(stacks: OrderedStack[]): string[][] {
    const names = new Set(stacks.map((s) => s.stack));
    const needs = new Map(stacks.map((s) => [s.stack, s.config.mgmtStack ? [referencedStackName(s.config.mgmtStack)].filter((n) => names.has(n)) : []]));
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
