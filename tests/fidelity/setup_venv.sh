#!/usr/bin/env bash
# Create .fidelity/venv with the only third-party dependency of the harness (`cryptography`).
# Idempotent. Exit 77 only when the package index is proven unreachable; any other failure exits 1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.fidelity/venv"
PY="${PYTHON:-python3}"
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import cryptography, sys; sys.exit(cryptography.__version__ != "50.0.2")' 2>/dev/null; then
  echo "$VENV/bin/python"; exit 0
fi
"$PY" -c 'import sys; assert sys.version_info >= (3, 11), "need Python >= 3.11 (tomllib)"'
"$PY" -m venv "$VENV"
# Bounded: with no registry, pip gives up within a minute instead of retrying with back-off.
PIP_NET=(--disable-pip-version-check --retries 1 --timeout 20)
if ! "$VENV/bin/pip" install -q "${PIP_NET[@]}" "cryptography==50.0.2"; then
  # 77 only for a registry proven unreachable; any other install failure is a failure.
  if ! "$VENV/bin/pip" download -q "${PIP_NET[@]}" --no-deps -d "$(mktemp -d)" "cryptography==50.0.2" >/dev/null 2>&1; then
    echo "setup_venv: the package index cannot be reached; cannot install cryptography (exit 77)" >&2
    exit 77
  fi
  echo "setup_venv: pip install failed although the index answers; see the errors above" >&2
  exit 1
fi
echo "$VENV/bin/python"
