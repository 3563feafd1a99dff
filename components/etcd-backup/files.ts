/**
 * What the EtcdBackup step puts on a control-plane node: the snapshot script, its config, the CA
 * the S3 endpoint's certificate chains to, and a systemd service + timer; and the install and
 * removal scripts (bodies; nodeCommand runs each inside a function).
 */
import * as fs from "fs";
import * as path from "path";
import { CRI_SOCKET } from "../kubeadm-cluster/kubeadm-config";
import { ADMIN_CONF } from "../kubeadm-cluster/scripts";
import { bucketOf } from "../object-storage/consumers";
import { embedFile, NodeFile, shellQuote } from "../vm-node/script";

/** The command the timer and the upgrade steps run (contract in the script's header). */
export const SNAPSHOT_COMMAND = "/usr/local/sbin/platform-etcd-snapshot";
/** Its config, sourced by the script; the sandbox tests point PLATFORM_ETCD_BACKUP_CONFIG elsewhere. */
export const CONFIG_FILE = "/etc/platform/etcd-backup/config";
/** Vault's root CA, which the S3 endpoint's certificate chains to. */
export const CA_FILE = "/etc/platform/etcd-backup/s3-ca.pem";
/** Local snapshots (root only). */
export const SNAPSHOT_DIR = "/var/backups/etcd";
/** Local retention (seed 002 H: 14 days); the script deletes the S3 copy together with the local one. */
export const RETENTION_DAYS = 14;
/** The units' name. */
export const UNIT = "platform-etcd-snapshot";
const UNIT_DIR = "/etc/systemd/system";
/** kubeadm's etcd static pod manifest, which names the data directory. */
export const ETCD_MANIFEST = "/etc/kubernetes/manifests/etcd.yaml";
/** The Secret External Secrets writes the S3 credential into; read on the node with admin.conf. */
export const CREDENTIALS_SECRET = { namespace: "kube-system", name: "etcd-backup-s3" } as const;

/** The snapshot script, kept as a file so it reads (and shellchecks) as the bash it is. */
export const SNAPSHOT_SCRIPT = fs.readFileSync(path.join(__dirname, "platform-etcd-snapshot.sh"), "utf8");

/** Where a node's snapshots go: bucket `velero`, prefix `etcd/<cluster>/<node>`. */
function s3Prefix(clusterName: string, node: string): string {
    return `etcd/${clusterName}/${node}`;
}

/** The resolved inputs of one node's files. */
export interface BackupNodeValues {
    clusterName: string;
    node: string;
    /** https://<s3Ip>, path-style. */
    s3Endpoint: string;
    /** SigV4 region. */
    region: string;
    /** Vault's root CA (PEM). */
    caPem: string;
}

/** The script's config: shell assignments, every value quoted. */
export function configFile(v: BackupNodeValues): string {
    const entries: Record<string, string | number> = {
        CLUSTER: v.clusterName,
        NODE: v.node,
        S3_ENDPOINT: v.s3Endpoint.replace(/\/+$/, ""),
        BUCKET: bucketOf("velero"),
        PREFIX: s3Prefix(v.clusterName, v.node),
        REGION: v.region,
        CA_FILE,
        SNAPSHOT_DIR,
        RETENTION_DAYS,
        ETCD_MANIFEST,
        ADMIN_KUBECONFIG: ADMIN_CONF,
        SECRET_NAMESPACE: CREDENTIALS_SECRET.namespace,
        SECRET_NAME: CREDENTIALS_SECRET.name,
        CRI_ENDPOINT: CRI_SOCKET,
    };
    const lines = Object.entries(entries).map(([k, value]) => `${k}=${shellQuote(String(value))}`);
    return ["# platform-etcd-snapshot config, written by the EtcdBackup step (no secrets: the S3 keys are read from a Secret at run time)", ...lines, ""].join(
        "\n",
    );
}

/** The oneshot service: low priority, so a snapshot never competes with the API server. */
export function serviceUnit(): string {
    return [
        "[Unit]",
        "Description=etcd snapshot of this control-plane node, verified and copied to S3",
        "After=network-online.target containerd.service kubelet.service",
        "Wants=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        `ExecStart=${SNAPSHOT_COMMAND}`,
        "Nice=10",
        "IOSchedulingClass=idle",
        "TimeoutStartSec=30min",
        "",
    ].join("\n");
}

/**
 * Every 6 hours (seed 002 H). Persistent: a run missed while the VM was stopped happens at boot;
 * the random delay keeps the clusters' control planes from snapshotting and uploading at once.
 */
export function timerUnit(): string {
    return [
        "[Unit]",
        "Description=etcd snapshot every 6 hours",
        "",
        "[Timer]",
        "OnCalendar=*-*-* 00/6:00:00",
        "Persistent=true",
        "RandomizedDelaySec=15min",
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ].join("\n");
}

/** Every file the step writes, in order. */
export function backupFiles(v: BackupNodeValues): NodeFile[] {
    return [
        { path: SNAPSHOT_COMMAND, content: SNAPSHOT_SCRIPT, mode: "0755" },
        { path: CONFIG_FILE, content: configFile(v), mode: "0644" },
        { path: CA_FILE, content: v.caPem, mode: "0644" },
        { path: `${UNIT_DIR}/${UNIT}.service`, content: serviceUnit(), mode: "0644" },
        { path: `${UNIT_DIR}/${UNIT}.timer`, content: timerUnit(), mode: "0644" },
    ];
}

/**
 * Create and update: the tools the script needs must be there (curl with --aws-sigv4: Ubuntu 24.04's
 * 8.5 has it), then the files, then the timer enabled. Idempotent; it takes no snapshot itself (the
 * S3 endpoint and the credential may not exist yet when a cluster is first built).
 */
export function renderInstallScript(files: NodeFile[]): string {
    return [
        "for tool in crictl kubectl curl flock sha256sum; do",
        '  command -v "$tool" >/dev/null || { echo "etcd backup: $tool is missing on this node" >&2; exit 1; }',
        "done",
        // Captured first: grep -q closing the pipe early would fail curl with SIGPIPE under pipefail.
        "curl_help=$(curl --help all)",
        'if ! grep -q -- --aws-sigv4 <<<"$curl_help"; then',
        '  echo "etcd backup: this curl has no --aws-sigv4 (7.75 or newer is needed)" >&2',
        "  exit 1",
        "fi",
        ...files.map(embedFile),
        `install -d -m 0700 ${SNAPSHOT_DIR}`,
        "systemctl daemon-reload",
        `systemctl enable --now ${UNIT}.timer`,
        `echo "etcd backup: ${UNIT}.timer enabled; run ${SNAPSHOT_COMMAND} for a snapshot now" >&2`,
        "",
    ].join("\n");
}

/** Delete: the timer and the files go; the local snapshots stay (they may be all that is left). */
export function renderRemoveScript(): string {
    return [
        `systemctl disable --now ${UNIT}.timer 2>/dev/null || true`,
        `rm -f ${UNIT_DIR}/${UNIT}.service ${UNIT_DIR}/${UNIT}.timer ${SNAPSHOT_COMMAND}`,
        `rm -rf ${path.posix.dirname(CONFIG_FILE)}`,
        "systemctl daemon-reload",
        `echo "etcd backup removed; the snapshots in ${SNAPSHOT_DIR} are kept: delete them by hand when no longer needed" >&2`,
        "",
    ].join("\n");
}
