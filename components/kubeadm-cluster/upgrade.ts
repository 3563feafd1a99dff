/**
 * Rolling Kubernetes upgrades as steps of the runbook (kubernetes.io "Upgrading kubeadm clusters",
 * v1.35): the version is an input of these steps only, so changing `cluster.kubernetesVersion` is
 * an update of each of them, which runs its update script, in this order:
 * 1. `upgrade-preflight` (first control-plane node): the target kubeadm, from the target minor's
 *    pkgs.k8s.io repository, and `kubeadm upgrade plan <target>` must accept the target;
 * 2. `upgrade-snapshot` (first control-plane node): an etcd snapshot (`ETCD_SNAPSHOT_COMMAND`);
 * 3. `upgrade-<first>`: `kubeadm upgrade apply -y <target>`, then the kubelet and kubectl;
 * 4. `upgrade-<cp>` for the other control-plane nodes, one at a time: `kubeadm upgrade node`, then
 *    the kubelet and kubectl;
 * 5. per worker, one at a time: `drain-<w>` (first control-plane node: cordon, drain respecting
 *    PodDisruptionBudgets, never forced), `upgrade-<w>` (`kubeadm upgrade node`, kubelet, kubectl),
 *    `uncordon-<w>` (first control-plane node: waits for the kubelet at the target, uncordons).
 *
 * The seed's script runs `kubeadm upgrade apply` on every control-plane node. That is wrong: the
 * kubeadm docs run `apply` on the first control-plane node only and `kubeadm upgrade node` on the
 * others (apply upgrades the cluster-wide configuration and addons; node upgrades one member).
 *
 * Create and update run the same script, and it looks at the node first: a step whose node runs
 * the target already does nothing. So the steps are created as no-ops with the cluster, a node
 * built later (bootstrapped at the current version) gets no-op steps, and a re-run after a failure
 * resumes where it stopped: a failed step keeps its old inputs, so the next `up` runs it again,
 * while the steps that succeeded recorded the target and stay put. The version is in the scripts'
 * text (stdin), never in `triggers`: a version change must update, not replace.
 */
import { kubernetesMinor } from "../../config/model";
import { LABEL_DOMAIN } from "../../policy-pack/conventions";
import { containerdCheck, kubernetesPackages, kubernetesRepository } from "../vm-node/bootstrap";
import { shellQuote } from "../vm-node/script";
import { ADMIN_CONF, runLogged, waitUntil } from "./scripts";
import { KubeadmStep, RunbookConfig, RunbookNodes, STEP, StepTrigger } from "./steps";

/** The etcd snapshot script the node bootstrap installs on control-plane nodes (takes, checks and uploads a snapshot; docs/operations/backup-restore.md). */
export const ETCD_SNAPSHOT_COMMAND = "/usr/local/sbin/platform-etcd-snapshot";
/** Written before `kubeadm upgrade` runs on a node, removed when it succeeded: a re-run after a failure runs it again. */
export const UPGRADE_PENDING_FILE = "/etc/kubernetes/platform/upgrade-pending";
/** Set on a Node the drain step cordoned, so only the upgrade's own cordon is lifted by it. */
export const CORDONED_FOR_UPGRADE = `${LABEL_DOMAIN}/cordoned-for-upgrade`;
/** How long a drain may take before the upgrade stops. */
export const DRAIN_TIMEOUT_SECONDS = 600;

const KUBE_APISERVER_MANIFEST = "/etc/kubernetes/manifests/kube-apiserver.yaml";
const GUARD_RESET = "pulumi up --replace <the config guard's URN, from pulumi stack --show-urns>";

/** The Kubernetes version the cluster's kubeadm-config ConfigMap records, into `$cluster_version`; fails naming the node when it cannot be read. */
function readClusterVersion(node: string): string[] {
    return [
        `export KUBECONFIG=${ADMIN_CONF}`,
        "if ! config=$(kubectl --request-timeout=20s -n kube-system get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}' 2>&1); then",
        `  echo "cannot read the cluster's version (kube-system/kubeadm-config) on ${node}: $config. Check that the cluster answers, then run pulumi up again" >&2`,
        "  exit 1",
        "fi",
        "cluster_version=$(sed -n 's/^kubernetesVersion: *//p' <<<\"$config\")",
    ];
}

/** The Node's kubelet version as the API server reports it (for `kubectl get node`, jsonpath). */
const nodeKubeletVersion = (node: string) => `$(kubectl --request-timeout=20s get node ${shellQuote(node)} -o jsonpath='{.status.nodeInfo.kubeletVersion}')`;

/** The local kubelet's version, e.g. "v1.35.9". */
const LOCAL_KUBELET_VERSION = "$(kubelet --version 2>/dev/null | sed -n 's/^Kubernetes //p')";

/** The image tag of this control-plane node's API server, from its static pod manifest. */
const LOCAL_API_SERVER_TAG = `$(sed -n 's#^ *image: .*/kube-apiserver:\\(v[^ ]*\\)$#\\1#p' ${KUBE_APISERVER_MANIFEST} 2>/dev/null)`;

/** What the upgrade scripts need: the node, and the target version. */
export interface UpgradeScriptArgs {
    /** The node the step acts on (runs on, or drains from the first control-plane node). */
    node: string;
    /** The target, e.g. "v1.35.10". */
    target: string;
}

/**
 * `upgrade-preflight`, on the first control-plane node: nothing when the cluster runs the target;
 * else the installed containerd must support the target minor (the check of the node bootstrap),
 * the target kubeadm is installed from the target minor's repository, and `kubeadm upgrade plan
 * <target>` must accept the target. Only kubeadm on this node changes before that verdict.
 */
export function renderUpgradePreflight(args: UpgradeScriptArgs): string {
    const { node, target } = args;
    return [
        ...readClusterVersion(node),
        `if [ "$cluster_version" = ${target} ]; then`,
        `  echo "upgrade preflight: the cluster runs ${target}; nothing to check" >&2`,
        "  exit 0",
        "fi",
        `echo "upgrade preflight on ${node}: $cluster_version -> ${target}" >&2`,
        ...containerdCheck(kubernetesMinor(target)),
        ...kubernetesRepository(target),
        ...kubernetesPackages(target, ["kubeadm"]),
        ...runLogged(
            "kubeadm-upgrade-plan",
            `kubeadm upgrade plan ${target}`,
            `kubeadm upgrade plan refuses ${target}: the cluster is unchanged (only kubeadm on ${node} is at ${target}). ` +
                `Fix what the lines above name and run pulumi up again, or set platform:cluster.kubernetesVersion back to $cluster_version ` +
                `and record that with ${GUARD_RESET}`,
        ),
        `echo "upgrade preflight: kubeadm upgrade plan accepts ${target}" >&2`,
    ].join("\n");
}

/**
 * `upgrade-snapshot`, on the first control-plane node: nothing when the cluster runs the target;
 * else an etcd snapshot by the script the node bootstrap installs, which checks it and copies it
 * to S3. A missing script or a failed snapshot stops the upgrade before anything changed.
 */
export function renderUpgradeSnapshot(args: UpgradeScriptArgs): string {
    const { node, target } = args;
    return [
        ...readClusterVersion(node),
        `if [ "$cluster_version" = ${target} ]; then`,
        `  echo "the cluster runs ${target}: no upgrade, no snapshot" >&2`,
        "  exit 0",
        "fi",
        `if [ ! -x ${ETCD_SNAPSHOT_COMMAND} ]; then`,
        `  echo "${ETCD_SNAPSHOT_COMMAND} is missing on ${node}: the node bootstrap installs it on control-plane nodes (docs/operations/backup-restore.md). ` +
            `The upgrade to ${target} does not start without an etcd snapshot; install it, then run pulumi up again" >&2`,
        "  exit 1",
        "fi",
        ...runLogged(
            "etcd-snapshot",
            ETCD_SNAPSHOT_COMMAND,
            `no etcd snapshot, so the upgrade to ${target} did not start and the cluster is unchanged: fix the snapshot, then run pulumi up again`,
        ),
        `echo "etcd snapshot taken before the upgrade to ${target}" >&2`,
    ].join("\n");
}

/** The kubelet and kubectl to the target (the repository is switched already), the kubelet restarted. */
function upgradeKubelet(target: string): string[] {
    return [
        `if [ "${LOCAL_KUBELET_VERSION}" != ${target} ]; then`,
        ...kubernetesPackages(target, ["kubelet", "kubectl"]).map((l) => `  ${l}`),
        "  systemctl daemon-reload",
        "  systemctl restart kubelet",
        "fi",
    ];
}

/** Marks `kubeadm upgrade` as started on this node, runs it, unmarks it. */
function kubeadmUpgrade(commandLine: string, hint: string): string[] {
    return [
        `install -d -m 0755 ${UPGRADE_PENDING_FILE.slice(0, UPGRADE_PENDING_FILE.lastIndexOf("/"))}`,
        `echo "${commandLine}" > ${UPGRADE_PENDING_FILE}`,
        ...runLogged("kubeadm-upgrade", commandLine, hint),
        `rm -f ${UPGRADE_PENDING_FILE}`,
    ];
}

/**
 * `upgrade-<cp>`, on a control-plane node: done when its API server and kubelet run the target
 * and no `kubeadm upgrade` is pending. Else the target kubeadm, then `kubeadm upgrade apply -y
 * <target>` on the first node or `kubeadm upgrade node` on the others (again after a failed
 * attempt), then the kubelet and kubectl, and a wait until the Node reports the target.
 */
export function renderControlPlaneUpgrade(args: UpgradeScriptArgs & { first: boolean }): string {
    const { node, target } = args;
    const upgrade = args.first ? `kubeadm upgrade apply -y ${target}` : "kubeadm upgrade node";
    return [
        `export KUBECONFIG=${ADMIN_CONF}`,
        `api_server=${LOCAL_API_SERVER_TAG}`,
        `if [ ! -f ${UPGRADE_PENDING_FILE} ] && [ "$api_server" = ${target} ] && [ "${LOCAL_KUBELET_VERSION}" = ${target} ]; then`,
        `  echo "${node} runs ${target}: nothing to upgrade" >&2`,
        "  exit 0",
        "fi",
        `echo "upgrading control-plane node ${node} to ${target} (API server \${api_server:-unknown})" >&2`,
        ...containerdCheck(kubernetesMinor(target)),
        ...kubernetesRepository(target),
        `if [ -f ${UPGRADE_PENDING_FILE} ] || [ "$api_server" != ${target} ]; then`,
        ...[
            ...kubernetesPackages(target, ["kubeadm"]),
            ...kubeadmUpgrade(
                upgrade,
                `${upgrade} failed on ${node}; kubeadm rolls back a static pod that does not come up. ` +
                    `Fix what the lines above name, then run pulumi up again: it runs ${upgrade} again`,
            ),
        ].map((l) => `  ${l}`),
        "fi",
        ...upgradeKubelet(target),
        ...waitUntil(
            `[ "${nodeKubeletVersion(node)}" = ${target} ]`,
            60,
            5,
            `the kubelet on ${node} does not report ${target} after 5 minutes; read: journalctl -u kubelet on ${node}`,
        ),
        `echo "${node} runs ${target}" >&2`,
    ].join("\n");
}

/**
 * `drain-<w>`, on the first control-plane node: nothing when the worker's kubelet runs the target.
 * Else mark it, cordon it and drain it through the eviction API, so PodDisruptionBudgets hold
 * (`--ignore-daemonsets --delete-emptydir-data`, a timeout, never `--force` or
 * `--disable-eviction`). A drain that cannot finish fails the step and leaves the node cordoned.
 */
export function renderDrain(args: UpgradeScriptArgs): string {
    const { node, target } = args;
    const q = shellQuote(node);
    return [
        `export KUBECONFIG=${ADMIN_CONF}`,
        `if ! version=${nodeKubeletVersion(node)}; then`,
        `  echo "cannot read Node ${node}; check that the cluster answers, then run pulumi up again" >&2`,
        "  exit 1",
        "fi",
        `if [ "$version" = ${target} ]; then`,
        `  echo "${node} runs ${target}: no drain" >&2`,
        "  exit 0",
        "fi",
        `echo "${node} runs $version: cordoning and draining it before its upgrade to ${target}" >&2`,
        `kubectl annotate node ${q} --overwrite ${CORDONED_FOR_UPGRADE}=${target} >&2`,
        `kubectl cordon ${q} >&2`,
        `if ! kubectl drain ${q} --ignore-daemonsets --delete-emptydir-data --timeout=${DRAIN_TIMEOUT_SECONDS}s >&2; then`,
        `  echo "draining ${node} did not finish within ${DRAIN_TIMEOUT_SECONDS / 60} minutes (a PodDisruptionBudget that allows no disruption now, a pod no controller manages, or pods stuck terminating: the lines above name them). ` +
            `The upgrade stops here and ${node} stays cordoned; nothing was forced. Fix what blocks the drain ` +
            `(kubectl get pdb -A; kubectl get pods -A --field-selector spec.nodeName=${node}), then run pulumi up again: it resumes with this drain. ` +
            `To put the node back in service without upgrading it: kubectl uncordon ${node}" >&2`,
        "  exit 1",
        "fi",
        `echo "${node} is drained" >&2`,
    ].join("\n");
}

/**
 * `upgrade-<w>`, on the worker: done when its kubelet runs the target and no `kubeadm upgrade` is
 * pending. Else the target kubeadm, `kubeadm upgrade node` (the kubelet configuration), then the
 * kubelet and kubectl. The node stays cordoned until `uncordon-<w>`.
 */
export function renderWorkerUpgrade(args: UpgradeScriptArgs): string {
    const { node, target } = args;
    return [
        `if [ ! -f ${UPGRADE_PENDING_FILE} ] && [ "${LOCAL_KUBELET_VERSION}" = ${target} ]; then`,
        `  echo "${node} runs ${target}: nothing to upgrade" >&2`,
        "  exit 0",
        "fi",
        `echo "upgrading worker ${node} to ${target}" >&2`,
        ...containerdCheck(kubernetesMinor(target)),
        ...kubernetesRepository(target),
        ...kubernetesPackages(target, ["kubeadm"]),
        ...kubeadmUpgrade(
            "kubeadm upgrade node",
            `kubeadm upgrade node failed on ${node}, which stays cordoned. Fix what the lines above name, then run pulumi up again`,
        ),
        ...upgradeKubelet(target),
        `echo "${node}: kubelet ${target} started" >&2`,
    ].join("\n");
}

/**
 * `uncordon-<w>`, on the first control-plane node: nothing unless the drain step cordoned the
 * node (its annotation); then waits until the Node is Ready at the target and uncordons it.
 */
export function renderUncordon(args: UpgradeScriptArgs): string {
    const { node, target } = args;
    const q = shellQuote(node);
    const annotation = CORDONED_FOR_UPGRADE.replace(/\./g, "\\.");
    return [
        `export KUBECONFIG=${ADMIN_CONF}`,
        `marked=$(kubectl --request-timeout=20s get node ${q} -o jsonpath='{.metadata.annotations.${annotation}}')`,
        'if [ -z "$marked" ]; then',
        `  echo "${node} was not cordoned for an upgrade: nothing to uncordon" >&2`,
        "  exit 0",
        "fi",
        ...waitUntil(
            `[ "$(kubectl --request-timeout=20s get node ${q} -o jsonpath='{.status.nodeInfo.kubeletVersion} {.status.conditions[?(@.type=="Ready")].status}')" = "${target} True" ]`,
            60,
            5,
            `${node} is not Ready at ${target} after 5 minutes and stays cordoned; read: journalctl -u kubelet on ${node}, then run pulumi up again`,
        ),
        `kubectl uncordon ${q} >&2`,
        `kubectl annotate node ${q} ${CORDONED_FOR_UPGRADE}- >&2`,
        `echo "${node} runs ${target} and is back in service" >&2`,
    ].join("\n");
}

/**
 * The upgrade steps of a cluster, in the order they run; each waits for the one before, the first
 * for the whole runbook of `kubeadmSteps` (the kubeconfig step). A rebuilt machine replaces its
 * node's steps, a re-initialised cluster all of them (like the other steps); both re-run as no-ops.
 */
export function upgradeSteps(config: RunbookConfig, nodes: RunbookNodes): KubeadmStep[] {
    const [first] = nodes.controlPlanes;
    const target = config.kubernetesVersion;
    const clusterIdentity: StepTrigger = { outputOf: STEP.init };
    const steps: KubeadmStep[] = [];
    const add = (id: string, node: string, machineOf: string, script: () => string) => {
        const previous = steps.length === 0 ? STEP.kubeconfig : steps[steps.length - 1].id;
        steps.push({
            id,
            node,
            waitsFor: [previous],
            reads: [],
            ipsOf: [],
            secret: false,
            triggers: [{ machineOf }, clusterIdentity],
            deleteBeforeReplace: false,
            files: () => [],
            create: script,
            update: script,
        });
    };
    add(STEP.upgradePreflight, first, first, () => renderUpgradePreflight({ node: first, target }));
    add(STEP.upgradeSnapshot, first, first, () => renderUpgradeSnapshot({ node: first, target }));
    for (const node of nodes.controlPlanes) {
        add(STEP.upgrade(node), node, node, () => renderControlPlaneUpgrade({ node, target, first: node === first }));
    }
    for (const node of nodes.workers) {
        add(STEP.drain(node), first, node, () => renderDrain({ node, target }));
        add(STEP.upgrade(node), node, node, () => renderWorkerUpgrade({ node, target }));
        add(STEP.uncordon(node), first, node, () => renderUncordon({ node, target }));
    }
    return steps;
}
