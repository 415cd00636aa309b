#!/usr/bin/env python3
"""Live checks run concurrently: with every endpoint (STS, Bedrock, Mantle) delayed by D, `check` should
take about D (credentials are local), not 3 x D; with the probe's endpoint black-holed it must return
within --timeout + 0.5 s.

Usage: benches/live.py [--delay-ms 1000] [--runs 5]   (needs .venv from tests/live/setup.sh)
Everything runs on 127.0.0.1 against tests/live/standin.py.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = os.path.join(ROOT, ".venv", "bin", "python")
AKID, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
CONFIG = 'model_provider = "amazon-bedrock"\nmodel = "openai.gpt-5.5"\n[model_providers.amazon-bedrock.aws]\nregion = "us-east-1"\n'


def standin(delay_ms):
    proc = subprocess.Popen(
        [PY, os.path.join(ROOT, "tests/live/standin.py"), "--credentials", f"{AKID}:{SECRET}", "--model", "openai.gpt-5.5", "--delay-ms", str(delay_ms)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return proc, json.loads(proc.stdout.readline())


def timed(doctor, env, args, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([doctor, "check", "--codex-version", "0.169.0", "--format", "json", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay-ms", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--doctor", default=os.path.join(ROOT, "target", "release", "bedrock-doctor"))
    a = ap.parse_args()
    if not os.path.exists(PY):
        print("SKIP: .venv missing (tests/live/setup.sh)")
        return 0
    if not os.path.exists(a.doctor):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    home = tempfile.mkdtemp(prefix="bd-live-bench-")
    os.makedirs(os.path.join(home, ".codex"))
    with open(os.path.join(home, ".codex", "config.toml"), "w") as f:
        f.write(CONFIG)
    base = {"HOME": home, "PATH": "", "AWS_ACCESS_KEY_ID": AKID, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_EC2_METADATA_DISABLED": "true"}

    offline = timed(a.doctor, base, ["--offline"], a.runs)
    proc, ready = standin(a.delay_ms)
    env = dict(base, AWS_ENDPOINT_URL=ready["http"], AWS_ENDPOINT_URL_BEDROCK_MANTLE=ready["http"])
    live = timed(a.doctor, env, ["--timeout", str(a.delay_ms / 1000 * 3)], a.runs)
    bound = 1.2 * a.delay_ms + offline
    print(f"offline check:                {offline:8.1f} ms")
    print(f"live check, endpoints +{a.delay_ms} ms: {live:8.1f} ms  (sequential would be >= {3 * a.delay_ms} ms)")
    print(f"ratio live / delay:           {live / a.delay_ms:8.3f}  (target <= 1.2 x D + offline = {bound:.0f} ms: {'ok' if live <= bound else 'MISSED'})")

    env_bh = dict(base, AWS_ENDPOINT_URL=ready["http"], AWS_ENDPOINT_URL_BEDROCK_MANTLE=ready["blackhole"])
    timeout_s = 2
    hole = timed(a.doctor, env_bh, ["--timeout", str(timeout_s)], max(2, a.runs // 2))
    print(f"probe black-holed, --timeout {timeout_s}: {hole:8.1f} ms  (target <= {timeout_s * 1000 + 500} ms: {'ok' if hole <= timeout_s * 1000 + 500 else 'MISSED'})")
    proc.stdin.close()
    proc.wait(timeout=5)
    shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
