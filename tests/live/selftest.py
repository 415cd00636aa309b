#!/usr/bin/env python3
"""Proves the stand-in's verifier can fail and pass, and that every listener behaves as documented.

Run:  tests/live/setup.sh && .venv/bin/python tests/live/selftest.py [--no-moto] [-v]
Last line: "N passed, M failed"; exit status 1 when anything failed.
Everything runs on 127.0.0.1 / localhost.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import hashlib
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import traceback
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import botocore.auth
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PY = sys.executable

AK, SK = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ASIA, ASIA_SK, ASIA_TOKEN = "ASIAEXAMPLE", "sessionSecretEXAMPLE/abc+def", "FwoGZXIvYXdzEXAMPLETOKEN//abc+/=="
NOLIST, NOLIST_SK = "AKIDNOLISTACCESS", "noListSecretEXAMPLE"
BEARER = "bedrock-api-key-EXAMPLEgoodtoken"
MODEL = "openai.gpt-oss-120b"
REGION = "us-west-2"

MSG_SIG = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
MSG_TOKEN = "The security token included in the request is invalid."

results: list[tuple[str, bool, str]] = []
VERBOSE = False


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))
    if VERBOSE or not cond:
        print(f"{'ok  ' if cond else 'FAIL'} {name}{'' if cond else '  -- ' + str(detail)[:400]}", flush=True)


def start_standin(*extra):
    t0 = time.monotonic()
    p = subprocess.Popen(
        [PY, os.path.join(HERE, "standin.py"), *extra],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    line = p.stdout.readline()
    elapsed = time.monotonic() - t0
    if not line:
        raise SystemExit(f"standin did not start: {p.stderr.read()}")
    return p, json.loads(line), elapsed


# ---------------------------------------------------------------------------- signing helpers
class SignEverything(SigV4Auth):
    """Signs user-agent too (like a client that doesn't share botocore's blacklist)."""

    def headers_to_sign(self, request):
        m = botocore.auth.HTTPHeaders()
        for k, v in request.headers.items():
            m[k.lower()] = v
        if "host" not in m:
            m["host"] = botocore.auth._host_from_url(request.url)
        return m


def sign(url, body, *, method="POST", service="bedrock-mantle", region=REGION, ak=AK, sk=SK, token=None,
         headers=None, at=None, signer_cls=SigV4Auth):
    req = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {"Content-Type": "application/json"}))
    real = botocore.auth.get_current_datetime
    if at is not None:
        botocore.auth.get_current_datetime = lambda: at
    try:
        signer_cls(Credentials(ak, sk, token), service, region).add_auth(req)
    finally:
        botocore.auth.get_current_datetime = real
    return {k: v for k, v in req.headers.items()}


def send(url, body=b"", headers=None, method="POST", ca=None, timeout=10):
    u = urlsplit(url)
    if u.scheme == "https":
        ctx = ssl.create_default_context(cafile=ca)
        conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=timeout)
    else:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    path = u.path + (f"?{u.query}" if u.query else "")
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    hdrs = dict(headers or {})
    if not any(k.lower() == "host" for k in hdrs):
        conn.putheader("Host", u.netloc)
    for k, v in hdrs.items():
        conn.putheader(k, v)
    if body or method == "POST":
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    r = conn.getresponse()
    data = r.read()
    out = (r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    conn.close()
    return out


def jbody(data):
    try:
        return json.loads(data)
    except ValueError:
        return {"_raw": data.decode("utf-8", "replace")}


def msg(data):
    j = jbody(data)
    return j.get("message") or j.get("Message") or (j.get("error") or {}).get("message")


def req_body(model, **kw):
    return json.dumps({"model": model, "input": "ping", **kw}).encode()


# ---------------------------------------------------------------------------- test groups
def test_sigv4(r):
    base, ca = r["http"], r["ca"]
    for scheme_url in (base, r["https"]):
        for path in ("/openai/v1/responses", "/v1/responses"):
            url = scheme_url + path
            b = req_body(MODEL)
            s, h, d = send(url, b, sign(url, b), ca=ca)
            j = jbody(d)
            check(f"good sigv4 {urlsplit(url).scheme} {path} -> 200", s == 200 and j.get("status") == "completed"
                  and j["output"][0]["content"][0]["text"] == "OK" and j.get("model") == MODEL, (s, d))
            check(f"good sigv4 {urlsplit(url).scheme} {path} headers", h.get("content-type") == "application/json"
                  and h.get("x-amzn-requestid") and h.get("date"), h)
    url = r["https"] + "/openai/v1/responses"
    b = req_body(MODEL)
    s, _, d = send(url, b, sign(url, b, ak=ASIA, sk=ASIA_SK, token=ASIA_TOKEN), ca=ca)
    check("good sigv4 with session token -> 200", s == 200, (s, d))
    s, _, d = send(base + "/v1/responses", b, sign(base + "/v1/responses", b, ak=ASIA, sk=ASIA_SK, token=ASIA_TOKEN))
    check("good sigv4 with session token over http -> 200", s == 200, (s, d))
    hdr = sign(url, b, ak=ASIA, sk=ASIA_SK, token=ASIA_TOKEN)
    hdr["X-Amz-Security-Token"] = "WRONG" + ASIA_TOKEN
    s, _, d = send(url, b, hdr, ca=ca)
    check("wrong session token -> 403 invalid token", s == 403 and msg(d) == MSG_TOKEN, (s, d))
    hdr = sign(url, b, ak=ASIA, sk=ASIA_SK)  # no token although the key needs one
    s, _, d = send(url, b, hdr, ca=ca)
    check("missing session token -> 403 invalid token", s == 403 and msg(d) == MSG_TOKEN, (s, d))

    # Token sent but NOT signed (aws-sigv4 SessionTokenMode::Exclude): rejected.
    hdr = sign(url, b, ak=ASIA, sk=ASIA_SK)
    hdr["X-Amz-Security-Token"] = ASIA_TOKEN
    s, _, d = send(url, b, hdr, ca=ca)
    check("session token sent but not signed -> 403 signature mismatch", s == 403 and msg(d) == MSG_SIG, (s, d))
    hdr = sign(url, b)
    del hdr["X-Amz-Date"]
    s, _, d = send(url, b, hdr, ca=ca)
    check("no X-Amz-Date -> 403 requires date", s == 403 and "requires existence of either a 'X-Amz-Date' or a 'Date' header" in (msg(d) or ""), (s, d))

    url = base + "/openai/v1/responses"
    h = sign(url, b)
    s, _, d = send(url, req_body(MODEL, extra=1), h)
    check("tampered body -> 403 signature mismatch", s == 403 and msg(d) == MSG_SIG, (s, d))
    h = sign(url, b)
    sig = h["Authorization"][-1]
    h["Authorization"] = h["Authorization"][:-1] + ("0" if sig != "0" else "1")
    s, rh, d = send(url, b, h)
    check("tampered signature -> 403 signature mismatch", s == 403 and msg(d) == MSG_SIG
          and rh.get("x-amzn-errortype", "").startswith("InvalidSignatureException"), (s, d, rh))
    s, _, d = send(url, b, sign(url, b, service="bedrock"))
    check("wrong service scope -> 403", s == 403 and msg(d) == "Credential should be scoped to correct service: 'bedrock-mantle'. ", (s, d))
    s, _, d = send(url, b, sign(url, b, sk=SK + "x"))
    check("wrong secret -> 403 signature mismatch", s == 403 and msg(d) == MSG_SIG, (s, d))
    s, rh, d = send(url, b, sign(url, b, ak="AKIDUNKNOWN"))
    check("unknown AKID -> 403 invalid token", s == 403 and msg(d) == MSG_TOKEN
          and rh.get("x-amzn-errortype", "").startswith("UnrecognizedClientException"), (s, d))
    past = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(minutes=6)
    s, _, d = send(url, b, sign(url, b, at=past))
    m = msg(d) or ""
    check("date 6 min in the past -> 403 Signature expired", s == 403 and m.startswith(f"Signature expired: {past.strftime('%Y%m%dT%H%M%SZ')} is now earlier than ")
          and m.endswith(" - 5 min.)"), (s, d))
    fut = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(minutes=6)
    s, _, d = send(url, b, sign(url, b, at=fut))
    check("date 6 min in the future -> 403 Signature not yet current", s == 403 and (msg(d) or "").startswith("Signature not yet current: "), (s, d))
    near = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(minutes=4)
    s, _, d = send(url, b, sign(url, b, at=near))
    check("date 4 min in the past -> still 200", s == 200, (s, d))
    # x-amz-content-sha256 present: botocore client-side trusts it; the server must hash the body itself.
    hh = sign(url, b, headers={"Content-Type": "application/json", "X-Amz-Content-SHA256": hashlib.sha256(b).hexdigest()})
    s, _, d = send(url, b, hh)
    check("signed x-amz-content-sha256 -> 200", s == 200, (s, d))
    s, _, d = send(url, req_body(MODEL, x=2), hh)
    check("x-amz-content-sha256 + tampered body -> 403", s == 403 and msg(d) == MSG_SIG, (s, d))
    # A client that signs user-agent and extra headers (outside botocore's own blacklist).
    hh = sign(url, b, headers={"Content-Type": "application/json", "User-Agent": "codex/1", "amz-sdk-request": "attempt=1; max=3"},
              signer_cls=SignEverything)
    s, _, d = send(url, b, hh)
    check("client signing user-agent + amz-sdk-request -> 200", s == 200, (s, d))
    hh["User-Agent"] = "changed-by-proxy"
    s, _, d = send(url, b, hh)
    check("signed user-agent changed in flight -> 403", s == 403 and msg(d) == MSG_SIG, (s, d))
    hh = sign(url, b)
    hh["Accept-Encoding"] = "gzip"
    hh["X-Unsigned-Extra"] = "1"
    s, _, d = send(url, b, hh)
    check("extra unsigned headers added after signing -> 200", s == 200, (s, d))
    hh = sign(url, b)
    hh["Content-Type"] = "text/plain"
    s, _, d = send(url, b, hh)
    check("signed content-type changed -> 403", s == 403 and msg(d) == MSG_SIG, (s, d))
    # Host mismatch: signed for localhost:PORT but sent to 127.0.0.1:PORT
    port = urlsplit(url).port
    hh = sign(f"http://localhost:{port}/openai/v1/responses", b)
    s, _, d = send(url, b, hh)
    check("signed for another host -> 403", s == 403 and msg(d) == MSG_SIG, (s, d))
    # Region is recorded, any region accepted
    send(base + "/__reset", b"")
    s, _, d = send(url, b, sign(url, b, region="eu-central-1"))
    log = json.loads(send(base + "/__requests", method="GET")[2])
    a = log[-1]["auth"] if log else {}
    check("other region accepted and recorded", s == 200 and a.get("region") == "eu-central-1" and a.get("service") == "bedrock-mantle"
          and log[-1]["verified"] is True and "content-type" in a.get("signed_headers", []), (s, log[-1:]))
    # No auth
    s, rh, d = send(url, b, {"Content-Type": "application/json"})
    check("no Authorization -> 403 Missing Authentication Token", s == 403 and msg(d) == "Missing Authentication Token", (s, d))


def test_bearer(r):
    url = r["https"] + "/openai/v1/responses"
    b = req_body(MODEL)
    s, _, d = send(url, b, {"Authorization": f"Bearer {BEARER}", "Content-Type": "application/json"}, ca=r["ca"])
    check("bearer good -> 200", s == 200, (s, d))
    s, _, d = send(url, b, {"Authorization": "Bearer bedrock-api-key-WRONG", "Content-Type": "application/json"}, ca=r["ca"])
    check("bearer bad -> 403 API key message", s == 403 and msg(d) == "Authentication failed: Please make sure your API Key is valid.", (s, d))
    s, _, d = send(url, req_body("probe.bearer-denied"), {"Authorization": f"Bearer {BEARER}"}, ca=r["ca"])
    check("bearer + probe.bearer-denied -> 403 CallWithBearerToken", s == 403 and "bedrock-mantle:CallWithBearerToken" in (msg(d) or ""), (s, d))
    sb = req_body(MODEL, stream=True)
    s, h, d = send(url, sb, {"Authorization": f"Bearer {BEARER}"}, ca=r["ca"])
    check("stream:true -> SSE ending in response.completed", s == 200 and h.get("content-type") == "text/event-stream"
          and b"event: response.completed" in d, (s, h, d[:200]))


SCENARIOS = [
    (MODEL, 200, None),
    ("probe.access-denied", 403, "because no identity-based policy allows the bedrock-mantle:CreateInference action"),
    ("probe.explicit-deny", 403, "with an explicit deny in a service control policy"),
    ("probe.bearer-denied", 403, "bedrock-mantle:CallWithBearerToken"),
    ("probe.expired-token", 403, "The security token included in the request is expired"),
    ("probe.validation", 400, "Invalid 'tools': unknown variant 'web_search', expected 'function' or 'mcp'"),
    ("probe.throttled", 429, "Too many requests, please wait before trying again."),
    ("probe.server-error", 500, "Internal server error"),
    ("probe.clock-skew", 403, "Signature expired: "),
    ("openai.no-such-model", 404, "The model 'openai.no-such-model' does not exist"),
]


def test_scenarios(r):
    url = r["http"] + "/openai/v1/responses"
    for model, status, text in SCENARIOS:
        b = req_body(model)
        s, h, d = send(url, b, sign(url, b))
        ok = s == status and (text is None or text in (msg(d) or ""))
        check(f"scenario {model} -> {status}", ok, (s, d))
        date = h.get("date")
        skew = (parsedate_to_datetime(date) - dt.datetime.now(dt.timezone.utc)).total_seconds() if date else None
        if model == "probe.clock-skew":
            check("probe.clock-skew Date header ~10 min ahead", skew is not None and 590 <= skew <= 610, (date, skew))
        else:
            check(f"scenario {model} Date header correct", skew is not None and abs(skew) < 5, (date, skew))
    b = req_body("openai.no-such-model")
    s, _, d = send(url, b, sign(url, b))
    j = jbody(d)
    check("404 carries OpenAI error shape with code model_not_found", j.get("error", {}).get("code") == "model_not_found"
          and j["error"].get("type") == "invalid_request_error", j)


def test_control_plane(r):
    for base in (r["http"], r["https"]):
        sess = botocore.session.get_session()
        kw = dict(region_name=REGION, endpoint_url=base, aws_access_key_id=AK, aws_secret_access_key=SK,
                  verify=r["ca"] if base.startswith("https") else None, config=Config(retries={"max_attempts": 1}))
        br = sess.create_client("bedrock", **kw)
        out = br.list_foundation_models(byProvider="OpenAI")
        ids = [m["modelId"] for m in out["modelSummaries"]]
        check(f"botocore ListFoundationModels {urlsplit(base).scheme} -> OpenAI models", ids == [MODEL]
              and out["modelSummaries"][0]["modelArn"] == f"arn:aws:bedrock:{REGION}::foundation-model/{MODEL}", out)
        sts = sess.create_client("sts", **kw)
        ident = sts.get_caller_identity()
        check(f"botocore STS GetCallerIdentity {urlsplit(base).scheme} -> 123456789012", ident["Account"] == "123456789012"
              and ident["Arn"] == f"arn:aws:iam::123456789012:user/{AK}", ident)
    kw = dict(region_name=REGION, endpoint_url=r["http"], config=Config(retries={"max_attempts": 1}))
    br = botocore.session.get_session().create_client("bedrock", aws_access_key_id=NOLIST, aws_secret_access_key=NOLIST_SK, **kw)
    try:
        br.list_foundation_models()
        check("AKIDNOLISTACCESS -> AccessDeniedException", False, "no error")
    except ClientError as e:
        check("AKIDNOLISTACCESS -> AccessDeniedException", e.response["Error"]["Code"] == "AccessDeniedException"
              and "bedrock:ListFoundationModels" in e.response["Error"]["Message"], e.response)
    br = botocore.session.get_session().create_client("bedrock", aws_access_key_id=AK, aws_secret_access_key="wrong", **kw)
    try:
        br.list_foundation_models()
        check("ListFoundationModels wrong secret -> InvalidSignatureException", False, "no error")
    except ClientError as e:
        check("ListFoundationModels wrong secret -> InvalidSignatureException", e.response["Error"]["Code"] == "InvalidSignatureException", e.response)
    # Mantle's models list: SigV4 bedrock-mantle lists every --model, the bedrock scope is refused,
    # AKIDNOLISTACCESS is denied bedrock-mantle:ListModels.
    for path in ("/openai/v1/models", "/v1/models"):
        url = r["http"] + path
        s, _, d = send(url, b"", sign(url, b"", method="GET", headers={"Accept": "application/json"}), method="GET")
        ids = [m.get("id") for m in jbody(d).get("data", [])]
        check(f"Mantle models list {path} -> the --model ids", s == 200 and ids == [MODEL], (s, d))
    url = r["http"] + "/openai/v1/models"
    s, _, d = send(url, b"", sign(url, b"", method="GET", service="bedrock"), method="GET")
    check("Mantle models list with bedrock scope -> 403", s == 403 and msg(d) == "Credential should be scoped to correct service: 'bedrock-mantle'. ", (s, d))
    s, _, d = send(url, b"", sign(url, b"", method="GET", ak=NOLIST, sk=NOLIST_SK), method="GET")
    check("Mantle models list AKIDNOLISTACCESS -> bedrock-mantle:ListModels denied", s == 403 and "bedrock-mantle:ListModels" in (msg(d) or ""), (s, d))
    # mantle-scoped signature on the control plane is rejected (service must be bedrock)
    url = r["http"] + "/foundation-models?byProvider=OpenAI"
    s, _, d = send(url, b"", sign(url, b"", method="GET", service="bedrock-mantle"), method="GET")
    check("ListFoundationModels with bedrock-mantle scope -> 403", s == 403 and msg(d) == "Credential should be scoped to correct service: 'bedrock'. ", (s, d))
    sts = botocore.session.get_session().create_client("sts", aws_access_key_id="AKIDUNKNOWN", aws_secret_access_key=SK, **kw)
    try:
        sts.get_caller_identity()
        check("STS unknown AKID -> InvalidClientTokenId", False, "no error")
    except ClientError as e:
        check("STS unknown AKID -> InvalidClientTokenId", e.response["Error"]["Code"] == "InvalidClientTokenId"
              and e.response["Error"]["Message"] == MSG_TOKEN and e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, e.response)


def test_log(r):
    base = r["http"]
    s, _, _ = send(base + "/__reset", b"")
    log = json.loads(send(base + "/__requests", method="GET")[2])
    check("/__reset clears the log", s == 200 and log == [], log)
    url = r["https"] + "/openai/v1/responses"
    b = req_body(MODEL)
    send(url, b, sign(url, b, ak=ASIA, sk=ASIA_SK, token=ASIA_TOKEN), ca=r["ca"])
    log = json.loads(send(base + "/__requests", method="GET")[2])
    e = log[0] if log else {}
    a = e.get("auth", {})
    check("/__requests records listener, path, lower-cased headers, scope, verdict, model",
          len(log) == 1 and e["listener"] == "https" and e["path"] == "/openai/v1/responses" and e["model"] == MODEL
          and e["verified"] is True and e["status"] == 200 and a.get("kind") == "sigv4" and a.get("akid") == ASIA
          and a.get("region") == REGION and a.get("session_token_present") and a.get("session_token_signed")
          and "x-amz-security-token" in e["headers"] and "authorization" in e["headers"], e)


def test_delay():
    p, r, _ = start_standin("--delay-ms", "400", "--model", MODEL)
    try:
        url = r["http"] + "/openai/v1/responses"
        b = req_body(MODEL)
        t0 = time.monotonic()
        with cf.ThreadPoolExecutor(4) as ex:
            outs = list(ex.map(lambda _: (time.monotonic(), send(url, b, sign(url, b)), time.monotonic()), range(4)))
        total = time.monotonic() - t0
        each = [end - start for start, _, end in outs]
        check("--delay-ms 400: each answer >= 0.4 s", all(e >= 0.39 for e in each) and all(o[1][0] == 200 for o in outs), each)
        check("--delay-ms 400: 4 concurrent answers overlap (< 1.2 s total)", total < 1.2, total)
        s, _, _ = send(r["http"] + "/__requests", method="GET")
        t1 = time.monotonic()
        send(r["http"] + "/__requests", method="GET")
        check("--delay-ms does not delay /__requests", time.monotonic() - t1 < 0.3, time.monotonic() - t1)
    finally:
        p.stdin.close()
        p.wait(5)


def test_faults(r):
    def addr(u):
        s = urlsplit(u)
        return s.hostname, s.port

    req = b"POST /openai/v1/responses HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret-should-not-leak\r\nContent-Length: 2\r\n\r\n{}"
    # blackhole
    c = socket.create_connection(addr(r["blackhole"]), timeout=1.0)
    c.sendall(req)
    t0 = time.monotonic()
    try:
        got = c.recv(1)
        check("blackhole never answers", False, got)
    except socket.timeout:
        check("blackhole never answers (read times out)", time.monotonic() - t0 >= 0.9)
    c.close()
    # reset
    errs = []
    for _ in range(3):
        c = None
        try:
            # the RST may already hit connect() (seen under gVisor), or the first send/recv
            c = socket.create_connection(addr(r["reset"]), timeout=2)
            time.sleep(0.05)
            c.sendall(req)
            got = c.recv(10)
            errs.append(("eof" if got == b"" else got))
        except (ConnectionResetError, BrokenPipeError) as e:
            errs.append(type(e).__name__)
        finally:
            if c is not None:
                c.close()
    check("reset -> connection reset by peer", all(e in ("ConnectionResetError", "BrokenPipeError") for e in errs), errs)
    # drip
    c = socket.create_connection(addr(r["drip"]), timeout=3)
    c.sendall(req)
    buf = b""
    t0 = time.monotonic()
    while time.monotonic() - t0 < 3.2:
        try:
            buf += c.recv(100)
        except socket.timeout:
            break
    c.close()
    check("drip sends a status line then stalls inside the headers", buf.startswith(b"HTTP/1.1 200 OK\r\n") and b"\r\n\r\n" not in buf
          and 1 <= buf.count(b"a", len(b"HTTP/1.1 200 OK\r\nX-Drip: ")) <= 4, buf)
    log = json.loads(send(r["http"] + "/__requests", method="GET")[2])
    check("drip request head was recorded (listener=drip)", any(e["listener"] == "drip" and e["headers"].get("authorization") == "Bearer secret-should-not-leak" for e in log), log[-3:])
    # http.client with a 1.5 s per-read timeout against drip: a byte arrives every second, so the
    # per-read timeout never fires and the call never completes; only a total deadline catches it.
    import threading
    done = threading.Event()

    def drip_call():
        try:
            send(r["drip"] + "/openai/v1/responses", b"{}", {}, timeout=1.5)
        except Exception:
            pass
        done.set()

    threading.Thread(target=drip_call, daemon=True).start()
    check("drip defeats a 1.5 s per-read timeout (still no response after 3.5 s)", not done.wait(3.5))
    # badtls
    try:
        send(r["badtls"] + "/openai/v1/responses", b"{}", {}, ca=r["ca"])
        check("badtls fails verification with the CA", False, "no error")
    except ssl.SSLCertVerificationError as e:
        check("badtls fails verification with the CA", "self-signed" in str(e) or "unable to get local issuer" in str(e) or "self signed" in str(e), e)
    try:
        send(r["badtls"] + "/openai/v1/responses", b"{}", {})
        check("badtls fails verification with system roots", False, "no error")
    except ssl.SSLCertVerificationError:
        check("badtls fails verification with system roots", True)
    # https with the CA, by IP too (SAN has 127.0.0.1)
    port = urlsplit(r["https"]).port
    s, _, _ = send(f"https://127.0.0.1:{port}/__requests", method="GET", ca=r["ca"])
    check("https leaf valid for 127.0.0.1 too", s == 200, s)
    try:
        send(r["https"] + "/__requests", method="GET")
        check("https leaf NOT trusted without the CA", False, "no error")
    except ssl.SSLCertVerificationError:
        check("https leaf NOT trusted without the CA", True)
    # A client that ignores TLS errors is visible in the log
    send(r["http"] + "/__reset", b"")
    u = urlsplit(r["badtls"])
    ctx = ssl._create_unverified_context()
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=5)
    conn.request("POST", "/openai/v1/responses", body=b"{}", headers={"Authorization": "Bearer leaked"})
    conn.getresponse().read()
    log = json.loads(send(r["http"] + "/__requests", method="GET")[2])
    check("insecure request to badtls is recorded with listener=badtls", any(e["listener"] == "badtls" and e["headers"].get("authorization") == "Bearer leaked" for e in log), log)


def test_lifecycle():
    p, _, _ = start_standin()
    p.stdin.close()
    try:
        p.wait(3)
        check("exits when stdin closes", p.returncode == 0, p.returncode)
    except subprocess.TimeoutExpired:
        p.kill()
        check("exits when stdin closes", False, "still running")
    p, r, _ = start_standin()
    ca_dir = os.path.dirname(r["ca"])
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(3)
        check("exits on SIGTERM and removes its temp dir", p.returncode == 0 and not os.path.exists(ca_dir), (p.returncode, os.path.exists(ca_dir)))
    except subprocess.TimeoutExpired:
        p.kill()
        check("exits on SIGTERM", False, "still running")


def test_moto():
    """tests/live/moto.sh: moto's server as the STS peer, stopped when our pipe closes."""
    t0 = time.monotonic()
    p = subprocess.Popen([os.path.join(HERE, "moto.sh")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        ready = time.monotonic() - t0
        r = json.loads(line) if line else {}
        check("moto.sh prints its ready line", "moto" in r, line)
        sts = botocore.session.get_session().create_client(
            "sts", region_name="us-east-1", endpoint_url=r["moto"],
            aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key=SK)
        ident = sts.get_caller_identity()
        total = time.monotonic() - t0
        check("moto STS GetCallerIdentity -> 123456789012", ident["Account"] == "123456789012", ident)
        print(f"timing: moto.sh ready line after {ready:.2f}s, first GetCallerIdentity answered after {total:.2f}s", flush=True)
    finally:
        p.stdin.close()
        p.wait(10)
    time.sleep(0.3)
    try:
        os.kill(r["pid"], 0)
        check("moto_server stops when moto.sh's stdin closes", False, r)
    except ProcessLookupError:
        check("moto_server stops when moto.sh's stdin closes", True)


def main():
    global VERBOSE
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-moto", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    VERBOSE = args.verbose
    p, r, startup = start_standin(
        "--credentials", f"{AK}:{SK}", "--credentials", f"{ASIA}:{ASIA_SK}:{ASIA_TOKEN}",
        "--credentials", f"{NOLIST}:{NOLIST_SK}", "--bearer", BEARER, "--model", MODEL,
    )
    print(f"timing: standin.py ready line after {startup * 1000:.0f} ms", flush=True)
    try:
        for group in (test_sigv4, test_bearer, test_scenarios, test_control_plane, test_log, test_faults):
            try:
                group(r)
            except Exception as e:  # a crash in a group is a failure, not an abort
                traceback.print_exc()
                check(f"{group.__name__} ran without crashing", False, repr(e))
        for group in (test_delay, test_lifecycle) + (() if args.no_moto else (test_moto,)):
            try:
                group()
            except Exception as e:
                traceback.print_exc()
                check(f"{group.__name__} ran without crashing", False, repr(e))
    finally:
        p.stdin.close()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
    passed = sum(1 for _, ok, _ in results if ok)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
