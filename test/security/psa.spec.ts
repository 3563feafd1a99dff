// PSA labels and the exemption record of seed 001 §6.4: reason, approver, owner, review-by at most
// 6 months after approval.
import { strict as assert } from "assert";
import { exemptionAnnotations, namespaceMetadata, psaLabels } from "../../components/lib/psa";
import { PSA_EXEMPTION_ANNOTATION_PREFIX, PSA_EXEMPTIONS_APPROVED_ON, PSA_EXEMPTIONS_REVIEW_BY } from "../../policy-pack/conventions";

describe("PSA labels and exemptions", () => {
    it("sets enforce to the level and keeps audit and warn at restricted", () => {
        for (const level of ["privileged", "baseline", "restricted"] as const) {
            const labels = psaLabels(level);
            assert.equal(labels["pod-security.kubernetes.io/enforce"], level);
            assert.equal(labels["pod-security.kubernetes.io/audit"], "restricted");
            assert.equal(labels["pod-security.kubernetes.io/warn"], "restricted");
        }
    });

    it("review-by is a real date after approval and at most 6 months later", () => {
        const approved = new Date(`${PSA_EXEMPTIONS_APPROVED_ON}T00:00:00Z`);
        const reviewBy = new Date(`${PSA_EXEMPTIONS_REVIEW_BY}T00:00:00Z`);
        assert.equal(reviewBy.toISOString().slice(0, 10), PSA_EXEMPTIONS_REVIEW_BY, "a valid calendar date");
        const limit = new Date(approved);
        limit.setUTCMonth(limit.getUTCMonth() + 6);
        assert.ok(reviewBy > approved && reviewBy <= limit, `${PSA_EXEMPTIONS_REVIEW_BY} is within 6 months of ${PSA_EXEMPTIONS_APPROVED_ON}`);
    });

    it("a privileged namespace carries enforce privileged and the whole record, under the one label domain", () => {
        const exemption = { namespace: "falco", reason: "needs eBPF", owner: "team-x" };
        const meta = namespaceMetadata({ privileged: exemption });
        assert.equal(meta.name, "falco");
        assert.equal(meta.labels["pod-security.kubernetes.io/enforce"], "privileged");
        assert.deepEqual(meta.annotations, exemptionAnnotations(exemption));
        assert.equal(PSA_EXEMPTION_ANNOTATION_PREFIX, "platform.example/psa-exemption-");
        const keys = Object.keys(meta.annotations!)
            .map((k) => k.replace(PSA_EXEMPTION_ANNOTATION_PREFIX, ""))
            .sort();
        assert.deepEqual(keys, ["approved-on", "approver", "owner", "reason", "review-by"]);
        assert.ok(Object.values(meta.annotations!).every((v) => v.trim() !== ""));
    });

    it("a baseline or restricted namespace carries its level and no exemption record", () => {
        for (const level of ["baseline", "restricted"] as const) {
            const meta = namespaceMetadata({ name: "x", level });
            assert.equal(meta.labels["pod-security.kubernetes.io/enforce"], level);
            assert.equal(meta.annotations, undefined);
        }
    });
});
