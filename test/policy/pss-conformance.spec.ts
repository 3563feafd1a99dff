// Conformance of the pss-* policies with two upstream corpora, read from ../shared/testdata:
// - kubernetes/pod-security-admission test fixtures (v1.37): every pass/fail verdict, as a Pod and in each workload kind;
// - kyverno/policies pod-security chainsaw resources: the good ones admitted, the bad ones rejected.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PSS_CHECKS } from "../../policy-pack/policies/pss/checks";
import { pssPolicyName } from "../../policy-pack/policies/pss";
import { podTemplateOf } from "../../policy-pack/lib/k8s";
import { typeToken } from "../../policy-pack/lib/type-token";
import { check, inEveryKind, requireShared } from "./helpers";

const byId = new Map(PSS_CHECKS.map((c) => [c.id.toLowerCase(), c]));
const nameOf = (id: string) => pssPolicyName(PSS_CHECKS.find((c) => c.id === id)!);

describe("Pod Security Admission fixtures (kubernetes/pod-security-admission v1.37)", function () {
    let root = "";
    before(function () {
        root = requireShared(this, "testdata/psa");
    });

    for (const level of ["baseline", "restricted"] as const) {
        const globs = level === "baseline" ? ["pss-baseline-*"] : ["pss-baseline-*", "pss-restricted-*"];
        const files = (verdict: string) => {
            const dir = path.join(root, level, verdict);
            return fs
                .readdirSync(dir)
                .filter((f) => f.endsWith(".yaml"))
                .sort()
                .map((f) => ({ file: f, pod: YAML.parse(fs.readFileSync(path.join(dir, f), "utf8")) }));
        };

        it(`${level}/pass: every fixture passes the ${level} level as a Pod and in every workload kind`, function () {
            const fixtures = files("pass");
            assert.ok(fixtures.length > 10, "expected the pass fixtures");
            for (const { file, pod } of fixtures) {
                for (const [kind, object] of inEveryKind(pod)) {
                    const violations = check(globs, object);
                    assert.deepEqual(
                        violations.map((v) => `${v.policy}: ${v.message}`),
                        [],
                        `${level}/pass/${file} as ${kind}`,
                    );
                }
            }
        });

        it(`${level}/fail: every fixture fails its check as a Pod and in every workload kind`, function () {
            const fixtures = files("fail");
            assert.ok(fixtures.length > 30, "expected the fail fixtures");
            for (const { file, pod } of fixtures) {
                const checkId = byId.get(file.replace(/\d+\.yaml$/, ""))?.id;
                assert.ok(checkId, `no pss check for fixture ${file}`);
                for (const [kind, object] of inEveryKind(pod)) {
                    const fired = new Set(check(globs, object).map((v) => v.policy));
                    assert.ok(
                        fired.has(nameOf(checkId)),
                        `${level}/fail/${file} as ${kind}: ${nameOf(checkId)} did not fire (fired: ${[...fired].join(", ") || "none"})`,
                    );
                }
            }
        });
    }
});

// Kyverno policy folder -> the PSS check it implements. disallow-host-ports-range is not a PSS
// rule (it admits hostPorts 5000-6000, which PSS forbids), so it has no counterpart.
const KYVERNO: Record<string, string> = {
    "baseline/disallow-capabilities": "capabilities_baseline",
    "baseline/disallow-host-namespaces": "hostNamespaces",
    "baseline/disallow-host-path": "hostPathVolumes",
    "baseline/disallow-host-ports": "hostPorts",
    "baseline/disallow-host-process": "windowsHostProcess",
    "baseline/disallow-privileged-containers": "privileged",
    "baseline/disallow-proc-mount": "procMount",
    "baseline/disallow-selinux": "seLinuxOptions",
    "baseline/restrict-apparmor-profiles": "appArmorProfile",
    "baseline/restrict-seccomp": "seccompProfile_baseline",
    "baseline/restrict-sysctls": "sysctls",
    "restricted/disallow-capabilities-strict": "capabilities_restricted",
    "restricted/disallow-privilege-escalation": "allowPrivilegeEscalation",
    "restricted/require-run-as-non-root-user": "runAsUser",
    "restricted/require-run-as-nonroot": "runAsNonRoot",
    "restricted/restrict-seccomp-strict": "seccompProfile_restricted",
    "restricted/restrict-volume-types": "restrictedVolumes",
};

// Where the Kyverno policies predate the current standard, the bad resource is admitted by the
// baseline check; each such case is named here, and the restricted check must still reject it when one exists.
const NEWER_STANDARD: Record<string, { why: string; applies(object: Record<string, any>): boolean; rejectedBy?: string }> = {
    "baseline/disallow-proc-mount": {
        why: "PSS v1.35 admits an unmasked /proc for pods in a user namespace (hostUsers: false) at baseline",
        applies: (o) => podTemplateOf(typeToken(o.apiVersion, o.kind), o)?.spec.hostUsers === false,
        rejectedBy: "pss-restricted-proc-mount",
    },
    "baseline/disallow-selinux": {
        why: "PSS v1.31 added container_engine_t to the allowed SELinux types",
        applies: (o) => JSON.stringify(o).includes("container_engine_t"),
    },
};

describe("Kyverno pod-security chainsaw resources (kyverno/policies)", function () {
    let root = "";
    before(function () {
        root = requireShared(this, "testdata/kyverno-pod-security");
    });

    for (const [folder, checkId] of Object.entries(KYVERNO)) {
        const policy = nameOf(checkId);
        for (const verdict of ["good", "bad"] as const) {
            const except = verdict === "bad" && NEWER_STANDARD[folder] ? ` except where ${NEWER_STANDARD[folder].why}` : "";
            it(`${folder}: ${verdict} resources ${verdict === "good" ? "pass" : "fail"} ${policy}${except}`, function () {
                const dir = path.join(root, folder, "chainsaw-test");
                const objects = ["pod", "podcontroller"].flatMap((prefix) =>
                    YAML.parseAllDocuments(fs.readFileSync(path.join(dir, `${prefix}-${verdict}.yaml`), "utf8"))
                        .map((d) => d.toJS())
                        .filter(Boolean),
                );
                assert.ok(objects.length > 0, `no resources in ${dir}`);
                for (const object of objects) {
                    const violations = check(policy, object);
                    const label = `${folder} ${verdict}: ${object.kind}/${object.metadata?.name}`;
                    if (verdict === "good") {
                        assert.deepEqual(
                            violations.map((v) => v.message),
                            [],
                            label,
                        );
                    } else {
                        const newer = NEWER_STANDARD[folder];
                        if (violations.length === 0 && newer?.applies(object)) {
                            if (newer.rejectedBy) {
                                assert.ok(check(newer.rejectedBy, object).length > 0, `${label} passed ${newer.rejectedBy}`);
                            }
                            continue;
                        }
                        assert.ok(violations.length > 0, `${label} passed ${policy}`);
                    }
                }
            });
        }
    }
});
