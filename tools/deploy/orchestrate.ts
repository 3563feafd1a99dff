/**
 * Runs an operation's steps (phases.ts): each as soon as the steps it needs have succeeded, so
 * independent steps run in parallel, each streaming its output with a `[step]` prefix. A failure
 * lets the steps already running finish and skips the steps that need it: they exist because they
 * read what failed (for destroy, because it read them).
 */
import { DEPLOY_STAGE_EXPLAINED } from "../../config/stage";
import { formatDuration } from "../plan/timeline";
import { DeployStep } from "./phases";
import { Operation, ResourceChanges, StackWorkspace } from "./workspace";

/** How one step ended. */
export interface StackResult {
    /** The step's id: the stack, or `<stack> (<stage>)` for a partial stage. */
    step: string;
    stack: string;
    /** `absent`: destroy found no such stack; `skipped`: a step it needs failed. */
    status: "succeeded" | "failed" | "skipped" | "absent";
    seconds: number;
    changes: ResourceChanges;
    /** The failure, in a line or three. */
    error?: string;
    /** Why it was skipped. */
    reason?: string;
}

/** Where the orchestration writes and how it tells time. */
export interface Io {
    log(line: string): void;
    /** Milliseconds. */
    now(): number;
}

/**
 * Splits streamed text into lines and writes each with a prefix; `flush` writes a last partial
 * line. Carriage returns are dropped, so nothing redraws a line in place.
 */
export function prefixedLines(prefix: string, log: (line: string) => void): { write(text: string): void; flush(): void } {
    let pending = "";
    return {
        write(text) {
            const lines = (pending + text.replace(/\r/g, "")).split("\n");
            pending = lines.pop() as string;
            lines.forEach((line) => log(`${prefix}${line}`));
        },
        flush() {
            if (pending) {
                log(`${prefix}${pending}`);
                pending = "";
            }
        },
    };
}

/**
 * The CLI's own error lines out of a failed operation (the Automation API's CommandError carries
 * "code: ... stdout: ... stderr: ..."), the generic "error: update failed" last; else its last line.
 */
export function failureMessage(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    const lines = text.split("\n").map((l) => l.trim().replace(/^(stdout|stderr|err\?):\s*/, ""));
    // The message repeats stderr as `err?`: each line once.
    const errors = [...new Set(lines.filter((l) => /^error: /.test(l)))];
    const specific = errors.filter((l) => !/^error: (update|preview|destroy) failed$/.test(l));
    const chosen = specific.length > 0 ? specific.slice(0, 2) : errors.length > 0 ? errors.slice(0, 1) : [lines.filter(Boolean).pop() ?? "failed"];
    return chosen.join(" | ");
}

const VERBS: Record<Operation, string> = { up: "pulumi up", preview: "pulumi preview", destroy: "pulumi destroy" };

/** Runs `operation`'s steps and returns every step's result, in the steps' order. */
export async function runSteps(steps: DeployStep[], operation: Operation, workspace: StackWorkspace, io: Io): Promise<StackResult[]> {
    const width = Math.max(...steps.map((s) => s.id.length));
    const runOne = async (step: DeployStep): Promise<StackResult> => {
        const { id, stack, stage } = step;
        const prefix = `[${id.padEnd(width)}] `;
        const started = io.now();
        const seconds = () => Math.round((io.now() - started) / 1000);
        if (operation === "destroy" && !(await workspace.exists(stack))) {
            return { step: id, stack, status: "absent", seconds: 0, changes: {} };
        }
        io.log(`== ${VERBS[operation]} ${stack}${stage === "full" ? "" : `, ${stage} stage: ${DEPLOY_STAGE_EXPLAINED[stage]}`}`);
        const out = prefixedLines(prefix, io.log);
        try {
            const changes = await workspace.run(stack, operation, (text) => out.write(text), stage);
            out.flush();
            io.log(`${prefix}done in ${formatDuration(seconds())}`);
            return { step: id, stack, status: "succeeded", seconds: seconds(), changes };
        } catch (e) {
            out.flush();
            const error = failureMessage(e);
            io.log(`${prefix}FAILED after ${formatDuration(seconds())}: ${error}`);
            return { step: id, stack, status: "failed", seconds: seconds(), changes: {}, error };
        }
    };
    const results = new Map<string, Promise<StackResult>>();
    for (const step of steps) {
        const needs = step.needs.map((n) => results.get(n) as Promise<StackResult>);
        results.set(
            step.id,
            Promise.all(needs).then((done) => {
                const blocked = done.filter((r) => r.status === "failed" || r.status === "skipped").map((r) => r.step);
                if (blocked.length === 0) {
                    return runOne(step);
                }
                const reason =
                    operation === "destroy"
                        ? `kept: ${blocked.join(", ")} failed to destroy and may still read it`
                        : `not run: it needs ${blocked.join(", ")}, which did not succeed`;
                return { step: step.id, stack: step.stack, status: "skipped" as const, seconds: 0, changes: {}, reason };
            }),
        );
    }
    return Promise.all(steps.map((s) => results.get(s.id) as Promise<StackResult>));
}
