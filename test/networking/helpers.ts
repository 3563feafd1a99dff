// Shared helpers of the networking specs: the three stacks' validated configs and the upstream
// schemas beside the repository (../shared/schemas), compiled with ajv.
import * as fs from "fs";
import * as path from "path";
import Ajv, { ValidateFunction } from "ajv";
import { parse } from "yaml";
import { StackConfig } from "../../config/model";
import { requireValid } from "../../config/validate";
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

// CRDs and chart schemas carry x-kubernetes-* and other non-standard keywords.
// Formats (int64, date-time...) are not checked: ajv-formats is not a dependency.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

export function compile(schema: object): ValidateFunction {
    return ajv.compile(schema);
}

/** The openAPIV3Schema of the CRD version an object's apiVersion names. */
export function crdValidator(file: string, apiVersion: string): ValidateFunction {
    const crd = parse(fs.readFileSync(path.join(SCHEMAS, "crds", file), "utf8"));
    const version = apiVersion.split("/")[1];
    const entry = crd.spec.versions.find((v: { name: string; served: boolean }) => v.name === version && v.served);
    if (!entry) {
        throw new Error(`${file} does not serve ${apiVersion}`);
    }
    return compile(entry.schema.openAPIV3Schema);
}

export function errorsOf(validate: ValidateFunction): string {
    return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
}

/** A fixed, non-secret CA text for rendering values in tests. */
export const TEST_CA = { certPem: "-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n", keyPem: "-----BEGIN RSA PRIVATE KEY-----\ntest\n-----END RSA PRIVATE KEY-----\n" };
