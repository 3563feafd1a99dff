/**
 * Runs an operation over the stacks phase by phase: the stacks of a phase in parallel, each
 * streaming its output with a `[stack]` prefix. A failure lets the stacks already running finish
 * and stops the later phases: a later phase exists because its stacks read earlier ones (for
 * destroy, because earlier ones read it).
 */
import { formatDuration } from "../plan/timeline";
import { Operation, ResourceChanges, StackWorkspace } from "./workspace";

/** How one stack ended. */
export interface StackResult {
    stack: string;
    /** `absent`: destroy found no such stack; `skipped`: an earlier phase failed. */
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

/** Runs `operation` over `phases` and returns every stack's result, in phase order. */
export async function runPhases(phases: string[][], operation: Operation, workspace: StackWorkspace, io: Io): Promise<StackResult[]> {
    const width = Math.max(...phases.flat().map((s) => s.length));
    const runOne = async (stack: string): Promise<StackResult> => {
        const started = io.now();
        const seconds = () => Math.round((io.now() - started) / 1000);
        if (operation === "destroy" && !(await workspace.exists(stack))) {
            return { stack, status: "absent", seconds: 0, changes: {} };
        }
        const out = prefixedLines(`[${stack.padEnd(width)}] `, io.log);
        try {
            const changes = await workspace.run(stack, operation, (text) => out.write(text));
            out.flush();
            io.log(`[${stack.padEnd(width)}] done in ${formatDuration(seconds())}`);
            return { stack, status: "succeeded", seconds: seconds(), changes };
        } catch (e) {
            out.flush();
            const error = failureMessage(e);
            io.log(`[${stack.padEnd(width)}] FAILED after ${formatDuration(seconds())}: ${error}`);
            return { stack, status: "failed", seconds: seconds(), changes: {}, error };
        }
    };
    const results: StackResult[] = [];
    let blockedBy: string[] = [];
    for (const [i, phase] of phases.entries()) {
        if (blockedBy.length > 0) {
            const failed = blockedBy.join(", ");
            const reason = operation === "destroy" ? `kept: ${failed} failed to destroy and may still read it` : `not run: it needs ${failed}, which failed`;
            results.push(...phase.map((stack) => ({ stack, status: "skipped" as const, seconds: 0, changes: {}, reason })));
            continue;
        }
        io.log(`== phase ${i + 1}/${phases.length}: ${VERBS[operation]} ${phase.join(", ")}${phase.length > 1 ? " in parallel" : ""}`);
        const done = await Promise.all(phase.map(runOne));
        results.push(...done);
        blockedBy = done.filter((r) => r.status === "failed").map((r) => r.stack);
    }
    return results;
}
