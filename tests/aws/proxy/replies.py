"""What the proxy sends back, and the wire constants: CBOR and Logs (awsJson1_1) replies
and errors, throttling errors, the header sets never forwarded, request-document helpers.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import uuid
import zlib
from typing import Any

from .codec import encode_cbor


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


# moto's default account: the monitoring account of the cross-account emulation.
MOTO_ACCOUNT = "123456789012"


# GetQueryResults returns at most this many rows (StartQuery's `limit`: default and most).
ROW_LIMIT = 10_000


class Reply:
    """An HTTP response to send back to the client."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes, reason=""):
        self.status = status
        self.headers = headers
        self.body = body
        self.reason = reason


def protocol_headers(body: bytes | None) -> list[tuple[str, str]]:
    headers = [("smithy-protocol", PROTOCOL_VALUE)]
    if body is not None:
        headers.append(("Content-Type", CBOR_CONTENT_TYPE))
    headers.append(("Content-Length", str(len(body or b""))))
    return headers


def cbor_error(
    status: int, error_type: str, message: str | None, extra: dict | None = None
) -> Reply:
    """An RPCv2-CBOR error reply: CBOR map with `__type` and `message`."""
    doc: dict[str, Any] = {"__type": error_type}
    if message is not None:
        doc["message"] = str(message)
    doc.update(extra or {})
    body = encode_cbor(doc)
    return Reply(status, protocol_headers(body), body)


def throttle_error(code: str, status: int) -> Reply:
    """What CloudWatch answers when throttling (awsQuery-compatible: the SDK reads the
    code from `x-amzn-query-error`, and retries `Throttling` as a throttling error)."""
    reply = cbor_error(status, code, THROTTLE_MESSAGE)
    reply.headers.append(("x-amzn-query-error", f"{code};Sender"))
    return reply


def logs_reply(status: int, doc: Any, extra: list[tuple[str, str]] | None = None) -> Reply:
    """A CloudWatch Logs (awsJson1_1) answer made by the proxy."""
    body = json.dumps(doc).encode()
    headers = [("Content-Type", LOGS_CONTENT_TYPE), ("x-amzn-RequestId", str(uuid.uuid4()))]
    return Reply(status, headers + (extra or []), body)


def logs_error(code: str, message: str, status: int = 400) -> Reply:
    return logs_reply(status, {"__type": code, "message": message}, [("x-amzn-ErrorType", code)])


def json_doc(body: bytes, encoding: str) -> dict[str, Any]:
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


def json_member(body: bytes, encoding: str, name: str) -> str | None:
    """`body` (an awsJson document, maybe gzip'd/deflated)[name] if it is a string."""
    value = json_doc(body, encoding).get(name)
    return value if isinstance(value, str) else None


def json_reply(status: int, doc: Any) -> Reply:
    body = (json.dumps(doc, sort_keys=True) + "\n").encode()
    return Reply(status, [("Content-Type", "application/json")], body)


def int_param(params: dict[str, list[str]], name: str, default: int | None) -> int:
    values = params.get(name)
    if not values:
        if default is None:
            raise ValueError(f"missing query parameter {name!r}")
        return default
    try:
        return int(values[-1])
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {values[-1]!r}") from None


def float_param(params: dict[str, list[str]], name: str) -> float:
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


def signed_region(headers: Any) -> str | None:
    """The region of a SigV4 request's credential scope (`Credential=AKID/DATE/REGION/…`)."""
    match = re.search(r"Credential=[^/,]+/\d{8}/([^/,]+)/", headers.get("Authorization", ""))
    return match.group(1) if match else None
