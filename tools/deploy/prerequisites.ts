/**
 * What must hold on this machine before a deploy, destroy or kubeconfig export starts, each with
 * its fix: the Pulumi CLI and its version, the passphrase, Multipass for the multipass backend, and
 * free memory and disk for the VMs still to be launched.
 */
import { planNodes, StackConfig } from "../../config/model";
import { backendUrl, Check, passphraseCheck } from "./environment";
import { MULTIPASS_MIN_VERSION } from "../../config/versions";

export { MULTIPASS_MIN_VERSION } from "../../config/versions";

/** What the checks ask the machine. The CLI probes the real one; tests pass a fake. */
export interface HostProbe {
    /** Output of `pulumi version` (e.g. "v3.248.0"), or undefined when no `pulumi` is on PATH. */
    pulumiVersion(): Promise<string | undefined>;
    /** Output of `multipass version`, or undefined when no `multipass` is on PATH. */
    multipassVersion(): Promise<string | undefined>;
    /** Names of the Multipass VMs that exist. */
    multipassVms(): Promise<string[]>;
    /** Memory the host can give new VMs now, MiB. */
    availableMemoryMiB(): Promise<number>;
    /** Free disk where Multipass keeps its VMs, GiB. */
    freeDiskGiB(): Promise<number>;
    /** Whether a file exists (PULUMI_CONFIG_PASSPHRASE_FILE). */
    fileExists(file: string): boolean;
}

/** What the command is about to do. */
export interface PrerequisiteInput {
    operation: "up" | "preview" | "destroy" | "kubeconfigs";
    /** The selected stacks with their validated config. */
    stacks: Array<{ stack: string; config: StackConfig }>;
    env: NodeJS.ProcessEnv;
    /** Repository root (the default backend lives under it). */
    root: string;
    /**
     * The @pulumi/pulumi version the project pins: the CLI must be at least that. Pulumi releases the
     * CLI and the SDK together from pulumi/pulumi, and the Automation API drives the CLI of its own
     * release (pulumi/actions#437: "we are coupling the version of the automation api with the version of the cli").
     */
    sdkVersion: string;
}

/** "v3.248.0" or "multipass  1.15.1+mac" → [3, 248, 0]; undefined when there is no version. */
export function parseVersion(text: string): number[] | undefined {
    const match = /(\d+)\.(\d+)\.(\d+)/.exec(text);
    return match ? match.slice(1).map(Number) : undefined;
}

function atLeast(version: number[], min: number[]): boolean {
    for (let i = 0; i < 3; i++) {
        if (version[i] !== min[i]) {
            return version[i] > min[i];
        }
    }
    return true;
}

const PULUMI_INSTALL =
    "install or upgrade it: `brew install pulumi/tap/pulumi` or `curl -fsSL https://get.pulumi.com | sh` (https://www.pulumi.com/docs/install/)";

/** The Pulumi CLI check. */
export function pulumiCheck(output: string | undefined, sdkVersion: string): Check {
    if (output === undefined) {
        return { level: "fail", what: "the Pulumi CLI is not installed (no `pulumi` on PATH)", fix: PULUMI_INSTALL };
    }
    const version = parseVersion(output);
    if (!version) {
        return { level: "fail", what: `\`pulumi version\` printed "${output.trim()}", which names no version`, fix: PULUMI_INSTALL };
    }
    if (!atLeast(version, parseVersion(sdkVersion) as number[])) {
        return { level: "fail", what: `Pulumi CLI ${output.trim()} is older than ${sdkVersion}, the @pulumi/pulumi this project pins`, fix: PULUMI_INSTALL };
    }
    return { level: "ok", what: `Pulumi CLI ${output.trim()}` };
}

/** The Multipass check. */
export function multipassCheck(output: string | undefined, stacks: string[]): Check {
    const fix = `install Multipass ${MULTIPASS_MIN_VERSION} or newer: \`brew install --cask multipass\` (macOS) or \`sudo snap install multipass\` (Linux)`;
    const users = `${stacks.join(", ")} use${stacks.length === 1 ? "s" : ""} the multipass backend`;
    if (output === undefined) {
        return { level: "fail", what: `Multipass is not installed, and ${users}`, fix };
    }
    const version = parseVersion(output);
    if (!version || !atLeast(version, parseVersion(MULTIPASS_MIN_VERSION) as number[])) {
        return { level: "fail", what: `Multipass ${version ? version.join(".") : `("${output.trim()}")`} is older than ${MULTIPASS_MIN_VERSION}`, fix };
    }
    return { level: "ok", what: `Multipass ${version.join(".")}` };
}

/** The VMs still to be launched, with the memory and disk they take. */
export function newVms(stacks: Array<{ config: StackConfig }>, existing: string[]): Array<{ name: string; memoryMiB: number; diskGiB: number }> {
    return stacks
        .filter((s) => s.config.backend.kind === "multipass")
        .flatMap((s) => planNodes(s.config))
        .filter((n) => !existing.includes(n.name))
        .map((n) => ({ name: n.name, memoryMiB: n.pool.memoryMiB, diskGiB: n.pool.diskGiB }));
}

/** Memory and disk of the new VMs against what the host has free. */
export function hostResourceChecks(vms: Array<{ name: string; memoryMiB: number; diskGiB: number }>, availableMiB: number, freeGiB: number): Check[] {
    if (vms.length === 0) {
        return [];
    }
    const names = vms.map((v) => v.name).join(", ");
    const memory = vms.reduce((sum, v) => sum + v.memoryMiB, 0);
    const disk = vms.reduce((sum, v) => sum + v.diskGiB, 0);
    const smaller = "lower platform:nodes.*.memoryMiB / diskGiB, or deploy fewer stacks at once (--stack)";
    return [
        memory > availableMiB
            ? {
                  level: "fail",
                  what: `memory: the new VMs (${names}) need ${memory} MiB; this host has ${Math.floor(availableMiB)} MiB available`,
                  fix: `close applications or stop VMs you do not need (multipass stop <vm>), or ${smaller}`,
              }
            : { level: "ok", what: `memory: the new VMs need ${memory} MiB of ${Math.floor(availableMiB)} MiB available` },
        // Multipass disk images start small and grow as the VMs fill them, so a shortfall is a warning.
        disk > freeGiB
            ? {
                  level: "warn",
                  what: `disk: the new VMs (${names}) may grow to ${disk} GiB; ${Math.floor(freeGiB)} GiB are free where Multipass keeps them`,
                  fix: `free disk space, or ${smaller}`,
              }
            : { level: "ok", what: `disk: the new VMs may grow to ${disk} GiB of ${Math.floor(freeGiB)} GiB free` },
    ];
}

/** Every check the operation needs, in order. */
export async function checkPrerequisites(input: PrerequisiteInput, probe: HostProbe): Promise<Check[]> {
    const checks = [
        pulumiCheck(await probe.pulumiVersion(), input.sdkVersion),
        passphraseCheck(input.env, backendUrl(input.env, input.root), (f) => probe.fileExists(f)),
    ];
    // Preview and the kubeconfig export run no node command; deploy and destroy run multipass.
    const multipassStacks = input.stacks.filter((s) => s.config.backend.kind === "multipass").map((s) => s.stack);
    if ((input.operation === "up" || input.operation === "destroy") && multipassStacks.length > 0) {
        const multipass = multipassCheck(await probe.multipassVersion(), multipassStacks);
        checks.push(multipass);
        if (input.operation === "up" && multipass.level === "ok") {
            checks.push(...hostResourceChecks(newVms(input.stacks, await probe.multipassVms()), await probe.availableMemoryMiB(), await probe.freeDiskGiB()));
        }
    }
    return checks;
}

/** Available memory from Linux /proc/meminfo (MemAvailable, kB), MiB. */
export function parseMeminfo(text: string): number | undefined {
    const kb = /^MemAvailable:\s+(\d+) kB$/m.exec(text)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
}

/**
 * Available memory from macOS `vm_stat`, MiB: free, inactive and speculative pages, which the
 * kernel hands out on demand (Node's os.freemem() counts free pages only and reads far too low).
 */
export function parseVmStat(text: string): number | undefined {
    const pageSize = Number(/page size of (\d+) bytes/.exec(text)?.[1]);
    const pages = (label: string) => Number(new RegExp(`^Pages ${label}:\\s+(\\d+)\\.$`, "m").exec(text)?.[1] ?? NaN);
    const total = pages("free") + pages("inactive") + pages("speculative");
    return Number.isFinite(total) && pageSize > 0 ? (total * pageSize) / 2 ** 20 : undefined;
}
