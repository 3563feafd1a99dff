import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT, requireTool } from "../support/offline";
import { shellcheck } from "../support/validators";

describe("repository scripts", () => {
    for (const script of [".ci/run", "tools/deploy.sh"]) {
        it(`${script} is executable, strict and passes shellcheck`, function () {
            const file = path.join(REPO_ROOT, script);
            assert.ok((fs.statSync(file).mode & 0o111) !== 0, `${script} has no execute bit`);
            const text = fs.readFileSync(file, "utf8");
            assert.match(text, /^set -euo pipefail$/m);
            requireTool(this, "shellcheck");
            assert.strictEqual(shellcheck(text), "");
        });
    }

    it("deploy brings mgmt up before the app stacks that read it, each with the policy pack", () => {
        const text = fs.readFileSync(path.join(REPO_ROOT, "tools/deploy.sh"), "utf8");
        assert.match(text, /stacks=\(mgmt app1 app2\)/);
        assert.match(text, /pulumi up --yes --stack "\$stack" --policy-pack policy-pack/);
    });
});
