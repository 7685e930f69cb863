#!/usr/bin/env bash
# The Guild's federation gateway audit (graphql-hive/federation-gateway-audit) against our
# gateway (bench/federation-audit/gateway.ts). Not part of CI: it needs a copy of the audit.
#
#   bench/federation-audit/run.sh [suite-id]        every suite, or one (with its failures shown)
#
# AUDIT_DIR: the audit's checkout (default /tmp/federation-gateway-audit; cloned from GitHub when
#            absent, its runtime dependencies installed with npm when missing).
# The gateway listens on 127.0.0.1:4000, the audit's subgraphs on 4200 (both must be free).
# Results: $AUDIT_DIR/gateways/commerce-supergraph/.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$repo/scripts/with-node24.sh"
audit=${AUDIT_DIR:-/tmp/federation-gateway-audit}
if [[ ! -f "$audit/src/cli.ts" ]]; then
  git clone --depth 1 https://github.com/graphql-hive/federation-gateway-audit.git "$audit"
fi
if [[ ! -d "$audit/node_modules/graphql-yoga" ]]; then
  (cd "$audit" && npm install --omit=dev --no-audit --no-fund --loglevel=error)
fi
# graphql is a peer dependency there, not installed: ours (16.x) serves.
[[ -e "$audit/node_modules/graphql" ]] || ln -s "$repo/node_modules/graphql" "$audit/node_modules/graphql"
# The audit's TypeScript runs on our tsx (its own is a dev dependency).
tsx="$repo/node_modules/tsx/dist/loader.mjs"
here="$audit/gateways/commerce-supergraph"
mkdir -p "$here"
cat >"$here/gateway.json" <<'EOF'
{ "name": "commerce-supergraph", "graphql": "http://127.0.0.1:4000/graphql", "health": "http://127.0.0.1:4000/health/ready" }
EOF
# Started by the audit for each suite: the suite's supergraph, then our gateway in its place
# (exec, so the audit's SIGTERM reaches the gateway).
cat >"$here/run.sh" <<EOF
node --import "$tsx" "$audit/src/cli.ts" supergraph --cwd "$here" --test "\$1"
exec node --import "$tsx" "$repo/bench/federation-audit/gateway.ts" "$here/supergraph.graphql"
EOF
# The audit waits 5 s for a gateway to be ready by default; ours starts slower under tsx.
export GATEWAY_TIMEOUT=${GATEWAY_TIMEOUT:-60000}
cd "$audit"
common=(--cwd "$here" --run-script ./run.sh --graphql http://127.0.0.1:4000/graphql --healthcheck http://127.0.0.1:4000/health/ready)
if [[ $# -gt 0 ]]; then
  node --import "$tsx" src/cli.ts test-suite --test "$1" --reporter tap "${common[@]}"
else
  node --import "$tsx" src/cli.ts test --reporter dot "${common[@]}"
  cat "$here/results.txt"
fi
