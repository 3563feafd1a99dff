/**
 * The custom Falco rules of seed 001 §13.3/§19.3 for Falco 0.44 (falcosecurity/charts falco 9.1.0),
 * fixed where the seed's conditions would not load or would drown real alerts:
 * - drift uses `proc.is_exe_upper_layer` (an executable written after the container started, as
 *   upstream's "Drop and execute new binary in container"); the seed's `known_binary` is defined
 *   nowhere;
 * - sensitive paths are matched on file opens (`open_read`): the seed's bare `fd.name` test has no
 *   event type, which Falco warns about and evaluates on every syscall;
 * - unknown outbound relies on upstream `outbound`, which already leaves out RFC 1918 peers.
 * Lists and macros carry a `platform_` prefix: redefining an upstream name would replace it for
 * the default rules too.
 */
import { stringify } from "yaml";

/**
 * Macros and lists the rules use from upstream `falco_rules.yaml` (falcosecurity/rules, loaded by
 * the chart by default): spawned_process, container, open_read, outbound.
 */
export const FALCO_DEFAULT_MACROS: ReadonlyArray<string> = ["spawned_process", "container", "open_read", "outbound"];

/** Falco rule priorities (falco.org "Rules" reference). */
export const FALCO_PRIORITIES = ["EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFORMATIONAL", "DEBUG"] as const;

/** One item of a Falco rules file. */
export type FalcoItem =
    | { list: string; items: string[] }
    | { macro: string; condition: string }
    | { rule: string; desc: string; condition: string; output: string; priority: (typeof FALCO_PRIORITIES)[number]; tags: string[] };

/** Lists and macros before the rules that use them: Falco resolves names in file order. */
export function falcoCustomRules(): FalcoItem[] {
    return [
        { list: "platform_miner_binaries", items: ["xmrig", "minerd", "cpuminer"] },
        { list: "platform_k8s_client_binaries", items: ["kubectl", "helm", "k9s"] },
        { list: "platform_shell_binaries", items: ["sh", "bash", "ash", "dash", "zsh", "ksh"] },
        // Images allowed to reach public addresses (none yet); tune here, not in the rule.
        { list: "platform_allowed_outbound_images", items: [] },
        {
            // Host control-plane material: inside a container only through a hostPath mount.
            macro: "platform_host_sensitive_path",
            condition: "(fd.name startswith /etc/kubernetes/ or fd.name startswith /var/lib/kubelet/ or fd.name startswith /var/lib/etcd/)",
        },
        {
            // Service-account tokens are read by every client library, so only a shell or a
            // kubectl-like tool reading one is worth an alert.
            macro: "platform_token_read_by_tool",
            condition: `(fd.name startswith /var/run/secrets/kubernetes.io/ and proc.name in (platform_k8s_client_binaries, platform_shell_binaries))`,
        },
        {
            rule: "Crypto Mining Process",
            desc: "A known miner binary or a stratum mining-pool URL in a new process",
            condition: `spawned_process and (proc.name in (platform_miner_binaries) or proc.cmdline contains "stratum+tcp")`,
            output: "Crypto mining detected (user=%user.name command=%proc.cmdline container=%container.name image=%container.image.repository pod=%k8s.pod.name ns=%k8s.ns.name)",
            priority: "CRITICAL",
            tags: ["crypto", "mining", "platform"],
        },
        {
            rule: "Container Drift",
            desc: "An executable that is not part of the container image was started",
            condition: "spawned_process and container and proc.is_exe_upper_layer=true",
            output: "Container drift: executable not in the image (user=%user.name exe=%proc.exepath command=%proc.cmdline container=%container.name image=%container.image.repository pod=%k8s.pod.name ns=%k8s.ns.name)",
            priority: "WARNING",
            tags: ["drift", "container", "platform"],
        },
        {
            rule: "Kubernetes Client Tool Execution in Container",
            desc: "kubectl, helm or k9s run inside a container",
            condition: "spawned_process and container and proc.name in (platform_k8s_client_binaries)",
            output: "Kubernetes client tool run in a container (user=%user.name command=%proc.cmdline container=%container.name pod=%k8s.pod.name ns=%k8s.ns.name)",
            priority: "WARNING",
            tags: ["k8s", "container", "platform"],
        },
        {
            rule: "Sensitive Mount Read",
            desc: "A container read host control-plane files or a shell read a service-account token",
            condition: "open_read and container and (platform_host_sensitive_path or platform_token_read_by_tool)",
            output: "Sensitive path read (user=%user.name process=%proc.name path=%fd.name container=%container.name pod=%k8s.pod.name ns=%k8s.ns.name)",
            priority: "CRITICAL",
            tags: ["filesystem", "container", "platform"],
        },
        {
            rule: "Outbound Connection to Unknown IP",
            desc: "A container connected to a public (non-RFC 1918) address",
            condition: "outbound and container and not container.image.repository in (platform_allowed_outbound_images)",
            output: "Outbound connection to a public address (ip=%fd.sip port=%fd.sport container=%container.name image=%container.image.repository pod=%k8s.pod.name ns=%k8s.ns.name)",
            priority: "NOTICE",
            tags: ["network", "container", "platform"],
        },
    ];
}

/** The rules file the chart's `customRules` mounts into /etc/falco/rules.d. */
export function renderFalcoCustomRules(): string {
    return stringify(falcoCustomRules(), { lineWidth: 0 });
}
