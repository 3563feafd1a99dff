// The Kyverno pattern model against Kyverno's own expectations, so the agreement test rests on
// upstream behaviour: the cases are transcribed from kyverno/kyverno ext/wildcard/match_test.go
// (TestMatch, numbered as there) and pkg/engine/pattern/pattern_test.go
// (TestValidateKernelVersion_NotEquals, TestValidate).
import { strict as assert } from "assert";
import { kyvernoStringMatches, wildcardMatch } from "./kyverno-pattern";

describe("Kyverno pattern model", () => {
    it("matches wildcards as ext/wildcard TestMatch expects", () => {
        const cases: [number, string, string, boolean][] = [
            [1, "*", "s3:GetObject", true],
            [2, "", "s3:GetObject", false],
            [3, "", "", true],
            [4, "s3:*", "s3:ListMultipartUploadParts", true],
            [5, "s3:ListBucketMultipartUploads", "s3:ListBucket", false],
            [8, "my-bucket/oo*", "my-bucket/oo", true],
            [9, "my-bucket/In*", "my-bucket/India/Karnataka/", true],
            [10, "my-bucket/In*", "my-bucket/Karnataka/India/", false],
            [13, "my-bucket/In*/Ka*/Ban", "my-bucket/India/Karnataka/Area1/Area2/Area3/Ban", true],
            [15, "my-bucket/In*/Ka*/Ban", "my-bucket/India/Karnataka/Bangalore", false],
            [18, "my-bucket/oo*", "my-bucket/odo", false],
            [19, "my-bucket?/abc*", "mybucket/abc", false],
            [20, "my-bucket?/abc*", "my-bucket1/abc", true],
            [21, "my-?-bucket/abc*", "my--bucket/abc", false],
            [26, "my-bucket?abc*", "my-bucket/abc", true],
            [28, "my-bucket/abc?efg", "my-bucket/abc/efg", true],
            [29, "my-bucket/abc????", "my-bucket/abc", false],
            [32, "my-bucket/abc?", "my-bucket/abc", false],
            [33, "my-bucket/abc?", "my-bucket/abcd", true],
            [34, "my-bucket/abc?", "my-bucket/abcde", false],
            [35, "my-bucket/mnop*?", "my-bucket/mnop", false],
            [36, "my-bucket/mnop*?", "my-bucket/mnopqrst/mnopqr", true],
            [42, "my-bucket/mnop*?and", "my-bucket/mnopand", false],
            [50, "my-bucket/mnop*?and?", "my-bucket/mnopqanda", true],
            [51, "my-bucket/mnop*?and", "my-bucket/mnopqanda", false],
        ];
        for (const [n, pattern, text, matched] of cases) {
            assert.equal(wildcardMatch(pattern, text), matched, `case ${n}: ${JSON.stringify(pattern)} on ${JSON.stringify(text)}`);
        }
    });

    it("combines ! and & as pattern_test.go expects", () => {
        const cases: [string, string, boolean][] = [
            ["5.16.5-arch1-1", "!5.10.84-1", true],
            ["5.10.84-1", "!5.10.84-1", false],
            ["5.16.5-arch1-1", "!5.10.84-1 & !5.15.2-1", true],
            ["5.10.84-1", "!5.10.84-1 & !5.15.2-1", false],
            ["5.15.2-1", "!5.10.84-1 & !5.15.2-1", false],
            ["!5.10.84-1", "!5.10.84-1", true], // a value equal to the whole pattern matches
        ];
        for (const [value, pattern, want] of cases) {
            assert.equal(kyvernoStringMatches(value, pattern), want, `${JSON.stringify(pattern)} on ${JSON.stringify(value)}`);
        }
    });

    it("takes | as alternatives with spaces around them trimmed", () => {
        assert.equal(kyvernoStringMatches("gcr.io/x", "harbor.local.dev/* | gcr.io/*"), true);
        assert.equal(kyvernoStringMatches("quay.io/x", "harbor.local.dev/* | gcr.io/*"), false);
    });

    it("refuses what it does not model instead of guessing", () => {
        for (const pattern of [">1", "1-5", "1!-5", "100m", "1h30m", "<=2Gi"]) {
            assert.throws(() => kyvernoStringMatches("x", pattern), /not modelled|duration or quantity/, pattern);
        }
    });
});
