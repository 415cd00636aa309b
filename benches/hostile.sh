#!/usr/bin/env bash
# Hostile-input figures for issue #11 (release build): time and peak RSS (GNU time -v) of
#   - check / lint of a config with 100k unknown provider keys, and with a 4 MB `model` value;
#   - lint of 100k small files in every format (peak RSS; bar: < 300 MB);
#   - lint of 10,000 templates with --format json (files/s; bar: >= 10,000 on 2 cores).
# Usage: benches/hostile.sh [path/to/bedrock-doctor]   (default: target/release/bedrock-doctor)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/target/release/bedrock-doctor}
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

measure() { # label, command...
    local label=$1; shift
    /usr/bin/time -v "$@" > /dev/null 2> "$WORK/time" || true
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/time")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f MB", $2/1024}' "$WORK/time")
    printf '%-52s %10s  %8s\n' "$label" "$wall" "$rss"
}

python3 - "$WORK" <<'PY'
import os, sys
work = sys.argv[1]
head = 'model_provider = "amazon-bedrock"\nmodel = "openai.gpt-5.5"\n'
os.makedirs(f"{work}/keys/.codex")
with open(f"{work}/keys/.codex/config.toml", "w") as f:
    f.write(head + "[model_providers.amazon-bedrock]\n" + "".join(f"k{i} = 1\n" for i in range(100_000)))
os.makedirs(f"{work}/model/.codex")
with open(f"{work}/model/.codex/config.toml", "w") as f:
    f.write('model_provider = "amazon-bedrock"\nmodel = "' + "a" * 4_000_000 + '"\n')
small = [
    head + '[model_providers.amazon-bedrock.aws]\nregion = "us-east-2"\n',
    'model_provider = "amazon-bedrock"\nmodel = "us.openai.gpt-5.5"\n',
    'model_provider = "amazon-bedrock"\n[oops\n',
]
for n, name in [(100_000, "many"), (10_000, "ten")]:
    for i in range(n):
        d = f"{work}/{name}/{i // 1000:03d}"
        os.makedirs(d, exist_ok=True)
        with open(f"{d}/t{i}.toml", "w") as f:
            f.write(small[i % len(small)])
PY

printf '%-52s %10s  %8s\n' "case" "wall" "max RSS"
for n in keys model; do
    measure "check, $n" env -i HOME="$WORK/$n" PATH= "$BIN" check --offline --codex-version 0.169.0
    measure "lint, $n" "$BIN" lint "$WORK/$n/.codex/config.toml"
done
for f in human json sarif github junit; do
    measure "lint 100k small files --format $f" "$BIN" lint --format "$f" "$WORK/many"
done
start=$(date +%s.%N)
"$BIN" lint --format json "$WORK/ten" > /dev/null || true
end=$(date +%s.%N)
python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print(f'lint 10,000 templates --format json: {s:.2f} s = {10000/s:,.0f} files/s')" "$start" "$end"
