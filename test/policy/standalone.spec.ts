// The policy pack installs, compiles and runs from its own directory (pulumi review #8): policy-pack/
// alone is copied to a temporary directory, installed from its own lockfile with `npm ci`, and
// started the way `pulumi preview --policy-pack DIR` starts it, with nothing of the repository's
// node_modules reachable (the copy is outside the repository, so Node's lookup cannot walk up into it).
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { evaluatePolicies, PlannedResource } from "../../policy-pack/evaluate";
import { policies } from "../../policy-pack/policies";
import { AnalyzerServer, engineConfig } from "./analyzer-client";
import { REPO_ROOT } from "./helpers";

const PACK = path.join(REPO_ROOT, "policy-pack");

function copyPack(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-policy-pack-"));
    fs.cpSync(PACK, dir, { recursive: true, filter: (src) => !src.split(path.sep).includes("node_modules") });
    return dir;
}

describe("the policy pack stands alone", function () {
    this.timeout(600_000);
    const server = new AnalyzerServer();
    let dir: string;

    before(function () {
        dir = copyPack();
        const ci = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd: dir, encoding: "utf8" });
        assert.equal(ci.status, 0, `npm ci in ${dir} failed:\n${ci.stdout}\n${ci.stderr}`);
    });

    after(function () {
        server.stop();
        if (dir) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("pins every dependency exactly, ts-node and TypeScript included, and locks them", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(PACK, "package.json"), "utf8"));
        const lock = JSON.parse(fs.readFileSync(path.join(PACK, "package-lock.json"), "utf8"));
        for (const name of ["@pulumi/policy", "@pulumi/pulumi", "@pulumi/kubernetes", "ts-node", "typescript", "@types/node"]) {
            assert.match(pkg.dependencies[name] ?? "", /^\d+\.\d+\.\d+$/, `${name} in policy-pack/package.json`);
        }
        assert.deepEqual(lock.packages[""].dependencies, pkg.dependencies, "package-lock.json is the lock of package.json");
    });

    it("resolves @pulumi/pulumi, ts-node and TypeScript from its own node_modules", () => {
        for (const name of ["@pulumi/pulumi/cmd/run-policy-pack", "ts-node", "typescript"]) {
            const resolved = require.resolve(name, { paths: [dir] });
            assert.ok(resolved.startsWith(path.join(dir, "node_modules") + path.sep), `${name} resolved to ${resolved}`);
        }
        const version = (name: string) => JSON.parse(fs.readFileSync(path.join(dir, "node_modules", name, "package.json"), "utf8")).version;
        assert.equal(version("ts-node"), "10.9.2");
        assert.equal(version("typescript"), "6.0.3");
    });

    it("uses the module options run-policy-pack injects (nodenext), so its tsconfig does not contradict them", () => {
        // run.ts passes `module` and `moduleResolution` nodenext to ts-node, then the tsconfig's own options over them.
        const { compilerOptions } = JSON.parse(fs.readFileSync(path.join(dir, "tsconfig.json"), "utf8"));
        assert.equal(compilerOptions.module, "nodenext");
        assert.equal(compilerOptions.moduleResolution, "nodenext");
    });

    it("starts as the engine starts it, type-checked, and serves the pack's policies", async () => {
        await server.start({ packDir: dir, engine: true });
        await server.configure(engineConfig(policies));
        const info = await server.getAnalyzerInfo();
        assert.equal(info.name, "platform-security");
        assert.deepEqual(
            info.policies.map((p) => p.name),
            policies.map((p) => p.name),
        );
    });

    it("reports what the in-process evaluator reports", async () => {
        const ns: PlannedResource = {
            urn: "urn:pulumi:test::standalone::kubernetes:core/v1:Namespace::scratch",
            type: "kubernetes:core/v1:Namespace",
            name: "scratch",
            dependencies: [],
            inputs: { apiVersion: "v1", kind: "Namespace", metadata: { name: "scratch" } },
        };
        const served = (await server.analyze(ns)).map((d) => [d.policyName, d.enforcementLevel, d.message]);
        const evaluated = evaluatePolicies([ns]).map((v) => [v.policy, v.level, `${policies.find((p) => p.name === v.policy)!.description}\n${v.message}`]);
        assert.ok(evaluated.length > 0);
        assert.deepEqual(served, evaluated);
    });
});
