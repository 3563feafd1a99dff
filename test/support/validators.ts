/** Real validators from Debian, run on rendered artifacts. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** shellcheck findings for a bash script ("" when clean). */
export function shellcheck(script: string): string {
    const run = spawnSync("shellcheck", ["-s", "bash", "-f", "gcc", "-"], { input: script, encoding: "utf8" });
    return run.status === 0 ? "" : `${run.stdout}${run.stderr}` || `shellcheck exited ${run.status}`;
}

/** `cloud-init schema` verdict for a user-data document ("" when valid). */
export function cloudInitSchema(userData: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "user-data-"));
    const file = path.join(dir, "user-data.yaml");
    fs.writeFileSync(file, userData);
    try {
        const run = spawnSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8" });
        return run.status === 0 && /Valid schema|Valid cloud-config/.test(run.stdout) ? "" : `${run.stdout}${run.stderr}`;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** `bash -n`: the script parses. */
export function bashSyntax(script: string): string {
    const run = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
    return run.status === 0 ? "" : run.stderr;
}
