r"""Go (RE2) regex → Rust `regex` crate and Python `re` translation, keeping Go's
semantics (POSIX classes, `\s`, Unicode, repetition bounds); refuses what it cannot
translate.
"""

from __future__ import annotations

import re
import warnings

warnings.simplefilter("ignore", FutureWarning)  # "possible nested set" in char classes


POSIX_CLASSES = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7F", "blank": "\\t ",
    "cntrl": "\\x00-\\x1F\\x7F", "digit": "0-9", "graph": "!-~", "lower": "a-z",
    "print": " -~", "punct": "!-/:-@\\[-`{-~", "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z",
    "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f",
}


class Unsupported(ValueError):
    """A pattern RE2 does not accept (so no gitleaks rule has it), or a malformed one:
    refused rather than translated into something else."""


class RxGroup:
    def __init__(self, opener):
        self.opener = opener  # e.g. "(", "(?:", "(?P<x>", "" for the root
        self.alts = [[]]


def parse_rx(s: str):
    """Parse a regex into nested groups of raw atoms, to relocate inline flags."""
    root = RxGroup("")
    stack = [root]
    i = 0
    while i < len(s):
        c = s[i]
        cur = stack[-1]
        if c == "(":
            if re.match(r"\(\?<?[=!]", s[i:]):
                raise Unsupported(f"lookaround at {i} in {s!r}: RE2 has none")
            m = re.match(r"\(\?([a-zA-Z-]*)\)", s[i:])
            if m:
                cur.alts[-1].append(("flags", m.group(1)))
                i += len(m.group(0))
                continue
            m = re.match(r"\(\?(?:P?<\w+>|[a-zA-Z-]*:)", s[i:])
            raw = m.group(0) if m else "("
            opener = "(?P<" + raw[3:] if raw.startswith("(?<") else raw
            g = RxGroup(opener)
            cur.alts[-1].append(("group", g))
            stack.append(g)
            i += len(raw)
            continue
        if c == ")":
            if len(stack) == 1:
                raise Unsupported(f"unbalanced ')' at {i} in {s!r}")
            stack.pop()
            i += 1
            continue
        if c == "|":
            cur.alts.append([])
            i += 1
            continue
        if c == "\\":
            if i + 1 == len(s):
                raise Unsupported(f"trailing backslash in {s!r}")
            nxt = s[i + 1]
            if nxt in "123456789":
                raise Unsupported(f"backreference \\{nxt} at {i} in {s!r}: RE2 has none")
            if nxt in "pPx" and i + 2 < len(s) and s[i + 2] == "{":
                j = s.index("}", i) + 1
            elif nxt == "x":
                j = i + 4
            elif nxt in "pP":
                j = i + 3
            elif nxt == "Q":
                e = s.find("\\E", i + 2)
                j = len(s) if e < 0 else e + 2
            else:
                j = i + 2
            cur.alts[-1].append(("atom", s[i:j]))
            i = j
            continue
        if c == "[":
            j = i + 1
            if j < len(s) and s[j] == "^":
                j += 1
            if j < len(s) and s[j] == "]":
                j += 1
            while j < len(s) and s[j] != "]":
                if s[j] == "\\":
                    j += 2
                elif s.startswith("[:", j) and ":]" in s[j:]:
                    j = s.index(":]", j) + 2
                else:
                    j += 1
            if j == len(s):
                raise Unsupported(f"unterminated character class at {i} in {s!r}")
            cur.alts[-1].append(("class", s[i : j + 1]))
            i = j + 1
            continue
        cur.alts[-1].append(("atom", c))
        i += 1
    if len(stack) > 1:
        raise Unsupported(f"unclosed '(' in {s!r}")
    return root


def render_rx(g: RxGroup, target: str, top=True) -> str:
    """Render the tree; inline `(?flags)` become scoped `(?flags:...)` groups."""

    def atom(kind, val):
        if kind == "group":
            return render_rx(val, target, top=False)
        if target == "rust":
            if kind == "class":
                return rust_class(val)
            return RUST_PERL.get(val, val)
        if target == "python":
            if kind == "class":
                return re.sub(r"\[:(\^?)(\w+):\]", lambda m: POSIX_CLASSES[m.group(2)], val)
            if val == "\\z":
                return "\\Z"
            if val == "$":
                return "\\Z"
        return val

    def render_items(items, first_in_pattern):
        out = []
        if target == "rust":
            items = escape_literal_braces(items)
        for idx, (kind, val) in enumerate(items):
            if kind == "flags":
                rest = render_items(items[idx + 1 :], False)
                if first_in_pattern and idx == 0 and "-" not in val:
                    return "".join(out) + f"(?{val})" + rest  # leading global flags
                return "".join(out) + f"(?{val}:" + rest + ")"
            out.append(atom(kind, val))
        return "".join(out)

    alts_out = []
    pending: list[str] = []  # flags set by earlier alternatives of this group
    for ai, items in enumerate(g.alts):
        first = top and ai == 0
        body = render_items(items, first)
        for f in reversed(pending):
            body = f"(?{f}:{body})"
        for idx, (kind, val) in enumerate(items):
            if kind == "flags" and not (first and idx == 0 and "-" not in val):
                pending.append(val)
        alts_out.append(body)
    inner = "|".join(alts_out)
    return inner if top else g.opener + inner + ")"


# Go's Perl classes and \b are ASCII-only; the Rust regex crate's are Unicode by default.
GO_SPACE = "\\t\\n\\f\\r "
RUST_PERL = {
    "\\w": "[0-9A-Za-z_]", "\\W": "[^0-9A-Za-z_]",
    "\\d": "[0-9]", "\\D": "[^0-9]",
    "\\s": f"[{GO_SPACE}]", "\\S": f"[^{GO_SPACE}]",
    "\\b": "(?-u:\\b)", "\\B": "(?-u:\\B)",
}
RUST_PERL_IN_CLASS = {
    "\\w": "0-9A-Za-z_", "\\d": "0-9", "\\s": GO_SPACE,
    "\\W": "[^0-9A-Za-z_]", "\\D": "[^0-9]", "\\S": f"[^{GO_SPACE}]",  # nested classes
}


def escape_literal_braces(items):
    """Go reads a `{` that does not open a valid {n}, {n,}, {n,m} as a literal; Rust rejects it."""
    out = list(items)
    for i, (kind, val) in enumerate(items):
        if kind == "atom" and val == "{":
            text = ""
            for k2, v2 in items[i:]:
                if k2 != "atom" or len(v2) != 1:
                    break
                text += v2
                if v2 == "}":
                    break
            if not re.match(r"\{\d+(?:,\d*)?\}", text) or i == 0:
                out[i] = ("atom", "\\{")
    return out


def rust_class(val: str) -> str:
    """A Go bracket class in Rust syntax: ASCII Perl classes, `[` and set operators escaped."""
    neg = val.startswith("[^")
    body = val[2 if neg else 1 : -1]
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            esc = body[i : i + 2]
            if esc == "\\x" and body[i + 2 : i + 3] == "{":
                j = body.index("}", i) + 1
                out.append(body[i:j])
                i = j
                continue
            if esc == "\\x":
                out.append(body[i : i + 4])
                i += 4
                continue
            out.append(RUST_PERL_IN_CLASS.get(esc, esc))
            i += 2
        elif body.startswith("[:", i) and ":]" in body[i:]:
            j = body.index(":]", i) + 2
            out.append(body[i:j])
            i = j
        elif c == "[":
            out.append("\\[")
            i += 1
        elif c in "&~-" and body[i + 1 : i + 2] == c:
            out.append(c + "\\" + c)  # Rust reads &&, --, ~~ as set operations
            i += 2
        else:
            out.append(c)
            i += 1
    return ("[^" if neg else "[") + "".join(out) + "]"


def go_to_rust(rx: str) -> str:
    """The Go pattern rewritten for the Rust `regex` crate with Go's matching semantics:
    inline flags scoped, ASCII \\w \\d \\s \\b, literal braces and `[` escaped."""
    return render_rx(parse_rx(rx), "rust")


def go_to_python(rx: str) -> str:
    return render_rx(parse_rx(rx), "python")


def go_to_scoped(rx: str) -> str:
    """Only relocate inline flags (for engines that reject mid-pattern `(?i)`)."""
    return render_rx(parse_rx(rx), "scoped")


_compiled: dict[str, re.Pattern] = {}


def compile_go(rx: str) -> re.Pattern:
    p = _compiled.get(rx)
    if p is None:
        p = _compiled[rx] = re.compile(go_to_python(rx), re.ASCII)
    return p
