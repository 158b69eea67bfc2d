"""papermill's parameter values (Python objects from `-p`, `-y`, `-f` or the API) as the
text `playbook run -p NAME=TEXT` takes, and, for a notebook the translator cannot see,
the Rust type a value suggests.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

from .literals import ParameterError, json_text

def raw_text(name: str, value: Any) -> str:
    """A papermill parameter value (a Python object from -p, -y, -f or the API) as the
    text `playbook run -p NAME=TEXT` takes: a string as it is, a datetime as RFC 3339 (a
    naive one is taken as UTC), a date as YYYY-MM-DD, anything else as JSON. None is
    refused: Rust has no null, and leaving the parameter out keeps its default."""
    if value is None:
        raise ParameterError(
            f"parameter `{name}` is None: a playbook parameter needs a value (Rust has no null); "
            "leave it out to keep the notebook's default")
    if isinstance(value, str):
        return value
    if isinstance(value, _dt.datetime):
        return _rfc3339(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    try:
        return json_text(_plain(name, value))
    except ValueError as why:
        raise ParameterError(f"parameter `{name}`: {why}") from None


def _plain(name: str, value: Any) -> Any:
    """`value` with datetimes as RFC 3339 text, checked to be JSON (no None inside a list
    or a dict either: Rust's Vec has no null; a Json parameter may hold one)."""
    if isinstance(value, _dt.datetime):
        return _rfc3339(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(name, v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(name, v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        raise ParameterError(f"parameter `{name}`: {value} is not a finite number")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ParameterError(f"parameter `{name}`: a {type(value).__name__} has no playbook type")


def _rfc3339(value: _dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    return value.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")


def inferred_type(value: Any) -> str:
    """The Rust type of a value for a notebook this translator cannot see: bool, i64,
    f64, String, DateTime<Utc>, Vec of one of those, or Json (dicts, mixed lists)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "i64"
    if isinstance(value, float):
        return "f64"
    if isinstance(value, _dt.datetime):
        return "DateTime<Utc>"
    if isinstance(value, (list, tuple)):
        kinds = {inferred_type(v) for v in value}
        if kinds == {"i64", "f64"}:
            kinds = {"f64"}
        if not kinds:
            return "Vec<String>"
        if len(kinds) == 1 and (kind := kinds.pop()) in ("bool", "i64", "f64", "String", "DateTime<Utc>"):
            return f"Vec<{kind}>"
        return "Json"
    if isinstance(value, dict):
        return "Json"
    return "String"
