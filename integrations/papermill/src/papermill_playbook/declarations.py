"""Which `let` lines of a `parameters` cell declare parameters, by `playbook run`'s rules
(kernel/src/run/parameters/mod.rs `declarations`) in Python, with their defaults read
back as data (for `papermill --help-notebook`), and which names hold secrets
(kernel/src/redact/known.rs).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from .literals import FLOAT, INTEGER, rust_f64

# What a record shows instead of a secret parameter's value (kernel/src/redact MASK).
MASK = "[masked by playbook]"

# Parts of a name that make a parameter secret (kernel/src/redact/known.rs).
SECRET_NAMES = ("SECRET", "TOKEN", "PASSWORD", "PASSWD", "PASSPHRASE", "API_KEY", "APIKEY", "PRIVATE_KEY",
                "ACCESS_KEY", "CREDENTIAL", "AUTH", "SESSION_KEY", "SIGNING_KEY", "CLIENT_KEY", "WEBHOOK")
NOT_SECRET = ("AWS_AUTH_SCHEME_PREFERENCE", "PLAYBOOK_HOST_SOCKET")


@dataclass(frozen=True)
class Declared:
    """A parameter the `parameters` cell declares."""

    name: str
    # The declared type without spaces; for an untyped declaration its literal's kind.
    ty: str
    # The default's expression as written.
    default: str
    # The line's trailing `// comment`, if any.
    help: str = ""



def split_line_comment(line: str) -> tuple[str, str]:
    """`line` without its trailing `// comment` (outside a string literal), and the
    comment's text."""
    quoted = escaped = False
    for at, c in enumerate(line):
        if escaped:
            escaped = False
        elif c == "\\" and quoted:
            escaped = True
        elif c == '"':
            quoted = not quoted
        elif c == "/" and not quoted and line[at + 1:at + 2] == "/":
            return line[:at], line[at + 2:].lstrip("/").strip()
    return line, ""


def _is_name(name: str) -> bool:
    return bool(name) and all(c.isalnum() or c == "_" for c in name)


def declarations(source: str) -> list[Declared]:
    """The declarations of a `parameters` cell: `let [mut] NAME: TYPE = …;` lines and
    untyped `let [mut] NAME = LITERAL;` lines whose literal says the type."""
    found = []
    for line in source.splitlines():
        code, comment = split_line_comment(line)
        rest = code.strip()
        if not rest.startswith("let "):
            continue
        rest = rest[4:].lstrip()
        if rest.startswith("mut "):
            rest = rest[4:]
        rest = rest.lstrip()
        left, eq, default = rest.partition("=")
        if not eq:
            continue
        default = default.strip().rstrip(";").strip()
        name, colon, ty = left.partition(":")
        if colon:
            name, ty = name.strip(), "".join(ty.split())
        else:
            kind = untyped_kind(default)
            if kind is None:
                continue
            name, ty = left.strip(), kind
        if _is_name(name):
            found.append(Declared(name, ty, default, comment))
    return found


def whole_defaults(source: str) -> dict[str, str]:
    """Each declaration's default over the lines it spans (`let kpis: Vec<String> =
    vec![` … `];`), for display: `declarations` reads one line, as `playbook run` does."""
    whole: dict[str, str] = {}
    lines = source.splitlines()
    for at, line in enumerate(lines):
        found = declarations(line)
        if not found:
            continue
        parts = [found[0].default]
        code = split_line_comment(line)[0].rstrip()
        for more in lines[at + 1:]:
            if code.endswith(";"):
                break
            code = split_line_comment(more)[0].strip()
            parts.append(code)
        whole[found[0].name] = " ".join(p for p in parts if p).rstrip(";").strip()
    return whole


_DIGITS = re.compile(r"[0-9]+")


def untyped_kind(default: str) -> str | None:
    """The kind of an untyped declaration's literal."""
    d = default.strip()
    if len(d) >= 2 and d.startswith('"') and d.endswith('"'):
        return "&str"
    if d in ("true", "false"):
        return "bool"
    plain = (d[1:] if d.startswith("-") else d).replace("_", "")
    if _DIGITS.fullmatch(plain):
        return INTEGER
    if "." in plain and rust_f64(plain) is not None:
        return FLOAT
    return None


def default_value(expression: str) -> Any:
    """A default as written, read back as data (as the record shows it): a literal, or
    None when the expression is not one."""
    e = expression.strip()
    for call in ("json!(", "serde_json::json!(", "playbook::serde_json::json!("):
        if e.startswith(call) and e.endswith(")"):
            try:
                return json.loads(e[len(call):-1])
            except ValueError:
                pass
    if e.startswith("vec![") and e.endswith("]"):
        items = [default_value(p) for p in _split_top_level(e[5:-1])]
        return None if any(i is None for i in items) else items
    for wrapper in ("String::from(", "Some("):
        if e.startswith(wrapper) and e.endswith(")"):
            return default_value(e[len(wrapper):-1])
    for suffix in (".into()", ".to_string()", ".to_owned()", ".parse().unwrap()", ".unwrap()"):
        if e.endswith(suffix):
            return default_value(e[: -len(suffix)])
    if ".parse" in e:
        return default_value(e[: e.index(".parse")])
    if len(e) >= 2 and e.startswith('"') and e.endswith('"'):
        try:
            return json.loads(e)
        except ValueError:
            return e[1:-1]
    if e in ("true", "false"):
        return e == "true"
    number = _strip_numeric_suffix(e.replace("_", ""))
    if re.fullmatch(r"[+-]?[0-9]+", number):
        return int(number)
    x = rust_f64(number)
    if x is not None and math.isfinite(x):
        return x
    return None


def _strip_numeric_suffix(text: str) -> str:
    for suffix in ("i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
                   "f32", "f64"):
        if text.endswith(suffix):
            return text[: -len(suffix)]
    return text


def _split_top_level(text: str) -> list[str]:
    parts, depth, quoted, current, previous = [], 0, False, [], ""
    for c in text:
        if c == '"' and previous != "\\":
            quoted = not quoted
        elif c in "([{" and not quoted:
            depth += 1
        elif c in ")]}" and not quoted:
            depth -= 1
        elif c == "," and not quoted and depth == 0:
            parts.append("".join(current))
            current, previous = [], c
            continue
        current.append(c)
        previous = c
    if "".join(current).strip():
        parts.append("".join(current))
    return parts


def looks_secret(name: str) -> bool:
    """Whether a parameter of this name holds a secret (the rules for environment
    variables: `db_password`, `api_key`, `token`)."""
    upper = name.upper()
    return upper not in NOT_SECRET and any(part in upper for part in SECRET_NAMES)
