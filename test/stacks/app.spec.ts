import * as assert from "assert";
import { validateStackConfig } from "../../config/validate";
import { checkAgainstMgmt } from "../../stacks/app";
import { shippedConfig } from "../support/offline";

describe("app stack: checks against mgmt's deployed outputs", () => {
    const raw = Object.fromEntries(Object.entries(shippedConfig("app1")).map(([k, v]) => [k.replace(/^platform:/, ""), v]));
    const result = validateStackConfig(raw);
    assert.ok(result.ok);
    const config = result.config;

    it("accepts the shipped mgmt", () => {
        assert.deepStrictEqual(checkAgainstMgmt(config, { clusterName: "mgmt", clusterId: 1, podCidr: "10.100.0.0/16" }), []);
    });

    it("names each collision with mgmt", () => {
        const problems = checkAgainstMgmt(config, { clusterName: "app1", clusterId: 2, podCidr: "10.101.128.0/17" });
        assert.strictEqual(problems.length, 3);
        assert.match(problems[0], /cluster\.name "app1" is also the mgmt cluster's name/);
        assert.match(problems[1], /cluster\.id 2 is also the mgmt cluster's id/);
        assert.match(problems[2], /podCidr 10\.101\.0\.0\/16 overlaps mgmt's podCidr 10\.101\.128\.0\/17/);
    });
});
