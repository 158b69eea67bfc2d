"""An RPCv2-CBOR → awsJson1_0 translating HTTP proxy in front of `moto_server`.

Why it exists: the latest `aws-sdk-cloudwatch` speaks Smithy RPCv2-CBOR
(`smithy.protocols#rpcv2Cbor`), and moto 5.2.x does not: it answers 404 to
`POST /service/GraniteServiceVersion20100801/operation/<Op>`. moto does accept the
same operations as awsJson1_0 (`X-Amz-Target: GraniteServiceVersion20100801.<Op>`),
so this proxy rewrites such requests to JSON, forwards them to moto, and turns moto's
JSON answers back into CBOR. Everything else (CloudWatch Logs, which speaks awsJson1_1,
`/moto-api/...`) is forwarded unchanged.

Wire details (Smithy "Smithy RPC v2 CBOR protocol" spec and the smithy-rs runtime):
- request: `POST {prefix}/service/{Service}/operation/{Op}`, `Smithy-Protocol: rpc-v2-cbor`,
  `Content-Type: application/cbor`, `Accept: application/cbor`, body a CBOR map (may be
  empty for unit input, may be gzip'd: PutMetricData has `@requestCompression`).
- response: same `Smithy-Protocol` header, `Content-Type: application/cbor`; success is 200.
- timestamps: CBOR tag 1 around epoch seconds. smithy-rs reads the tagged value with
  minicbor's `f64()`, which accepts only CBOR floats: always send a float, never an int.
- numbers: smithy-rs reads `double`/`float` members with `f64()`/`f32()` (floats only) and
  integer members with `i32()`/`i64()` (integers only), so values are coerced by shape.
- nulls MUST be omitted; blobs are CBOR byte strings (base64 strings in JSON).
- errors: a CBOR map with `__type` (clients strip any `namespace#` prefix) and `message`.
  CloudWatch is `@awsQueryCompatible`: the SDK takes the error code from the
  `x-amzn-query-error: Code;Sender` header when present (the awsQuery code, e.g.
  `InvalidParameterValue`), so that header is forwarded (or derived from the model).

Shapes come from botocore's service model (moto depends on botocore, so it is always
installed next to moto). Usable in-process (`CborProxy`) or as a script:

    python cbor_proxy.py --listen-port 4567 --upstream http://127.0.0.1:5000
"""

from __future__ import annotations

import argparse
import base64
import collections
import datetime as dt
import gzip
import html
import http.client
import json
import re
import sys
import threading
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import cbor2

# Smithy service shape name → botocore service name. Only these get shape-aware
# conversion; other RPCv2-CBOR services would be converted generically.
SERVICES = {"GraniteServiceVersion20100801": "cloudwatch"}

CBOR_PATH = re.compile(r"^(?:.*)/service/(?P<service>[^/]+)/operation/(?P<op>[^/?#]+)/?$")
CBOR_CONTENT_TYPE = "application/cbor"
PROTOCOL_HEADER = "smithy-protocol"
PROTOCOL_VALUE = "rpc-v2-cbor"

# Hop-by-hop headers (RFC 9110 §7.6.1): never forwarded in either direction.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}
# Also not forwarded: the body has already been read, so the 100-continue exchange is done.
FORWARD_DROP = HOP_BY_HOP | {"content-length", "expect"}

# Request headers replaced when a CBOR request becomes a JSON one. SigV4 headers
# (Authorization, X-Amz-Date, X-Amz-Content-Sha256, X-Amz-Security-Token) are kept
# as they are: moto does not verify signatures, and reads region and service from them.
CBOR_REQUEST_DROP = FORWARD_DROP | {
    "content-type",
    "content-length",
    "content-encoding",
    "accept",
    "accept-encoding",
    PROTOCOL_HEADER,
    "x-amz-target",
}

# Upstream response headers not copied onto a translated CBOR response.
CBOR_RESPONSE_DROP = HOP_BY_HOP | {
    "content-type",
    "content-length",
    "content-encoding",
    "x-amzn-errortype",  # the spec says responses SHOULD NOT carry it
    "status",  # moto echoes the status code as a header
    "server",
    "date",
    "access-control-allow-origin",
}

_models: dict[str, Any] = {}
_models_lock = threading.Lock()


def service_model(service_name: str):
    """botocore's model for `service_name` (cached), or None without botocore."""
    with _models_lock:
        if service_name not in _models:
            try:
                import botocore.session

                _models[service_name] = botocore.session.get_session().get_service_model(
                    service_name
                )
            except Exception:  # botocore missing or service unknown: convert generically
                _models[service_name] = None
        return _models[service_name]


# --------------------------------------------------------------------------------------
# Value conversion


def _epoch_seconds(value: Any) -> float:
    """An awsJson timestamp (epoch number, numeric string or ISO 8601) as epoch seconds."""
    if isinstance(value, bool):
        raise TypeError(f"not a timestamp: {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.datetime):
        return _datetime_epoch(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        parsed = dt.datetime.fromisoformat(value)  # 3.11+: "Z" too
        return _datetime_epoch(parsed)
    raise TypeError(f"not a timestamp: {value!r}")


def _datetime_epoch(value: dt.datetime) -> float:
    if value.tzinfo is None:  # naive values are UTC on the AWS wire
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


def cbor_to_json(value: Any) -> Any:
    """A decoded CBOR request value as the equivalent awsJson value.

    Tag 1 (cbor2 decodes it to an aware datetime) → epoch seconds; byte strings →
    base64; null/undefined members dropped; bignums stay ints, decimal fractions floats.
    """
    if isinstance(value, dt.datetime):
        return _datetime_epoch(value)
    if isinstance(value, cbor2.CBORTag):
        if value.tag == 1:
            return _epoch_seconds(value.value)
        return cbor_to_json(value.value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {
            str(k): cbor_to_json(v)
            for k, v in value.items()
            if v is not None and v is not cbor2.undefined
        }
    if isinstance(value, (list, tuple)):
        return [None if v is cbor2.undefined else cbor_to_json(v) for v in value]
    if value is cbor2.undefined:
        return None
    if type(value).__name__ == "Decimal":
        return float(value)
    return value


def json_to_cbor(value: Any, shape: Any = None) -> Any:
    """An awsJson response value as the RPCv2-CBOR value for botocore `shape`.

    With a shape: timestamps → `CBORTag(1, float)`, doubles/floats → float, integers → int,
    blobs → bytes, booleans → bool, recursing through structures, lists and maps. Members
    the shape does not know (or without a shape) are converted generically. Nulls in maps
    and structures are dropped (the spec: null values MUST be omitted).
    """
    if value is None:
        return None
    type_name = getattr(shape, "type_name", None)
    if type_name == "structure" and isinstance(value, dict):
        members = shape.members
        return {k: json_to_cbor(v, members.get(k)) for k, v in value.items() if v is not None}
    if type_name == "list" and isinstance(value, list):
        return [json_to_cbor(v, shape.member) for v in value]
    if type_name == "map" and isinstance(value, dict):
        return {k: json_to_cbor(v, shape.value) for k, v in value.items() if v is not None}
    if type_name == "timestamp":
        return cbor2.CBORTag(1, _epoch_seconds(value))
    if type_name in ("double", "float") and isinstance(value, (int, float, str)):
        if isinstance(value, str):  # awsJson spells non-finite numbers as strings
            return float({"Infinity": "inf", "-Infinity": "-inf"}.get(value, value))
        return float(value)
    if type_name in ("integer", "long", "short", "byte") and isinstance(value, (int, float)):
        return int(value)
    if type_name == "blob" and isinstance(value, str):
        return base64.b64decode(value)
    if type_name == "boolean":
        return bool(value)
    # No shape (or an unexpected JSON type for it): generic conversion.
    if isinstance(value, dict):
        return {k: json_to_cbor(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [json_to_cbor(v) for v in value]
    return value


def encode_cbor(value: Any) -> bytes:
    # Definite lengths, and floats as 64-bit doubles (cbor2 never emits half floats
    # unless asked to canonicalise).
    return cbor2.dumps(value)


def html_text(body: bytes) -> str:
    """A one-line plain-text rendering of an HTML (or any) error body."""
    text = body.decode("utf-8", "replace")
    text = re.sub(r"(?is)<(script|style).*?</\1>", " ", text)
    text = re.sub(r"(?s)<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


# --------------------------------------------------------------------------------------
# HTTP plumbing


class _Reply:
    """An HTTP response to send back to the client."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes, reason=""):
        self.status = status
        self.headers = headers
        self.body = body
        self.reason = reason


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the Rust SDK pools connections
    server: _ProxyServer

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
            self._send(_Reply(400, [("Content-Type", "text/plain")], f"{exc}\n".encode()))
            self.close_connection = True
            return
        path = urllib.parse.urlsplit(self.path).path
        match = CBOR_PATH.match(path)
        is_cbor = self.headers.get(PROTOCOL_HEADER, "").strip().lower() == PROTOCOL_VALUE
        if match and is_cbor and self.command == "POST":
            try:
                reply = self._translate(match["service"], match["op"], body)
            except Exception as exc:
                reply = cbor_error(500, "InternalFailure", f"cbor_proxy: {exc!r}")
        else:
            reply = self._pass_through(body)
        self._send(reply)

    # -- upstream ------------------------------------------------------------------------

    def _upstream(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes):
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

    def _pass_through(self, body: bytes) -> _Reply:
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in FORWARD_DROP]
        try:
            status, reason, up_headers, data = self._upstream(
                self.command, self.path, headers, body
            )
        except OSError as exc:
            return _Reply(
                502, [("Content-Type", "text/plain")], f"cbor_proxy: upstream: {exc}\n".encode()
            )
        out = [(k, v) for k, v in up_headers if k.lower() not in HOP_BY_HOP]
        if self.command != "HEAD":
            out = [(k, v) for k, v in out if k.lower() != "content-length"]
            out.append(("Content-Length", str(len(data))))
        return _Reply(status, out, data, reason)

    def _translate(self, service: str, op: str, body: bytes) -> _Reply:
        # "com.amazonaws.cloudwatch.GraniteServiceVersion20100801" is allowed too.
        target_prefix = service.rsplit(".", 1)[-1]
        model = service_model(SERVICES[target_prefix]) if target_prefix in SERVICES else None
        op_model = None
        if model is not None:
            if op not in model.operation_names:
                return cbor_error(
                    404, "UnknownOperationException", f"{target_prefix} has no operation {op}"
                )
            op_model = model.operation_model(op)

        encoding = self.headers.get("Content-Encoding", "").strip().lower()
        if encoding in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        try:
            decoded = cbor2.loads(body) if body else {}
        except Exception as exc:
            return cbor_error(400, "SerializationException", f"invalid CBOR body: {exc}")
        payload = json.dumps(cbor_to_json(decoded)).encode()

        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in CBOR_REQUEST_DROP]
        headers += [
            ("X-Amz-Target", f"{target_prefix}.{op}"),
            ("Content-Type", "application/x-amz-json-1.0"),
            ("Accept", "application/json"),
        ]
        if "authorization" not in {k.lower() for k, _ in headers}:
            # Without a SigV4 credential scope moto cannot tell which service is meant
            # (it falls back to S3): give unsigned requests a dummy one.
            signing_name = getattr(model, "signing_name", None) or "monitoring"
            today = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
            scope = f"testing/{today}/us-east-1/{signing_name}/aws4_request"
            headers.append(
                (
                    "Authorization",
                    f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature=0",
                )
            )
        try:
            # awsJson requests go to "/": moto routes on the path too (404 otherwise).
            status, _reason, up_headers, data = self._upstream("POST", "/", headers, payload)
        except OSError as exc:
            return cbor_error(502, "InternalFailure", f"cbor_proxy: upstream unreachable: {exc}")

        passed = [(k, v) for k, v in up_headers if k.lower() not in CBOR_RESPONSE_DROP]
        try:
            doc = json.loads(data) if data.strip() else {}
        except ValueError:
            doc = None

        if status == 200 and isinstance(doc, dict):
            output_shape = op_model.output_shape if op_model is not None else None
            if op_model is not None and output_shape is None:
                # Unit output: the spec says no body and no Content-Type.
                return _Reply(200, passed + _protocol_headers(None), b"")
            cbor_body = encode_cbor(json_to_cbor(doc, output_shape))
            return _Reply(200, passed + _protocol_headers(cbor_body), cbor_body)

        # Errors. moto's modelled errors are JSON {"__type", "message"/"Message"}; its
        # crashes are HTML 500 pages; anything else non-JSON is reported as text too.
        if status == 200:
            status = 500
        if isinstance(doc, dict) and "__type" in doc:
            error_type = str(doc["__type"])
            message = doc.get("message", doc.get("Message"))
            error = {k: v for k, v in doc.items() if k not in ("__type", "message", "Message")}
            error_shape = _error_shape(model, error_type)
            converted = json_to_cbor(error, error_shape) if error else {}
            reply = cbor_error(status, error_type, message, extra=converted)
            if not any(k.lower() == "x-amzn-query-error" for k, _ in passed):
                query_error = _query_error_header(error_shape)
                if query_error:
                    passed.append(("x-amzn-query-error", query_error))
        else:
            reply = cbor_error(status, "InternalFailure", html_text(data) or f"HTTP {status}")
        reply.headers = passed + reply.headers
        return reply

    # -- client side ---------------------------------------------------------------------

    def _send(self, reply: _Reply) -> None:
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


def _protocol_headers(body: bytes | None) -> list[tuple[str, str]]:
    headers = [("smithy-protocol", PROTOCOL_VALUE)]
    if body is not None:
        headers.append(("Content-Type", CBOR_CONTENT_TYPE))
    headers.append(("Content-Length", str(len(body or b""))))
    return headers


def cbor_error(
    status: int, error_type: str, message: str | None, extra: dict | None = None
) -> _Reply:
    """An RPCv2-CBOR error reply: CBOR map with `__type` and `message`."""
    doc: dict[str, Any] = {"__type": error_type}
    if message is not None:
        doc["message"] = str(message)
    doc.update(extra or {})
    body = encode_cbor(doc)
    return _Reply(status, _protocol_headers(body), body)


def _error_shape(model: Any, error_type: str):
    if model is None:
        return None
    name = error_type.split("#")[-1].split(":")[0]
    try:
        shape = model.shape_for(name)
    except Exception:
        return None
    return shape if shape.metadata.get("exception") else None


def _query_error_header(error_shape: Any) -> str | None:
    """`Code;Sender|Receiver` from the model's awsQueryError trait, as AWS would send."""
    if error_shape is None:
        return None
    error = error_shape.metadata.get("error") or {}
    code = error.get("code")
    if not code:
        return None
    return f"{code};{'Sender' if error.get('senderFault') else 'Receiver'}"


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, upstream: str, verbose: bool, timeout_s: float):
        super().__init__(address, _Handler)
        self.upstream = urllib.parse.urlsplit(upstream)
        if self.upstream.scheme != "http":
            raise ValueError(f"upstream must be an http:// URL, got {upstream!r}")
        self.verbose = verbose
        self.timeout_s = timeout_s
        self.recent: collections.deque[str] = collections.deque(maxlen=500)


class CborProxy:
    """The proxy, run on a background thread.

    >>> proxy = CborProxy("http://127.0.0.1:5000").start()   # port 0: pick a free one
    >>> proxy.url          # 'http://127.0.0.1:54321'
    >>> proxy.stop()

    `recent` holds the last 500 access-log lines (useful when a test fails).
    """

    def __init__(
        self,
        upstream: str,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
        timeout_s: float = 60.0,
    ):
        self._server = _ProxyServer((host, port), upstream.rstrip("/"), verbose, timeout_s)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen-port", type=int, required=True)
    parser.add_argument("--listen-host", default="127.0.0.1")
    parser.add_argument(
        "--upstream", required=True, help="moto_server URL, e.g. http://127.0.0.1:5000"
    )
    parser.add_argument("--quiet", action="store_true", help="no access log on stderr")
    args = parser.parse_args(argv)
    proxy = CborProxy(args.upstream, args.listen_host, args.listen_port, verbose=not args.quiet)
    print(f"cbor_proxy listening on {proxy.url} -> {args.upstream}", flush=True)
    try:
        proxy.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        proxy.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
