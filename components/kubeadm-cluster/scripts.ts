/**
 * The root scripts run on control-plane and worker nodes. Every one is idempotent: it checks the
 * node's state first (admin.conf / kubelet.conf present) so a re-run of `pulumi up` is a no-op.
 * kubeadm's own output names the bootstrap token and certificate key, so it goes to a root-only
 * log on the node; on failure the tail is printed with those secrets masked.
 */
import { embedFile, NodeFile, renderNodeScript, shellQuote } from "../vm-node/script";

export const KUBEADM_DIR = "/etc/kubernetes/kubeadm";
const LOG_DIR = "/var/log/platform";

/** Runs a kubeadm command with its output in a root-only log; on failure prints a masked tail. */
function runLogged(step: string, commandLine: string): string[] {
    const log = `${LOG_DIR}/${step}.log`;
    return [
        `install -d -m 0700 ${LOG_DIR}`,
        `echo "${step}: running (log: ${log})" >&2`,
        `if ! ${commandLine} >${log} 2>&1; then`,
        `  echo "${step} failed; last lines of ${log} (secrets masked):" >&2`,
        `  tail -n 30 ${log} | sed -E 's/[a-z0-9]{6}\\.[a-z0-9]{16}/<token>/g; s/[0-9a-f]{64}/<key>/g' >&2`,
        "  exit 1",
        "fi",
    ];
}

/** Prints "sha256:<hex>" of the cluster CA public key (kubernetes.io "kubeadm join": token-based discovery). */
const PRINT_CA_HASH = [
    "hash=$(openssl x509 -pubkey -noout -in /etc/kubernetes/pki/ca.crt | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex | sed 's/^.* //')",
    'echo "sha256:${hash}"',
];

export interface InitScriptArgs {
    /** PSA admission config, kubeadm init config and (HA) the kube-vip manifest. */
    files: NodeFile[];
    /** The kube-vip manifest is among the files and must be switched to admin.conf after init. */
    kubeVip: boolean;
}

/** First control-plane node: write config, `kubeadm init` once, print the CA hash on stdout. */
export function renderInitScript(args: InitScriptArgs): string {
    return renderNodeScript("kubeadm init on the first control-plane node; prints the CA cert hash.", [
        "if [ ! -f /etc/kubernetes/admin.conf ]; then",
        ...args.files.map(embedFile),
        ...runLogged("kubeadm-init", `kubeadm init --config ${KUBEADM_DIR}/init.yaml --upload-certs`),
        ...(args.kubeVip
            ? [
                  "  # super-admin.conf was only needed while RBAC did not exist yet (kube-vip/kube-vip#684).",
                  "  sed -i 's#path: /etc/kubernetes/super-admin.conf#path: /etc/kubernetes/admin.conf#' /etc/kubernetes/manifests/kube-vip.yaml",
              ]
            : []),
        "else",
        '  echo "kubeadm init: already initialised" >&2',
        "fi",
        ...PRINT_CA_HASH,
    ]);
}

/**
 * Re-creates the bootstrap token and re-uploads the control-plane certificates before joins:
 * both expire (token TTL, uploaded certs after 2h), so a node added weeks later still joins.
 */
export function renderJoinCredentialsScript(token: string, certificateKey: string): string {
    const tokenId = token.split(".")[0];
    return renderNodeScript("Refresh the bootstrap token and uploaded certificates for joining nodes.", [
        "export KUBECONFIG=/etc/kubernetes/admin.conf",
        `kubeadm token delete ${shellQuote(tokenId)} >/dev/null 2>&1 || true`,
        ...runLogged("kubeadm-token", `kubeadm token create ${shellQuote(token)} --ttl 2h`),
        ...runLogged("kubeadm-upload-certs", `kubeadm init phase upload-certs --upload-certs --certificate-key ${shellQuote(certificateKey)}`),
        'echo "join credentials refreshed" >&2',
    ]);
}

/** Any joining node: write config, `kubeadm join` once. */
export function renderJoinScript(files: NodeFile[]): string {
    return renderNodeScript("kubeadm join this node.", [
        "if [ ! -f /etc/kubernetes/kubelet.conf ]; then",
        ...files.map(embedFile),
        ...runLogged("kubeadm-join", `kubeadm join --config ${KUBEADM_DIR}/join.yaml`),
        "else",
        '  echo "kubeadm join: already a member" >&2',
        "fi",
    ]);
}

/** On destroy of a joined node: leave the cluster cleanly so the host can be reused. */
export function renderResetScript(): string {
    return renderNodeScript("kubeadm reset this node.", [
        "if [ -f /etc/kubernetes/kubelet.conf ]; then",
        "  kubeadm reset --force",
        "fi",
    ]);
}

/** Run on a control-plane node when a node leaves: drain it, then delete the Node object. */
export function renderDrainScript(nodeName: string): string {
    const node = shellQuote(nodeName);
    return renderNodeScript(`Drain and delete node ${nodeName}.`, [
        "export KUBECONFIG=/etc/kubernetes/admin.conf",
        `if kubectl get node ${node} >/dev/null 2>&1; then`,
        `  kubectl drain ${node} --ignore-daemonsets --delete-emptydir-data --timeout=300s`,
        `  kubectl delete node ${node} --wait=true`,
        "else",
        `  echo "node ${nodeName} is not in the cluster" >&2`,
        "fi",
    ]);
}

/** Create step of the per-node membership record: proves the node registered. */
export function renderWaitForNodeScript(nodeName: string): string {
    const node = shellQuote(nodeName);
    return renderNodeScript(`Wait until node ${nodeName} is registered.`, [
        "export KUBECONFIG=/etc/kubernetes/admin.conf",
        "for _ in $(seq 1 60); do",
        `  if kubectl get node ${node} >/dev/null 2>&1; then`,
        `    echo "node ${nodeName} registered" >&2`,
        "    exit 0",
        "  fi",
        "  sleep 5",
        "done",
        `echo "node ${nodeName} did not register within 5 minutes; check: journalctl -u kubelet on ${nodeName}" >&2`,
        "exit 1",
    ]);
}

/** Prints admin.conf on stdout (the caller marks it secret). */
export function renderReadKubeconfigScript(): string {
    return renderNodeScript("Print the cluster admin kubeconfig.", ["cat /etc/kubernetes/admin.conf"]);
}
