/** Shapes of what an offline run records, and helpers over secret markers. */

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
    /** Output names the engine must store as secrets. */
    additionalSecretOutputs?: string[];
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

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

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
