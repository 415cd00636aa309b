#!/usr/bin/env python3
"""The release routine: check a Codex release against the compiled rules and say what to update.

    new_release.py                      # the newest @openai/codex on npm
    new_release.py --version 0.171.0    # a given release
    new_release.py --no-record          # only the model catalogs (seconds, not minutes)

Steps:
  1. `npm view @openai/codex version` (unless --version), then tests/fidelity/install_codex.sh V.
  2. `codex debug models` for both Bedrock providers (`amazon-bedrock`, `amazon-bedrock-runtime`),
     through the fidelity cases debug-models-mantle / debug-models-runtime, so it runs in a
     loopback-only network namespace like every other observation.
  3. Compares both lists with checks/catalog.toml (`[[model_catalog]]`, `[[runtime_catalog]]`, the
     entry whose `versions` covers V) and prints what to change: models added, removed, reordered,
     and a change of the default (the first entry, what Codex sends when `model` is unset).
  4. Unless --no-record: records every fidelity case on V into tests/fidelity/observed/V.json
     (record.py) and lists the cases whose recorded outcome differs from the newest tested release
     before V, the behaviour changes to review before extending a rule range to V.

Exit code: 0 when the rules are up to date for V (V is in `meta.tested_versions` and both catalogs
match), 1 when something must be updated (everything to do is printed), 2 when the job could not be
done, 77 when the npm registry cannot be reached.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_case  # noqa: E402
import record  # noqa: E402  (parse_models, load_stored)
import compare  # noqa: E402  (vkey)

ROOT = run_case.ROOT
CATALOG = os.path.join(ROOT, "checks", "catalog.toml")
PACKAGE = "@openai/codex"
PROVIDERS = [
    # (catalog table, fidelity case, provider id)
    ("model_catalog", "debug-models-mantle", "amazon-bedrock"),
    ("runtime_catalog", "debug-models-runtime", "amazon-bedrock-runtime"),
]


def newest_on_npm() -> str:
    try:
        r = subprocess.run(["npm", "view", PACKAGE, "version", "--fetch-retries=1", "--fetch-timeout=30000"],
                           capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"new_release: npm view failed: {e}", file=sys.stderr)
        sys.exit(77)
    v = r.stdout.strip()
    if r.returncode != 0 or not re.fullmatch(r"\d+\.\d+\.\d+", v):
        print(f"new_release: `npm view {PACKAGE} version` gave {v!r} ({r.stderr.strip()[-300:]})", file=sys.stderr)
        sys.exit(77)
    return v


def install(version: str) -> str:
    r = subprocess.run([os.path.join(HERE, "install_codex.sh"), version], capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        sys.exit(r.returncode if r.returncode == 77 else 2)
    for line in r.stdout.splitlines():
        v, _, path = line.partition("\t")
        if v == version and path:
            return path
    print(f"new_release: install_codex.sh printed no binary for {version}", file=sys.stderr)
    sys.exit(2)


# --- semver requirements as the catalog writes them (">=0.166.0, <0.171.0") ----------------------
def matches(req: str, version: str) -> bool:
    v = compare.vkey(version)
    for part in req.split(","):
        m = re.fullmatch(r"\s*(>=|<=|>|<|=)?\s*(\d+\.\d+\.\d+)\s*", part)
        if not m:
            raise ValueError(f"unsupported version requirement {req!r}")
        op, bound = m.group(1) or "=", compare.vkey(m.group(2))
        ok = {">=": v >= bound, "<=": v <= bound, ">": v > bound, "<": v < bound, "=": v == bound}[op]
        if not ok:
            return False
    return True


def catalog_entry(catalog: dict, table: str, version: str) -> dict | None:
    for entry in catalog.get(table, []):
        if matches(entry["versions"], version):
            return entry
    return None


def diff_models(table: str, entry: dict | None, observed: list[str], version: str = "",
                tested: tuple[str, ...] = ()) -> list[str]:
    """What to change in `[[table]]` so that it lists `observed`; empty when it already does."""
    expected = list(entry["models"]) if entry else []
    if expected == observed:
        return []
    where = f"[[{table}]] versions = \"{entry['versions']}\"" if entry else f"[[{table}]] (no entry covers it)"
    out = [f"{where}: Codex lists {len(observed)} models, the catalog {len(expected)}"]
    added = [m for m in observed if m not in expected]
    removed = [m for m in expected if m not in observed]
    if added:
        out.append("  added:   " + ", ".join(added))
    if removed:
        out.append("  removed: " + ", ".join(removed))
    common_obs = [m for m in observed if m in expected]
    common_exp = [m for m in expected if m in observed]
    if common_obs != common_exp:
        out.append("  reordered: " + " > ".join(common_obs))
    if (expected[:1] or [None])[0] != (observed[:1] or [None])[0]:
        out.append(f"  default (model unset): {(expected[:1] or ['none'])[0]} -> {(observed[:1] or ['none'])[0]}")
    older = [t for t in tested if entry and t != version and matches(entry["versions"], t)]
    if older:
        # The entry also holds for releases already observed: keep it for them, start a new one.
        out.append(f"  split it: end that entry at \"<{version}\" (it holds for {', '.join(older)}) and add "
                   f"[[{table}]] versions = \">={version}\" with the new list")
    out.append("  new list: " + json.dumps(observed))
    return out


def debug_models(binary: str, case: str) -> list[str] | None:
    obs = run_case.run(os.path.join(HERE, "cases", case), binary)
    return record.parse_models(obs.get("stdout"))


def behaviour_changes(version: str, tested: list[str]) -> tuple[str | None, list[str]]:
    """Cases whose recorded outcome on `version` differs from the newest tested release before it."""
    before = [t for t in tested if compare.vkey(t) < compare.vkey(version)]
    if not before:
        return None, []
    prev = max(before, key=compare.vkey)
    old, new = record.load_stored(record.OBSERVED_DIR, prev), record.load_stored(record.OBSERVED_DIR, version)
    if not old or not new:
        return prev, []
    out = []
    for case in sorted(set(old["cases"]) | set(new["cases"])):
        a, b = old["cases"].get(case), new["cases"].get(case)
        if a == b:
            continue
        fields = [k for k, _, _ in record.drifts(a or {}, b or {})]
        out.append(f"{case}: {', '.join(fields[:6])}{' …' if len(fields) > 6 else ''}")
    return prev, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", help="the release to check (default: the newest on npm)")
    ap.add_argument("--no-record", action="store_true", help="compare the model catalogs only")
    ap.add_argument("--jobs", type=int, default=2, help="record.py parallel runs (at most 2)")
    ap.add_argument("--catalog", default=CATALOG, help="the rule catalog to compare with (default: checks/catalog.toml)")
    a = ap.parse_args(argv)
    try:
        import cryptography  # noqa: F401
    except ImportError:
        if os.path.exists(run_case.VENV_PY) and os.path.realpath(sys.executable) != os.path.realpath(run_case.VENV_PY):
            os.execv(run_case.VENV_PY, [run_case.VENV_PY, os.path.abspath(__file__), *sys.argv[1:]])
        print("new_release: the `cryptography` package is missing; run tests/fidelity/setup_venv.sh", file=sys.stderr)
        return 2

    version = a.version or newest_on_npm()
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        print(f"new_release: {version!r} is not a release version (X.Y.Z)", file=sys.stderr)
        return 2
    print(f"new_release: Codex {version}")
    binary = install(version)
    with open(a.catalog, "rb") as f:
        catalog = tomllib.load(f)
    meta = catalog["meta"]
    todo: list[str] = []

    tested = list(meta["tested_versions"])
    if version not in tested:
        todo.append(f"checks/catalog.toml [meta]: add \"{version}\" to tested_versions")
    if compare.vkey(version) > compare.vkey(meta["newest_known"]):
        todo.append(f"checks/catalog.toml [meta]: newest_known = \"{version}\" (now {meta['newest_known']}), "
                    "and set `verified` to today's date")

    for table, case, provider in PROVIDERS:
        observed = debug_models(binary, case)
        if observed is None:
            print(f"new_release: `codex debug models` with {provider} printed no catalog", file=sys.stderr)
            return 2
        print(f"  {provider}: {len(observed)} models, default {observed[0] if observed else 'none'}")
        lines = diff_models(table, catalog_entry(catalog, table, version), observed, version,
                            tuple(t for t in tested if compare.vkey(t) < compare.vkey(version)))
        if lines:
            todo.append("checks/catalog.toml " + "\n    ".join(lines))

    if not a.no_record:
        r = subprocess.run([sys.executable, os.path.join(HERE, "record.py"), "--versions", version,
                            "--jobs", str(max(1, min(a.jobs, 2)))])
        if r.returncode != 0:
            print(f"new_release: record.py failed ({r.returncode})", file=sys.stderr)
            return 2
        prev, changes = behaviour_changes(version, tested)
        if changes:
            todo.append(f"tests/fidelity/observed/{version}.json differs from {prev} in {len(changes)} case(s); "
                        "review each and move the rule boundaries it shows:\n    " + "\n    ".join(changes))
        if version not in tested:
            todo.append(f"tests/run.sh: add {version} to REOBSERVE_VERSIONS if it is the new side of a change; "
                        "then `cargo test --test replay` must pass")

    if not todo:
        print(f"new_release: the rules are up to date for Codex {version}")
        return 0
    print(f"\nnew_release: the rules are behind Codex {version}. To update:")
    for i, t in enumerate(todo, 1):
        print(f"  {i}. {t}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
