/**
 * The root scripts of the kubeadm steps, as script bodies (nodeCommand runs each inside a function).
 * Each one looks at the node's state first, so a retry after a failure anywhere finishes the job:
 * - init counts as done only when the cluster answers (the kubeadm-config ConfigMap exists);
 *   kubeadm writes admin.conf long before that (cmd/kubeadm/app/cmd/init.go phase order);
 * - a join counts as done only when the Node is registered, a control-plane join only when the Node
 *   carries the control-plane label, which kubeadm sets after the etcd member joined;
 * - anything short of that is reset (`kubeadm reset` plus the CNI state it leaves) and done again.
 * stdout carries only what a later step reads; progress goes to stderr, kubeadm's own output to a
 * root-only log whose tail is shown with tokens and keys masked when kubeadm fails.
 */
import { API_SERVER_PORT, CRI_SOCKET, PSA_FILE } from "./kubeadm-config";
import { BootstrapToken, bootstrapTokenId, CaCertHash, PKI_DIR, SHARED_CONTROL_PLANE_FILES } from "./credentials";
import { ADMIN_ACCOUNT } from "./kubeconfig";
import { KUBE_VIP_INIT_KUBECONFIG, KUBE_VIP_KUBECONFIG, KUBE_VIP_MANIFEST } from "./kube-vip";
import { embedFile, NodeFile, shellQuote } from "../vm-node/script";

export const KUBEADM_DIR = "/etc/kubernetes/kubeadm";
/** What `kubeadm init` reads: the ClusterConfiguration and the InitConfiguration. */
export const INIT_CONFIG = `${KUBEADM_DIR}/init.yaml`;
/** The ClusterConfiguration this config renders now. */
export const CLUSTER_CONFIG = `${KUBEADM_DIR}/cluster-configuration.yaml`;
/** The ClusterConfiguration the cluster was initialised with, kept by `init` to compare against. */
export const INITIALISED_CLUSTER_CONFIG = `${KUBEADM_DIR}/cluster-configuration.initialised.yaml`;
/** What `kubeadm join` reads. */
export const JOIN_CONFIG = `${KUBEADM_DIR}/join.yaml`;
/**
 * What the rendered ClusterConfiguration holds as `kubernetesVersion`: `init` writes the version
 * of the kubeadm the node was bootstrapped with into init.yaml just before `kubeadm init`. The
 * config's version is the upgrade steps' input alone (upgrade.ts), so changing it neither updates
 * nor replaces `init`, and the record init compares against on update is version-free.
 */
export const INSTALLED_KUBEADM_VERSION = "installed-kubeadm-version";
/** The admin ServiceAccount, its binding and token Secret, applied by the kubeconfig step. */
export const ADMIN_ACCOUNT_MANIFEST = "/etc/kubernetes/platform/admin-account.yaml";

export const ADMIN_CONF = "/etc/kubernetes/admin.conf";
const KUBELET_CONF = "/etc/kubernetes/kubelet.conf";
const LOG_DIR = "/var/log/platform";
export const CRICTL = `crictl --runtime-endpoint ${CRI_SOCKET}`;

/**
 * Runs a command with its output in a root-only log; on failure prints a masked tail, then `hint`
 * (double-quoted: what state the node is left in and what to do), and exits.
 */
export function runLogged(step: string, commandLine: string, hint?: string): string[] {
    const log = `${LOG_DIR}/${step}.log`;
    return [
        `install -d -m 0700 ${LOG_DIR}`,
        `echo "${step}: running (log: ${log})" >&2`,
        `if ! ${commandLine} >${log} 2>&1; then`,
        `  echo "${step} failed; last lines of ${log} (secrets masked):" >&2`,
        `  tail -n 30 ${log} | sed -E 's/[a-z0-9]{6}\\.[a-z0-9]{16}/<token>/g; s/[0-9a-f]{64}/<key>/g' >&2`,
        ...(hint === undefined ? [] : [`  echo "${hint}" >&2`]),
        "  exit 1",
        "fi",
    ];
}

/** Polls a shell condition every `seconds`, `tries` times; fails with `message` (double-quoted) if it never holds. */
export function waitUntil(condition: string, tries: number, seconds: number, message: string): string[] {
    return [
        "ready=no",
        `for _ in $(seq 1 ${tries}); do`,
        `  if ${condition}; then ready=yes; break; fi`,
        `  sleep ${seconds}`,
        "done",
        'if [ "$ready" != yes ]; then',
        `  echo "${message}" >&2`,
        "  exit 1",
        "fi",
    ];
}

/** "sha256:<hex>" of the CA public key on this node (kubernetes.io "kubeadm join", token-based discovery). */
const NODE_CA_HASH =
    "\"sha256:$(openssl x509 -pubkey -noout -in /etc/kubernetes/pki/ca.crt | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex | sed 's/^.* //')\"";

/** True when an earlier init, join or failed attempt left kubeadm state on the node. */
const HAS_KUBEADM_STATE = `{ [ -e ${ADMIN_CONF} ] || [ -e ${KUBELET_CONF} ] || [ -d /var/lib/etcd/member ] || [ -n "$(ls -A /etc/kubernetes/manifests 2>/dev/null)" ]; }`;

/** True when the cluster on this control-plane node answers with admin.conf. */
const CLUSTER_ANSWERS = `{ [ -f ${ADMIN_CONF} ] && kubectl --kubeconfig ${ADMIN_CONF} --request-timeout=15s -n kube-system get configmap kubeadm-config >/dev/null 2>&1; }`;

/**
 * `kubeadm reset`, then what it leaves behind by its own account (cmd/kubeadm/app/cmd/reset.go,
 * cniCleanupInstructions and iptablesCleanupInstructions): the CNI config in /etc/cni/net.d and the
 * network rules, here Cilium's links and CILIUM_* chains and the kubelet's KUBE-* chains. The host's
 * own rules stay; there is no kube-proxy, so no IPVS tables.
 */
function resetNode(): string[] {
    return [
        ...runLogged("kubeadm-reset", "kubeadm reset --force"),
        "rm -rf /etc/cni/net.d/*",
        "for link in cilium_host cilium_net cilium_vxlan cilium_geneve; do",
        '  if ip link show "$link" >/dev/null 2>&1; then ip link delete "$link"; fi',
        "done",
        "for tool in iptables ip6tables; do",
        '  if command -v "${tool}-save" >/dev/null 2>&1; then',
        '    rules=$("${tool}-save")',
        '    if grep -qE \'CILIUM|KUBE-\' <<<"$rules"; then grep -vE \'CILIUM|KUBE-\' <<<"$rules" | "${tool}-restore"; fi',
        "  fi",
        "done",
    ];
}

/** Waits until the API server on `ip` answers /readyz. */
export function waitForApiServer(ip: string): string[] {
    return waitUntil(
        `kubectl --kubeconfig ${ADMIN_CONF} --server https://${ip}:${API_SERVER_PORT} --request-timeout=5s get --raw=/readyz >/dev/null 2>&1`,
        60,
        5,
        `the API server on ${ip} is not ready after 5 minutes; read: crictl ps -a --name kube-apiserver, journalctl -u kubelet`,
    );
}

/** The ID of the running container named `name` (a regex for crictl), or "". */
export function containerId(name: string): string {
    return `$(${CRICTL} ps --name '^${name}$' -q 2>/dev/null || true)`;
}

/** Waits until a `name` container other than the one whose ID is in `$<before>` runs. */
export function waitForNewContainer(name: string, before: string, what: string): string[] {
    return waitUntil(
        `[ -n "${containerId(name)}" ] && [ "${containerId(name)}" != "$${before}" ]`,
        60,
        2,
        `the kubelet did not restart ${what} within 2 minutes; read: journalctl -u kubelet`,
    );
}

/**
 * Writes the control-plane files of a running node; when the PSA admission config changed, restarts
 * the API server (it reads the file only at start) and waits for /readyz. A changed kube-vip
 * manifest is restarted by the kubelet (a static pod whose manifest changed); this waits for the new
 * kube-vip before the VIP is trusted again.
 */
function applyControlPlaneFiles(files: NodeFile[], nodeIp: string): string[] {
    const kubeVip = files.some((f) => f.path === KUBE_VIP_MANIFEST);
    return [
        `psa_before=$(sha256sum ${PSA_FILE} 2>/dev/null || true)`,
        ...(kubeVip ? [`vip_sum_before=$(sha256sum ${KUBE_VIP_MANIFEST} 2>/dev/null || true)`, `vip_before=${containerId("kube-vip")}`] : []),
        ...files.map(embedFile),
        `if [ "$(sha256sum ${PSA_FILE})" != "$psa_before" ]; then`,
        '  echo "the PSA admission config changed: restarting the API server, which reads it only at start" >&2',
        `  old=${containerId("kube-apiserver")}`,
        `  while read -r id; do if [ -n "$id" ]; then ${CRICTL} stop "$id" >/dev/null; fi; done <<<"$old"`,
        ...waitForNewContainer("kube-apiserver", "old", "the API server"),
        ...waitForApiServer(nodeIp),
        "fi",
        ...(kubeVip
            ? [
                  `if [ "$(sha256sum ${KUBE_VIP_MANIFEST})" != "$vip_sum_before" ]; then`,
                  '  echo "the kube-vip manifest changed: waiting for the kubelet to restart kube-vip" >&2',
                  ...waitForNewContainer("kube-vip", "vip_before", "kube-vip"),
                  "fi",
              ]
            : []),
    ];
}

/** Refuses a ClusterConfiguration other than the one the cluster was initialised with. */
function checkClusterConfiguration(node: string): string[] {
    return [
        `if [ ! -f ${INITIALISED_CLUSTER_CONFIG} ]; then`,
        `  echo "a cluster runs on ${node} that this step did not initialise (${INITIALISED_CLUSTER_CONFIG} is missing): it is not adopted. To start over, run kubeadm reset -f on ${node}" >&2`,
        "  exit 1",
        "fi",
        `if ! cmp -s ${CLUSTER_CONFIG} ${INITIALISED_CLUSTER_CONFIG}; then`,
        '  echo "the kubeadm ClusterConfiguration differs from the one this cluster was initialised with; kubeadm applies it only at init:" >&2',
        `  diff -u ${INITIALISED_CLUSTER_CONFIG} ${CLUSTER_CONFIG} >&2 || true`,
        '  echo "revert that change in the stack config, or rebuild the cluster (pulumi destroy, then pulumi up): upgrades and re-addressing are not automated" >&2',
        "  exit 1",
        "fi",
    ];
}

/** The files of the init step, by role. */
export interface InitFiles {
    psa: NodeFile;
    /** The ClusterConfiguration alone (`CLUSTER_CONFIG`). */
    clusterConfiguration: NodeFile;
    /** ClusterConfiguration and InitConfiguration (`INIT_CONFIG`). */
    init: NodeFile;
    /** The kube-vip manifest, with a VIP. */
    kubeVip?: NodeFile;
}

/** What the init scripts need. */
export interface InitScriptArgs {
    node: string;
    nodeIp: string;
    files: InitFiles;
}

function initRunningCluster(args: InitScriptArgs): string[] {
    const { psa, clusterConfiguration, init, kubeVip } = args.files;
    return [
        embedFile(clusterConfiguration),
        ...checkClusterConfiguration(args.node),
        ...applyControlPlaneFiles([psa, init, ...(kubeVip ? [kubeVip] : [])], args.nodeIp),
    ];
}

function initEnd(args: InitScriptArgs): string[] {
    return [
        ...(args.files.kubeVip
            ? waitUntil(
                  `kubectl --kubeconfig ${ADMIN_CONF} --request-timeout=5s get --raw=/readyz >/dev/null 2>&1`,
                  60,
                  5,
                  "the API server does not answer on the VIP after 5 minutes; read the kube-vip log: crictl ps --name kube-vip, then crictl logs <id>",
              )
            : []),
        // The only stdout: the CA hash joins verify the cluster by.
        `echo ${NODE_CA_HASH}`,
    ];
}

/**
 * Create of `init`: `kubeadm init` unless the cluster already answers (a retry after a later
 * failure), in which case it must be the cluster this step initialised with this configuration.
 * With a VIP, kube-vip runs on super-admin.conf while init runs (kube-vip/kube-vip#684), then on
 * admin.conf, and the script waits until the API server answers on the VIP before going on.
 */
export function renderInitCreate(args: InitScriptArgs): string {
    const { psa, clusterConfiguration, init, kubeVip } = args.files;
    return [
        `if ${CLUSTER_ANSWERS}; then`,
        '  echo "kubeadm init: the cluster answers already (a retry); checking it is the one this step initialised" >&2',
        ...initRunningCluster(args),
        "else",
        `  if ${HAS_KUBEADM_STATE}; then`,
        '    echo "kubeadm init: an earlier attempt did not finish (no kubeadm-config ConfigMap); resetting before init" >&2',
        ...resetNode(),
        "  fi",
        ...[psa, clusterConfiguration, init, ...(kubeVip ? [kubeVip] : [])].map(embedFile),
        ...(kubeVip ? [`  sed -i 's#path: ${KUBE_VIP_KUBECONFIG}#path: ${KUBE_VIP_INIT_KUBECONFIG}#' ${KUBE_VIP_MANIFEST}`] : []),
        "  kubeadm_version=$(kubeadm version -o short)",
        '  if [[ ! "$kubeadm_version" =~ ^v[0-9]+\\.[0-9]+\\.[0-9]+$ ]]; then',
        `    echo "kubeadm version -o short printed '$kubeadm_version', not a version: the node bootstrap did not finish on ${args.node} (read: journalctl -u cloud-init, or the bootstrap's output on an SSH host)" >&2`,
        "    exit 1",
        "  fi",
        `  sed -i "s/^kubernetesVersion: ${INSTALLED_KUBEADM_VERSION}$/kubernetesVersion: $kubeadm_version/" ${INIT_CONFIG}`,
        ...runLogged("kubeadm-init", `kubeadm init --config ${INIT_CONFIG}`),
        `  install -m 0600 ${CLUSTER_CONFIG} ${INITIALISED_CLUSTER_CONFIG}`,
        ...(kubeVip
            ? [
                  "  # RBAC exists now: back to admin.conf. Wait for the new kube-vip before trusting the VIP.",
                  `  vip_before=${containerId("kube-vip")}`,
                  embedFile(kubeVip),
                  ...waitForNewContainer("kube-vip", "vip_before", "kube-vip"),
              ]
            : []),
        "fi",
        ...initEnd(args),
    ].join("\n");
}

/**
 * Update of `init`: what can change on a running cluster is applied (the PSA config, kube-vip);
 * a changed ClusterConfiguration is refused, since kubeadm reads it only at init.
 */
export function renderInitUpdate(args: InitScriptArgs): string {
    return [
        `if ! ${CLUSTER_ANSWERS}; then`,
        `  echo "the cluster on ${args.node} does not answer (kubectl -n kube-system get configmap kubeadm-config failed); an update needs it running: read journalctl -u kubelet on ${args.node}, then run pulumi up again" >&2`,
        "  exit 1",
        "fi",
        ...initRunningCluster(args),
        ...initEnd(args),
    ].join("\n");
}

/** Delete of `init` and of every join: the node leaves no kubeadm or CNI state behind. */
export function renderResetNode(node: string): string {
    return [`if ${HAS_KUBEADM_STATE}; then`, ...resetNode(), "else", `  echo "${node} holds no kubeadm state: nothing to reset" >&2`, "fi"].join("\n");
}

/** What the credentials scripts need. */
export interface CredentialsScriptArgs {
    /** The joining node. */
    node: string;
    token: BootstrapToken;
    /** Also print the shared control-plane files. */
    controlPlane: boolean;
}

/**
 * Create of `join-credentials-<node>`, on the first control-plane node: the node's own bootstrap
 * token, with no expiry (`kubeadm token create --ttl 0`), so a join retried hours later still finds
 * it; `member-<node>` deletes it once the node is registered. For a control-plane node it then
 * prints the shared CA, service-account and front-proxy keys (kubernetes.io "Creating Highly
 * Available Clusters with kubeadm", manual certificate distribution), all at once at the very end:
 * pulumi-command puts a failed command's output into its error message.
 */
export function renderCredentialsCreate(args: CredentialsScriptArgs): string {
    const id = bootstrapTokenId(args.token);
    const lines = [
        `export KUBECONFIG=${ADMIN_CONF}`,
        `kubectl -n kube-system delete secret bootstrap-token-${id} --ignore-not-found >&2`,
        ...runLogged(
            "kubeadm-token",
            `kubeadm token create ${shellQuote(args.token)} --ttl 0 --description ${shellQuote(`join of ${args.node}; deleted by its member step`)}`,
        ),
    ];
    if (args.controlPlane) {
        const names = SHARED_CONTROL_PLANE_FILES.join(" ");
        lines.push(
            `for f in ${names}; do`,
            `  if [ ! -s "${PKI_DIR}/$f" ]; then echo "${PKI_DIR}/$f is missing on the first control-plane node" >&2; exit 1; fi`,
            "done",
            `files=$(sep=""; for f in ${names}; do printf '%s"%s":"%s"' "$sep" "$f" "$(base64 -w0 "${PKI_DIR}/$f")"; sep=","; done)`,
            `printf '{"files":{%s}}\\n' "$files"`,
        );
    }
    return lines.join("\n");
}

/** Ends the script with a warning (`what` did not happen, and the manual fix) when the cluster does not answer. */
function skipIfClusterGone(what: string, manual: string): string[] {
    return [
        `export KUBECONFIG=${ADMIN_CONF}`,
        `if ! { [ -f ${ADMIN_CONF} ] && kubectl --request-timeout=15s get --raw=/readyz >/dev/null 2>&1; }; then`,
        `  echo "warning: the cluster does not answer, so ${what}. If it still exists, run on the first control-plane node: ${manual}" >&2`,
        "  exit 0",
        "fi",
    ];
}

/** Delete of `join-credentials-<node>`: the token goes (a cluster that is gone took it along). */
export function renderCredentialsDelete(token: BootstrapToken): string {
    const id = bootstrapTokenId(token);
    return [
        ...skipIfClusterGone(`bootstrap token ${id} is not deleted`, `kubeadm token delete ${id}`),
        `kubectl -n kube-system delete secret bootstrap-token-${id} --ignore-not-found >&2`,
    ].join("\n");
}

/** What the join scripts need. */
export interface JoinScriptArgs {
    node: string;
    nodeIp: string;
    caCertHash: CaCertHash;
    controlPlane: boolean;
    /** join.yaml, and for a control-plane node the shared certificates, PSA config and kube-vip. */
    files: NodeFile[];
}

/**
 * Create of `join-<node>`. Done when the node already belongs to this cluster (its CA hash matches)
 * and is registered, as a control-plane member for a control-plane node. Any other kubeadm state
 * (an interrupted join, another cluster's) is reset first. It fails, touching nothing, when the API
 * server cannot be asked.
 */
export function renderJoinCreate(args: JoinScriptArgs): string {
    const node = shellQuote(args.node);
    const registered = args.controlPlane
        ? [
              "  if grep -q 'node-role.kubernetes.io/control-plane' <<<\"$labels\"; then",
              `    echo "kubeadm join: ${args.node} is already a control-plane member" >&2`,
              "    exit 0",
              "  fi",
              `  echo "kubeadm join: ${args.node} is registered but not a control-plane member (an earlier join stopped halfway)" >&2`,
          ]
        : [`  echo "kubeadm join: ${args.node} is already registered" >&2`, "  exit 0"];
    return [
        `if [ -f ${KUBELET_CONF} ] && [ -f /etc/kubernetes/pki/ca.crt ] && [ ${NODE_CA_HASH} = ${shellQuote(args.caCertHash)} ]; then`,
        `  if labels=$(kubectl --kubeconfig ${KUBELET_CONF} --request-timeout=20s get node ${node} -o jsonpath='{.metadata.labels}' 2>&1); then`,
        ...registered.map((l) => `  ${l}`),
        '  elif grep -q NotFound <<<"$labels"; then',
        `    echo "kubeadm join: ${args.node} has kubelet credentials but no Node object" >&2`,
        "  else",
        `    echo "cannot ask the API server whether ${args.node} joined:" >&2`,
        "    printf '%s\\n' \"$labels\" >&2",
        `    echo "check that ${args.node} reaches the control-plane endpoint, then run pulumi up again" >&2`,
        "    exit 1",
        "  fi",
        "fi",
        `if ${HAS_KUBEADM_STATE}; then`,
        `  echo "kubeadm join: ${args.node} holds kubeadm state that is not a finished join to this cluster; resetting first" >&2`,
        ...resetNode(),
        "fi",
        ...args.files.map(embedFile),
        ...runLogged("kubeadm-join", `kubeadm join --config ${JOIN_CONFIG}`),
    ].join("\n");
}

/**
 * Update of a control-plane `join-<node>`: the PSA config and kube-vip apply to a running member.
 * join.yaml and the shared certificates are read only by `kubeadm join`; they are not rewritten.
 */
export function renderControlPlaneJoinUpdate(args: { node: string; nodeIp: string; files: NodeFile[] }): string {
    return [
        `if [ ! -f ${KUBELET_CONF} ]; then`,
        `  echo "${args.node} has not joined (no ${KUBELET_CONF}); replace its join step: pulumi up --replace <urn of its join step>" >&2`,
        "  exit 1",
        "fi",
        ...applyControlPlaneFiles(args.files, args.nodeIp),
    ].join("\n");
}

/**
 * Delete of `join-<node>`: reset the node. A control-plane node's Node object is deleted only after
 * the reset: `kubeadm reset` removes the node's etcd member and finds it through the node's mirror
 * pods, which go with the Node.
 */
export function renderJoinDelete(args: { node: string; controlPlane: boolean }): string {
    if (!args.controlPlane) {
        return renderResetNode(args.node);
    }
    const saved = "/run/platform-leave-admin.conf";
    return [
        `if ${HAS_KUBEADM_STATE}; then`,
        `  if [ -f ${ADMIN_CONF} ]; then install -m 0600 ${ADMIN_CONF} ${saved}; fi`,
        ...resetNode(),
        `  if [ -f ${saved} ]; then`,
        "    deleted=no",
        "    for _ in $(seq 1 6); do",
        `      if kubectl --kubeconfig ${saved} --request-timeout=20s delete node ${shellQuote(args.node)} --ignore-not-found >&2; then deleted=yes; break; fi`,
        "      sleep 10",
        "    done",
        `    rm -f ${saved}`,
        `    if [ "$deleted" != yes ]; then echo "warning: could not delete Node ${args.node}; run: kubectl delete node ${args.node}" >&2; fi`,
        "  fi",
        "else",
        `  echo "${args.node} holds no kubeadm state: nothing to reset" >&2`,
        "fi",
    ].join("\n");
}

/**
 * Create of `member-<node>`, on the first control-plane node: waits until the node is registered,
 * then deletes its bootstrap token, which never expires and must not outlive the join.
 */
export function renderMemberCreate(args: { node: string; tokenId: string }): string {
    const node = shellQuote(args.node);
    return [
        `export KUBECONFIG=${ADMIN_CONF}`,
        ...waitUntil(
            `kubectl --request-timeout=10s get node ${node} >/dev/null 2>&1`,
            60,
            5,
            `node ${args.node} did not register within 5 minutes; read: journalctl -u kubelet on ${args.node}`,
        ),
        `kubectl -n kube-system delete secret bootstrap-token-${args.tokenId} --ignore-not-found >&2`,
        `echo "node ${args.node} registered; its bootstrap token is deleted" >&2`,
    ].join("\n");
}

/**
 * Delete of `member-<node>`, on the first control-plane node, before the node is reset: drain it
 * (a failed drain warns and the removal goes on), then delete a worker's Node (a control-plane
 * node's goes after its reset, see `renderJoinDelete`). A cluster that is gone has nothing to drain.
 */
export function renderMemberDelete(args: { node: string; controlPlane: boolean }): string {
    const node = shellQuote(args.node);
    return [
        ...skipIfClusterGone(
            `${args.node} is not drained`,
            `kubectl drain ${args.node} --ignore-daemonsets --delete-emptydir-data; kubectl delete node ${args.node}`,
        ),
        `if kubectl get node ${node} >/dev/null 2>&1; then`,
        `  if ! kubectl drain ${node} --ignore-daemonsets --delete-emptydir-data --timeout=180s >&2; then`,
        `    echo "warning: draining ${args.node} failed (a PodDisruptionBudget, a bare pod or pods stuck terminating); going on" >&2`,
        "  fi",
        args.controlPlane ? `  echo "${args.node} stays registered until its join step has reset it" >&2` : `  kubectl delete node ${node} --wait=true >&2`,
        "else",
        `  echo "node ${args.node} is not in the cluster" >&2`,
        "fi",
    ].join("\n");
}

/**
 * Create of `kubeconfig`, on the first control-plane node: applies the admin ServiceAccount with its
 * cluster-admin binding and token Secret, waits for the token controller to fill the Secret, and
 * prints `{"certificateAuthorityData", "token"}` as its only stdout.
 */
export function renderKubeconfigCreate(manifest: NodeFile): string {
    const { namespace, secret } = ADMIN_ACCOUNT;
    const get = (field: string) => `kubectl -n ${namespace} get secret ${secret} -o jsonpath='{.data.${field}}'`;
    return [
        `export KUBECONFIG=${ADMIN_CONF}`,
        embedFile(manifest),
        `kubectl apply -f ${manifest.path} >&2`,
        ...waitUntil(
            `[ -n "$(${get("token")} 2>/dev/null)" ]`,
            30,
            2,
            `the token controller did not fill Secret ${namespace}/${secret} within a minute; read: kubectl -n ${namespace} describe secret ${secret}`,
        ),
        `token=$(${get("token")} | base64 -d)`,
        `ca=$(${get("ca\\.crt")})`,
        `printf '{"certificateAuthorityData":"%s","token":"%s"}\\n' "$ca" "$token"`,
    ].join("\n");
}
