/** shellcheck over many scripts in one run: one process instead of one per script (shellcheck starts slowly). */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Findings for scripts given as name → content ("" when all are clean); names become file names in the report. */
export function shellcheckAll(scripts: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shellcheck-"));
    try {
        const files = Object.entries(scripts).map(([name, script], i) => {
            const file = path.join(dir, `${i}-${name.replace(/[^A-Za-z0-9._-]/g, "_")}`);
            fs.writeFileSync(file, script);
            return file;
        });
        const run = spawnSync("shellcheck", ["-s", "bash", "-f", "gcc", ...files], { encoding: "utf8" });
        return run.status === 0 ? "" : `${run.stdout}${run.stderr}` || `shellcheck exited ${run.status}`;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
