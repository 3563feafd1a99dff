// Runs the pack's policies in process, the way the Pulumi engine's analyzer does
// (@pulumi/policy 1.21 server.js), for `npm run policy:check` and `npm run plan`:
// - enforcement level: config for the policy, then config "all", then the policy's, then the pack's;
//   "disabled" skips the policy and "remediate" reports as mandatory;
// - getConfig(): the configSchema defaults merged with the policy's config, validated against the schema;
// - validateResource: every validation runs with {type, name, urn, props, opts, stackTags, isType,
//   asType, getConfig, notApplicable}, skipped when its __pulumiType differs from the resource's;
// - validateStack: PolicyResource[] with parent, dependencies and propertyDependencies resolved.
// Differences: policies must be synchronous, and props are plain values (no preview unknowns).
import Ajv from "ajv";
import {
    EnforcementLevel,
    Policies,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { packEnforcementLevel, policies as packPolicies } from "./policies";

export interface PlannedResource {
    urn: string;
    type: string;
    name: string;
    /** Parent URN. */
    parent?: string;
    /** URNs. */
    dependencies: string[];
    propertyDependencies?: Record<string, string[]>;
    /** Raw SDK inputs (the k8s SDK adds apiVersion/kind); secret values already unwrapped. */
    inputs: Record<string, unknown>;
}

/** As `pulumi preview --policy-pack-config` takes it. */
export type PackConfig = Record<string, unknown>;

export interface Violation {
    policy: string;
    level: "advisory" | "mandatory";
    urn?: string;
    type?: string;
    name?: string;
    message: string;
}

export interface EvaluateOptions {
    config?: PackConfig;
    stack?: string;
    /** Globs (`*`, `?`) on policy names; only matching policies run. */
    policyNames?: string[];
    /** The policies to run; the pack's by default. */
    policies?: Policies;
}

/** A configuration or selection error: the caller's input is wrong, not a resource. */
export class PolicyConfigError extends Error {}

class NotApplicableError extends Error {}

const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** `*` matches any run of characters, `?` one character; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
    const body = glob
        .split("")
        .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
        .join("");
    return new RegExp(`^${body}$`);
}

const isResourcePolicy = (p: Policies[number]): p is ResourceValidationPolicy => "validateResource" in p || "remediateResource" in p;

interface ResolvedPolicy {
    policy: Policies[number];
    level: "advisory" | "mandatory";
    config: Record<string, unknown>;
}

function levelOf(value: unknown, where: string): EnforcementLevel | undefined {
    const level =
        typeof value === "string" ? value : value && typeof value === "object" ? (value as { enforcementLevel?: unknown }).enforcementLevel : undefined;
    if (level === undefined) {
        return undefined;
    }
    if (!LEVELS.includes(level as EnforcementLevel)) {
        throw new PolicyConfigError(`${where}: enforcement level ${JSON.stringify(level)} is not one of ${LEVELS.join(", ")}`);
    }
    return level as EnforcementLevel;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new WeakMap<object, ReturnType<typeof ajv.compile>>();

/** The policy's options: schema defaults, then the configured values, validated against the schema. */
function optionsOf(policy: Policies[number], entry: unknown): Record<string, unknown> {
    const given: Record<string, unknown> = entry && typeof entry === "object" ? { ...(entry as object) } : {};
    delete given.enforcementLevel;
    const schema = policy.configSchema;
    if (!schema) {
        if (Object.keys(given).length > 0) {
            throw new PolicyConfigError(`config for policy ${policy.name}: it takes no options, got ${Object.keys(given).join(", ")}`);
        }
        return {};
    }
    // Nothing configured and nothing required: the defaults are the options, and compiling the
    // schema (the plan's largest fixed cost per policy) would prove nothing.
    const nothingToCheck = Object.keys(given).length === 0 && (schema.required ?? []).length === 0;
    let validate = nothingToCheck ? undefined : validators.get(schema);
    if (!validate && !nothingToCheck) {
        validate = ajv.compile({ type: "object", properties: schema.properties, required: schema.required ?? [], additionalProperties: false });
        validators.set(schema, validate);
    }
    if (validate && !validate(given)) {
        const problems = (validate.errors ?? []).map((e) => {
            const extra = e.keyword === "additionalProperties" ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : "";
            return `${e.instancePath || "/"} ${e.message}${extra}`;
        });
        throw new PolicyConfigError(`config for policy ${policy.name}: ${problems.join("; ")}`);
    }
    const defaults = Object.fromEntries(
        Object.entries(schema.properties)
            .filter(([, s]) => typeof s === "object" && s.default !== undefined)
            .map(([k, s]) => [k, structuredClone((s as { default: unknown }).default)]),
    );
    return { ...defaults, ...given };
}

/** The policies that run, with their effective level and options. Throws PolicyConfigError on bad input. */
export function resolvePolicies(config: PackConfig = {}, policyNames?: string[], policies: Policies = packPolicies): ResolvedPolicy[] {
    if (config === null || typeof config !== "object" || Array.isArray(config)) {
        throw new PolicyConfigError("policy pack config must be a JSON object");
    }
    const names = new Set(policies.map((p) => p.name));
    for (const key of Object.keys(config)) {
        if (key !== "all" && !names.has(key)) {
            throw new PolicyConfigError(`config names policy ${JSON.stringify(key)}, which is not in the pack`);
        }
    }
    const allLevel = levelOf(config.all, "config all");
    const globs = (policyNames ?? []).map((g) => ({ glob: g, re: globToRegExp(g) }));
    for (const { glob, re } of globs) {
        if (!policies.some((p) => re.test(p.name))) {
            throw new PolicyConfigError(`--policy ${JSON.stringify(glob)} matches no policy`);
        }
    }
    const resolved: ResolvedPolicy[] = [];
    for (const policy of policies) {
        const entry = config[policy.name];
        const options = optionsOf(policy, entry);
        const level = levelOf(entry, `config for policy ${policy.name}`) ?? allLevel ?? policy.enforcementLevel ?? packEnforcementLevel ?? "advisory";
        if (level === "disabled" || (globs.length > 0 && !globs.some((g) => g.re.test(policy.name)))) {
            continue;
        }
        // The engine reports a violation of a "remediate" policy as mandatory.
        resolved.push({ policy, level: level === "advisory" ? "advisory" : "mandatory", config: options });
    }
    return resolved;
}

function isTypeOf(type: string, resourceClass: unknown): boolean {
    const cls = resourceClass as { __pulumiType?: unknown; isInstance?: (o: unknown) => boolean };
    if (typeof cls.__pulumiType === "string" && cls.__pulumiType !== "") {
        return type === cls.__pulumiType;
    }
    return typeof cls.isInstance === "function" && cls.isInstance({ __pulumiType: type }) === true;
}

function optsOf(r: PlannedResource): PolicyResourceOptions {
    return {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(r.parent ? { parent: r.parent } : {}),
    };
}

const notApplicable = (reason?: string): never => {
    throw new NotApplicableError(reason);
};

function runSync(policyName: string, where: string, fn: () => void | Promise<void>): void {
    try {
        const result = fn();
        if (result && typeof (result as Promise<void>).then === "function") {
            throw new Error(`policy ${policyName} is asynchronous; in-process evaluation needs synchronous policies`);
        }
    } catch (e) {
        if (e instanceof NotApplicableError) {
            return;
        }
        throw new Error(`Error validating ${where} with policy '${policyName}': ${(e as Error).message}`, { cause: e });
    }
}

function toPolicyResources(resources: PlannedResource[]): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const list = resources.map((r) => {
        const props = r.inputs as Record<string, any>;
        const pr: PolicyResource = {
            type: r.type,
            props,
            urn: r.urn,
            name: r.name,
            opts: optsOf(r),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => isTypeOf(r.type, cls),
            asType: ((cls) => (isTypeOf(r.type, cls) ? props : undefined)) as PolicyResource["asType"],
        };
        byUrn.set(r.urn, pr);
        return pr;
    });
    resources.forEach((r, i) => {
        const pr = list[i];
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        if (parent) {
            pr.parent = parent;
        }
        pr.dependencies = r.dependencies.map((u) => byUrn.get(u)).filter((d): d is PolicyResource => d !== undefined);
        for (const [prop, urns] of Object.entries(r.propertyDependencies ?? {})) {
            pr.propertyDependencies[prop] = urns.map((u) => byUrn.get(u)).filter((d): d is PolicyResource => d !== undefined);
        }
    });
    return list;
}

/** Evaluates the policies over the resources; violations sorted by URN, then policy, then message. */
export function evaluatePolicies(resources: PlannedResource[], options: EvaluateOptions = {}): Violation[] {
    const resolved = resolvePolicies(options.config, options.policyNames, options.policies);
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const stackTags: ReadonlyMap<string, string> = new Map();
    const violations: Violation[] = [];
    const reporter =
        (policy: string, level: Violation["level"], defaultUrn?: string): ReportViolation =>
        (message, urn) => {
            const target = urn ?? defaultUrn;
            const r = target ? byUrn.get(target) : undefined;
            violations.push({ policy, level, message, ...(target ? { urn: target } : {}), ...(r ? { type: r.type, name: r.name } : {}) });
        };

    for (const { policy, level, config } of resolved) {
        const getConfig = <T extends object>() => structuredClone(config) as T;
        if (isResourcePolicy(policy)) {
            if (!policy.validateResource) {
                continue;
            }
            const validations: ResourceValidation[] = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
            for (const r of resources) {
                const report = reporter(policy.name, level, r.urn);
                for (const validation of validations) {
                    const pulumiType = (validation as { __pulumiType?: string }).__pulumiType;
                    if (pulumiType && pulumiType !== r.type) {
                        continue;
                    }
                    const props = r.inputs as Record<string, any>;
                    const args: ResourceValidationArgs = {
                        type: r.type,
                        name: r.name,
                        urn: r.urn,
                        props,
                        opts: optsOf(r),
                        stackTags,
                        isType: (cls) => isTypeOf(r.type, cls),
                        asType: ((cls) => (isTypeOf(r.type, cls) ? props : undefined)) as ResourceValidationArgs["asType"],
                        getConfig,
                        notApplicable,
                    };
                    runSync(policy.name, `resource ${r.urn}`, () => validation(args, report));
                }
            }
        } else {
            const stackPolicy = policy as StackValidationPolicy;
            const pulumiType = (stackPolicy.validateStack as { __pulumiType?: string }).__pulumiType;
            if (pulumiType && !resources.some((r) => r.type === pulumiType)) {
                continue;
            }
            const args: StackValidationArgs = { resources: toPolicyResources(resources), stackTags, getConfig, notApplicable };
            runSync(policy.name, `stack ${options.stack ?? ""}`.trim(), () => stackPolicy.validateStack(args, reporter(policy.name, level)));
        }
    }
    const key = (v: Violation) => [v.urn ?? "", v.policy, v.message];
    return violations.sort((a, b) => {
        const [ka, kb] = [key(a), key(b)];
        for (let i = 0; i < ka.length; i++) {
            if (ka[i] !== kb[i]) {
                return ka[i] < kb[i] ? -1 : 1;
            }
        }
        return 0;
    });
}
