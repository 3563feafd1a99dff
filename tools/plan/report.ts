/** Human-readable and JSON views of a plan. */
import { RecordedOutput, RecordedResource, ResourceOptions, secretDigests, unwrapSecrets } from "../offline/record";
import type { Violation } from "../../policy-pack/evaluate";
import type { StackCapacity } from "./capacity";

/** One resource as `--json` writes it. */
export interface ResourcePlanJson {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    /** Custom resource (true) or component (false). */
    custom: boolean;
    /** Only read (StackReference): never created, updated or deleted. */
    external?: true;
    dependencies: string[];
    /** Input key → URNs its value came from (keys that came from no resource left out). */
    propertyDependencies: Record<string, string[]>;
    /** Secrets as "[secret]". */
    inputs: unknown;
    /** Property path of each "[secret]" → a digest of its value, so that plans can be compared. */
    secretDigests?: Record<string, string>;
    /** The options the engine acts on (only those set). */
    options: ResourceOptions & { additionalSecretOutputs?: string[] };
}

/** What the engine would do to one resource, in the order it would do it (compare.ts). */
export interface Change {
    urn: string;
    op: "create" | "update" | "replace" | "delete";
    /** The input keys that caused it (none for a create or a removal). */
    keys: string[];
    /** A delete of the old copy of a replaced resource. */
    replaced?: true;
    /** A command's update runs its `update` script, or `create` again when it has none. */
    runs?: "update" | "create";
    /** retainOnDelete: the delete only drops the resource from the state. */
    retained?: true;
}

/** One planned stack, as `--json` writes it. */
export interface StackPlanJson {
    stack: string;
    resources: ResourcePlanJson[];
    outputs: Record<string, unknown>;
    violations: Violation[];
    /** The platform's requests against the workers' allocatable (capacity.ts). */
    capacity?: Omit<StackCapacity, "workloads">;
    /** The partial deploy stage a fresh `npm run deploy` runs first (config/stage.ts): what it registers, its outputs, what the pack says of it. */
    partialStage?: { stage: string; urns: string[]; outputs: Record<string, unknown>; violations: Violation[] };
    /** With --compare-to: the operations against the earlier plan, in the engine's order. */
    changes?: Change[];
    /** With --compare-to: why the engine would stop before any operation. */
    refused?: string[];
}

/** The JSON view of one resource. */
export function resourcePlanJson(r: RecordedResource): ResourcePlanJson {
    const digests = secretDigests(r.inputs);
    const secretOutputs = r.additionalSecretOutputs ?? [];
    return {
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent ?? null,
        custom: r.custom,
        ...(r.external ? { external: true as const } : {}),
        dependencies: r.dependencies,
        propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).filter(([, urns]) => urns.length > 0)),
        inputs: unwrapSecrets(r.inputs, "redact"),
        ...(Object.keys(digests).length > 0 ? { secretDigests: digests } : {}),
        options: { ...(r.options ?? {}), ...(secretOutputs.length > 0 ? { additionalSecretOutputs: secretOutputs } : {}) },
    };
}

/** The JSON view: secrets are "[secret]", parents and dependencies are URNs. */
export function stackPlanJson(stack: string, resources: RecordedResource[], outputs: Record<string, RecordedOutput>, violations: Violation[]): StackPlanJson {
    return {
        stack,
        resources: resources.map(resourcePlanJson),
        outputs: Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.secret ? "[secret]" : o.value])),
        violations,
    };
}

/** The resource tree: each component with its children and a count, custom resources as leaves. */
export function renderTree(resources: RecordedResource[]): string[] {
    const byParent = new Map<string, RecordedResource[]>();
    const urns = new Set(resources.map((r) => r.urn));
    for (const r of resources) {
        const key = r.parent && urns.has(r.parent) ? r.parent : "";
        byParent.set(key, [...(byParent.get(key) ?? []), r]);
    }
    const descendants = (urn: string): number => (byParent.get(urn) ?? []).reduce((n, c) => n + 1 + descendants(c.urn), 0);
    const lines: string[] = [];
    const walk = (parent: string, indent: string) => {
        for (const r of byParent.get(parent) ?? []) {
            const count = r.custom ? "" : `  (${descendants(r.urn)} resources)`;
            lines.push(`${indent}${r.name}  ${r.type}${count}`);
            walk(r.urn, `${indent}  `);
        }
    };
    walk("", "  ");
    return lines;
}

/** Type → count, most frequent first. */
export function countByType(resources: RecordedResource[]): string[] {
    const counts = new Map<string, number>();
    for (const r of resources) {
        counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    }
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([type, n]) => `${String(n).padStart(4)}  ${type}`);
}

/** One line per violation. */
export function renderViolations(violations: Violation[]): string[] {
    return violations.map((v) => `  [${v.level}] ${v.policy}: ${v.type ?? ""} ${v.name ?? ""}: ${v.message}`);
}

const SYMBOL: Record<Change["op"], string> = { create: "+", update: "~", replace: "+-", delete: "-" };

/** The operations of one stack against an earlier plan, one line each, or the refusal. */
export function renderChanges(stack: string, changes: Change[], refused: string[]): string[] {
    if (refused.length > 0) {
        return [`${stack}: refused, nothing runs:`, ...refused.map((m) => `  ${m}`)];
    }
    if (changes.length === 0) {
        return [`${stack}: no changes`];
    }
    const name = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);
    const type = (urn: string) => urn.split("::")[2].split("$").pop() as string;
    const width = Math.max(...changes.map((c) => type(c.urn).length));
    const lines = changes.map((c) => {
        const why = [
            c.keys.length > 0 ? `[${c.keys.join(", ")}]` : "",
            c.replaced ? "(old copy of a replaced resource)" : "",
            c.runs === "create" ? "(no update script: runs create again)" : c.runs === "update" ? "(runs its update script)" : "",
            c.retained ? "(retainOnDelete: only leaves the state)" : "",
        ].filter((s) => s !== "");
        return `  ${SYMBOL[c.op].padEnd(2)} ${c.op.padEnd(7)} ${type(c.urn).padEnd(width)}  ${name(c.urn)}${why.length > 0 ? `  ${why.join(" ")}` : ""}`;
    });
    return [`${stack}: ${changes.length} operation(s), in order:`, ...lines];
}
