"""The HTTP server: reads each request, routes it (controls, Logs, Service Quotas,
CloudWatch RPCv2-CBOR, or pass-through to moto) and sends the reply; `CborProxy` runs it
on a background thread.
"""

from __future__ import annotations

import collections
import http.client
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .control_endpoints import control
from .controls import ProxyControls
from .logs_insights import logs
from .replies import (
    CONTROL_PREFIX,
    FORWARD_DROP,
    HOP_BY_HOP,
    LOGS_TARGET_PREFIX,
    PROTOCOL_HEADER,
    PROTOCOL_VALUE,
    QUOTAS_TARGET_PREFIX,
    Reply,
    cbor_error,
    signed_region,
    throttle_error,
)
from .service_quotas import service_quotas
from .translate import CBOR_PATH, SERVICES, translate


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the Rust SDK pools connections
    server: ProxyServer

    # One method handles every verb.
    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        line = f"{self.address_string()} {format % args}"
        self.server.recent.append(line)
        if self.server.verbose:
            sys.stderr.write(f"[cbor_proxy] {line}\n")

    # -- request side --------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # Trailer fields until the empty line.
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # CRLF after each chunk
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        try:
            body = self._read_body()
        except Exception as exc:  # malformed framing: nothing sensible to forward
            self._send(Reply(400, [("Content-Type", "text/plain")], f"{exc}\n".encode()))
            self.close_connection = True
            return
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        if path == CONTROL_PREFIX.rstrip("/") or path.startswith(CONTROL_PREFIX):
            self._send(control(self, path, split.query, body))
            return
        match = CBOR_PATH.match(path)
        is_cbor = self.headers.get(PROTOCOL_HEADER, "").strip().lower() == PROTOCOL_VALUE
        target = self.headers.get("X-Amz-Target", "").strip()
        if self.command == "POST" and not is_cbor and target.startswith(LOGS_TARGET_PREFIX):
            reply = logs(self, target[len(LOGS_TARGET_PREFIX) :], body)
        elif self.command == "POST" and target.startswith(QUOTAS_TARGET_PREFIX):
            reply = service_quotas(self, target[len(QUOTAS_TARGET_PREFIX) :], body)
        elif match and is_cbor and self.command == "POST":
            reply = None
            if match["service"].rsplit(".", 1)[-1] in SERVICES:
                throttle = self.server.controls.record(match["op"], signed_region(self.headers))
                if throttle is not None:
                    reply = throttle_error(*throttle)
            if reply is None:
                try:
                    reply = translate(self, match["service"], match["op"], body)
                except Exception as exc:
                    reply = cbor_error(500, "InternalFailure", f"cbor_proxy: {exc!r}")
        else:
            reply = self.pass_through(body)
        self._send(reply)

    # -- upstream ------------------------------------------------------------------------

    def upstream(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes):
        """Sends one request to moto; returns (status, reason, headers, body)."""
        up = self.server.upstream
        conn = http.client.HTTPConnection(up.hostname, up.port or 80, timeout=self.server.timeout_s)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            has_host = False
            for name, value in headers:
                has_host |= name.lower() == "host"
                conn.putheader(name, value)
            if not has_host:
                conn.putheader("Host", up.netloc)
            if body or method in ("POST", "PUT", "PATCH"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body or None)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.reason, resp.getheaders(), data
        finally:
            conn.close()

    def pass_through(self, body: bytes) -> Reply:
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in FORWARD_DROP]
        try:
            status, reason, up_headers, data = self.upstream(
                self.command, self.path, headers, body
            )
        except OSError as exc:
            return Reply(
                502, [("Content-Type", "text/plain")], f"cbor_proxy: upstream: {exc}\n".encode()
            )
        out = [(k, v) for k, v in up_headers if k.lower() not in HOP_BY_HOP]
        if self.command != "HEAD":
            out = [(k, v) for k, v in out if k.lower() != "content-length"]
            out.append(("Content-Length", str(len(data))))
        return Reply(status, out, data, reason)
















    def _send(self, reply: Reply) -> None:
        self.send_response_only(reply.status, reply.reason or None)
        names = {k.lower() for k, _ in reply.headers}
        for name, value in reply.headers:
            self.send_header(name, value)
        if "date" not in names:
            self.send_header("Date", self.date_time_string())
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD" and reply.body:
            self.wfile.write(reply.body)
        self.log_request(reply.status, len(reply.body))


class ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, upstream: str, verbose: bool, timeout_s: float):
        super().__init__(address, Handler)
        self.upstream = urllib.parse.urlsplit(upstream)
        if self.upstream.scheme != "http":
            raise ValueError(f"upstream must be an http:// URL, got {upstream!r}")
        self.verbose = verbose
        self.timeout_s = timeout_s
        self.recent: collections.deque[str] = collections.deque(maxlen=500)
        self.controls = ProxyControls()


class CborProxy:
    """The proxy, run on a background thread.

    >>> proxy = CborProxy("http://127.0.0.1:5000").start()   # port 0: pick a free one
    >>> proxy.url          # 'http://127.0.0.1:54321'
    >>> proxy.stop()

    `recent` holds the last 500 access-log lines (useful when a test fails).
    `throttle()`, `slow_insights()`, `stats()` and `reset_stats()` do in-process what the
    `/__proxy/...` endpoints do over HTTP (see the package docstring).
    """

    def __init__(
        self,
        upstream: str,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
        timeout_s: float = 60.0,
    ):
        self._server = ProxyServer((host, port), upstream.rstrip("/"), verbose, timeout_s)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self._server.server_address[0]}:{self.port}"

    @property
    def recent(self) -> list[str]:
        return list(self._server.recent)

    def set_anomaly_detectors(self, detectors: list[dict[str, Any]]) -> dict[str, Any]:
        return self._server.controls.set_anomaly_detectors(detectors)

    def set_linked_accounts(self, linked: dict[str, str]) -> dict[str, Any]:
        return self._server.controls.set_linked_accounts(linked)

    def set_log_anomalies(self, anomalies: list[dict[str, Any]], page: int = 50) -> dict[str, Any]:
        return self._server.controls.set_log_anomalies(anomalies, page)

    def set_insight_contributions(self, rule: str, contributors: list[dict[str, Any]]) -> dict[str, Any]:
        return self._server.controls.set_insight_contributions(rule, contributors)

    def reset_insights(self) -> None:
        self._server.controls.reset_insights()

    def set_service_quotas(self, service_code: str, applied: list[dict[str, Any]] | None = None,
                           defaults: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return self._server.controls.set_service_quotas(service_code, applied, defaults)

    def insight_requests(self) -> list[dict[str, Any]]:
        return self._server.controls.insight_requests()

    def throttle(self, n: int, code: str = "Throttling", status: int = 400) -> dict[str, Any]:
        return self._server.controls.throttle(n, code, status)

    def throttle_region(self, region: str, on: bool = True) -> dict[str, Any]:
        return self._server.controls.throttle_region(region, on)

    def slow_insights(self, seconds: float) -> dict[str, Any]:
        return self._server.controls.slow_insights(seconds)

    def stats(self) -> dict[str, Any]:
        return self._server.controls.stats()

    def reset_stats(self) -> dict[str, Any]:
        return self._server.controls.reset_stats()

    def start(self) -> CborProxy:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"cbor-proxy-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> CborProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
