/**
 * Multipass lifecycle scripts and output parsing (canonical.com/multipass docs, CLI 1.15+).
 * The scripts run on the machine that runs Pulumi; they read the VM's settings from environment
 * variables so that nothing needs shell quoting.
 */
import { renderNodeScript } from "./script";

/** Environment the launch and delete scripts read. */
export interface MultipassEnv {
    VM_NAME: string;
    VM_IMAGE: string;
    VM_CPUS: string;
    VM_MEMORY: string;
    VM_DISK: string;
}

/** The environment for one VM: memory and disk in Multipass's size syntax. */
export function multipassEnv(vm: { name: string; image: string; cpus: number; memoryMiB: number; diskGiB: number }): MultipassEnv {
    return {
        VM_NAME: vm.name,
        VM_IMAGE: vm.image,
        VM_CPUS: String(vm.cpus),
        VM_MEMORY: `${vm.memoryMiB}M`,
        VM_DISK: `${vm.diskGiB}G`,
    };
}

/**
 * Launches the VM with the cloud-init from stdin unless it exists, waits for cloud-init, and
 * prints `multipass info --format json` as the only stdout. Re-running on an existing VM starts
 * it if stopped and succeeds.
 */
export function renderLaunchScript(): string {
    return renderNodeScript("Launch (or find) a Multipass VM and wait for its cloud-init.", [
        'if multipass info "$VM_NAME" >/dev/null 2>&1; then',
        '  echo "VM $VM_NAME exists; making sure it runs" >&2',
        '  multipass start "$VM_NAME" >&2',
        "else",
        '  echo "launching $VM_NAME ($VM_IMAGE, $VM_CPUS CPUs, $VM_MEMORY memory, $VM_DISK disk)" >&2',
        '  multipass launch "$VM_IMAGE" --name "$VM_NAME" --cpus "$VM_CPUS" --memory "$VM_MEMORY" --disk "$VM_DISK" --timeout 900 --cloud-init - >&2',
        "fi",
        "",
        "# cloud-init status --wait exits 2 when it finished with recoverable errors (e.g. deprecations).",
        "rc=0",
        'multipass exec "$VM_NAME" -- cloud-init status --wait >&2 || rc=$?',
        'if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then',
        '  echo "cloud-init failed on $VM_NAME (exit $rc); read: multipass exec $VM_NAME -- sudo tail -50 /var/log/cloud-init-output.log" >&2',
        "  exit 1",
        "fi",
        'multipass info "$VM_NAME" --format json',
    ]);
}

/** Deletes and purges the VM; succeeds when it is already gone. */
export function renderDeleteScript(): string {
    return renderNodeScript("Delete a Multipass VM if it exists.", [
        'if multipass info "$VM_NAME" >/dev/null 2>&1; then',
        '  multipass delete --purge "$VM_NAME"',
        "else",
        '  echo "VM $VM_NAME is already gone" >&2',
        "fi",
    ]);
}

/**
 * The VM's node IP: the first IPv4 of `multipass info --format json`. It is read right after
 * launch, before any CNI adds its own addresses to the list.
 */
export function parseMultipassIp(infoJson: string, vmName: string): string {
    let info: unknown;
    try {
        info = JSON.parse(infoJson);
    } catch {
        throw new Error(`multipass info for ${vmName} is not JSON: ${infoJson.slice(0, 200)}`);
    }
    const vm = (info as { info?: Record<string, { ipv4?: unknown }> }).info?.[vmName];
    const ipv4 = vm?.ipv4;
    if (!Array.isArray(ipv4) || typeof ipv4[0] !== "string") {
        throw new Error(`multipass info for ${vmName} lists no IPv4 address; is the VM running? (multipass list)`);
    }
    return ipv4[0];
}
