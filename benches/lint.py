#!/usr/bin/env python3
"""Throughput of `bedrock-doctor lint`: generates N config templates (mixed good and bad: Runtime ids,
unsupported regions, forbidden keys, malformed TOML, secrets, profile files, .env examples) and times
`lint` over the directory. Target: >= 5,000 files/s on the 2-core CI machine.

Usage: benches/lint.py [--files 10000] [--runs 3]
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

VARIANTS = [
    'model_provider = "amazon-bedrock"\nmodel = "openai.gpt-5.5"\n\n[model_providers.amazon-bedrock.aws]\nregion = "us-east-2"\n',
    '# team template\nmodel_provider = "amazon-bedrock"\nmodel = "openai.gpt-oss-120b-1:0"\n[model_providers.amazon-bedrock.aws]\nregion = "us-west-1"\nwire_api = "responses"\n',
    'model_provider = "amazon-bedrock"\nmodel = "gpt-5.5"\n[model_providers.amazon-bedrock]\nname = "Amazon Bedrock"\n',
    'model_provider = "amazon-bedrock"\n[model_providers.amazon-bedrock.aws\nregion = "x"\n',
    'model_provider = "amazon-bedrock"\nmodel = "openai.gpt-6.1-sol"\nexperimental_bearer_token = "ABSKQmVkcm9ja0FQSUtleS1iZW5jaDEyMzQ1Njc4OTA="\n',
    'model_providers.amazon-bedrock.aws.region = "eu-west-1"\nmodel_provider = "amazon-bedrock"\nweb_search = "off"\n',
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--doctor", default=os.path.join(ROOT, "target", "release", "bedrock-doctor"))
    a = ap.parse_args()
    if not os.path.exists(a.doctor):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    root = tempfile.mkdtemp(prefix="bd-lint-bench-")
    for i in range(a.files):
        d = os.path.join(root, f"team{i // 100:03d}")
        os.makedirs(d, exist_ok=True)
        if i % 50 == 49:
            name = f".env.t{i}.example"
            text = "AWS_REGION=us-east-1\nAWS_BEARER_TOKEN_BEDROCK=<your key>\n"
        elif i % 10 == 9:
            name = f"p{i}.config.toml"
            text = '[model_providers.amazon-bedrock.aws]\nregion = "eu-west-3"\n'
        else:
            name = f"t{i}.toml" if i % 100 else "config.toml"
            text = VARIANTS[i % len(VARIANTS)]
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    count = sum(len(files) for _, _, files in os.walk(root))
    assert count == a.files, f"generated {count} files, wanted {a.files}"
    samples = []
    for _ in range(a.runs):
        start = time.perf_counter()
        out = subprocess.run([a.doctor, "lint", "--format", "json", root], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={"PATH": ""})
        samples.append(time.perf_counter() - start)
        assert out.returncode in (0, 1), out.stderr
    best, median = min(samples), statistics.median(samples)
    print(f"{a.files} templates on {os.cpu_count()} cores: median {median:.3f} s, best {best:.3f} s")
    print(f"throughput: {a.files / median:,.0f} files/s (target >= 5,000)")
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
