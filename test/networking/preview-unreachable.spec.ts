// Preview anywhere: every stack program registers the same resources when the kubeconfig is known
// but the cluster does not answer (a CI runner, stopped VMs), as pulumi-kubernetes behaves then:
// plain resources preview offline, while reads, invokes and provider-side components fail. The
// fixture program shows that the mode does refuse those.
import { strict as assert } from "assert";
import * as path from "path";
import { UNREACHABLE } from "../../tools/offline/mocks";
import { RecordedResource } from "../../tools/offline/record";
import { runOffline } from "../../tools/offline/run";
import { simulatedIps } from "../../tools/plan/simulate";
import { PlannedStack, planShipped, rerunShipped } from "../support/offline";
import { providerBuiltComponents } from "./helpers";

const names = (resources: RecordedResource[]) => resources.map((r) => `${r.type} ${r.name}`).sort();

async function runFixture(which: string, unreachableCluster: boolean) {
    return runOffline({
        project: "fixture",
        stack: "test",
        program: path.join(__dirname, "fixtures", "cluster-program.ts"),
        config: { "fixture:case": which },
        secretKeys: [],
        simulatedIps: {},
        stackReferences: {},
        unreachableCluster,
    });
}

describe("preview with the cluster unreachable", function () {
    this.timeout(180_000);
    let shipped: PlannedStack[];
    before(async () => {
        shipped = await planShipped();
    });

    for (const stack of ["mgmt", "app1", "app2"]) {
        it(`${stack}: registers exactly the resources of the normal plan, and succeeds`, async () => {
            const planned = shipped.find((s) => s.stack === stack) as PlannedStack;
            const result = await rerunShipped(stack, shipped, { simulatedIps: simulatedIps(planned.config), unreachableCluster: true });
            assert.ok(result.ok, result.ok ? "" : result.error);
            assert.deepEqual(names(result.resources), names(planned.recorded));
            // The kubeconfig is known here, which is what makes a provider-side component fail.
            assert.notEqual(result.outputs.kubeconfig.value, "[unknown]");
        });
    }
});

describe("the unreachable-cluster mode (negative controls)", function () {
    this.timeout(60_000);

    it("lets a plain Kubernetes resource register", async () => {
        const result = await runFixture("plain", true);
        assert.ok(result.ok, result.ok ? "" : result.error);
        assert.ok(result.resources.some((r) => r.type === "kubernetes:core/v1:Namespace"));
    });

    for (const which of ["configfile", "read", "invoke"]) {
        it(`fails a program that needs the cluster: ${which}`, async () => {
            const result = await runFixture(which, true);
            assert.equal(result.ok, false, `${which} registered with the cluster unreachable`);
            assert.match(result.ok ? "" : result.error, new RegExp(UNREACHABLE));
        });
    }

    it("answers no invoke it was not written for, even with the cluster up", async () => {
        const result = await runFixture("invoke", false);
        assert.equal(result.ok, false);
        assert.match(result.ok ? "" : result.error, /offline plan: no mock answers invoke kubernetes:helm:template/);
    });

    it("a yaml/v2 ConfigFile, planned normally, is flagged as a component only a provider expands", async () => {
        const result = await runFixture("configfile", false);
        assert.ok(result.ok, result.ok ? "" : result.error);
        assert.deepEqual(
            providerBuiltComponents(result.resources).map((r) => r.type),
            ["kubernetes:yaml/v2:ConfigFile"],
        );
    });
});
