#!/usr/bin/env python3
"""Run one fidelity case against a real Codex binary, loopback only, and print what it did.

    run_case.py CASE_DIR --codex PATH/TO/codex [--timeout 20] [--status 400] [--raw-out F] [--keep]

CASE_DIR may contain:
  config.toml           -> $CODEX_HOME/config.toml
  <name>.config.toml    -> $CODEX_HOME/<name>.config.toml   (profiles v2, >=0.134)
  dotenv                -> $CODEX_HOME/.env
  auth.json             -> $CODEX_HOME/auth.json
  aws_config            -> $HOME/.aws/config
  aws_credentials       -> $HOME/.aws/credentials
  case.toml             -> optional:
      env  = {KEY = "value"}        extra environment for codex
      args = ["-p", "bed"]          extra `codex exec` options (placed before the prompt)
      global_args = [...]           options placed before `exec`
      argv = [...]                  replace the whole command line after the binary (no exec/prompt added)
      prompt = "say hi"
      timeout = 20
      status = 400                  HTTP status the capture answers with
      description = "..."
      direct_ports = [4000]         plain-HTTP listeners on 127.0.0.1 that record requests sent
                                    straight to them (a gateway on loopback, not through the proxy)
      observe = "models"            record.py: parse stdout as `codex debug models` JSON (the full
                                    stdout is then kept in the observation as `stdout`)
In every copied file and in env/args values, @@HOME@@, @@CODEX_HOME@@ and @@WORKDIR@@ are replaced
by the temp paths.

How it runs: this script re-executes itself as `unshare -n` (`-rn` when not root), brings `lo` up,
starts the capture proxy (capture.py) in that same network namespace, and runs codex there under
`env -i` semantics (only PATH, HOME, CODEX_HOME, proxy/CA variables, AWS_EC2_METADATA_DISABLED=true
and the case env), with stdin from /dev/null, in a temp working dir, bounded by a timeout after
which the whole process group is killed.  Nothing can leave the machine: the namespace has only
loopback.

Output: one JSON object on stdout (see summarize()).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
VENV_PY = os.path.join(ROOT, ".fidelity", "venv", "bin", "python")
# Temp HOME/CODEX_HOME/workdir live outside any git checkout (Codex walks up from its cwd looking
# for a project root, .codex/ and AGENTS.md), so the default is the system temp dir.
DEFAULT_TMP = None
DEFAULT_PROMPT = "say hi"
BASE_PATH = "/usr/local/bin:/usr/bin:/bin"


def _ensure_cryptography():
    try:
        import cryptography  # noqa: F401
    except ImportError:
        if os.path.exists(VENV_PY) and os.path.realpath(sys.executable) != os.path.realpath(VENV_PY):
            os.execv(VENV_PY, [VENV_PY, os.path.abspath(__file__), *sys.argv[1:]])
        sys.exit("run_case: the `cryptography` package is missing; run tests/fidelity/setup_venv.sh")


# ------------------------------------------------------------------------------------------
# inner half: runs inside the network namespace
# ------------------------------------------------------------------------------------------
def inner(spec_path: str) -> int:
    sys.path.insert(0, HERE)
    from capture import CaptureServer  # noqa: E402

    with open(spec_path) as f:
        spec = json.load(f)
    r = subprocess.run(["ip", "link", "set", "lo", "up"], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"run_case: `ip link set lo up` failed: {r.stderr.strip()}")
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    names = [ln.split(":")[1].strip().split("@")[0] for ln in links.splitlines() if ln.count(":") >= 2]
    if names != ["lo"]:
        raise SystemExit(f"run_case: refusing to run: namespace has interfaces {names}, expected only lo")
    srv = CaptureServer(status=spec["status"], workdir=spec["capture_dir"],
                        direct_ports=spec.get("direct_ports") or ()).start()
    ca_path = os.path.join(spec["capture_dir"], "ca.pem")
    srv.write_ca(ca_path)
    proxy = f"http://127.0.0.1:{srv.port}"
    env = {
        "PATH": BASE_PATH,
        "HOME": spec["home"],
        "CODEX_HOME": spec["codex_home"],
        "HTTPS_PROXY": proxy, "HTTP_PROXY": proxy, "https_proxy": proxy, "http_proxy": proxy,
        "ALL_PROXY": proxy, "all_proxy": proxy,
        "CODEX_CA_CERTIFICATE": ca_path,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    env.update(spec["env"])
    t0 = time.monotonic()
    timed_out = False
    with open(os.devnull, "rb") as devnull:
        p = subprocess.Popen(spec["argv"], env=env, cwd=spec["workdir"], stdin=devnull,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = p.communicate(timeout=spec["timeout"])
        except subprocess.TimeoutExpired:
            timed_out = True
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            out, err = p.communicate()
    duration = time.monotonic() - t0
    time.sleep(0.05)  # let in-flight handler threads finish their record
    srv.stop()
    raw = {
        "argv": spec["argv"],
        "env": spec["env"],
        "exit_code": p.returncode,
        "timed_out": timed_out,
        "duration_s": round(duration, 3),
        "stdout": out.decode("utf-8", "replace"),
        "stderr": err.decode("utf-8", "replace"),
        "records": srv.records,
        "events": srv.events,
    }
    with open(spec["raw_out"], "w") as f:
        json.dump(raw, f, indent=1)
    return 0


# ------------------------------------------------------------------------------------------
# outer half
# ------------------------------------------------------------------------------------------
def load_case(case_dir: str) -> dict:
    import tomllib
    p = os.path.join(case_dir, "case.toml")
    if os.path.exists(p):
        with open(p, "rb") as f:
            return tomllib.load(f)
    return {}


def codex_version(binary: str) -> str:
    r = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL, env={"PATH": BASE_PATH, "HOME": "/nonexistent"})
    m = re.search(r"(\d+\.\d+\.\d+\S*)", r.stdout)
    return m.group(1) if m else r.stdout.strip()


def _subst(s: str, repl: dict) -> str:
    for k, v in repl.items():
        s = s.replace(f"@@{k}@@", v)
    return s


def place_files(case_dir: str, home: str, codex_home: str, repl: dict):
    os.makedirs(codex_home, exist_ok=True)
    aws_dir = os.path.join(home, ".aws")
    for name in sorted(os.listdir(case_dir)):
        src = os.path.join(case_dir, name)
        if not os.path.isfile(src) or name == "case.toml" or name.startswith("."):
            continue
        if name == "config.toml" or name.endswith(".config.toml") or name == "auth.json":
            dst = os.path.join(codex_home, name)
        elif name == "dotenv":
            dst = os.path.join(codex_home, ".env")
        elif name in ("aws_config", "aws_credentials"):
            os.makedirs(aws_dir, exist_ok=True)
            dst = os.path.join(aws_dir, name[4:])
        else:
            continue  # README etc.
        with open(src) as f:
            text = _subst(f.read(), repl)
        with open(dst, "w") as f:
            f.write(text)
        if name in ("auth.json", "aws_credentials"):
            os.chmod(dst, 0o600)


# Headers that carry a credential by name, whatever their value (Azure-style `api-key`, Anthropic-style
# `x-api-key`, ...). A header with another name counts when its value holds one of the case's secrets
# (record.py checks that: run_case does not know the case's secrets).
CREDENTIAL_HEADERS = ("authorization", "proxy-authorization", "api-key", "x-api-key", "openai-api-key",
                      "x-amz-security-token")


def request_url(rec: dict) -> str:
    """The URL as the client reached it: scheme://host[:port]path (the port only when not the default)."""
    scheme = rec.get("scheme") or "https"
    port = str(rec.get("port") or "")
    default = {"https": "443", "http": "80"}.get(scheme)
    hostport = rec.get("host") or "?"
    if port and port != default:
        hostport = f"{hostport}:{port}"
    return f"{scheme}://{hostport}{rec.get('path') or ''}"


def _credential_last4(name: str, value: str) -> str | None:
    """Last 4 characters of the credential a header carries (after the scheme word of an
    Authorization value); None for a SigV4 signature, whose key id is recorded instead."""
    v = (value or "").strip()
    if name in ("authorization", "proxy-authorization"):
        if v.startswith("AWS4-HMAC-SHA256"):
            return None
        parts = v.split(None, 1)
        v = parts[1].strip() if len(parts) == 2 else ""
    return v[-4:] if v else ""


SIGV4_RE = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")
SIGNED_RE = re.compile(r"SignedHeaders=([^,\s]+)")


def summarize_request(rec: dict) -> dict:
    h = rec.get("headers") or {}
    auth = h.get("authorization")
    scheme = sigv4 = last4 = None
    if auth:
        if auth.startswith("AWS4-HMAC-SHA256"):
            scheme = "sigv4"
            m = SIGV4_RE.search(auth)
            sh = SIGNED_RE.search(auth)
            sigv4 = {
                "access_key_id": m.group(1) if m else None,
                "date": m.group(2) if m else None,
                "region": m.group(3) if m else None,
                "service": m.group(4) if m else None,
                "signed_headers": sh.group(1) if sh else None,
                "x_amz_date": h.get("x-amz-date"),
                "security_token_present": "x-amz-security-token" in h,
            }
        elif auth.lower().startswith("bearer"):
            scheme = "bearer"
            tok = auth[6:].strip()
            last4 = tok[-4:] if tok else ""
        else:
            scheme = "other:" + auth.split(" ", 1)[0]
    body = rec.get("body")
    model = body.get("model") if isinstance(body, dict) else None
    return {
        "method": rec.get("method"),
        "host": rec.get("host"),
        "path": rec.get("path"),
        "scheme": rec.get("scheme"),
        "port": rec.get("port"),
        "via": rec.get("via"),
        "url": request_url(rec),
        "credential_headers": {k: _credential_last4(k, v) for k, v in sorted(h.items()) if k in CREDENTIAL_HEADERS},
        "category": rec.get("category"),
        "authorization_scheme": scheme,
        "sigv4": sigv4,
        "bearer_token_last4": last4,
        "model": model,
    }


def detail_request(rec: dict) -> dict:
    d = summarize_request(rec)
    h = dict(rec.get("headers") or {})
    body = rec.get("body")
    d["headers"] = h
    if isinstance(body, dict):
        tools = body.get("tools") or []
        d["body_summary"] = {
            "keys": sorted(body.keys()),
            "stream": body.get("stream"),
            "store": body.get("store"),
            "include": body.get("include"),
            "tool_types": [t.get("type") for t in tools if isinstance(t, dict)],
            "web_search": [t for t in tools if isinstance(t, dict) and "web_search" in str(t.get("type"))],
            "reasoning": body.get("reasoning"),
        }
    else:
        d["body_summary"] = {"raw_type": type(body).__name__, "content_encoding": rec.get("content_encoding"),
                             "body_bytes": rec.get("body_bytes")}
    return d


# The banner `codex exec` prints on stderr before the turn ("provider: amazon-bedrock").
PROVIDER_LINE = re.compile(r"^provider: (.*)$", re.M)
MODEL_LINE = re.compile(r"^model: (.*)$", re.M)


RECONNECT = re.compile(r"^(ERROR|Error):? Reconnecting\.\.\.")
ERR_START = re.compile(r"^(Error|ERROR)")
STOP_LINE = re.compile(r"^(Error|ERROR|warning:|WARN|\d{4}-\d\d-\d\dT|OpenAI Codex|-{4,}|user$|codex$|tokens used|Reading prompt)")


def error_lines(text: str) -> list[str]:
    """Every error message: a line starting Error/ERROR plus its continuation lines."""
    lines = text.splitlines()
    msgs, i = [], 0
    while i < len(lines):
        if ERR_START.match(lines[i]):
            block = [lines[i]]
            j = i + 1
            while j < len(lines) and lines[j].strip() and not STOP_LINE.match(lines[j]) and len(block) < 12:
                block.append(lines[j])
                j += 1
            msgs.append("\n".join(block))
            i = j
        else:
            i += 1
    return msgs


def normalizer(spec: dict):
    """Replace the per-run temp paths (which leak into Codex's messages) by stable placeholders."""
    pairs = [(spec["codex_home"], "$CODEX_HOME"), (spec["workdir"], "$WORKDIR"), (spec["home"], "$HOME"),
             (os.path.dirname(spec["home"]), "$TMPROOT"), (spec["argv"][0], "codex")]

    def norm(x):
        if isinstance(x, str):
            for a, b in pairs:
                x = x.replace(a, b)
            return x
        if isinstance(x, list):
            return [norm(i) for i in x]
        if isinstance(x, dict):
            return {k: norm(v) for k, v in x.items()}
        return x
    return norm


def _model_request(recs: list[dict]) -> dict | None:
    for r in recs:
        if (r.get("path") or "").split("?")[0].endswith("/responses"):
            return r
    return None


def summarize(raw: dict, version: str, case_name: str, norm=lambda x: x) -> dict:
    raw = norm(raw)
    recs = raw["records"]
    reqs = [summarize_request(r) for r in recs]
    bedrock = [r for r in recs if r.get("category") == "bedrock"]
    all_errs = error_lines(raw["stderr"]) + error_lines(raw["stdout"])
    reconnects = [e for e in all_errs if RECONNECT.match(e)]
    errs = [e for e in all_errs if not RECONNECT.match(e)]
    error_text = error_src = None
    if not bedrock:
        if errs:
            error_text, error_src = errs[0], "error_line"
        elif raw["exit_code"] not in (0, None) and not raw["timed_out"]:
            tail = [ln for ln in raw["stderr"].splitlines() if ln.strip() and not ln.startswith("warning:")]
            if tail:  # e.g. a bare serde message such as "unknown variant `bedrockApiKey` ..."
                error_text, error_src = tail[-1], "stderr_last_line"
    warnings = [ln for ln in (raw["stderr"] + "\n" + raw["stdout"]).splitlines() if ln.startswith("warning:")]
    stderr_lines = raw["stderr"].rstrip("\n").splitlines()
    return {
        "case": case_name,
        "version": version,
        "exit_code": raw["exit_code"],
        "timed_out": raw["timed_out"],
        "duration_s": raw["duration_s"],
        "requests": reqs,
        "bedrock_attempts": len(bedrock),
        # The model request (POST …/responses) when there is one: a custom provider may first GET
        # …/models (seen with a provider `auth` command), which says less about what Codex sends.
        "first_bedrock_request": detail_request(_model_request(bedrock) or bedrock[0]) if bedrock else None,
        "non_bedrock_hosts": sorted({r.get("host") or "?" for r in recs if r.get("category") != "bedrock"}),
        "connect_events": [e for e in raw["events"] if e.get("kind") not in ("tls_ok",)],
        "error_text": error_text,
        "provider_line": (PROVIDER_LINE.findall(raw["stderr"]) or [None])[0],
        "model_line": (MODEL_LINE.findall(raw["stderr"]) or [None])[0],
        "error_text_source": error_src,
        "error_messages": list(dict.fromkeys(errs)),
        "reconnect_lines": len(reconnects),
        "warnings": list(dict.fromkeys(warnings)),
        "stderr_tail": "\n".join(stderr_lines[-15:]),
        "stdout_tail": "\n".join(raw["stdout"].rstrip("\n").splitlines()[-10:]),
        "argv": raw["argv"],
        "case_env": raw["env"],
    }


def run(case_dir: str, binary: str, timeout: float | None = None, status: int | None = None,
        raw_out: str | None = None, keep: bool = False, tmp_base: str | None = None) -> dict:
    case_dir = os.path.abspath(case_dir)
    binary = os.path.abspath(binary)
    case = load_case(case_dir)
    version = codex_version(binary)
    tmp_base = tmp_base or os.environ.get("FIDELITY_TMP") or DEFAULT_TMP or tempfile.gettempdir()
    os.makedirs(tmp_base, exist_ok=True)
    root = tempfile.mkdtemp(prefix=f"case-{os.path.basename(case_dir)}-{version}-", dir=tmp_base)
    try:
        home = os.path.join(root, "home")
        codex_home = os.path.join(home, ".codex")
        workdir = os.path.join(root, "work")
        capture_dir = os.path.join(root, "capture")
        for d in (home, codex_home, workdir, capture_dir):
            os.makedirs(d, exist_ok=True)
        repl = {"HOME": home, "CODEX_HOME": codex_home, "WORKDIR": workdir}
        place_files(case_dir, home, codex_home, repl)
        env = {str(k): _subst(str(v), repl) for k, v in (case.get("env") or {}).items()}
        if "argv" in case:
            argv = [binary] + [_subst(str(a), repl) for a in case["argv"]]
        else:
            argv = ([binary] + [_subst(str(a), repl) for a in case.get("global_args", [])]
                    + ["exec", "--skip-git-repo-check", "--color", "never"]
                    + (["--ephemeral"] if case.get("ephemeral", True) else [])
                    + [_subst(str(a), repl) for a in case.get("args", [])]
                    + [case.get("prompt", DEFAULT_PROMPT)])
        spec = {
            "argv": argv, "env": env, "home": home, "codex_home": codex_home, "workdir": workdir,
            "capture_dir": capture_dir, "raw_out": os.path.join(root, "raw.json"),
            "timeout": float(timeout or case.get("timeout", 20)),
            "status": int(status or case.get("status", 400)),
            "direct_ports": [int(x) for x in case.get("direct_ports", [])],
        }
        spec_path = os.path.join(root, "spec.json")
        with open(spec_path, "w") as f:
            json.dump(spec, f)
        unshare = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
        r = subprocess.run(unshare + [sys.executable, os.path.abspath(__file__), "--inner", spec_path],
                           capture_output=True, text=True, timeout=spec["timeout"] + 60,
                           stdin=subprocess.DEVNULL)
        if r.returncode != 0 or not os.path.exists(spec["raw_out"]):
            raise RuntimeError(f"inner run failed (rc={r.returncode}): {r.stderr.strip()[-2000:]}")
        with open(spec["raw_out"]) as f:
            raw = json.load(f)
        if raw_out:
            with open(raw_out, "w") as f:
                json.dump(raw, f, indent=1)
        norm = normalizer(spec)
        out = summarize(raw, version, os.path.basename(case_dir), norm)
        if case.get("observe") == "models":
            # `codex debug models` prints one JSON line of several hundred kB: stdout_tail keeps only
            # the last 10 lines, so keep all of stdout for record.py to parse.
            out["stdout"] = norm(raw["stdout"])
        out["binary"] = binary
        if case.get("description"):
            out["description"] = case["description"]
        if keep:
            out["tmp_root"] = root
        return out
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def main(argv=None):
    _ensure_cryptography()
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--inner"]:
        return inner(argv[1])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("case_dir")
    ap.add_argument("--codex", required=True, help="path to the native codex binary")
    ap.add_argument("--timeout", type=float)
    ap.add_argument("--status", type=int, help="HTTP status for every captured request (default 400)")
    ap.add_argument("--raw-out", help="also write the raw capture (all headers and bodies) here")
    ap.add_argument("--keep", action="store_true", help="keep the temp HOME/CODEX_HOME")
    a = ap.parse_args(argv)
    out = run(a.case_dir, a.codex, a.timeout, a.status, a.raw_out, a.keep)
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
