#!/bin/bash
# Restores this control-plane node's etcd from a snapshot (docs/operations/backup-restore.md).
# Run as root on the node, e.g. after `multipass transfer tools/dr/etcd-restore.sh <vm>:/tmp/`.
#
#   etcd-restore.sh --snapshot FILE --node NAME [--initial-cluster NAME=URL,...] --yes
#
# Without --yes it only prints what it would do and the way back. Steps:
#   1. `etcdutl snapshot status` checks the snapshot;
#   2. `etcdutl snapshot restore` writes it to a NEW data directory (with --bump-revision and
#      --mark-compacted, so watchers of the API server never see revisions go back);
#   3. the control plane's static pods stop (their manifests are parked);
#   4. the old data directory is kept beside the new one, which takes its place;
#   5. the static pods come back, etcd first; the kubelet restarts.
# etcdutl runs from the etcd image of the node's etcd manifest (`ctr run`): etcd is down then, and
# the image is on the node at the member's exact version. etcd 3.6 has no `etcdctl snapshot
# restore`: the seed's runbook (etcdctl, `chown etcd:etcd`) does not work with kubeadm's etcd 3.6,
# which runs as root.
# With 3 control-plane nodes: stop etcd on all of them first (park etcd.yaml on each), then run this
# on each with the same snapshot and the same --initial-cluster naming all three members.
set -euo pipefail

usage() {
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2
}

snapshot="" node="" initial_cluster="" confirmed=no
while [ $# -gt 0 ]; do
  case "$1" in
    --snapshot) snapshot=${2:-}; shift 2 || shift ;;
    --node) node=${2:-}; shift 2 || shift ;;
    --initial-cluster) initial_cluster=${2:-}; shift 2 || shift ;;
    --yes) confirmed=yes; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "etcd-restore: unknown argument $1" >&2; usage; exit 2 ;;
  esac
done
if [ -z "$snapshot" ] || [ -z "$node" ]; then
  echo "etcd-restore: refusing to run without --snapshot and --node" >&2
  usage
  exit 2
fi
[ "$(id -u)" = 0 ] || { echo "etcd-restore: run as root (sudo)" >&2; exit 2; }
[ -f "$snapshot" ] || { echo "etcd-restore: no snapshot file $snapshot" >&2; exit 2; }

manifests=${PLATFORM_MANIFEST_DIR:-/etc/kubernetes/manifests}
containerd=${PLATFORM_CONTAINERD_ADDRESS:-/run/containerd/containerd.sock}
etcd_manifest="$manifests/etcd.yaml"
[ -f "$etcd_manifest" ] || { echo "etcd-restore: no $etcd_manifest: not a kubeadm control-plane node" >&2; exit 2; }
flag() {
  sed -n "s/^ *- --$1=//p" "$etcd_manifest" | head -n 1
}
data_dir=$(flag data-dir)
member=$(flag name)
peer_url=$(flag initial-advertise-peer-urls)
image=$(sed -n 's/^ *image: *//p' "$etcd_manifest" | head -n 1)
if [ -z "$data_dir" ] || [ -z "$member" ] || [ -z "$peer_url" ] || [ -z "$image" ]; then
  echo "etcd-restore: $etcd_manifest lacks --data-dir, --name, --initial-advertise-peer-urls or image" >&2
  exit 2
fi
if [ "$member" != "$node" ]; then
  echo "etcd-restore: this node's etcd member is $member, not $node; run it on $node" >&2
  exit 2
fi
initial_cluster=${initial_cluster:-$node=$peer_url}
case ",$initial_cluster," in
  *",$node=$peer_url,"*) ;;
  *) echo "etcd-restore: --initial-cluster must name this member as $node=$peer_url" >&2; exit 2 ;;
esac

stamp=$(date -u +%Y%m%dT%H%M%SZ)
staging="$data_dir.restore-$stamp"
kept="$data_dir.before-restore-$stamp"
parked="$manifests.before-restore-$stamp"
CONTROL_PLANE=(etcd kube-apiserver kube-controller-manager kube-scheduler)

way_back() {
  cat >&2 <<EOF
The way back to the data from before this restore (as root on $node):
  mkdir -p $parked
  for m in ${CONTROL_PLANE[*]}; do [ -f $manifests/\$m.yaml ] && mv $manifests/\$m.yaml $parked/; done
  # wait until \`crictl ps --name etcd -q\` prints nothing, then:
  [ -d $kept ] && rm -rf $data_dir && mv $kept $data_dir
  for m in ${CONTROL_PLANE[*]}; do [ -f $parked/\$m.yaml ] && mv $parked/\$m.yaml $manifests/; done
  systemctl restart kubelet
EOF
}

echo "etcd-restore: restore $snapshot into $node's etcd (member $member, $peer_url, initial cluster $initial_cluster)" >&2
echo "etcd-restore: the current data directory $data_dir will be kept as $kept" >&2
way_back
if [ "$confirmed" != yes ]; then
  echo "etcd-restore: nothing changed; add --yes to restore" >&2
  exit 2
fi
on_exit() {
  local status=$?
  if [ "$status" -ne 0 ]; then echo "etcd-restore: FAILED (exit $status); the way back is printed above" >&2; fi
}
trap on_exit EXIT

etcdutl() {
  local dir
  dir=$(cd "$(dirname "$snapshot")" && pwd)
  ctr --address "$containerd" -n k8s.io run --rm \
    --mount "type=bind,src=$dir,dst=$dir,options=rbind:ro" \
    --mount "type=bind,src=$staging,dst=$staging,options=rbind:rw" \
    "$image" "platform-etcd-restore-$$" etcdutl "$@"
}
running() {
  [ -n "$(crictl --runtime-endpoint "unix://$containerd" ps --name "^$1\$" -q 2>/dev/null || true)" ]
}
wait_for() { # state name
  for _ in $(seq 1 60); do
    if { [ "$1" = running ] && running "$2"; } || { [ "$1" = stopped ] && ! running "$2"; }; then return 0; fi
    sleep 2
  done
  echo "etcd-restore: $2 not $1 after 2 minutes (journalctl -u kubelet)" >&2
  return 1
}

snapshot=$(cd "$(dirname "$snapshot")" && pwd)/$(basename "$snapshot")
install -d -m 0700 "$staging"
echo "etcd-restore: [1/5] checking the snapshot" >&2
etcdutl snapshot status "$snapshot" --write-out=table >&2
echo "etcd-restore: [2/5] restoring into $staging/data" >&2
etcdutl snapshot restore "$snapshot" --data-dir "$staging/data" --name "$node" \
  --initial-cluster "$initial_cluster" --initial-advertise-peer-urls "$peer_url" \
  --bump-revision 1000000000 --mark-compacted >&2
[ -d "$staging/data/member" ] || { echo "etcd-restore: etcdutl wrote no $staging/data/member" >&2; false; }

echo "etcd-restore: [3/5] stopping the control plane (manifests parked in $parked)" >&2
install -d -m 0700 "$parked"
for m in "${CONTROL_PLANE[@]}"; do
  if [ -f "$manifests/$m.yaml" ]; then mv "$manifests/$m.yaml" "$parked/"; fi
done
wait_for stopped kube-apiserver
wait_for stopped etcd

echo "etcd-restore: [4/5] swapping the data directory" >&2
mv "$data_dir" "$kept"
mv "$staging/data" "$data_dir"
chmod 0700 "$data_dir"
rmdir "$staging"

echo "etcd-restore: [5/5] starting the control plane" >&2
mv "$parked/etcd.yaml" "$manifests/"
wait_for running etcd
for m in "${CONTROL_PLANE[@]}"; do
  if [ -f "$parked/$m.yaml" ]; then mv "$parked/$m.yaml" "$manifests/"; fi
done
rmdir "$parked"
wait_for running kube-apiserver
# The kubelet and the controllers may hold state newer than the snapshot (kubernetes.io "Restoring an etcd cluster").
systemctl restart kubelet

echo "etcd-restore: done. Verify with: etcd-verify.sh --node $node" >&2
echo "etcd-restore: the data from before is in $kept; remove it once the cluster is verified" >&2
way_back
