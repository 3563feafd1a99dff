/**
 * Vault's init and unseal steps: one small node program, run by a `command.local.Command` on the
 * machine that runs Pulumi against `https://<vaultIp>:8200` with the listener CA (the route the
 * Vault provider takes too), so it needs no curl, jq or kubectl. `npm run vault:unseal`
 * (tools/vault/unseal.ts) calls the same function in process.
 *
 * `runVaultStep` is self-contained on purpose (no imports, no module state): the Commands run its
 * own source under node (`renderStepProgram`), as config/guard.ts does with its program.
 */
import type * as http from "http";
import type * as https from "https";

/** Type of the component; the offline mocks recognise its init Command by it. */
export const VAULT_PKI_TYPE = "platform:trust:VaultPki";

/** The role in the init Command's name (`<component>-init`). */
export const INIT_ROLE = "init";

/** How long a step waits for Vault's API: the first start pulls the image and binds the volume. */
export const STEP_WAIT_SECONDS = 600;

/** The names mgmt exports the component's outputs under; `npm run vault:unseal` reads them. */
export const VAULT_STACK_OUTPUTS = {
    address: "vaultAddress",
    serverCaPem: "vaultServerCaPem",
    unsealKey: "vaultUnsealKey",
    rootToken: "vaultRootToken",
} as const;

/** The two steps. */
export type VaultStep = "init" | "unseal";

/**
 * What a step's program reads from its environment:
 * VAULT_ADDR (http or https URL), VAULT_CACERT_PEM (the listener CA, required for https),
 * VAULT_UNSEAL_KEY (unseal only, a secret), VAULT_WAIT_SECONDS (how long to wait for Vault, 600)
 * and VAULT_RETRY_SECONDS (pause between attempts, 5).
 */
export type VaultStepEnv = Record<string, string | undefined>;

/** What the program is given: Node's http and https modules, its environment and its two streams. */
export interface VaultStepIo {
    http: typeof http;
    https: typeof https;
    env: VaultStepEnv;
    /** stdout: the init result (secret), or a one-line unseal status. */
    out(text: string): void;
    /** stderr: progress and errors, never a key or token. */
    err(text: string): void;
}

/** What the init step prints on stdout: Vault's own field names (PUT /v1/sys/init). */
export interface InitOutput {
    unseal_keys_b64: string[];
    root_token: string;
}

/**
 * Runs one step against Vault's HTTP API and resolves with the exit code.
 *
 * init: waits for the API (GET /v1/sys/init), then initialises with one key share and prints the
 * key and root token as JSON. Vault already initialised means the state that held its keys is
 * gone: it refuses, saying how to recover, and never initialises again.
 *
 * unseal: waits for the API, posts the key only when GET /v1/sys/seal-status says sealed (so it
 * can run any number of times), then waits until GET /v1/sys/health answers 200 (initialised,
 * unsealed, active).
 */
export async function runVaultStep(step: VaultStep, io: VaultStepIo): Promise<number> {
    const address = (io.env.VAULT_ADDR ?? "").replace(/\/+$/, "");
    const ca = io.env.VAULT_CACERT_PEM;
    const waitSeconds = Number(io.env.VAULT_WAIT_SECONDS ?? "600");
    const retrySeconds = Number(io.env.VAULT_RETRY_SECONDS ?? "5");
    const fail = (message: string): number => {
        io.err(`vault ${step}: ${message}\n`);
        return 1;
    };
    if (!/^https?:\/\/[^/]+$/.test(address)) {
        return fail(`VAULT_ADDR must be an http(s) URL without a path, not ${JSON.stringify(address)}`);
    }
    if (address.startsWith("https:") && !ca) {
        return fail("VAULT_CACERT_PEM (the listener CA) is required for an https address");
    }
    type Reply = { status: number; body: Record<string, any> };
    // Vault's error bodies are {"errors": [...]}; they never echo a request body (the key).
    const why = (reply: Reply): string =>
        Array.isArray(reply.body.errors) && reply.body.errors.length > 0 ? reply.body.errors.join("; ") : `HTTP ${reply.status}`;
    const call = (method: string, path: string, payload?: unknown): Promise<Reply> =>
        new Promise((resolve, reject) => {
            const url = new URL(`${address}${path}`);
            const body = payload === undefined ? undefined : JSON.stringify(payload);
            const headers: Record<string, string | number> =
                body === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(body) };
            const options = { method, headers, timeout: 10_000, ...(url.protocol === "https:" ? { ca } : {}) };
            const request = (url.protocol === "https:" ? io.https : io.http).request(url, options, (response) => {
                let text = "";
                response.setEncoding("utf8");
                response.on("data", (chunk: string) => (text += chunk));
                response.on("end", () => {
                    let parsed: Record<string, any>;
                    try {
                        parsed = text.trim() === "" ? {} : JSON.parse(text);
                    } catch {
                        parsed = {};
                    }
                    resolve({ status: response.statusCode ?? 0, body: parsed ?? {} });
                });
            });
            request.on("timeout", () => request.destroy(new Error("no answer within 10 s")));
            request.on("error", reject);
            request.end(body);
        });
    const started = Date.now();
    // Retries (connection refused while MetalLB assigns the IP, 5xx while the pod starts) until `ok` holds or the time is up.
    const waitFor = async (what: string, path: string, ok: (reply: Reply) => boolean): Promise<Reply | undefined> => {
        for (;;) {
            let last: string;
            try {
                const reply = await call("GET", path);
                if (ok(reply)) {
                    return reply;
                }
                last = why(reply);
            } catch (e) {
                last = (e as Error).message;
            }
            const elapsed = (Date.now() - started) / 1000;
            if (elapsed + retrySeconds > waitSeconds) {
                fail(
                    `timed out after ${Math.round(elapsed)} s waiting for ${what} at ${address} (last answer: ${last}). ` +
                        "Check the pod and its LoadBalancer Service: kubectl -n vault get pods,svc,pvc; kubectl -n vault logs vault-0",
                );
                return undefined;
            }
            io.err(`vault ${step}: waiting for ${what} at ${address} (${last}); ${Math.round(elapsed)} s of ${waitSeconds} s\n`);
            await new Promise((resolve) => setTimeout(resolve, retrySeconds * 1000));
        }
    };
    try {
        if (step === "init") {
            const status = await waitFor("the API", "/v1/sys/init", (r) => r.status === 200 && typeof r.body.initialized === "boolean");
            if (!status) {
                return 1;
            }
            if (status.body.initialized) {
                return fail(
                    `Vault at ${address} is already initialised, but this step has no record of its keys (its state is lost, or the ` +
                        "volume outlived an earlier stack). Refusing to initialise again. Either restore the stack's state (pulumi stack " +
                        "import of a backup), so the recorded keys come back; or, losing every Vault secret, delete the retained data: " +
                        "kubectl -n vault delete statefulset vault; kubectl -n vault delete pvc data-vault-0; kubectl delete pv <its " +
                        "Released volume> and remove that volume's directory on the node (local-path-retain keeps it); then pulumi up again.",
                );
            }
            const reply = await call("PUT", "/v1/sys/init", { secret_shares: 1, secret_threshold: 1 });
            const keys = reply.body.keys_base64;
            if (reply.status !== 200 || !Array.isArray(keys) || keys.length !== 1 || typeof reply.body.root_token !== "string") {
                return fail(`PUT /v1/sys/init failed: ${why(reply)}`);
            }
            const output: InitOutput = { unseal_keys_b64: keys, root_token: reply.body.root_token };
            io.out(JSON.stringify(output));
            return 0;
        }
        const key = io.env.VAULT_UNSEAL_KEY;
        if (!key) {
            return fail("VAULT_UNSEAL_KEY is empty");
        }
        const seal = await waitFor("the API", "/v1/sys/seal-status", (r) => r.status === 200 && typeof r.body.sealed === "boolean");
        if (!seal) {
            return 1;
        }
        if (seal.body.initialized === false) {
            return fail(`Vault at ${address} is not initialised; its init step (pulumi up -s mgmt) initialises it`);
        }
        if (seal.body.sealed) {
            const reply = await call("PUT", "/v1/sys/unseal", { key });
            if (reply.status !== 200 || reply.body.sealed !== false) {
                return fail(`the unseal key was not accepted: ${why(reply)}. Is it the key of this Vault (the mgmt stack's output)?`);
            }
            io.err(`vault ${step}: unsealed ${address}\n`);
        } else {
            io.err(`vault ${step}: ${address} is already unsealed\n`);
        }
        const health = await waitFor("an active, unsealed Vault", "/v1/sys/health", (r) => r.status === 200);
        if (!health) {
            return 1;
        }
        io.out(`unsealed and active: ${address}`);
        return 0;
    } catch (e) {
        return fail((e as Error).message);
    }
}

/** The program a step's Command runs with `node -`: `runVaultStep`'s own source and the call. */
export function renderStepProgram(step: VaultStep): string {
    return [
        "// A Vault step of components/vault-pki/steps.ts, generated: edit it there.",
        `const runVaultStep = ${runVaultStep.toString()};`,
        'const io = { http: require("http"), https: require("https"), env: process.env, out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };',
        `runVaultStep(${JSON.stringify(step)}, io).then((code) => { process.exitCode = code; });`,
        "",
    ].join("\n");
}

/** The init step's result, as the component uses it. */
export interface InitResult {
    unsealKey: string;
    rootToken: string;
}

/** Parses what the init step printed; errors never quote it (it holds the key). */
export function parseInitOutput(stdout: string): InitResult {
    let parsed: Partial<InitOutput>;
    try {
        parsed = JSON.parse(stdout) as Partial<InitOutput>;
    } catch {
        throw new Error("the Vault init step's output is not JSON; its recorded state is damaged (restore the stack's state)");
    }
    const key = parsed.unseal_keys_b64?.[0];
    if (typeof key !== "string" || key === "" || typeof parsed.root_token !== "string" || parsed.root_token === "") {
        throw new Error("the Vault init step's output has no unseal key or root token; its recorded state is damaged (restore the stack's state)");
    }
    return { unsealKey: key, rootToken: parsed.root_token };
}
