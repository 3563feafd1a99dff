// `npm run policy:check`: exit codes, output format, --policy, --config, a malformed file and a List.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { typeToken } from "../../policy-pack/lib/type-token";
import { policies } from "../../policy-pack/policies";
import { parseArgs, UsageError } from "../../tools/policy-check";
import { REPO_ROOT } from "./helpers";

const FIX = "test/policy/fixtures";

function cli(...args: string[]) {
    const r = spawnSync(process.execPath, ["-r", "./tools/offline/register.cjs", "tools/policy-check.ts", ...args], { cwd: REPO_ROOT, encoding: "utf8" });
    return { code: r.status, out: r.stdout.trim().split("\n").filter(Boolean), err: r.stderr.trim() };
}

describe("policy-check CLI", function () {
    this.timeout(60000);

    it("maps apiVersion/kind to Pulumi type tokens", () => {
        assert.equal(typeToken("apps/v1", "Deployment"), "kubernetes:apps/v1:Deployment");
        assert.equal(typeToken("v1", "Pod"), "kubernetes:core/v1:Pod");
        assert.equal(typeToken("networking.k8s.io/v1", "Ingress"), "kubernetes:networking.k8s.io/v1:Ingress");
    });

    it("parses repeated --policy, --config=FILE and rejects unknown options and missing paths", () => {
        assert.deepEqual(parseArgs(["a.yaml", "--policy", "pss-*", "--policy=no-*", "--config=c.json", "dir"]), {
            paths: ["a.yaml", "dir"],
            policyGlobs: ["pss-*", "no-*"],
            configFile: "c.json",
            help: false,
        });
        assert.throws(() => parseArgs(["--bogus", "a.yaml"]), UsageError);
        assert.throws(() => parseArgs(["--policy"]), UsageError);
        assert.throws(() => parseArgs([]), /no files or directories given/);
    });

    it("exits 0 with a summary when a directory of multi-document files is clean", () => {
        const r = cli(`${FIX}/ok`);
        assert.equal(r.code, 0, r.err);
        assert.deepEqual(r.out, [`policy-check: no violations; 4 object(s) in 2 file(s) against ${policies.length} policies.`]);
    });

    it("exits 1 on mandatory violations, one line per violation in <file>:<doc> <kind>/<name> [<level>] <policy>: <message> form", () => {
        const r = cli(`${FIX}/bad.yaml`);
        assert.equal(r.code, 1);
        assert.deepEqual(r.out, [
            `${FIX}/bad.yaml:0 Pod/debug [mandatory] pss-baseline-privileged: ` +
                "spec.containers[0].securityContext.privileged is true; remove it or set it to false.",
            `${FIX}/bad.yaml:1 Service/cart-public [mandatory] no-external-services: ` +
                'spec.type is "LoadBalancer", which exposes the Service outside the cluster; ' +
                "use type ClusterIP behind the Gateway, or allow shop/cart-public in this policy's allowedServices with a reason.",
            `policy-check: 2 violation(s), 2 mandatory and 0 advisory; 2 object(s) in 1 file(s) against ${policies.length} policies.`,
        ]);
    });

    it("exits 0 when only advisory rules are violated", () => {
        const r = cli(`${FIX}/advisory.yaml`);
        assert.equal(r.code, 0);
        assert.match(r.out[0], /^test\/policy\/fixtures\/advisory\.yaml:0 Deployment\/unlabeled \[advisory\] required-workload-labels: /);
    });

    it("keeps only the policies matching --policy globs", () => {
        const r = cli(`${FIX}/bad.yaml`, "--policy", "pss-baseline-*", "--policy", "read-only-*");
        assert.equal(r.code, 1);
        assert.equal(r.out.length, 2);
        assert.match(r.out[0], / \[mandatory\] pss-baseline-privileged: /);
        assert.match(r.out[1], /^policy-check: 1 violation\(s\).* against 13 policies\.$/);
        assert.equal(cli(`${FIX}/bad.yaml`, "--policy", "no-such-*").code, 2);
    });

    it("applies --config levels and options (all advisory, one mandatory, an allowed Service)", () => {
        const r = cli(`${FIX}/bad.yaml`, "--config", `${FIX}/privileged-advisory.json`);
        assert.equal(r.code, 1);
        assert.deepEqual(
            r.out.slice(0, -1).map((l) => l.split(" ").slice(2, 4).join(" ")),
            ["[mandatory] pss-baseline-privileged:"],
        );
        const advisory = cli(`${FIX}/list.yaml`, "--config", `${FIX}/privileged-advisory.json`);
        assert.equal(advisory.code, 0, "no-latest-image-tag is advisory under all: advisory");
        assert.match(advisory.out[0], /\[advisory\] no-latest-image-tag/);
    });

    it("expands List items, locating them as <doc>.items[<i>]", () => {
        const r = cli(`${FIX}/list.yaml`);
        assert.equal(r.code, 1);
        assert.deepEqual(
            r.out.map((l) => l.split(" ").slice(0, 2).join(" ")),
            [`${FIX}/list.yaml:0.items[1] CronJob/report`, "policy-check: 1"],
        );
        assert.match(r.out[1], /2 object\(s\) in 1 file\(s\)/);
    });

    it("exits 2 naming a malformed file, instead of skipping it", () => {
        const r = cli(`${FIX}/ok`, `${FIX}/malformed`);
        assert.equal(r.code, 2);
        assert.deepEqual(r.out, []);
        assert.match(r.err, /^policy-check: test\/policy\/fixtures\/malformed\/broken\.yaml: document 1: invalid YAML: /);
    });

    it("exits 2 on a missing path, bad config JSON or a bad config value", () => {
        assert.match(cli("nope.yaml").err, /nope\.yaml: no such file or directory/);
        const json = cli(`${FIX}/ok`, "--config", `${FIX}/list.yaml`);
        assert.equal(json.code, 2);
        assert.match(json.err, /list\.yaml: invalid JSON/);
        const level = cli(`${FIX}/ok`, "--config", `${FIX}/bad-level.json`);
        assert.equal(level.code, 2);
        assert.match(level.err, /config all: enforcement level "strict" is not one of advisory, mandatory, remediate, disabled/);
    });
});
