/**
 * Parent side of an offline run: one fresh `runner.ts` process per stack program, started ahead
 * of its job so that loading Node, the transpiled sources and the SDK overlaps with other work.
 */
import { ChildProcess, fork } from "child_process";
import * as path from "path";
import { RecordedOutput, RunMessage, RunResult } from "./record";
import type { RunJob } from "./runner";

export type { RunJob } from "./runner";

/** The SDK packages the stack programs import: a runner loads them before its job arrives. */
const PRELOAD = ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/command", "@pulumi/random", "@pulumi/tls"];

/** A started runner process and what it has said so far. */
interface Runner {
    child: ChildProcess;
    stderr: string[];
    result?: RunResult;
    exited: Promise<number | null>;
    /** Called with the stack outputs once they are known, before the run ends. */
    onOutputs?: (outputs: Record<string, RecordedOutput>) => void;
}

/** Started runners no job has taken yet. */
const spares: Runner[] = [];

/** Handles that would keep the parent alive while the runner waits as a spare. */
function handles(child: ChildProcess): Array<{ ref(): void; unref(): void }> {
    return [child, child.channel, child.stderr as unknown as { ref(): void; unref(): void } | null].filter((h) => h !== null && h !== undefined);
}

function startRunner(): Runner {
    const child = fork(path.join(__dirname, "runner.ts"), PRELOAD, {
        execArgv: ["-r", path.join(__dirname, "register.cjs")],
        stdio: ["ignore", "inherit", "pipe", "ipc"],
    });
    const runner: Runner = { child, stderr: [], exited: new Promise((resolve) => child.once("close", resolve)) };
    child.on("error", (e) => runner.stderr.push(`${e.message}\n`));
    child.stderr?.on("data", (chunk) => runner.stderr.push(String(chunk)));
    child.on("message", (message: RunMessage) => ("outputsKnown" in message ? runner.onOutputs?.(message.outputsKnown) : (runner.result = message)));
    // A spare exits on its own when the parent goes away (runner.ts); it must not keep it alive.
    handles(child).forEach((h) => h.unref());
    return runner;
}

/** Starts runners until `count` spares wait, for the runs that follow. */
export function startRunners(count: number): void {
    while (spares.length < count) {
        spares.push(startRunner());
    }
}

/**
 * Runs one stack program in a fresh process under the mock runtime. `onOutputs` hears the stack
 * outputs as soon as the program has resolved them, while its last registrations still run.
 */
export async function runOffline(job: RunJob, onOutputs?: (outputs: Record<string, RecordedOutput>) => void): Promise<RunResult> {
    const runner = spares.shift() ?? startRunner();
    runner.onOutputs = onOutputs;
    handles(runner.child).forEach((h) => h.ref());
    if (runner.child.connected) {
        runner.child.send(job);
    }
    const code = await runner.exited;
    if (!runner.result) {
        throw new Error(`offline run of ${job.stack} exited with ${code} and no result:\n${runner.stderr.join("").slice(-4000)}`);
    }
    return runner.result;
}
