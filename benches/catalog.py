#!/usr/bin/env python3
"""Times reading the installed Codex's model catalog (`codex debug models`) in `check --offline`.

Usage: benches/catalog.py [--runs N] [--doctor PATH] [VERSION ...]   (default: 0.169.0 0.171.0)

For each installed `.fidelity` release, medians over N runs (after 2 warm-ups) of
`bedrock-doctor check --offline --codex-bin CODEX`:
  compiled  with `--codex-version` too: no catalog read, no `codex --version` (the baseline)
  cold      an empty cache directory every run: both `debug models` runs happen
  cached    the cache filled once: one small file read instead
The doctor runs in a network namespace with only loopback (`unshare -n`), as every run of a real Codex
binary in this repository does; where that is not permitted the bench stops.
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
CONFIG = 'model_provider = "amazon-bedrock"\nmodel = "openai.gpt-6.1-sol"\n\n[model_providers.amazon-bedrock.aws]\nregion = "us-east-1"\n'


def codex_binary(version):
    for sub in ("bin/codex", "codex/codex"):
        path = os.path.join(ROOT, ".fidelity/codex", version, "platform/package/vendor/x86_64-unknown-linux-musl", sub)
        if os.path.exists(path):
            return path
    return None


def inner(args):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    doctor = args.doctor
    for version in args.versions:
        codex = codex_binary(version)
        if not codex:
            print(f"{version}: not installed (tests/fidelity/install_codex.sh {version})")
            continue
        with tempfile.TemporaryDirectory() as root:
            home = os.path.join(root, "home")
            os.makedirs(os.path.join(home, ".codex"))
            with open(os.path.join(home, ".codex", "config.toml"), "w") as f:
                f.write(CONFIG)
            cache = os.path.join(root, "cache")
            env = {"HOME": home, "PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": cache}
            base = [doctor, "check", "--offline", "--codex-bin", codex]

            def median(argv, before=None):
                samples = []
                for i in range(2 + args.runs):
                    if before:
                        before()
                    start = time.perf_counter()
                    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
                    if i >= 2:
                        samples.append((time.perf_counter() - start) * 1000)
                return statistics.median(samples), min(samples), max(samples)

            compiled = median(base + ["--codex-version", version])
            cold = median(base, before=lambda: shutil.rmtree(cache, ignore_errors=True))
            cached = median(base)
            for name, (med, lo, hi) in (("compiled", compiled), ("cold", cold), ("cached", cached)):
                print(f"{version} {name:8} median {med:7.1f} ms  (min {lo:.1f}, max {hi:.1f})")
            print(f"{version} catalog read: cold +{cold[0] - compiled[0]:.1f} ms, cached +{cached[0] - compiled[0]:.1f} ms over compiled")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--doctor", default=os.path.join(ROOT, "target/release/bedrock-doctor"))
    parser.add_argument("--inner", action="store_true")
    parser.add_argument("versions", nargs="*", default=["0.169.0", "0.171.0"])
    args = parser.parse_args()
    if args.inner:
        return inner(args)
    if not os.path.exists(args.doctor):
        sys.exit(f"{args.doctor} not found: cargo build --release")
    unshare = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
    argv = unshare + [sys.executable, os.path.abspath(__file__), "--inner", "--runs", str(args.runs), "--doctor", args.doctor] + args.versions
    sys.exit(subprocess.run(argv).returncode)


if __name__ == "__main__":
    main()
