// Falco custom rules: the rendered rules file parses, every rule is complete, and every macro or
// list a condition names is defined earlier in the file or is one of the upstream defaults.
import { strict as assert } from "assert";
import { parse } from "yaml";
import { FALCO_DEFAULT_MACROS, FALCO_PRIORITIES, renderFalcoCustomRules } from "../../components/falco/rules";
import { falcoValues } from "../../components/falco";

/** Words of Falco's filter syntax (falco.org "Conditions" reference), which are not names. */
const OPERATORS = new Set([
    "and",
    "or",
    "not",
    "in",
    "intersects",
    "pmatch",
    "contains",
    "icontains",
    "bcontains",
    "startswith",
    "bstartswith",
    "endswith",
    "glob",
    "iglob",
    "regex",
    "exists",
    "true",
    "false",
]);

/** Bare identifiers of a condition: names of macros or lists (fields have dots; strings and paths are dropped). */
function namesIn(condition: string): string[] {
    const withoutStrings = condition.replace(/"[^"]*"/g, " ");
    return (withoutStrings.match(/(?<![\w./%-])[a-z_][a-z0-9_]*(?![\w./-])/g) ?? []).filter((w) => !OPERATORS.has(w));
}

describe("Falco custom rules", () => {
    const items: any[] = parse(renderFalcoCustomRules());

    it("renders a YAML list of lists, macros and rules", () => {
        assert.ok(Array.isArray(items));
        for (const item of items) {
            const kinds = ["rule", "macro", "list"].filter((k) => k in item);
            assert.equal(kinds.length, 1, JSON.stringify(item));
        }
    });

    it("has the seed's five rules (crypto-mining, drift, kubectl, sensitive mounts, unknown outbound)", () => {
        const rules = items.filter((i) => "rule" in i).map((i) => i.rule);
        assert.deepEqual(rules, [
            "Crypto Mining Process",
            "Container Drift",
            "Kubernetes Client Tool Execution in Container",
            "Sensitive Mount Read",
            "Outbound Connection to Unknown IP",
        ]);
    });

    it("gives every rule a non-empty rule, desc, condition and output, and a valid priority", () => {
        for (const r of items.filter((i) => "rule" in i)) {
            for (const key of ["rule", "desc", "condition", "output"]) {
                assert.ok(typeof r[key] === "string" && r[key].trim() !== "", `${r.rule}: ${key}`);
            }
            assert.ok((FALCO_PRIORITIES as readonly string[]).includes(r.priority), `${r.rule}: priority ${r.priority}`);
            assert.ok(r.output.includes("%container.name"), `${r.rule}: output names the container`);
        }
    });

    it("defines every macro and list a condition uses before it, or takes it from the upstream defaults", () => {
        const defined = new Set<string>(FALCO_DEFAULT_MACROS);
        let checked = 0;
        for (const item of items) {
            for (const name of namesIn(item.condition ?? "")) {
                assert.ok(defined.has(name), `${item.rule ?? item.macro}: "${name}" is not defined before use`);
                checked++;
            }
            if ("macro" in item) defined.add(item.macro);
            if ("list" in item) defined.add(item.list);
        }
        assert.ok(checked > 10, "the conditions name macros and lists");
    });

    it("the name check catches an undefined macro (the seed's known_binary)", () => {
        assert.deepEqual(namesIn("spawned_process and container and not proc.is_exe_from_memfd and not known_binary"), [
            "spawned_process",
            "container",
            "known_binary",
        ]);
    });

    it("does not redefine upstream names, which would change the default rules too", () => {
        for (const item of items.filter((i) => "macro" in i || "list" in i)) {
            assert.match(item.macro ?? item.list, /^platform_/);
        }
    });

    it("is what the chart values mount, with the modern eBPF driver", () => {
        const values = falcoValues() as any;
        assert.equal(values.driver.kind, "modern_ebpf");
        assert.deepEqual(parse(values.customRules["rules-custom.yaml"]), items);
    });
});
