#!/usr/bin/env python3
"""Compare bedrock-doctor's prediction with what the real Codex binaries do, case by case.

    compare.py [--cases NAME ...] [--versions 0.124.0 0.135.0 0.149.0 0.169.0] [--jobs 2]
               [--json OUT] [--only-failures] [--doctor PATH]

For each case x version this
  (a) observes Codex with run_case.run() (loopback-only network namespace, capture proxy), and
  (b) runs `bedrock-doctor check --offline --format json --codex-version V [-p NAME] [-c k=v ...]`
      in a fresh copy of the same world: the same HOME / CODEX_HOME layout holding the same files
      (config.toml, <name>.config.toml, .env, auth.json, ~/.aws/config, ~/.aws/credentials), under
      `env -i` with HOME, CODEX_HOME, PATH="", AWS_EC2_METADATA_DISABLED=true and the case env.
      The doctor never sees the proxy / CA variables that only the capture needs.
and compares the `prediction` object of the JSON report with the observation:

  Codex sent a request to a Bedrock host:
    endpoint              == "https://" + host + path of the first Bedrock request
    auth.method           == the observed scheme (sigv4 / bearer)
    signing.service       == SigV4 credential-scope service          (sigv4 only)
    signing.region        == SigV4 credential-scope region           (sigv4 only)
    auth.access_key_id_last4 == last 4 of the scope's key id         (sigv4, when predicted non-null)
    region.value          == the region in the URL host  (with a base_url override the host is not
                             derived from the region, reference §4.3; then the SigV4 scope region)
    model                 == `model` in the request body
    codex_error           is null
    auth.source           == the case's `expect_source` for that version, and the observation must
                             show the credential that source names (key id for SigV4, last 4 of the
                             bearer value); both are separate rows
  Codex sent nothing to Bedrock and printed an error:
    codex_error           non-null, and its first line == Codex's first error line, exactly, after
                          the temp HOME / CODEX_HOME / workdir paths are replaced by placeholders on
                          both sides
  Codex sent its model request (POST, or the GET of the Responses WebSocket) to a non-Bedrock
  host (e.g. provider `openai`; the capture's 400 answer is then not a Codex error):
    provider              == "openai" when the request went to api.openai.com / chatgpt.com
    codex_error           is null
    endpoint              is not a Bedrock URL

case.toml keys used here besides run_case's: `expect_source` (a string, or a table whose keys are
version predicates such as "<0.150.0", ">=0.150.0", "0.134.0", "*", first match wins) and
`doctor_args` (a list replacing the automatic translation of `args`/`global_args`).

Prints a table (case, version, field, predicted, observed, OK/FAIL); the last line is exactly
`N passed, M failed`, counted over case x version pairs. Exit code 1 when any pair failed.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import configparser
import datetime as _dt
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_case  # noqa: E402

ROOT = run_case.ROOT
CASES_DIR = os.path.join(HERE, "cases")
DEFAULT_VERSIONS = ["0.124.0", "0.135.0", "0.149.0", "0.169.0"]
DEFAULT_DOCTOR = os.path.join(ROOT, "target", "debug", "bedrock-doctor")
MODEL_PATH_SUFFIX = "/responses"


# ------------------------------------------------------------------------------------------
# versions and binaries
# ------------------------------------------------------------------------------------------
def vkey(v: str) -> tuple:
    parts = []
    for p in v.split("-")[0].split("."):
        try:
            parts.append(int(p))
        except ValueError:
            parts.append(0)
    return tuple(parts)


def version_matches(pred: str, version: str) -> bool:
    pred = pred.strip()
    if pred in ("*", ""):
        return True
    for op in ("<=", ">=", "<", ">", "==", "="):
        if pred.startswith(op):
            a, b = vkey(version), vkey(pred[len(op):].strip())
            return {"<=": a <= b, ">=": a >= b, "<": a < b, ">": a > b, "==": a == b, "=": a == b}[op]
    return vkey(version) == vkey(pred)


def expected_source_for(case: dict, version: str):
    es = case.get("expect_source")
    if es is None:
        return None
    if isinstance(es, str):
        return es
    for k, v in es.items():
        if version_matches(k, version):
            return v
    return None


def find_binaries(versions: list[str]) -> dict[str, str]:
    base = os.path.join(ROOT, ".fidelity", "codex")
    bins, missing = {}, []
    for v in versions:
        hits = (glob.glob(os.path.join(base, v, "platform/package/vendor/*/bin/codex"))
                + glob.glob(os.path.join(base, v, "platform/package/vendor/*/codex/codex")))
        if hits:
            bins[v] = hits[0]
        else:
            missing.append(v)
    if missing:
        import observe_all
        bins.update(observe_all.install(missing))
    return bins


def ensure_doctor(path: str) -> str:
    if os.path.exists(path):
        return path
    if path != DEFAULT_DOCTOR:
        sys.exit(f"compare: {path} not found")
    print("compare: target/debug/bedrock-doctor missing; running cargo build", file=sys.stderr)
    r = subprocess.run(["cargo", "build"], cwd=ROOT, stdin=subprocess.DEVNULL)
    if r.returncode != 0 or not os.path.exists(path):
        sys.exit("compare: cargo build failed")
    return path


# ------------------------------------------------------------------------------------------
# the doctor side
# ------------------------------------------------------------------------------------------
def doctor_args_for(case: dict) -> tuple[list[str], str | None]:
    """Translate the case's codex options to doctor options. Returns (args, problem)."""
    if "doctor_args" in case:
        return [str(a) for a in case["doctor_args"]], None
    if "argv" in case:
        return [], "case uses `argv`; give it `doctor_args`"
    src = [str(a) for a in case.get("global_args", [])] + [str(a) for a in case.get("args", [])]
    out, i = [], 0
    while i < len(src):
        a = src[i]
        if a in ("-p", "--profile", "-c", "--config") and i + 1 < len(src):
            out += ["-p" if a in ("-p", "--profile") else "-c", src[i + 1]]
            i += 2
        elif a.startswith("--profile="):
            out += ["-p", a.split("=", 1)[1]]
            i += 1
        elif a.startswith("--config="):
            out += ["-c", a.split("=", 1)[1]]
            i += 1
        else:
            return out, f"no doctor equivalent for codex option {a!r}; give the case `doctor_args`"
    return out, None


def run_doctor(doctor: str, case_dir: str, case: dict, version: str, tmp_base: str) -> dict:
    root = tempfile.mkdtemp(prefix=f"doctor-{os.path.basename(case_dir)}-{version}-", dir=tmp_base)
    try:
        home = os.path.join(root, "home")
        codex_home = os.path.join(home, ".codex")
        workdir = os.path.join(root, "work")
        for d in (home, codex_home, workdir):
            os.makedirs(d, exist_ok=True)
        repl = {"HOME": home, "CODEX_HOME": codex_home, "WORKDIR": workdir}
        run_case.place_files(case_dir, home, codex_home, repl)
        env = {"HOME": home, "CODEX_HOME": codex_home, "PATH": "", "AWS_EC2_METADATA_DISABLED": "true"}
        env.update({str(k): run_case._subst(str(v), repl) for k, v in (case.get("env") or {}).items()})
        extra, problem = doctor_args_for(case)
        extra = [run_case._subst(a, repl) for a in extra]
        argv = [doctor, "check", "--offline", "--format", "json", "--codex-version", version, *extra]
        t0 = time.monotonic()
        r = subprocess.run(argv, env=env, cwd=workdir, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=60)
        dur = time.monotonic() - t0
        norm = run_case.normalizer({"codex_home": codex_home, "workdir": workdir, "home": home,
                                    "argv": [doctor]})
        out = {"argv": [os.path.basename(doctor)] + argv[1:], "exit_code": r.returncode,
               "duration_s": round(dur, 3), "arg_problem": problem}
        try:
            rep = json.loads(r.stdout)
            out["prediction"] = norm(rep.get("prediction"))
            out["checks"] = [{"id": c.get("id"), "status": c.get("status"), "summary": norm(c.get("summary"))}
                             for c in rep.get("checks", [])]
        except json.JSONDecodeError:
            out["prediction"] = None
            out["crash"] = f"exit {r.returncode}, no JSON on stdout; stderr: {norm(r.stderr.strip())[-800:]}"
        return out
    finally:
        shutil.rmtree(root, ignore_errors=True)


# ------------------------------------------------------------------------------------------
# what the case's files say each credential source is
# ------------------------------------------------------------------------------------------
def read_dotenv(case_dir: str) -> dict:
    p = os.path.join(case_dir, "dotenv")
    out = {}
    if not os.path.exists(p):
        return out
    for ln in open(p):
        ln = ln.strip()
        if not ln or ln.startswith("#") or "=" not in ln:
            continue
        k, v = ln.split("=", 1)
        k = k.strip()
        if k.startswith("export "):
            k = k[7:].strip()
        v = v.strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
            v = v[1:-1]
        out[k] = v
    return out


def read_ini(case_dir: str, name: str) -> configparser.RawConfigParser | None:
    p = os.path.join(case_dir, name)
    if not os.path.exists(p):
        return None
    cp = configparser.RawConfigParser(default_section="\x00none")
    try:
        cp.read(p)
    except configparser.Error:
        return None
    return cp


def aws_profile_key(case_dir: str, profile: str) -> str | None:
    creds = read_ini(case_dir, "aws_credentials")
    if creds and creds.has_option(profile, "aws_access_key_id"):
        return creds.get(profile, "aws_access_key_id").strip()
    conf = read_ini(case_dir, "aws_config")
    sect = "default" if profile == "default" else f"profile {profile}"
    if conf and conf.has_option(sect, "aws_access_key_id"):
        return conf.get(sect, "aws_access_key_id").strip()
    return None


def bedrock_provider_table(case_dir: str, case: dict) -> dict:
    merged: dict = {}
    files = ["config.toml"]
    args = [str(a) for a in case.get("global_args", []) + case.get("args", [])]
    for i, a in enumerate(args):
        if a in ("-p", "--profile") and i + 1 < len(args):
            files.append(f"{args[i + 1]}.config.toml")
    for fn in files:
        p = os.path.join(case_dir, fn)
        if not os.path.exists(p):
            continue
        try:
            t = tomllib.load(open(p, "rb"))
        except tomllib.TOMLDecodeError:
            continue
        prov = (t.get("model_providers") or {}).get("amazon-bedrock") or {}
        for k, v in prov.items():
            if isinstance(v, dict) and isinstance(merged.get(k), dict):
                merged[k] = {**merged[k], **v}
            else:
                merged[k] = v
    return merged


def expected_credential(case_dir: str, case: dict, source: str):
    """(scheme, fingerprint) the source stands for in this case: ("sigv4", key id) or ("bearer", last4)."""
    env = {str(k): str(v) for k, v in (case.get("env") or {}).items()}
    dotenv = read_dotenv(case_dir)
    prov = bedrock_provider_table(case_dir, case)
    auth_json = {}
    p = os.path.join(case_dir, "auth.json")
    if os.path.exists(p):
        try:
            auth_json = json.load(open(p))
        except ValueError:
            pass
    if source == "env-access-keys":
        k = env.get("AWS_ACCESS_KEY_ID")
        return ("sigv4", k) if k else None
    if source == "dotenv-access-keys":
        k = dotenv.get("AWS_ACCESS_KEY_ID")
        return ("sigv4", k) if k else None
    if source == "env-bearer":
        t = env.get("AWS_BEARER_TOKEN_BEDROCK", "").strip()
        return ("bearer", t[-4:]) if t else None
    if source == "dotenv-bearer":
        t = dotenv.get("AWS_BEARER_TOKEN_BEDROCK", "").strip()
        return ("bearer", t[-4:]) if t else None
    if source == "managed-api-key":
        t = ((auth_json.get("bedrock_api_key") or {}).get("api_key") or "").strip()
        return ("bearer", t[-4:]) if t else None
    if source == "managed-access-keys":
        k = (auth_json.get("bedrock_access_keys") or {}).get("access_key_id")
        return ("sigv4", k) if k else None
    if source == "config-profile":
        prof = (prov.get("aws") or {}).get("profile")
        k = aws_profile_key(case_dir, prof) if isinstance(prof, str) else None
        return ("sigv4", k) if k else None
    if source == "sdk-chain":
        prof = dotenv.get("AWS_PROFILE") or env.get("AWS_PROFILE") or "default"
        k = aws_profile_key(case_dir, prof)
        return ("sigv4", k) if k else None
    if source == "credential-export":
        export = (prov.get("aws") or {}).get("credential_export") or {}
        if export.get("command") in ("/bin/echo", "echo"):
            try:
                k = json.loads(" ".join(str(a) for a in export.get("args", []))).get("AccessKeyId")
            except ValueError:
                return None
            return ("sigv4", k) if k else None
        return None
    if source == "provider-command":
        auth = prov.get("auth") or {}
        if auth.get("command") in ("/bin/echo", "echo"):
            t = " ".join(str(a) for a in auth.get("args", [])).strip()
            return ("bearer", t[-4:])
        return None
    return None


# ------------------------------------------------------------------------------------------
# comparison
# ------------------------------------------------------------------------------------------
def first_line(s):
    if s is None:
        return None
    return s.splitlines()[0] if s.splitlines() else ""


def get(d, *path):
    for p in path:
        if not isinstance(d, dict):
            return None
        d = d.get(p)
    return d


def host_region(host: str) -> str | None:
    parts = (host or "").split(".")
    if len(parts) >= 3 and parts[0] in ("bedrock-mantle", "bedrock-runtime", "bedrock"):
        return parts[1]
    return None


def compare(case_dir: str, case: dict, version: str, obs: dict, doc: dict) -> list[dict]:
    rows = []

    def row(field, predicted, observed, ok, note=None):
        r = {"field": field, "predicted": predicted, "observed": observed, "ok": bool(ok)}
        if note:
            r["note"] = note
        rows.append(r)

    def eq(field, predicted, observed, note=None):
        row(field, predicted, observed, predicted == observed, note)

    if obs.get("crash"):
        row("observation", None, obs["crash"], False)
        return rows
    if doc.get("crash") or doc.get("prediction") is None:
        row("doctor", doc.get("crash") or "no prediction object", None, False)
        return rows
    if doc.get("arg_problem"):
        row("doctor-args", doc["argv"], doc["arg_problem"], False)
        return rows
    pred = doc["prediction"]
    fb = obs.get("first_bedrock_request")
    if fb:
        eq("endpoint", pred.get("endpoint"), f"https://{fb['host']}{fb['path']}")
        scheme = fb.get("authorization_scheme")
        eq("auth.method", get(pred, "auth", "method"), scheme)
        sig = fb.get("sigv4") or {}
        if scheme == "sigv4":
            eq("signing.service", get(pred, "signing", "service"), sig.get("service"))
            eq("signing.region", get(pred, "signing", "region"), sig.get("region"))
            last4 = get(pred, "auth", "access_key_id_last4")
            if last4 is not None:
                eq("auth.access_key_id_last4", last4, (sig.get("access_key_id") or "")[-4:])
        base_url = pred.get("base_url") or get(bedrock_provider_table(case_dir, case), "base_url")
        if base_url:
            # base_url replaces the host; the region is not derived from it (reference §4.3).
            if scheme == "sigv4":
                eq("region.value(scope)", get(pred, "region", "value"), sig.get("region"),
                   "base_url override: compared with the SigV4 scope region")
        else:
            eq("region.value", get(pred, "region", "value"), host_region(fb["host"]))
        eq("model", pred.get("model"), fb.get("model"))
        eq("codex_error", pred.get("codex_error"), None)
        want = expected_source_for(case, version)
        if want:
            cred = expected_credential(case_dir, case, want)
            if scheme == "sigv4":
                seen = ("sigv4", sig.get("access_key_id"))
            elif scheme == "bearer":
                seen = ("bearer", fb.get("bearer_token_last4"))
            else:
                seen = (scheme, None)
            if cred is None:
                row("expect_source(obs)", want, f"{seen[0]} {seen[1]}", False,
                    "cannot tell from the case files which credential this source is")
            else:
                row("expect_source(obs)", f"{want} = {cred[0]} {cred[1]}", f"{seen[0]} {seen[1]}", cred == seen,
                    "the case's expect_source against the credential Codex actually used")
            eq("auth.source", get(pred, "auth", "source"), want)
        return rows

    # nothing reached a Bedrock host
    # The model request: POST, or the GET that opens the Responses WebSocket (provider openai).
    model_reqs = [r for r in obs.get("requests", [])
                  if (r.get("path") or "").split("?")[0].endswith(MODEL_PATH_SUFFIX)]
    if model_reqs:
        r0 = model_reqs[0]
        host = r0.get("host") or ""
        observed_provider = "openai" if host.endswith(("openai.com", "chatgpt.com")) else f"non-bedrock host {host}"
        eq("provider", pred.get("provider"), observed_provider)
        ep = pred.get("endpoint")
        row("endpoint", ep, f"https://{host}{r0.get('path')}",
            ep is None or ep == f"https://{host}{r0.get('path')}", "Codex sent its model request to a non-Bedrock host")
        eq("codex_error", pred.get("codex_error"), None)
        return rows
    err = obs.get("error_text")
    if err:
        p = pred.get("codex_error")
        row("codex_error[0]", first_line(p), first_line(err), p is not None and first_line(p) == first_line(err))
        if p is not None and first_line(p) == first_line(err) and p.strip() != err.strip():
            # Informational only (the contract compares the first line): continuation lines differ.
            rows[-1]["note"] = "continuation lines differ"
            rows[-1]["full_predicted"], rows[-1]["full_observed"] = p, err
        return rows
    row("observation", pred.get("codex_error") or pred.get("endpoint"),
        f"no Bedrock request and no error (exit {obs.get('exit_code')}, timed_out={obs.get('timed_out')})", False)
    return rows


# ------------------------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", nargs="+", help="case names under tests/fidelity/cases (default: all)")
    ap.add_argument("--cases-dir", default=CASES_DIR)
    ap.add_argument("--versions", nargs="+", default=DEFAULT_VERSIONS)
    ap.add_argument("--jobs", type=int, default=2, help="parallel case x version runs (at most 2)")
    ap.add_argument("--json", dest="json_out", help="write every pair (rows, observation, prediction) here")
    ap.add_argument("--doctor", default=DEFAULT_DOCTOR, help="bedrock-doctor binary")
    ap.add_argument("--only-failures", action="store_true", help="print only FAIL rows in the table")
    ap.add_argument("--timeout", type=float, help="per-run Codex timeout override (seconds)")
    a = ap.parse_args(argv)
    run_case._ensure_cryptography()

    t0 = time.monotonic()
    # Snapshot the binary: another session's `cargo build` may replace target/debug/bedrock-doctor
    # mid-run (it is briefly absent then), and one run must judge one build.
    doctor_src = ensure_doctor(os.path.abspath(a.doctor))
    snap_dir = tempfile.mkdtemp(prefix="compare-doctor-")
    doctor = os.path.join(snap_dir, "bedrock-doctor")
    for _ in range(30):
        try:
            shutil.copy2(doctor_src, doctor)
            break
        except FileNotFoundError:
            time.sleep(2)
    else:
        sys.exit(f"compare: {doctor_src} vanished")
    import hashlib
    with open(doctor, "rb") as f:
        doctor_sha = hashlib.sha256(f.read()).hexdigest()
    bins = find_binaries(a.versions)
    # `observe = "models"` cases (codex debug models) only feed record.py: the doctor has no
    # prediction to compare with them, so they are left out unless named with --cases.
    names = a.cases or sorted(d for d in os.listdir(a.cases_dir)
                              if os.path.isdir(os.path.join(a.cases_dir, d))
                              and run_case.load_case(os.path.join(a.cases_dir, d)).get("observe") != "models")
    for n in names:
        if not os.path.isdir(os.path.join(a.cases_dir, n)):
            sys.exit(f"compare: no case {n!r} in {a.cases_dir}")
    tmp_base = os.environ.get("FIDELITY_TMP") or tempfile.gettempdir()
    jobs = [(c, v) for c in names for v in a.versions]
    lock = threading.Lock()
    done = [0]

    def one(job):
        c, v = job
        case_dir = os.path.join(a.cases_dir, c)
        case = run_case.load_case(case_dir)
        t = time.monotonic()
        try:
            obs = run_case.run(case_dir, bins[v], timeout=a.timeout, tmp_base=tmp_base)
        except Exception as e:  # noqa: BLE001
            obs = {"case": c, "version": v, "crash": f"{type(e).__name__}: {e}"}
        try:
            doc = run_doctor(doctor, case_dir, case, v, tmp_base)
        except Exception as e:  # noqa: BLE001
            doc = {"crash": f"{type(e).__name__}: {e}", "prediction": None}
        rows = compare(case_dir, case, v, obs, doc)
        with lock:
            done[0] += 1
            if sys.stderr.isatty():
                print(f"\rcompare: {done[0]}/{len(jobs)}", end="", file=sys.stderr, flush=True)
        return {"case": c, "version": v, "ok": all(r["ok"] for r in rows), "rows": rows,
                "elapsed_s": round(time.monotonic() - t, 2),
                "expect_source": expected_source_for(case, v), "observation": obs, "doctor": doc}

    t1 = time.monotonic()
    with cf.ThreadPoolExecutor(max_workers=max(1, min(a.jobs, 2))) as ex:
        results = list(ex.map(one, jobs))
    t_runs = time.monotonic() - t1
    shutil.rmtree(snap_dir, ignore_errors=True)
    if sys.stderr.isatty():
        print(file=sys.stderr)

    # table
    table = [("case", "version", "field", "predicted", "observed", "result")]
    for res in results:
        for r in res["rows"]:
            if a.only_failures and r["ok"]:
                continue
            table.append((res["case"], res["version"], r["field"], json.dumps(r["predicted"]),
                          json.dumps(r["observed"]), "OK" if r["ok"] else "FAIL"))
    w = [max(len(t[i]) for t in table) for i in range(3)]
    for t in table:
        print(f"{t[0]:<{w[0]}} | {t[1]:<{w[1]}} | {t[2]:<{w[2]}} | {t[3]} | {t[4]} | {t[5]}")
    passed = sum(1 for r in results if r["ok"])
    failed = len(results) - passed
    elapsed = time.monotonic() - t0
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump({"generated_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                       "elapsed_s": round(elapsed, 2), "runs_s": round(t_runs, 2), "versions": a.versions,
                       "binaries": bins, "doctor": doctor_src, "doctor_sha256": doctor_sha, "passed": passed, "failed": failed,
                       "results": results}, f, indent=1)
    notes = [(res["case"], res["version"], r) for res in results for r in res["rows"]
             if r.get("note") == "continuation lines differ"]
    if notes:
        print(f"\nnote (informational, not counted): {len(notes)} error(s) match on the first line but differ "
              "in later lines:")
        for c, v, r in notes:
            print(f"  {c} {v}: predicted {json.dumps(r['full_predicted'])}")
            print(f"  {' ' * len(c)} {' ' * len(v)}  observed  {json.dumps(r['full_observed'])}")
    fails = sorted({f"{r['case']}@{r['version']}" for r in results if not r["ok"]})
    print(f"\ncompare: bedrock-doctor {doctor_src} sha256 {doctor_sha[:16]}")
    print(f"compare: {len(jobs)} pairs ({len(names)} cases x {len(a.versions)} versions) in {elapsed:.1f}s"
          + (f"; failing pairs: {', '.join(fails)}" if fails else ""))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
