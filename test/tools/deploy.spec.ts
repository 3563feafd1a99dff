/**
 * `npm run deploy` / `destroy` driven with a fake workspace: order and parallelism, failures, the
 * summary, `--stack`, `--preview`, `--yes`, and the messages that stop it before anything runs.
 * The Pulumi CLI is never needed.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { OutputMap } from "@pulumi/pulumi/automation";
import { CliDeps, main, parseCliArgs } from "../../tools/deploy/cli";
import { DeployStage } from "../../config/stage";
import { failureMessage, prefixedLines, runSteps, StackResult } from "../../tools/deploy/orchestrate";
import { deployPhases, deploySteps, StagedStack } from "../../tools/deploy/phases";
import { HostProbe } from "../../tools/deploy/prerequisites";
import { exitCode, formatChanges, renderSummary, retryCommand } from "../../tools/deploy/summary";
import { Operation, ResourceChanges, StackWorkspace } from "../../tools/deploy/workspace";
import { REPO_ROOT } from "../support/offline";

const SDK_VERSION = (JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")) as { version: string }).version;

/** What a fake stack operation does: resolve with changes, or throw. */
type Script = (stack: string, operation: Operation, stage: DeployStage) => Promise<ResourceChanges>;

/** A step's name in the fake's events: the stack, with its stage when partial. */
const named = (stack: string, stage: DeployStage) => (stage === "full" ? stack : `${stack}:${stage}`);

/** A workspace that records what ran, in which order, and streams a little output. */
class FakeWorkspace implements StackWorkspace {
    readonly events: string[] = [];
    readonly existing = new Set(["mgmt", "app1", "app2"]);
    /** Resources per stack: deployed stacks by default, so nothing is staged unless a test empties them. */
    readonly resources: Record<string, number> = { mgmt: 223, app1: 137, app2: 137 };
    readonly stackOutputs: Record<string, OutputMap> = {};
    constructor(private readonly script: Script = async () => ({ create: 3 })) {}
    async exists(stack: string) {
        return this.existing.has(stack);
    }
    async resourceCount(stack: string) {
        return this.existing.has(stack) ? (this.resources[stack] ?? 0) : 0;
    }
    async run(stack: string, operation: Operation, onOutput: (text: string) => void, stage: DeployStage) {
        const step = named(stack, stage);
        this.events.push(`start ${operation} ${step}`);
        onOutput(`${operation === "destroy" ? "Destroying" : "Updating"} (${stack})\n+ created res`);
        onOutput(`ource\n`);
        try {
            const changes = await this.script(stack, operation, stage);
            this.events.push(`end ${step}`);
            return changes;
        } catch (e) {
            this.events.push(`fail ${step}`);
            throw e;
        }
    }
    async outputs(stack: string) {
        return this.stackOutputs[stack] ?? {};
    }
}

/** Resolves once every named stack has started; rejects if one waits alone: they did not overlap. */
function allStarted(names: string[], timeoutMs = 3000): (stack: string) => Promise<void> {
    const started = new Set<string>();
    let release = () => {};
    const all = new Promise<void>((resolve) => (release = resolve));
    return async (stack) => {
        started.add(stack);
        if (names.every((n) => started.has(n))) {
            release();
        }
        let timer: NodeJS.Timeout | undefined;
        const alone = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`${stack} ran alone for ${timeoutMs} ms: ${names.join(" and ")} do not run in parallel`)), timeoutMs);
        });
        await Promise.race([all, alone]).finally(() => clearTimeout(timer));
    };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

function io() {
    const lines: string[] = [];
    let t = 0;
    return { lines, log: (line: string) => lines.push(line), now: () => (t += 1000) };
}

const PHASES = [["mgmt"], ["app1", "app2"]];
const REF = "organization/platform/mgmt";
const STACKS: StagedStack[] = [
    { stack: "mgmt", config: { role: "mgmt" } },
    { stack: "app1", config: { role: "app", mgmtStack: REF } },
    { stack: "app2", config: { role: "app", mgmtStack: REF } },
];
/** The steps of `operation` over the shipped stacks, `fresh` the ones with no resources. */
const steps = (operation: Operation, fresh: string[] = []) => deploySteps(STACKS, operation, new Set(fresh));

describe("deploy: command line", () => {
    it("takes --stack (repeatable), --preview for deploy and --yes for destroy", () => {
        assert.deepStrictEqual(parseCliArgs(["deploy", "--stack", "app1", "--stack", "app2", "--preview"]), {
            command: "deploy",
            stacks: ["app1", "app2"],
            preview: true,
            yes: false,
        });
        assert.deepStrictEqual(parseCliArgs(["destroy", "--yes"]), { command: "destroy", stacks: [], preview: false, yes: true });
        assert.throws(() => parseCliArgs(["deploy", "--yes"]), /deploy does not take --yes/);
        assert.throws(() => parseCliArgs(["destroy", "--preview"]), /destroy does not take --preview/);
        assert.throws(() => parseCliArgs(["deploy", "--stack"]), /--stack needs a stack name/);
    });

    it("orders the shipped stacks mgmt, then app1 and app2 together, from platform:mgmtStack", () => {
        const ref = { mgmtStack: REF };
        assert.deepStrictEqual(
            deployPhases([
                { stack: "app1", config: ref },
                { stack: "app2", config: ref },
                { stack: "mgmt", config: {} },
            ]),
            PHASES,
        );
        // An app stack alone: mgmt is taken as deployed.
        assert.deepStrictEqual(deployPhases([{ stack: "app1", config: ref }]), [["app1"]]);
        assert.throws(
            () =>
                deployPhases([
                    { stack: "a", config: { mgmtStack: "o/p/b" } },
                    { stack: "b", config: { mgmtStack: "o/p/a" } },
                ]),
            /a, b reference each other/,
        );
    });

    it("stages a fresh platform: mgmt's foundation; then mgmt and each app's standalone stage; then each app once both are done", () => {
        const shape = (list: ReturnType<typeof steps>) => list.map((s) => [s.id, s.stage, s.needs]);
        assert.deepStrictEqual(shape(steps("up", ["mgmt", "app1", "app2"])), [
            ["mgmt (foundation)", "foundation", []],
            ["mgmt", "full", ["mgmt (foundation)"]],
            ["app1 (standalone)", "standalone", ["mgmt (foundation)"]],
            ["app1", "full", ["mgmt", "app1 (standalone)"]],
            ["app2 (standalone)", "standalone", ["mgmt (foundation)"]],
            ["app2", "full", ["mgmt", "app2 (standalone)"]],
        ]);
        const plain = [
            ["mgmt", "full", []],
            ["app1", "full", ["mgmt"]],
            ["app2", "full", ["mgmt"]],
        ];
        // A stack with resources never runs a partial stage (it would delete the rest), and an app
        // stack is staged only beside a staged mgmt; preview and destroy are never staged.
        assert.deepStrictEqual(shape(steps("up")), plain);
        assert.deepStrictEqual(shape(steps("up", ["app1", "app2"])), plain);
        assert.deepStrictEqual(shape(steps("preview", ["mgmt", "app1", "app2"])), plain);
        assert.deepStrictEqual(shape(steps("up", ["mgmt", "app2"])), [
            ["mgmt (foundation)", "foundation", []],
            ["mgmt", "full", ["mgmt (foundation)"]],
            ["app1", "full", ["mgmt"]],
            ["app2 (standalone)", "standalone", ["mgmt (foundation)"]],
            ["app2", "full", ["mgmt", "app2 (standalone)"]],
        ]);
        assert.deepStrictEqual(shape(steps("destroy", ["mgmt", "app1", "app2"])), [
            ["app1", "full", []],
            ["app2", "full", []],
            ["mgmt", "full", ["app1", "app2"]],
        ]);
        // A fresh mgmt alone (its app stacks deployed already) has nothing to run beside its foundation.
        assert.deepStrictEqual(shape(steps("up", ["mgmt"])), plain);
        assert.deepStrictEqual(
            deploySteps([STACKS[0]], "up", new Set(["mgmt"])).map((s) => [s.id, s.needs]),
            [["mgmt", []]],
        );
        // `--stack app1` on its own: mgmt is taken as deployed, so app1 runs whole.
        assert.deepStrictEqual(
            deploySteps([STACKS[1]], "up", new Set(["app1"])).map((s) => [s.id, s.needs]),
            [["app1", []]],
        );
    });
});

describe("deploy: orchestration", () => {
    it("runs mgmt first, then app1 and app2 overlapping in time, each line prefixed with its stack", async () => {
        const together = allStarted(["app1", "app2"]);
        const ws = new FakeWorkspace(async (stack) => {
            if (stack !== "mgmt") {
                await together(stack);
            }
            return { create: 2 };
        });
        const out = io();
        const results = await runSteps(steps("up"), "up", ws, out);
        assert.deepStrictEqual(
            results.map((r) => [r.stack, r.status]),
            [
                ["mgmt", "succeeded"],
                ["app1", "succeeded"],
                ["app2", "succeeded"],
            ],
        );
        assert.deepStrictEqual(ws.events.slice(0, 2), ["start up mgmt", "end mgmt"]);
        assert.deepStrictEqual(ws.events.slice(2, 4).sort(), ["start up app1", "start up app2"]);
        assert.ok(out.lines.includes("[app1] + created resource"), out.lines.join("\n"));
        assert.ok(out.lines.includes("[mgmt] Updating (mgmt)"));
        assert.ok(out.lines.includes("== pulumi up app1"));
    });

    it("a fresh platform in stages: the app clusters' standalone stages beside mgmt, their full stages once mgmt is done", async () => {
        const beside = allStarted(["mgmt", "app1:standalone", "app2:standalone"]);
        const apps = allStarted(["app1", "app2"]);
        const ws = new FakeWorkspace(async (stack, _operation, stage) => {
            const step = named(stack, stage);
            if (stage === "foundation") {
                return { create: 2 };
            }
            await (stack === "mgmt" || stage === "standalone" ? beside(step) : apps(step));
            return { create: 5 };
        });
        const out = io();
        const results = await runSteps(steps("up", ["mgmt", "app1", "app2"]), "up", ws, out);
        assert.deepStrictEqual(ws.events.slice(0, 2), ["start up mgmt:foundation", "end mgmt:foundation"]);
        assert.deepStrictEqual(ws.events.slice(2, 5).sort(), ["start up app1:standalone", "start up app2:standalone", "start up mgmt"]);
        for (const app of ["app1", "app2"]) {
            const start = ws.events.indexOf(`start up ${app}`);
            assert.ok(start > ws.events.indexOf("end mgmt") && start > ws.events.indexOf(`end ${app}:standalone`), ws.events.join(", "));
        }
        assert.deepStrictEqual(
            results.map((r) => [r.step, r.status]),
            [
                ["mgmt (foundation)", "succeeded"],
                ["mgmt", "succeeded"],
                ["app1 (standalone)", "succeeded"],
                ["app1", "succeeded"],
                ["app2 (standalone)", "succeeded"],
                ["app2", "succeeded"],
            ],
        );
        assert.ok(
            out.lines.some((l) => /^== pulumi up app1, standalone stage: nodes, kubeadm, networking/.test(l)),
            out.lines.join("\n"),
        );
        assert.ok(out.lines.includes("[app1 (standalone)] + created resource"), out.lines.join("\n"));
    });

    it("in stages, a failed foundation runs nothing else; the summary retries mgmt, then the app stacks", async () => {
        const ws = new FakeWorkspace(async (_stack, _operation, stage) => {
            if (stage === "foundation") {
                throw new Error("stderr: error: preview failed: policy violations");
            }
            return { create: 1 };
        });
        const results = await runSteps(steps("up", ["mgmt", "app1", "app2"]), "up", ws, io());
        assert.deepStrictEqual(ws.events, ["start up mgmt:foundation", "fail mgmt:foundation"]);
        assert.deepStrictEqual(
            results.map((r) => [r.step, r.status, r.reason]),
            [
                ["mgmt (foundation)", "failed", undefined],
                ["mgmt", "skipped", "not run: it needs mgmt (foundation), which did not succeed"],
                ["app1 (standalone)", "skipped", "not run: it needs mgmt (foundation), which did not succeed"],
                ["app1", "skipped", "not run: it needs mgmt, app1 (standalone), which did not succeed"],
                ["app2 (standalone)", "skipped", "not run: it needs mgmt (foundation), which did not succeed"],
                ["app2", "skipped", "not run: it needs mgmt, app2 (standalone), which did not succeed"],
            ],
        );
        const summary = renderSummary("up", results);
        assert.deepStrictEqual(summary.slice(-2), [
            "retry mgmt alone: npm run deploy -- --stack mgmt",
            "then the stacks not run: npm run deploy -- --stack app1 --stack app2",
        ]);
    });

    it("in stages, an app's failed standalone stage skips only its own full stage; the retry runs it whole", async () => {
        const ws = new FakeWorkspace(async (stack, _operation, stage) => {
            if (stack === "app1" && stage === "standalone") {
                throw new Error("error: app1-cp-0-launch: multipass launch failed");
            }
            await tick();
            return { create: 1 };
        });
        const results = await runSteps(steps("up", ["mgmt", "app1", "app2"]), "up", ws, io());
        assert.deepStrictEqual(
            results.map((r) => [r.step, r.status, r.reason]),
            [
                ["mgmt (foundation)", "succeeded", undefined],
                ["mgmt", "succeeded", undefined],
                ["app1 (standalone)", "failed", undefined],
                ["app1", "skipped", "not run: it needs app1 (standalone), which did not succeed"],
                ["app2 (standalone)", "succeeded", undefined],
                ["app2", "succeeded", undefined],
            ],
        );
        assert.ok(!ws.events.includes("start up app1"));
        const summary = renderSummary("up", results);
        assert.ok(summary.includes("retry app1 alone: npm run deploy -- --stack app1"), summary.join("\n"));
        assert.ok(!summary.some((l) => l.startsWith("then the stacks not run")), summary.join("\n"));
        assert.strictEqual(exitCode(results), 1);
    });

    it("when one app stack fails, the other finishes; the summary names the failure and the retry command; exit 1", async () => {
        const ws = new FakeWorkspace(async (stack) => {
            if (stack === "app1") {
                throw new Error(
                    [
                        "code: 255",
                        " stdout: Updating (app1)",
                        " stderr: error: update failed",
                        "    error: app1-init: kubeadm init failed on app1-cp-0 (tail of /var/log/platform/kubeadm.log above)",
                    ].join("\n"),
                );
            }
            if (stack === "app2") {
                // Still running when app1 has failed.
                await tick();
                await tick();
            }
            return { create: 5, same: 1 };
        });
        const results = await runSteps(steps("up"), "up", ws, io());
        assert.ok(ws.events.indexOf("fail app1") < ws.events.indexOf("end app2"), ws.events.join(", "));
        const app1 = results.find((r) => r.stack === "app1") as StackResult;
        assert.strictEqual(app1.status, "failed");
        assert.strictEqual(app1.error, "error: app1-init: kubeadm init failed on app1-cp-0 (tail of /var/log/platform/kubeadm.log above)");
        assert.strictEqual(results.find((r) => r.stack === "app2")?.status, "succeeded");
        const summary = renderSummary("up", results).join("\n");
        assert.match(summary, /app1 {2}failed .*error: app1-init: kubeadm init failed on app1-cp-0/);
        assert.match(summary, /retry app1 alone: npm run deploy -- --stack app1$/m);
        assert.doesNotMatch(summary, /--stack app2/);
        assert.strictEqual(exitCode(results), 1);
    });

    it("when mgmt fails, the app stacks do not start and the summary says how to run them after", async () => {
        const ws = new FakeWorkspace(async (stack) => {
            if (stack === "mgmt") {
                throw new Error("error: mgmt-cp-0-launch: multipass launch failed");
            }
            return {};
        });
        const results = await runSteps(steps("up"), "up", ws, io());
        assert.deepStrictEqual(ws.events, ["start up mgmt", "fail mgmt"]);
        assert.deepStrictEqual(
            results.map((r) => [r.stack, r.status, r.reason]),
            [
                ["mgmt", "failed", undefined],
                ["app1", "skipped", "not run: it needs mgmt, which did not succeed"],
                ["app2", "skipped", "not run: it needs mgmt, which did not succeed"],
            ],
        );
        const summary = renderSummary("up", results);
        assert.ok(summary.includes("retry mgmt alone: npm run deploy -- --stack mgmt"), summary.join("\n"));
        assert.ok(summary.includes("then the stacks not run: npm run deploy -- --stack app1 --stack app2"));
    });

    it("destroys the app stacks in parallel, then mgmt; a stack that does not exist is nothing to destroy", async () => {
        const together = allStarted(["app1", "app2"]);
        const ws = new FakeWorkspace(async (stack) => {
            if (stack !== "mgmt") {
                await together(stack);
            }
            return { delete: 4 };
        });
        const results = await runSteps(steps("destroy"), "destroy", ws, io());
        assert.deepStrictEqual(ws.events.slice(0, 2).sort(), ["start destroy app1", "start destroy app2"]);
        assert.deepStrictEqual(ws.events.slice(4), ["start destroy mgmt", "end mgmt"]);
        assert.strictEqual(exitCode(results), 0);

        const partial = new FakeWorkspace(async () => ({ delete: 1 }));
        partial.existing.delete("app2");
        const second = await runSteps(steps("destroy"), "destroy", partial, io());
        assert.deepStrictEqual(
            second.map((r) => [r.stack, r.status]),
            [
                ["app1", "succeeded"],
                ["app2", "absent"],
                ["mgmt", "succeeded"],
            ],
        );
    });

    it("keeps mgmt when an app stack fails to destroy", async () => {
        const ws = new FakeWorkspace(async (stack) => {
            if (stack === "app2") {
                throw new Error("error: app2-worker-0-launch: multipass daemon not reachable");
            }
            return { delete: 1 };
        });
        const results = await runSteps(steps("destroy"), "destroy", ws, io());
        assert.ok(!ws.events.includes("start destroy mgmt"));
        assert.strictEqual(results.find((r) => r.stack === "mgmt")?.reason, "kept: app2 failed to destroy and may still read it");
        assert.ok(renderSummary("destroy", results).includes("retry app2 alone: npm run destroy -- --yes --stack app2"));
    });
});

describe("deploy: output and summary", () => {
    it("prefixes every streamed line, joining chunks split mid-line and dropping carriage returns", () => {
        const lines: string[] = [];
        const out = prefixedLines("[app1] ", (l) => lines.push(l));
        out.write("Updating (app1)\r\n + command:local:Command app1-cp");
        out.write("-0-launch creating\n");
        out.write("partial");
        out.flush();
        assert.deepStrictEqual(lines, ["[app1] Updating (app1)", "[app1]  + command:local:Command app1-cp-0-launch creating", "[app1] partial"]);
    });

    it("takes the CLI's specific error line out of a CommandError, not its generic 'update failed'", () => {
        const message =
            "code: 255\n stdout: ...\n stderr: error: update failed\n\n  pulumi:pulumi:Stack:\n    error: preview failed: policy violations\n err?: \n";
        assert.strictEqual(failureMessage(new Error(message)), "error: preview failed: policy violations");
        assert.strictEqual(failureMessage(new Error("code: 1\n stderr: error: update failed\n")), "error: update failed");
        assert.strictEqual(failureMessage(new Error("spawn pulumi ENOENT")), "spawn pulumi ENOENT");
    });

    it("one line per stack with its result, duration and resource changes", () => {
        const results: StackResult[] = [
            { step: "mgmt (foundation)", stack: "mgmt", status: "succeeded", seconds: 21, changes: { create: 2 } },
            { step: "mgmt", stack: "mgmt", status: "succeeded", seconds: 1044, changes: { same: 2, create: 221, update: 1 } },
            { step: "app1", stack: "app1", status: "failed", seconds: 185, changes: {}, error: "error: boom" },
            { step: "app2", stack: "app2", status: "succeeded", seconds: 61, changes: {} },
        ];
        assert.deepStrictEqual(renderSummary("up", results), [
            "== summary: deploy",
            "  mgmt (foundation)  succeeded      21s  2 created",
            "  mgmt               succeeded  17m 24s  221 created, 1 updated, 2 unchanged",
            "  app1               failed      3m 05s  error: boom",
            "  app2               succeeded   1m 01s  no changes",
            "retry app1 alone: npm run deploy -- --stack app1",
        ]);
        assert.strictEqual(formatChanges({ create: 42 }, "preview"), "would create 42");
        assert.strictEqual(retryCommand("preview", ["app2"]), "npm run deploy -- --preview --stack app2");
    });
});

const KUBECONFIG = (cluster: string) =>
    [
        "apiVersion: v1",
        "kind: Config",
        `clusters:\n- name: ${cluster}\n  cluster:\n    server: https://192.168.64.10:6443\n    certificate-authority-data: CA-${cluster}`,
        `users:\n- name: kubernetes-admin\n  user:\n    client-certificate-data: CERT-${cluster}\n    client-key-data: SECRET-KEY-${cluster}`,
        `contexts:\n- name: kubernetes-admin@${cluster}\n  context:\n    cluster: ${cluster}\n    user: kubernetes-admin`,
        `current-context: kubernetes-admin@${cluster}`,
    ].join("\n");

describe("deploy: the CLI with a fake workspace and a fake host", () => {
    let root: string;
    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-cli-"));
        for (const stack of ["mgmt", "app1", "app2"]) {
            fs.copyFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), path.join(root, `Pulumi.${stack}.yaml`));
        }
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    const okHost = (): HostProbe => ({
        pulumiVersion: async () => `v${SDK_VERSION}\n`,
        multipassVersion: async () => "multipass   1.16.1+mac\nmultipassd  1.16.1+mac\n",
        multipassVms: async () => [],
        availableMemoryMiB: async () => 40_000,
        freeDiskGiB: async () => 400,
        fileExists: () => true,
    });

    function run(argv: string[], overrides: Partial<CliDeps> & { ws?: FakeWorkspace } = {}) {
        const out = io();
        const ws = overrides.ws ?? new FakeWorkspace();
        let created = 0;
        let prepared = 0;
        const deps: CliDeps = {
            root,
            env: { PULUMI_CONFIG_PASSPHRASE: "correct horse battery staple" },
            probe: okHost(),
            workspace: async () => (created++, ws),
            preparePolicyPack: () => void prepared++,
            io: out,
            ...overrides,
        };
        return main(argv, deps).then((code) => ({ code, lines: out.lines, text: out.lines.join("\n"), ws, created: () => created, prepared: () => prepared }));
    }

    it("stops when no passphrase is set, says how to set one, and never starts Pulumi", async () => {
        const r = await run(["deploy"], { env: {} });
        assert.strictEqual(r.code, 1);
        assert.match(r.text, /FAIL {2}no passphrase: neither PULUMI_CONFIG_PASSPHRASE nor PULUMI_CONFIG_PASSPHRASE_FILE is set/);
        assert.match(r.text, /fix: choose a long passphrase of your own and `export PULUMI_CONFIG_PASSPHRASE='\.\.\.'`.*never makes one up/);
        assert.match(r.text, /stopped before anything ran/);
        assert.strictEqual(r.created(), 0);
        assert.deepStrictEqual(r.ws.events, []);
    });

    it("stops when the Pulumi CLI is missing, with how to install it", async () => {
        const r = await run(["deploy"], { probe: { ...okHost(), pulumiVersion: async () => undefined } });
        assert.strictEqual(r.code, 1);
        assert.match(r.text, /FAIL {2}the Pulumi CLI is not installed \(no `pulumi` on PATH\)/);
        assert.match(r.text, /fix: install or upgrade it: `brew install pulumi\/tap\/pulumi` or `curl -fsSL https:\/\/get\.pulumi\.com \| sh`/);
        assert.strictEqual(r.created(), 0);
    });

    it("deploys every stack file in order, writes the kubeconfigs, ends with the summary; exit 0", async () => {
        const ws = new FakeWorkspace();
        for (const stack of ["mgmt", "app1", "app2"]) {
            ws.stackOutputs[stack] = { kubeconfig: { value: KUBECONFIG(stack), secret: true }, clusterName: { value: stack, secret: false } };
        }
        const r = await run(["deploy"], { ws });
        assert.strictEqual(r.code, 0, r.text);
        assert.deepStrictEqual(ws.events.slice(0, 2), ["start up mgmt", "end mgmt"]);
        assert.strictEqual(r.prepared(), 1);
        assert.match(r.text, /backend: file:\/\/.*\.pulumi-state \(the repository's git-ignored \.pulumi-state\/; set PULUMI_BACKEND_URL for another\)/);
        assert.ok(fs.existsSync(path.join(root, ".pulumi-state")));
        assert.match(r.text, /== summary: deploy\n {2}mgmt {2}succeeded .* 3 created\n {2}app1 {2}succeeded/);
        assert.match(r.text, new RegExp(`all clusters, one context each: export KUBECONFIG=${path.join(root, "kubeconfigs", "platform.yaml")}`));
        assert.doesNotMatch(r.text, /SECRET-KEY|CERT-|CA-mgmt/);
    });

    it("--stack app1 runs app1 alone (mgmt deployed before), --preview previews without kubeconfigs", async () => {
        const r = await run(["deploy", "--stack", "app1", "--preview"]);
        assert.strictEqual(r.code, 0, r.text);
        assert.deepStrictEqual(r.ws.events, ["start preview app1", "end app1"]);
        assert.match(r.text, /app1 {2}succeeded .* would create 3/);
        assert.doesNotMatch(r.text, /KUBECONFIG/);
    });

    it("fresh stacks deploy in stages, each partial stage run with its stage; stacks with resources never are", async () => {
        const ws = new FakeWorkspace();
        Object.assign(ws.resources, { mgmt: 0, app1: 0, app2: 0 });
        ws.existing.delete("app2");
        const r = await run(["deploy"], { ws });
        assert.strictEqual(r.code, 0, r.text);
        assert.match(r.text, /fresh stacks \(mgmt, app1, app2\): deploying in stages/);
        assert.deepStrictEqual(ws.events.slice(0, 2), ["start up mgmt:foundation", "end mgmt:foundation"]);
        assert.deepStrictEqual(ws.events.filter((e) => e.startsWith("start")).sort(), [
            "start up app1",
            "start up app1:standalone",
            "start up app2",
            "start up app2:standalone",
            "start up mgmt",
            "start up mgmt:foundation",
        ]);
        assert.match(r.text, /== summary: deploy\n {2}mgmt \(foundation\) {2}succeeded/);

        const again = await run(["deploy"]);
        assert.doesNotMatch(again.text, /in stages/);
        assert.ok(
            again.ws.events.every((e) => !e.includes(":")),
            again.ws.events.join(", "),
        );
    });

    it("a failing stack makes the exit code 1 and prints its retry command", async () => {
        const ws = new FakeWorkspace(async (stack) => {
            if (stack === "app2") {
                throw new Error("stderr: error: app2-cilium-mesh-cilium: timed out waiting for the condition");
            }
            return { create: 1 };
        });
        const r = await run(["deploy"], { ws });
        assert.strictEqual(r.code, 1);
        assert.match(r.text, /retry app2 alone: npm run deploy -- --stack app2/);
    });

    it("destroy without --yes explains and does nothing; with --yes it runs the app stacks, then mgmt", async () => {
        const refused = await run(["destroy"]);
        assert.strictEqual(refused.code, 2);
        assert.match(refused.text, /destroy deletes every resource of app1, app2, mgmt: the app stacks first \(in parallel\), then mgmt/);
        assert.match(refused.text, /Nothing was done\. To go ahead: npm run destroy -- --yes$/m);
        assert.strictEqual(refused.created(), 0);

        const done = await run(["destroy", "--yes"]);
        assert.strictEqual(done.code, 0, done.text);
        assert.deepStrictEqual(done.ws.events.slice(4), ["start destroy mgmt", "end mgmt"]);
        assert.strictEqual(done.prepared(), 0);
    });

    it("refuses an unknown stack and a bad config before any check", async () => {
        const unknown = await run(["deploy", "--stack", "app9"]);
        assert.strictEqual(unknown.code, 2);
        assert.match(unknown.text, /no config for stack "app9"/);
        fs.writeFileSync(
            path.join(root, "Pulumi.app1.yaml"),
            fs.readFileSync(path.join(root, "Pulumi.app1.yaml"), "utf8").replace("memoryMiB: 3072", "memoryMiB: 1024"),
        );
        const bad = await run(["deploy"]);
        assert.strictEqual(bad.code, 1);
        assert.match(bad.text, /invalid config in (\S*\/)?Pulumi\.app1\.yaml:\n {2}- platform:nodes\.controlPlane\.memoryMiB: is 1024/);
        assert.doesNotMatch(bad.text, /prerequisites/);
    });
});
