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
import { embedFile, renderNodeScript } from "./script";

/** Where cloud-init puts the bootstrap script, so it can be re-run by hand. */
export const BOOTSTRAP_PATH = "/usr/local/sbin/platform-bootstrap.sh";

/** apt version glob for an exact Kubernetes patch, e.g. "1.35.9-*" (pkgs.k8s.io appends "-1.1"). */
export function kubernetesPackageVersion(version: string): string {
    return `${version.replace(/^v/, "")}-*`;
}

/** The bootstrap script; safe to re-run, and a re-run with a new patch version upgrades the packages. */
export function renderBootstrapScript(kubernetesVersion: string): string {
    const minor = kubernetesMinor(kubernetesVersion);
    const pkg = kubernetesPackageVersion(kubernetesVersion);
    const repo = `https://pkgs.k8s.io/core:/stable:/v${minor}/deb/`;
    return renderNodeScript(`Prepare this node for kubeadm ${kubernetesVersion}.`, [
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
        "apt-get update -q",
        "apt-get install -y -q apt-transport-https ca-certificates curl gpg containerd",
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
        "install -d -m 0755 /etc/apt/keyrings",
        `curl -fsSL ${repo}Release.key | gpg --dearmor --yes -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg`,
        `echo 'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] ${repo} /' > /etc/apt/sources.list.d/kubernetes.list`,
        "apt-get update -q",
        `apt-get install -y -q --allow-change-held-packages kubelet='${pkg}' kubeadm='${pkg}' kubectl='${pkg}'`,
        "apt-mark hold kubelet kubeadm kubectl",
        "systemctl enable --now kubelet",
        "",
        `echo "node bootstrap done: kubeadm $(kubeadm version -o short)"`,
    ]);
}

/** Inputs of the Multipass cloud-init. */
export interface CloudInitArgs {
    /** The bootstrap script (from `renderBootstrapScript`). */
    bootstrapScript: string;
    /** OpenSSH public key allowed to log in as the default user, for the remote commands. */
    sshAuthorizedKey: string;
}

/** Cloud-config that installs and runs the bootstrap script once, at first boot. */
export function renderCloudInit(args: CloudInitArgs): string {
    const doc = {
        ssh_authorized_keys: [args.sshAuthorizedKey.trim()],
        write_files: [{ path: BOOTSTRAP_PATH, permissions: "0755", owner: "root:root", content: args.bootstrapScript }],
        runcmd: [[BOOTSTRAP_PATH]],
    };
    return `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
}
