#!/usr/bin/env python3
"""Races `bedrock-doctor fix` against a concurrent editor: N runs, each starting `fix` on a config with
a fixable typo while another writer saves an edit (a marker line) after a random delay, half the time in
place and half by an atomic rename, as editors do. A run *loses the edit* when the marker is gone from
the final file and fix did not report a refusal or conflict (exit 2). Bar: 0 lost.

Usage: benches/fix_race.py [--runs 150] [--bin target/release/bedrock-doctor]
"""
import argparse
import os
import random
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = 'model_provider = "amazon-bedrok"\nmodel = "openai.gpt-5.5"\n\n[model_providers.amazon-bedrock.aws]\nregion = "us-east-1"\n'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=150)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/bedrock-doctor"))
    args = ap.parse_args()
    lost = refused = clean = 0
    for i in range(args.runs):
        with tempfile.TemporaryDirectory() as home:
            codex = os.path.join(home, ".codex")
            os.makedirs(codex)
            path = os.path.join(codex, "config.toml")
            with open(path, "w") as f:
                f.write(CONFIG)
            env = {"HOME": home, "PATH": ""}
            proc = subprocess.Popen([args.bin, "fix", "--codex-version", "0.169.0"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(random.uniform(0, 0.02))
            marker = f"# edit {i}\n"
            with open(path) as f:
                current = f.read()
            if i % 2:
                with open(path, "a") as f:
                    f.write(marker)
            else:
                tmp = path + ".editor"
                with open(tmp, "w") as f:
                    f.write(current + marker)
                os.rename(tmp, path)
            code = proc.wait()
            with open(path) as f:
                final = f.read()
            kept = marker in final or any(
                marker in open(os.path.join(codex, n)).read() for n in os.listdir(codex) if "concurrent-edit" in n)
            if not kept and code != 2:
                lost += 1
            elif code == 2:
                refused += 1
            else:
                clean += 1
    print(f"{args.runs} racing runs: {lost} lost an edit silently, {refused} refused/conflict (exit 2), "
          f"{clean} kept the edit")


if __name__ == "__main__":
    main()
