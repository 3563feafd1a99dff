import { strict as assert } from "assert";
import { assertPolicyMetadata } from "../helpers";
import { checkProvider } from "./_provider";

const NAME = "helm-chart-pinned";
const TYPES = ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"];
const chart = { chart: "cilium", version: "1.19.6", repositoryOpts: { repo: "https://helm.cilium.io" } };

describe(NAME, () => {
    it("is mandatory with a full-sentence description", () => assertPolicyMetadata(NAME, "mandatory"));

    for (const type of TYPES) {
        it(`${type}: passes an exact version from an https repository, or an OCI chart`, () => {
            assert.deepEqual(checkProvider(NAME, type, chart), []);
            assert.deepEqual(checkProvider(NAME, type, { chart: "oci://harbor.local.dev/charts/app", version: "0.3.1" }), []);
        });

        it(`${type}: fails a version range, naming the field`, () => {
            assert.deepEqual(
                checkProvider(NAME, type, { ...chart, version: "^1.19.0" }).map((v) => v.message),
                [`version is "^1.19.0"; pin the chart to an exact version such as "1.2.3".`],
            );
        });

        it(`${type}: fails a plain-http repository and a missing repository`, () => {
            assert.deepEqual(
                checkProvider(NAME, type, { ...chart, repositoryOpts: { repo: "http://helm.cilium.io" } }).map((v) => v.message),
                [`repositoryOpts.repo "http://helm.cilium.io" is not https; use the https URL of the repository.`],
            );
            assert.match(checkProvider(NAME, type, { chart: "cilium/cilium", version: "1.19.6" })[0].message, /^repositoryOpts\.repo is not set/);
        });
    }

    it("does not apply to other resource types", () => {
        assert.deepEqual(checkProvider(NAME, "kubernetes:helm.sh/v3:Chart", { chart: "x" }), []);
    });
});
