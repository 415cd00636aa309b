#!/usr/bin/env bash
# What a user pays for `cargo install`: wall time of a clean build with the release profile (a fresh
# target directory, as `cargo install` uses one; crates already downloaded are not re-fetched), and the
# size of the installed binary.
#
#   benches/install.sh            # from the checkout
#
# Prints: seconds, bytes, and whether the binary is stripped. Run it on an otherwise idle machine:
# compiling is CPU-bound, and the figure counts the machine's cores (`nproc`) as much as the profile.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cargo fetch --locked --manifest-path "$ROOT/Cargo.toml" >/dev/null
start=$(date +%s.%N)
CARGO_TARGET_DIR="$tmp/target" cargo install --quiet --locked --path "$ROOT" --root "$tmp/root"
end=$(date +%s.%N)
bin="$tmp/root/bin/bedrock-doctor"
printf 'cargo install: %.0f s on %s cores\n' "$(echo "$end - $start" | bc)" "$(nproc)"
printf 'binary: %s bytes (%s)\n' "$(stat -c %s "$bin")" "$(file -b "$bin" | grep -o 'not stripped\|stripped' | head -n 1)"
"$bin" --version
