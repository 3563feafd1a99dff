#!/bin/bash
# Restores one namespace from a Velero backup (docs/operations/backup-restore.md). Runs wherever
# kubectl reaches the cluster (no velero CLI needed): it creates a velero.io/v1 Restore and waits.
#
#   velero-restore-namespace.sh --namespace NS (--backup NAME | --schedule NAME) [--into NEW_NS] [--kubeconfig FILE] --yes
#
# --schedule restores the newest successful backup of that schedule (velero-daily, velero-hourly-critical).
# Velero never overwrites what exists (existingResourcePolicy none), so restoring in place needs
# the namespace gone first; --into restores a copy under another name instead. Without --yes it
# prints the Restore it would create and the way back, and changes nothing.
set -euo pipefail

usage() {
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2
}

namespace="" backup="" schedule="" into="" kubeconfig="${KUBECONFIG:-}" confirmed=no
while [ $# -gt 0 ]; do
  case "$1" in
    --namespace) namespace=${2:-}; shift 2 || shift ;;
    --backup) backup=${2:-}; shift 2 || shift ;;
    --schedule) schedule=${2:-}; shift 2 || shift ;;
    --into) into=${2:-}; shift 2 || shift ;;
    --kubeconfig) kubeconfig=${2:-}; shift 2 || shift ;;
    --yes) confirmed=yes; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "velero-restore-namespace: unknown argument $1" >&2; usage; exit 2 ;;
  esac
done
if [ -z "$namespace" ] || { [ -z "$backup" ] && [ -z "$schedule" ]; } || { [ -n "$backup" ] && [ -n "$schedule" ]; }; then
  echo "velero-restore-namespace: refusing to run without --namespace and exactly one of --backup or --schedule" >&2
  usage
  exit 2
fi
dns_label='^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'
for value in "$namespace" "${into:-$namespace}" "${backup:-$schedule}"; do
  [[ $value =~ $dns_label ]] || { echo "velero-restore-namespace: $value is not a valid name" >&2; exit 2; }
done
[ "$into" != "$namespace" ] || into=""

kubectl_() {
  if [ -n "$kubeconfig" ]; then kubectl --kubeconfig "$kubeconfig" --request-timeout=30s "$@"; else kubectl --request-timeout=30s "$@"; fi
}

target=${into:-$namespace}
name="restore-${namespace:0:30}-$(date -u +%Y%m%d%H%M%S)"
source_line="backupName: $backup"
[ -n "$backup" ] || source_line="scheduleName: $schedule"
mapping=""
[ -z "$into" ] || mapping=$'\n'"  namespaceMapping:"$'\n'"    $namespace: $into"
restore="apiVersion: velero.io/v1
kind: Restore
metadata:
  name: $name
  namespace: velero
spec:
  $source_line
  includedNamespaces:
    - $namespace$mapping
  restorePVs: true
  existingResourcePolicy: none"

way_back() {
  cat >&2 <<EOF
The way back: the backup itself is never changed. To undo this restore, delete what it created:
  kubectl delete namespace $target
  kubectl -n velero delete restore $name
EOF
}

echo "velero-restore-namespace: the Restore to create:" >&2
echo "$restore"
way_back
if [ "$confirmed" != yes ]; then
  echo "velero-restore-namespace: nothing changed; add --yes to restore" >&2
  exit 2
fi

if kubectl_ get namespace "$target" >/dev/null 2>&1; then
  echo "velero-restore-namespace: namespace $target exists; Velero would skip every object in it." >&2
  echo "velero-restore-namespace: delete it first (kubectl delete namespace $target) or restore a copy with --into" >&2
  exit 1
fi
kubectl_ apply -f - <<<"$restore" >&2

phase=""
for _ in $(seq 1 360); do
  phase=$(kubectl_ -n velero get restore "$name" -o 'jsonpath={.status.phase}' 2>/dev/null || true)
  case "$phase" in
    Completed | PartiallyFailed | Failed | FailedValidation) break ;;
  esac
  sleep 5
done
summary=$(kubectl_ -n velero get restore "$name" -o 'jsonpath=warnings={.status.warnings} errors={.status.errors}' 2>/dev/null || true)
echo "velero-restore-namespace: restore $name: ${phase:-no phase after 30 minutes} $summary" >&2
way_back
if [ "$phase" != Completed ]; then
  echo "velero-restore-namespace: read why: kubectl -n velero get restore $name -o yaml (and the velero pod's log)" >&2
  exit 1
fi
echo "velero-restore-namespace: $target restored from ${backup:-the newest backup of $schedule}" >&2
