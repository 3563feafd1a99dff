/**
 * Runs node scripts for real, as root, in a throwaway node: a mount and network namespace
 * (`unshare --mount --net`) in which /etc is an overlay whose writes land in the sandbox, and
 * /var/lib, /var/log and /run are empty directories of the sandbox, so the scripts write
 * /etc/kubernetes, /var/lib/etcd and the rest where they would on a node and the host is untouched. kubeadm, kubectl, crictl, ip, iptables and sleep are
 * fakes on PATH that log every call and act on a small state directory the test arranges; everything
 * else (bash, openssl, sha256sum, cmp, sed, grep, base64) is the real tool.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** A throwaway node. */
export interface Sandbox {
    /** The node's state as the fakes see it: files like `cluster-answers`, `nodes/<name>`. */
    state: string;
    /** Runs `bash -s <op>` with `script` on stdin inside the node. */
    run(script: string, op: string): { status: number | null; stdout: string; stderr: string };
    /** The calls the fakes logged since the last `clearLog`, one per line ("kubeadm init --config ..."). */
    calls(): string[];
    clearLog(): void;
    /** The path on the host of a path inside the node (/etc/..., /var/lib/..., /run/...). */
    host(nodePath: string): string;
    /** Sets a state flag or file of the fakes. */
    set(name: string, content?: string): void;
    unset(name: string): void;
    /** Puts a fake `name` on PATH (replacing one of the defaults): `body` runs after `log() {...}`, with FAKE_STATE and FAKE_LOG set. */
    fake(name: string, body: string): void;
    remove(): void;
}

const FAKES: Record<string, string> = {
    kubeadm: `
log kubeadm "$@"
case "$1" in
  init)
    if [ -e "$FAKE_STATE/fail-init" ]; then echo "[init] timed out; token abcdef.0123456789abcdef"; exit 1; fi
    cp /etc/kubernetes/manifests/kube-vip.yaml "$FAKE_STATE/kube-vip-during-init.yaml" 2>/dev/null || true
    mkdir -p /etc/kubernetes/pki/etcd
    for f in ca.crt ca.key sa.key sa.pub front-proxy-ca.crt front-proxy-ca.key etcd/ca.crt etcd/ca.key; do cp "$FAKE_STATE/ca.crt" "/etc/kubernetes/pki/$f"; done
    echo admin > /etc/kubernetes/admin.conf
    echo super-admin > /etc/kubernetes/super-admin.conf
    touch "$FAKE_STATE/cluster-answers" ;;
  join)
    config=$3
    cp "$config" "$FAKE_STATE/join-config.yaml"
    if [ ! -f /etc/kubernetes/pki/ca.crt ]; then mkdir -p /etc/kubernetes/pki; cp "$FAKE_STATE/ca.crt" /etc/kubernetes/pki/ca.crt; fi
    echo kubelet > /etc/kubernetes/kubelet.conf
    name=$(sed -n 's/^  name: //p' "$config" | head -1)
    if grep -q '^controlPlane:' "$config"; then
      echo admin > /etc/kubernetes/admin.conf
      echo '{"kubernetes.io/hostname":"'"$name"'","node-role.kubernetes.io/control-plane":""}' > "$FAKE_STATE/nodes/$name"
    else
      echo '{"kubernetes.io/hostname":"'"$name"'"}' > "$FAKE_STATE/nodes/$name"
    fi ;;
  reset)
    rm -rf /etc/kubernetes/admin.conf /etc/kubernetes/super-admin.conf /etc/kubernetes/kubelet.conf /etc/kubernetes/pki /var/lib/etcd
    rm -f /etc/kubernetes/manifests/* ;;
  token) ;;
  version) cat "$FAKE_STATE/kubeadm-version" 2>/dev/null || echo v1.35.9 ;;
  *) echo "fake kubeadm: unexpected $*" >&2; exit 3 ;;
esac`,
    kubectl: `
log kubectl "$@"
args="$*"
answers() { [ -e "$FAKE_STATE/cluster-answers" ] && [ ! -e "$FAKE_STATE/unreachable" ]; }
unreachable() { echo "Unable to connect to the server: dial tcp 192.168.64.10:6443: connect: connection refused" >&2; exit 1; }
after() { local want=$1; shift; while [ $# -gt 1 ]; do if [ "$1" = "$want" ]; then echo "$2"; return; fi; shift; done; }
case "$args" in
  *"get configmap kubeadm-config"* | *"get --raw=/readyz"*) answers || unreachable ;;
  *"get node "*)
    answers || unreachable
    name=$(after node "$@")
    if [ -f "$FAKE_STATE/nodes/$name" ]; then
      case "$args" in *jsonpath*) cat "$FAKE_STATE/nodes/$name" ;; esac
      exit 0
    fi
    echo "Error from server (NotFound): nodes \\"$name\\" not found" >&2; exit 1 ;;
  *"drain "*)
    answers || unreachable
    if [ -e "$FAKE_STATE/drain-fails" ]; then echo "error: cannot evict pod as it would violate the pod's disruption budget" >&2; exit 1; fi ;;
  *"delete node "*) answers || unreachable; rm -f "$FAKE_STATE/nodes/$(after node "$@")" ;;
  *"delete secret "* | *"apply -f "*) answers || unreachable ;;
  *"get secret platform-admin-token"*"data.token"*) answers || unreachable; printf '%s' "$(printf 'eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl' | base64 -w0)" ;;
  *"get secret platform-admin-token"*) answers || unreachable; printf 'Q0FEQVRB' ;;
  *) echo "fake kubectl: unexpected $args" >&2; exit 3 ;;
esac`,
    crictl: `
log crictl "$@"
shift 2
case "$1" in
  ps)
    name=$3; name=\${name#^}; name=\${name%$}
    if [ "$name" = kube-vip ]; then
      n=$(cat "$FAKE_STATE/kube-vip-ps" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$FAKE_STATE/kube-vip-ps"; echo "vip-$n"
    else
      cat "$FAKE_STATE/containers/$name" 2>/dev/null || true
    fi ;;
  stop) echo "$2-restarted" > "$FAKE_STATE/containers/kube-apiserver" ;;
esac`,
    ip: `
log ip "$@"
case "$2" in
  show) [ -e "$FAKE_STATE/links/$3" ] ;;
  delete) rm -f "$FAKE_STATE/links/$3" ;;
esac`,
    "iptables-save": `
log iptables-save
cat "$FAKE_STATE/iptables" 2>/dev/null || true`,
    "iptables-restore": `
log iptables-restore
cat > "$FAKE_STATE/iptables-restored"`,
    sleep: 'log sleep "$@"',
};

/** A CA certificate the fake kubeadm installs, so the scripts' openssl pipeline runs on a real one. */
function writeCa(file: string): void {
    const dir = path.dirname(file);
    const made = spawnSync(
        "openssl",
        [
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            path.join(dir, "ca.key"),
            "-out",
            file,
            "-days",
            "1",
            "-subj",
            "/CN=kubernetes",
        ],
        {
            encoding: "utf8",
        },
    );
    if (made.status !== 0) {
        throw new Error(`openssl could not make a test CA: ${made.stderr}`);
    }
}

/** Why sandboxes cannot run here, or undefined when they can. */
export function sandboxUnavailable(): string | undefined {
    if (process.getuid?.() !== 0) {
        return "node scripts run as root in a mount namespace; this user is not root";
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "node-sandbox-probe-"));
    try {
        fs.mkdirSync(path.join(dir, "up"));
        fs.mkdirSync(path.join(dir, "work"));
        const overlay = `mount -t overlay overlay -o lowerdir=/etc,upperdir=${dir}/up,workdir=${dir}/work /etc`;
        const probe = spawnSync("unshare", ["--mount", "--net", "bash", "-c", overlay], { encoding: "utf8" });
        return probe.status === 0 ? undefined : `unshare --mount --net with an overlay over /etc failed: ${probe.stderr}`;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Skips the calling suite, saying why, where sandboxes cannot run. Call it from a `before` hook. */
export function requireSandbox(ctx: Mocha.Context): void {
    const why = sandboxUnavailable();
    if (why) {
        console.log(`      skipped: ${why}`);
        ctx.skip();
    }
}

export function makeSandbox(): Sandbox {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "node-sandbox-"));
    const bin = path.join(dir, "bin");
    const state = path.join(dir, "state");
    const log = path.join(dir, "calls.log");
    // The overlay's upper layer holds what the scripts write into /etc; the rest are plain directories.
    const roots: Record<string, string> = { "/etc": "etc", "/var/lib": "var-lib", "/var/log": "var-log", "/run": "run" };
    for (const d of [
        bin,
        state,
        path.join(state, "nodes"),
        path.join(state, "containers"),
        path.join(state, "links"),
        path.join(dir, "etc-work"),
        ...Object.values(roots).map((r) => path.join(dir, r)),
    ]) {
        fs.mkdirSync(d, { recursive: true });
    }
    fs.mkdirSync(path.join(dir, "etc/kubernetes/manifests"), { recursive: true });
    fs.mkdirSync(path.join(dir, "etc/cni/net.d"), { recursive: true });
    writeCa(path.join(state, "ca.crt"));
    const fake = (name: string, body: string) =>
        fs.writeFileSync(path.join(bin, name), `#!/bin/bash\nset -u\nlog() { echo "$*" >> "$FAKE_LOG"; }\n${body}\n`, { mode: 0o755 });
    for (const [name, body] of Object.entries(FAKES)) {
        fake(name, body);
    }
    const mounts = [
        `mount -t overlay overlay -o lowerdir=/etc,upperdir=${path.join(dir, "etc")},workdir=${path.join(dir, "etc-work")} /etc`,
        ...Object.entries(roots)
            .filter(([target]) => target !== "/etc")
            .map(([target, source]) => `mount --bind ${path.join(dir, source)} ${target}`),
    ].join("\n");
    const enter = path.join(dir, "enter.sh");
    fs.writeFileSync(enter, `set -euo pipefail\n${mounts}\nexport PATH=${bin}:$PATH FAKE_STATE=${state} FAKE_LOG=${log}\nexec bash -s "$1"\n`);
    const host = (nodePath: string) => {
        const root = Object.keys(roots).find((r) => nodePath === r || nodePath.startsWith(`${r}/`));
        if (!root) {
            throw new Error(`${nodePath} is not inside the sandbox's /etc, /var/lib, /var/log or /run`);
        }
        return path.join(dir, roots[root], nodePath.slice(root.length));
    };
    return {
        state,
        run(script, op) {
            const run = spawnSync("unshare", ["--mount", "--net", "bash", enter, op], { input: script, encoding: "utf8", timeout: 60_000 });
            return { status: run.status, stdout: run.stdout, stderr: run.stderr };
        },
        calls: () =>
            fs.existsSync(log)
                ? fs
                      .readFileSync(log, "utf8")
                      .split("\n")
                      .filter((l) => l !== "")
                : [],
        clearLog: () => fs.rmSync(log, { force: true }),
        host,
        set: (name, content = "") => {
            fs.mkdirSync(path.dirname(path.join(state, name)), { recursive: true });
            fs.writeFileSync(path.join(state, name), content);
        },
        unset: (name) => fs.rmSync(path.join(state, name), { force: true }),
        fake,
        remove: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}
