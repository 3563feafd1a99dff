import { strict as assert } from "assert";
import { assertPolicyMetadata, check, compliantDeployment } from "../helpers";

const NAME = "container-resource-limits";

describe(NAME, () => {
    it("is mandatory with a full-sentence description", () => assertPolicyMetadata(NAME, "mandatory"));

    it("passes containers with CPU and memory limits and smaller requests (ephemeral containers cannot set resources)", () => {
        assert.deepEqual(check(NAME, compliantDeployment()), []);
    });

    it("fails a missing memory limit on an init container, naming the field", () => {
        const d = compliantDeployment();
        delete d.spec.template.spec.initContainers[0].resources.limits.memory;
        assert.deepEqual(
            check(NAME, d).map((v) => v.message),
            ["spec.template.spec.initContainers[0].resources.limits.memory is not set; set a memory limit."],
        );
    });

    it('fails a CPU request above the limit, comparing quantities ("1500m" > "1")', () => {
        const d = compliantDeployment();
        d.spec.template.spec.containers[0].resources.requests.cpu = "1500m";
        assert.deepEqual(
            check(NAME, d).map((v) => v.message),
            [`spec.template.spec.containers[0].resources.requests.cpu "1500m" exceeds limits.cpu "1"; lower the request or raise the limit.`],
        );
    });

    it('compares binary and decimal memory units ("300M" > "256Mi")', () => {
        const d = compliantDeployment();
        d.spec.template.spec.containers[0].resources.requests.memory = "300M";
        assert.equal(check(NAME, d).length, 1);
        d.spec.template.spec.containers[0].resources.requests.memory = "256M";
        assert.deepEqual(check(NAME, d), []);
    });
});
