import { strict as assert } from "assert";
import { assertPolicyMetadata, check, compliantDeployment } from "../helpers";

const NAME = "read-only-root-filesystem";

describe(NAME, () => {
    it("is advisory with a full-sentence description", () => assertPolicyMetadata(NAME, "advisory"));

    it("passes containers with readOnlyRootFilesystem: true", () => {
        assert.deepEqual(check(NAME, compliantDeployment()), []);
    });

    it("warns (advisory) when an ephemeral container does not set it, naming the field", () => {
        const d = compliantDeployment();
        delete d.spec.template.spec.ephemeralContainers[0].securityContext.readOnlyRootFilesystem;
        const violations = check(NAME, d);
        assert.deepEqual(
            violations.map((v) => [v.level, v.message]),
            [
                [
                    "advisory",
                    "spec.template.spec.ephemeralContainers[0].securityContext.readOnlyRootFilesystem is not true; " +
                        "set it to true and mount an emptyDir where the container writes.",
                ],
            ],
        );
    });
});
