#!/usr/bin/env bash
# Checks the ways opsbot is shipped, without a Docker engine or a real cluster:
#   1. docker-compose.yml: `docker-compose config -q` in a temp copy with a dummy .env/opsbot.yaml;
#   2. Dockerfile and .dockerignore: the offline lint (test/ship/dockerfile.test.ts) and the
#      compose/Kustomize structure tests (test/ship/deploy-files.test.ts);
#   3. gitops/opsbot: rendered with `kubectl kustomize` (or a kustomize built from the Go module
#      proxy into ~/.cache/opsbot/bin when kubectl is absent), its opsbot.yaml checked by
#      `opsbot check-config`;
#   4. a server-side dry run (`kubectl apply --dry-run=server`) of the rendered overlay and the
#      Argo CD Application against the test environment's kube-apiserver (.testenv/env).
#
# Usage: check-deploy.sh              all four; 4 is skipped, with the reason, when no test
#                                     environment is running
#        check-deploy.sh --offline    1–3 only (CI runs this right after lint)
#        check-deploy.sh --server-dry-run
#                                     4 only, and a missing test environment is a failure (CI
#                                     runs this after `npm run testenv`)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
mode=${1:-all}
case "$mode" in all | --offline | --server-dry-run) ;; *) echo "usage: $0 [--offline|--server-dry-run]" >&2; exit 2 ;; esac

# v5.8 needs Go 1.27; v5.7.1 builds with the Go 1.26 this project uses.
KUSTOMIZE_VERSION=v5.7.1
CACHE_BIN="${OPSBOT_CACHE:-$HOME/.cache/opsbot}/bin"
TESTENV_FILE="${OPSBOT_TESTENV_FILE:-${OPSBOT_TESTENV_DIR:-$ROOT/.testenv}/env}"
OVERLAY=gitops/opsbot/overlays/prod
APPLICATION=gitops/argocd/apps/opsbot.yaml

step() { printf '\n-- check-deploy: %s\n' "$1"; }
skip() { printf '   SKIPPED: %s\n' "$1"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

# kubectl from PATH (or /usr/bin), else a kustomize binary for rendering only.
kubectl_bin() { command -v kubectl 2>/dev/null || { [ -x /usr/bin/kubectl ] && echo /usr/bin/kubectl; } || true; }
render() {
  local kc; kc=$(kubectl_bin)
  if [ -n "$kc" ]; then "$kc" kustomize "$1"; return; fi
  local kz="$CACHE_BIN/kustomize-$KUSTOMIZE_VERSION"
  if [ ! -x "$kz" ]; then
    command -v go >/dev/null || { echo "neither kubectl nor go is available to render $1" >&2; return 1; }
    echo "   building kustomize $KUSTOMIZE_VERSION from the Go module proxy into $CACHE_BIN" >&2
    mkdir -p "$CACHE_BIN" "$work/gobin"
    (cd "$work" && GOBIN="$work/gobin" GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION")
    mv "$work/gobin/kustomize" "$kz"
  fi
  # The structure tests (deploy-files.test.ts) render with the same binary.
  export OPSBOT_KUSTOMIZE="$kz"
  "$kz" build "$1"
}

offline_checks() {
  step "docker-compose.yml"
  if ! command -v docker-compose >/dev/null 2>&1; then
    echo "   installing docker-compose (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq && as_root apt-get install -y -qq docker-compose >/dev/null
  fi
  # A temp copy: the real .env (secrets) and opsbot.yaml are neither needed nor touched.
  cp docker-compose.yml "$work/"
  cp .env.example "$work/.env"
  cp opsbot.example.yaml "$work/opsbot.yaml"
  (cd "$work" && docker-compose -f docker-compose.yml config -q)
  echo "   docker-compose config: valid ($(docker-compose version --short 2>/dev/null || echo '?'))"

  step "kustomize render: $OVERLAY"
  render "$OVERLAY" >"$work/rendered.yaml"
  echo "   $(grep -c '^kind:' "$work/rendered.yaml") objects: $(grep '^kind:' "$work/rendered.yaml" | awk '{print $2}' | sort | uniq -c | awk '{printf "%s×%s ", $2, $1}')"

  step "Dockerfile lint, compose and Kustomize structure (vitest)"
  npx vitest run test/ship/dockerfile.test.ts test/ship/deploy-files.test.ts

  step "opsbot check-config: $OVERLAY/opsbot.yaml"
  if [ -f dist/cli/main.js ]; then
    # Secrets are absent here by design: check-config warns about them, it does not fail.
    node bin/opsbot.js check-config --config "$OVERLAY/opsbot.yaml" 2>&1 | sed 's/^/   /'
  else
    skip "dist/ is not built (npm run build)"
  fi
}

server_dry_run() {
  local required=$1
  step "server-side dry run against the test environment's kube-apiserver"
  local why=""
  local kc; kc=$(kubectl_bin)
  local kubeconfig=""
  if [ ! -f "$TESTENV_FILE" ]; then
    why="no test environment ($TESTENV_FILE is absent; npm run testenv brings it up)"
  else
    kubeconfig=$(sed -n 's/^KUBECONFIG=//p' "$TESTENV_FILE" | tail -1)
    if [ -z "$kc" ]; then why="kubectl is not installed (a kustomize binary can render, not dry-run)"
    elif [ -z "$kubeconfig" ] || [ ! -f "$kubeconfig" ]; then why="$TESTENV_FILE names no KUBECONFIG file"
    elif ! "$kc" --kubeconfig "$kubeconfig" get --raw /readyz >/dev/null 2>&1; then why="the kube-apiserver in $kubeconfig does not answer"
    fi
  fi
  if [ -n "$why" ]; then
    if [ "$required" = yes ]; then echo "   FAILED: $why" >&2; return 1; fi
    skip "$why"
    return 0
  fi
  local k=("$kc" --kubeconfig "$kubeconfig")
  [ -f "$work/rendered.yaml" ] || render "$OVERLAY" >"$work/rendered.yaml"
  # A namespaced object's dry run needs its namespace to exist (creating it is idempotent).
  "${k[@]}" create namespace opsbot --dry-run=client -o yaml | "${k[@]}" apply -f - >/dev/null
  "${k[@]}" apply --dry-run=server -f "$work/rendered.yaml" | sed 's/^/   /'
  # The Application CRD is installed there (Argo CD's own, byte for byte).
  "${k[@]}" apply --dry-run=server -f "$APPLICATION" | sed 's/^/   /'
}

case "$mode" in
  all) offline_checks; server_dry_run no ;;
  --offline) offline_checks ;;
  --server-dry-run) server_dry_run yes ;;
esac
printf '\n-- check-deploy: OK (%s)\n' "$mode"
