// Parsers for Kubernetes resource quantities and for durations (Go, Vault and ESO syntax).

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A resource quantity ("500m", "1.5", "128Mi", "1e3") in base units, or undefined if malformed. */
export function parseQuantity(value: unknown): number | undefined {
    if (typeof value === "number") {
        return Number.isFinite(value) ? value : undefined;
    }
    if (typeof value !== "string") {
        return undefined;
    }
    const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/.exec(value.trim());
    if (!m) {
        return undefined;
    }
    const base = Number(m[1]);
    if (m[2]) {
        return base * 10 ** Number(m[2].slice(1));
    }
    const suffix = m[3] ?? "";
    return base * (BINARY[suffix] ?? DECIMAL[suffix]);
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400 };

/**
 * A duration in seconds: a number or numeric string (seconds, as Vault's `max_ttl`) or a
 * Go-style duration such as "1h", "90m", "1h30m", "720h" ("d" is accepted as Vault does).
 */
export function parseDurationSeconds(value: unknown): number | undefined {
    if (typeof value === "number") {
        return Number.isFinite(value) ? value : undefined;
    }
    if (typeof value !== "string" || value.trim() === "") {
        return undefined;
    }
    const text = value.trim();
    if (/^\d+(\.\d+)?$/.test(text)) {
        return Number(text);
    }
    const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/y;
    let total = 0;
    let matched = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
        total += Number(m[1]) * DURATION_UNITS[m[2]];
        matched = re.lastIndex;
    }
    return matched === text.length ? total : undefined;
}
