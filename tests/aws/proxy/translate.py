"""An RPCv2-CBOR CloudWatch request → awsJson1_0 to moto, and moto's answer back to CBOR
by botocore's model (errors with `__type` and `x-amzn-query-error`); the emulated
operations moto lacks are dispatched from here.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import threading
import zlib
from typing import TYPE_CHECKING, Any

import cbor2

from .. import insight_reports, metrics_insights
from .codec import cbor_to_json, encode_cbor, html_text, json_to_cbor
from .insight_rule_report import insight_report
from .linked_accounts import across_accounts
from .metric_select import metrics_insights_answer
from .replies import CBOR_REQUEST_DROP, HOP_BY_HOP, Reply, cbor_error, protocol_headers
from .service_quota_math import service_quota_answer, uses_service_quota

if TYPE_CHECKING:
    from .server import Handler


# Smithy service shape name → botocore service name. Only these get shape-aware
# conversion; other RPCv2-CBOR services would be converted generically.
SERVICES = {"GraniteServiceVersion20100801": "cloudwatch"}
CBOR_PATH = re.compile(r"^(?:.*)/service/(?P<service>[^/]+)/operation/(?P<op>[^/?#]+)/?$")


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


def translate(h: Handler, service: str, op: str, body: bytes) -> Reply:
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

    encoding = h.headers.get("Content-Encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        body = gzip.decompress(body)
    elif encoding == "deflate":
        body = zlib.decompress(body)
    try:
        decoded = cbor2.loads(body) if body else {}
    except Exception as exc:
        return cbor_error(400, "SerializationException", f"invalid CBOR body: {exc}")
    linked = h.server.controls.linked_accounts()
    request = cbor_to_json(decoded)
    if op == "GetMetricData" and op_model is not None and uses_service_quota(request):
        # moto evaluates no metric math function: SERVICE_QUOTA(id) is answered here
        # (service_quota_math.py) from the quotas a test set.
        return service_quota_answer(h, target_prefix, request, op_model)
    if op == "GetMetricData" and op_model is not None and any(
        str(q.get("Expression", "")).lstrip().upper().startswith("SELECT")
        for q in request.get("MetricDataQueries", [])
    ):
        # moto's Metrics Insights is empty or wrong: a subset is answered here
        # (metrics_insights.py), over the monitoring and every linked account.
        return metrics_insights_answer(h, target_prefix, request, linked, op_model)
    if linked and op_model is not None and op in ("GetMetricData", "ListMetrics"):
        answer = across_accounts(h, target_prefix, op, request, linked)
        if answer is not None:
            cbor_body = encode_cbor(json_to_cbor(answer, op_model.output_shape))
            return Reply(200, protocol_headers(cbor_body), cbor_body)
    if op == "GetInsightRuleReport" and op_model is not None:
        # moto has no GetInsightRuleReport: answered here (insight_reports.py).
        return insight_report(h, target_prefix, request, op_model)
    if op == "DescribeAnomalyDetectors" and op_model is not None:
        # moto has no anomaly detectors (500): answered here, in the CloudWatch model's
        # DescribeAnomalyDetectorsOutput shape, from the detectors a test set.
        doc = h.server.controls.describe_anomaly_detectors(cbor_to_json(decoded))
        cbor_body = encode_cbor(json_to_cbor(doc, op_model.output_shape))
        return Reply(200, protocol_headers(cbor_body), cbor_body)
    payload = json.dumps(cbor_to_json(decoded)).encode()

    headers = [(k, v) for k, v in h.headers.items() if k.lower() not in CBOR_REQUEST_DROP]
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
        status, _reason, up_headers, data = h.upstream("POST", "/", headers, payload)
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
            return Reply(200, passed + protocol_headers(None), b"")
        cbor_body = encode_cbor(json_to_cbor(doc, output_shape))
        return Reply(200, passed + protocol_headers(cbor_body), cbor_body)

    # Errors. moto's modelled errors are JSON {"__type", "message"/"Message"}; its
    # crashes are HTML 500 pages; anything else non-JSON is reported as text too.
    if status == 200:
        status = 500
    if isinstance(doc, dict) and "__type" in doc:
        error_type = str(doc["__type"])
        message = doc.get("message", doc.get("Message"))
        error = {k: v for k, v in doc.items() if k not in ("__type", "message", "Message")}
        error_shape = modelled_error_shape(model, error_type)
        converted = json_to_cbor(error, error_shape) if error else {}
        reply = cbor_error(status, error_type, message, extra=converted)
        if not any(k.lower() == "x-amzn-query-error" for k, _ in passed):
            query_error = query_error_header(error_shape)
            if query_error:
                passed.append(("x-amzn-query-error", query_error))
    else:
        reply = cbor_error(status, "InternalFailure", html_text(data) or f"HTTP {status}")
    reply.headers = passed + reply.headers
    return reply


def modelled_error_shape(model: Any, error_type: str):
    if model is None:
        return None
    name = error_type.split("#")[-1].split(":")[0]
    try:
        shape = model.shape_for(name)
    except Exception:
        return None
    return shape if shape.metadata.get("exception") else None


def query_error_header(error_shape: Any) -> str | None:
    """`Code;Sender|Receiver` from the model's awsQueryError trait, as AWS would send."""
    if error_shape is None:
        return None
    error = error_shape.metadata.get("error") or {}
    code = error.get("code")
    if not code:
        return None
    return f"{code};{'Sender' if error.get('senderFault') else 'Receiver'}"
