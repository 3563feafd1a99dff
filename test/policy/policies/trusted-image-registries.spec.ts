import { strict as assert } from "assert";
import { assertPolicyMetadata, check, compliantDeployment, inEveryKind, specPath } from "../helpers";

const NAME = "trusted-image-registries";

describe(NAME, () => {
    it("is mandatory with a full-sentence description", () => assertPolicyMetadata(NAME, "mandatory"));

    it("passes images from harbor.local.dev, gcr.io and docker.io/library (including the short `nginx` form)", () => {
        const d = compliantDeployment();
        d.spec.template.spec.containers[0].image = "nginx:1.27.0";
        assert.deepEqual(check(NAME, d), []);
    });

    for (const list of ["initContainers", "containers", "ephemeralContainers"]) {
        it(`fails an untrusted image in ${list} of every kind, naming the field`, () => {
            const d = compliantDeployment();
            d.spec.template.spec[list][0].image = "quay.io/evil/miner:1.0.0";
            const pod = { apiVersion: "v1", kind: "Pod", metadata: d.metadata, spec: d.spec.template.spec };
            for (const [kind, object] of inEveryKind(pod)) {
                const [v, ...rest] = check(NAME, object);
                assert.equal(rest.length, 0, kind);
                assert.equal(v.message, `${specPath(kind)}.${list}[0].image "quay.io/evil/miner:1.0.0" resolves to quay.io/evil/miner, which is not in a trusted registry; use one of harbor.local.dev, gcr.io, docker.io/library.`);
            }
        });
    }

    it("treats docker.io/bitnami as untrusted (only docker.io/library is)", () => {
        const d = compliantDeployment();
        d.spec.template.spec.containers[0].image = "bitnami/redis:7.2.0";
        assert.match(check(NAME, d)[0].message, /resolves to docker\.io\/bitnami\/redis/);
    });

    it("takes the registry list from config", () => {
        const d = compliantDeployment();
        d.spec.template.spec.containers[0].image = "quay.io/org/app:1.0.0";
        assert.deepEqual(check(NAME, d, { [NAME]: { trustedRegistries: ["quay.io/org", "harbor.local.dev", "gcr.io"] } }), []);
    });
});
