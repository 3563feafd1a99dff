/** Shapes of what an offline run records, and helpers over secret markers. */
import { createHash } from "crypto";
import { SECRET_SIG, SIG_KEY } from "./sdk";

/**
 * The resource options that change what the engine decides, as the registration carried them.
 * Only options that are set appear; `{}` means the engine's defaults.
 */
export interface ResourceOptions {
    /** Set explicitly; unset leaves the choice to the provider (pulumi-kubernetes asks for it on named objects). */
    deleteBeforeReplace?: boolean;
    /** Input paths whose change forces a replace. */
    replaceOnChanges?: string[];
    /** Input paths whose change the engine ignores. */
    ignoreChanges?: string[];
    /** The engine refuses to delete or replace the resource. */
    protect?: boolean;
    /** Deleting removes the resource from the state only. */
    retainOnDelete?: boolean;
    /**
     * Explicit `dependsOn`, as URNs: the registration's dependencies that no input came from (the
     * request does not say which were explicit; one that is also an input's source counts as the input's).
     */
    dependsOn?: string[];
    /** URN of the explicit provider resource. */
    provider?: string;
    /** Per-operation timeouts, as given ("10m"). */
    customTimeouts?: { create?: string; update?: string; delete?: string };
    /** Former identities: URNs, or alias specs as objects. */
    aliases?: unknown[];
    /** URN of the resource whose deletion deletes this one. */
    deletedWith?: string;
}

/** One resource as the program registered it. */
export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    /** Parent URN, if any. */
    parent?: string;
    /** URNs this resource depends on (explicit and through inputs). */
    dependencies: string[];
    /** Input property → URNs it came from. */
    propertyDependencies: Record<string, string[]>;
    /** Inputs as sent to the engine; secrets still wrapped in Pulumi's secret marker. */
    inputs: Record<string, unknown>;
    /** Custom resource (true) or component (false). */
    custom: boolean;
    /** Read, not managed (`StackReference`, `.get`): the engine never creates, updates or deletes it. */
    external?: boolean;
    /** Output names the engine must store as secrets. */
    additionalSecretOutputs?: string[];
    /** Every other option the engine acts on (the runner always records them; fixtures may leave them out). */
    options?: ResourceOptions;
    /** Outputs a component registered (registerOutputs), wrapped like inputs. */
    outputs?: Record<string, unknown>;
}

/** An exported stack output. */
export interface RecordedOutput {
    value: unknown;
    secret: boolean;
}

/** The result of running one stack program offline. */
export type RunResult =
    | { ok: true; stack: string; resources: RecordedResource[]; outputs: Record<string, RecordedOutput> }
    | { ok: false; stack: string; error: string; configError: boolean };

/** What a runner sends: its stack outputs as soon as they are known, then its result. */
export type RunMessage = { outputsKnown: Record<string, RecordedOutput> } | RunResult;

function isSecretMarker(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/**
 * Replaces Pulumi's secret markers: with the value ("reveal", for policies and the simulated
 * artifacts) or with "[secret]" ("redact", for anything printed or written as JSON).
 */
export function unwrapSecrets(value: unknown, mode: "reveal" | "redact"): unknown {
    if (isSecretMarker(value)) {
        return mode === "redact" ? "[secret]" : unwrapSecrets(value.value, mode);
    }
    if (Array.isArray(value)) {
        return value.map((v) => unwrapSecrets(v, mode));
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v, mode)]));
    }
    return value;
}

/** True when the value holds a secret marker anywhere. */
export function containsSecret(value: unknown): boolean {
    if (isSecretMarker(value)) {
        return true;
    }
    if (typeof value === "object" && value !== null) {
        return Object.values(value).some(containsSecret);
    }
    return false;
}

/** A property path in Pulumi's syntax (`spec.containers[0].image`, `metadata.annotations["a.io/b"]`). */
export function propertyPath(segments: Array<string | number>): string {
    return segments
        .map((s, i) => (typeof s === "number" ? `[${s}]` : /^[A-Za-z_$][\w$-]*$/.test(s) ? (i === 0 ? s : `.${s}`) : `[${JSON.stringify(s)}]`))
        .join("");
}

/**
 * A fingerprint of each secret in the value, by property path: two plans can then tell a changed
 * secret input from an unchanged one without either holding the secret. Offline, secrets are the
 * mocks' placeholders and values derived from config, never real key material.
 */
export function secretDigests(value: unknown, at: Array<string | number> = []): Record<string, string> {
    if (isSecretMarker(value)) {
        const revealed = JSON.stringify(unwrapSecrets(value.value, "reveal"));
        return { [propertyPath(at)]: `sha256:${createHash("sha256").update(revealed).digest("hex").slice(0, 16)}` };
    }
    if (typeof value === "object" && value !== null) {
        return Object.assign({}, ...Object.entries(value).map(([k, v]) => secretDigests(v, [...at, Array.isArray(value) ? Number(k) : k])));
    }
    return {};
}
