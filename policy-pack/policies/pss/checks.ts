// The Pod Security Standards checks, with the semantics of the newest policy version of
// kubernetes/pod-security-admission (policy/check_*.go, v1.37): same fields, same allowed values,
// same pod/container combination rules, same Windows and user-namespace relaxations.
// One entry per upstream check ID; policies/pss/index.ts turns each into a policy.
import { containersOf, PodTemplate } from "../../lib/k8s";

export type PssLevel = "baseline" | "restricted";

/** One offending field: its path in the object and what to do about it. */
export interface PssFinding {
    path: string;
    message: string;
}

export interface PssCheck {
    /** The upstream check ID (policy/check_*.go), used by the conformance tests. */
    id: string;
    /** The policy name suffix: the policy is `pss-<level>-<slug>`. */
    slug: string;
    level: PssLevel;
    description: string;
    check(pod: PodTemplate): PssFinding[];
}

const isWindows = (pod: PodTemplate) => pod.spec.os?.name === "windows";
// KEP-127: pods in a user namespace (hostUsers: false) get relaxed procMount/runAsNonRoot/runAsUser checks.
const inUserNamespace = (pod: PodTemplate) => pod.spec.hostUsers === false;
const podSc = (pod: PodTemplate) => pod.spec.securityContext ?? {};
const podScPath = (pod: PodTemplate) => `${pod.specPath}.securityContext`;

const BASELINE_CAPABILITIES = new Set([
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
]);
const ALLOWED_SYSCTLS = new Set([
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
]);
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
const PROFILE_TYPES = new Set(["RuntimeDefault", "Localhost"]);
const RESTRICTED_VOLUME_SOURCES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"];
const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";
const BASELINE_CAPABILITY_FIX = `remove it (only ${[...BASELINE_CAPABILITIES].join(", ")} may be added).`;
const RESTRICTED_VOLUME_LIST = RESTRICTED_VOLUME_SOURCES.join(", ");
const HOST_PATH_FIX = "use a persistentVolumeClaim, configMap, secret or emptyDir volume.";

const set = (v: unknown) => v !== undefined && v !== null;
const volumes = (pod: PodTemplate): any[] => (Array.isArray(pod.spec.volumes) ? pod.spec.volumes : []);

/** Pod-level then container-level securityContext fields that hold a forbidden value. */
function podAndContainerFields(pod: PodTemplate, field: string, bad: (v: any) => boolean, fix: (path: string, v: any) => string): PssFinding[] {
    const findings: PssFinding[] = [];
    const podValue = podSc(pod)[field];
    if (set(podValue) && bad(podValue)) {
        const path = `${podScPath(pod)}.${field}`;
        findings.push({ path, message: fix(path, podValue) });
    }
    for (const c of containersOf(pod)) {
        const value = c.container.securityContext?.[field];
        if (set(value) && bad(value)) {
            const path = `${c.path}.securityContext.${field}`;
            findings.push({ path, message: fix(path, value) });
        }
    }
    return findings;
}

function containerFields(pod: PodTemplate, field: string, bad: (v: any) => boolean, fix: (path: string, v: any) => string): PssFinding[] {
    return containersOf(pod).flatMap((c) => {
        const value = c.container.securityContext?.[field];
        const path = `${c.path}.securityContext.${field}`;
        return set(value) && bad(value) ? [{ path, message: fix(path, value) }] : [];
    });
}

const json = (v: unknown) => JSON.stringify(v);
/** A field's value for a message: its JSON, or "unset". */
const setting = (v: unknown) => (v === undefined ? "unset" : json(v));

/** seccompProfile_restricted and runAsNonRoot: the container inherits the pod value unless it sets its own. */
function inheritedField(
    pod: PodTemplate,
    field: string,
    valid: (v: any) => boolean,
    fixSetter: (path: string, v: any) => string,
    fixUnset: (path: string) => string,
): PssFinding[] {
    const findings: PssFinding[] = [];
    const podValue = podSc(pod)[field];
    const podValid = set(podValue) && valid(podValue);
    if (set(podValue) && !podValid) {
        const path = `${podScPath(pod)}.${field}`;
        findings.push({ path, message: fixSetter(path, podValue) });
    }
    for (const c of containersOf(pod)) {
        const value = c.container.securityContext?.[field];
        const path = `${c.path}.securityContext.${field}`;
        if (set(value) && !valid(value)) {
            findings.push({ path, message: fixSetter(path, value) });
        } else if (!set(value) && !podValid) {
            findings.push({ path, message: fixUnset(path) });
        }
    }
    return findings;
}

function procMount(pod: PodTemplate): PssFinding[] {
    return containerFields(
        pod,
        "procMount",
        (v) => v !== "Default",
        (p, v) => `${p} is ${json(v)}; remove it or set it to "Default" so /proc stays masked.`,
    );
}

function seccompSetters(pod: PodTemplate): PssFinding[] {
    return podAndContainerFields(
        pod,
        "seccompProfile",
        (v) => !PROFILE_TYPES.has(v?.type),
        (p, v) => `${p}.type is ${json(v?.type ?? "")}; set it to "RuntimeDefault" or "Localhost".`,
    );
}

export const PSS_CHECKS: PssCheck[] = [
    // ---- baseline ----
    {
        id: "privileged",
        slug: "privileged",
        level: "baseline",
        description: "Containers must not run privileged, because a privileged container has full access to the node.",
        check: (pod) =>
            containerFields(
                pod,
                "privileged",
                (v) => v === true,
                (p) => `${p} is true; remove it or set it to false.`,
            ),
    },
    {
        id: "hostNamespaces",
        slug: "host-namespaces",
        level: "baseline",
        description: "Pods must not share the node's network, PID or IPC namespace.",
        check: (pod) =>
            ["hostNetwork", "hostPID", "hostIPC"]
                .filter((f) => pod.spec[f] === true)
                .map((f) => ({ path: `${pod.specPath}.${f}`, message: `${pod.specPath}.${f} is true; remove it or set it to false.` })),
    },
    {
        id: "hostPathVolumes",
        slug: "host-path-volumes",
        level: "baseline",
        description: "Pods must not mount hostPath volumes, because they expose the node's filesystem.",
        check: (pod) =>
            volumes(pod).flatMap((v, i) =>
                set(v?.hostPath)
                    ? [
                          {
                              path: `${pod.specPath}.volumes[${i}].hostPath`,
                              message: `${pod.specPath}.volumes[${i}].hostPath (volume ${json(v.name)}) is forbidden; ${HOST_PATH_FIX}`,
                          },
                      ]
                    : [],
            ),
    },
    {
        id: "hostPorts",
        slug: "host-ports",
        level: "baseline",
        description: "Containers must not bind host ports, because they bypass network policy and pin pods to nodes.",
        check: (pod) =>
            containersOf(pod).flatMap((c) =>
                (Array.isArray(c.container.ports) ? c.container.ports : []).flatMap((port: any, j: number) =>
                    set(port?.hostPort) && port.hostPort !== 0
                        ? [
                              {
                                  path: `${c.path}.ports[${j}].hostPort`,
                                  message: `${c.path}.ports[${j}].hostPort is ${port.hostPort}; remove it (or set 0) and expose the port through a Service.`,
                              },
                          ]
                        : [],
                ),
            ),
    },
    {
        id: "hostProbesAndHostLifecycle",
        slug: "host-probes-and-lifecycle",
        level: "baseline",
        description: "Probes and lifecycle handlers must not set a host, so they cannot be used to reach other hosts from the kubelet.",
        check: (pod) =>
            containersOf(pod).flatMap((c) => {
                const handlers: [string, any][] = [
                    ["livenessProbe", c.container.livenessProbe],
                    ["readinessProbe", c.container.readinessProbe],
                    ["startupProbe", c.container.startupProbe],
                    ["lifecycle.postStart", c.container.lifecycle?.postStart],
                    ["lifecycle.preStop", c.container.lifecycle?.preStop],
                ];
                return handlers.flatMap(([name, h]) =>
                    ["httpGet", "tcpSocket"].flatMap((action) => {
                        const host = h?.[action]?.host;
                        const path = `${c.path}.${name}.${action}.host`;
                        return typeof host === "string" && host !== ""
                            ? [{ path, message: `${path} is ${json(host)}; remove it so the probe targets the pod itself.` }]
                            : [];
                    }),
                );
            }),
    },
    {
        id: "capabilities_baseline",
        slug: "capabilities",
        level: "baseline",
        description: "Containers may only add Linux capabilities from the Kubernetes default set.",
        check: (pod) =>
            containersOf(pod).flatMap((c) => {
                const add: any[] = c.container.securityContext?.capabilities?.add ?? [];
                return add.flatMap((cap, j) =>
                    BASELINE_CAPABILITIES.has(cap)
                        ? []
                        : [
                              {
                                  path: `${c.path}.securityContext.capabilities.add[${j}]`,
                                  message: `${c.path}.securityContext.capabilities.add[${j}] is ${json(cap)}; ${BASELINE_CAPABILITY_FIX}`,
                              },
                          ],
                );
            }),
    },
    {
        id: "procMount",
        slug: "proc-mount",
        level: "baseline",
        description: "Containers must use the default masked /proc mount unless the pod runs in a user namespace.",
        check: (pod) => (inUserNamespace(pod) ? [] : procMount(pod)),
    },
    {
        id: "seccompProfile_baseline",
        slug: "seccomp-profile",
        level: "baseline",
        description: "Pods and containers must not set the seccomp profile to Unconfined.",
        check: seccompSetters,
    },
    {
        id: "appArmorProfile",
        slug: "apparmor-profile",
        level: "baseline",
        description: "Pods and containers must not override the default AppArmor profile with an unconfined one.",
        check: (pod) => {
            const findings = podAndContainerFields(
                pod,
                "appArmorProfile",
                (v) => !PROFILE_TYPES.has(v?.type),
                (p, v) => `${p}.type is ${json(v?.type ?? "")}; set it to "RuntimeDefault" or "Localhost".`,
            );
            for (const [key, value] of Object.entries(pod.metadata.annotations ?? {})) {
                if (key.startsWith(APPARMOR_ANNOTATION_PREFIX) && !(value === "" || value === "runtime/default" || String(value).startsWith("localhost/"))) {
                    const path = `${pod.metaPath}.annotations["${key}"]`;
                    findings.push({ path, message: `${path} is ${json(value)}; use "runtime/default" or "localhost/<profile>".` });
                }
            }
            return findings;
        },
    },
    {
        id: "seLinuxOptions",
        slug: "selinux-options",
        level: "baseline",
        description: "Pods and containers must not set a custom SELinux user or role, nor a type outside the container types.",
        check: (pod) =>
            podAndContainerFields(
                pod,
                "seLinuxOptions",
                (v) => !SELINUX_TYPES.has(v?.type ?? "") || !!v?.user || !!v?.role,
                (p, v) => {
                    const problems = [
                        ...(SELINUX_TYPES.has(v?.type ?? "")
                            ? []
                            : [`type ${json(v.type)} is not one of container_t, container_init_t, container_kvm_t, container_engine_t`]),
                        ...(v?.user ? [`user ${json(v.user)} must not be set`] : []),
                        ...(v?.role ? [`role ${json(v.role)} must not be set`] : []),
                    ];
                    return `${p}: ${problems.join("; ")}; remove the custom SELinux options.`;
                },
            ),
    },
    {
        id: "sysctls",
        slug: "sysctls",
        level: "baseline",
        description: "Pods may only set the namespaced sysctls that Kubernetes considers safe.",
        check: (pod) =>
            (Array.isArray(podSc(pod).sysctls) ? podSc(pod).sysctls : []).flatMap((s: any, i: number) =>
                ALLOWED_SYSCTLS.has(s?.name)
                    ? []
                    : [
                          {
                              path: `${podScPath(pod)}.sysctls[${i}].name`,
                              message: `${podScPath(pod)}.sysctls[${i}].name is ${json(s?.name)}; remove it (only the safe sysctl set is allowed).`,
                          },
                      ],
            ),
    },
    {
        id: "windowsHostProcess",
        slug: "windows-host-process",
        level: "baseline",
        description: "Pods and containers must not run as Windows HostProcess containers.",
        check: (pod) =>
            podAndContainerFields(
                pod,
                "windowsOptions",
                (v) => v?.hostProcess === true,
                (p) => `${p}.hostProcess is true; remove it or set it to false.`,
            ),
    },
    // ---- restricted ----
    {
        id: "restrictedVolumes",
        slug: "volume-types",
        level: "restricted",
        description: "Pods may only use configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret volumes.",
        check: (pod) =>
            volumes(pod).flatMap((v, i) => {
                const kind = Object.keys(v ?? {}).find((k) => k !== "name" && set(v[k]));
                // A volume without a source is defaulted to emptyDir by the API server.
                if (kind === undefined || RESTRICTED_VOLUME_SOURCES.some((k) => set(v?.[k]))) {
                    return [];
                }
                return [
                    {
                        path: `${pod.specPath}.volumes[${i}].${kind}`,
                        message: `${pod.specPath}.volumes[${i}] (volume ${json(v?.name)}) uses the ${kind} volume type; use one of ${RESTRICTED_VOLUME_LIST}.`,
                    },
                ];
            }),
    },
    {
        id: "allowPrivilegeEscalation",
        slug: "allow-privilege-escalation",
        level: "restricted",
        description: "Containers must set allowPrivilegeEscalation to false (Windows pods are exempt).",
        check: (pod) =>
            isWindows(pod)
                ? []
                : containersOf(pod).flatMap((c) => {
                      const value = c.container.securityContext?.allowPrivilegeEscalation;
                      const path = `${c.path}.securityContext.allowPrivilegeEscalation`;
                      return value === false ? [] : [{ path, message: `${path} is ${setting(value)}; set it to false.` }];
                  }),
    },
    {
        id: "runAsNonRoot",
        slug: "run-as-non-root",
        level: "restricted",
        description: "Containers must run as non-root: runAsNonRoot must be true on the pod or on every container, and false nowhere.",
        check: (pod) =>
            inUserNamespace(pod)
                ? []
                : inheritedField(
                      pod,
                      "runAsNonRoot",
                      (v) => v === true,
                      (p) => `${p} is false; set it to true.`,
                      (p) => `${p} is unset and the pod does not set it; set runAsNonRoot: true on the pod or on this container.`,
                  ),
    },
    {
        id: "runAsUser",
        slug: "run-as-user",
        level: "restricted",
        description: "Pods and containers must not set runAsUser to 0 (root).",
        check: (pod) =>
            inUserNamespace(pod)
                ? []
                : podAndContainerFields(
                      pod,
                      "runAsUser",
                      (v) => v === 0,
                      (p) => `${p} is 0; set a non-zero UID.`,
                  ),
    },
    {
        id: "capabilities_restricted",
        slug: "capabilities",
        level: "restricted",
        description: "Containers must drop ALL capabilities and may add back only NET_BIND_SERVICE (Windows pods are exempt).",
        check: (pod) =>
            isWindows(pod)
                ? []
                : containersOf(pod).flatMap((c) => {
                      const caps = c.container.securityContext?.capabilities ?? {};
                      const findings: PssFinding[] = [];
                      const drop: any[] = Array.isArray(caps.drop) ? caps.drop : [];
                      if (!drop.includes("ALL")) {
                          const path = `${c.path}.securityContext.capabilities.drop`;
                          findings.push({ path, message: `${path} does not include "ALL"; set drop: ["ALL"].` });
                      }
                      (Array.isArray(caps.add) ? caps.add : []).forEach((cap: any, j: number) => {
                          if (cap !== "NET_BIND_SERVICE") {
                              const path = `${c.path}.securityContext.capabilities.add[${j}]`;
                              findings.push({ path, message: `${path} is ${json(cap)}; remove it (only NET_BIND_SERVICE may be added).` });
                          }
                      });
                      return findings;
                  }),
    },
    {
        id: "seccompProfile_restricted",
        slug: "seccomp-profile",
        level: "restricted",
        description: "The pod or every container must set the seccomp profile to RuntimeDefault or Localhost (Windows pods are exempt).",
        check: (pod) =>
            isWindows(pod)
                ? []
                : inheritedField(
                      pod,
                      "seccompProfile",
                      (v) => PROFILE_TYPES.has(v?.type),
                      (p, v) => `${p}.type is ${json(v?.type ?? "")}; set it to "RuntimeDefault" or "Localhost".`,
                      (p) => `${p} is unset and the pod does not set it; set seccompProfile.type: RuntimeDefault on the pod or on this container.`,
                  ),
    },
    {
        id: "procMount_restricted",
        slug: "proc-mount",
        level: "restricted",
        description: "Containers must use the default masked /proc mount, even in a user namespace.",
        check: procMount,
    },
];
