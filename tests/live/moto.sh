#!/usr/bin/env bash
# Run moto's server (used by tests as the real STS/IAM peer) on 127.0.0.1.
#   tests/live/moto.sh [PORT]        PORT omitted or 0: a free ephemeral port is picked
# Prints ONE JSON line when moto accepts connections:  {"moto":"http://127.0.0.1:PORT","pid":MOTO_PID}
# Stops moto when stdin closes (like standin.py) and on SIGTERM/SIGINT. With stdin at /dev/null it
# would stop at once: run `.venv/bin/moto_server -H 127.0.0.1 -p PORT` directly for manual use.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
[ -x "$VENV/bin/moto_server" ] || { echo "moto.sh: run tests/live/setup.sh first" >&2; exit 77; }
PORT="${1:-0}"
if [ "$PORT" = 0 ]; then
  PORT="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
fi
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" </dev/null >/dev/null 2>&1 &
MPID=$!
cleanup() { kill "$MPID" 2>/dev/null || true; wait "$MPID" 2>/dev/null || true; }
trap 'cleanup; exit 0' TERM INT
trap cleanup EXIT
for _ in $(seq 1 300); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    printf '{"moto":"http://127.0.0.1:%s","pid":%s}\n' "$PORT" "$MPID"
    cat <&0 >/dev/null &   # returns when stdin closes (explicit <&0: bash gives background jobs /dev/null otherwise)
    wait $! || true
    exit 0
  fi
  kill -0 "$MPID" 2>/dev/null || { echo "moto.sh: moto_server exited early" >&2; exit 1; }
  sleep 0.05
done
echo "moto.sh: moto_server did not listen on 127.0.0.1:$PORT within 15 s" >&2
exit 1
