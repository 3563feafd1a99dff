/**
 * Reads the stack config from the Pulumi runtime and validates it before any resource exists.
 */
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, StackConfig } from "./model";
import { DeployStage, deployStage, DeployStageError } from "./stage";
import { ConfigValidationError, RawConfig, requireValid } from "./validate";

/** Plain config keys under `platform:`; `sshPrivateKey` is read separately, as a secret. */
export const CONFIG_KEYS = ["cluster", "nodes", "network", "backend", "mgmtStack", "mesh", "security", "apiServer", "aiops"] as const;
/** The one secret key. */
export const SSH_PRIVATE_KEY = "sshPrivateKey";

/** The validated config of the running stack, and the SSH key when the ssh backend is used. */
export interface LoadedConfig {
    /** Validated, typed config. */
    config: StackConfig;
    /** Private key for the ssh backend (a Pulumi secret). */
    sshPrivateKey?: pulumi.Output<string>;
    /** What this run declares (config/stage.ts): `full` unless `npm run deploy` passes a partial stage. */
    stage: DeployStage;
}

/** Loads and validates the config and the deploy stage; throws a `pulumi.RunError` listing every problem. */
export function loadStackConfig(): LoadedConfig {
    const cfg = new pulumi.Config(PROJECT);
    const raw: RawConfig = {};
    for (const key of CONFIG_KEYS) {
        // mgmtStack is a plain string; the rest are objects.
        raw[key] = key === "mgmtStack" ? cfg.get(key) : cfg.getObject(key);
    }
    const sshPrivateKey = cfg.getSecret(SSH_PRIVATE_KEY);
    // The value must not leave the secret; validation only needs to know it is there.
    raw[SSH_PRIVATE_KEY] = sshPrivateKey === undefined ? undefined : "[secret]";
    try {
        const config = requireValid(pulumi.getStack(), raw);
        return { config, sshPrivateKey, stage: deployStage(config.role, process.env) };
    } catch (e) {
        // RunError: Pulumi prints the message alone, without a stack trace, for a config mistake.
        throw e instanceof ConfigValidationError || e instanceof DeployStageError ? new pulumi.RunError(e.message) : e;
    }
}
