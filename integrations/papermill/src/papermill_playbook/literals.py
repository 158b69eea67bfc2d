"""Parameter values as Rust code, by `playbook run`'s rules
(kernel/src/run/parameters/literal.rs) in Python: the text a value is given as, checked
against the declared type and written as a Rust expression (strings escaped, floats as
Rust prints them, JSON as serde_json writes it), with its JSON form.
tests/test_papermill.py compares what these rules write with the injected cell `playbook
run` writes, value for value, so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from decimal import Decimal
from typing import Any

# The types of untyped declarations (`let limit = 10;`, `let ratio = 0.5;`), as rustc
# names an unsuffixed literal.
INTEGER = "{integer}"
FLOAT = "{float}"
DATETIME_TYPES = frozenset({
    "DateTime<Utc>",
    "chrono::DateTime<Utc>",
    "chrono::DateTime<chrono::Utc>",
    "playbook::chrono::DateTime<playbook::chrono::Utc>",
})
JSON_TYPES = frozenset({"Json", "serde_json::Value", "playbook::serde_json::Value", "playbook::prelude::Json"})
INTEGER_RANGES = {
    "i8": (-(2**7), 2**7 - 1), "i16": (-(2**15), 2**15 - 1), "i32": (-(2**31), 2**31 - 1),
    "i64": (-(2**63), 2**63 - 1), "isize": (-(2**63), 2**63 - 1),
    "u8": (0, 2**8 - 1), "u16": (0, 2**16 - 1), "u32": (0, 2**32 - 1),
    "u64": (0, 2**64 - 1), "usize": (0, 2**64 - 1),
}
STRING_TYPES = frozenset({"String", "&str", "&'staticstr"})


class ParameterError(ValueError):
    """A value `playbook run` would refuse (exit 3), with its message."""



# Unicode White_Space, what Rust's `str::trim` removes (Python's `str.strip` also removes
# U+001C..U+001F).
_RUST_WHITESPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def rust_trim(text: str) -> str:
    """`text.trim()` as Rust does it (`playbook run` trims every given value)."""
    return text.strip(_RUST_WHITESPACE)


def _is_format(c: str) -> bool:
    o = ord(c)
    return (o in (0x00AD, 0x061C, 0x180E, 0xFEFF) or 0x200B <= o <= 0x200F or 0x202A <= o <= 0x202E
            or 0x2060 <= o <= 0x2064 or 0x2066 <= o <= 0x206F or 0xFFF9 <= o <= 0xFFFB)


def rust_string(text: str) -> str:
    """A Rust string literal for `text`: quotes and backslashes escaped, control and
    invisible formatting characters (bidi overrides, zero-width spaces) as `\\u{…}`."""
    out = ['"']
    for c in text:
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or _is_format(c):
            out.append("\\u{%x}" % ord(c))
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


_F64 = re.compile(r"[+-]?(?:inf|infinity|nan|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)", re.IGNORECASE)


def rust_f64(text: str) -> float | None:
    """`text.parse::<f64>()`: Rust's grammar (no underscores, no spaces)."""
    return float(text) if _F64.fullmatch(text) else None


def _shortest(x: float) -> tuple[str, str, int]:
    """(sign, digits, point): x = sign 0.DIGITS × 10^point, digits the shortest that
    read back as x (what Rust's and serde_json's float printing start from)."""
    sign, digits, exponent = Decimal(repr(abs(x))).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    point = len(digits) + exponent
    return ("-" if math.copysign(1.0, x) < 0 else ""), text, point


def rust_debug_f64(x: float) -> str:
    """`format!("{x:?}")` for a finite f64: decimal with a fraction for 1e-4 ≤ |x| < 1e16
    (and 0), else `1e16`, `1.5e-7`."""
    sign, digits, point = _shortest(x)
    if x == 0 or 1e-4 <= abs(x) < 1e16:
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        if point >= len(digits):
            return f"{sign}{digits}{'0' * (point - len(digits))}.0"
        return f"{sign}{digits[:point]}.{digits[point:]}"
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mantissa}e{point - 1}"


def json_f64(x: float) -> str:
    """A finite f64 as serde_json writes it (ryu): `1.0`, `0.00001`, `1e16`, `1.5e-7`."""
    sign, digits, point = _shortest(x)
    if x == 0:
        return f"{sign}0.0"
    if 0 <= point - len(digits) and point <= 16:
        return f"{sign}{digits}{'0' * (point - len(digits))}.0"
    if 0 < point <= 16:
        return f"{sign}{digits[:point]}.{digits[point:]}"
    if -5 < point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mantissa}e{point - 1}"


def json_text(value: Any) -> str:
    """`value` as compact JSON, as serde_json writes it (keys sorted: serde_json's map is
    ordered by key; floats as ryu writes them)."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a finite number")
        return json_f64(value)
    if isinstance(value, list):
        return "[" + ",".join(json_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{json_text(v)}"
                              for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))) + "}"
    raise ValueError(f"{type(value).__name__} is not JSON")


def _bad(name: str, value: str, ty: str, hint: str) -> ParameterError:
    return ParameterError(f"parameter `{name}`: {json.dumps(value, ensure_ascii=False)} is not a valid {ty}{hint}")


def literal(ty: str, raw: str, name: str) -> tuple[str, Any]:
    """The Rust expression for the text `raw` as a value of type `ty`, and its JSON form
    (kernel/src/run/parameters/literal.rs `literal`)."""
    if ty in INTEGER_RANGES:
        return _integer(ty, raw, name)
    if ty == INTEGER:
        code, value = _integer("i64", raw, name)
        return code[: -len("i64")], value
    if ty in (FLOAT, "f32", "f64"):
        x = rust_f64(raw)
        if x is None:
            raise _bad(name, raw, ty, " (a number)")
        if not math.isfinite(x):
            raise _bad(name, raw, ty, " (a finite number)")
        return rust_debug_f64(x) + ("" if ty == FLOAT else ty), x
    if ty == "bool":
        lowered = raw.lower()
        if lowered in ("true", "yes", "1"):
            return "true", True
        if lowered in ("false", "no", "0"):
            return "false", False
        raise _bad(name, raw, ty, " (true or false)")
    if ty in STRING_TYPES:
        quoted = rust_string(raw)
        return (f"String::from({quoted})" if ty == "String" else quoted), raw
    if ty in DATETIME_TYPES:
        return _datetime(ty, raw, name)
    if ty in JSON_TYPES:
        try:
            value = _json(raw)
        except ValueError:
            value = raw
        code = (f"playbook::serde_json::from_str::<playbook::serde_json::Value>({rust_string(json_text(value))})"
                '.expect("checked by playbook run")')
        return code, value
    if ty.startswith("Vec<") and ty.endswith(">"):
        return _vec(ty[4:-1], raw, name)
    raise ParameterError(
        f"parameter `{name}` has type {ty}, which `playbook run` cannot set; use i64, f64, bool, String, "
        "DateTime<Utc>, Json (serde_json::Value) or Vec of those")


def _no_constant(text: str) -> Any:
    raise ValueError(text)  # NaN and Infinity are not JSON (serde_json refuses them)


def _finite(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):
        raise ValueError(text)  # 1e400: serde_json refuses a number out of range
    return x


def _integer_or_float(text: str) -> int | float:
    n = int(text)  # serde_json keeps i64 and u64; a larger whole number is an f64
    return n if -(2**63) <= n <= 2**64 - 1 else _finite(text)


def _json(raw: str) -> Any:
    """`serde_json::from_str::<Value>(raw)`: ValueError where serde_json errs."""
    return json.loads(raw, parse_constant=_no_constant, parse_float=_finite, parse_int=_integer_or_float)


def _integer(ty: str, raw: str, name: str) -> tuple[str, Any]:
    if not re.fullmatch(r"[+-]?[0-9]+", raw):
        raise _bad(name, raw, ty, " (a whole number)")
    n = int(raw)
    low, high = INTEGER_RANGES[ty] if ty in INTEGER_RANGES else INTEGER_RANGES["i64"]
    if not low <= n <= high:
        raise _bad(name, raw, ty, " (out of range)")
    return f"{n}{ty}", n


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))")


def _datetime(ty: str, raw: str, name: str) -> tuple[str, Any]:
    match = _RFC3339.fullmatch(raw)
    hint = " (an RFC 3339 time such as 2026-11-26T10:07:00Z)"
    if not match:
        raise _bad(name, raw, ty, hint)
    year, month, day, hour, minute, second, fraction, _z, sign, oh, om = match.groups()
    try:
        offset = _dt.timedelta(hours=int(oh), minutes=int(om)) if sign else _dt.timedelta()
        if sign == "-":
            offset = -offset
        local = _dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                             tzinfo=_dt.timezone(offset))
    except ValueError:
        raise _bad(name, raw, ty, hint) from None
    utc = local.astimezone(_dt.timezone.utc)
    nanos = int((fraction or "0")[:9].ljust(9, "0"))
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:  # chrono's SecondsFormat::AutoSi: 3, 6 or 9 digits, as few as hold it
        digits = 3 if nanos % 1_000_000 == 0 else 6 if nanos % 1000 == 0 else 9
        text += "." + f"{nanos:09d}"[:digits]
    text += "Z"
    return f'"{text}".parse::<{ty}>().expect("checked by playbook run")', text


def _vec(inner: str, raw: str, name: str) -> tuple[str, Any]:
    try:
        parsed = _json(raw)
    except ValueError:
        parsed = None
    if isinstance(parsed, list):
        items = [v if isinstance(v, str) else json_text(v) for v in parsed]
    elif raw == "":
        items = []
    else:
        items = [s.strip() for s in raw.split(",")]
    codes, values = [], []
    for item in items:
        code, value = literal(inner, item, name)
        codes.append(code)
        values.append(value)
    return f"vec![{', '.join(codes)}]", values
