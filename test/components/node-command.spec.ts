/** nodeCommand's two halves, run for real: the stdin bundle on a node, and the Multipass host side with a fake `multipass`. */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { multipassCommandLine, nodeCommand, NodeOperation, remoteCommandLine, renderNodeBundle } from "../../components/vm-node/node-command";
import { requireTool } from "../support/offline";
import { shellcheck } from "../support/validators";

function bash(args: string[], input: string, env: Record<string, string> = {}) {
    const run = spawnSync("bash", args, { input, encoding: "utf8", env: { ...process.env, ...env } });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("nodeCommand: the stdin bundle", () => {
    const bundle = renderNodeBundle("test step", { create: 'echo "created"', update: 'echo "updated"', delete: 'echo "deleted"' });

    it("runs the operation its argument names, and refuses any other", () => {
        for (const op of ["create", "update", "delete"]) {
            assert.strictEqual(bash(["-s", op], bundle).stdout, `${op}d\n`);
        }
        const other = bash(["-s", "upgrade"], bundle);
        assert.strictEqual(other.status, 2);
        assert.match(other.stderr, /usage: bash -s create\|update\|delete/);
    });

    it("defines only the operations it was given", () => {
        const createOnly = renderNodeBundle("x", { create: "echo c" });
        assert.doesNotMatch(createOnly, /platform_update|platform_delete/);
        assert.strictEqual(bash(["-s", "delete"], createOnly).status, 2);
        assert.strictEqual(bash(["-s", "create"], renderNodeBundle("x", { create: "" })).status, 0, "an empty body is a no-op, not a syntax error");
    });

    it("a child that reads stdin cannot eat the rest of the script: bash has read it whole", () => {
        const body = ["cat >/dev/null", 'echo "still here"'].join("\n");
        assert.strictEqual(bash(["-s", "create"], renderNodeBundle("x", { create: body })).stdout, "still here\n");
        // The same body as a plain stdin script loses its second line to cat.
        assert.strictEqual(bash(["-s"], `${body}\n`).stdout, "");
    });

    it("the SSH command lines only name the operation: no script, no secret in them", () => {
        assert.deepStrictEqual((["create", "update", "delete"] as NodeOperation[]).map(remoteCommandLine), [
            "sudo bash -s create",
            "sudo bash -s update",
            "sudo bash -s delete",
        ]);
    });

    it("refuses an Output connection without `kind`: the Command type must be known when it is declared", () => {
        const connection = pulumi.output({ kind: "ssh" as const, host: "192.168.64.50", user: "ops", privateKey: "k" });
        assert.throws(
            () => nodeCommand("c-init", { connection, create: "true" }, {}),
            (e: Error) => pulumi.InputPropertiesError.isInstance(e) && /nodeCommand c-init: cannot tell how to reach the node/.test(e.message),
        );
    });
});

describe("nodeCommand: reaching a Multipass VM from the machine that runs Pulumi", () => {
    let dir: string;
    const fake = `#!/bin/bash
echo "multipass $*" >> "$FAKE_DIR/calls"
case "$1" in
  list) if [ -e "$FAKE_DIR/daemon-down" ]; then echo "list failed: cannot connect to the multipass socket" >&2; exit 2; fi; cat "$FAKE_DIR/list.json" ;;
  start) echo "Starting $2" ;;
  exec) cat > "$FAKE_DIR/stdin"; echo "ran on $2: \${*: -1}"; exit "$(cat "$FAKE_DIR/exit" 2>/dev/null || echo 0)" ;;
esac
`;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-multipass-"));
        fs.mkdirSync(path.join(dir, "bin"));
        fs.writeFileSync(path.join(dir, "bin", "multipass"), fake, { mode: 0o755 });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** `multipass list --format json` as Multipass prints it (QJsonDocument: indented, keys sorted). */
    const listing = (vms: Array<{ name: string; state: string }>) =>
        fs.writeFileSync(
            path.join(dir, "list.json"),
            JSON.stringify({ list: vms.map((v) => ({ ipv4: ["192.168.64.5"], name: v.name, release: "Ubuntu 24.04 LTS", state: v.state })) }, null, 4),
        );
    /** Runs the host side as pulumi-command's local Command does: `/bin/bash -c <command>`, the bundle on stdin. */
    const run = (op: NodeOperation, stdin = "the bundle\n") =>
        bash(["-c", multipassCommandLine("c-cp-1", op)], stdin, { PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, FAKE_DIR: dir });
    const calls = () => (fs.existsSync(path.join(dir, "calls")) ? fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n") : []);

    it("passes the bundle on stdin to `sudo bash -s <op>` in a running VM and returns its exit code", () => {
        listing([
            { name: "c-cp-10", state: "Stopped" },
            { name: "c-cp-1", state: "Running" },
        ]);
        const ok = run("update");
        assert.strictEqual(ok.status, 0, ok.stderr);
        assert.strictEqual(ok.stdout, "ran on c-cp-1: update\n");
        assert.strictEqual(fs.readFileSync(path.join(dir, "stdin"), "utf8"), "the bundle\n");
        assert.deepStrictEqual(calls(), ["multipass list --format json", "multipass exec c-cp-1 -- sudo bash -s update"], "c-cp-10 is another VM: not started");
        fs.writeFileSync(path.join(dir, "exit"), "3");
        assert.strictEqual(run("create").status, 3);
    });

    it("starts a stopped VM first", () => {
        listing([{ name: "c-cp-1", state: "Stopped" }]);
        assert.strictEqual(run("create").status, 0);
        assert.deepStrictEqual(calls(), ["multipass list --format json", "multipass start c-cp-1", "multipass exec c-cp-1 -- sudo bash -s create"]);
    });

    it("a VM that is not listed, or deleted: delete succeeds with nothing to undo; create and update fail naming the VmNode", () => {
        for (const vms of [[], [{ name: "c-cp-1", state: "Deleted" }]]) {
            listing(vms);
            const del = run("delete");
            assert.strictEqual(del.status, 0, del.stderr);
            assert.match(del.stderr, /VM c-cp-1 is gone \((not listed|Deleted)\): nothing to undo on it/);
            const create = run("create");
            assert.strictEqual(create.status, 1);
            assert.match(create.stderr, /VM c-cp-1 does not exist .*its VmNode creates it: run pulumi up again/);
        }
        assert.ok(!calls().some((c) => c.startsWith("multipass exec")));
    });

    it("when the daemon does not answer, nothing can be known: even delete fails, naming the fix", () => {
        fs.writeFileSync(path.join(dir, "daemon-down"), "");
        const del = run("delete");
        assert.strictEqual(del.status, 1);
        assert.match(del.stderr, /multipass list failed: list failed: cannot connect to the multipass socket/);
        assert.match(del.stderr, /is the Multipass daemon running\? Start it .*then run pulumi again/);
        assert.deepStrictEqual(calls(), ["multipass list --format json"]);
    });

    it("passes shellcheck", function () {
        requireTool(this, "shellcheck");
        for (const op of ["create", "update", "delete"] as NodeOperation[]) {
            assert.strictEqual(shellcheck(multipassCommandLine("c-cp-1", op)), "", op);
        }
    });
});
