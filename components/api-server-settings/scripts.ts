/**
 * Root scripts of the ApiServerSettings steps (bodies; nodeCommand runs each inside a function).
 * Create and update run the same script, and it looks at the node first, so it is a real update
 * of a running API server and a no-op when nothing differs:
 * 1. each file is written only when its content differs (staged, compared, moved into place);
 * 2. a manifest without the flags, or a changed ClusterConfiguration: upload it to the kubeadm-config
 *    ConfigMap (so joins and `kubeadm upgrade` keep the flags), regenerate the static pod manifest and
 *    wait for the new API server;
 * 3. else a changed audit policy or encryption file: restart the API server (the policy is read at
 *    start; see config-files.ts for encryption) and wait; a changed authentication file alone: nothing,
 *    the API server reloads it.
 */
import { Arg } from "../kubeadm-cluster/kubeadm-config";
import { embedFile, NodeFile } from "../vm-node/script";
import { keyName, keyGenerations, WRITES_WITH } from "./config-files";
import {
    ADMIN_CONF,
    containerId,
    CRICTL,
    INSTALLED_KUBEADM_VERSION,
    runLogged,
    waitForApiServer,
    waitForNewContainer,
    waitUntil,
} from "../kubeadm-cluster/scripts";

/** Where the step writes its kubeadm file with the installed version filled in, for `kubeadm init phase`. */
export function resolvedKubeadm(path: string): string {
    return `${path.replace(/\.yaml$/, "")}.resolved.yaml`;
}

export const API_SERVER_MANIFEST = "/etc/kubernetes/manifests/kube-apiserver.yaml";

/** The files of one node's step, by role. */
export interface SettingsFiles {
    authentication: NodeFile;
    auditPolicy: NodeFile;
    encryption: NodeFile;
    /** The full ClusterConfiguration and this node's InitConfiguration, for `kubeadm init phase`. */
    kubeadm: NodeFile;
}

/** What a node's step script needs. */
export interface NodeScriptArgs {
    node: string;
    nodeIp: string;
    files: SettingsFiles;
    /** The extraArgs the manifest must carry. */
    flags: Arg[];
    /** apiServer.encryptionKeyGeneration. */
    generation: number;
    /** "transitional": a node that encrypts with the new key already keeps its file (no step back). */
    phase: "final" | "transitional";
}

/** Writes `file` via `<path>.new` when its content differs; sets `changed_<role>=yes` then. */
function stageFile(role: string, file: NodeFile, check: string[] = []): string[] {
    const staged = `${file.path}.new`;
    return [
        embedFile({ ...file, path: staged }),
        ...check,
        `if cmp -s ${staged} ${file.path}; then`,
        `  rm -f ${staged}`,
        "else",
        `  mv -f ${staged} ${file.path}`,
        `  changed_${role}=yes`,
        `  echo "${file.path}: written" >&2`,
        "fi",
    ];
}

/**
 * Refuses a staged encryption file whose key of a given name differs from the one the node holds:
 * the key resource was replaced, and values stored with the old one would no longer decrypt.
 */
function keysUnchanged(node: string, file: NodeFile, generation: number): string[] {
    const secretOf = (name: string, path: string) => `$(sed -n '/^ *- name: ${name}$/{n;s/^ *secret: //p;}' ${path} 2>/dev/null || true)`;
    return keyGenerations(generation).flatMap((g) => [
        `held=${secretOf(keyName(g), file.path)}`,
        `if [ -n "$held" ] && [ "$held" != "${secretOf(keyName(g), `${file.path}.new`)}" ]; then`,
        `  rm -f ${file.path}.new`,
        `  echo "${node} holds another ${keyName(g)} than the stack: the encryption key resource was replaced, and Secrets stored with the old key would not decrypt. Restore the old key (from a backup of the stack state) before running pulumi up again" >&2`,
        "  exit 1",
        "fi",
    ]);
}

/** The script of a node's `apply-<node>` or `prepare-<node>` step. */
export function renderNodeSettingsScript(args: NodeScriptArgs): string {
    const { files, generation: g } = args;
    const enc = files.encryption.path;
    const newKey = keyName(g);
    const allowed = ['""', "identity", ...keyGenerations(g).map(keyName)];
    const stageEncryption = stageFile("encryption", files.encryption, keysUnchanged(args.node, files.encryption, g));
    return [
        `if [ ! -f ${API_SERVER_MANIFEST} ] || [ ! -f ${ADMIN_CONF} ]; then`,
        `  echo "${args.node} runs no API server (no ${API_SERVER_MANIFEST} or ${ADMIN_CONF}): its kubeadm step has not run; run pulumi up again" >&2`,
        "  exit 1",
        "fi",
        `current=$(sed -n '1s/^${WRITES_WITH}//p' ${enc} 2>/dev/null || true)`,
        'case "$current" in',
        `  ${allowed.join(" | ")}) ;;`,
        "  *)",
        `    echo "the API server on ${args.node} encrypts Secrets with $current; apiServer.encryptionKeyGeneration ${g} would drop that key and leave them unreadable. Raise the generation by one at a time, each applied by pulumi up, and never lower it" >&2`,
        "    exit 1",
        "    ;;",
        "esac",
        "changed_authentication=no changed_audit=no changed_encryption=no changed_kubeadm=no",
        ...stageFile("authentication", files.authentication),
        ...stageFile("audit", files.auditPolicy),
        ...(args.phase === "transitional"
            ? [
                  `if [ "$current" = ${newKey} ]; then`,
                  `  echo "${args.node} encrypts with ${newKey} already: its encryption file stays" >&2`,
                  "else",
                  ...stageEncryption,
                  "fi",
              ]
            : stageEncryption),
        ...stageFile("kubeadm", files.kubeadm),
        "regenerate=$changed_kubeadm",
        `for flag in ${args.flags.map((f) => `--${f.name}=${f.value}`).join(" ")}; do`,
        `  if ! sed 's/^[[:space:]]*//' ${API_SERVER_MANIFEST} | grep -qxF -- "- $flag"; then regenerate=yes; fi`,
        "done",
        `manifest_before=$(sha256sum ${API_SERVER_MANIFEST})`,
        `old=${containerId("kube-apiserver")}`,
        'if [ "$regenerate" = yes ]; then',
        '  echo "the API server manifest lacks the settings or the ClusterConfiguration changed: uploading it and regenerating the manifest" >&2',
        // The file names no version, so an upgrade does not change it; kubeadm gets the one installed.
        `  kubeadm_version=$(kubeadm version -o short)`,
        `  sed "s/^kubernetesVersion: ${INSTALLED_KUBEADM_VERSION}$/kubernetesVersion: $kubeadm_version/" ${files.kubeadm.path} >${resolvedKubeadm(files.kubeadm.path)}`,
        `  chmod 0600 ${resolvedKubeadm(files.kubeadm.path)}`,
        ...runLogged("kubeadm-upload-config", `kubeadm init phase upload-config kubeadm --config ${resolvedKubeadm(files.kubeadm.path)}`).map((l) => `  ${l}`),
        ...runLogged("kubeadm-apiserver-manifest", `kubeadm init phase control-plane apiserver --config ${resolvedKubeadm(files.kubeadm.path)}`).map(
            (l) => `  ${l}`,
        ),
        "fi",
        `if [ "$(sha256sum ${API_SERVER_MANIFEST})" != "$manifest_before" ]; then`,
        '  echo "waiting for the kubelet to start the API server from its new manifest" >&2',
        ...waitForNewContainer("kube-apiserver", "old", "the API server"),
        ...waitForApiServer(args.nodeIp),
        'elif [ "$changed_audit" = yes ] || [ "$changed_encryption" = yes ]; then',
        '  echo "the audit policy or the encryption file changed: restarting the API server so it is in force now" >&2',
        `  while read -r id; do if [ -n "$id" ]; then ${CRICTL} stop "$id" >/dev/null; fi; done <<<"$old"`,
        ...waitForNewContainer("kube-apiserver", "old", "the API server"),
        ...waitForApiServer(args.nodeIp),
        'elif [ "$changed_authentication" = yes ]; then',
        '  echo "only the authentication file changed: the API server reloads it by itself" >&2',
        "else",
        `  echo "the API server on ${args.node} has these settings already" >&2`,
        "fi",
    ].join("\n");
}

/**
 * The script of `rewrite-secrets`, on the first control-plane node once every API server encrypts
 * with the new key: every Secret is read and written back, so it is stored with that key and the
 * previous one can go at the next rotation (kubernetes.io "Encrypting Confidential Data at Rest",
 * "Ensure all Secrets are encrypted"; a conflicting write fails that run, so it is retried).
 */
export function renderRewriteSecretsScript(generation: number): string {
    const key = keyName(generation);
    return [
        `export KUBECONFIG=${ADMIN_CONF}`,
        ...waitUntil(
            "kubectl --request-timeout=5s get --raw=/readyz >/dev/null 2>&1",
            60,
            5,
            "the cluster does not answer /readyz after 5 minutes; read: crictl ps -a --name kube-apiserver",
        ),
        `echo "rewriting every Secret so that it is stored encrypted with ${key}" >&2`,
        "rewritten=no",
        "for attempt in 1 2 3; do",
        "  if kubectl get secrets --all-namespaces -o json | kubectl replace -f - >/dev/null; then rewritten=yes; break; fi",
        '  echo "rewriting Secrets failed (attempt $attempt of 3; a Secret written meanwhile conflicts): retrying" >&2',
        "  sleep 5",
        "done",
        'if [ "$rewritten" != yes ]; then',
        `  echo "Secrets could not be rewritten; until they are, keep ${key}'s predecessor: run pulumi up again" >&2`,
        "  exit 1",
        "fi",
        `echo "every Secret is stored with ${key}" >&2`,
    ].join("\n");
}
