#!/usr/bin/env python3
"""Loopback TLS-terminating capture proxy for the Codex fidelity harness.

An HTTP proxy on 127.0.0.1:<port>.  `CONNECT host:443` is answered with 200 and the tunnel is
TLS-terminated with a leaf certificate for the requested name (SNI, else the CONNECT host), signed
by a throwaway CA generated at start.  Plain `GET http://host/...` proxy requests are recorded too.
`direct_ports` adds plain-HTTP listeners on 127.0.0.1 that record requests sent straight to them, for
a client that bypasses the proxy on loopback (a `base_url = "http://127.0.0.1:4000/v1"` gateway);
each record says how it arrived (`via`: proxy-connect, proxy-http or direct) and on which port.
Every request is recorded (method, CONNECT host, Host header, path, lower-cased headers, body
JSON-parsed when possible) and answered with a fixed status (default 400) and a small JSON body,
with `connection: close`, so the client gives up quickly.  Nothing is forwarded anywhere.

Library use (run_case.py):   srv = CaptureServer(status=400); srv.start(); ... srv.records
CLI use:  capture.py --ca-out ca.pem --log requests.jsonl [--port 0] [--port-file F] [--status 400]

Only dependency besides the stdlib: `cryptography`.
"""
from __future__ import annotations

import argparse
import base64
import datetime as _dt
import ipaddress
import json
import os
import signal
import socket
import ssl
import sys
import tempfile
import threading
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_BODY = {"message": "bedrock-doctor fidelity capture"}
MAX_BODY = 4 * 1024 * 1024
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error"}


def classify_host(host: str | None) -> str:
    """'bedrock' for Bedrock endpoints, 'aws' for other AWS endpoints, else 'other'."""
    h = (host or "").lower().split(":")[0]
    if h.startswith(("bedrock-mantle.", "bedrock-runtime.", "bedrock.")) or ".bedrock" in h:
        return "bedrock"
    if h.endswith(".api.aws") or h.endswith(".amazonaws.com") or h.endswith(".amazonaws.com.cn"):
        return "aws"
    return "other"


class CertAuthority:
    """Throwaway CA; issues (cached) leaf certs for any hostname or IP."""

    def __init__(self, workdir: str):
        self.workdir = workdir
        now = _dt.datetime.now(_dt.timezone.utc)
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bedrock-doctor fidelity capture CA")])
        ski = x509.SubjectKeyIdentifier.from_public_key(self.ca_key.public_key())
        self.ca_cert = (
            x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(self.ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _dt.timedelta(days=1))
            .not_valid_after(now + _dt.timedelta(days=7))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(ski, critical=False)
            .sign(self.ca_key, hashes.SHA256())
        )
        self.ca_pem = self.ca_cert.public_bytes(serialization.Encoding.PEM)
        self.leaf_key = ec.generate_private_key(ec.SECP256R1())
        self.leaf_key_path = os.path.join(workdir, "leaf-key.pem")
        with open(self.leaf_key_path, "wb") as f:
            f.write(self.leaf_key.private_bytes(serialization.Encoding.PEM,
                                                serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()))
        self._ctx_cache: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    def write_ca(self, path: str) -> None:
        with open(path, "wb") as f:
            f.write(self.ca_pem)

    def _leaf_pem(self, host: str) -> bytes:
        now = _dt.datetime.now(_dt.timezone.utc)
        try:
            san = x509.IPAddress(ipaddress.ip_address(host))
        except ValueError:
            san = x509.DNSName(host)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host[:64])]))
            .issuer_name(self.ca_cert.subject)
            .public_key(self.leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _dt.timedelta(days=1))
            .not_valid_after(now + _dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([san]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=True, key_cert_sign=False, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_key.public_key()),
                           critical=False)
            .sign(self.ca_key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM) + self.ca_pem

    def context_for(self, host: str) -> ssl.SSLContext:
        host = (host or "localhost").lower().rstrip(".")
        with self._lock:
            ctx = self._ctx_cache.get(host)
            if ctx is None:
                fd, chain = tempfile.mkstemp(prefix="leaf-", suffix=".pem", dir=self.workdir)
                with os.fdopen(fd, "wb") as f:
                    f.write(self._leaf_pem(host))
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(chain, self.leaf_key_path)
                ctx.set_alpn_protocols(["http/1.1"])  # keep it HTTP/1.1: no h2 framing to parse
                self._ctx_cache[host] = ctx
            return ctx


def _read_until(sock, buf: bytes, marker: bytes, limit: int = 256 * 1024):
    while marker not in buf:
        if len(buf) > limit:
            raise ValueError("header too large")
        chunk = sock.recv(65536)
        if not chunk:
            return buf, False
        buf += chunk
    return buf, True


def _read_exact(sock, buf: bytes, n: int):
    while len(buf) < n:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf


def _read_chunked(sock, buf: bytes):
    body = b""
    while True:
        buf, ok = _read_until(sock, buf, b"\r\n")
        if not ok:
            return body, buf
        line, buf = buf.split(b"\r\n", 1)
        size = int(line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            buf, _ = _read_until(sock, buf, b"\r\n")  # trailer end (assume no trailers)
            buf = buf.split(b"\r\n", 1)[1] if b"\r\n" in buf else b""
            return body, buf
        buf = _read_exact(sock, buf, size + 2)
        body += buf[:size]
        buf = buf[size + 2:]
        if len(body) > MAX_BODY:
            return body, b""


def _decode_body(raw: bytes, headers: dict):
    enc = headers.get("content-encoding", "").lower()
    info = {"body_bytes": len(raw), "content_encoding": enc or None}
    data = raw
    if enc in ("gzip", "x-gzip", "deflate"):
        import zlib
        try:
            data = zlib.decompress(raw, 47 if "gzip" in enc else 15)
        except Exception:  # noqa: BLE001
            info["body_undecodable"] = True
            info["body_b64_head"] = base64.b64encode(raw[:256]).decode()
            return None, info
    elif enc:  # zstd, br: not decodable with the stdlib
        info["body_undecodable"] = True
        info["body_b64_head"] = base64.b64encode(raw[:256]).decode()
        return None, info
    if not data:
        return None, info
    try:
        return json.loads(data), info
    except Exception:  # noqa: BLE001
        try:
            return data.decode("utf-8")[:65536], info
        except UnicodeDecodeError:
            info["body_b64_head"] = base64.b64encode(data[:256]).decode()
            return None, info


class CaptureServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, status: int = 400,
                 body: dict | None = None, workdir: str | None = None, log_path: str | None = None,
                 quiet: bool = True, direct_ports: list[int] | tuple[int, ...] = ()):
        self.workdir = workdir or tempfile.mkdtemp(prefix="capture-")
        self.ca = CertAuthority(self.workdir)
        self.status = status
        self.body = json.dumps(body or DEFAULT_BODY).encode()
        self.records: list[dict] = []      # one per HTTP request
        self.events: list[dict] = []       # connection-level: CONNECT, TLS errors, ...
        self.log_path = log_path
        self.quiet = quiet
        self._lock = threading.Lock()
        self._t0 = time.monotonic()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        # Plain listeners standing in for a service on loopback (a local gateway): requests sent
        # straight to them, not through the proxy, are recorded the same way.
        self.direct_socks: list[tuple[socket.socket, int]] = []
        for dp in direct_ports:
            ds = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            ds.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ds.bind((host, int(dp)))
            ds.listen(128)
            self.direct_socks.append((ds, int(dp)))
        self._stop = threading.Event()

    # -- bookkeeping -------------------------------------------------------------------------
    def _t(self) -> float:
        return round(time.monotonic() - self._t0, 4)

    def _event(self, **ev):
        ev["t"] = self._t()
        with self._lock:
            self.events.append(ev)
        if not self.quiet:
            print("capture event:", json.dumps(ev), file=sys.stderr)

    def _record(self, rec: dict):
        rec["t"] = self._t()
        with self._lock:
            rec["seq"] = len(self.records)
            self.records.append(rec)
            if self.log_path:
                with open(self.log_path, "a") as f:
                    f.write(json.dumps(rec) + "\n")
        if not self.quiet:
            print(f"capture: {rec['method']} {rec['host']}{rec['path']} -> {rec['status']}", file=sys.stderr)

    # -- serving -----------------------------------------------------------------------------
    def start(self) -> "CaptureServer":
        threading.Thread(target=self._accept_loop, daemon=True).start()
        for ds, dp in self.direct_socks:
            threading.Thread(target=self._accept_loop, args=(ds, dp), daemon=True).start()
        return self

    def stop(self):
        self._stop.set()
        try:
            self.sock.close()
        except OSError:
            pass
        for ds, _ in self.direct_socks:
            try:
                ds.close()
            except OSError:
                pass

    def write_ca(self, path: str):
        self.ca.write_ca(path)

    def _accept_loop(self, sock: socket.socket | None = None, direct_port: int | None = None):
        sock = sock or self.sock
        while not self._stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn, direct_port), daemon=True).start()

    def _handle(self, conn: socket.socket, direct_port: int | None = None):
        conn.settimeout(15)
        try:
            buf, ok = _read_until(conn, b"", b"\r\n\r\n")
            if not ok:
                return
            head, rest = buf.split(b"\r\n\r\n", 1)
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            parts = line.split(" ")
            if len(parts) >= 2 and parts[0].upper() == "CONNECT":
                target = parts[1]
                chost, _, cport = target.rpartition(":")
                if not chost:
                    chost, cport = target, "443"
                chost = chost.strip("[]")
                self._event(kind="connect", host=chost, port=cport)
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self._tls_tunnel(conn, chost, cport)
            else:
                # plain proxy request (absolute URI) or direct request
                self._serve_requests(conn, buf, scheme="http", connect_host=None, connect_port=None,
                                     direct_port=direct_port)
        except Exception as e:  # noqa: BLE001
            self._event(kind="error", error=f"{type(e).__name__}: {e}")
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def _tls_tunnel(self, conn, chost, cport):
        sni_seen = {}

        def sni_cb(sslobj, server_name, _ctx):
            sni_seen["name"] = server_name
            sslobj.context = self.ca.context_for(server_name or chost)

        base = self.ca.context_for(chost)
        base.sni_callback = sni_cb
        try:
            tls = base.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self._event(kind="tls_error", host=chost, port=cport, sni=sni_seen.get("name"),
                        error=f"{type(e).__name__}: {e}")
            return
        self._event(kind="tls_ok", host=chost, port=cport, sni=sni_seen.get("name"),
                    alpn=tls.selected_alpn_protocol())
        try:
            self._serve_requests(tls, b"", scheme="https", connect_host=chost, connect_port=cport)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def _serve_requests(self, sock, buf, scheme, connect_host, connect_port, direct_port=None):
        # We answer with `connection: close`, so one request per connection in practice.
        buf, ok = _read_until(sock, buf, b"\r\n\r\n")
        if not ok:
            if connect_host:
                self._event(kind="tunnel_closed_without_request", host=connect_host)
            return
        head, rest = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, target, *_ = lines[0].split(" ") + ["", ""]
        headers: dict[str, str] = {}
        header_list = []
        for ln in lines[1:]:
            if ":" in ln:
                k, v = ln.split(":", 1)
                k = k.strip().lower()
                v = v.strip()
                header_list.append([k, v])
                headers[k] = f"{headers[k]}, {v}" if k in headers else v
        raw = b""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            raw, _ = _read_chunked(sock, rest)
        elif "content-length" in headers:
            n = min(int(headers["content-length"]), MAX_BODY)
            raw = _read_exact(sock, rest, n)[:n]
        body, binfo = _decode_body(raw, headers)
        path = target
        host = connect_host
        port = connect_port
        via = "proxy-connect" if connect_host else ("direct" if direct_port else "proxy-http")
        if target.startswith(("http://", "https://")):
            scheme_, _, after = target.partition("://")
            hostport, slash, p = after.partition("/")
            path = slash + p
            host, _, port = hostport.rpartition(":") if hostport.rpartition(":")[2].isdigit() else (hostport, "", None)
            scheme = scheme_
        host_header = headers.get("host")
        if host is None and host_header:
            hh, _, hp = host_header.rpartition(":")
            host, port = (hh, hp) if hp.isdigit() and hh else (host_header, None)
        if direct_port and not port:
            port = str(direct_port)
        if not port:
            port = "443" if scheme == "https" else "80"
        status = self.status
        rec = {
            "scheme": scheme,
            "method": method,
            "host": host,
            "connect_host": connect_host,
            "connect_port": connect_port,
            "port": str(port),
            "via": via,
            "host_header": host_header,
            "path": path,
            "headers": headers,
            "header_list": header_list,
            "body": body,
            **binfo,
            "category": classify_host(host),
            "status": status,
        }
        self._record(rec)
        reason = REASONS.get(status, "Status")
        resp = (f"HTTP/1.1 {status} {reason}\r\n"
                f"content-type: application/json\r\n"
                f"content-length: {len(self.body)}\r\n"
                f"x-amzn-requestid: fidelity-capture-{rec['seq']}\r\n"
                f"connection: close\r\n\r\n").encode() + self.body
        sock.sendall(resp)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the bound port here once listening")
    ap.add_argument("--ca-out", required=True, help="write the CA certificate (PEM) here")
    ap.add_argument("--log", help="append one JSON line per request here")
    ap.add_argument("--status", type=int, default=400)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args(argv)
    srv = CaptureServer(host=a.host, port=a.port, status=a.status, log_path=a.log, quiet=not a.verbose)
    srv.write_ca(a.ca_out)
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(srv.port))
        os.replace(tmp, a.port_file)
    print(f"capture listening on {a.host}:{srv.port}", file=sys.stderr, flush=True)
    srv.start()
    signal.signal(signal.SIGTERM, lambda *_: (srv.stop(), sys.exit(0)))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.stop()


if __name__ == "__main__":
    main()
