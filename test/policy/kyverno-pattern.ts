// A model of how Kyverno 1.19 matches a string leaf of a `validate.pattern` against the resource's
// value, for the subset the platform's policies use. There is no Kyverno binary here; the model is
// checked against Kyverno's own test cases in kyverno-pattern.spec.ts. Source (kyverno/kyverno):
// - pkg/engine/pattern/pattern.go `validateStringPatterns`: a value equal to the whole pattern
//   matches; otherwise the pattern splits on "|" (alternatives, spaces trimmed), each alternative on
//   "&" (conditions, all must hold);
// - `validateStringPattern`: the operator prefix (pkg/engine/operator `GetOperatorFromStringPattern`:
//   ">=", "<=", ">", "<", "!"; a condition shorter than 2 characters has none), and the range forms
//   "a-b" / "a!-b";
// - `validateString`: Go durations and Kubernetes quantities are compared numerically first;
//   `compareString`: `wildcard.Match(pattern, value)`, negated for "!";
// - `wildcard.Match` (ext/wildcard, match_test.go): `*` matches any run of characters including "/"
//   and the empty one, `?` exactly one character, any other character itself.
// Conditions outside the subset (numeric operators, ranges, durations, quantities) throw, so a
// pattern that would need them cannot pass this model by accident.

const RANGE = /^[+-]?\d+(\.\d+)?[A-Za-z]*!?-[+-]?\d+(\.\d+)?[A-Za-z]*$/;
const GO_DURATION = /^[+-]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+)$/;
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

/** Go `strings.Trim(s, " ")`: spaces only, not every whitespace character. */
const trimSpaces = (s: string) => s.replace(/^ +| +$/g, "");

/** Kyverno's wildcard match: the whole value against the whole pattern. */
export function wildcardMatch(pattern: string, value: string): boolean {
    const body = [...pattern].map((ch) => (ch === "*" ? "[\\s\\S]*" : ch === "?" ? "[\\s\\S]" : ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&"))).join("");
    return new RegExp(`^${body}$`, "u").test(value);
}

function condition(value: string, raw: string): boolean {
    if (RANGE.test(raw.replace(/^!/, ""))) {
        throw new Error(`kyverno-pattern model: range condition ${JSON.stringify(raw)} is not modelled`);
    }
    const op = raw.length < 2 ? "" : ([">=", "<=", ">", "<", "!"].find((o) => raw.startsWith(o)) ?? "");
    if (op !== "" && op !== "!") {
        throw new Error(`kyverno-pattern model: operator ${op} is not modelled`);
    }
    const pattern = raw.slice(op.length).trim(); // strings.TrimSpace
    if (GO_DURATION.test(pattern) || QUANTITY.test(pattern)) {
        throw new Error(`kyverno-pattern model: ${JSON.stringify(pattern)} would be compared as a duration or quantity`);
    }
    const matched = wildcardMatch(pattern, value);
    return op === "!" ? !matched : matched;
}

/** Whether Kyverno accepts the string `value` for the pattern leaf `pattern`. */
export function kyvernoStringMatches(value: string, pattern: string): boolean {
    if (value === pattern) {
        return true;
    }
    return pattern.split("|").some((alternative) =>
        trimSpaces(alternative)
            .split("&")
            .every((c) => condition(value, trimSpaces(c))),
    );
}
