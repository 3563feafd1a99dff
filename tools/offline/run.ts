/** Parent side of an offline run: forks `runner.ts` for one stack and returns what it recorded. */
import { fork } from "child_process";
import * as path from "path";
import { RunResult } from "./record";
import type { RunJob } from "./runner";

export type { RunJob } from "./runner";

/** Runs one stack program in a fresh process under the mock runtime. */
export function runOffline(job: RunJob): Promise<RunResult> {
    return new Promise((resolve, reject) => {
        const child = fork(path.join(__dirname, "runner.ts"), [], {
            execArgv: ["-r", "ts-node/register/transpile-only"],
            stdio: ["ignore", "inherit", "pipe", "ipc"],
        });
        let stderr = "";
        let result: RunResult | undefined;
        child.stderr?.on("data", (chunk) => (stderr += chunk));
        child.on("message", (message) => (result = message as RunResult));
        child.on("error", reject);
        child.on("exit", (code) => {
            if (result) {
                resolve(result);
            } else {
                reject(new Error(`offline run of ${job.stack} exited with ${code} and no result:\n${stderr.slice(-4000)}`));
            }
        });
        child.send(job);
    });
}
