#!/bin/bash
# Verifies a control-plane node after an etcd restore (docs/operations/backup-restore.md).
# Run as root on the node:
#
#   etcd-verify.sh --node NAME
#
# Checks, each printed as ok or FAIL; exits 1 if any fails:
#   1. the etcd container runs; 2. the member is healthy, listed, and has a leader;
#   3. the API server answers /readyz; 4. every Node is Ready; 5. every kube-system pod runs.
set -euo pipefail

usage() {
  sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//' >&2
}

node=""
while [ $# -gt 0 ]; do
  case "$1" in
    --node) node=${2:-}; shift 2 || shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "etcd-verify: unknown argument $1" >&2; usage; exit 2 ;;
  esac
done
if [ -z "$node" ]; then
  echo "etcd-verify: refusing to run without --node" >&2
  usage
  exit 2
fi
[ "$(id -u)" = 0 ] || { echo "etcd-verify: run as root (sudo)" >&2; exit 2; }

containerd=${PLATFORM_CONTAINERD_ADDRESS:-/run/containerd/containerd.sock}
kubeconfig=${PLATFORM_ADMIN_KUBECONFIG:-/etc/kubernetes/admin.conf}
manifests=${PLATFORM_MANIFEST_DIR:-/etc/kubernetes/manifests}
data_dir=$(sed -n 's/^ *- --data-dir=//p' "$manifests/etcd.yaml" 2>/dev/null | head -n 1 || true)
data_dir=${data_dir:-/var/lib/etcd}
crictl_() {
  crictl --runtime-endpoint "unix://$containerd" "$@"
}
kubectl_() {
  kubectl --kubeconfig "$kubeconfig" --request-timeout=20s "$@"
}

failures=0
check() { # description, then the command
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then
    echo "ok    $what" >&2
  else
    echo "FAIL  $what" >&2
    failures=$((failures + 1))
  fi
  if [ -n "$out" ]; then
    while IFS= read -r line; do echo "      $line" >&2; done <<<"$out"
  fi
}

etcd_id=$(crictl_ ps --name '^etcd$' --state running -q 2>/dev/null | head -n 1 || true)
etcdctl_() {
  [ -n "$etcd_id" ] || { echo "no running etcd container"; return 1; }
  crictl_ exec "$etcd_id" etcdctl --endpoints=https://127.0.0.1:2379 \
    --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key "$@"
}
member_listed() {
  local members
  members=$(etcdctl_ member list --write-out=simple)
  echo "$members"
  grep -q ", started, $node, " <<<"$members"
}
has_leader() {
  local status
  status=$(etcdctl_ endpoint status --write-out=json)
  echo "$status"
  grep -Eq '"leader":[1-9][0-9]*' <<<"$status"
}
nodes_ready() {
  local lines
  lines=$(kubectl_ get nodes --no-headers)
  echo "$lines"
  [ -n "$lines" ] && ! awk '{print $2}' <<<"$lines" | grep -qv '^Ready$'
}
system_pods_running() {
  local lines
  lines=$(kubectl_ -n kube-system get pods --no-headers)
  [ -n "$lines" ] || { echo "no pods in kube-system"; return 1; }
  ! awk '$3 != "Running" && $3 != "Completed" {print; bad=1} END {exit !bad}' <<<"$lines"
}

check "etcd container runs on $node" test -n "$etcd_id"
check "etcd endpoint is healthy" etcdctl_ endpoint health
check "member $node is listed and started" member_listed
check "the cluster has a leader" has_leader
check "the API server answers /readyz" kubectl_ get --raw=/readyz
check "every Node is Ready" nodes_ready
check "every kube-system pod runs" system_pods_running

if [ "$failures" -gt 0 ]; then
  echo "etcd-verify: $failures check(s) failed." >&2
  kept=$(find "$(dirname "$data_dir")" -maxdepth 1 -name "$(basename "$data_dir").before-restore-*" 2>/dev/null | sort | tail -n 1)
  echo "etcd-verify: the way back after a restore (etcd-restore.sh printed the exact commands): park the static pod manifests," >&2
  echo "             move ${kept:-<the kept data directory>} back to $data_dir, put the manifests back, restart the kubelet" >&2
  exit 1
fi
echo "etcd-verify: all checks passed. Once satisfied, remove the kept $data_dir.before-restore-* directory." >&2
