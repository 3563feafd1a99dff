// The pack and Kyverno enforce the same trusted registries: one corpus of image references
// (fixtures/image-references.ts) runs through the pack's `trusted-image-registries` and through the
// pattern of Kyverno's `require-trusted-registry` (evaluated by the model in kyverno-pattern.ts), and
// both must give the verdict the resolved name implies. Also: the limits rule checks Pods only.
import { strict as assert } from "assert";
import { AUTOGEN_CONTROLLERS_ANNOTATION, ClusterPolicyManifest, kyvernoClusterPolicies, listKey, registryPattern } from "../../components/kyverno/policies";
import { CONTAINER_LISTS, DEFAULT_TRUSTED_REGISTRIES, trustedRegistryProblem } from "../../policy-pack/conventions";
import { imageName, parseImage } from "../../policy-pack/lib/image";
import { IMAGE_REFERENCES } from "./fixtures/image-references";
import { check } from "./helpers";
import { kyvernoStringMatches } from "./kyverno-pattern";

const REGISTRY_LISTS: readonly (readonly string[])[] = [
    DEFAULT_TRUSTED_REGISTRIES,
    ["docker.io/bitnami", "ghcr.io/acme", "localhost:5000", "192.168.64.10:5000", "registry.example.org/team/"],
];

/** Trusted means the resolved name lies under one of the entries, the definition of seed 001 §13.2. */
const expectedTrusted = (resolvesTo: string, registries: readonly string[]) => registries.some((r) => resolvesTo.startsWith(`${r.replace(/\/+$/, "")}/`));

const trustedRegistryPolicy = (registries: readonly string[]) =>
    kyvernoClusterPolicies(registries).find((p) => p.metadata.name === "require-trusted-registry") as ClusterPolicyManifest;

/** The image pattern Kyverno applies to every element of each container list. */
function kyvernoImagePattern(registries: readonly string[]): string {
    const spec = (trustedRegistryPolicy(registries).spec.rules[0].validate.pattern as any).spec;
    const patterns = CONTAINER_LISTS.map((list) => spec[listKey(list)][0].image);
    assert.equal(new Set(patterns).size, 1, "one image pattern for every container list");
    return patterns[0];
}

/** The pack's verdict on a Pod running the image, with no explicitly allowed images. */
function packTrusts(image: string, registries: readonly string[]): boolean {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "apps" }, spec: { containers: [{ name: "c", image }] } };
    return check("trusted-image-registries", pod, { "trusted-image-registries": { trustedRegistries: [...registries], allowedImages: [] } }).length === 0;
}

describe("the pack and Kyverno agree on trusted registries", () => {
    it("the pack resolves every corpus reference to the name the runtime uses", () => {
        for (const { image, resolvesTo } of IMAGE_REFERENCES) {
            assert.equal(imageName(parseImage(image)), resolvesTo, image);
        }
    });

    for (const registries of REGISTRY_LISTS) {
        describe(`trusting ${registries.join(", ")}`, () => {
            const pattern = kyvernoImagePattern(registries);

            it("the corpus has trusted and untrusted references, short Docker Hub names among them", () => {
                const verdicts = IMAGE_REFERENCES.map((r) => expectedTrusted(r.resolvesTo, registries));
                assert.ok(verdicts.includes(true) && verdicts.includes(false));
            });

            for (const { image, resolvesTo } of IMAGE_REFERENCES) {
                const trusted = expectedTrusted(resolvesTo, registries);
                it(`${trusted ? "both admit" : "both reject"} ${image}`, () => {
                    assert.equal(packTrusts(image, registries), trusted, `pack on ${image} (resolves to ${resolvesTo})`);
                    assert.equal(kyvernoStringMatches(image, pattern), trusted, `Kyverno pattern ${JSON.stringify(pattern)} on ${image}`);
                });
            }
        });
    }

    it("the registry-prefix pattern alone would reject short Docker Hub names (network review #10), so the check above can fail", () => {
        assert.equal(kyvernoStringMatches("nginx:1.27", "harbor.local.dev/* | gcr.io/* | docker.io/library/*"), false);
        assert.equal(kyvernoStringMatches("docker.io/library/nginx:1.27", "harbor.local.dev/* | gcr.io/* | docker.io/library/*"), true);
    });

    it("refuses entries it cannot enforce alike, naming the entry and the fix", () => {
        for (const [entry, fix] of [
            ["docker.io", /name a namespace such as docker\.io\/library/],
            ["index.docker.io/library", /write docker\.io/],
            ["library", /does not start with a registry host/],
            ["docker.io/registry.example.org", /reads as a registry host/],
            ["harbor.local.dev/*", /pattern syntax/],
            ["gcr.io | quay.io", /pattern syntax/],
        ] as const) {
            assert.match(trustedRegistryProblem(entry) ?? "", fix, entry);
            assert.throws(
                () => registryPattern([entry]),
                (e: Error) => e.message.includes(JSON.stringify(entry)) && fix.test(e.message),
                entry,
            );
        }
        for (const entry of REGISTRY_LISTS.flat()) {
            assert.equal(trustedRegistryProblem(entry), undefined, entry);
        }
    });
});

describe("Kyverno require-resource-limits checks Pods only (network review #4)", () => {
    const policies = kyvernoClusterPolicies(DEFAULT_TRUSTED_REGISTRIES);

    it("turns autogen off on require-resource-limits, so LimitRange defaults reach the Pods of Deployments", () => {
        const limits = policies.find((p) => p.metadata.name === "require-resource-limits")!;
        assert.equal(AUTOGEN_CONTROLLERS_ANNOTATION, "pod-policies.kyverno.io/autogen-controllers");
        assert.equal(limits.metadata.annotations[AUTOGEN_CONTROLLERS_ANNOTATION], "none");
        assert.deepEqual(
            limits.spec.rules.flatMap((r) => r.match.any.flatMap((m) => m.resources.kinds)),
            ["Pod"],
        );
    });

    it("keeps autogen on the other policies, which controllers must meet as well", () => {
        for (const p of policies.filter((p) => p.metadata.name !== "require-resource-limits")) {
            assert.equal(p.metadata.annotations[AUTOGEN_CONTROLLERS_ANNOTATION], undefined, p.metadata.name);
        }
    });
});
