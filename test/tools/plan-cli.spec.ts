/** `npm run plan` as a user runs it: exit codes, messages, artifacts, JSON. */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { REPO_ROOT } from "../support/offline";

function plan(args: string[]) {
    const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(REPO_ROOT, "tools/plan.ts"), ...args], {
        cwd: REPO_ROOT,
        encoding: "utf8",
        timeout: 180_000,
    });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr, all: `${run.stdout}${run.stderr}` };
}

describe("npm run plan (CLI)", function () {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cli-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("plans the three shipped stacks: exit 0, a tree per stack, artifacts, byte-identical JSON twice", () => {
        const out = path.join(tmp, "out");
        const first = plan(["--out", out, "--json", path.join(tmp, "a.json")]);
        assert.strictEqual(first.code, 0, first.all);
        for (const stack of ["mgmt", "app1", "app2"]) {
            assert.match(first.stdout, new RegExp(`== ${stack} \\(`));
            assert.match(first.stdout, new RegExp(`  ${stack}  platform:k8s:KubeadmCluster  \\(\\d+ resources\\)`));
            assert.ok(fs.existsSync(path.join(out, stack, `${stack}-cp-0-launch/user-data.yaml`)), `${stack} user-data`);
            assert.ok(fs.existsSync(path.join(out, stack, `${stack}-init/files/etc/kubernetes/psa/admission.yaml`)), `${stack} PSA file`);
        }
        assert.match(first.stdout, /plan OK: 3 stack\(s\)/);
        const second = plan(["--out", out, "--json", path.join(tmp, "b.json")]);
        assert.strictEqual(second.code, 0, second.all);
        const a = fs.readFileSync(path.join(tmp, "a.json"), "utf8");
        assert.strictEqual(a, fs.readFileSync(path.join(tmp, "b.json"), "utf8"), "two plans differ");

        const json = JSON.parse(a);
        assert.deepStrictEqual(json.stacks.map((s: any) => s.stack), ["mgmt", "app1", "app2"]);
        const mgmt = json.stacks[0];
        assert.strictEqual(mgmt.outputs.kubeconfig, "[secret]");
        const init = mgmt.resources.find((r: any) => r.name === "mgmt-init");
        assert.strictEqual(init.inputs.stdin, "[secret]");
        assert.match(init.parent, /platform:k8s:KubeadmCluster::mgmt$/);
        assert.ok(init.dependencies.length > 0);
        assert.deepStrictEqual(mgmt.violations, []);
        // No token leaks into the JSON: the mocked token lives only in the secret stdin.
        const tokenInit = fs.readFileSync(path.join(out, "mgmt/mgmt-init/files/etc/kubernetes/kubeadm/init.yaml"), "utf8");
        const token = parse(tokenInit.split("---\n")[1]).bootstrapTokens[0].token as string;
        assert.match(token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
        assert.ok(!a.includes(token), "the bootstrap token appears in the JSON");
    });

    it("plans a named app stack together with the mgmt stack it references", () => {
        const run = plan(["app2", "--out", path.join(tmp, "out2")]);
        assert.strictEqual(run.code, 0, run.all);
        assert.match(run.stdout, /\(planning mgmt too: an app stack references it\)/);
        assert.match(run.stdout, /== mgmt \(/);
        assert.doesNotMatch(run.stdout, /== app1 \(/);
    });

    it("exits 1 with one line per bad key and no stack trace for an invalid config", () => {
        const dir = path.join(tmp, "bad");
        fs.mkdirSync(dir);
        for (const stack of ["mgmt", "app1", "app2"]) {
            fs.copyFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), path.join(dir, `Pulumi.${stack}.yaml`));
        }
        const app1 = parse(fs.readFileSync(path.join(dir, "Pulumi.app1.yaml"), "utf8"));
        app1.config["platform:network"].serviceCidr = "10.96.0.0/12";
        app1.config["platform:nodes"].controlPlane.memoryMiB = 1024;
        fs.writeFileSync(path.join(dir, "Pulumi.app1.yaml"), stringify(app1));
        const run = plan(["--config-dir", dir, "--out", path.join(tmp, "out3")]);
        assert.strictEqual(run.code, 1, run.all);
        assert.match(run.all, /invalid config in .*Pulumi\.app1\.yaml:/);
        assert.match(run.all, /  - platform:network\.serviceCidr: 10\.96\.0\.0-10\.111\.255\.255 overlaps network\.podCidr/);
        assert.match(run.all, /  - platform:nodes\.controlPlane\.memoryMiB: is 1024; kubeadm preflight needs at least 1700 MiB/);
        assert.doesNotMatch(run.all, /\n\s+at /);
    });

    it("exits 1 when the stacks do not fit together", () => {
        const dir = path.join(tmp, "cross");
        fs.mkdirSync(dir);
        for (const stack of ["mgmt", "app1", "app2"]) {
            const text = fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8");
            fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stack === "app2" ? text.replace("podCidr: 10.102.0.0/16", "podCidr: 10.101.0.0/16") : text);
        }
        const run = plan(["--config-dir", dir, "--out", path.join(tmp, "out4")]);
        assert.strictEqual(run.code, 1, run.all);
        assert.match(run.all, /the stacks do not fit together:\n  - app2: platform:network\.podCidr: 10\.101\.0\.0\/16 overlaps stack app1's podCidr/);
    });

    it("exits 2 on usage errors and unknown stacks", () => {
        const unknownFlag = plan(["--bogus"]);
        assert.strictEqual(unknownFlag.code, 2);
        assert.match(unknownFlag.stderr, /unknown option --bogus\nusage: npm run plan/);
        const missingValue = plan(["--out"]);
        assert.strictEqual(missingValue.code, 2);
        assert.match(missingValue.stderr, /--out needs a value/);
        const unknownStack = plan(["staging"]);
        assert.strictEqual(unknownStack.code, 2);
        assert.match(unknownStack.stderr, /no config for stack "staging": .*Pulumi\.staging\.yaml does not exist/);
    });
});
