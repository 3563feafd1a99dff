/** Runs program.ts once per mocha process under the offline mocks. */
import * as path from "path";
import { runOffline } from "../../../tools/offline/run";
import { RunResult } from "../../../tools/offline/record";

export type LogsRun = Extract<RunResult, { ok: true }>;

let run: Promise<LogsRun> | undefined;

export function runLogsProgram(): Promise<LogsRun> {
    run ??= runOffline({
        project: "platform",
        stack: "test",
        program: path.join(__dirname, "program.ts"),
        config: {},
        secretKeys: [],
        simulatedIps: {},
        stackReferences: {},
    }).then((result) => {
        if (!result.ok) {
            throw new Error(result.error);
        }
        return result;
    });
    return run;
}
