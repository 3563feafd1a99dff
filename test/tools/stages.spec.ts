/**
 * Deploy stages (config/stage.ts): which stage a run declares, the check that a partial stage is a
 * part of the full program, and what the shipped stacks' partial stages hold.
 */
import * as assert from "assert";
import { DEPLOY_STAGE_ENV, deployStage, DeployStageError } from "../../config/stage";
import * as path from "path";
import { RecordedOutput, RecordedResource } from "../../tools/offline/record";
import { runOffline } from "../../tools/offline/run";
import { PlannedStack, referenceState } from "../../tools/plan";
import { simulatedIps } from "../../tools/plan/simulate";
import { stageDrift } from "../../tools/plan/stages";
import { readStackFile } from "../../tools/plan/stack-file";
import { planShipped, REPO_ROOT } from "../support/offline";

describe("deploy stages: the stage a run declares", () => {
    it("full when unset; each role's own partial stage; anything else refused, naming the variable", () => {
        assert.strictEqual(deployStage("mgmt", {}), "full");
        assert.strictEqual(deployStage("app", { [DEPLOY_STAGE_ENV]: "full" }), "full");
        assert.strictEqual(deployStage("mgmt", { [DEPLOY_STAGE_ENV]: "foundation" }), "foundation");
        assert.strictEqual(deployStage("app", { [DEPLOY_STAGE_ENV]: "standalone" }), "standalone");
        for (const [role, value] of [
            ["app", "foundation"],
            ["mgmt", "standalone"],
            ["app", "Standalone"],
        ] as const) {
            assert.throws(
                () => deployStage(role, { [DEPLOY_STAGE_ENV]: value }),
                (e: unknown) => e instanceof DeployStageError && e.message.startsWith(`PLATFORM_DEPLOY_STAGE=${value} is not a stage of a ${role} stack`),
            );
        }
    });
});

describe("deploy stages: a partial stage must be a part of the full program", () => {
    const resource = (name: string, inputs: Record<string, unknown>, options: RecordedResource["options"] = {}): RecordedResource => ({
        urn: `urn:pulumi:app1::platform::kubernetes:core/v1:ConfigMap::${name}`,
        type: "kubernetes:core/v1:ConfigMap",
        name,
        dependencies: [],
        propertyDependencies: {},
        inputs,
        custom: true,
        options,
    });

    it("accepts the same resources, whatever else the full program adds and whatever it waits for", () => {
        const partial = [resource("a", { data: { k: "v" } }, { dependsOn: ["x"] })];
        const full = [resource("a", { data: { k: "v" } }, { dependsOn: ["x", "y"] }), resource("b", {})];
        assert.deepStrictEqual(stageDrift("standalone", partial, full), []);
    });

    it("lets a read (StackReference) be the partial stage's alone: the engine drops it with no provider call", () => {
        const read = { ...resource("self", { name: "organization/platform/app1" }), type: "pulumi:pulumi:StackReference", external: true };
        assert.deepStrictEqual(stageDrift("standalone", [read], []), []);
        assert.strictEqual(stageDrift("standalone", [{ ...read, external: false }], []).length, 1);
    });

    it("names a resource the full program drops and one it declares otherwise, with the differing key", () => {
        const partial = [resource("gone", {}), resource("changed", { data: { k: "v" } }), resource("protected", {}, { protect: true })];
        const full = [resource("changed", { data: { k: "w" } }), resource("protected", {})];
        assert.deepStrictEqual(stageDrift("standalone", partial, full), [
            "gone (kubernetes:core/v1:ConfigMap): the standalone stage registers it and the full program does not, so the full stage would delete it",
            "changed (kubernetes:core/v1:ConfigMap): the standalone stage registers it differently from the full program (inputs.data), so the full stage would change it",
            "protected (kubernetes:core/v1:ConfigMap): the standalone stage registers it differently from the full program (options.protect), so the full stage would change it",
        ]);
    });
});

describe("deploy stages: the shipped stacks", () => {
    let stacks: Map<string, PlannedStack>;
    before(async () => {
        stacks = new Map((await planShipped()).map((s) => [s.stack, s]));
    });
    const partial = (stack: string) => stacks.get(stack)?.partial as NonNullable<PlannedStack["partial"]>;
    const names = (stack: string) => new Set(partial(stack).recorded.map((r) => r.name));

    it("mgmt's foundation is the mesh CA, and exports exactly what an app stack's standalone stage reads", () => {
        const foundation = partial("mgmt");
        assert.strictEqual(foundation.stage, "foundation");
        // The CA, and the read of mgmt's own last outputs (stacks/stage-guard.ts).
        assert.deepStrictEqual([...names("mgmt")].sort(), ["mgmt-cilium-ca-cert", "mgmt-cilium-ca-key", "mgmt-last-deploy"]);
        const self = foundation.recorded.find((r) => r.name === "mgmt-last-deploy") as RecordedResource;
        assert.strictEqual(self.external, true);
        assert.strictEqual(self.inputs.name, "organization/platform/mgmt");
        assert.deepStrictEqual(Object.keys(foundation.outputs).sort(), ["ciliumCaCert", "ciliumCaKey", "clusterId", "clusterName", "deployStage", "podCidr"]);
        assert.strictEqual(foundation.outputs.ciliumCaKey.secret, true);
        assert.deepStrictEqual(foundation.outputs.deployStage, { value: "foundation", secret: false });
        assert.deepStrictEqual(stacks.get("mgmt")?.outputs.deployStage, { value: "full", secret: false });
    });

    it("a partial stage refuses to run over a full deploy of its stack, before creating anything", async () => {
        const file = readStackFile(REPO_ROOT, "app1");
        const mgmtFoundation = partial("mgmt").outputs;
        const run = (app1LastOutputs?: Record<string, RecordedOutput>) =>
            runOffline({
                project: "platform",
                stack: "app1",
                program: path.join(REPO_ROOT, "index.ts"),
                config: file.runtimeConfig,
                secretKeys: file.secretKeys,
                simulatedIps: simulatedIps((stacks.get("app1") as PlannedStack).config),
                stackReferences: {
                    "organization/platform/mgmt": referenceState(mgmtFoundation),
                    ...(app1LastOutputs ? { "organization/platform/app1": referenceState(app1LastOutputs) } : {}),
                },
                deployStage: "standalone",
            });
        const [deployed, halfway] = await Promise.all([run(stacks.get("app1")?.outputs), run(partial("app1").outputs)]);
        assert.ok(!deployed.ok && deployed.configError, JSON.stringify(deployed).slice(0, 300));
        assert.match(deployed.error, /^PLATFORM_DEPLOY_STAGE=standalone: stack app1 is deployed in full, and the standalone stage would delete/);
        // After a standalone stage (a retry of one), it runs.
        assert.ok(halfway.ok, halfway.ok ? "" : halfway.error);
    });

    for (const app of ["app1", "app2"]) {
        it(`${app}'s standalone stage builds the cluster and what needs nothing of mgmt's services, and no more`, () => {
            const standalone = names(app);
            for (const expected of [`${app}-cp-0-launch`, `${app}-init`, `${app}-cilium-mesh-release`, `${app}-kyverno-release`, `${app}-trivy-release`]) {
                assert.ok(standalone.has(expected), `${expected} is not in ${app}'s standalone stage`);
            }
            // Everything that talks to mgmt waits for the full stage.
            const later = stacks.get(app)?.recorded.filter((r) => !standalone.has(r.name)) ?? [];
            for (const prefix of ["falco", "vault", "cert-manager", "external-secrets", "observability", "velero", "etcd-backup", "api-server"]) {
                assert.ok(
                    later.some((r) => r.name.startsWith(`${app}-${prefix}`)),
                    `${app}-${prefix}* is not left for the full stage`,
                );
                assert.ok(![...standalone].some((n) => n.startsWith(`${app}-${prefix}`)), `${app}-${prefix}* is in the standalone stage`);
            }
            const outputs = partial(app).outputs;
            assert.deepStrictEqual(outputs.deployStage, { value: "standalone", secret: false });
            assert.strictEqual(outputs.kubeconfig.secret, true, "the kubeconfig is there, and secret");
            assert.ok(!("mgmt" in outputs));
            assert.deepStrictEqual(partial(app).violations, []);
        });
    }
});
