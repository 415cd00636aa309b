#!/usr/bin/env python3
"""Run every fidelity case against every requested Codex version and record what Codex did.

    observe_all.py [--versions 0.124.0 0.135.0 0.149.0 0.169.0] [--cases NAME ...]
                   [--jobs 2] [--out results.json] [--no-install]

Binaries are installed (or found, when already present) with install_codex.sh.  Each case x
version runs through run_case.run(): its own network namespace with only loopback, its own capture
proxy, temp HOME/CODEX_HOME.  At most 2 runs at a time (the machines have 2 cores).

Writes {"generated_at", "elapsed_s", "versions", "binaries", "observations": [...]} to --out and
prints a compact table to stderr.  Exit codes: 0 ok; 77 when Codex could not be installed because
the registry was unreachable (the caller may treat that as "skipped"); 1 when a run crashed.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as _dt
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_case  # noqa: E402

DEFAULT_VERSIONS = ["0.124.0", "0.135.0", "0.149.0", "0.169.0"]
CASES_DIR = os.path.join(HERE, "cases")


def install(versions: list[str]) -> dict[str, str]:
    r = subprocess.run(["bash", os.path.join(HERE, "install_codex.sh"), *versions],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    sys.stderr.write("".join(ln + "\n" for ln in r.stderr.splitlines() if "nodedir" not in ln))
    if r.returncode == 77:
        print("observe_all: npm registry unreachable; nothing observed", file=sys.stderr)
        sys.exit(77)
    bins = {}
    for ln in r.stdout.splitlines():
        if "\t" in ln:
            v, p = ln.split("\t", 1)
            bins[v] = p
    missing = [v for v in versions if v not in bins]
    if missing:
        sys.exit(f"observe_all: could not install {missing} (install_codex.sh rc={r.returncode})")
    return bins


def find_installed(versions: list[str]) -> dict[str, str]:
    import glob
    root = os.path.join(run_case.ROOT, ".fidelity", "codex")
    bins = {}
    for v in versions:
        hits = (glob.glob(os.path.join(root, v, "platform/package/vendor/*/bin/codex"))
                + glob.glob(os.path.join(root, v, "platform/package/vendor/*/codex/codex")))
        if not hits:
            sys.exit(f"observe_all: {v} not installed (drop --no-install)")
        bins[v] = hits[0]
    return bins


def cell(o: dict) -> str:
    if o.get("crash"):
        return "CRASH " + o["crash"][:60]
    f = o.get("first_bedrock_request")
    if f:
        host = f["host"] or "?"
        region = host.split(".")[1] if host.startswith("bedrock") else host
        if f["authorization_scheme"] == "sigv4":
            s = f["sigv4"]
            auth = f"sigv4 {s['access_key_id']} {s['region']}/{s['service']}"
        elif f["authorization_scheme"] == "bearer":
            auth = f"bearer …{f['bearer_token_last4']}"
        else:
            auth = f"auth={f['authorization_scheme']}"
        return f"{auth} host={region} {f['path']} x{o['bedrock_attempts']}"
    err = o.get("error_text") or (o.get("error_messages") or [None])[0]
    if err:
        first = err.splitlines()[0]
        return f"rc={o['exit_code']} {first[:150]}"
    return f"rc={o['exit_code']} timed_out={o['timed_out']} hosts={o.get('non_bedrock_hosts')}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--versions", nargs="+", default=DEFAULT_VERSIONS)
    ap.add_argument("--cases", nargs="+", help="case names under tests/fidelity/cases (default: all)")
    ap.add_argument("--cases-dir", default=CASES_DIR)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, help="per-run timeout override (seconds)")
    ap.add_argument("--out", default="results.json")
    ap.add_argument("--no-install", action="store_true", help="use already installed binaries only")
    a = ap.parse_args(argv)
    run_case._ensure_cryptography()

    t0 = time.monotonic()
    bins = find_installed(a.versions) if a.no_install else install(a.versions)
    t_install = time.monotonic() - t0
    names = a.cases or sorted(d for d in os.listdir(a.cases_dir)
                              if os.path.isdir(os.path.join(a.cases_dir, d)))
    jobs = [(c, v) for c in names for v in a.versions]

    def one(job):
        c, v = job
        try:
            return run_case.run(os.path.join(a.cases_dir, c), bins[v], timeout=a.timeout)
        except Exception as e:  # noqa: BLE001
            return {"case": c, "version": v, "crash": f"{type(e).__name__}: {e}"}

    t1 = time.monotonic()
    with cf.ThreadPoolExecutor(max_workers=max(1, min(a.jobs, 2))) as ex:
        obs = list(ex.map(one, jobs))
    t_runs = time.monotonic() - t1

    out = {
        "generated_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "install_s": round(t_install, 2),
        "runs_s": round(t_runs, 2),
        "versions": a.versions,
        "binaries": bins,
        "observations": obs,
    }
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
    for c in names:
        print(f"\n## {c}", file=sys.stderr)
        for o in obs:
            if o["case"] == c:
                print(f"  {o['version']:>8}  {cell(o)}", file=sys.stderr)
    print(f"\nobserve_all: {len(jobs)} runs in {t_runs:.1f}s (+{t_install:.1f}s install/check); "
          f"wrote {a.out}", file=sys.stderr)
    return 1 if any(o.get("crash") for o in obs) else 0


if __name__ == "__main__":
    sys.exit(main())
