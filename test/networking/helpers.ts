// Shared helpers of the networking and add-on specs: the three stacks' validated configs and the
// upstream schemas beside the repository (../shared/schemas), compiled with ajv.
import * as fs from "fs";
import * as path from "path";
import Ajv, { ValidateFunction } from "ajv";
import { parse, parseAllDocuments } from "yaml";
import { StackConfig } from "../../config/model";
import { requireValid } from "../../config/validate";
import { RecordedResource } from "../../tools/offline/record";
import { readStackFile } from "../../tools/plan/stack-file";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const SCHEMAS = path.resolve(REPO_ROOT, "..", "shared", "schemas");
export const STACKS = ["mgmt", "app1", "app2"];

/** Skips the suite, saying why, when the upstream schemas are absent. */
export function requireSchemas(ctx: Mocha.Context): string {
    if (!fs.existsSync(SCHEMAS)) {
        console.log(`      skipped: ${SCHEMAS} not found (the upstream schemas are only present in CI and on dev machines)`);
        ctx.skip();
    }
    return SCHEMAS;
}

/** The validated config of every stack file in the repository. */
export function stackConfigs(): Map<string, StackConfig> {
    return new Map(STACKS.map((s) => [s, requireValid(s, readStackFile(REPO_ROOT, s).raw)]));
}

/**
 * CRD patterns are Go RE2, as the API server runs them; RE2's one-letter Unicode classes (`\PC`,
 * `\pL`) are written `\P{C}`, `\p{L}` in JavaScript's unicode mode, and a leading `(?i)` (the
 * PrometheusRule CRD's) is JavaScript's `i` flag.
 */
const re2 = Object.assign(
    (pattern: string, flags: string) => {
        const insensitive = /^\^?\(\?i\)/.test(pattern);
        const body = pattern.replace(/^(\^?)\(\?i\)/, "$1").replace(/\\([pP])([A-Z])/g, "\\$1{$2}");
        return new RegExp(body, insensitive ? `${flags}i` : flags);
    },
    { code: "re2" },
);

// CRDs and chart schemas carry x-kubernetes-* and other non-standard keywords.
// Formats (int64, date-time...) are not checked: ajv-formats is not a dependency.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: re2 } });

export function compile(schema: object): ValidateFunction {
    return ajv.compile(schema);
}

/**
 * A schema as the API server applies it with field validation `Strict` (kubectl's default since
 * 1.27): unknown fields are errors, except under x-kubernetes-preserve-unknown-fields. Plain JSON
 * Schema would accept any unknown field, so a misspelt key would pass.
 */
export function strictStructural(schema: any): any {
    if (Array.isArray(schema)) {
        return schema.map(strictStructural);
    }
    if (schema === null || typeof schema !== "object") {
        return schema;
    }
    const out: any = Object.fromEntries(
        Object.entries(schema).map(([k, v]) => [k, k === "enum" || k === "default" || k === "example" ? v : strictStructural(v)]),
    );
    if (out.type === "object" && out.properties && out.additionalProperties === undefined && !out["x-kubernetes-preserve-unknown-fields"]) {
        out.additionalProperties = false;
    }
    return out;
}

/** The openAPIV3Schema of the CRD version an object's apiVersion names. */
export function crdValidator(file: string, apiVersion: string): ValidateFunction {
    const crd = parse(fs.readFileSync(path.join(SCHEMAS, "crds", file), "utf8"));
    return compile(servedSchema(crd, apiVersion, file));
}

function servedSchema(crd: any, apiVersion: string, where: string): object {
    const version = apiVersion.split("/")[1];
    const entry = crd.spec.versions.find((v: { name: string; served: boolean }) => v.name === version && v.served);
    if (!entry) {
        throw new Error(`${where} does not serve ${apiVersion}`);
    }
    return entry.schema.openAPIV3Schema;
}

const strictValidators = new Map<string, ValidateFunction | undefined>();

/**
 * The strict validator of `apiVersion`/`kind` from the upstream CRDs in ../shared/schemas/crds, or
 * undefined when no CRD there defines that group and kind. Only files that name the group are parsed.
 */
export function strictCrdValidator(apiVersion: string, kind: string): ValidateFunction | undefined {
    const key = `${apiVersion} ${kind}`;
    if (!strictValidators.has(key)) {
        const group = apiVersion.split("/")[0];
        const dir = path.join(SCHEMAS, "crds");
        const files = fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => /\.ya?ml$/.test(f));
        let found: ValidateFunction | undefined;
        for (const file of files) {
            const text = fs.readFileSync(path.join(dir, file), "utf8");
            if (!new RegExp(`^  group: ${group.replace(/\./g, "\\.")}$`, "m").test(text)) {
                continue;
            }
            for (const crd of parseAllDocuments(text).map((d) => d.toJS())) {
                if (crd?.spec?.group === group && crd.spec.names.kind === kind) {
                    found = compile(strictStructural(servedSchema(crd, apiVersion, file)));
                }
            }
        }
        strictValidators.set(key, found);
    }
    return strictValidators.get(key);
}

export function errorsOf(validate: ValidateFunction): string {
    return (validate.errors ?? [])
        .map((e) => `${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${e.params.additionalProperty})` : ""}`)
        .join("; ");
}

const chartValidators = new Map<string, ValidateFunction>();

/**
 * A chart's values.schema.json from ../shared/schemas, compiled as draft-07 (some declare the https
 * form of the draft-07 URI, which ajv does not know), once per file: a schema with an `$id` may be
 * added to the validator only once.
 */
export function chartSchemaValidator(file: string): ValidateFunction {
    let validate = chartValidators.get(file);
    if (!validate) {
        const { $schema, ...schema } = JSON.parse(fs.readFileSync(path.join(SCHEMAS, file), "utf8"));
        if ($schema !== undefined && !/draft-07/.test($schema)) {
            throw new Error(`${file} declares ${$schema}; compile it with a validator of that draft`);
        }
        validate = compile(schema);
        chartValidators.set(file, validate);
    }
    return validate;
}

/** Custom resources of a plan: what `k8s.apiextensions.CustomResource` registered (type `kubernetes:<group>/<version>:<Kind>` of a non-core group). */
export function customResources(resources: RecordedResource[]): RecordedResource[] {
    const builtIn = [
        "core",
        "apps",
        "batch",
        "policy",
        "helm.sh",
        "rbac.authorization.k8s.io",
        "networking.k8s.io",
        "storage.k8s.io",
        "apiextensions.k8s.io",
        "admissionregistration.k8s.io",
    ];
    return resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && !builtIn.includes(r.type.slice("kubernetes:".length).split("/")[0]));
}

/**
 * Components only a provider can expand (yaml/v2, helm.sh/v4 Chart, kustomize/v2): any component
 * that is not the platform's own. Their children exist only under the real engine, where neither
 * the offline plan nor a preview with the cluster down sees them.
 */
export function providerBuiltComponents(resources: RecordedResource[]): RecordedResource[] {
    return resources.filter((r) => !r.custom && !r.type.startsWith("platform:") && r.type !== "pulumi:pulumi:Stack");
}

/** The helm.v3.Release of a chart in a plan. */
export function releaseOf(resources: RecordedResource[], chart: string): RecordedResource {
    const found = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === chart);
    if (!found) {
        throw new Error(`no release of chart ${chart}`);
    }
    return found;
}

/** Strings for rendering values in tests; the key is what the component passes as a secret. */
export const TEST_CA = {
    cert: Buffer.from("-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n").toString("base64"),
    key: Buffer.from("test key").toString("base64"),
};
