/**
 * Canaries for the SDK internals the offline engine relies on (tools/offline/sdk.ts), and the
 * runner and loader built on them: an SDK upgrade that moves one fails here, by name.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RecordedResource } from "../../tools/offline/record";
import { runOffline } from "../../tools/offline/run";
import { UNKNOWN } from "../../tools/offline/runner";
import { DEFERRED_MODULES, SECRET_SIG, SIG_KEY } from "../../tools/offline/sdk";
import { REPO_ROOT } from "../support/offline";

const PULUMI = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const REGISTER = path.join(REPO_ROOT, "tools/offline/register.cjs");

/** `node -r register.cjs -e <code>` in the repository. */
function node(code: string, file?: string) {
    const run = spawnSync(process.execPath, ["-r", REGISTER, ...(file ? [file] : ["-e", code])], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
    return { code: run.status, stdout: run.stdout, out: `${run.stdout}${run.stderr}` };
}

describe("SDK internals the offline engine relies on", function () {
    it("the secret signature is the SDK's", () => {
        const rpc = require("@pulumi/pulumi/runtime/rpc");
        assert.strictEqual(SIG_KEY, rpc.specialSigKey);
        assert.strictEqual(SECRET_SIG, rpc.specialSecretSig);
    });

    it("runtime/index.js loads exactly the deferred closure modules, which export exactly the deferred names", () => {
        const index = fs.readFileSync(path.join(PULUMI, "runtime/index.js"), "utf8");
        const loaded = [...index.matchAll(/require\("\.\/closure\/(\w+)"\)/g)].map((m) => `${m[1]}.js`);
        assert.deepStrictEqual(loaded.sort(), Object.keys(DEFERRED_MODULES).sort());
        for (const [file, names] of Object.entries(DEFERRED_MODULES)) {
            const real = require(path.join(PULUMI, "runtime/closure", file));
            assert.deepStrictEqual(Object.keys(real).sort(), [...names].sort(), file);
        }
    });

    it("loadSdk leaves closure serialization unloaded until it is called", () => {
        const probe = [
            `const pulumi = require("./tools/offline/sdk.ts").loadSdk();`,
            `const loaded = (f) => Object.keys(require.cache).some((k) => k.includes(f));`,
            `const before = [loaded("@npmcli/arborist"), loaded("typescript-shim")];`,
            `const report = (s) => console.log(JSON.stringify({ before, text: typeof s.text, after: loaded("typescript-shim") }));`,
            `pulumi.runtime.serializeFunction(() => 1).then(report);`,
        ].join("\n");
        const run = node(probe);
        assert.strictEqual(run.code, 0, run.out);
        assert.deepStrictEqual(JSON.parse(run.stdout), { before: [false, false], text: "string", after: true });
    });

    it("the runner's and the CLIs' own imports load no SDK before loadSdk can defer its closure modules", () => {
        // A top-level SDK import anywhere in these graphs (once config/stage.ts) loads TypeScript and arborist in every run.
        for (const entry of ["./tools/offline/runner.ts", "./config/stage.ts", "./tools/deploy/phases.ts", "./tools/plan/timeline.ts"]) {
            const run = node(`require(${JSON.stringify(entry)}); console.log(Object.keys(require.cache).some((k) => k.endsWith("@pulumi/pulumi/index.js")));`);
            assert.strictEqual(run.code, 0, run.out);
            assert.strictEqual(run.stdout.trim(), "false", `${entry} loads @pulumi/pulumi`);
        }
    });

    describe("the runner records what the program sent the engine", () => {
        let resources: RecordedResource[];
        let preview: Awaited<ReturnType<typeof runOffline>>;
        const job = (firstPreview: boolean) => ({
            project: "project",
            stack: "stack",
            program: path.join(REPO_ROOT, "test/support/options-program.ts"),
            config: {},
            secretKeys: [],
            simulatedIps: {},
            stackReferences: {},
            firstPreview,
        });
        const find = (name: string) => resources.find((r) => r.name === name) as RecordedResource;
        before(async () => {
            const [full, first] = await Promise.all([runOffline(job(false)), runOffline(job(true))]);
            assert.ok(full.ok, full.ok ? "" : full.error);
            resources = full.resources;
            preview = first;
        });

        it("every engine option, as set", () => {
            const urnOf = (name: string) => find(name).urn;
            assert.deepStrictEqual(find("optioned").options, {
                deleteBeforeReplace: true,
                // @pulumi/command adds its schema's own replaceOnChanges.
                replaceOnChanges: ["environment", "triggers[*]"],
                ignoreChanges: ["stdin"],
                protect: true,
                retainOnDelete: true,
                dependsOn: [urnOf("token")],
                customTimeouts: { create: "10m", delete: "1m" },
                aliases: ["urn:pulumi:stack::project::command:local:Command::old-name"],
                deletedWith: urnOf("first"),
            });
            assert.deepStrictEqual(find("optioned").propertyDependencies.environment, [urnOf("first")]);
            assert.deepStrictEqual(find("ns").options, { deleteBeforeReplace: false, provider: urnOf("cluster") });
            assert.deepStrictEqual(find("token").additionalSecretOutputs, ["result"]);
            assert.deepStrictEqual(find("token").options, {});
        });

        it("waits for a resource registered inside an apply", () => {
            assert.ok(find("late"), "the late registration is recorded");
        });

        it("tells unknown outputs (first preview) and secret ones", () => {
            assert.ok(preview.ok);
            assert.strictEqual(preview.outputs.stdout.value, UNKNOWN);
            assert.deepStrictEqual(preview.outputs.secret, { value: "shh", secret: true });
        });
    });
});

describe("register.cjs: cached TypeScript for the offline runs", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "register-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("runs a changed file's new content", () => {
        const file = path.join(dir, "probe.ts");
        fs.writeFileSync(file, `const n: number = 1;\nconsole.log(n);\n`);
        assert.strictEqual(node("", file).out, "1\n");
        fs.writeFileSync(file, `const n: number = 2;\nconsole.log(n);\n`);
        assert.strictEqual(node("", file).out, "2\n");
    });

    it("a program's failure points at its TypeScript line", async () => {
        const file = path.join(dir, "failing.ts");
        // Types and a multi-line interface vanish from the JavaScript, so its lines differ.
        fs.writeFileSync(
            file,
            [
                'import * as path from "path";',
                "interface A {",
                "    a: number;",
                "}",
                "const a: A = { a: path.sep.length };",
                "throw new Error(`boom ${a.a}`);",
                "",
            ].join("\n"),
        );
        const result = await runOffline({ project: "p", stack: "s", program: file, config: {}, secretKeys: [], simulatedIps: {}, stackReferences: {} });
        assert.ok(!result.ok);
        assert.match(result.error, /Error: boom 1\n\s+at .*failing\.ts:6:7/);
    });

    it("reports a syntax error with its file and line", () => {
        const file = path.join(dir, "broken.ts");
        fs.writeFileSync(file, `const a = ;\n`);
        const run = node("", file);
        assert.strictEqual(run.code, 1);
        assert.match(run.out, /broken\.ts\(1,11\): error TS1109: Expression expected/);
    });
});
