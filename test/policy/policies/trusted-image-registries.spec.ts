import { strict as assert } from "assert";
import { ALLOWED_IMAGES, DEFAULT_TRUSTED_REGISTRIES } from "../../../policy-pack/conventions";
import { resolvePolicies } from "../../../policy-pack/evaluate";
import { assertPolicyMetadata, check, compliantDeployment, inEveryKind, specPath } from "../helpers";

const NAME = "trusted-image-registries";
const UNTRUSTED_FIX = "use one of harbor.local.dev, gcr.io, docker.io/library, or list quay.io/evil/miner in this policy's allowedImages with the reason.";

describe(NAME, () => {
    it("is mandatory with a full-sentence description", () => assertPolicyMetadata(NAME, "mandatory"));

    it("defaults to the platform's trusted registries and allowed images from conventions.ts", () => {
        const [resolved] = resolvePolicies({}, [NAME]);
        assert.deepEqual(resolved.config.trustedRegistries, [...DEFAULT_TRUSTED_REGISTRIES]);
        assert.deepEqual(
            resolved.config.allowedImages,
            ALLOWED_IMAGES.map((a) => ({ ...a })),
        );
    });

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
                assert.equal(
                    v.message,
                    `${specPath(kind)}.${list}[0].image "quay.io/evil/miner:1.0.0" resolves to quay.io/evil/miner, ` +
                        `which is not in a trusted registry; ${UNTRUSTED_FIX}`,
                );
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

    describe("allowedImages", () => {
        const withImage = (image: string) => {
            const d = compliantDeployment();
            d.spec.template.spec.containers[0].image = image;
            return d;
        };
        const allow = (image: string) => ({ [NAME]: { allowedImages: [{ image, reason: "upstream publishes it only there" }] } });

        it("admits the local-path provisioner by default, by its exact name in any spelling and tag", () => {
            assert.deepEqual(check(NAME, withImage("docker.io/rancher/local-path-provisioner:v0.0.37")), []);
            assert.deepEqual(check(NAME, withImage("rancher/local-path-provisioner:v0.0.37")), []);
        });

        it("admits only that name: not its registry, not a longer or shorter repository", () => {
            for (const image of ["rancher/other:1.0.0", "rancher/local-path-provisioner-evil:1.0.0", "rancher/local-path-provisioner/sub:1.0.0"]) {
                assert.equal(check(NAME, withImage(image)).length, 1, image);
            }
        });

        it("replaces the defaults when configured, so the list stays explicit", () => {
            assert.deepEqual(check(NAME, withImage("quay.io/evil/miner:1.0.0"), allow("quay.io/evil/miner")), []);
            assert.equal(check(NAME, withImage("rancher/local-path-provisioner:v0.0.37"), allow("quay.io/evil/miner")).length, 1);
        });

        it("rejects a wildcard, a tag, a digest or a missing reason in the config", () => {
            for (const image of ["quay.io/evil/*", "quay.io/evil/miner:1.0.0", "quay.io/evil/miner@sha256:abc", "miner"]) {
                assert.throws(() => check(NAME, withImage("nginx:1.27.0"), allow(image)), /allowedImages\/0\/image must match pattern/, image);
            }
            assert.throws(
                () => check(NAME, withImage("nginx:1.27.0"), { [NAME]: { allowedImages: [{ image: "quay.io/evil/miner" }] } }),
                /must have required property 'reason'/,
            );
            assert.deepEqual(check(NAME, withImage("nginx:1.27.0"), allow("localhost:5000/tools/debug")), [], "a registry port is not a tag");
        });
    });
});
