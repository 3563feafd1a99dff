import * as assert from "assert";
import { configGuardCommand, configGuardName } from "../../config/guard";
import { findResource, planShipped, planWithConfig, resourcesOfType, sshMgmtConfig } from "../support/offline";

/** stacks/cluster.ts under the mocks: the config guard comes first and holds back every machine. */
describe("stacks/cluster: the config guard before the nodes", () => {
    it("creates <stack>-config-guard from the stack's config, and every launch depends on it", async () => {
        const planned = (await planShipped()).find((p) => p.stack === "mgmt");
        assert.ok(planned);
        const guard = findResource(planned.resources, "command:local:Command", configGuardName("mgmt"));
        const expected = configGuardCommand(planned.config);
        for (const key of ["interpreter", "create", "update", "stdin", "environment", "addPreviousOutputInEnv"] as const) {
            assert.deepStrictEqual(guard.inputs[key], expected[key], key);
        }
        const launches = resourcesOfType(planned.resources, "command:local:Command").filter((r) => r.name.endsWith("-launch"));
        assert.deepStrictEqual(launches.map((r) => r.name).sort(), ["mgmt-cp-0-launch", "mgmt-worker-0-launch"]);
        for (const launch of launches) {
            assert.ok(launch.options?.dependsOn?.includes(guard.urn), `${launch.name}: ${JSON.stringify(launch.options)}`);
        }
        assert.ok(
            !planned.resources.some((r) => r.type === "tls:index/privateKey:PrivateKey" && r.name === "mgmt-ssh-key"),
            "Multipass needs no generated SSH key",
        );
    });

    it("holds back the SSH bootstrap the same way", async () => {
        const config = sshMgmtConfig();
        const planned = await planWithConfig("mgmt", config);
        const guard = findResource(planned.resources, "command:local:Command", configGuardName("mgmt"));
        for (const name of ["rack-a-bootstrap", "rack-b-bootstrap"]) {
            const bootstrap = findResource(planned.resources, "command:remote:Command", name);
            assert.ok(bootstrap.options?.dependsOn?.includes(guard.urn), name);
        }
    });
});
