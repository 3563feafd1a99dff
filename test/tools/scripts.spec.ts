import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT, requireTool } from "../support/offline";
import { shellcheck } from "../support/validators";

describe("repository scripts", () => {
    for (const script of [".ci/run"]) {
        it(`${script} is executable, strict and passes shellcheck`, function () {
            const file = path.join(REPO_ROOT, script);
            assert.ok((fs.statSync(file).mode & 0o111) !== 0, `${script} has no execute bit`);
            const text = fs.readFileSync(file, "utf8");
            assert.match(text, /^set -euo pipefail$/m);
            requireTool(this, "shellcheck");
            assert.strictEqual(shellcheck(text), "");
        });
    }
});
