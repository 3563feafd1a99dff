/**
 * The real Automation API workspace against a stand-in `pulumi` on PATH that records its
 * arguments: what the CLI would be asked to do (stack, policy pack, backend, display flags), how
 * a failure surfaces, and how secret outputs are flagged. No Pulumi CLI is needed.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { failureMessage } from "../../tools/deploy/orchestrate";
import { automationWorkspace } from "../../tools/deploy/workspace";

const FAKE_PULUMI = `#!/usr/bin/env bash
set -euo pipefail
printf '%s|%s|%s\\n' "\${PULUMI_BACKEND_URL:-}" "\${PLATFORM_DEPLOY_STAGE:-}" "$*" >> "$FAKE_PULUMI_LOG"
stack=""
prev=""
for arg in "$@"; do
  if [ "$prev" = "--stack" ]; then stack="$arg"; fi
  prev="$arg"
done
case "$1 \${2:-}" in
  "version "*) echo "v3.248.0" ;;
  "stack select") ;;
  "stack ls") echo '[{"name":"mgmt","current":true,"resourceCount":223},{"name":"app1","current":false}]' ;;
  "stack output")
    if [[ " $* " == *" --show-secrets "* ]]; then echo '{"kubeconfig":"apiVersion: v1 (the real one)","clusterName":"mgmt"}'
    else echo '{"kubeconfig":"[secret]","clusterName":"mgmt"}'; fi ;;
  "stack history")
    cat <<'JSON'
[{"kind": "update", "startTime": "2026-11-01T00:00:00.000Z", "endTime": "2026-11-01T00:10:00.000Z", "message": "",
  "environment": {}, "config": {}, "result": "succeeded", "version": 1, "resourceChanges": {"create": 3, "same": 1}}]
JSON
    ;;
  "up "* | "destroy "*)
    echo "Updating ($stack)"
    if [ "$stack" = "app1" ]; then
      echo "    error: app1-init: kubeadm init failed" >&2
      exit 255
    fi
    echo "Resources: + 3 created" ;;
  *) echo "fake pulumi: unexpected $*" >&2; exit 3 ;;
esac
`;

describe("deploy: the Automation API workspace, against a stand-in pulumi", () => {
    let dir: string;
    let log: string;
    const saved = { PATH: process.env.PATH, FAKE_PULUMI_LOG: process.env.FAKE_PULUMI_LOG };
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-automation-"));
        fs.mkdirSync(path.join(dir, "bin"));
        fs.writeFileSync(path.join(dir, "bin", "pulumi"), FAKE_PULUMI, { mode: 0o755 });
        log = path.join(dir, "calls.log");
        process.env.PATH = `${path.join(dir, "bin")}${path.delimiter}${process.env.PATH}`;
        process.env.FAKE_PULUMI_LOG = log;
    });
    after(() => {
        process.env.PATH = saved.PATH;
        process.env.FAKE_PULUMI_LOG = saved.FAKE_PULUMI_LOG;
        fs.rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(() => fs.writeFileSync(log, ""));
    const calls = () => fs.readFileSync(log, "utf8").trim().split("\n");

    it("up: selects the stack, runs `pulumi up` with the policy pack on the given backend, no progress dots, no outputs table", async () => {
        const ws = await automationWorkspace({ root: dir, backend: "file:///state", color: false });
        const streamed: string[] = [];
        const changes = await ws.run("mgmt", "up", (text) => streamed.push(text), "full");
        assert.deepStrictEqual(changes, { create: 3, same: 1 });
        assert.match(streamed.join(""), /Updating \(mgmt\)\nResources: \+ 3 created/);
        const up = calls().find((c) => c.includes("|up "));
        assert.ok(up, calls().join("\n"));
        const [backend, stage, args] = up.split("|");
        assert.strictEqual(backend, "file:///state");
        assert.strictEqual(stage, "", "the full program runs without a stage");
        const argv = args.split(" ");
        const after = (flag: string) => argv[argv.indexOf(flag) + 1];
        assert.strictEqual(after("--policy-pack"), path.join(dir, "policy-pack"));
        assert.strictEqual(after("--stack"), "mgmt");
        assert.strictEqual(after("--color"), "never");
        for (const flag of ["--yes", "--skip-preview", "--suppress-progress", "--suppress-outputs", "--non-interactive"]) {
            assert.ok(argv.includes(flag), `${flag} missing from: pulumi ${args}`);
        }
        assert.ok(
            calls().some((c) => c.endsWith("|stack select --stack mgmt --non-interactive")),
            calls().join("\n"),
        );
    });

    it("a partial stage's up carries PLATFORM_DEPLOY_STAGE, while a full run beside it does not", async () => {
        const ws = await automationWorkspace({ root: dir, backend: "file:///state", color: false });
        await Promise.all([ws.run("app2", "up", () => undefined, "standalone"), ws.run("mgmt", "up", () => undefined, "full")]);
        const ups = calls()
            .filter((c) => c.includes("|up "))
            .map((c) => c.split("|"))
            .map(([, stage, args]) => [args.split(" ")[args.split(" ").indexOf("--stack") + 1], stage])
            .sort();
        assert.deepStrictEqual(ups, [
            ["app2", "standalone"],
            ["mgmt", ""],
        ]);
    });

    it("a failed up rejects with the CLI's error line", async () => {
        const ws = await automationWorkspace({ root: dir, backend: "file:///state", color: false });
        await assert.rejects(
            ws.run("app1", "up", () => undefined, "full"),
            (e: unknown) => failureMessage(e) === "error: app1-init: kubeadm init failed",
        );
    });

    it("destroy runs `pulumi destroy` without the pack; exists and outputs read the backend, secrets flagged", async () => {
        const ws = await automationWorkspace({ root: dir, backend: "file:///state", color: true });
        assert.deepStrictEqual(await ws.run("mgmt", "destroy", () => undefined, "full"), { create: 3, same: 1 });
        const destroy = calls().find((c) => c.includes("|destroy ")) as string;
        assert.doesNotMatch(destroy, /--policy-pack/);
        assert.match(destroy, /--color always/);
        assert.strictEqual(await ws.exists("app1"), true);
        assert.strictEqual(await ws.exists("app2"), false);
        // The resource count `pulumi stack ls` reports; none for a stack without a checkpoint or none at all.
        assert.deepStrictEqual(await Promise.all(["mgmt", "app1", "app2"].map((s) => ws.resourceCount(s))), [223, 0, 0]);
        const outputs = await ws.outputs("mgmt");
        assert.deepStrictEqual(outputs.kubeconfig, { value: "apiVersion: v1 (the real one)", secret: true });
        assert.deepStrictEqual(outputs.clusterName, { value: "mgmt", secret: false });
    });
});
