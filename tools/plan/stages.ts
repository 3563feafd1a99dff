/**
 * The check that makes staged deploys safe (config/stage.ts): the full stage after a partial one
 * must only add. Every resource the partial stage registers must be registered by the full program
 * exactly so: same type, parent and kind, same inputs (secret markers included) and the same
 * options the engine acts on. Otherwise the full stage would update or replace it, on the deploy's
 * critical path (which the timeline then gets wrong) or worse. Explicit `dependsOn` may differ: the
 * engine does not diff dependencies. A read (StackReference) may be the partial stage's alone.
 */
import { isDeepStrictEqual } from "util";
import { RecordedResource } from "../offline/record";

/** The fields a resource's step depends on: what makes the full stage leave it `same`. */
function stepShape(r: RecordedResource): unknown {
    const { dependsOn: _ignored, ...options } = r.options ?? {};
    return {
        type: r.type,
        parent: r.parent,
        custom: r.custom,
        external: r.external,
        inputs: r.inputs,
        additionalSecretOutputs: r.additionalSecretOutputs,
        options,
    };
}

/** The first input or option key whose value differs, for the message. */
function firstDifference(a: RecordedResource, b: RecordedResource): string {
    const shapeA = stepShape(a) as Record<string, unknown>;
    const shapeB = stepShape(b) as Record<string, unknown>;
    for (const field of Object.keys(shapeA)) {
        if (isDeepStrictEqual(shapeA[field], shapeB[field])) {
            continue;
        }
        const left = (shapeA[field] ?? {}) as Record<string, unknown>;
        const right = (shapeB[field] ?? {}) as Record<string, unknown>;
        if (typeof left === "object" && typeof right === "object") {
            const key = [...new Set([...Object.keys(left), ...Object.keys(right)])].find((k) => !isDeepStrictEqual(left[k], right[k]));
            if (key !== undefined) {
                return `${field}.${key}`;
            }
        }
        return field;
    }
    return "nothing";
}

/**
 * What is wrong with `partial` as a stage before `full`: one line per resource the full program
 * does not register, or registers differently. Empty when the full stage only adds.
 */
export function stageDrift(stage: string, partial: RecordedResource[], full: RecordedResource[]): string[] {
    const byUrn = new Map(full.map((r) => [r.urn, r]));
    const problems: string[] = [];
    for (const r of partial) {
        const later = byUrn.get(r.urn);
        if (!later && r.external) {
            // A read the full program does not make is dropped from the state, with no provider call
            // (pulumi pkg/resource/deploy/step.go DeleteStep.Apply: deleting an External resource is a no-op).
            continue;
        }
        if (!later) {
            problems.push(`${r.name} (${r.type}): the ${stage} stage registers it and the full program does not, so the full stage would delete it`);
        } else if (!isDeepStrictEqual(stepShape(r), stepShape(later))) {
            problems.push(
                `${r.name} (${r.type}): the ${stage} stage registers it differently from the full program (${firstDifference(r, later)}), so the full stage would change it`,
            );
        }
    }
    return problems;
}
