/** Human-readable and JSON views of a plan. */
import { RecordedOutput, RecordedResource, unwrapSecrets } from "../offline/record";
import type { Violation } from "../../policy-pack/evaluate";

/** One planned stack, as `--json` writes it. */
export interface StackPlanJson {
    stack: string;
    resources: Array<{ urn: string; type: string; name: string; parent: string | null; dependencies: string[]; inputs: unknown }>;
    outputs: Record<string, unknown>;
    violations: Violation[];
}

/** The JSON view: secrets are "[secret]", parents and dependencies are URNs. */
export function stackPlanJson(stack: string, resources: RecordedResource[], outputs: Record<string, RecordedOutput>, violations: Violation[]): StackPlanJson {
    return {
        stack,
        resources: resources.map((r) => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            parent: r.parent ?? null,
            dependencies: r.dependencies,
            inputs: unwrapSecrets(r.inputs, "redact"),
        })),
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
