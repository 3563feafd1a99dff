// One spec per pss-* policy: metadata, a compliant pod that passes in every kind, and failing pods
// mutated in exactly one field, in each container list and each workload kind, with the message asserted.
import { strict as assert } from "assert";
import { policies } from "../../policy-pack/policies";
import { PSS_CHECKS } from "../../policy-pack/policies/pss/checks";
import { pssPolicyName } from "../../policy-pack/policies/pss";
import { check, inEveryKind, specPath } from "./helpers";

type Pod = Record<string, any>;
const LISTS = ["initContainers", "containers", "ephemeralContainers"] as const;

const container = (name: string) => ({
    name,
    image: "harbor.local.dev/app:1.0.0",
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
});

/** Passes every baseline and restricted check. */
function compliantPod(): Pod {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "app", namespace: "apps" },
        spec: {
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            initContainers: [container("init")],
            containers: [container("app")],
            ephemeralContainers: [container("debug")],
        },
    };
}

interface FailCase {
    title: string;
    mutate(spec: Pod, pod: Pod): void;
    /** Text every message must contain; `<spec>` / `<meta>` stand for the pod spec / metadata path of the kind. */
    message: string;
    count?: number;
}

/** The same mutation applied to the first container of each list. */
const inEachList = (title: string, mutate: (c: Pod, spec: Pod) => void, message: string): FailCase[] =>
    LISTS.map((list) => ({
        title: `${title} in ${list}`,
        mutate: (spec) => mutate(spec[list][0], spec),
        message: message.replace("<c>", `<spec>.${list}[0]`),
    }));

const CASES: Record<string, { fail: FailCase[]; pass?: { title: string; mutate(spec: Pod, pod: Pod): void }[] }> = {
    "pss-baseline-privileged": {
        fail: inEachList(
            "privileged: true",
            (c) => {
                c.securityContext.privileged = true;
            },
            "<c>.securityContext.privileged is true; remove it or set it to false.",
        ),
    },
    "pss-baseline-host-namespaces": {
        fail: ["hostNetwork", "hostPID", "hostIPC"].map((f) => ({
            title: `${f}: true`,
            mutate: (spec: Pod) => {
                spec[f] = true;
            },
            message: `<spec>.${f} is true`,
        })),
        pass: [
            {
                title: "hostNetwork: false",
                mutate: (spec) => {
                    spec.hostNetwork = false;
                },
            },
        ],
    },
    "pss-baseline-host-path-volumes": {
        fail: [
            {
                title: "a hostPath volume",
                mutate: (spec) => {
                    spec.volumes = [{ name: "data", hostPath: { path: "/var/lib" } }];
                },
                message: `<spec>.volumes[0].hostPath (volume "data") is forbidden`,
            },
        ],
    },
    "pss-baseline-host-ports": {
        fail: inEachList(
            "hostPort 8080",
            (c) => {
                c.ports = [{ containerPort: 80, hostPort: 8080 }];
            },
            "<c>.ports[0].hostPort is 8080",
        ),
        pass: [
            {
                title: "hostPort 0",
                mutate: (spec) => {
                    spec.containers[0].ports = [{ containerPort: 80, hostPort: 0 }];
                },
            },
        ],
    },
    "pss-baseline-host-probes-and-lifecycle": {
        fail: [
            ...inEachList(
                "livenessProbe.httpGet.host",
                (c) => {
                    c.livenessProbe = { httpGet: { host: "10.0.0.1", port: 80 } };
                },
                `<c>.livenessProbe.httpGet.host is "10.0.0.1"`,
            ),
            {
                title: "lifecycle.preStop.tcpSocket.host",
                mutate: (spec) => {
                    spec.containers[0].lifecycle = { preStop: { tcpSocket: { host: "127.0.0.1", port: 80 } } };
                },
                message: `<spec>.containers[0].lifecycle.preStop.tcpSocket.host is "127.0.0.1"`,
            },
        ],
        pass: [
            {
                title: "a probe without host",
                mutate: (spec) => {
                    spec.containers[0].readinessProbe = { httpGet: { port: 80, path: "/" } };
                },
            },
        ],
    },
    "pss-baseline-capabilities": {
        fail: inEachList(
            "capabilities.add SYS_ADMIN",
            (c) => {
                c.securityContext.capabilities.add = ["SYS_ADMIN"];
            },
            `<c>.securityContext.capabilities.add[0] is "SYS_ADMIN"`,
        ),
        pass: [
            {
                title: "capabilities.add CHOWN",
                mutate: (spec) => {
                    spec.containers[0].securityContext.capabilities.add = ["CHOWN"];
                },
            },
        ],
    },
    "pss-baseline-proc-mount": {
        fail: inEachList(
            "procMount: Unmasked",
            (c) => {
                c.securityContext.procMount = "Unmasked";
            },
            `<c>.securityContext.procMount is "Unmasked"`,
        ),
        pass: [
            {
                title: "procMount: Unmasked with hostUsers: false",
                mutate: (spec) => {
                    spec.hostUsers = false;
                    spec.containers[0].securityContext.procMount = "Unmasked";
                },
            },
        ],
    },
    "pss-baseline-seccomp-profile": {
        fail: [
            {
                title: "pod seccompProfile Unconfined",
                mutate: (spec) => {
                    spec.securityContext.seccompProfile = { type: "Unconfined" };
                },
                message: `<spec>.securityContext.seccompProfile.type is "Unconfined"`,
            },
            ...inEachList(
                "seccompProfile Unconfined",
                (c) => {
                    c.securityContext.seccompProfile = { type: "Unconfined" };
                },
                `<c>.securityContext.seccompProfile.type is "Unconfined"`,
            ),
        ],
        pass: [
            {
                title: "seccompProfile unset everywhere",
                mutate: (spec) => {
                    delete spec.securityContext.seccompProfile;
                },
            },
        ],
    },
    "pss-baseline-apparmor-profile": {
        fail: [
            {
                title: "pod appArmorProfile Unconfined",
                mutate: (spec) => {
                    spec.securityContext.appArmorProfile = { type: "Unconfined" };
                },
                message: `<spec>.securityContext.appArmorProfile.type is "Unconfined"`,
            },
            ...inEachList(
                "appArmorProfile Unconfined",
                (c) => {
                    c.securityContext.appArmorProfile = { type: "Unconfined" };
                },
                `<c>.securityContext.appArmorProfile.type is "Unconfined"`,
            ),
            {
                title: "an unconfined AppArmor annotation",
                mutate: (_s, pod) => {
                    pod.metadata.annotations = { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" };
                },
                message: `<meta>.annotations["container.apparmor.security.beta.kubernetes.io/app"] is "unconfined"`,
            },
        ],
        pass: [
            {
                title: "appArmorProfile Localhost",
                mutate: (spec) => {
                    spec.containers[0].securityContext.appArmorProfile = { type: "Localhost", localhostProfile: "k8s-app" };
                },
            },
        ],
    },
    "pss-baseline-selinux-options": {
        fail: [
            ...inEachList(
                "seLinuxOptions.type spc_t",
                (c) => {
                    c.securityContext.seLinuxOptions = { type: "spc_t" };
                },
                `<c>.securityContext.seLinuxOptions: type "spc_t" is not one of`,
            ),
            {
                title: "pod seLinuxOptions.user",
                mutate: (spec) => {
                    spec.securityContext.seLinuxOptions = { user: "system_u" };
                },
                message: `<spec>.securityContext.seLinuxOptions: user "system_u" must not be set`,
            },
        ],
        pass: [
            {
                title: "seLinuxOptions level only",
                mutate: (spec) => {
                    spec.securityContext.seLinuxOptions = { level: "s0:c123,c456" };
                },
            },
        ],
    },
    "pss-baseline-sysctls": {
        fail: [
            {
                title: "an unsafe sysctl",
                mutate: (spec) => {
                    spec.securityContext.sysctls = [{ name: "kernel.msgmax", value: "65536" }];
                },
                message: `<spec>.securityContext.sysctls[0].name is "kernel.msgmax"`,
            },
        ],
        pass: [
            {
                title: "a safe sysctl",
                mutate: (spec) => {
                    spec.securityContext.sysctls = [{ name: "net.ipv4.tcp_keepalive_time", value: "600" }];
                },
            },
        ],
    },
    "pss-baseline-windows-host-process": {
        fail: [
            {
                title: "pod hostProcess",
                mutate: (spec) => {
                    spec.securityContext.windowsOptions = { hostProcess: true };
                },
                message: "<spec>.securityContext.windowsOptions.hostProcess is true",
            },
            ...inEachList(
                "hostProcess",
                (c) => {
                    c.securityContext.windowsOptions = { hostProcess: true };
                },
                "<c>.securityContext.windowsOptions.hostProcess is true",
            ),
        ],
    },
    "pss-restricted-volume-types": {
        fail: [
            {
                title: "an nfs volume",
                mutate: (spec) => {
                    spec.volumes = [{ name: "share", nfs: { server: "nas", path: "/" } }];
                },
                message: `<spec>.volumes[0] (volume "share") uses the nfs volume type`,
            },
        ],
        pass: [
            {
                title: "configMap, secret, projected and a source-less (emptyDir) volume",
                mutate: (spec) => {
                    spec.volumes = [
                        { name: "a", configMap: { name: "c" } },
                        { name: "b", secret: { secretName: "s" } },
                        { name: "c", projected: { sources: [] } },
                        { name: "d" },
                    ];
                },
            },
        ],
    },
    "pss-restricted-allow-privilege-escalation": {
        fail: inEachList(
            "allowPrivilegeEscalation unset",
            (c) => {
                delete c.securityContext.allowPrivilegeEscalation;
            },
            "<c>.securityContext.allowPrivilegeEscalation is unset; set it to false.",
        ),
        pass: [
            {
                title: "a Windows pod",
                mutate: (spec) => {
                    spec.os = { name: "windows" };
                    delete spec.containers[0].securityContext.allowPrivilegeEscalation;
                },
            },
        ],
    },
    "pss-restricted-run-as-non-root": {
        fail: [
            ...inEachList(
                "runAsNonRoot: false",
                (c) => {
                    c.securityContext.runAsNonRoot = false;
                },
                "<c>.securityContext.runAsNonRoot is false; set it to true.",
            ),
            {
                title: "runAsNonRoot unset on the pod and the containers",
                mutate: (spec) => {
                    delete spec.securityContext.runAsNonRoot;
                },
                message: "is unset and the pod does not set it",
                count: 3,
            },
        ],
        pass: [
            {
                title: "runAsNonRoot on every container instead of the pod",
                mutate: (spec) => {
                    delete spec.securityContext.runAsNonRoot;
                    LISTS.forEach((l) => {
                        spec[l][0].securityContext.runAsNonRoot = true;
                    });
                },
            },
            {
                title: "a pod in a user namespace",
                mutate: (spec) => {
                    spec.hostUsers = false;
                    spec.containers[0].securityContext.runAsNonRoot = false;
                },
            },
        ],
    },
    "pss-restricted-run-as-user": {
        fail: [
            {
                title: "pod runAsUser 0",
                mutate: (spec) => {
                    spec.securityContext.runAsUser = 0;
                },
                message: "<spec>.securityContext.runAsUser is 0; set a non-zero UID.",
            },
            ...inEachList(
                "runAsUser 0",
                (c) => {
                    c.securityContext.runAsUser = 0;
                },
                "<c>.securityContext.runAsUser is 0",
            ),
        ],
        pass: [
            {
                title: "runAsUser 1000",
                mutate: (spec) => {
                    spec.securityContext.runAsUser = 1000;
                },
            },
        ],
    },
    "pss-restricted-capabilities": {
        fail: [
            ...inEachList(
                "drop without ALL",
                (c) => {
                    c.securityContext.capabilities.drop = ["NET_RAW"];
                },
                `<c>.securityContext.capabilities.drop does not include "ALL"`,
            ),
            {
                title: "add CHOWN",
                mutate: (spec) => {
                    spec.containers[0].securityContext.capabilities.add = ["CHOWN"];
                },
                message: `<spec>.containers[0].securityContext.capabilities.add[0] is "CHOWN"; remove it (only NET_BIND_SERVICE may be added).`,
            },
        ],
        pass: [
            {
                title: "add NET_BIND_SERVICE",
                mutate: (spec) => {
                    spec.containers[0].securityContext.capabilities.add = ["NET_BIND_SERVICE"];
                },
            },
        ],
    },
    "pss-restricted-seccomp-profile": {
        fail: [
            ...inEachList(
                "container seccompProfile Unconfined",
                (c) => {
                    c.securityContext.seccompProfile = { type: "Unconfined" };
                },
                `<c>.securityContext.seccompProfile.type is "Unconfined"`,
            ),
            {
                title: "seccompProfile unset on the pod and the containers",
                mutate: (spec) => {
                    delete spec.securityContext.seccompProfile;
                },
                message: "is unset and the pod does not set it",
                count: 3,
            },
        ],
        pass: [
            {
                title: "Localhost on every container instead of the pod",
                mutate: (spec) => {
                    delete spec.securityContext.seccompProfile;
                    LISTS.forEach((l) => {
                        spec[l][0].securityContext.seccompProfile = { type: "Localhost", localhostProfile: "p.json" };
                    });
                },
            },
        ],
    },
    "pss-restricted-proc-mount": {
        fail: inEachList(
            "procMount Unmasked in a user namespace",
            (c, spec) => {
                spec.hostUsers = false;
                c.securityContext.procMount = "Unmasked";
            },
            `<c>.securityContext.procMount is "Unmasked"`,
        ),
    },
};

function build(mutate: (spec: Pod, pod: Pod) => void): Pod {
    const pod = compliantPod();
    mutate(pod.spec, pod);
    return pod;
}

const metaPath = (kind: string) => specPath(kind).replace(/spec$/, "metadata");

describe("pss-* policies", () => {
    it("has one policy per upstream check, each with a spec here", () => {
        const names = PSS_CHECKS.map(pssPolicyName);
        assert.equal(new Set(names).size, names.length, "policy names must be unique");
        assert.deepEqual([...names].sort(), Object.keys(CASES).sort());
    });

    it("passes the compliant pod in every kind under every pss-* policy", () => {
        for (const [kind, object] of inEveryKind(compliantPod())) {
            assert.deepEqual(check("pss-*", object), [], kind);
        }
    });

    for (const [name, { fail, pass = [] }] of Object.entries(CASES)) {
        describe(name, () => {
            const policy = policies.find((p) => p.name === name)!;

            it("is named pss-<level>-<check>, has a full-sentence description, baseline mandatory and restricted advisory", () => {
                assert.match(name, /^pss-(baseline|restricted)-[a-z0-9-]+$/);
                assert.match(policy.description, /^[A-Z].*\.$/);
                assert.equal(policy.enforcementLevel, name.startsWith("pss-baseline-") ? "mandatory" : "advisory");
            });

            for (const c of pass) {
                it(`passes ${c.title} in every kind`, () => {
                    for (const [kind, object] of inEveryKind(build(c.mutate))) {
                        assert.deepEqual(
                            check(name, object).map((v) => v.message),
                            [],
                            kind,
                        );
                    }
                });
            }

            for (const c of fail) {
                it(`fails ${c.title} in every kind, naming the field`, () => {
                    for (const [kind, object] of inEveryKind(build(c.mutate))) {
                        const violations = check(name, object);
                        const expected = c.message.replace("<spec>", specPath(kind)).replace("<meta>", metaPath(kind));
                        assert.equal(violations.length, c.count ?? 1, `${kind}: ${violations.map((v) => v.message).join(" | ")}`);
                        for (const v of violations) {
                            assert.ok(v.message.includes(expected), `${kind}: "${v.message}" does not contain "${expected}"`);
                            assert.equal(v.level, name.startsWith("pss-baseline-") ? "mandatory" : "advisory");
                        }
                    }
                });
            }
        });
    }

    it("skips the namespaces exempted in config, and only those", () => {
        const pod = build((spec) => {
            spec.containers[0].securityContext.privileged = true;
        });
        pod.metadata.namespace = "kube-system";
        assert.deepEqual(check("pss-baseline-privileged", pod), [], "kube-system is exempt by default");
        const config = { "pss-baseline-privileged": { exemptNamespaces: [{ namespace: "apps", reason: "test" }] } };
        assert.equal(check("pss-baseline-privileged", pod, config).length, 1, "configured exemptions replace the defaults");
        pod.metadata.namespace = "apps";
        assert.deepEqual(check("pss-baseline-privileged", pod, config), []);
        pod.metadata.namespace = "cilium-system";
        assert.equal(check("pss-baseline-privileged", pod).length, 1, "only the API server's exemptions are defaults; Cilium runs in kube-system");
    });

    it("does not apply to kinds without a pod template", () => {
        const objects = [
            { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { hostNetwork: "true" } },
            { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "n", namespace: "apps" }, spec: { podSelector: {} } },
        ];
        assert.deepEqual(check("pss-*", objects), []);
    });
});
