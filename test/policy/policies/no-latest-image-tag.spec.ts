import { strict as assert } from "assert";
import { assertPolicyMetadata, check, compliantDeployment } from "../helpers";

const NAME = "no-latest-image-tag";
const withImage = (image: string, list = "containers") => {
    const d = compliantDeployment();
    d.spec.template.spec[list][0].image = image;
    return d;
};

describe(NAME, () => {
    it("is mandatory with a full-sentence description", () => assertPolicyMetadata(NAME, "mandatory"));

    it("passes version tags, registry ports and digests", () => {
        assert.deepEqual(check(NAME, [withImage("harbor.local.dev:5000/app:2.1.0"), withImage("harbor.local.dev/app@sha256:" + "a".repeat(64))]), []);
    });

    it("fails :latest, naming the field", () => {
        assert.deepEqual(
            check(NAME, withImage("nginx:latest", "initContainers")).map((v) => v.message),
            [`spec.template.spec.initContainers[0].image "nginx:latest" uses the "latest" tag; pin it to a version tag or a digest.`],
        );
    });

    it("fails an untagged image (a registry port is not a tag)", () => {
        assert.deepEqual(
            check(NAME, withImage("harbor.local.dev:5000/app", "ephemeralContainers")).map((v) => v.message),
            [`spec.template.spec.ephemeralContainers[0].image "harbor.local.dev:5000/app" has no tag; pin it to a version tag or a digest.`],
        );
    });
});
