#!/usr/bin/env bash
# Create .fidelity/venv with the only third-party dependency of the harness (`cryptography`).
# Idempotent. Exit 77 when PyPI cannot be reached.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.fidelity/venv"
PY="${PYTHON:-python3}"
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import cryptography, sys; sys.exit(cryptography.__version__ != "50.0.2")' 2>/dev/null; then
  echo "$VENV/bin/python"; exit 0
fi
"$PY" -c 'import sys; assert sys.version_info >= (3, 11), "need Python >= 3.11 (tomllib)"'
"$PY" -m venv "$VENV"
if ! "$VENV/bin/pip" install -q --disable-pip-version-check "cryptography==50.0.2"; then
  echo "setup_venv: could not install cryptography from PyPI" >&2
  exit 77
fi
echo "$VENV/bin/python"
