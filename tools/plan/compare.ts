/**
 * `--compare-to`: what `pulumi up` would do to go from an earlier plan to this one, modelled on
 * the engine's step generator (pulumi/pulumi pkg/resource/deploy/step_generator.go):
 *
 * - resources register in dependency order; each one the old plan has is diffed by its
 *   provider's rule (diff.ts), after `ignoreChanges` and with `replaceOnChanges`;
 * - the outputs of a resource created or replaced are unknown until it runs, so every input that
 *   came from it (propertyDependencies) counts as changed, and a resource whose provider is
 *   replaced is replaced too (`providerChanged`);
 * - a replace creates the new copy in place and deletes the old one with the other deletes at
 *   the end, unless delete-before-replace (the option, else the provider's answer): then the old
 *   copy goes first, after the dependents that must be replaced with it
 *   (`calculateDependentReplacements`), in reverse dependency order;
 * - deletes run in reverse dependency order of the old plan.
 *
 * Mock outputs are deterministic, so a value that flows through an updated resource shows up as
 * an input difference on its own.
 */
import type { Change, ResourcePlanJson, StackPlanJson } from "./report";
import { changedPaths, PathSegments, providerRule, replacedByOption, withoutIgnored } from "./diff";

/** The stack's config guard: the command whose update refuses a config change it cannot apply. */
export interface ConfigGuard {
    /** Resource name (`<stack>-config-guard`, config/guard.ts). */
    name: string;
    /** Messages for the changes the guard refuses between two of its environments; none when it accepts. */
    refusals(previous: Record<string, string>, wanted: Record<string, string>): string[];
}

/** The operations of one stack, or why the engine stops before running any. */
export interface StackChanges {
    changes: Change[];
    refused: string[];
}

type Resource = ResourcePlanJson & { inputs: Record<string, unknown> };

/** What a resource depends on: its dependencies, provider and deletedWith, and its parent unless `withParent` is false. */
function prerequisites(r: Resource, withParent = true): string[] {
    const parent = withParent && r.parent ? [r.parent] : [];
    return [...r.dependencies, ...parent, ...(r.options.provider ? [r.options.provider] : []), ...(r.options.deletedWith ? [r.options.deletedWith] : [])];
}

/** A deterministic dependency order: each resource after what it waits for, ties by URN. */
function dependencyOrder(resources: Resource[]): Resource[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const done = new Set<string>();
    const ordered: Resource[] = [];
    const visit = (r: Resource, path: Set<string>) => {
        if (done.has(r.urn)) {
            return;
        }
        if (path.has(r.urn)) {
            throw new Error(`dependency cycle through ${r.urn}`);
        }
        path.add(r.urn);
        for (const urn of [...prerequisites(r)].sort()) {
            const dep = byUrn.get(urn);
            if (dep) {
                visit(dep, path);
            }
        }
        path.delete(r.urn);
        done.add(r.urn);
        ordered.push(r);
    };
    [...resources].sort((a, b) => a.urn.localeCompare(b.urn)).forEach((r) => visit(r, new Set()));
    return ordered;
}

const topKeys = (paths: PathSegments[]) => [...new Set(paths.map((p) => String(p[0])))].sort();

/** The diff of one resource: changed keys, and the keys that replace it (empty: update). */
interface Decision {
    keys: string[];
    replaceKeys: string[];
    deleteBeforeReplace: boolean;
}

/**
 * Diffs `old` against `now` as the engine would: a replaced provider, or another provider
 * resource, replaces (the engine spares a resource whose new provider's DiffConfig finds the same
 * cluster; this model does not look); a component (no provider) updates when its inputs differ;
 * a custom resource asks its provider's rule.
 */
function decide(old: Resource, now: Resource, unknown: Set<string>): Decision {
    if (now.options.provider && (unknown.has(now.options.provider) || now.options.provider !== old.options.provider)) {
        return { keys: ["provider"], replaceKeys: ["provider"], deleteBeforeReplace: false };
    }
    const unknownKeys = Object.entries(now.propertyDependencies)
        .filter(([, urns]) => urns.some((u) => unknown.has(u)))
        .map(([k]) => [k]);
    const changed = withoutIgnored([...changedPaths(old, now), ...unknownKeys], now.options.ignoreChanges);
    if (changed.length === 0) {
        return { keys: [], replaceKeys: [], deleteBeforeReplace: false };
    }
    if (!now.custom) {
        return { keys: topKeys(changed), replaceKeys: [], deleteBeforeReplace: false };
    }
    const rule = providerRule(now.type);
    if (!rule) {
        throw new Error(
            `--compare-to: no diff rule for ${now.type} (${now.name}, changed: ${topKeys(changed).join(", ")}); add its provider's rule to tools/plan/diff.ts`,
        );
    }
    const diff = rule({ type: now.type, old, now, changed });
    const replaces = [...diff.replaces, ...replacedByOption(changed, now.options.replaceOnChanges)];
    return { keys: topKeys(changed), replaceKeys: topKeys(replaces), deleteBeforeReplace: diff.deleteBeforeReplace === true };
}

/** Resources of the old plan that depend on `root`, transitively and not as children, in dependency order (`DependingOn`). */
function dependentsOf(root: Resource, oldOrder: Resource[]): Resource[] {
    const reached = new Set([root.urn]);
    return oldOrder.filter((r) => r.urn !== root.urn && prerequisites(r, false).some((u) => reached.has(u)) && reached.add(r.urn));
}

/** The guard's refusal of this change, if it has one. */
function refusedByGuard(guard: ConfigGuard | undefined, olds: Map<string, Resource>, news: Resource[]): string[] {
    const now = guard && news.find((r) => r.name === guard.name);
    const old = now && olds.get(now.urn);
    if (!guard || !now || !old) {
        return [];
    }
    const env = (r: Resource) => (r.inputs.environment ?? {}) as Record<string, string>;
    return guard.refusals(env(old), env(now));
}

/** Why the engine refuses to touch a protected resource (step_generator.go). */
function protectedRefusal(old: Resource, op: "delete" | "replace"): string[] {
    return old.options.protect
        ? [`${old.name}: unable to ${op} it: it is marked for protection (protect: true); remove protect in the program, run pulumi up, then make the change`]
        : [];
}

/** The engine's operations to go from `old` (an earlier plan of the stack, or none) to `now`. */
export function compareStack(old: StackPlanJson | undefined, now: StackPlanJson, guard?: ConfigGuard): StackChanges {
    const oldResources = (old?.resources ?? []) as Resource[];
    const newResources = now.resources as Resource[];
    if (oldResources.some((r) => r.options === undefined)) {
        throw new Error(`--compare-to: the earlier plan of ${now.stack} has no resource options; write it again with this version of npm run plan -- --json`);
    }
    const olds = new Map(oldResources.map((r) => [r.urn, r]));
    const news = new Set(newResources.map((r) => r.urn));
    const guardSays = refusedByGuard(guard, olds, newResources);
    if (guardSays.length > 0) {
        return { changes: [], refused: guardSays };
    }

    const oldOrder = dependencyOrder(oldResources);
    const changes: Change[] = [];
    const refused: string[] = [];
    /** URNs whose outputs are unknown in this run: created or replaced. */
    const unknown = new Set<string>();
    /** Old copies deleted already, by a delete-before-replace, with the keys that made them go. */
    const deletedEarly = new Map<string, string[]>();
    const pendingDeletes = new Set<string>();
    const registered = new Set<string>();
    const deleteOf = (r: Resource, keys: string[]): Change => ({
        urn: r.urn,
        op: "delete",
        keys,
        replaced: true,
        ...(r.options.retainOnDelete ? { retained: true } : {}),
    });

    for (const r of dependencyOrder(newResources)) {
        registered.add(r.urn);
        const o = olds.get(r.urn);
        if (r.external) {
            continue;
        }
        if (!o) {
            unknown.add(r.urn);
            changes.push({ urn: r.urn, op: "create", keys: [] });
            continue;
        }
        const early = deletedEarly.get(r.urn);
        const decision = decide(o, r, unknown);
        if (early || decision.replaceKeys.length > 0) {
            refused.push(...protectedRefusal(o, "replace"));
            unknown.add(r.urn);
            const keys = [...new Set([...decision.keys, ...(early ?? [])])].sort();
            if (early) {
                changes.push({ urn: r.urn, op: "replace", keys });
            } else if (r.options.deleteBeforeReplace ?? decision.deleteBeforeReplace) {
                const dependents = dependentReplacements(o, oldOrder, registered);
                for (const [d, dKeys] of [...dependents].reverse()) {
                    if (!deletedEarly.has(d.urn)) {
                        refused.push(...protectedRefusal(d, "replace"));
                        deletedEarly.set(d.urn, dKeys);
                        changes.push(deleteOf(d, dKeys));
                    }
                }
                changes.push(deleteOf(o, decision.replaceKeys), { urn: r.urn, op: "replace", keys });
            } else {
                pendingDeletes.add(o.urn);
                changes.push({ urn: r.urn, op: "replace", keys });
            }
        } else if (decision.keys.length > 0) {
            const runs = r.type.startsWith("command:") ? { runs: typeof r.inputs.update === "string" ? ("update" as const) : ("create" as const) } : {};
            changes.push({ urn: r.urn, op: "update", keys: decision.keys, ...runs });
        }
    }

    for (const o of [...oldOrder].reverse()) {
        if (o.external || deletedEarly.has(o.urn)) {
            continue;
        }
        if (pendingDeletes.has(o.urn)) {
            changes.push(deleteOf(o, []));
        } else if (!news.has(o.urn)) {
            refused.push(...protectedRefusal(o, "delete"));
            changes.push({ urn: o.urn, op: "delete", keys: [], ...(o.options.retainOnDelete ? { retained: true } : {}) });
        }
    }
    return refused.length > 0 ? { changes: [], refused } : { changes, refused: [] };
}

/**
 * The old resources that must go before `root` when it is deleted first: its dependents whose
 * provider is replaced, or whose inputs from the replaced resources would replace them
 * (step_generator.go calculateDependentReplacements). Resources registered already cannot depend on it.
 */
function dependentReplacements(root: Resource, oldOrder: Resource[], registered: Set<string>): Array<[Resource, string[]]> {
    const replaceSet = new Set([root.urn]);
    const found: Array<[Resource, string[]]> = [];
    for (const d of dependentsOf(root, oldOrder)) {
        if (!d.custom || d.external || registered.has(d.urn)) {
            continue;
        }
        // The old inputs against themselves, with every input from the replace set unknown.
        const keys = decide(d, d, replaceSet).replaceKeys;
        if (keys.length > 0) {
            replaceSet.add(d.urn);
            found.push([d, keys]);
        }
    }
    return found;
}
