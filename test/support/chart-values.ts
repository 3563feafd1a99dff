/** Checks of chart values against a chart's own values.yaml, shared by the specs of every add-on. */

/** Keys whose value is a Kubernetes ResourceRequirements (requests/limits), which chart defaults fill only in part. */
const RESOURCE_KEY = /(^|\.)(resources|podResources|initResources)$/;

/**
 * Paths of `values` the chart's defaults do not have. A key is known when the defaults have it, or
 * when its parent is open: an empty or null default, a ResourceRequirements, or one of `open` (a
 * map of user-named entries such as Falco's `customRules`, or a subchart's values).
 */
export function unknownKeys(values: any, defaults: any, open: string[] = [], at = ""): string[] {
    if (typeof values !== "object" || values === null || Array.isArray(values)) {
        return [];
    }
    const isOpen =
        defaults === null ||
        defaults === undefined ||
        (typeof defaults === "object" && Object.keys(defaults).length === 0) ||
        open.includes(at) ||
        RESOURCE_KEY.test(at);
    if (isOpen) {
        return [];
    }
    return Object.entries(values).flatMap(([k, v]) => {
        const here = at ? `${at}.${k}` : k;
        return typeof defaults !== "object" || !(k in defaults) ? [here] : unknownKeys(v, defaults[k], open, here);
    });
}

/** Helm's merge of user values over chart defaults (maps merge, anything else replaces), which is what values.schema.json checks. */
export function coalesce(defaults: any, values: any): any {
    const isMap = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
    if (!isMap(defaults) || !isMap(values)) {
        return values === undefined ? defaults : values;
    }
    return Object.fromEntries([...new Set([...Object.keys(defaults), ...Object.keys(values)])].map((k) => [k, coalesce(defaults[k], values[k])]));
}
