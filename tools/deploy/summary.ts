/** The summary `npm run deploy` / `destroy` ends with. */
import { formatDuration } from "../plan/timeline";
import { StackResult } from "./orchestrate";
import { Operation, ResourceChanges } from "./workspace";

const PAST: Record<string, string> = { create: "created", update: "updated", replace: "replaced", delete: "deleted", same: "unchanged" };
const ORDER = ["create", "update", "replace", "delete", "same"];

/** "3 created, 1 updated, 40 unchanged"; a preview says what it would do. */
export function formatChanges(changes: ResourceChanges, operation: Operation): string {
    const entries = Object.entries(changes)
        .filter(([, n]) => (n ?? 0) > 0)
        .sort(([a], [b]) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99));
    if (entries.length === 0) {
        return "no changes";
    }
    const words = entries.map(([op, n]) => (operation === "preview" ? `${op} ${n}` : `${n} ${PAST[op] ?? op}`)).join(", ");
    return operation === "preview" ? `would ${words}` : words;
}

/** The command that runs the operation again on the given stacks only. */
export function retryCommand(operation: Operation, stacks: string[]): string {
    const base = operation === "destroy" ? "npm run destroy -- --yes" : operation === "preview" ? "npm run deploy -- --preview" : "npm run deploy --";
    return `${base} ${stacks.map((s) => `--stack ${s}`).join(" ")}`;
}

/** One line per step, then what to do about failures. */
export function renderSummary(operation: Operation, results: StackResult[]): string[] {
    const width = Math.max(...results.map((r) => r.step.length));
    const lines = [`== summary: ${operation === "up" ? "deploy" : operation}`];
    for (const r of results) {
        const detail =
            r.status === "succeeded"
                ? formatChanges(r.changes, operation)
                : r.status === "failed"
                  ? (r.error as string)
                  : r.status === "absent"
                    ? "no such stack: nothing to destroy"
                    : (r.reason as string);
        lines.push(`  ${r.step.padEnd(width)}  ${r.status.padEnd(9)}  ${formatDuration(r.seconds).padStart(7)}  ${detail}`);
    }
    // A retry runs the full program: the stack has resources now, so it is never staged again.
    const stacksWith = (status: StackResult["status"]) => [...new Set(results.filter((r) => r.status === status).map((r) => r.stack))];
    const failed = stacksWith("failed");
    const skipped = stacksWith("skipped").filter((s) => !failed.includes(s));
    for (const stack of failed) {
        lines.push(`retry ${stack} alone: ${retryCommand(operation, [stack])}`);
    }
    if (skipped.length > 0) {
        lines.push(`then the stacks not run: ${retryCommand(operation, skipped)}`);
    }
    return lines;
}

/** Exit code: 0 when every stack succeeded (or had nothing to destroy). */
export function exitCode(results: StackResult[]): number {
    return results.every((r) => r.status === "succeeded" || r.status === "absent") ? 0 : 1;
}
