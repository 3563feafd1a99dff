#!/usr/bin/env bash
# Phase-2 PKI completion check (seed 001 §11.0 checklist, corrected) against a running cluster.
# Prints one PASS/FAIL line per check and exits 1 if any failed (2 on usage errors).
#
#   tools/trust/phase2-check.sh [--context CTX] [--vault-context CTX | --vault-ca FILE] [--issue-test] [--domain D]
#
# Checks:
#   1. ClusterIssuer vault-issuer is Ready (the condition of type Ready, not conditions[0]).
#   2. No ClusterIssuer or Issuer has spec.selfSigned, and none is named selfsigned-bootstrap.
#   3. Every Certificate's issuerRef is the ClusterIssuer vault-issuer (offenders listed).
#   4. Every Certificate is Ready (offenders listed).
#   5. Certificate gateway-system/wildcard-tls is Ready and its Secret's leaf certificate verifies
#      (openssl verify -partial_chain) against Vault's PKI intermediate itself. A name check
#      ("...Intermediate..." in the issuer CN) would pass for any CA that calls itself so, and the
#      Secret's ca.crt comes from the same issuance, so the anchor is read from Vault: its
#      unauthenticated `/v1/<pki>/ca/pem` through the API server's service proxy of mgmt (the
#      cluster of --vault-context, default --context), or a PEM file given with --vault-ca.
#   6. With --issue-test: a throwaway Certificate in cert-manager is issued and verified the same
#      way, then deleted with its Secret (also when the check fails or is interrupted).
set -euo pipefail

ISSUER="vault-issuer"
BOOTSTRAP="selfsigned-bootstrap"
WILDCARD_NS="gateway-system"
WILDCARD="wildcard-tls"
VAULT_SERVICE_PATH="/api/v1/namespaces/vault/services/https:vault:8200/proxy/v1"
PKI_MOUNT="pki_int"
TEST_NS="cert-manager"
TIMEOUT="120s"

context=""
vault_context=""
vault_ca=""
issue_test=false
domain="local.dev"

usage() {
    sed -n '2,5p' "$0" >&2
    exit 2
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --context) [[ $# -ge 2 ]] || usage; context="$2"; shift 2 ;;
        --vault-context) [[ $# -ge 2 ]] || usage; vault_context="$2"; shift 2 ;;
        --vault-ca) [[ $# -ge 2 ]] || usage; vault_ca="$2"; shift 2 ;;
        --domain) [[ $# -ge 2 ]] || usage; domain="$2"; shift 2 ;;
        --issue-test) issue_test=true; shift ;;
        -h | --help) usage ;;
        *) echo "unknown argument: $1" >&2; usage ;;
    esac
done
if [[ -n "$vault_context" && -n "$vault_ca" ]]; then
    echo "--vault-context and --vault-ca exclude each other" >&2
    usage
fi
vault_context="${vault_context:-$context}"

work="$(mktemp -d)"
test_cert=""
cleanup() {
    if [[ -n "$test_cert" ]]; then
        kc delete certificate "$test_cert" -n "$TEST_NS" --ignore-not-found >/dev/null 2>&1 || true
        kc delete secret "$test_cert" -n "$TEST_NS" --ignore-not-found >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# kubectl on the cluster of context $1 ("" for the current one).
kube() {
    local ctx="$1"
    shift
    if [[ -n "$ctx" ]]; then
        kubectl --context "$ctx" "$@"
    else
        kubectl "$@"
    fi
}
# kubectl on the checked cluster.
kc() { kube "$context" "$@"; }

failures=0
pass() { printf 'PASS  %s\n' "$*"; }
fail() {
    printf 'FAIL  %s\n' "$*"
    failures=$((failures + 1))
}

# The status of a resource's Ready condition, found by type ("" when it has none).
ready_status() {
    kc get "$@" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
}

# Writes Vault's PKI intermediate (the trust anchor of checks 5 and 6) to $work/vault-ca.pem.
vault_anchor() {
    if [[ -n "$vault_ca" ]]; then
        cp "$vault_ca" "$work/vault-ca.pem" || return 1
    else
        kube "$vault_context" get --raw "$VAULT_SERVICE_PATH/$PKI_MOUNT/ca/pem" >"$work/vault-ca.pem" 2>/dev/null || return 1
    fi
    openssl x509 -in "$work/vault-ca.pem" -noout 2>/dev/null
}

# Verifies the leaf of Secret $2/$1 against Vault's intermediate; prints the outcome.
issued_by_vault() {
    local secret="$1" namespace="$2" leaf="$work/$1.pem"
    if ! kc get secret "$secret" -n "$namespace" -o jsonpath='{.data.tls\.crt}' | base64 -d >"$leaf" 2>/dev/null || [[ ! -s "$leaf" ]]; then
        echo "Secret $namespace/$secret has no tls.crt"
        return 1
    fi
    local issuer
    issuer="$(openssl x509 -in "$leaf" -noout -issuer 2>/dev/null)" || {
        echo "tls.crt of $namespace/$secret is not a certificate"
        return 1
    }
    # -partial_chain: the intermediate is the anchor; the leaf's validity dates are checked too.
    if openssl verify -partial_chain -CAfile "$work/vault-ca.pem" "$leaf" >/dev/null 2>&1; then
        echo "verifies against Vault's $PKI_MOUNT CA ($issuer)"
    else
        echo "does not verify against Vault's $PKI_MOUNT CA ($issuer)"
        return 1
    fi
}

echo "=== Phase 2 PKI completion check${context:+ (context $context)} ==="

# 1. The Vault issuer is Ready.
if status="$(ready_status clusterissuer "$ISSUER" 2>&1)"; then
    if [[ "$status" == "True" ]]; then
        pass "[1] ClusterIssuer $ISSUER Ready"
    else
        fail "[1] ClusterIssuer $ISSUER not Ready (Ready=${status:-none})"
    fi
else
    fail "[1] ClusterIssuer $ISSUER: $status"
fi

# 2. No self-signed or bootstrap issuer, cluster-wide or namespaced.
if cluster_issuers="$(kc get clusterissuers -o jsonpath='{range .items[*]}ClusterIssuer/{.metadata.name} {.spec.selfSigned}{"\n"}{end}' 2>&1)" &&
    issuers="$(kc get issuers -A -o jsonpath='{range .items[*]}Issuer/{.metadata.namespace}/{.metadata.name} {.spec.selfSigned}{"\n"}{end}' 2>&1)"; then
    offenders="$(printf '%s\n%s\n' "$cluster_issuers" "$issuers" | awk -v b="$BOOTSTRAP" '$1 != "" && ($2 != "" || $1 ~ ("/" b "$")) { print $1 }' | paste -sd ' ' -)"
    if [[ -z "$offenders" ]]; then
        pass "[2] no self-signed issuer and no $BOOTSTRAP"
    else
        fail "[2] self-signed or bootstrap issuers remain: $offenders"
    fi
else
    fail "[2] cannot list issuers: ${cluster_issuers:-} ${issuers:-}"
fi

# 3 and 4. Every Certificate is issued by vault-issuer (a ClusterIssuer: an empty kind means Issuer), and Ready.
if certificates="$(kc get certificates -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name} {.spec.issuerRef.kind}/{.spec.issuerRef.name} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>&1)"; then
    wrong_issuer="$(awk -v i="ClusterIssuer/$ISSUER" 'NF && $2 != i { print $1 "(" $2 ")" }' <<<"$certificates" | paste -sd ' ' -)"
    not_ready="$(awk 'NF && $3 != "True" { print $1 }' <<<"$certificates" | paste -sd ' ' -)"
    count="$(awk 'NF' <<<"$certificates" | wc -l | tr -d ' ')"
    if [[ -z "$wrong_issuer" ]]; then
        pass "[3] all $count Certificates use ClusterIssuer $ISSUER"
    else
        fail "[3] Certificates not issued by ClusterIssuer $ISSUER: $wrong_issuer"
    fi
    if [[ -z "$not_ready" ]]; then
        pass "[4] all $count Certificates Ready"
    else
        fail "[4] Certificates not Ready: $not_ready"
    fi
else
    fail "[3] cannot list Certificates: $certificates"
    fail "[4] cannot list Certificates"
fi

# 5. wildcard-tls is Ready and signed by Vault's intermediate.
anchor=true
if ! vault_anchor; then
    anchor=false
    fail "[5] cannot read Vault's $PKI_MOUNT CA (${vault_ca:-service proxy of ${vault_context:-the current context}})"
fi
if "$anchor"; then
    status="$(ready_status certificate "$WILDCARD" -n "$WILDCARD_NS" 2>&1)" || true
    if [[ "$status" != "True" ]]; then
        fail "[5] Certificate $WILDCARD_NS/$WILDCARD not Ready (${status:-no Ready condition})"
    elif outcome="$(issued_by_vault "$WILDCARD" "$WILDCARD_NS")"; then
        pass "[5] $WILDCARD_NS/$WILDCARD Ready and $outcome"
    else
        fail "[5] $WILDCARD_NS/$WILDCARD: $outcome"
    fi
fi

# 6. Optional live issuance, cleaned up by the EXIT trap.
if "$issue_test"; then
    if ! "$anchor"; then
        fail "[6] test issuance skipped: no Vault CA to verify against"
    else
        test_cert="phase2-check-$(date +%s)-$$"
        if ! kc apply -f - >/dev/null <<EOF; then
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: $test_cert
  namespace: $TEST_NS
spec:
  secretName: $test_cert
  issuerRef: {group: cert-manager.io, kind: ClusterIssuer, name: $ISSUER}
  commonName: $test_cert.$domain
  dnsNames: [$test_cert.$domain]
  duration: 1h
  privateKey: {algorithm: ECDSA, size: 256}
EOF
            fail "[6] cannot create test Certificate $TEST_NS/$test_cert"
        elif ! kc wait --for=condition=Ready "certificate/$test_cert" -n "$TEST_NS" --timeout="$TIMEOUT" >/dev/null 2>&1; then
            fail "[6] test Certificate $TEST_NS/$test_cert not Ready within $TIMEOUT"
        elif outcome="$(issued_by_vault "$test_cert" "$TEST_NS")"; then
            pass "[6] test issuance $TEST_NS/$test_cert $outcome"
        else
            fail "[6] test issuance $TEST_NS/$test_cert: $outcome"
        fi
    fi
fi

if [[ "$failures" -gt 0 ]]; then
    echo "=== $failures check(s) failed ==="
    exit 1
fi
echo "=== all checks passed ==="
