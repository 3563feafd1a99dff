/**
 * A scratch directory with test/backup's fake node tools (crictl, kubectl, curl, ctr, systemctl)
 * first on PATH, for running the backup and restore scripts for real. Every call the fakes see is
 * logged; the fake S3 bucket is `state/s3`.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const FAKES = path.join(__dirname, "fixtures", "fakes");

/** One scratch node. */
export interface BackupSandbox {
    root: string;
    state: string;
    /** Runs `bash <script> args...` with the fakes on PATH and `env` added. */
    run(script: string, args: string[], env?: Record<string, string>): { status: number | null; stdout: string; stderr: string };
    /** The fakes' calls since the last clear, one per line. */
    calls(): string[];
    clear(): void;
    remove(): void;
}

export function backupSandbox(): BackupSandbox {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "backup-sandbox-"));
    const bin = path.join(root, "bin");
    const state = path.join(root, "state");
    fs.mkdirSync(bin);
    fs.mkdirSync(state);
    for (const f of fs.readdirSync(FAKES)) {
        fs.copyFileSync(path.join(FAKES, f), path.join(bin, f));
        fs.chmodSync(path.join(bin, f), 0o755);
    }
    const log = path.join(root, "calls.log");
    return {
        root,
        state,
        run(script, args, env = {}) {
            const r = spawnSync("bash", [script, ...args], {
                encoding: "utf8",
                env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_LOG: log, FAKE_STATE: state, ...env },
            });
            return { status: r.status, stdout: r.stdout, stderr: r.stderr };
        },
        calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trimEnd().split("\n") : []),
        clear: () => fs.rmSync(log, { force: true }),
        remove: () => fs.rmSync(root, { recursive: true, force: true }),
    };
}
