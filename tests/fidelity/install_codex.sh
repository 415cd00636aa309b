#!/usr/bin/env bash
# Install released Codex CLI builds from the npm registry into a local, git-ignored folder.
#
#   tests/fidelity/install_codex.sh 0.124.0 0.135.0 ...
#
# For each VERSION this fetches `@openai/codex@VERSION` (the JS launcher) and the Linux x64
# platform package `@openai/codex@VERSION-linux-x64` (which carries the native binary) with
# `npm pack`, unpacks both into .fidelity/codex/VERSION/{launcher,platform}/ and prints
# `VERSION<TAB>/abs/path/to/native/codex` on stdout, one line per version.
#
# Binary layout (verified): vendor/x86_64-unknown-linux-musl/codex/codex up to 0.132,
# vendor/x86_64-unknown-linux-musl/bin/codex from 0.134. The script searches for both.
#
# Idempotent: a version whose binary is already present (and runs `--version`) is skipped.
# Exit codes: 0 ok; 77 registry unreachable; 1 other failure (bad version, no binary, ...).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST_BASE="${FIDELITY_CODEX_DIR:-$ROOT/.fidelity/codex}"
REGISTRY_EXIT=77
# Fail fast when offline (npm's default is several retries with long back-off, ~60 s).
NPM_NET_OPTS=(--fetch-retries=1 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=5000 --fetch-timeout=30000 --loglevel=error)

if [ "$#" -eq 0 ]; then
  echo "usage: $0 VERSION..." >&2
  exit 2
fi
command -v npm >/dev/null || { echo "install_codex: npm not found" >&2; exit 1; }

find_binary() {
  # $1 = platform dir; prints the native binary path or nothing
  local d="$1" p
  for p in "$d"/package/vendor/*/bin/codex "$d"/package/vendor/*/codex/codex; do
    if [ -f "$p" ] && [ -x "$p" ]; then echo "$p"; return 0; fi
  done
  return 1
}

registry_check_done=0
registry_check() {
  [ "$registry_check_done" = 1 ] && return 0
  if ! timeout 90 npm view "${NPM_NET_OPTS[@]}" @openai/codex@latest version >/dev/null 2>&1; then
    echo "install_codex: cannot reach the npm registry (npm view @openai/codex failed); exiting $REGISTRY_EXIT" >&2
    exit "$REGISTRY_EXIT"
  fi
  registry_check_done=1
}

pack_into() {
  # $1 = package spec, $2 = destination dir (gets package/ inside)
  local spec="$1" dest="$2" tmp tgz
  tmp="$(mktemp -d "$DEST_BASE/.pack.XXXXXX")"
  if ! (cd "$tmp" && timeout 600 npm pack "${NPM_NET_OPTS[@]}" "$spec" >"$tmp/.name" 2>"$tmp/.err"); then
    if grep -qiE 'E404|ETARGET|No matching version|notarget' "$tmp/.err"; then
      echo "install_codex: $spec not found in the registry" >&2
      sed 's/^/  npm: /' "$tmp/.err" | grep -v 'nodedir' >&2 || true
      rm -rf "$tmp"; return 1
    fi
    echo "install_codex: npm pack $spec failed" >&2
    sed 's/^/  npm: /' "$tmp/.err" | grep -v 'nodedir' >&2 || true
    rm -rf "$tmp"
    # 77 only when the registry is proven unreachable now; a registry that answers means another fault.
    registry_check_done=0; registry_check
    exit 1
  fi
  tgz="$tmp/$(tail -n1 "$tmp/.name")"
  rm -rf "$dest"; mkdir -p "$dest"
  tar -xzf "$tgz" -C "$dest"
  rm -rf "$tmp"
}

mkdir -p "$DEST_BASE"
status=0
for v in "$@"; do
  vdir="$DEST_BASE/$v"
  if bin="$(find_binary "$vdir/platform")" && "$bin" --version >/dev/null 2>&1; then
    echo "install_codex: $v already installed" >&2
    printf '%s\t%s\n' "$v" "$bin"
    continue
  fi
  registry_check
  echo "install_codex: installing @openai/codex@$v (+ $v-linux-x64) into $vdir" >&2
  mkdir -p "$vdir"
  pack_into "@openai/codex@$v" "$vdir/launcher" || { status=1; continue; }
  pack_into "@openai/codex@$v-linux-x64" "$vdir/platform" || { status=1; continue; }
  if ! bin="$(find_binary "$vdir/platform")"; then
    echo "install_codex: no native codex binary found under $vdir/platform" >&2
    status=1; continue
  fi
  got="$("$bin" --version 2>/dev/null || true)"
  if [ "$got" != "codex-cli $v" ]; then
    echo "install_codex: $bin --version printed '$got', expected 'codex-cli $v'" >&2
    status=1; continue
  fi
  printf '%s\t%s\n' "$v" "$bin"
done
exit "$status"
