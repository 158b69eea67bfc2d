"""Value conversion between RPCv2-CBOR and awsJson: tag-1 float timestamps, floats and
integers by botocore shape, blobs, nulls omitted (the package docstring has the wire rules).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
from typing import Any

import cbor2


def epoch_seconds(value: Any) -> float:
    """An awsJson timestamp (epoch number, numeric string or ISO 8601) as epoch seconds."""
    if isinstance(value, bool):
        raise TypeError(f"not a timestamp: {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.datetime):
        return datetime_epoch(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        parsed = dt.datetime.fromisoformat(value)  # 3.11+: "Z" too
        return datetime_epoch(parsed)
    raise TypeError(f"not a timestamp: {value!r}")


def datetime_epoch(value: dt.datetime) -> float:
    if value.tzinfo is None:  # naive values are UTC on the AWS wire
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


def cbor_to_json(value: Any) -> Any:
    """A decoded CBOR request value as the equivalent awsJson value.

    Tag 1 (cbor2 decodes it to an aware datetime) → epoch seconds; byte strings →
    base64; null/undefined members dropped; bignums stay ints, decimal fractions floats.
    """
    if isinstance(value, dt.datetime):
        return datetime_epoch(value)
    if isinstance(value, cbor2.CBORTag):
        if value.tag == 1:
            return epoch_seconds(value.value)
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
        return cbor2.CBORTag(1, epoch_seconds(value))
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
