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

    python cbor_proxy.py --listen-port 4567 --upstream http://127.0.0.1:5000 \
        [--throttle-first N] [--slow-insights S]

Test controls, answered by the proxy itself (never forwarded; JSON answers). Throttling
only affects CloudWatch RPCv2-CBOR requests (`POST .../service/GraniteServiceVersion20100801/
operation/<Op>` with `smithy-protocol: rpc-v2-cbor`), never Logs or other pass-through:
- `POST /__proxy/throttle?n=N[&code=Throttling][&status=400]`: the next N such requests
  get, without reaching moto, HTTP `status` with `smithy-protocol: rpc-v2-cbor`,
  `Content-Type: application/cbor`, `x-amzn-query-error: <code>;Sender` and the CBOR body
  `{"__type": <code>, "message": "Rate exceeded"}`. Replaces any earlier setting; `n=0`
  turns throttling off. Answers `{"remaining": N, "code": ..., "status": ...}`.
- `GET /__proxy/stats`: `{"cloudwatch_requests": int, "throttled": int,
  "operations": {"<Op>": int, ...}, "logs_operations": {"<Op>": int, ...}}`: every such
  CloudWatch request received (throttled ones included), and every CloudWatch Logs request
  (`POST` with `X-Amz-Target: Logs_20140328.<Op>`, passed through or answered by the proxy
  as below), since start or the last `POST /__proxy/stats/reset` (which answers the counts
  it cleared, and leaves throttling, slow-insights and known queries as they are).

Metric anomaly detectors (moto has none: DescribeAnomalyDetectors is a 500 there):
- `POST /__proxy/anomaly-detectors` with a JSON list of PutAnomalyDetector single-metric
  members (`Namespace`, `MetricName`, `Dimensions` [{`Name`, `Value`}], `Stat`) replaces
  the proxy's detectors; DescribeAnomalyDetectors (CBOR) is then answered by the proxy in
  the CloudWatch model's output shape (each detector also as `SingleMetricAnomalyDetector`,
  `StateValue` TRAINED), filtered by `Namespace`, `MetricName` and `Dimensions`, one page.
  `MotoEndpoint.reset()` clears them.

Cross-account observability (moto has none): `set_linked_accounts({id: access key})`
(in-process) links source accounts, each with an access key moto issued for it (STS
AssumeRole into the account), to moto's own account as the monitoring account. Then a
GetMetricData query naming an `AccountId` is asked of that account (the rest of the
request as sent), and ListMetrics with `IncludeLinkedAccounts` lists the monitoring and
linked accounts' metrics with `OwningAccounts` beside them (filtered by `OwningAccount`),
in the CloudWatch model's output shapes. A Logs Insights StartQuery with
`logGroupIdentifiers` (names, or ARNs of the monitoring or a linked account; moto ignores
them) runs one moto query per account over its groups under one query id of the proxy's;
GetQueryResults gives every account's rows, `@log` as `ACCOUNT:GROUP`, Complete when every
part is. DescribeLogGroups with `includeLinkedAccounts` lists each account's groups (those
of `accountIdentifiers`, or all), with their ARNs. An account not linked is
AccessDeniedException. `MotoEndpoint.reset()` unlinks them.

Contributor Insights reports (moto keeps rules but has no GetInsightRuleReport):
`set_insight_contributions(rule, [{"Keys": [...], "Values": [[epoch s, value], ...]}])`
(in-process) gives a rule's raw contributions; GetInsightRuleReport is then answered by
the proxy for rules moto has (PutInsightRule; ResourceNotFoundException otherwise), with
the key labels and aggregation from the rule's definition, in the CloudWatch model's
output shape (see insight_reports.py). `insight_requests()` lists the requests seen.
`MotoEndpoint.reset()` clears them.

Service Quotas (moto knows only vpc's): `set_service_quotas(code, applied, defaults)`
(in-process) sets what ListServiceQuotas and ListAWSDefaultServiceQuotas answer for a
service code (one page, the model's `ServiceQuota` shape); other codes pass through.
`MotoEndpoint.reset()` clears them.

Metrics Insights (moto's is empty or wrong): a GetMetricData whose queries include a
`SELECT` is answered here for a subset of the language (metrics_insights.py: one function
of one metric FROM SCHEMA(…) or a namespace, `=`/`!=` conditions, GROUP BY, LIMIT, with
`AWS.AccountId` as a key), over the monitoring account and every linked account; the
other queries of the request are asked of moto.

Log anomalies (moto has no log anomaly detectors): `set_log_anomalies([...])` (in-process)
sets what ListAnomalies answers, in the Logs model's `Anomaly` shape, filtered by
`anomalyDetectorArn` and paged by `limit`/`nextToken`. `MotoEndpoint.reset()` clears them.

Logs Insights' row limit (moto returns every matching row): a completed GetQueryResults
passed through is cut to the StartQuery's `limit` (default and at most 10,000 rows), as
the service documents.

CloudWatch Logs Insights (awsJson1_1; moto finishes every query at once and answers 500 to
StopQuery), so that a client's polling and cancel paths can be tested:
- The proxy remembers the `queryId` of every StartQuery answered 200 by moto (the reply
  itself is passed through byte for byte).
- `POST /__proxy/slow-insights?seconds=S` (float, finite, >= 0): each call replaces the
  earlier setting; `0` turns it off. While S > 0, a query whose StartQuery reply passed
  through after this call gets, for the first S seconds after that, its GetQueryResults
  answered by the proxy: 200, `Content-Type: application/x-amz-json-1.1`,
  `{"status": "Running", "results": [], "statistics": {"recordsMatched": 0.0,
  "recordsScanned": 0.0, "bytesScanned": 0.0}}`. After S seconds, or once the setting is
  replaced or turned off, GetQueryResults passes through to moto again (Complete).
  Answers `{"seconds": S}`.
- StopQuery is always answered by the proxy (slow-insights on or off): for a known
  `queryId`, 200 `{"success": true}` (also when repeated, or after the query completed)
  and the query is marked stopped, after which every GetQueryResults for it is answered
  `{"status": "Cancelled", "results": [], "statistics": <zeros as above>}`; for a missing
  or unknown `queryId`, 400 with `x-amzn-ErrorType: InvalidParameterException` and
  `{"__type": "InvalidParameterException", "message": ...}`. GetQueryResults for
  unknown ids, and every other Logs operation, pass through byte for byte.

The account's concurrent-query quota, full (moto has no such quota):
`POST /__proxy/insights-quota-full?n=N`: the next N StartQuery calls are answered 400,
`x-amzn-ErrorType: LimitExceededException`, `{"__type": "LimitExceededException",
"message": "Account maximum query concurrency limit of [30] reached"}` (the error
StartQuery documents for it); `n=0` turns it off. Answers `{"remaining": N}`.

OpenSearch PPL and SQL (`queryLanguage` "PPL"/"SQL" on StartQuery): moto 5.2 runs every
query through its own Logs Insights QL parser, so the proxy answers these itself, in the
wire shapes of the CloudWatch Logs model (StartQueryResponse, GetQueryResultsResponse):
- StartQuery follows the documented rule on log groups: SQL names them in the query
  string, so `logGroupName`, `logGroupNames` or `logGroupIdentifiers` → 400
  `InvalidParameterException`; PPL needs exactly one of them → 400 otherwise. Accepted:
  200 `{"queryId": <uuid>}`.
- GetQueryResults for such a query: 200 `{"status": "Complete", "results": [[{"field":
  "queryLanguage", "value": L}, {"field": "queryString", "value": Q}, {"field":
  "logGroups", "value": "g1, g2"}]], "statistics": {"recordsMatched": 1.0,
  "recordsScanned": 1.0, "bytesScanned": 0.0}}`: the query as received, so a test sees
  its round trip through the SDK.
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
import math
import re
import sys
import threading
import time
import urllib.parse
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import cbor2

try:  # imported as aws.cbor_proxy, or run as a script
    from . import insight_reports, metrics_insights
except ImportError:
    import insight_reports  # type: ignore[no-redef]
    import metrics_insights  # type: ignore[no-redef]

# Smithy service shape name → botocore service name. Only these get shape-aware
# conversion; other RPCv2-CBOR services would be converted generically.
SERVICES = {"GraniteServiceVersion20100801": "cloudwatch"}

CBOR_PATH = re.compile(r"^(?:.*)/service/(?P<service>[^/]+)/operation/(?P<op>[^/?#]+)/?$")
CBOR_CONTENT_TYPE = "application/cbor"
PROTOCOL_HEADER = "smithy-protocol"
PROTOCOL_VALUE = "rpc-v2-cbor"
CONTROL_PREFIX = "/__proxy/"
THROTTLE_MESSAGE = "Rate exceeded"
LOGS_TARGET_PREFIX = "Logs_20140328."
QUOTAS_TARGET_PREFIX = "ServiceQuotasV20190624."
LOGS_CONTENT_TYPE = "application/x-amz-json-1.1"
INSIGHTS_STATISTICS = {"recordsMatched": 0.0, "recordsScanned": 0.0, "bytesScanned": 0.0}

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
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        if path == CONTROL_PREFIX.rstrip("/") or path.startswith(CONTROL_PREFIX):
            self._send(self._control(path, split.query, body))
            return
        match = CBOR_PATH.match(path)
        is_cbor = self.headers.get(PROTOCOL_HEADER, "").strip().lower() == PROTOCOL_VALUE
        target = self.headers.get("X-Amz-Target", "").strip()
        if self.command == "POST" and not is_cbor and target.startswith(LOGS_TARGET_PREFIX):
            reply = self._logs(target[len(LOGS_TARGET_PREFIX) :], body)
        elif self.command == "POST" and target.startswith(QUOTAS_TARGET_PREFIX):
            reply = self._service_quotas(target[len(QUOTAS_TARGET_PREFIX) :], body)
        elif match and is_cbor and self.command == "POST":
            reply = None
            if match["service"].rsplit(".", 1)[-1] in SERVICES:
                throttle = self.server.controls.record(match["op"], _signed_region(self.headers))
                if throttle is not None:
                    reply = throttle_error(*throttle)
            if reply is None:
                try:
                    reply = self._translate(match["service"], match["op"], body)
                except Exception as exc:
                    reply = cbor_error(500, "InternalFailure", f"cbor_proxy: {exc!r}")
        else:
            reply = self._pass_through(body)
        self._send(reply)

    # -- test controls -------------------------------------------------------------------

    def _control(self, path: str, query: str, body: bytes = b"") -> _Reply:
        controls = self.server.controls
        routes = {
            "/__proxy/anomaly-detectors": "POST",
            "/__proxy/throttle": "POST",
            "/__proxy/stats": "GET",
            "/__proxy/stats/reset": "POST",
            "/__proxy/slow-insights": "POST",
            "/__proxy/insights-quota-full": "POST",
        }
        path = path.rstrip("/") or path
        if path not in routes:
            return _json_reply(404, {"error": f"no such control endpoint: {path}"})
        if self.command != routes[path]:
            reply = _json_reply(405, {"error": f"{path} takes {routes[path]}"})
            reply.headers.append(("Allow", routes[path]))
            return reply
        if path == "/__proxy/stats":
            return _json_reply(200, controls.stats())
        if path == "/__proxy/stats/reset":
            return _json_reply(200, controls.reset_stats())
        if path == "/__proxy/anomaly-detectors":
            try:
                detectors = json.loads(body or b"[]")
                return _json_reply(200, controls.set_anomaly_detectors(detectors))
            except (ValueError, TypeError, KeyError) as exc:
                return _json_reply(400, {"error": f"a JSON list of detectors: {exc}"})
        params = urllib.parse.parse_qs(query, keep_blank_values=True)
        if path == "/__proxy/insights-quota-full":
            try:
                return _json_reply(200, controls.insights_quota_full(_int_param(params, "n", None)))
            except ValueError as exc:
                return _json_reply(400, {"error": str(exc)})
        if path == "/__proxy/slow-insights":
            try:
                seconds = _float_param(params, "seconds")
                return _json_reply(200, controls.slow_insights(seconds))
            except ValueError as exc:
                return _json_reply(400, {"error": str(exc)})
        try:
            n = _int_param(params, "n", None)
            status = _int_param(params, "status", 400)
            code = params.get("code", ["Throttling"])[-1].strip()
            if n < 0:
                raise ValueError("n must be >= 0")
            if not 400 <= status <= 599:
                raise ValueError("status must be an error status (400-599)")
            if not code or not re.fullmatch(r"[\w.#:-]+", code):
                raise ValueError(f"bad code {code!r}")
        except ValueError as exc:
            return _json_reply(400, {"error": str(exc)})
        return _json_reply(200, controls.throttle(n, code, status))

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

    # -- Service Quotas (awsJson1_1) ----------------------------------------------------

    def _service_quotas(self, op: str, body: bytes) -> _Reply:
        """ListServiceQuotas / ListAWSDefaultServiceQuotas for a service code a test set
        quotas for (moto knows only vpc's), one page, in the Service Quotas model's shape;
        anything else passed through to moto."""
        doc = _json_doc(body, self.headers.get("Content-Encoding", ""))
        found = self.server.controls.service_quotas(op, str(doc.get("ServiceCode", "")))
        if found is None:
            return self._pass_through(body)
        return _logs_reply(200, {"Quotas": found})

    # -- CloudWatch Logs (awsJson1_1) --------------------------------------------------

    def _logs(self, op: str, body: bytes) -> _Reply:
        """A Logs request: counted; Insights queries tracked and, where the module
        docstring says so, answered here; everything else passed through unchanged."""
        controls = self.server.controls
        controls.record_logs(op)
        encoding = self.headers.get("Content-Encoding", "")
        if op == "ListAnomalies":
            # moto has no log anomaly detectors: answered here, in the Logs model's
            # ListAnomaliesResponse shape, from the anomalies a test set.
            return _logs_reply(200, controls.list_anomalies(_json_doc(body, encoding)))
        if op == "StartQuery" and controls.take_quota_full():
            return _logs_error("LimitExceededException",
                               "Account maximum query concurrency limit of [30] reached")
        if op == "StartQuery" and _json_member(body, encoding, "queryLanguage") in ("PPL", "SQL"):
            return _start_opensearch_query(controls, _json_doc(body, encoding))
        if op == "DescribeLogGroups" and _json_doc(body, encoding).get("includeLinkedAccounts"):
            # moto has no linked accounts: each account asked lists its own groups.
            return self._groups_across_accounts(_json_doc(body, encoding))
        if op == "StartQuery" and _json_doc(body, encoding).get("logGroupIdentifiers"):
            # moto ignores logGroupIdentifiers: the groups are asked of their accounts.
            return self._start_across_accounts(_json_doc(body, encoding))
        if op == "GetQueryResults":
            query_id = _json_member(body, encoding, "queryId")
            answer = controls.opensearch_result(query_id) if query_id is not None else None
            if answer is not None:
                return _logs_reply(200, answer)
        if op in ("GetQueryResults", "StopQuery"):
            query_id = _json_member(body, encoding, "queryId")
            if op == "StopQuery":
                if query_id is not None and controls.stop_query(query_id):
                    return _logs_reply(200, {"success": True})
                return _logs_error(
                    "InvalidParameterException",
                    f"Query {query_id!r} does not exist"
                    if query_id is not None
                    else "queryId is required",
                )
            status = controls.query_status(query_id) if query_id is not None else None
            if status is not None:
                return _logs_reply(
                    200,
                    {"status": status, "results": [], "statistics": dict(INSIGHTS_STATISTICS)},
                )
            linked_query = controls.linked_query(query_id) if query_id is not None else None
            if linked_query is not None:
                return self._results_across_accounts(query_id, *linked_query)
        reply = self._pass_through(body)
        reply_encoding = next((v for k, v in reply.headers if k.lower() == "content-encoding"), "")
        if op == "StartQuery" and reply.status == 200:
            query_id = _json_member(reply.body, reply_encoding, "queryId")
            if query_id is not None:
                controls.query_started(query_id)
                asked = _json_doc(body, encoding).get("limit")
                controls.set_row_limit(query_id, min(int(asked or ROW_LIMIT), ROW_LIMIT))
        if op == "GetQueryResults" and reply.status == 200:
            # moto returns every matching row; the service returns at most the query's
            # limit (default and maximum 10,000): cut the results as it would.
            doc = _json_doc(reply.body, reply_encoding)
            limit = controls.row_limit(_json_member(body, encoding, "queryId"))
            if doc.get("status") == "Complete" and len(doc.get("results", [])) > limit:
                doc["results"] = doc["results"][:limit]
                return _logs_reply(200, doc)
        return reply

    def _start_across_accounts(self, doc: dict[str, Any]) -> _Reply:
        """StartQuery over `logGroupIdentifiers` (names, or ARNs of the monitoring or a
        linked account): one moto query per account over its groups' names, under one
        query id of the proxy's."""
        controls = self.server.controls
        linked = controls.linked_accounts()
        by_account: dict[str, list[str]] = {}
        for identifier in doc.pop("logGroupIdentifiers"):
            account, name = MOTO_ACCOUNT, identifier
            if identifier.startswith("arn:"):
                parts = identifier.split(":", 6)
                if len(parts) < 7 or parts[5] != "log-group":
                    return _logs_error("InvalidParameterException", f"{identifier} is not a log group ARN")
                account, name = parts[4], parts[6].removesuffix(":*")
            if account != MOTO_ACCOUNT and account not in linked:
                return _logs_error("AccessDeniedException",
                                   f"account {account} is not linked to monitoring account {MOTO_ACCOUNT}")
            by_account.setdefault(account, []).append(name)
        parts = []
        for account, names in by_account.items():
            status, answer = self._logs_as(account, linked, "StartQuery", {**doc, "logGroupNames": names})
            if status != 200:
                return _logs_reply(status, answer)
            parts.append((account, answer["queryId"]))
        query_id = f"linked-{uuid.uuid4()}"
        controls.query_started(query_id)
        controls.set_row_limit(query_id, min(int(doc.get("limit") or ROW_LIMIT), ROW_LIMIT))
        controls.set_linked_query(query_id, parts, str(doc.get("queryString", "")))
        return _logs_reply(200, {"queryId": query_id})

    def _groups_across_accounts(self, doc: dict[str, Any]) -> _Reply:
        """DescribeLogGroups with `includeLinkedAccounts`: the groups of each account in
        `accountIdentifiers` (default: the monitoring account and every linked one), each
        listed by moto as that account, one page."""
        linked = self.server.controls.linked_accounts()
        accounts = doc.pop("accountIdentifiers", None) or [MOTO_ACCOUNT, *linked]
        doc.pop("includeLinkedAccounts", None)
        groups = []
        for account in accounts:
            if account != MOTO_ACCOUNT and account not in linked:
                return _logs_error("AccessDeniedException",
                                   f"account {account} is not linked to monitoring account {MOTO_ACCOUNT}")
            status, answer = self._logs_as(account, linked, "DescribeLogGroups", doc)
            if status != 200:
                return _logs_reply(status, answer)
            groups += answer.get("logGroups", [])
        return _logs_reply(200, {"logGroups": groups})

    def _results_across_accounts(self, query_id: str, parts: list[tuple[str, str]], text: str) -> _Reply:
        """GetQueryResults of a query across accounts: each account's rows (their `@log`
        as the service writes it, `ACCOUNT:GROUP`), in the query's `@timestamp` order
        across accounts when it sorts by it, complete when every part is."""
        linked = self.server.controls.linked_accounts()
        rows, statuses = [], set()
        statistics = dict(INSIGHTS_STATISTICS)
        for account, part in parts:
            status, answer = self._logs_as(account, linked, "GetQueryResults", {"queryId": part})
            if status != 200:
                return _logs_reply(status, answer)
            statuses.add(answer.get("status"))
            for key, value in answer.get("statistics", {}).items():
                statistics[key] = statistics.get(key, 0.0) + float(value)
            for row in answer.get("results", []):
                rows.append([{**f, "value": f"{account}:{f['value']}"} if f.get("field") == "@log" else f
                             for f in row])
        status = "Complete" if statuses == {"Complete"} else "Running"
        order = re.search(r"sort\s+@timestamp\s*(asc|desc)?", text)
        if order:
            def stamp(row: list[dict[str, Any]]) -> str:
                return next((f["value"] for f in row if f.get("field") == "@timestamp"), "")
            rows.sort(key=stamp, reverse=order.group(1) != "asc")
        limit = self.server.controls.row_limit(query_id)
        return _logs_reply(200, {"status": status, "results": rows[:limit], "statistics": statistics})

    def _logs_as(self, account: str, linked: dict[str, str], op: str, doc: dict[str, Any]) -> tuple[int, Any]:
        """One Logs request to moto as `account`; its status and JSON answer."""
        status, data = self._as_account(account, linked, f"{LOGS_TARGET_PREFIX}{op}", LOGS_CONTENT_TYPE, doc)
        try:
            return status, json.loads(data) if data.strip() else {}
        except ValueError:
            return 500, {"__type": "InternalFailure", "message": data[:200].decode(errors="replace")}

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
        linked = self.server.controls.linked_accounts()
        request = cbor_to_json(decoded)
        if op == "GetMetricData" and op_model is not None and any(
            str(q.get("Expression", "")).lstrip().upper().startswith("SELECT")
            for q in request.get("MetricDataQueries", [])
        ):
            # moto's Metrics Insights is empty or wrong: a subset is answered here
            # (metrics_insights.py), over the monitoring and every linked account.
            return self._metrics_insights(target_prefix, request, linked, op_model)
        if linked and op_model is not None and op in ("GetMetricData", "ListMetrics"):
            answer = self._across_accounts(target_prefix, op, request, linked)
            if answer is not None:
                cbor_body = encode_cbor(json_to_cbor(answer, op_model.output_shape))
                return _Reply(200, _protocol_headers(cbor_body), cbor_body)
        if op == "GetInsightRuleReport" and op_model is not None:
            # moto has no GetInsightRuleReport: answered here (insight_reports.py).
            return self._insight_report(target_prefix, request, op_model)
        if op == "DescribeAnomalyDetectors" and op_model is not None:
            # moto has no anomaly detectors (500): answered here, in the CloudWatch model's
            # DescribeAnomalyDetectorsOutput shape, from the detectors a test set.
            doc = self.server.controls.describe_anomaly_detectors(cbor_to_json(decoded))
            cbor_body = encode_cbor(json_to_cbor(doc, op_model.output_shape))
            return _Reply(200, _protocol_headers(cbor_body), cbor_body)
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

    def _insight_report(self, target_prefix: str, request: dict[str, Any], op_model: Any) -> _Reply:
        """GetInsightRuleReport for a rule moto keeps, from the contributions a test set."""
        controls = self.server.controls
        controls.record_insight_request(request)
        try:
            insight_reports.check(request)
            name = request["RuleName"]
            rules = self._ask_as(MOTO_ACCOUNT, {}, target_prefix, "DescribeInsightRules", {})
            rule = next((r for r in rules.get("InsightRules", []) if r["Name"] == name), None)
            if rule is None:
                raise insight_reports.ReportError("ResourceNotFoundException", f"Rule {name} does not exist.")
            definition = json.loads(rule["Definition"])
            data = {
                "KeyLabels": [k.removeprefix("$.") for k in definition["Contribution"]["Keys"]],
                "AggregationStatistic": definition["AggregateOn"],
                "Contributors": controls.insight_contributions(name),
            }
            doc = insight_reports.report(request, data)
        except insight_reports.ReportError as error:
            return cbor_error(400 if error.code != "ResourceNotFoundException" else 404, error.code, error.message)
        cbor_body = encode_cbor(json_to_cbor(doc, op_model.output_shape))
        return _Reply(200, _protocol_headers(cbor_body), cbor_body)

    def _metrics_insights(
        self, target_prefix: str, request: dict[str, Any], linked: dict[str, str], op_model: Any
    ) -> _Reply:
        """GetMetricData whose queries include Metrics Insights `SELECT`s: those answered by
        metrics_insights.py, the others asked of moto."""
        start, end = request["StartTime"], request["EndTime"]
        accounts = [MOTO_ACCOUNT, *linked]

        def list_metrics(account: str, namespace: str, metric: str) -> list[dict[str, str]]:
            found = self._ask_as(account, linked, target_prefix, "ListMetrics",
                                 {"Namespace": namespace, "MetricName": metric}).get("Metrics", [])
            unique = {tuple(sorted((d["Name"], d["Value"]) for d in m.get("Dimensions", []))) for m in found}
            return [dict(dims) for dims in sorted(unique)]  # moto repeats some

        def statistics(period: int):
            def fetch(account: str, namespace: str, metric: str, dims: dict[str, str]):
                answer = self._ask_as(account, linked, target_prefix, "GetMetricStatistics", {
                    "Namespace": namespace, "MetricName": metric, "StartTime": start, "EndTime": end,
                    "Period": period, "Statistics": ["Sum", "SampleCount", "Minimum", "Maximum"],
                    "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()]})
                return {_epoch_seconds(p["Timestamp"]): p for p in answer.get("Datapoints", [])}
            return fetch

        results, others = [], []
        for query in request.get("MetricDataQueries", []):
            expression = str(query.get("Expression", ""))
            if not expression.lstrip().upper().startswith("SELECT"):
                others.append(query)
                continue
            try:
                parsed = metrics_insights.parse(expression)
            except ValueError as error:
                return cbor_error(400, "InvalidParameterValueException", str(error))
            period = int(query.get("Period") or 60)
            for series in metrics_insights.evaluate(parsed, accounts, list_metrics, statistics(period)):
                results.append({"Id": query["Id"], **series})
        if others:
            answer = self._ask_as(MOTO_ACCOUNT, linked, target_prefix, "GetMetricData",
                                  {**request, "MetricDataQueries": others})
            results += answer.get("MetricDataResults", [])
        cbor_body = encode_cbor(json_to_cbor({"MetricDataResults": results, "Messages": []},
                                             op_model.output_shape))
        return _Reply(200, _protocol_headers(cbor_body), cbor_body)

    def _across_accounts(
        self, target_prefix: str, op: str, request: dict[str, Any], linked: dict[str, str]
    ) -> dict[str, Any] | None:
        """CloudWatch cross-account observability, which moto lacks, for a monitoring
        account (moto's own) linked to `linked` (account id → an access key moto issued for
        it): GetMetricData queries naming an `AccountId` are asked of that account, and
        ListMetrics with `IncludeLinkedAccounts` lists every linked account's metrics too,
        with `OwningAccounts` beside them. `None`: nothing crosses accounts."""
        if op == "GetMetricData":
            queries = request.get("MetricDataQueries", [])
            if not any(q.get("AccountId") not in (None, MOTO_ACCOUNT) for q in queries):
                return None
            by_account: dict[str, list[dict[str, Any]]] = {}
            for q in queries:
                q = dict(q)
                by_account.setdefault(q.pop("AccountId", None) or MOTO_ACCOUNT, []).append(q)
            results, messages = [], []
            for account, own in by_account.items():
                doc = self._ask_as(account, linked, target_prefix, op, {**request, "MetricDataQueries": own})
                results += doc.get("MetricDataResults", [])
                messages += doc.get("Messages", [])
            return {"MetricDataResults": results, "Messages": messages}
        if not request.get("IncludeLinkedAccounts"):
            return None
        asked = {k: v for k, v in request.items() if k not in ("IncludeLinkedAccounts", "OwningAccount")}
        metrics, owners = [], []
        for account in [MOTO_ACCOUNT, *linked]:
            if request.get("OwningAccount") not in (None, account):
                continue
            found = self._ask_as(account, linked, target_prefix, op, asked).get("Metrics", [])
            metrics += found
            owners += [account] * len(found)
        return {"Metrics": metrics, "OwningAccounts": owners}

    def _ask_as(
        self, account: str, linked: dict[str, str], target_prefix: str, op: str, doc: dict[str, Any]
    ) -> dict[str, Any]:
        """One CloudWatch request (awsJson 1.0) to moto as `account`; the answer's document."""
        status, data = self._as_account(account, linked, f"{target_prefix}.{op}", "application/x-amz-json-1.0", doc)
        if status != 200:
            raise ValueError(f"moto answered {status} to {op} as {account}: {data[:200]!r}")
        return json.loads(data) if data.strip() else {}

    def _as_account(
        self, account: str, linked: dict[str, str], target: str, content_type: str, doc: dict[str, Any]
    ) -> tuple[int, bytes]:
        """One awsJson request to moto as `account` (its access key in the credential
        scope, which is how moto tells accounts apart): the status and body."""
        headers = [(k, v) for k, v in self.headers.items()
                   if k.lower() not in CBOR_REQUEST_DROP and k.lower() != "x-amz-target"]
        headers += [("X-Amz-Target", target), ("Content-Type", content_type), ("Accept", "application/json")]
        if account != MOTO_ACCOUNT:
            key = linked.get(account)
            if key is None:
                raise ValueError(f"account {account} is not linked to the monitoring account")
            headers = [(k, re.sub(r"Credential=[^/]+/", f"Credential={key}/", v) if k.lower() == "authorization" else v)
                       for k, v in headers]
        status, _reason, _headers, data = self._upstream("POST", "/", headers, json.dumps(doc).encode())
        return status, data

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


def _signed_region(headers: Any) -> str | None:
    """The region of a SigV4 request's credential scope (`Credential=AKID/DATE/REGION/…`)."""
    match = re.search(r"Credential=[^/,]+/\d{8}/([^/,]+)/", headers.get("Authorization", ""))
    return match.group(1) if match else None


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


def throttle_error(code: str, status: int) -> _Reply:
    """What CloudWatch answers when throttling (awsQuery-compatible: the SDK reads the
    code from `x-amzn-query-error`, and retries `Throttling` as a throttling error)."""
    reply = cbor_error(status, code, THROTTLE_MESSAGE)
    reply.headers.append(("x-amzn-query-error", f"{code};Sender"))
    return reply


def _logs_reply(status: int, doc: Any, extra: list[tuple[str, str]] | None = None) -> _Reply:
    """A CloudWatch Logs (awsJson1_1) answer made by the proxy."""
    body = json.dumps(doc).encode()
    headers = [("Content-Type", LOGS_CONTENT_TYPE), ("x-amzn-RequestId", str(uuid.uuid4()))]
    return _Reply(status, headers + (extra or []), body)


def _logs_error(code: str, message: str, status: int = 400) -> _Reply:
    return _logs_reply(status, {"__type": code, "message": message}, [("x-amzn-ErrorType", code)])


def _json_doc(body: bytes, encoding: str) -> dict[str, Any]:
    """`body` (an awsJson document, maybe gzip'd/deflated) as a dict ({} if it is not one)."""
    try:
        encoding = encoding.strip().lower()
        if encoding in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        doc = json.loads(body) if body.strip() else {}
    except (ValueError, OSError, EOFError, zlib.error):  # bad JSON/UTF-8, bad gzip/deflate
        return {}
    return doc if isinstance(doc, dict) else {}


def _json_member(body: bytes, encoding: str, name: str) -> str | None:
    """`body` (an awsJson document, maybe gzip'd/deflated)[name] if it is a string."""
    value = _json_doc(body, encoding).get(name)
    return value if isinstance(value, str) else None


def _start_opensearch_query(controls: "ProxyControls", doc: dict[str, Any]) -> _Reply:
    """StartQuery in PPL or SQL, answered as the module docstring says."""
    language = doc.get("queryLanguage")
    named = [k for k in ("logGroupName", "logGroupNames", "logGroupIdentifiers") if doc.get(k)]
    if language == "SQL" and named:
        return _logs_error("InvalidParameterException",
                           "SQL queries name their log groups in the query string, not in " + named[0])
    if language == "PPL" and len(named) != 1:
        return _logs_error("InvalidParameterException",
                           "exactly one of logGroupName, logGroupNames or logGroupIdentifiers is required")
    groups = doc.get("logGroupNames") or doc.get("logGroupIdentifiers") or (
        [doc["logGroupName"]] if doc.get("logGroupName") else [])
    query_id = str(uuid.uuid4())
    controls.opensearch_started(query_id, {
        "status": "Complete",
        "results": [[
            {"field": "queryLanguage", "value": language},
            {"field": "queryString", "value": str(doc.get("queryString", ""))},
            {"field": "logGroups", "value": ", ".join(str(g) for g in groups)},
        ]],
        "statistics": {"recordsMatched": 1.0, "recordsScanned": 1.0, "bytesScanned": 0.0},
    })
    return _logs_reply(200, {"queryId": query_id})


def _float_param(params: dict[str, list[str]], name: str) -> float:
    values = params.get(name)
    if not values:
        raise ValueError(f"missing query parameter {name!r}")
    try:
        value = float(values[-1])
    except ValueError:
        raise ValueError(f"{name} must be a number, got {values[-1]!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {values[-1]!r}")
    return value


def _json_reply(status: int, doc: Any) -> _Reply:
    body = (json.dumps(doc, sort_keys=True) + "\n").encode()
    return _Reply(status, [("Content-Type", "application/json")], body)


def _int_param(params: dict[str, list[str]], name: str, default: int | None) -> int:
    values = params.get(name)
    if not values:
        if default is None:
            raise ValueError(f"missing query parameter {name!r}")
        return default
    try:
        return int(values[-1])
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {values[-1]!r}") from None


# moto's default account: the monitoring account of the cross-account emulation.
MOTO_ACCOUNT = "123456789012"

# GetQueryResults returns at most this many rows (StartQuery's `limit`: default and most).
ROW_LIMIT = 10_000


class _Query:
    """A Logs Insights query seen passing through (StartQuery answered 200)."""

    __slots__ = ("generation", "started", "stopped")

    def __init__(self, started: float, generation: int) -> None:
        self.started = started  # time.monotonic() when its StartQuery reply passed
        self.generation = generation  # the slow-insights setting in force then
        self.stopped = False


class ProxyControls:
    """Throttling and request counters for CloudWatch RPCv2-CBOR requests, Logs request
    counters and the Logs Insights slow-query/StopQuery simulation (thread-safe: the
    server handles each connection on its own thread)."""

    def __init__(self, clock=time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._remaining = 0
        self._code = "Throttling"
        self._status = 400
        self._requests = 0
        self._throttled = 0
        self._operations: collections.Counter[str] = collections.Counter()
        self._logs_operations: collections.Counter[str] = collections.Counter()
        self._slow_seconds = 0.0
        self._slow_generation = 0  # bumped by every slow_insights() call
        self._queries: dict[str, _Query] = {}
        self._opensearch: dict[str, dict[str, Any]] = {}
        self._quota_full = 0
        self._throttled_regions: set[str] = set()
        self._anomaly_detectors: list[dict[str, Any]] = []
        self._row_limits: dict[str, int] = {}
        self._linked: dict[str, str] = {}
        self._log_anomalies: list[dict[str, Any]] = []
        self._anomaly_page = 50
        self._insight_contributions: dict[str, list[dict[str, Any]]] = {}
        self._insight_requests: list[dict[str, Any]] = []
        self._service_quotas: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._linked_queries: dict[str, tuple[list[tuple[str, str]], str]] = {}

    def set_linked_query(self, query_id: str, parts: list[tuple[str, str]], text: str) -> None:
        """A query across accounts: its parts, (account, moto's query id), and its text."""
        with self._lock:
            self._linked_queries[query_id] = (list(parts), text)

    def linked_query(self, query_id: str) -> tuple[list[tuple[str, str]], str] | None:
        with self._lock:
            return self._linked_queries.get(query_id)

    # -- Service Quotas (moto has vpc's only) --------------------------------------------

    def set_service_quotas(self, service_code: str, applied: list[dict[str, Any]] | None,
                           defaults: list[dict[str, Any]] | None) -> dict[str, Any]:
        """The quotas (ServiceQuota members: QuotaName, QuotaCode, Value) ListServiceQuotas
        (`applied`) and ListAWSDefaultServiceQuotas (`defaults`) answer for `service_code`;
        None for both forgets them (moto answers again)."""
        with self._lock:
            for op, quotas in (("ListServiceQuotas", applied), ("ListAWSDefaultServiceQuotas", defaults)):
                if quotas is None:
                    self._service_quotas.pop((op, service_code), None)
                else:
                    self._service_quotas[(op, service_code)] = [
                        {"ServiceCode": service_code, "ServiceName": "Amazon CloudWatch Logs", "Unit": "None",
                         "Adjustable": True, "GlobalQuota": False, **q} for q in quotas]
        return {"service_quotas": service_code}

    def service_quotas(self, op: str, service_code: str) -> list[dict[str, Any]] | None:
        with self._lock:
            found = self._service_quotas.get((op, service_code))
            if found is None and any(code == service_code for _, code in self._service_quotas):
                return []  # the service is set up here, with nothing for this call
            return None if found is None else list(found)

    # -- Contributor Insights reports (moto has none) -------------------------------------

    def set_insight_contributions(self, rule: str, contributors: list[dict[str, Any]]) -> dict[str, Any]:
        """Sets a rule's raw contributions: [{"Keys": [...], "Values": [[epoch s, v], ...]}]
        (an empty list forgets them; `reset_insights()` forgets every rule's)."""
        checked = [{"Keys": [str(k) for k in c["Keys"]],
                    "Values": [[float(t), float(v)] for t, v in c["Values"]]} for c in contributors]
        with self._lock:
            self._insight_contributions[rule] = checked
        return {"contributors": len(checked)}

    def reset_insights(self) -> None:
        with self._lock:
            self._insight_contributions.clear()
            self._insight_requests.clear()
            self._service_quotas.clear()

    def insight_contributions(self, rule: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._insight_contributions.get(rule, []))

    def record_insight_request(self, request: dict[str, Any]) -> None:
        with self._lock:
            self._insight_requests.append(dict(request))

    def insight_requests(self) -> list[dict[str, Any]]:
        """Every GetInsightRuleReport request seen (as JSON: times in epoch seconds)."""
        with self._lock:
            return list(self._insight_requests)

    # -- log anomalies (moto has none) ---------------------------------------------------

    def set_log_anomalies(self, anomalies: list[dict[str, Any]], page: int = 50) -> dict[str, Any]:
        """Replaces the anomalies ListAnomalies answers (members of the Logs model's
        `Anomaly` shape), `page` to a page unless the request's `limit` says."""
        with self._lock:
            self._log_anomalies = [dict(a) for a in anomalies]
            self._anomaly_page = page
        return {"log_anomalies": len(anomalies)}

    def list_anomalies(self, request: dict[str, Any]) -> dict[str, Any]:
        """ListAnomalies' answer, filtered by `anomalyDetectorArn`, paged by `limit`
        (the `nextToken` is the index of the next anomaly)."""
        with self._lock:
            found = [a for a in self._log_anomalies
                     if request.get("anomalyDetectorArn") in (None, a["anomalyDetectorArn"])]
        start = int(request.get("nextToken") or 0)
        limit = int(request.get("limit") or self._anomaly_page)
        page = {"anomalies": found[start:start + limit]}
        if start + limit < len(found):
            page["nextToken"] = str(start + limit)
        return page

    # -- cross-account observability (moto has none) -------------------------------------

    def set_linked_accounts(self, linked: dict[str, str]) -> dict[str, Any]:
        """Links source accounts to the monitoring account (moto's own): account id →
        an access key moto issued for that account (STS AssumeRole into it)."""
        with self._lock:
            self._linked = {str(k): str(v) for k, v in linked.items()}
        return {"linked_accounts": sorted(self._linked)}

    def linked_accounts(self) -> dict[str, str]:
        with self._lock:
            return dict(self._linked)

    # -- Logs Insights row limit ---------------------------------------------------------

    def set_row_limit(self, query_id: str, limit: int) -> None:
        with self._lock:
            self._row_limits[query_id] = limit

    def row_limit(self, query_id: str | None) -> int:
        with self._lock:
            return self._row_limits.get(query_id or "", ROW_LIMIT)

    # -- anomaly detectors (moto has none) -----------------------------------------------

    def set_anomaly_detectors(self, detectors: list[dict[str, Any]]) -> dict[str, Any]:
        """Replaces the detectors: PutAnomalyDetector's single-metric members
        (Namespace, MetricName, Dimensions [{Name, Value}], Stat)."""
        checked = [
            {"Namespace": str(d["Namespace"]), "MetricName": str(d["MetricName"]),
             "Dimensions": [{"Name": str(x["Name"]), "Value": str(x["Value"])} for x in d.get("Dimensions", [])],
             "Stat": str(d["Stat"])}
            for d in detectors
        ]
        with self._lock:
            self._anomaly_detectors = checked
        return {"anomaly_detectors": len(checked)}

    def describe_anomaly_detectors(self, request: dict[str, Any]) -> dict[str, Any]:
        """DescribeAnomalyDetectors' answer: filtered by Namespace, MetricName and
        Dimensions as the API documents, one page."""
        with self._lock:
            detectors = list(self._anomaly_detectors)
        wanted_dims = {(d["Name"], d["Value"]) for d in request.get("Dimensions", [])}
        found = [
            d for d in detectors
            if request.get("Namespace") in (None, d["Namespace"])
            and request.get("MetricName") in (None, d["MetricName"])
            and wanted_dims <= {(x["Name"], x["Value"]) for x in d["Dimensions"]}
        ]
        return {"AnomalyDetectors": [
            {**d, "StateValue": "TRAINED", "SingleMetricAnomalyDetector": dict(d)} for d in found
        ]}

    # -- Logs ----------------------------------------------------------------------------

    def record_logs(self, op: str) -> None:
        """Counts one CloudWatch Logs request."""
        with self._lock:
            self._logs_operations[op] += 1

    def slow_insights(self, seconds: float) -> dict[str, Any]:
        """Queries started from now on report Running for `seconds` (replacing any
        earlier setting, whose queries are no longer held back; 0: off)."""
        seconds = float(seconds)
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("seconds must be a finite number >= 0")
        with self._lock:
            self._slow_seconds = seconds
            self._slow_generation += 1
            return {"seconds": seconds}

    def query_started(self, query_id: str) -> None:
        with self._lock:
            self._queries[query_id] = _Query(self._clock(), self._slow_generation)

    def query_status(self, query_id: str) -> str | None:
        """What the proxy answers to GetQueryResults for `query_id` ("Cancelled" or
        "Running"), or None to pass it through to moto."""
        with self._lock:
            query = self._queries.get(query_id)
            if query is None:
                return None
            if query.stopped:
                return "Cancelled"
            if (
                query.generation == self._slow_generation
                and self._slow_seconds > 0
                and self._clock() - query.started < self._slow_seconds
            ):
                return "Running"
            return None

    def insights_quota_full(self, n: int) -> dict[str, Any]:
        """The next `n` StartQuery calls find the account's quota full (0: off)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        with self._lock:
            self._quota_full = n
            return {"remaining": n}

    def take_quota_full(self) -> bool:
        """Whether this StartQuery is one of them (counting it)."""
        with self._lock:
            if self._quota_full <= 0:
                return False
            self._quota_full -= 1
            return True

    def opensearch_started(self, query_id: str, answer: dict[str, Any]) -> None:
        """A PPL/SQL query the proxy answered, and its GetQueryResults answer."""
        with self._lock:
            self._opensearch[query_id] = answer

    def opensearch_result(self, query_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._opensearch.get(query_id)

    def stop_query(self, query_id: str) -> bool:
        """Marks a known query stopped; False for an unknown one."""
        with self._lock:
            query = self._queries.get(query_id)
            if query is None:
                return False
            query.stopped = True
            return True

    def throttle(self, n: int, code: str = "Throttling", status: int = 400) -> dict[str, Any]:
        """Throttles the next `n` requests (replacing any earlier setting; 0: off)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        with self._lock:
            self._remaining, self._code, self._status = n, code, status
            return {"remaining": n, "code": code, "status": status}

    def throttle_region(self, region: str, on: bool = True) -> dict[str, Any]:
        """Throttles every CloudWatch request signed for `region` (its SigV4 credential
        scope) until turned off: one fleet target, in its own region, throttled while the
        others are not."""
        with self._lock:
            if on:
                self._throttled_regions.add(region)
            else:
                self._throttled_regions.discard(region)
            return {"throttled_regions": sorted(self._throttled_regions)}

    def record(self, op: str, region: str | None = None) -> tuple[str, int] | None:
        """Counts one request; returns (code, status) when it is to be throttled."""
        with self._lock:
            self._requests += 1
            self._operations[op] += 1
            if region is not None and region in self._throttled_regions:
                self._throttled += 1
                return "Throttling", 400
            if self._remaining <= 0:
                return None
            self._remaining -= 1
            self._throttled += 1
            return self._code, self._status

    def _stats(self) -> dict[str, Any]:
        return {
            "cloudwatch_requests": self._requests,
            "throttled": self._throttled,
            "operations": dict(self._operations),
            "logs_operations": dict(self._logs_operations),
        }

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return self._stats()

    def reset_stats(self) -> dict[str, Any]:
        """Zeroes the counters (throttling, slow-insights and the known queries are left
        as they are); returns the old counts."""
        with self._lock:
            old = self._stats()
            self._requests = self._throttled = 0
            self._operations.clear()
            self._logs_operations.clear()
            return old


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
        self.controls = ProxyControls()


class CborProxy:
    """The proxy, run on a background thread.

    >>> proxy = CborProxy("http://127.0.0.1:5000").start()   # port 0: pick a free one
    >>> proxy.url          # 'http://127.0.0.1:54321'
    >>> proxy.stop()

    `recent` holds the last 500 access-log lines (useful when a test fails).
    `throttle()`, `slow_insights()`, `stats()` and `reset_stats()` do in-process what the
    `/__proxy/...` endpoints do over HTTP (see the module docstring).
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen-port", type=int, required=True)
    parser.add_argument("--listen-host", default="127.0.0.1")
    parser.add_argument(
        "--upstream", required=True, help="moto_server URL, e.g. http://127.0.0.1:5000"
    )
    parser.add_argument("--quiet", action="store_true", help="no access log on stderr")
    parser.add_argument(
        "--throttle-first",
        type=int,
        default=0,
        metavar="N",
        help="answer the first N CloudWatch RPCv2-CBOR requests with a throttling error",
    )
    parser.add_argument(
        "--throttle-code", default="Throttling", help="error code for --throttle-first"
    )
    parser.add_argument(
        "--throttle-status", type=int, default=400, help="HTTP status for --throttle-first"
    )
    parser.add_argument(
        "--slow-insights",
        type=float,
        default=0.0,
        metavar="S",
        help="Logs Insights queries report Running for their first S seconds",
    )
    args = parser.parse_args(argv)
    if args.throttle_first < 0:
        parser.error("--throttle-first must be >= 0")
    if not math.isfinite(args.slow_insights) or args.slow_insights < 0:
        parser.error("--slow-insights must be a finite number >= 0")
    proxy = CborProxy(args.upstream, args.listen_host, args.listen_port, verbose=not args.quiet)
    if args.throttle_first:
        proxy.throttle(args.throttle_first, args.throttle_code, args.throttle_status)
    if args.slow_insights:
        proxy.slow_insights(args.slow_insights)
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
