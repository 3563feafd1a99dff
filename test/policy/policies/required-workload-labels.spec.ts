import { strict as assert } from "assert";
import { assertPolicyMetadata, check, compliantDeployment } from "../helpers";

const NAME = "required-workload-labels";

describe(NAME, () => {
    it("is advisory with a full-sentence description", () => assertPolicyMetadata(NAME, "advisory"));

    it("passes a workload labeled svc, team, region and release_id", () => {
        assert.deepEqual(check(NAME, compliantDeployment()), []);
    });

    it("warns about the missing labels", () => {
        const d = compliantDeployment();
        delete d.metadata.labels.release_id;
        assert.deepEqual(
            check(NAME, d).map((v) => v.message),
            [`metadata.labels is missing "release_id"; add them (label standard: svc, team, region, release_id).`],
        );
    });

    it("takes the label list from config", () => {
        const d = compliantDeployment();
        assert.match(check(NAME, d, { [NAME]: { labels: ["svc", "owner"] } })[0].message, /missing "owner"/);
    });
});
