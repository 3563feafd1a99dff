/**
 * Multipass lifecycle scripts and output parsing (documentation.ubuntu.com/multipass, CLI 1.15+).
 * The scripts run on the machine that runs Pulumi, under its /bin/bash (3.2 on macOS: no bash 4
 * features), and read the VM's settings from environment variables so that nothing needs shell
 * quoting. JSON is read with `node`, which is there wherever a Pulumi TypeScript program runs.
 */
import { contains, hostRange, parseCidr, parseIpv4 } from "../../config/cidr";
import { OWNER_MARKER_PATH } from "./bootstrap";
import { renderNodeScript } from "./script";

/** Environment the launch, update and delete scripts read. */
export interface MultipassEnv {
    VM_NAME: string;
    VM_IMAGE: string;
    VM_CPUS: string;
    VM_MEMORY: string;
    VM_DISK: string;
    /** The owner marker cloud-init writes (`ownerMarker`): launch reuses only a VM that carries it. */
    VM_OWNER: string;
    /** The config key of the VM's size, e.g. "platform:nodes.workers", for resize errors. */
    VM_POOL_KEY: string;
}

/** What `multipassEnv` needs to know about one VM. */
export interface MultipassVm {
    name: string;
    image: string;
    cpus: number;
    memoryMiB: number;
    diskGiB: number;
    owner: string;
    poolKey: string;
}

/** The environment for one VM: memory and disk in Multipass's size syntax (binary units). */
export function multipassEnv(vm: MultipassVm): MultipassEnv {
    return {
        VM_NAME: vm.name,
        VM_IMAGE: vm.image,
        VM_CPUS: String(vm.cpus),
        VM_MEMORY: `${vm.memoryMiB}M`,
        VM_DISK: `${vm.diskGiB}G`,
        VM_OWNER: vm.owner,
        VM_POOL_KEY: vm.poolKey,
    };
}

/**
 * Helpers every Multipass script starts with. `vm_state` reads `multipass list --format json`
 * ({"list": [{name, state, ...}]}, canonical/multipass json_formatter.cpp): the VM's state, or
 * "absent". A failing `multipass list` means the daemon does not answer, which must not look like a
 * missing VM: the script stops with the fix instead.
 */
const HELPERS = [
    "vm_state() {",
    "  local list",
    '  if ! list="$(multipass list --format json </dev/null)"; then',
    '    echo "multipass list failed: the Multipass daemon does not answer. ' +
        'Start Multipass (its app, or multipassd), check with multipass version, and run pulumi up again" >&2',
    "    return 1",
    "  fi",
    '  VM_LIST="$list" node -e \'const vm = (JSON.parse(process.env.VM_LIST).list || []).find((i) => i.name === process.env.VM_NAME); ' +
        'console.log(vm ? vm.state : "absent")\' </dev/null',
    "}",
    "",
    "# Waits for cloud-init (status --wait exits 2 when it finished with recoverable errors, e.g. deprecations),",
    "# then prints `multipass info --format json`: the scripts' only stdout.",
    "wait_and_print_info() {",
    "  local rc=0",
    '  multipass exec "$VM_NAME" -- cloud-init status --wait </dev/null >&2 || rc=$?',
    '  if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then',
    '    echo "cloud-init failed on $VM_NAME (exit $rc); read: multipass exec $VM_NAME -- sudo tail -50 /var/log/cloud-init-output.log" >&2',
    "    return 1",
    "  fi",
    '  multipass info "$VM_NAME" --format json',
    "}",
    "",
];

/**
 * Launches the VM with the cloud-init from stdin, waits for cloud-init, and prints the info JSON.
 * An existing VM is reused only when it carries this stack's owner marker: that is the retry of an
 * interrupted `up`. Any other VM of that name is refused, because adopting it would make a foreign
 * machine a node, and deleting the node later would purge it.
 */
export function renderLaunchScript(): string {
    return renderNodeScript("Launch a Multipass VM (or reuse the one this stack launched) and wait for its cloud-init.", [
        ...HELPERS,
        'state="$(vm_state)"',
        'case "$state" in',
        "  absent)",
        '    echo "launching $VM_NAME ($VM_IMAGE, $VM_CPUS CPUs, $VM_MEMORY memory, $VM_DISK disk)" >&2',
        '    multipass launch "$VM_IMAGE" --name "$VM_NAME" --cpus "$VM_CPUS" --memory "$VM_MEMORY" --disk "$VM_DISK" --timeout 900 --cloud-init - >&2',
        "    ;;",
        "  Deleted)",
        '    echo "a Multipass VM named $VM_NAME is deleted but not purged. ' +
            'If it is this node, multipass recover $VM_NAME; otherwise multipass purge. Then run pulumi up again" >&2',
        "    exit 1",
        "    ;;",
        "  *)",
        "    # The marker can only be read from a running VM; a foreign one is stopped again.",
        "    started=no",
        '    if [ "$state" != Running ]; then',
        '      multipass start "$VM_NAME" >&2',
        "      started=yes",
        "    fi",
        `    owner="$(multipass exec "$VM_NAME" -- cat ${OWNER_MARKER_PATH} </dev/null 2>/dev/null || true)"`,
        '    if [ "$owner" != "$VM_OWNER" ]; then',
        '      if [ "$started" = yes ]; then',
        '        multipass stop "$VM_NAME" >&2 || true',
        "      fi",
        '      echo "a Multipass VM named $VM_NAME already exists and this stack did not launch it ' +
            `(${OWNER_MARKER_PATH}: \${owner:-missing}; expected: $VM_OWNER). If it is a leftover, delete it (multipass delete --purge $VM_NAME); ` +
            'otherwise rename this cluster (platform:cluster.name) so its VMs get other names" >&2',
        "      exit 1",
        "    fi",
        '    echo "VM $VM_NAME was launched by this stack before (an interrupted up); reusing it" >&2',
        "    ;;",
        "esac",
        "wait_and_print_info",
    ]);
}

/**
 * Applies a changed size to the running VM (documentation.ubuntu.com/multipass "Modify an
 * instance" and the settings local.<instance>.cpus|memory|disk): stop it, `multipass set` what
 * changed, start it, and print the info JSON again. A disk can only grow ("local.<instance>.disk":
 * "The disk size can only be increased"), so a smaller disk is refused before the VM is stopped.
 * `multipass get` prints memory and disk human-readable in binary units ("4.00GiB",
 * MemorySize::human_readable); both sides are compared in MiB.
 */
export function renderUpdateScript(): string {
    return renderNodeScript("Apply a changed size to a Multipass VM (stop, multipass set, start).", [
        ...HELPERS,
        "# A Multipass size (4096M, 4.00GiB, 30G: multipass MemorySize, binary units) in whole MiB.",
        "mib() {",
        '  awk -v size="$1" \'BEGIN {',
        "    if (match(size, /^[0-9]+([.][0-9]+)?/) == 0) exit 1",
        "    n = substr(size, 1, RLENGTH); unit = toupper(substr(size, RLENGTH + 1))",
        '    if (unit == "" || unit == "B") f = 1 / 1048576',
        '    else if (unit == "K" || unit == "KB" || unit == "KIB") f = 1 / 1024',
        '    else if (unit == "M" || unit == "MB" || unit == "MIB") f = 1',
        '    else if (unit == "G" || unit == "GB" || unit == "GIB") f = 1024',
        "    else exit 1",
        '    printf "%d\\n", n * f + 0.5',
        "  }'",
        "}",
        "",
        'state="$(vm_state)"',
        'if [ "$state" = absent ] || [ "$state" = Deleted ]; then',
        '  echo "VM $VM_NAME is gone ($state) but the stack still has it; ' +
            'rebuild it: pulumi up --replace <URN of $VM_NAME-launch> (pulumi stack --show-urns)" >&2',
        "  exit 1",
        "fi",
        'current_cpus="$(multipass get "local.$VM_NAME.cpus")"',
        'current_memory="$(multipass get "local.$VM_NAME.memory")"',
        'current_disk="$(multipass get "local.$VM_NAME.disk")"',
        'if [ "$(mib "$VM_DISK")" -lt "$(mib "$current_disk")" ]; then',
        '  echo "$VM_POOL_KEY.diskGiB: $VM_NAME has a $current_disk disk and the config now asks for $VM_DISK, but Multipass can only grow a disk. ' +
            'Set it back to at least $current_disk, or rebuild the node with the smaller disk: pulumi up --replace <URN of $VM_NAME-launch>" >&2',
        "  exit 1",
        "fi",
        'changes=""',
        '[ "$current_cpus" = "$VM_CPUS" ] || changes="$changes cpus=$VM_CPUS"',
        '[ "$(mib "$current_memory")" -eq "$(mib "$VM_MEMORY")" ] || changes="$changes memory=$VM_MEMORY"',
        '[ "$(mib "$current_disk")" -eq "$(mib "$VM_DISK")" ] || changes="$changes disk=$VM_DISK"',
        'if [ -n "$changes" ]; then',
        '  echo "resizing $VM_NAME:$changes (was $current_cpus CPUs, $current_memory memory, $current_disk disk)" >&2',
        '  if [ "$state" != Stopped ]; then',
        '    multipass stop "$VM_NAME" >&2',
        "  fi",
        "  for change in $changes; do",
        '    multipass set "local.$VM_NAME.$change" >&2',
        "  done",
        "fi",
        'multipass start "$VM_NAME" >&2',
        "wait_and_print_info",
    ]);
}

/** Deletes and purges the VM; a VM that is already gone is skipped, a daemon that does not answer fails. */
export function renderDeleteScript(): string {
    return renderNodeScript("Delete a Multipass VM if it exists.", [
        ...HELPERS,
        'state="$(vm_state)"',
        'if [ "$state" = absent ]; then',
        '  echo "VM $VM_NAME is already gone" >&2',
        "else",
        '  multipass delete --purge "$VM_NAME"',
        "fi",
    ]);
}

/**
 * The VM's node IP: the first IPv4 of `multipass info --format json`, read right after launch,
 * before any CNI adds its own addresses to the list. It must lie on `nodeSubnet`, where the MetalLB
 * pool, the VIP and the mesh IPs are: Linux Multipass bridges use 10.x, and a VM off the segment
 * would silently lose every L2 announcement. Throws with the fix.
 */
export function parseNodeIp(infoJson: string, vmName: string, nodeSubnet: string): string {
    let info: unknown;
    try {
        info = JSON.parse(infoJson);
    } catch {
        throw new Error(`multipass info for ${vmName} is not JSON: ${infoJson.slice(0, 200)}`);
    }
    const ipv4 = (info as { info?: Record<string, { ipv4?: unknown }> }).info?.[vmName]?.ipv4;
    if (!Array.isArray(ipv4) || typeof ipv4[0] !== "string") {
        throw new Error(`multipass info for ${vmName} lists no IPv4 address; is the VM running? (multipass list)`);
    }
    const ip = ipv4[0];
    const subnet = parseCidr(nodeSubnet);
    const address = parseIpv4(ip);
    if (!subnet.ok || address === undefined || !contains(hostRange(subnet.cidr), { first: address, last: address })) {
        throw new Error(
            `platform:network.nodeSubnet: Multipass gave ${vmName} the address ${ip}, outside ${nodeSubnet}. The nodes, network.lbPool, ` +
                `network.clusterMeshIp and network.controlPlaneVip must share one L2 segment: set them (and the peers' mesh.peers entries) ` +
                `to addresses of the Multipass bridge (see multipass list), then run pulumi up again`,
        );
    }
    return ip;
}
