/**
 * Node bootstrap: everything kubeadm needs before `init`/`join`, as one idempotent script, and
 * the cloud-init that runs it on a fresh Multipass VM. The SSH backend runs the same script.
 *
 * Steps follow kubernetes.io "Installing kubeadm" and "Container Runtimes" (v1.35 docs):
 * swap off, overlay + br_netfilter, the bridge/forwarding sysctls, containerd with the systemd
 * cgroup driver, and kubelet/kubeadm/kubectl from the per-minor pkgs.k8s.io repository, held.
 */
import { stringify } from "yaml";
import { kubernetesMinor } from "../../config/model";
import { NODE_PACKAGES } from "../../config/versions";
import { COMPATIBILITY } from "../../policy-pack/conventions";
import { embedFile, renderNodeScript } from "./script";

/** Where cloud-init puts the bootstrap script, so it can be re-run by hand. */
export const BOOTSTRAP_PATH = "/usr/local/sbin/platform-bootstrap.sh";

/** Where cloud-init writes the owner marker of a Multipass VM (see `ownerMarker`). */
export const OWNER_MARKER_PATH = "/etc/platform/owner";

/** The os-release of the only OS the bootstrap supports (its containerd and runc pins are noble packages). */
const SUPPORTED_OS = { id: "ubuntu", versionId: "24.04" };

/**
 * apt for unattended first boots: waits up to 10 minutes for the dpkg lock (unattended-upgrades and
 * cloud-init hold it right after boot) and keeps locally changed conffiles instead of prompting.
 */
const APT = "apt-get -q -y -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confold";

/** apt version glob for an exact Kubernetes patch, e.g. "1.35.9-*" (pkgs.k8s.io appends "-1.1"). */
export function kubernetesPackageVersion(version: string): string {
    return `${version.replace(/^v/, "")}-*`;
}

/**
 * Lines that stop the script unless `osRelease` (the os-release(5) file) names Ubuntu 24.04. SSH
 * hosts are whatever their owners installed; a Multipass image may be a custom URL.
 */
export function osReleaseCheck(osRelease: string): string[] {
    const wanted = `${SUPPORTED_OS.id} ${SUPPORTED_OS.versionId}`;
    return [
        `# The containerd and runc pins are Ubuntu ${SUPPORTED_OS.versionId} packages.`,
        "# shellcheck source=/dev/null",
        `os="$(. ${osRelease} && echo "\${ID:-unknown} \${VERSION_ID:-unknown}")"`,
        `if [ "$os" != "${wanted}" ]; then`,
        `  echo "this host runs $os (${osRelease}), but platform nodes must run Ubuntu ${SUPPORTED_OS.versionId} LTS: ` +
            `reinstall it with Ubuntu ${SUPPORTED_OS.versionId}, or remove it from platform:backend.hosts" >&2`,
        "  exit 1",
        "fi",
    ];
}

/**
 * Lines that stop the script unless the installed `containerd --version` is one containerd
 * recommends for this Kubernetes minor: a release line listed in
 * COMPATIBILITY.containerdForKubernetes, at or above its patch (the rule config validation applies
 * to the pin, `containerdSupports`). It re-checks what is really installed, not what was asked for.
 */
export function containerdCheck(kubernetesMinorVersion: string): string[] {
    const recommended = COMPATIBILITY.containerdForKubernetes[kubernetesMinorVersion];
    if (!recommended) {
        throw new Error(
            `COMPATIBILITY.containerdForKubernetes has no entry for Kubernetes ${kubernetesMinorVersion}; config validation should have refused it`,
        );
    }
    const cases = recommended.map((v) => {
        const [major, minor, patch] = v.split(".");
        return `    ${major}.${minor}) min_patch=${patch} ;;`;
    });
    const list = recommended.map((v) => `${v}+`).join(", ");
    return [
        'containerd_line="$(containerd --version)"',
        'if [[ ! "$containerd_line" =~ [[:space:]]v?([0-9]+)\\.([0-9]+)\\.([0-9]+) ]]; then',
        '  echo "cannot read a version from containerd --version: $containerd_line" >&2',
        "  exit 1",
        "fi",
        'containerd_release="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"',
        'containerd_patch="${BASH_REMATCH[3]}"',
        'case "$containerd_release" in',
        ...cases,
        "    *) min_patch= ;;",
        "esac",
        'if [ -z "$min_patch" ] || [ "$containerd_patch" -lt "$min_patch" ]; then',
        `  echo "containerd $containerd_release.$containerd_patch is installed, but containerd recommends ${list} ` +
            `for Kubernetes ${kubernetesMinorVersion} (RELEASES.md): the pin is containerd ${NODE_PACKAGES.containerd.apt} (config/versions.ts); ` +
            `find what installed another one with: apt-cache policy containerd" >&2`,
        "  exit 1",
        "fi",
    ];
}

/** The Kubernetes packages the platform installs from pkgs.k8s.io. */
export type KubernetesPackage = "kubelet" | "kubeadm" | "kubectl";

/**
 * Lines that point apt at the pkgs.k8s.io repository of `version`'s minor: one repository per
 * minor, so an upgrade to the next minor switches it first (kubernetes.io "Upgrading kubeadm
 * clusters", "Changing the package repository"). The legacy apt.kubernetes.io is gone.
 */
export function kubernetesRepository(version: string): string[] {
    const repo = `https://pkgs.k8s.io/core:/stable:/v${kubernetesMinor(version)}/deb/`;
    return [
        "install -d -m 0755 /etc/apt/keyrings",
        `curl -fsSL ${repo}Release.key | gpg --dearmor --yes -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg`,
        `echo 'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] ${repo} /' > /etc/apt/sources.list.d/kubernetes.list`,
        `${APT} update`,
    ];
}

/**
 * Lines that install `packages` at exactly `version` from the repository `kubernetesRepository`
 * set up, and hold them: the bootstrap installs all three, an upgrade step kubeadm first and the
 * kubelet and kubectl after `kubeadm upgrade`.
 */
export function kubernetesPackages(version: string, packages: readonly KubernetesPackage[]): string[] {
    const pkg = kubernetesPackageVersion(version);
    return [`${APT} install --allow-change-held-packages ${packages.map((p) => `${p}='${pkg}'`).join(" ")}`, `apt-mark hold ${packages.join(" ")}`];
}

/** The bootstrap script; safe to re-run. */
export function renderBootstrapScript(kubernetesVersion: string): string {
    const minor = kubernetesMinor(kubernetesVersion);
    const { containerd, runc } = NODE_PACKAGES;
    return renderNodeScript(`Prepare this node for kubeadm ${kubernetesVersion}.`, [
        ...osReleaseCheck("/etc/os-release"),
        "",
        "export DEBIAN_FRONTEND=noninteractive",
        "",
        "# The kubelet refuses to start with swap on (unless configured otherwise).",
        "swapoff -a",
        "sed -ri '/\\sswap\\s/s/^([^#])/#\\1/' /etc/fstab",
        "",
        embedFile({ path: "/etc/modules-load.d/k8s.conf", mode: "0644", content: "overlay\nbr_netfilter\n" }),
        "modprobe overlay",
        "modprobe br_netfilter",
        embedFile({
            path: "/etc/sysctl.d/k8s.conf",
            mode: "0644",
            content: "net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.ip_forward = 1\n",
        }),
        "sysctl --system >/dev/null",
        "",
        "# Docker's containerd.io conflicts with Ubuntu's containerd: apt -y would remove it, and Docker with it.",
        "# shellcheck disable=SC2016 # ${Status} is dpkg-query's field, not a shell variable",
        "if [ \"$(dpkg-query -W -f '${Status}' containerd.io 2>/dev/null || true)\" = 'install ok installed' ]; then",
        `  echo "Docker's containerd.io package is installed; the platform runs Ubuntu's containerd ${containerd.version}. Use a host without Docker" >&2`,
        "  exit 1",
        "fi",
        `${APT} update`,
        "# The runtime is pinned and held: a node built later must not get another containerd (config/versions.ts).",
        `${APT} install --allow-change-held-packages apt-transport-https ca-certificates curl gpg ` +
            `${containerd.name}='${containerd.apt}' ${runc.name}='${runc.apt}'`,
        `apt-mark hold ${containerd.name} ${runc.name}`,
        ...containerdCheck(minor),
        "",
        "# kubeadm defaults the kubelet to the systemd cgroup driver; containerd must match.",
        "install -d -m 0755 /etc/containerd",
        "containerd config default | sed 's/SystemdCgroup = false/SystemdCgroup = true/' > /etc/containerd/config.toml.new",
        "if ! cmp -s /etc/containerd/config.toml.new /etc/containerd/config.toml; then",
        "  mv /etc/containerd/config.toml.new /etc/containerd/config.toml",
        "  systemctl restart containerd",
        "else",
        "  rm -f /etc/containerd/config.toml.new",
        "fi",
        "systemctl enable --now containerd",
        "",
        `# One apt repository per minor (pkgs.k8s.io); the legacy apt.kubernetes.io is gone.`,
        ...kubernetesRepository(kubernetesVersion),
        ...kubernetesPackages(kubernetesVersion, ["kubelet", "kubeadm", "kubectl"]),
        "systemctl enable --now kubelet",
        "",
        `echo "node bootstrap done: kubeadm $(kubeadm version -o short), $containerd_line"`,
    ]);
}

/**
 * The owner marker of a Multipass VM: which stack launched it, under which name. Launch reuses an
 * existing VM only when its marker is this one (the retry of an interrupted `up`).
 */
export function ownerMarker(stack: string, vm: string): string {
    return `stack=${stack} vm=${vm}`;
}

/** Inputs of the Multipass cloud-init. */
export interface CloudInitArgs {
    /** The bootstrap script (from `renderBootstrapScript`). */
    bootstrapScript: string;
    /** The owner marker (from `ownerMarker`). */
    owner: string;
}

/**
 * Cloud-config that writes the owner marker, then installs and runs the bootstrap script once, at
 * first boot. No SSH key: every later step runs through `multipass exec`, which uses the key
 * Multipass adds to the default user itself.
 */
export function renderCloudInit(args: CloudInitArgs): string {
    const doc = {
        write_files: [
            { path: OWNER_MARKER_PATH, permissions: "0644", owner: "root:root", content: `${args.owner}\n` },
            { path: BOOTSTRAP_PATH, permissions: "0755", owner: "root:root", content: args.bootstrapScript },
        ],
        runcmd: [[BOOTSTRAP_PATH]],
    };
    return `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
}
