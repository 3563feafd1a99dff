#!/usr/bin/env bash
# Real deployment: `pulumi up` for mgmt, then app1, then app2 (app stacks read mgmt's outputs),
# each checked by the policy pack. Needs the Pulumi CLI, Multipass (for the multipass backend) and
# a logged-in backend; see README "Deploying for real".
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in pulumi node; do
  command -v "$tool" >/dev/null 2>&1 || { echo "deploy: $tool is not installed (see README)" >&2; exit 1; }
done
if grep -q 'kind: multipass' Pulumi.*.yaml && ! command -v multipass >/dev/null 2>&1; then
  echo "deploy: a stack uses the multipass backend but multipass is not installed (brew install --cask multipass)" >&2
  exit 1
fi
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  echo "deploy: set PULUMI_CONFIG_PASSPHRASE (or _FILE); it encrypts the kubeconfigs and keys in the state" >&2
  exit 1
fi

# The pack runs under the engine from its own directory.
[ -d policy-pack/node_modules ] || npm --prefix policy-pack install --no-audit --no-fund

stacks=("$@")
[ ${#stacks[@]} -gt 0 ] || stacks=(mgmt app1 app2)
for stack in "${stacks[@]}"; do
  pulumi stack select --create "$stack" >/dev/null
  echo "== pulumi up -s $stack"
  pulumi up --yes --stack "$stack" --policy-pack policy-pack
done
echo "done. Kubeconfigs: pulumi stack output kubeconfig --show-secrets -s <stack> > ~/.kube/<stack>.yaml"
