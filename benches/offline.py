#!/usr/bin/env python3
"""Times `bedrock-doctor check --offline` against `codex doctor` on the same Bedrock config.

Usage: benches/offline.py [--runs N] [--codex PATH] [--doctor PATH]

Reports medians over N runs (after 3 warm-ups) for:
  startup   `bedrock-doctor --version` (process start-up, nothing gathered)
  check     `bedrock-doctor check --offline --codex-version X` (all offline checks, no `codex --version`)
  check+bin `bedrock-doctor check --offline --codex-bin CODEX` (also runs `codex --version`)
  codex     `codex doctor --json` (when a Codex binary is available)
and the ratios the foundation issue sets targets for (check/codex <= 0.25; check - startup < 10 ms).

Codex's own doctor probes chatgpt.com and github.com, so it runs in a network namespace that has only
loopback (`unshare -n`); where that is not permitted it is skipped, never run against the network.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CONFIG = """# a typical onboarding config
model_provider = "amazon-bedrock"
model = "openai.gpt-5.5"

[model_providers.amazon-bedrock.aws]
profile = "dev"
region = "us-east-1"
"""
AWS_CONFIG = "[profile dev]\nregion = us-east-1\nsso_session = corp\n[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"


def median_ms(argv, env, runs, warmup=3):
    samples = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        if i >= warmup:
            samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), min(samples), max(samples)


def find_codex(explicit):
    if explicit:
        return explicit
    local = os.path.join(ROOT, ".fidelity", "codex")
    if os.path.isdir(local):
        versions = [v for v in os.listdir(local) if all(p.isdigit() for p in v.split("."))]
        for version in sorted(versions, key=lambda v: [int(x) for x in v.split(".")], reverse=True):
            for sub in ("platform/package/vendor/x86_64-unknown-linux-musl/bin/codex", "platform/package/vendor/x86_64-unknown-linux-musl/codex/codex"):
                path = os.path.join(local, version, sub)
                if os.path.exists(path):
                    return path
    return shutil.which("codex")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--codex")
    ap.add_argument("--doctor", default=os.path.join(ROOT, "target", "release", "bedrock-doctor"))
    args = ap.parse_args()
    if not os.path.exists(args.doctor):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    codex = find_codex(args.codex)

    home = tempfile.mkdtemp(prefix="bd-bench-")
    os.makedirs(os.path.join(home, ".codex"))
    os.makedirs(os.path.join(home, ".aws"))
    with open(os.path.join(home, ".codex", "config.toml"), "w") as f:
        f.write(CONFIG)
    with open(os.path.join(home, ".aws", "config"), "w") as f:
        f.write(AWS_CONFIG)
    env = {"HOME": home, "PATH": "/usr/bin:/bin", "AWS_EC2_METADATA_DISABLED": "true"}

    rows = []
    startup = median_ms([args.doctor, "--version"], env, args.runs)
    rows.append(("startup", startup))
    check = median_ms([args.doctor, "check", "--offline", "--codex-version", "0.169.0"], env, args.runs)
    rows.append(("check", check))
    codex_ms = None
    if codex:
        rows.append(("check+bin", median_ms([args.doctor, "check", "--offline", "--codex-bin", codex], env, args.runs)))
        netns = ["unshare", "-n", "--", "sh", "-c", 'ip link set lo up 2>/dev/null; exec "$@"', "sh"]
        probe = subprocess.run(netns + ["true"], capture_output=True)
        if probe.returncode == 0:
            # A closed loopback proxy makes its network probes fail at once instead of waiting on DNS.
            codex_env = dict(env, HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9")
            codex_ms = median_ms(netns + [codex, "doctor", "--json"], codex_env, max(5, args.runs // 3), warmup=1)
            rows.append(("codex", codex_ms))
        else:
            print("codex doctor: skipped (cannot create a loopback-only network namespace here)")
    else:
        print("codex doctor: skipped (no Codex binary; pass --codex PATH)")

    print(f"{'case':<10} {'median ms':>10} {'min':>8} {'max':>8}")
    for name, (med, lo, hi) in rows:
        print(f"{name:<10} {med:>10.2f} {lo:>8.2f} {hi:>8.2f}")
    work = check[0] - startup[0]
    print(f"work apart from start-up: {work:.2f} ms (target < 10 ms)")
    if codex_ms:
        print(f"ratio check / codex doctor: {check[0] / codex_ms[0]:.3f} (target <= 0.25)")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
