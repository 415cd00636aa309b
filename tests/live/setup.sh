#!/usr/bin/env bash
# Create /work/main/.venv (git-ignored) with the pinned deps of the live protocol peers
# (tests/live/standin.py, selftest.py, moto.sh). Idempotent: a stamp file records the pins;
# when it matches, this is a fast no-op. Exit 77 when PyPI cannot be reached.
# Prints the venv's python path on success.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"
PINS=(
  "moto[server]==5.2.5"
  "botocore==1.44.5"
  "cryptography==50.0.2"
)
STAMP="$VENV/.live-stamp"
WANT="${PINS[*]}"
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
  echo "$VENV/bin/python"; exit 0
fi
"$PY" -c 'import sys; assert sys.version_info >= (3, 11), "need Python >= 3.11"' || {
  echo "setup.sh: need Python >= 3.11 (set PYTHON=...)" >&2; exit 1; }
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
# Bounded: with no registry, pip gives up within a minute instead of retrying with back-off.
PIP_NET=(--disable-pip-version-check --retries 1 --timeout 20)
if ! "$VENV/bin/pip" install -q "${PIP_NET[@]}" "${PINS[@]}"; then
  if ! "$VENV/bin/pip" download -q "${PIP_NET[@]}" --no-deps -d "$(mktemp -d)" "botocore==1.44.5" >/dev/null 2>&1; then
    echo "setup.sh: PyPI is unreachable; cannot install ${WANT}. Skipping live tests (exit 77)." >&2
    exit 77
  fi
  echo "setup.sh: pip install failed (PyPI reachable); see errors above" >&2
  exit 1
fi
"$VENV/bin/python" -c 'import botocore, moto, cryptography' 
printf '%s' "$WANT" > "$STAMP"
echo "$VENV/bin/python"
