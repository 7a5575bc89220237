#!/usr/bin/env bash
# Checks terraform/: formatting always; with --validate (or OPSBOT_TF_VALIDATE=1) also
# `tofu validate` of the root module, every local module and examples/local against the real
# azurerm 5.2 schema, using a provider built from the Go module proxy (see tools/azurerm/),
# and `tofu test` (terraform/tests: a plan of everything against a mocked provider).
#
# Environment:
#   TF_BINARY            tofu/terraform binary (default ~/.cache/opsbot/bin/tofu-v1.12.6)
#   OPSBOT_TF_VALIDATE   1 to validate as with --validate
#   OPSBOT_CACHE         cache root (default ~/.cache/opsbot)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${OPSBOT_CACHE:-$HOME/.cache/opsbot}"
tofu="${TF_BINARY:-$cache/bin/tofu-v1.12.6}"
validate="${OPSBOT_TF_VALIDATE:-0}"

for arg in "$@"; do
  case "$arg" in
    --validate) validate=1 ;;
    -h|--help) sed -n "2,10p" "$0"; exit 0 ;;
    *) echo "terraform-check: unknown argument: $arg" >&2; exit 64 ;;
  esac
done

if ! command -v "$tofu" >/dev/null 2>&1; then
  echo "terraform-check: E_TF_MISSING: no tofu binary at '$tofu' (set TF_BINARY)" >&2
  exit 69
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The machine-wide TF_CLI_CONFIG_FILE may point at a missing file; always use our own.
export TF_CLI_CONFIG_FILE="$work/tofurc"
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
: >"$TF_CLI_CONFIG_FILE"

echo "== fmt -check -recursive terraform/"
"$tofu" fmt -check -recursive -diff "$repo/terraform"
echo "fmt: ok"

[ "$validate" = "1" ] || exit 0

azurerm_version="5.2.0"
mirror="$cache/providers"
plugin_dir="$mirror/registry.opentofu.org/hashicorp/azurerm/$azurerm_version/linux_amd64"
plugin="$plugin_dir/terraform-provider-azurerm_v$azurerm_version"

# Another Go build (tofu, kube-apiserver) on a 2-core machine would make this one take twice
# as long and could exhaust memory; wait until the machine is quiet.
wait_for_quiet_go() {
  local waited=0
  while pgrep -f "go build" >/dev/null 2>&1 || pgrep -x compile >/dev/null 2>&1; do
    if [ "$waited" -eq 0 ]; then echo "waiting for other Go builds to finish…"; fi
    sleep 10
    waited=$((waited + 10))
  done
}

if [ ! -x "$plugin" ]; then
  wait_for_quiet_go
  echo "== building terraform-provider-azurerm $azurerm_version (several minutes, ~4.5 GB RAM)"
  mkdir -p "$plugin_dir"
  start=$(date +%s)
  (cd "$repo/tools/azurerm" &&
    /usr/bin/time -f "peak RSS %M KiB" go build -trimpath -ldflags "-s -w" \
      -o "$plugin.tmp" github.com/hashicorp/terraform-provider-azurerm)
  mv "$plugin.tmp" "$plugin"
  echo "built in $(( $(date +%s) - start )) s: $plugin"
fi

cat >"$TF_CLI_CONFIG_FILE" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.opentofu.org/hashicorp/azurerm"]
  }
  direct {
    exclude = ["registry.opentofu.org/hashicorp/azurerm"]
  }
}
RC

# Validate copies, so that .terraform/ and lock files with hashes of a locally built provider
# never land in the work tree.
cp -R "$repo/terraform" "$work/terraform"
find "$work/terraform" \( -name .terraform -o -name .terraform.lock.hcl -o -name '*.tfstate*' \) -prune -exec rm -rf {} +

failed=0
dirs=("$work/terraform" "$work/terraform/examples/local")
for d in "$work"/terraform/modules/*/; do dirs+=("${d%/}"); done
for d in "${dirs[@]}"; do
  rel="terraform${d#"$work/terraform"}"
  echo "== validate $rel"
  if ! "$tofu" -chdir="$d" init -backend=false -input=false -no-color >"$work/init.log" 2>&1; then
    cat "$work/init.log" >&2
    failed=1
    continue
  fi
  if ! "$tofu" -chdir="$d" validate -no-color; then failed=1; fi
done

# Plan the whole root module against a mocked azurerm (terraform/tests/*.tftest.hcl): module
# wiring, unknown for_each keys, cycles and variable validations, still with no cloud.
# The one secret input gets a throw-away value that never touches a file.
if [ "$failed" -eq 0 ]; then
  echo "== test terraform (mock provider)"
  if ! TF_VAR_mysql_admin_password="$(head -c 24 /dev/urandom | base64)" \
    "$tofu" -chdir="$work/terraform" test -no-color; then failed=1; fi
fi

if [ "$failed" -ne 0 ]; then
  echo "terraform-check: validate failed" >&2
  exit 1
fi
echo "validate: ok"
