#!/bin/bash
# platform-etcd-snapshot: one etcd snapshot of this control-plane node, checked with
# `etcdutl snapshot status`, copied to S3, and local snapshots older than the retention pruned
# (locally and in S3). Installed by the EtcdBackup component (components/etcd-backup); run every
# 6 h by platform-etcd-snapshot.timer and before every upgrade.
#
# Contract (the upgrade steps rely on it): exit 0 only when the snapshot is on disk, verified and
# uploaded; any failure exits non-zero. stdout carries exactly two lines,
#   snapshot=<local file>
#   uploaded=<https URL of the S3 copy>
# progress goes to stderr.
#
# etcd's own tools come from the etcd container kubeadm runs (crictl exec): its image ships
# etcdctl and etcdutl at the version of the running member, and it mounts etcd's data directory
# from the host, so the snapshot is written there and moved out. etcd 3.6 keeps `snapshot save`
# in etcdctl; `snapshot status` and `restore` are etcdutl's only.
set -euo pipefail
umask 077

config=${PLATFORM_ETCD_BACKUP_CONFIG:-/etc/platform/etcd-backup/config}
if [ ! -r "$config" ]; then
  echo "platform-etcd-snapshot: $config is missing; the EtcdBackup step writes it (pulumi up)" >&2
  exit 1
fi
# shellcheck source=/dev/null
. "$config"
for key in CLUSTER NODE S3_ENDPOINT BUCKET PREFIX REGION CA_FILE SNAPSHOT_DIR RETENTION_DAYS ETCD_MANIFEST ADMIN_KUBECONFIG SECRET_NAMESPACE SECRET_NAME CRI_ENDPOINT; do
  if [ -z "${!key:-}" ]; then
    echo "platform-etcd-snapshot: $config does not set $key" >&2
    exit 1
  fi
done

fail() {
  echo "platform-etcd-snapshot: $*" >&2
  exit 1
}

install -d -m 0700 "$SNAPSHOT_DIR"
# One run at a time: the timer and a pre-upgrade snapshot may start together.
exec 9>"$SNAPSHOT_DIR/.lock"
flock -w 600 9 || fail "another snapshot has held $SNAPSHOT_DIR/.lock for 10 minutes"

data_dir=$(sed -n 's/^ *- --data-dir=//p' "$ETCD_MANIFEST" | head -n 1)
[ -n "$data_dir" ] || fail "no --data-dir in $ETCD_MANIFEST: is this a kubeadm control-plane node?"
etcd_id=$(crictl --runtime-endpoint "$CRI_ENDPOINT" ps --name '^etcd$' --state running -q | head -n 1)
[ -n "$etcd_id" ] || fail "no running etcd container on $NODE (crictl ps --name etcd); nothing to snapshot"

etcd_exec() {
  crictl --runtime-endpoint "$CRI_ENDPOINT" exec "$etcd_id" "$@"
}

name="etcd-${NODE}-$(date -u +%Y%m%dT%H%M%SZ).db"
# Written inside etcd's data directory, the one host directory the container sees, then moved out.
part="$data_dir/platform-snapshot.part"
rm -f "$part"
trap 'rm -f "$part"' EXIT

echo "platform-etcd-snapshot: saving a snapshot of $NODE's etcd" >&2
etcd_exec etcdctl --endpoints=https://127.0.0.1:2379 \
  --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key \
  snapshot save "$part" >&2 || fail "etcdctl snapshot save failed"
status=$(etcd_exec etcdutl snapshot status "$part" --write-out=json) || fail "etcdutl snapshot status refused the snapshot: it is not kept"
case "$status" in
  *'"revision":'*) ;;
  *) fail "etcdutl snapshot status printed no revision ($status): the snapshot is not kept" ;;
esac
echo "platform-etcd-snapshot: verified: $status" >&2
snapshot="$SNAPSHOT_DIR/$name"
mv "$part" "$snapshot"

secret_field() {
  kubectl --kubeconfig "$ADMIN_KUBECONFIG" --request-timeout=30s -n "$SECRET_NAMESPACE" get secret "$SECRET_NAME" \
    -o "go-template={{index .data \"$1\" | base64decode}}"
}
access_key=$(secret_field accessKeyId) || fail "cannot read $SECRET_NAMESPACE/$SECRET_NAME (External Secrets writes it from Vault); $snapshot is kept locally only"
secret_key=$(secret_field secretAccessKey) || fail "cannot read $SECRET_NAMESPACE/$SECRET_NAME; $snapshot is kept locally only"
if [ -z "$access_key" ] || [ -z "$secret_key" ]; then
  fail "$SECRET_NAMESPACE/$SECRET_NAME has an empty key; $snapshot is kept locally only"
fi

# One S3 request, signed with SigV4. The keys reach curl on stdin (--config -), never on a command
# line another user could read in ps. curl signs the x-amz-content-sha256 header's value as the
# payload hash, so S3 checks the upload against it.
s3() {
  local user="$access_key:$secret_key"
  user=${user//\\/\\\\}
  user=${user//\"/\\\"}
  printf 'user = "%s"\n' "$user" | curl --config - --fail --silent --show-error --cacert "$CA_FILE" --aws-sigv4 "aws:amz:${REGION}:s3" "$@"
}
url_of() {
  echo "$S3_ENDPOINT/$BUCKET/$PREFIX/$1"
}

echo "platform-etcd-snapshot: uploading to $(url_of "$name")" >&2
s3 -H "x-amz-content-sha256: $(sha256sum "$snapshot" | cut -d ' ' -f 1)" --upload-file "$snapshot" "$(url_of "$name")" >&2 ||
  fail "upload to $(url_of "$name") failed; $snapshot is kept locally only"

# Retention: the local window, and the same objects in S3 (a lost node's copies stay in S3).
empty_sha=$(sha256sum </dev/null | cut -d ' ' -f 1)
while IFS= read -r old; do
  s3 -X DELETE -H "x-amz-content-sha256: $empty_sha" "$(url_of "$(basename "$old")")" >&2 ||
    fail "could not delete the S3 copy of $old (kept, retried next run)"
  rm -f "$old"
  echo "platform-etcd-snapshot: pruned $(basename "$old") (older than $RETENTION_DAYS days)" >&2
done < <(find "$SNAPSHOT_DIR" -maxdepth 1 -type f -name "etcd-${NODE}-*.db" -mmin +$((RETENTION_DAYS * 24 * 60)) | sort)

echo "snapshot=$snapshot"
echo "uploaded=$(url_of "$name")"
