import { strict as assert } from "assert";
import { API_SERVER_PSA_EXEMPTIONS, PSA_EXEMPTION_REASON_ANNOTATION } from "../../../policy-pack/conventions";
import { evaluatePolicies } from "../../../policy-pack/evaluate";
import { policies } from "../../../policy-pack/policies";
import { assertPolicyMetadata, check } from "../helpers";

const NAME = "namespace-psa-labels";
const namespace = (name: string, labels: Record<string, string>) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });
const ENFORCE = "pod-security.kubernetes.io/enforce";
const REASON = PSA_EXEMPTION_REASON_ANNOTATION;

describe(NAME, () => {
    it("is mandatory with a full-sentence description", () => assertPolicyMetadata(NAME, "mandatory"));

    it("passes explicit baseline/restricted labels, and privileged for kube-system (listed by default)", () => {
        assert.deepEqual(
            check(NAME, [
                namespace("apps", { [ENFORCE]: "baseline", "pod-security.kubernetes.io/warn": "restricted" }),
                namespace("kube-system", { [ENFORCE]: "privileged" }),
            ]),
            [],
        );
    });

    it("fails a namespace without the enforce label", () => {
        assert.deepEqual(
            check(NAME, namespace("apps", { team: "x" })).map((v) => v.message),
            [`metadata.labels["${ENFORCE}"] is not set on namespace apps; set it to "baseline" or "restricted".`],
        );
    });

    it("fails an invalid level and an unlisted privileged namespace", () => {
        assert.match(check(NAME, namespace("apps", { [ENFORCE]: "strict" }))[0].message, /is "strict"; use one of privileged, baseline, restricted/);
        assert.match(
            check(NAME, namespace("monitoring", { [ENFORCE]: "privileged" }))[0].message,
            /annotate it with platform\.example\/psa-exemption-reason or list it in this policy's privilegedNamespaces\.$/,
        );
        assert.deepEqual(
            check(NAME, namespace("monitoring", { [ENFORCE]: "privileged" }), {
                [NAME]: { privilegedNamespaces: [{ namespace: "monitoring", reason: "node-exporter" }] },
            }),
            [],
        );
    });

    it("accepts privileged when the Namespace records the reason in its exemption annotation", () => {
        const ns = {
            ...namespace("falco", { [ENFORCE]: "privileged" }),
            metadata: { name: "falco", labels: { [ENFORCE]: "privileged" }, annotations: { [REASON]: "eBPF probe needs host access" } },
        };
        assert.deepEqual(check(NAME, ns), []);
        ns.metadata.annotations[REASON] = " ";
        assert.equal(check(NAME, ns).length, 1, "a blank reason does not count");
    });

    it("defaults to the API server's exemptions from conventions.ts (no cilium-system: Cilium runs in kube-system)", () => {
        assert.equal(REASON, "platform.example/psa-exemption-reason");
        const defaults = (policies.find((p) => p.name === NAME)!.configSchema!.properties.privilegedNamespaces as { default: { namespace: string }[] }).default;
        assert.deepEqual(
            defaults.map((d) => d.namespace),
            API_SERVER_PSA_EXEMPTIONS.map((e) => e.namespace),
        );
        assert.ok(!defaults.some((d) => d.namespace === "cilium-system"));
        assert.equal(check(NAME, namespace("cilium-system", { [ENFORCE]: "privileged" })).length, 1);
    });

    it("checks the PSA labels a NamespacePatch sets, without requiring a patch to set them", () => {
        const patch = (metadata: Record<string, unknown>) =>
            evaluatePolicies(
                [
                    {
                        urn: "urn:pulumi:t::t::kubernetes:core/v1:NamespacePatch::p",
                        type: "kubernetes:core/v1:NamespacePatch",
                        name: "p",
                        dependencies: [],
                        inputs: { metadata },
                    },
                ],
                { policyNames: [NAME] },
            );
        assert.deepEqual(patch({ name: "local-path-storage", annotations: { owner: "storage" } }), []);
        assert.match(patch({ name: "local-path-storage", labels: { [ENFORCE]: "privileged" } })[0].message, /"privileged" on namespace local-path-storage/);
        assert.deepEqual(patch({ name: "local-path-storage", labels: { [ENFORCE]: "privileged" }, annotations: { [REASON]: "hostPath helper pods" } }), []);
        assert.match(patch({ name: "x", labels: { "pod-security.kubernetes.io/warn": "strict" } })[0].message, /is "strict"/);
    });
});
