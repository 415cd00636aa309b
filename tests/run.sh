#!/usr/bin/env bash
# The test command (README quick start). Installs what the suites need into the checkout, then runs them:
#   1. Python peers for the live tests (moto, botocore, cryptography) into .venv
#   2. released Codex binaries from the npm registry into .fidelity/ for the fidelity suite
#   3. cargo test: unit tests, CLI tests, the docs test, live tests against loopback peers
#   4. the fidelity suite: our prediction against the real Codex, case by case, version by version
# A registry that cannot be reached skips the suite that needs it, saying so; any other failure fails.
# Under CI=true the cargo tests that need those peers (tests/live.rs, tests/fix.rs's real-Codex test)
# fail instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."

FIDELITY_VERSIONS=(0.124.0 0.135.0 0.145.0 0.149.0 0.156.1 0.169.0)

step() { printf '\n== %s\n' "$*"; }

step "live-test peers (.venv)"
if [ -x tests/live/setup.sh ]; then
  set +e; tests/live/setup.sh; status=$?; set -e
  case $status in
    0) export BD_REQUIRE_LIVE_PEERS=1 ;;
    77) echo "SKIP live tests: PyPI cannot be reached, so moto/botocore cannot be installed" ;;
    *) echo "tests/live/setup.sh failed ($status)"; exit "$status" ;;
  esac
fi

step "fidelity peers (.fidelity: capture venv, Codex ${FIDELITY_VERSIONS[*]})"
fidelity=1
set +e; tests/fidelity/setup_venv.sh >/dev/null; status=$?; set -e
if [ $status -eq 0 ]; then
  set +e; tests/fidelity/install_codex.sh "${FIDELITY_VERSIONS[@]}"; status=$?; set -e
fi
case $status in
  0) ;;
  77) fidelity=0; echo "SKIP fidelity suite: the npm registry or PyPI cannot be reached" ;;
  *) echo "fidelity setup failed ($status)"; exit "$status" ;;
esac

step "cargo test"
cargo test

if [ $fidelity -eq 1 ]; then
  step "fidelity suite (real Codex vs prediction)"
  cargo build --quiet
  .fidelity/venv/bin/python tests/fidelity/compare.py --versions "${FIDELITY_VERSIONS[@]}" --jobs 2 \
    --doctor target/debug/bedrock-doctor
fi
