#!/usr/bin/env python3
"""Loopback stand-in for the AWS endpoints bedrock-doctor talks to.

One process, several listeners on 127.0.0.1 (ephemeral ports):

  http / https  Bedrock Mantle Responses API, Bedrock control plane (ListFoundationModels), STS
                GetCallerIdentity, plus /__requests and /__reset. SigV4 is verified independently
                with botocore (see verify_sigv4).
  blackhole     accepts TCP, never reads, never answers
  reset         accepts and closes at once with RST (SO_LINGER 0)
  drip          reads the request head, sends an HTTP/1.1 status line, then one header byte a second
  badtls        TLS with a self-signed certificate that is NOT under the throwaway CA

Start:  .venv/bin/python tests/live/standin.py [--delay-ms D] [--credentials AKID:SECRET[:TOKEN]]...
                                               [--bearer TOKEN]... [--model ID]... [--no-stdin-watch]
Ready:  one JSON line on stdout (see README.md). Exits when stdin closes, and on SIGTERM/SIGINT.

The contract is in tests/live/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import ipaddress
import json
import os
import shutil
import signal
import socket
import ssl
import struct
import sys
import tempfile
import threading
import time
import uuid
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ACCOUNT = "123456789012"
SKEW_LIMIT = dt.timedelta(minutes=5)
SIGV4_FMT = "%Y%m%dT%H%M%SZ"

MSG_INVALID_TOKEN = "The security token included in the request is invalid."
MSG_SIG_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
MSG_MISSING_AUTH = "Missing Authentication Token"
MSG_BAD_API_KEY = "Authentication failed: Please make sure your API Key is valid."
DENY_PREFIX = f"User: arn:aws:iam::{ACCOUNT}:user/dev is not authorized to perform: "
MANTLE_RESOURCE = f"arn:aws:bedrock-mantle:us-east-1:{ACCOUNT}:project/default"

ERRTYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazon.coral.service/"

# ---------------------------------------------------------------------------------------------
# botocore clock pinning: botocore.auth.get_current_datetime is patched ONCE with a function that
# returns a per-thread pinned time, so concurrent verifications don't race.
# ---------------------------------------------------------------------------------------------
_pinned = threading.local()
_real_now = botocore.auth.get_current_datetime


def _pinned_now():
    pinned = getattr(_pinned, "dt", None)
    return pinned if pinned is not None else _real_now()


botocore.auth.get_current_datetime = _pinned_now


class ServerSideSigV4Auth(SigV4Auth):
    """botocore's SigV4Auth, with one server-side difference: the client-side blacklist of headers
    botocore would never sign itself (user-agent, connection, ...) is not applied. A server signs
    exactly what SignedHeaders lists, and the request we rebuild contains only those headers, so
    dropping any of them would make a valid signature from another SDK fail here. Everything else
    (canonical request, path double-encoding, query sorting, trimming, string-to-sign, key
    derivation, Authorization format) is botocore's own code."""

    def headers_to_sign(self, request):
        header_map = botocore.auth.HTTPHeaders()
        for name, value in request.headers.items():
            header_map[name.lower()] = value
        if "host" not in header_map:
            header_map["host"] = botocore.auth._host_from_url(request.url)
        return header_map


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


class AuthError(Exception):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind  # short machine-readable reason, also the x-amzn-ErrorType / STS code basis
        self.message = message


ERRTYPES = {
    # kind -> (restJson x-amzn-ErrorType, STS query-protocol code)
    "missing": ("MissingAuthenticationTokenException", "MissingAuthenticationToken"),
    "incomplete": ("IncompleteSignatureException", "IncompleteSignature"),
    "unknown_akid": ("UnrecognizedClientException", "InvalidClientTokenId"),
    "bad_token": ("UnrecognizedClientException", "InvalidClientTokenId"),
    "wrong_service": ("InvalidSignatureException", "SignatureDoesNotMatch"),
    "expired": ("InvalidSignatureException", "SignatureDoesNotMatch"),
    "not_yet_current": ("InvalidSignatureException", "SignatureDoesNotMatch"),
    "no_date": ("IncompleteSignatureException", "IncompleteSignature"),
    "mismatch": ("InvalidSignatureException", "SignatureDoesNotMatch"),
    "bad_api_key": ("UnrecognizedClientException", "InvalidClientTokenId"),
}


def parse_sigv4_header(value: str) -> dict:
    algo, _, rest = value.strip().partition(" ")
    if algo != "AWS4-HMAC-SHA256":
        raise AuthError("incomplete", f"Unsupported signing algorithm: {algo}")
    parts = {}
    for item in rest.split(","):
        k, sep, v = item.strip().partition("=")
        if sep:
            parts[k.strip()] = v.strip()
    missing = [p for p in ("Credential", "SignedHeaders", "Signature") if p not in parts]
    if missing:
        raise AuthError(
            "incomplete",
            " ".join(f"Authorization header requires '{p}' parameter." for p in missing)
            + f" Authorization={value}",
        )
    cred = parts["Credential"].split("/")
    if len(cred) != 5 or cred[4] != "aws4_request":
        raise AuthError("incomplete", f"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{parts['Credential']}'")
    return {
        "akid": cred[0],
        "scope_date": cred[1],
        "region": cred[2],
        "service": cred[3],
        "signed_headers": parts["SignedHeaders"].split(";"),
        "signature": parts["Signature"],
    }


def fmt_amz(t: dt.datetime) -> str:
    return t.strftime(SIGV4_FMT)


def verify_sigv4(state, *, method, scheme, raw_path, body, headers, service, server_now, auth_value, log):
    """Judge a SigV4 request like AWS would. Raises AuthError; fills `log` (the request's auth record)."""
    p = parse_sigv4_header(auth_value)
    log.update({k: p[k] for k in ("akid", "scope_date", "region", "service", "signed_headers")})
    hmap = {}
    for name, value in headers:
        hmap.setdefault(name.lower(), []).append(value)
    token = hmap.get("x-amz-security-token", [None])[0]
    log["session_token_present"] = token is not None
    log["session_token_signed"] = "x-amz-security-token" in p["signed_headers"]
    log["host_signed"] = "host" in p["signed_headers"]
    if p["service"] != service:
        raise AuthError("wrong_service", f"Credential should be scoped to correct service: '{service}'. ")
    entry = state.credentials.get(p["akid"])
    if entry is None:
        raise AuthError("unknown_akid", MSG_INVALID_TOKEN)
    secret, want_token = entry
    if want_token is not None and token != want_token:
        raise AuthError("bad_token", MSG_INVALID_TOKEN)
    amz_date = hmap.get("x-amz-date", [None])[0]
    if amz_date is not None:
        try:
            req_time = dt.datetime.strptime(amz_date.strip(), SIGV4_FMT)
        except ValueError:
            raise AuthError("incomplete", f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See http://en.wikipedia.org/wiki/ISO_8601")
    elif "date" in hmap:
        from email.utils import parsedate_to_datetime

        try:
            req_time = parsedate_to_datetime(hmap["date"][0]).astimezone(dt.timezone.utc).replace(tzinfo=None)
        except (TypeError, ValueError):
            raise AuthError("no_date", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        amz_date = fmt_amz(req_time)
    else:
        raise AuthError("no_date", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    log["amz_date"] = amz_date
    if req_time < server_now - SKEW_LIMIT:
        raise AuthError(
            "expired",
            f"Signature expired: {amz_date} is now earlier than {fmt_amz(server_now - SKEW_LIMIT)} ({fmt_amz(server_now)} - 5 min.)",
        )
    if req_time > server_now + SKEW_LIMIT:
        raise AuthError(
            "not_yet_current",
            f"Signature not yet current: {amz_date} is still later than {fmt_amz(server_now + SKEW_LIMIT)} ({fmt_amz(server_now)} + 5 min.)",
        )
    # botocore trusts a present X-Amz-Content-SHA256 instead of hashing the body; a server must not.
    declared = hmap.get("x-amz-content-sha256", [None])[0]
    actual = hashlib.sha256(body).hexdigest()
    if declared is not None and declared not in ("UNSIGNED-PAYLOAD", actual):
        log["content_sha256_mismatch"] = True
        raise AuthError("mismatch", MSG_SIG_MISMATCH)

    # Rebuild the request from what was received, keeping only the signed headers.
    host = hmap.get("host", [""])[0]
    split = urlsplit(raw_path)
    url = f"{scheme}://{host}{split.path}"
    params = [(unquote(k), unquote(v)) for k, _, v in (pair.partition("=") for pair in split.query.split("&") if pair)]
    req = AWSRequest(method=method, url=url, data=body, params=params or None)
    for name in p["signed_headers"]:
        if name in ("x-amz-date", "x-amz-security-token"):
            continue  # botocore adds these itself
        for value in hmap.get(name, []):
            req.headers[name] = value
    if "x-amz-date" not in p["signed_headers"] and "date" in p["signed_headers"]:
        pass  # botocore re-derives Date from the pinned clock
    signer = ServerSideSigV4Auth(Credentials(p["akid"], secret, token), p["service"], p["region"])
    _pinned.dt = req_time
    try:
        signer.add_auth(req)
    finally:
        _pinned.dt = None
    expected = req.headers["Authorization"]
    log["expected_authorization"] = expected
    try:
        exp = parse_sigv4_header(expected)
    except AuthError:
        exp = {}
    log["exact_match"] = expected == auth_value
    same = (
        exp.get("signature") == p["signature"]
        and exp.get("signed_headers") == p["signed_headers"]
        and exp.get("scope_date") == p["scope_date"]
    )
    if not same:
        raise AuthError("mismatch", MSG_SIG_MISMATCH)


# ---------------------------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------------------------
def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_certs(dirpath: str) -> dict:
    now = dt.datetime.now(dt.timezone.utc)
    nb, na = now - dt.timedelta(days=1), now + dt.timedelta(days=30)
    san = x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])

    def key():
        return ec.generate_private_key(ec.SECP256R1())

    def pem_key(k):
        return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())

    ca_key = key()
    ca_name = _name("bedrock-doctor throwaway test CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(nb)
        .not_valid_after(na)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(issuer_name, issuer_key, leaf_key, cn):
        b = (
            x509.CertificateBuilder()
            .subject_name(_name(cn))
            .issuer_name(issuer_name)
            .public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(nb)
            .not_valid_after(na)
            .add_extension(san, critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        )
        if issuer_key is not leaf_key:
            b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
        return b.sign(issuer_key, hashes.SHA256())

    leaf_key = key()
    good = leaf(ca_name, ca_key, leaf_key, "localhost")
    bad_key = key()
    bad = leaf(_name("localhost"), bad_key, bad_key, "localhost")  # self-signed, not under the CA

    out = {}

    def write(fname, data):
        path = os.path.join(dirpath, fname)
        with open(path, "wb") as f:
            f.write(data)
        return path

    pem = lambda c: c.public_bytes(serialization.Encoding.PEM)  # noqa: E731
    out["ca"] = write("ca.pem", pem(ca))
    out["leaf_chain"] = write("leaf.pem", pem(good) + pem(ca))
    out["leaf_key"] = write("leaf.key", pem_key(leaf_key))
    out["bad_cert"] = write("badtls.pem", pem(bad))
    out["bad_key"] = write("badtls.key", pem_key(bad_key))
    return out


def server_ctx(cert, key) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


# ---------------------------------------------------------------------------------------------
# State and request log
# ---------------------------------------------------------------------------------------------
class State:
    def __init__(self, args):
        self.delay = args.delay_ms / 1000.0
        self.credentials: dict[str, tuple[str, str | None]] = {}
        for c in args.credentials or ["AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]:
            parts = c.split(":", 2)
            if len(parts) < 2 or not parts[0] or not parts[1]:
                sys.exit(f"standin: --credentials wants AKID:SECRET[:TOKEN], got {c!r}")
            self.credentials[parts[0]] = (parts[1], parts[2] if len(parts) == 3 else None)
        self.bearers = set(args.bearer or [])
        self.models = list(args.model or [])
        self.lock = threading.Lock()
        self.log: list[dict] = []
        self.seq = 0

    def record(self, entry: dict):
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            self.log.append(entry)


def error_json(message, key="message"):
    return json.dumps({key: message}, separators=(",", ":")).encode()


def openai_error(message, typ="invalid_request_error", code=None):
    err = {"message": message, "type": typ}
    if code is not None:
        err["code"] = code
    return json.dumps({"error": err}, separators=(",", ":")).encode()


def deny(action, resource=None, explicit=None):
    msg = DENY_PREFIX + action
    if resource:
        msg += f" on resource: {resource}"
    if explicit:
        msg += f" with an explicit deny in a {explicit}"
    else:
        msg += f" because no identity-based policy allows the {action} action"
    return msg


def responses_object(model, stream):
    rid = "resp_" + uuid.uuid4().hex
    mid = "msg_" + uuid.uuid4().hex
    item = {
        "id": mid,
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "OK", "annotations": []}],
    }
    obj = {
        "id": rid,
        "object": "response",
        "created_at": int(time.time()),
        "status": "completed",
        "model": model,
        "output": [item],
        "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2},
    }
    if not stream:
        return "application/json", json.dumps(obj).encode()
    created = dict(obj, status="in_progress", output=[])
    events = [
        ("response.created", {"type": "response.created", "response": created}),
        ("response.output_item.added", {"type": "response.output_item.added", "output_index": 0, "item": dict(item, status="in_progress", content=[])}),
        ("response.output_text.delta", {"type": "response.output_text.delta", "item_id": mid, "output_index": 0, "content_index": 0, "delta": "OK"}),
        ("response.output_item.done", {"type": "response.output_item.done", "output_index": 0, "item": item}),
        ("response.completed", {"type": "response.completed", "response": obj}),
    ]
    body = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)
    return "text/event-stream", body.encode()


# ---------------------------------------------------------------------------------------------
# HTTP handler for the main listeners (and badtls, so a client that ignores TLS errors is visible)
# ---------------------------------------------------------------------------------------------
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "standin"
    sys_version = ""
    state: State = None  # set per server class
    listener = "http"
    scheme = "http"

    def log_message(self, fmt, *args):  # quiet; the JSON log is the record
        pass

    def version_string(self):
        return self.server_version

    def date_time_string(self, timestamp=None):
        offset = getattr(self, "_date_offset", 0)
        return formatdate((timestamp or time.time()) + offset, usegmt=True)

    # -- plumbing --
    def _read_body(self) -> bytes:
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status, body: bytes, ctype="application/json", extra=None, entry=None):
        if self.path.split("?")[0] not in ("/__requests", "/__reset") and self.state.delay:
            time.sleep(self.state.delay)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", self._rid)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        if entry is not None:
            entry["status"] = status
            entry["response_headers"] = {k.lower(): v for k, v in (extra or {}).items()}
            try:
                entry["response_body"] = json.loads(body) if ctype == "application/json" else body.decode("utf-8", "replace")
            except ValueError:
                entry["response_body"] = body.decode("utf-8", "replace")

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch()

    def _dispatch(self):
        self._rid = str(uuid.uuid4())
        self._date_offset = 0
        body = self._read_body()
        path = self.path.split("?")[0]
        if path == "/__requests" and self.command == "GET":
            with self.state.lock:
                data = json.dumps(self.state.log, indent=None).encode()
            return self._send(200, data)
        if path == "/__reset" and self.command == "POST":
            with self.state.lock:
                self.state.log.clear()
            return self._send(200, b'{"reset":true}')
        hdr_pairs = list(self.headers.items())
        headers = {}
        for k, v in hdr_pairs:
            k = k.lower()
            headers[k] = headers[k] + ", " + v if k in headers else v
        entry = {
            "listener": self.listener,
            "time": time.time(),
            "method": self.command,
            "path": self.path,
            "headers": headers,
            "body_len": len(body),
            "body_sha256": hashlib.sha256(body).hexdigest(),
            "body": body[:65536].decode("utf-8", "replace"),
            "auth": {"kind": "none"},
            "verified": None,
            "reason": None,
            "model": None,
            "route": None,
        }
        self.state.record(entry)
        try:
            if self.command == "POST" and path in ("/openai/v1/responses", "/v1/responses"):
                entry["route"] = "mantle.responses"
                return self._mantle(body, hdr_pairs, entry)
            if self.command == "GET" and path in ("/openai/v1/models", "/v1/models"):
                entry["route"] = "mantle.models"
                return self._mantle_models(body, hdr_pairs, entry)
            if self.command == "GET" and path == "/foundation-models":
                entry["route"] = "bedrock.ListFoundationModels"
                return self._list_models(body, hdr_pairs, entry)
            if self.command == "POST" and path == "/":
                entry["route"] = "sts"
                return self._sts(body, hdr_pairs, entry)
            entry["route"] = "unknown"
            return self._send(404, error_json(f"No route for {self.command} {path}"), entry=entry)
        except (BrokenPipeError, ConnectionResetError):
            raise
        except Exception as e:  # never leave a client hanging on a stand-in bug
            entry["reason"] = f"standin internal error: {e!r}"
            return self._send(500, error_json(f"standin internal error: {e!r}"), entry=entry)

    def _auth(self, body, hdr_pairs, entry, service):
        """Returns None when authenticated, else AuthError. Bearer allowed only when service is mantle."""
        auth = self.headers.get("Authorization")
        a = entry["auth"]
        server_now = now_utc()
        if not auth:
            return AuthError("missing", MSG_MISSING_AUTH)
        if auth.startswith("Bearer ") and service == "bedrock-mantle":
            a["kind"] = "bearer"
            tok = auth[len("Bearer "):].strip()
            a["token_prefix"] = tok[:16]
            if tok in self.state.bearers:
                return None
            return AuthError("bad_api_key", MSG_BAD_API_KEY)
        if not auth.startswith("AWS4-HMAC-SHA256"):
            a["kind"] = "other"
            return AuthError("incomplete", f"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization={auth.split(' ')[0]}")
        a["kind"] = "sigv4"
        try:
            verify_sigv4(
                self.state,
                method=self.command,
                scheme=self.scheme,
                raw_path=self.path,
                body=body,
                headers=hdr_pairs,
                service=service,
                server_now=server_now,
                auth_value=auth,
                log=a,
            )
        except AuthError as e:
            return e
        return None

    def _json_auth_error(self, err: AuthError, entry, status=403):
        entry["verified"] = False
        entry["reason"] = err.kind
        key = "Message" if err.kind == "bad_api_key" else "message"
        self._send(status, error_json(err.message, key), extra={"x-amzn-ErrorType": ERRTYPES[err.kind][0] + ERRTYPE_SUFFIX}, entry=entry)

    # -- Bedrock Mantle Responses API --
    def _mantle(self, body, hdr_pairs, entry):
        err = self._auth(body, hdr_pairs, entry, "bedrock-mantle")
        if err is not None:
            return self._json_auth_error(err, entry)
        entry["verified"] = True
        try:
            req = json.loads(body or b"null")
        except ValueError:
            return self._send(400, openai_error("We could not parse the JSON body of your request."), entry=entry)
        if not isinstance(req, dict) or not isinstance(req.get("model"), str):
            return self._send(400, openai_error("Missing required parameter: 'model'."), entry=entry)
        model = req["model"]
        entry["model"] = model
        stream = req.get("stream") is True
        aws_err = lambda status, typ, msg: self._send(  # noqa: E731
            status, error_json(msg), extra={"x-amzn-ErrorType": typ + ERRTYPE_SUFFIX}, entry=entry
        )
        if model in self.state.models:
            ctype, out = responses_object(model, stream)
            return self._send(200, out, ctype=ctype, entry=entry)
        if model == "probe.access-denied":
            return aws_err(403, "AccessDeniedException", deny("bedrock-mantle:CreateInference", MANTLE_RESOURCE))
        if model == "probe.explicit-deny":
            return aws_err(403, "AccessDeniedException", deny("bedrock-mantle:CreateInference", MANTLE_RESOURCE, "service control policy"))
        if model == "probe.bearer-denied":
            return aws_err(403, "AccessDeniedException", deny("bedrock-mantle:CallWithBearerToken", MANTLE_RESOURCE))
        if model == "probe.expired-token":
            return aws_err(403, "ExpiredTokenException", "The security token included in the request is expired")
        if model == "probe.validation":
            return self._send(400, openai_error("Invalid 'tools': unknown variant 'web_search', expected 'function' or 'mcp'"), entry=entry)
        if model == "probe.throttled":
            return aws_err(429, "ThrottlingException", "Too many requests, please wait before trying again.")
        if model == "probe.server-error":
            return aws_err(500, "InternalServerException", "Internal server error")
        if model == "probe.clock-skew":
            self._date_offset = 600
            server_now = now_utc() + dt.timedelta(minutes=10)
            amz = entry["auth"].get("amz_date") or fmt_amz(now_utc())
            msg = f"Signature expired: {amz} is now earlier than {fmt_amz(server_now - SKEW_LIMIT)} ({fmt_amz(server_now)} - 5 min.)"
            entry["reason"] = "clock-skew scenario"
            return aws_err(403, "InvalidSignatureException", msg)
        return self._send(
            404, openai_error(f"The model '{model}' does not exist", code="model_not_found"), entry=entry
        )

    # -- Bedrock Mantle models list (OpenAI-compatible GET /models) --
    def _mantle_models(self, body, hdr_pairs, entry):
        err = self._auth(body, hdr_pairs, entry, "bedrock-mantle")
        if err is not None:
            return self._json_auth_error(err, entry)
        entry["verified"] = True
        if entry["auth"].get("akid") == "AKIDNOLISTACCESS":
            return self._send(
                403,
                error_json(deny("bedrock-mantle:ListModels", MANTLE_RESOURCE)),
                extra={"x-amzn-ErrorType": "AccessDeniedException" + ERRTYPE_SUFFIX},
                entry=entry,
            )
        data = [
            {"id": mid, "object": "model", "created": 1764547200, "owned_by": mid.split(".")[0]}
            for mid in self.state.models
        ]
        return self._send(200, json.dumps({"object": "list", "data": data}).encode(), entry=entry)

    # -- Bedrock control plane: ListFoundationModels --
    def _list_models(self, body, hdr_pairs, entry):
        err = self._auth(body, hdr_pairs, entry, "bedrock")
        if err is not None:
            return self._json_auth_error(err, entry)
        entry["verified"] = True
        region = entry["auth"].get("region", "us-east-1")
        if entry["auth"].get("akid") == "AKIDNOLISTACCESS":
            return self._send(
                403,
                error_json(deny("bedrock:ListFoundationModels")),
                extra={"x-amzn-ErrorType": "AccessDeniedException" + ERRTYPE_SUFFIX},
                entry=entry,
            )
        q = dict(parse_qsl(urlsplit(self.path).query))
        provider = q.get("byProvider")
        summaries = []
        for mid in self.state.models:
            if not mid.startswith("openai."):
                continue
            if provider and provider.lower() != "openai":
                continue
            summaries.append(
                {
                    "modelArn": f"arn:aws:bedrock:{region}::foundation-model/{mid}",
                    "modelId": mid,
                    "modelName": mid,
                    "providerName": "OpenAI",
                    "inputModalities": ["TEXT"],
                    "outputModalities": ["TEXT"],
                    "responseStreamingSupported": True,
                    "customizationsSupported": [],
                    "inferenceTypesSupported": ["ON_DEMAND"],
                    "modelLifecycle": {"status": "ACTIVE"},
                }
            )
        return self._send(200, json.dumps({"modelSummaries": summaries}).encode(), entry=entry)

    # -- STS GetCallerIdentity (awsQuery) --
    def _sts_error(self, status, typ, code, message, entry):
        xml = (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            f"<Error><Type>{typ}</Type><Code>{code}</Code><Message>{_xml_escape(message)}</Message></Error>"
            f"<RequestId>{self._rid}</RequestId></ErrorResponse>"
        )
        return self._send(status, xml.encode(), ctype="text/xml", entry=entry)

    def _sts(self, body, hdr_pairs, entry):
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        entry["sts_action"] = form.get("Action")
        err = self._auth(body, hdr_pairs, entry, "sts")
        if err is not None:
            entry["verified"] = False
            entry["reason"] = err.kind
            return self._sts_error(403, "Sender", ERRTYPES[err.kind][1], err.message, entry)
        entry["verified"] = True
        if form.get("Action") != "GetCallerIdentity":
            return self._sts_error(400, "Sender", "InvalidAction", f"Could not find operation {form.get('Action')} for version {form.get('Version')}", entry)
        akid = entry["auth"]["akid"]
        xml = (
            '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n'
            "  <GetCallerIdentityResult>\n"
            f"    <Arn>arn:aws:iam::{ACCOUNT}:user/{_xml_escape(akid)}</Arn>\n"
            f"    <UserId>{_xml_escape(akid)}</UserId>\n"
            f"    <Account>{ACCOUNT}</Account>\n"
            "  </GetCallerIdentityResult>\n"
            "  <ResponseMetadata>\n"
            f"    <RequestId>{self._rid}</RequestId>\n"
            "  </ResponseMetadata>\n"
            "</GetCallerIdentityResponse>\n"
        )
        return self._send(200, xml.encode(), ctype="text/xml", entry=entry)


def _xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    tls_ctx: ssl.SSLContext | None = None

    def finish_request(self, request, client_address):
        # TLS handshake happens here, in the per-connection thread, so a client that never
        # handshakes can't block the accept loop.
        if self.tls_ctx is not None:
            request.settimeout(10)
            try:
                request = self.tls_ctx.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
            request.settimeout(None)
            try:
                self.RequestHandlerClass(request, client_address, self)
            finally:
                try:
                    request.close()
                except OSError:
                    pass
            return
        self.RequestHandlerClass(request, client_address, self)

    def handle_error(self, request, client_address):
        pass  # a client hanging up mid-answer is not our problem


def make_http(state, listener, scheme, ctx=None):
    handler = type(f"Handler_{listener}", (Handler,), {"state": state, "listener": listener, "scheme": scheme})
    srv = Server(("127.0.0.1", 0), handler)
    srv.tls_ctx = ctx
    threading.Thread(target=srv.serve_forever, name=listener, daemon=True).start()
    return srv.server_address[1]


# ---------------------------------------------------------------------------------------------
# Fault listeners
# ---------------------------------------------------------------------------------------------
def listen():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(128)
    return s


def blackhole():
    s = listen()
    held = []

    def loop():
        while True:
            c, _ = s.accept()
            held.append(c)  # never read, never answer, never close

    threading.Thread(target=loop, name="blackhole", daemon=True).start()
    return s.getsockname()[1]


def reset():
    s = listen()

    def loop():
        while True:
            c, _ = s.accept()
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.close()  # RST

    threading.Thread(target=loop, name="reset", daemon=True).start()
    return s.getsockname()[1]


def drip(state):
    s = listen()

    def one(c):
        try:
            c.settimeout(5)
            buf = b""
            while b"\r\n\r\n" not in buf and len(buf) < 65536:
                chunk = c.recv(4096)
                if not chunk:
                    break
                buf += chunk
            head = buf.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
            if head and head[0]:
                parts = head[0].split(" ")
                hdrs = {}
                for line in head[1:]:
                    k, _, v = line.partition(":")
                    k = k.strip().lower()
                    hdrs[k] = hdrs[k] + ", " + v.strip() if k in hdrs else v.strip()
                state.record({"listener": "drip", "time": time.time(), "method": parts[0],
                              "path": parts[1] if len(parts) > 1 else "", "headers": hdrs, "route": "drip"})
            c.settimeout(None)
            c.sendall(b"HTTP/1.1 200 OK\r\nX-Drip: ")
            while True:
                time.sleep(1)
                c.sendall(b"a")
        except OSError:
            pass
        finally:
            c.close()

    def loop():
        while True:
            c, _ = s.accept()
            threading.Thread(target=one, args=(c,), daemon=True).start()

    threading.Thread(target=loop, name="drip", daemon=True).start()
    return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--delay-ms", type=int, default=0, help="delay every answer on the main listeners")
    ap.add_argument("--credentials", action="append", metavar="AKID:SECRET[:TOKEN]",
                    help="accepted SigV4 credentials (repeatable). Default: AKIDEXAMPLE with the AWS docs example secret")
    ap.add_argument("--bearer", action="append", metavar="TOKEN", help="accepted bearer tokens (repeatable)")
    ap.add_argument("--model", action="append", metavar="ID", help="models that answer 200 (repeatable)")
    ap.add_argument("--no-stdin-watch", action="store_true", help="don't exit when stdin closes (manual use)")
    args = ap.parse_args()

    state = State(args)
    tmp = tempfile.mkdtemp(prefix="standin-")

    def bye(*_):
        shutil.rmtree(tmp, ignore_errors=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, bye)
    signal.signal(signal.SIGINT, bye)

    certs = make_certs(tmp)
    ready = {
        "http": f"http://127.0.0.1:{make_http(state, 'http', 'http')}",
        "https": f"https://localhost:{make_http(state, 'https', 'https', server_ctx(certs['leaf_chain'], certs['leaf_key']))}",
        "ca": certs["ca"],
        "blackhole": f"http://127.0.0.1:{blackhole()}",
        "reset": f"http://127.0.0.1:{reset()}",
        "drip": f"http://127.0.0.1:{drip(state)}",
        "badtls": f"https://localhost:{make_http(state, 'badtls', 'https', server_ctx(certs['bad_cert'], certs['bad_key']))}",
        "pid": os.getpid(),
    }
    sys.stdout.write(json.dumps(ready) + "\n")
    sys.stdout.flush()

    if not args.no_stdin_watch:
        def watch():
            try:
                while sys.stdin.buffer.read1(65536) if hasattr(sys.stdin.buffer, "read1") else sys.stdin.buffer.read(1):
                    pass
            except (OSError, ValueError):
                pass
            bye()

        threading.Thread(target=watch, name="stdin-watch", daemon=True).start()
    try:
        while True:
            time.sleep(3600)
    finally:
        bye()


if __name__ == "__main__":
    main()
