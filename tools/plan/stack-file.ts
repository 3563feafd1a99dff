/** Reading `Pulumi.<stack>.yaml` the way `pulumi config` would, without the CLI. */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT } from "../../config/model";
import { PLACEHOLDER } from "../offline/mocks";

/** One stack's config file, read. */
export interface StackFile {
    stack: string;
    file: string;
    /** Values by key without the `platform:` prefix; secrets replaced by a placeholder. */
    raw: Record<string, unknown>;
    /** The config map for the mock runtime: "platform:key" → JSON text (plain strings as is). */
    runtimeConfig: Record<string, string>;
    /** Keys of `runtimeConfig` that are secrets. */
    secretKeys: string[];
}

/** A usage or file problem that is not a config validation error. */
export class StackFileError extends Error {}

/** Reads and parses `<dir>/Pulumi.<stack>.yaml`. Encrypted values become placeholders. */
export function readStackFile(dir: string, stack: string): StackFile {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new StackFileError(`no config for stack "${stack}": ${file} does not exist`);
    }
    let doc: unknown;
    try {
        doc = parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new StackFileError(`${file} is not valid YAML: ${(e as Error).message}`);
    }
    return stackFileFromConfig(stack, file, (doc as { config?: Record<string, unknown> } | null)?.config ?? {});
}

/** A stack file from an in-memory `config:` map ("platform:key" → value), as tests build them. */
export function stackFileFromConfig(stack: string, file: string, config: Record<string, unknown>): StackFile {
    const raw: Record<string, unknown> = {};
    const runtimeConfig: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [fullKey, value] of Object.entries(config)) {
        if (!fullKey.startsWith(`${PROJECT}:`)) {
            continue;
        }
        const key = fullKey.slice(PROJECT.length + 1);
        // `pulumi config set --secret` stores {secure: <ciphertext>}; offline it cannot be decrypted.
        const secure = typeof value === "object" && value !== null && "secure" in value;
        const plain = secure ? PLACEHOLDER : value;
        raw[key] = plain;
        runtimeConfig[fullKey] = typeof plain === "string" ? plain : JSON.stringify(plain);
        if (secure) {
            secretKeys.push(fullKey);
        }
    }
    return { stack, file, raw, runtimeConfig, secretKeys };
}

/** The stack name an app stack references ("org/project/mgmt" → "mgmt"). */
export function referencedStackName(fullyQualified: string): string {
    return fullyQualified.split("/").pop() as string;
}
