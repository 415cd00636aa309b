#!/usr/bin/env python3
"""Record what each released Codex build does with each fidelity case, and keep it in the repo.

    record.py [--versions V ...] [--cases NAME ...] [--jobs 2] [--out-dir DIR] [--timeout S]
    record.py --check [--versions V ...] [--cases NAME ...] [--jobs 2] [--out-dir DIR]

Default: every case under tests/fidelity/cases, every version in `meta.tested_versions` of
checks/catalog.toml.  Each case x version runs through run_case.run() (loopback-only network
namespace, capture proxy answering 400), at most 2 at a time.  Missing Codex versions are installed
with install_codex.sh (exit 77 when the npm registry is unreachable then).

Record mode writes one file per version, tests/fidelity/observed/<version>.json:

    {"version": "0.169.0", "binary_version": "codex-cli 0.169.0", "cases": {"<case>": OBS, ...}}

with `json.dumps(..., indent=1, sort_keys=True)` and a trailing newline.  Without --cases the file is
rewritten with exactly the current cases; with --cases only those cases are replaced in the existing
file.  OBS is one of (see tests/fidelity/README.md, "Recorded observations"):

    {"outcome": "bedrock", "exit_code", "request": {...}, "credential_sources": [...]}
    {"outcome": "error", "exit_code", "error"}
    {"outcome": "other-host", "exit_code", "request": {"method", "host", "path"}}
    {"outcome": "models", "exit_code", "models": [...]}
    {"outcome": "nothing", "exit_code", "timed_out", "stderr_tail"}

--check re-observes and compares with the stored files field by field, prints every drift
(case, version, field, stored, fresh) and ends with exactly `N passed, M failed` (case x version
pairs).  Exit 1 on any drift, missing stored observation or crashed run; 0 otherwise; 77 only when a
Codex version must be installed and the registry is unreachable.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import re
import subprocess
import sys
import threading
import time
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_case  # noqa: E402
import compare  # noqa: E402  (expected_credential, expected_source_for, find_binaries, vkey)

ROOT = run_case.ROOT
CASES_DIR = os.path.join(HERE, "cases")
OBSERVED_DIR = os.path.join(HERE, "observed")
CATALOG = os.path.join(ROOT, "checks", "catalog.toml")
MODEL_PATH_SUFFIX = "/responses"

# Every credential source name compare.expected_credential() knows.
SOURCES = ["env-access-keys", "dotenv-access-keys", "env-bearer", "dotenv-bearer", "managed-api-key",
           "managed-access-keys", "config-profile", "sdk-chain", "provider-command", "credential-export"]

# Free text (error texts, stderr tails) must not carry run-specific values.
TIMESTAMP_RE = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?")
AMZ_DATE_RE = re.compile(r"\b\d{8}T\d{6}Z\b")


def tested_versions() -> list[str]:
    with open(CATALOG, "rb") as f:
        return list(tomllib.load(f)["meta"]["tested_versions"])


def all_cases(cases_dir: str) -> list[str]:
    return sorted(d for d in os.listdir(cases_dir) if os.path.isdir(os.path.join(cases_dir, d)))


def binary_version(binary: str) -> str:
    r = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL, env={"PATH": run_case.BASE_PATH, "HOME": "/nonexistent"})
    return r.stdout.strip()


# ------------------------------------------------------------------------------------------
# secrets: only the cases' fakes may be stored, and never a secret key or a whole bearer value
# ------------------------------------------------------------------------------------------
SECRET_NAME = re.compile(r"secret|token|password|api_key|apikey", re.I)


def case_secrets(case_dir: str, case: dict) -> list[str]:
    """Every secret value a case defines (secret keys, session tokens, bearer values)."""
    vals: list[str] = []
    for k, v in (case.get("env") or {}).items():
        if SECRET_NAME.search(str(k)):
            vals.append(str(v))
    for k, v in compare.read_dotenv(case_dir).items():
        if SECRET_NAME.search(k):
            vals.append(v)
    p = os.path.join(case_dir, "auth.json")
    if os.path.exists(p):
        try:
            aj = json.load(open(p))
        except ValueError:
            aj = {}

        def walk(x, key=""):
            if isinstance(x, dict):
                for k, v in x.items():
                    walk(v, k)
            elif isinstance(x, list):
                for v in x:
                    walk(v, key)
            elif isinstance(x, str) and SECRET_NAME.search(key):
                vals.append(x)
        walk(aj)
    for fn in ("aws_credentials", "aws_config"):
        ini = compare.read_ini(case_dir, fn)
        if ini:
            for sect in ini.sections():
                for k, v in ini.items(sect):
                    if SECRET_NAME.search(k):
                        vals.append(v)
    out = set()
    for v in vals:
        v = v.strip()
        if len(v) >= 8:
            out.add(v)
    return sorted(out, key=len, reverse=True)


# Secret shapes, whatever their origin (a value a case file hides in, say, a command's args):
# a Bedrock API key, a 40-character AWS secret access key, a SigV4 signature, a bearer header.
SECRET_SHAPES = [
    re.compile(r"bedrock-api-key-[A-Za-z0-9+/=_.-]{4,}"),
    re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"),
    re.compile(r"Signature=[0-9a-fA-F]{16,}"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"),
]


def scrub(x, secrets: list[str], hits: list[str]):
    """Replace every secret value of the case, and anything shaped like a secret, by <secret>."""
    if isinstance(x, str):
        for s in secrets:
            if s in x:
                hits.append(s[:4] + "…")
                x = x.replace(s, "<secret>")
        for rx in SECRET_SHAPES:
            for m in rx.findall(x):
                hits.append(m[:4] + "…")
            x = rx.sub("<secret>", x)
        return x
    if isinstance(x, list):
        return [scrub(i, secrets, hits) for i in x]
    if isinstance(x, dict):
        return {k: scrub(v, secrets, hits) for k, v in x.items()}
    return x


def clean_text(s: str | None) -> str | None:
    if s is None:
        return None
    return AMZ_DATE_RE.sub("<AMZ_DATE>", TIMESTAMP_RE.sub("<TIMESTAMP>", s))


# ------------------------------------------------------------------------------------------
# observation -> stored OBS
# ------------------------------------------------------------------------------------------
def parse_models(stdout: str | None):
    """Slugs of `codex debug models` JSON on stdout, in output order; None when it is not that."""
    if not stdout:
        return None
    candidates = [stdout.strip()] + [ln for ln in stdout.splitlines() if ln.startswith("{")]
    for text in candidates:
        try:
            doc = json.loads(text)
        except ValueError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("models"), list):
            return [m.get("slug") for m in doc["models"] if isinstance(m, dict)]
    return None


def credential_values(case_dir: str, case: dict) -> list[tuple[str, str]]:
    """Every string a case defines that a request might carry as a credential, with where it is
    written: `env:K`, `dotenv:K`, `auth.json:a.b`, `<file>:a.b` for config.toml and profile files,
    and `command:<table>` for an `/bin/echo` auth command's output. The cases give each fake secret
    distinct last 4 characters, so the last 4 of a header name where it came from."""
    out: list[tuple[str, str]] = []
    for k, v in (case.get("env") or {}).items():
        out.append((f"env:{k}", str(v)))
    for k, v in compare.read_dotenv(case_dir).items():
        out.append((f"dotenv:{k}", v))

    def walk(label, x, path=""):
        if isinstance(x, dict):
            for k, v in x.items():
                walk(label, v, f"{path}.{k}" if path else str(k))
                if k == "auth" and isinstance(v, dict) and v.get("command") in ("/bin/echo", "echo"):
                    out.append((f"command:{path + '.' if path else ''}auth",
                                " ".join(str(a) for a in v.get("args", [])).strip()))
        elif isinstance(x, list):
            for v in x:
                walk(label, v, path)
        elif isinstance(x, str):
            out.append((f"{label}:{path}", x))
    p = os.path.join(case_dir, "auth.json")
    if os.path.exists(p):
        try:
            walk("auth.json", json.load(open(p)))
        except ValueError:
            pass
    for fn in sorted(os.listdir(case_dir)):
        if fn == "config.toml" or fn.endswith(".config.toml"):
            try:
                with open(os.path.join(case_dir, fn), "rb") as f:
                    walk(fn, tomllib.load(f))
            except (tomllib.TOMLDecodeError, OSError):
                pass
    return out


def credential_headers(case_dir: str, case: dict, headers: dict | None) -> dict:
    """{header: {"last4", "origins"}} for every header that carried a credential; `origins` lists
    where the case writes a value with those last 4 characters (see credential_values)."""
    values = credential_values(case_dir, case)
    out = {}
    for name, last4 in sorted((headers or {}).items()):
        origins = sorted({label for label, v in values if last4 and len(v.strip()) >= 8 and v.strip()[-4:] == last4})
        out[name] = {"last4": last4, "origins": origins}
    return out


def banner(obs: dict) -> dict:
    """What `codex exec` printed in its banner: the provider id and the model it runs with."""
    return {"provider": obs.get("provider_line"), "model": obs.get("model_line")}


def bedrock_request(fb: dict) -> dict:
    scheme = fb.get("authorization_scheme")
    sig = fb.get("sigv4")
    sigv4 = None
    if scheme == "sigv4" and sig:
        sigv4 = {
            "service": sig.get("service"),
            "region": sig.get("region"),
            "access_key_id": sig.get("access_key_id"),
            "signed_headers": sorted((sig.get("signed_headers") or "").split(";")) if sig.get("signed_headers") else [],
            "security_token": bool(sig.get("security_token_present")),
        }
    tool_types = (fb.get("body_summary") or {}).get("tool_types") or []
    return {
        "method": fb.get("method"),
        "host": fb.get("host"),
        "path": fb.get("path"),
        "url": fb.get("url"),
        "via": fb.get("via"),
        "auth": scheme,
        "sigv4": sigv4,
        "bearer_last4": fb.get("bearer_token_last4") if scheme == "bearer" else None,
        "model": fb.get("model"),
        "web_search_tool": any(t in ("web_search", "web_search_preview") for t in tool_types),
    }


def credential_sources(case_dir: str, case: dict, req: dict) -> list[str]:
    if req["auth"] == "sigv4":
        seen = ("sigv4", (req["sigv4"] or {}).get("access_key_id"))
    elif req["auth"] == "bearer":
        seen = ("bearer", req["bearer_last4"])
    else:
        return []
    return sorted(s for s in SOURCES if compare.expected_credential(case_dir, case, s) == seen)


def to_stored(case_dir: str, case: dict, obs: dict) -> dict:
    rc = obs.get("exit_code")
    if case.get("observe") == "models":
        models = parse_models(obs.get("stdout"))
        if models is not None:
            return {"outcome": "models", "exit_code": rc, "models": models}
    fb = obs.get("first_bedrock_request")
    if fb:
        req = bedrock_request(fb)
        req["credential_headers"] = credential_headers(case_dir, case, fb.get("credential_headers"))
        return {"outcome": "bedrock", "exit_code": rc, "request": req, "banner": banner(obs),
                "credential_sources": credential_sources(case_dir, case, req)}
    model_reqs = [r for r in obs.get("requests", [])
                  if r.get("category") != "bedrock"
                  and (r.get("path") or "").split("?")[0].endswith(MODEL_PATH_SUFFIX)]
    if model_reqs:
        r0 = model_reqs[0]
        scheme = r0.get("authorization_scheme")
        return {"outcome": "other-host", "exit_code": rc, "banner": banner(obs),
                "request": {"method": r0.get("method"), "host": r0.get("host"), "path": r0.get("path"),
                            "url": r0.get("url"), "via": r0.get("via"), "auth": scheme,
                            "bearer_last4": r0.get("bearer_token_last4") if scheme == "bearer" else None,
                            "credential_headers": credential_headers(case_dir, case, r0.get("credential_headers")),
                            "model": r0.get("model")}}
    if obs.get("error_text"):
        return {"outcome": "error", "exit_code": rc, "error": clean_text(obs["error_text"]), "banner": banner(obs)}
    return {"outcome": "nothing", "exit_code": rc, "timed_out": bool(obs.get("timed_out")),
            "banner": banner(obs), "stderr_tail": clean_text(obs.get("stderr_tail") or "")}


# ------------------------------------------------------------------------------------------
# files
# ------------------------------------------------------------------------------------------
def dumps(doc: dict) -> str:
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def load_stored(out_dir: str, version: str) -> dict | None:
    p = os.path.join(out_dir, f"{version}.json")
    if not os.path.exists(p):
        return None
    with open(p) as f:
        return json.load(f)


def flatten(x, prefix="") -> dict:
    """Dotted paths to leaves; lists are leaves (compared whole)."""
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else k))
        if not x and prefix:
            out[prefix] = {}
        return out
    return {prefix: x}


_MISSING = "<absent>"


def drifts(stored: dict, fresh: dict) -> list[tuple[str, object, object]]:
    a, b = flatten(stored), flatten(fresh)
    out = []
    for k in sorted(set(a) | set(b)):
        va, vb = a.get(k, _MISSING), b.get(k, _MISSING)
        if va != vb:
            out.append((k, va, vb))
    return out


# ------------------------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--versions", nargs="+", help="default: meta.tested_versions of checks/catalog.toml")
    ap.add_argument("--cases", nargs="+", help="case names under tests/fidelity/cases (default: all)")
    ap.add_argument("--cases-dir", default=CASES_DIR)
    ap.add_argument("--out-dir", default=OBSERVED_DIR, help="where <version>.json live (default: observed/)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel runs (at most 2)")
    ap.add_argument("--timeout", type=float, help="per-run Codex timeout override (seconds)")
    ap.add_argument("--check", action="store_true", help="compare fresh observations with the stored files")
    a = ap.parse_args(argv)
    try:
        import cryptography  # noqa: F401
    except ImportError:
        # run_case._ensure_cryptography() would re-execute run_case.py, not this script
        if os.path.exists(run_case.VENV_PY) and os.path.realpath(sys.executable) != os.path.realpath(run_case.VENV_PY):
            os.execv(run_case.VENV_PY, [run_case.VENV_PY, os.path.abspath(__file__), *sys.argv[1:]])
        sys.exit("record: the `cryptography` package is missing; run tests/fidelity/setup_venv.sh")

    t0 = time.monotonic()
    versions = a.versions or tested_versions()
    names = a.cases or all_cases(a.cases_dir)
    for n in names:
        if not os.path.isdir(os.path.join(a.cases_dir, n)):
            sys.exit(f"record: no case {n!r} in {a.cases_dir}")
    bins = compare.find_binaries(versions)   # installs missing ones; exits 77 if the registry is down
    bversions = {v: binary_version(bins[v]) for v in versions}
    cases = {n: run_case.load_case(os.path.join(a.cases_dir, n)) for n in names}
    secrets = {n: case_secrets(os.path.join(a.cases_dir, n), cases[n]) for n in names}
    jobs = [(c, v) for v in versions for c in names]
    lock = threading.Lock()
    done = [0]
    warnings: list[str] = []

    def warn(msg: str):
        with lock:
            warnings.append(msg)
            print(f"\n!!! WARNING: {msg}", file=sys.stderr, flush=True)

    def one(job):
        c, v = job
        case_dir = os.path.join(a.cases_dir, c)
        try:
            obs = run_case.run(case_dir, bins[v], timeout=a.timeout)
        except Exception as e:  # noqa: BLE001
            warn(f"{c} @ {v}: run crashed: {type(e).__name__}: {e}")
            return c, v, None
        stored = to_stored(case_dir, cases[c], obs)
        hits: list[str] = []
        stored = scrub(stored, secrets[c], hits)
        if hits:
            warn(f"{c} @ {v}: a secret of the case appeared in the observation ({', '.join(sorted(set(hits)))}); "
                 "replaced by <secret>")
        if stored["outcome"] == "nothing":
            warn(f"{c} @ {v}: outcome `nothing` (exit {stored['exit_code']}, timed_out={stored['timed_out']}): "
                 "no Bedrock request, no error, no model request; the case or the harness may be broken")
        want = compare.expected_source_for(cases[c], v)
        if want and stored["outcome"] == "bedrock" and want not in stored["credential_sources"]:
            what = ("Codex sent no Authorization header" if stored["request"]["auth"] is None
                    else f"the credential Codex sent matches {stored['credential_sources'] or 'no source'}")
            warn(f"{c} @ {v}: expect_source = {want!r} but {what}")
        with lock:
            done[0] += 1
            if sys.stderr.isatty():
                print(f"\rrecord: {done[0]}/{len(jobs)}", end="", file=sys.stderr, flush=True)
        return c, v, stored

    t1 = time.monotonic()
    with cf.ThreadPoolExecutor(max_workers=max(1, min(a.jobs, 2))) as ex:
        results = list(ex.map(one, jobs))
    t_runs = time.monotonic() - t1
    if sys.stderr.isatty():
        print(file=sys.stderr)
    fresh: dict[str, dict[str, dict | None]] = {v: {} for v in versions}
    for c, v, s in results:
        fresh[v][c] = s
    crashed = [(c, v) for c, v, s in results if s is None]

    if a.check:
        rc = check(a, versions, names, fresh, bversions)
    else:
        rc = record(a, versions, names, fresh, bversions)
        if crashed:
            rc = 1
    summary = [f"record: {len(jobs)} runs ({len(names)} cases x {len(versions)} versions) in {t_runs:.1f}s "
               f"(total {time.monotonic() - t0:.1f}s)"]
    if warnings:
        summary.append(f"record: {len(warnings)} warning(s):")
        summary += [f"  - {w}" for w in warnings]
    out = sys.stderr if a.check else sys.stdout
    print("\n".join(summary), file=out, flush=True)
    if a.check:
        print(f"{check.passed} passed, {check.failed} failed")
    return rc


def record(a, versions, names, fresh, bversions) -> int:
    os.makedirs(a.out_dir, exist_ok=True)
    for v in versions:
        old = load_stored(a.out_dir, v)
        cases: dict = {}
        if a.cases and old:
            cases = dict(old.get("cases") or {})
        elif old:
            # a crashed run keeps the stored observation rather than dropping the case
            cases = {c: o for c, o in (old.get("cases") or {}).items() if c in names and fresh[v].get(c) is None}
        for c in names:
            if fresh[v][c] is not None:
                cases[c] = fresh[v][c]
        doc = {"version": v, "binary_version": bversions[v], "cases": cases}
        path = os.path.join(a.out_dir, f"{v}.json")
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(dumps(doc))
        os.replace(tmp, path)
        print(f"record: wrote {path} ({len(cases)} cases)")
    return 0


def check(a, versions, names, fresh, bversions) -> int:
    passed = failed = 0
    rows = []
    for v in versions:
        stored_doc = load_stored(a.out_dir, v)
        stored_cases = (stored_doc or {}).get("cases") or {}
        # A different binary behind the same version fails every pair of that version.
        bin_drift = stored_doc is not None and stored_doc.get("binary_version") != bversions[v]
        if bin_drift:
            rows.append(("*", v, "binary_version", stored_doc.get("binary_version"), bversions[v]))
        for c in names:
            f = fresh[v][c]
            s = stored_cases.get(c)
            if s is None:
                rows.append((c, v, "(observation)", "missing" if stored_doc else f"missing ({v}.json absent)",
                             "recorded" if f else "run crashed"))
                failed += 1
                continue
            if f is None:
                rows.append((c, v, "(observation)", "stored", "run crashed"))
                failed += 1
                continue
            d = drifts(s, f)
            rows += [(c, v, field, sv, fv) for field, sv, fv in d]
            if d or bin_drift:
                failed += 1
            else:
                passed += 1
        if not a.cases:
            for c in sorted(set(stored_cases) - set(names)):
                rows.append((c, v, "(observation)", "stored", "no such case any more"))
                failed += 1
    for c, v, field, sv, fv in rows:
        print(f"DRIFT {c} | {v} | {field} | stored {json.dumps(sv, ensure_ascii=False)} | "
              f"fresh {json.dumps(fv, ensure_ascii=False)}")
    check.passed, check.failed = passed, failed
    return 1 if failed else 0


check.passed = check.failed = 0

if __name__ == "__main__":
    sys.exit(main())
