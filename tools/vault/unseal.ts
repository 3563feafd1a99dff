/**
 * `npm run vault:unseal [-- --stack NAME]`: unseals mgmt's Vault after a pod restart (Shamir
 * seals it on every start; the platform keeps the key out of the cluster). It reads the stack's
 * outputs through the Automation API (the `pulumi` CLI and PULUMI_CONFIG_PASSPHRASE, as for
 * `npm run deploy`) and runs the unseal step's own program in process: seal status first, the key
 * only if sealed, then wait until Vault is active. The key goes from the state to Vault's API and
 * is never printed. Exit 0 when unsealed, 1 on failure, 2 on usage errors.
 */
import * as http from "http";
import * as https from "https";
import * as path from "path";
import type { OutputMap } from "@pulumi/pulumi/automation";
import { runVaultStep, STEP_WAIT_SECONDS, VAULT_STACK_OUTPUTS, VaultStepEnv, VaultStepIo } from "../../components/vault-pki/steps";
import { backendUrl } from "../deploy/environment";
import { automationWorkspace, StackWorkspace } from "../deploy/workspace";

const ROOT = path.resolve(__dirname, "../..");

/** A command line this tool does not take. */
export class UsageError extends Error {}

/** The stack whose Vault to unseal: `--stack NAME`, or mgmt. */
export function parseUnsealArgs(argv: string[]): string {
    if (argv.length === 0) {
        return "mgmt";
    }
    if (argv.length === 2 && argv[0] === "--stack" && argv[1] !== "" && !argv[1].startsWith("-")) {
        return argv[1];
    }
    throw new UsageError("usage: npm run vault:unseal [-- --stack NAME]");
}

/**
 * The unseal step's environment from a stack's outputs. Errors name the missing output, never a
 * value; the key must be a secret output, or the state held it in the clear.
 */
export function unsealEnvironment(stack: string, outputs: OutputMap): VaultStepEnv {
    const read = (name: string, secret: boolean): string => {
        const output = outputs[name];
        if (output === undefined || typeof output.value !== "string" || output.value === "") {
            throw new Error(`the ${stack} stack has no ${name} output; run \`pulumi up -s ${stack}\` first (it creates Vault and records its key)`);
        }
        if (secret && !output.secret) {
            throw new Error(`the ${stack} stack exports ${name} as a plain output; it must be a secret (pulumi.secret)`);
        }
        return output.value;
    };
    return {
        VAULT_ADDR: read(VAULT_STACK_OUTPUTS.address, false),
        VAULT_CACERT_PEM: read(VAULT_STACK_OUTPUTS.serverCaPem, false),
        VAULT_UNSEAL_KEY: read(VAULT_STACK_OUTPUTS.unsealKey, true),
        VAULT_WAIT_SECONDS: String(STEP_WAIT_SECONDS),
    };
}

/** Reads the outputs and unseals; resolves with the exit code. */
export async function unseal(argv: string[], workspace: () => Promise<Pick<StackWorkspace, "outputs">>, io: Pick<VaultStepIo, "out" | "err">): Promise<number> {
    let stack: string;
    try {
        stack = parseUnsealArgs(argv);
    } catch (e) {
        io.err(`${(e as Error).message}\n`);
        return 2;
    }
    let env: VaultStepEnv;
    try {
        env = unsealEnvironment(stack, await (await workspace()).outputs(stack));
    } catch (e) {
        io.err(`vault unseal: ${(e as Error).message}\n`);
        return 1;
    }
    const code = await runVaultStep("unseal", { http, https, env, ...io });
    io.out("\n");
    return code;
}

if (require.main === module) {
    unseal(process.argv.slice(2), () => automationWorkspace({ root: ROOT, backend: backendUrl(process.env, ROOT), color: false }), {
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
    }).then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(`vault unseal: ${e.message}\n`);
            process.exit(1);
        },
    );
}
