"""The tokenizer of the Go subset: Go's operators, keywords, string literals
(unquoted as Go does) and automatic semicolons.
"""

from __future__ import annotations

import re

from .go_values import GoError


GO_OPS = sorted(
    """... &^= <<= >>= := == != <= >= && || <- ++ -- += -= *= /= %= &= |= ^= << >> &^
    + - * / % & | ^ < > = ! ( ) [ ] { } , ; . : ~""".split(),
    key=len,
    reverse=True,
)
SEMI_AFTER_KW = {"break", "continue", "fallthrough", "return"}
GO_KEYWORDS = set(
    """break case chan const continue default defer else fallthrough for func go goto if
    import interface map package range return select struct switch type var""".split()
)

SIMPLE_ESC = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"'}


def unquote_go(body: str) -> str:
    """Decode the body of an interpreted Go string literal."""
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        e = body[i + 1]
        if e in SIMPLE_ESC:
            out += SIMPLE_ESC[e].encode()
            i += 2
        elif e == "x":
            out.append(int(body[i + 2 : i + 4], 16))
            i += 4
        elif e in "01234567":
            out.append(int(body[i + 1 : i + 4], 8))
            i += 4
        elif e == "u":
            out += chr(int(body[i + 2 : i + 6], 16)).encode()
            i += 6
        elif e == "U":
            out += chr(int(body[i + 2 : i + 10], 16)).encode()
            i += 10
        else:
            raise GoError(f"bad escape \\{e}")
    return out.decode("utf-8", "surrogateescape")


def tokenize_go(src: str):
    toks = []  # (kind, value)
    i, n = 0, len(src)

    def needs_semi():  # Go's automatic semicolon insertion at a line end
        if not toks:
            return False
        k, v = toks[-1]
        if k == "ident":
            return v not in GO_KEYWORDS or v in SEMI_AFTER_KW
        if k in ("str", "num", "char"):
            return True
        return k == "op" and v in (")", "]", "}", "++", "--")

    while i < n:
        c = src[i]
        if c == "\n":
            if needs_semi():
                toks.append(("op", ";"))
            i += 1
        elif c in " \t\r":
            i += 1
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            if j < 0:
                raise GoError(f"unterminated comment at offset {i}")
            if "\n" in src[i:j] and needs_semi():
                toks.append(("op", ";"))
            i = j + 2
        elif c == "`":
            j = src.find("`", i + 1)
            if j < 0:
                raise GoError(f"unterminated raw string at offset {i}")
            toks.append(("str", src[i + 1 : j].replace("\r", "")))
            i = j + 1
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            if j >= n:
                raise GoError(f"unterminated string literal at offset {i}")
            toks.append(("str", unquote_go(src[i + 1 : j])))
            i = j + 1
        elif c == "'":
            j = i + 1
            while j < n and src[j] != "'":
                j += 2 if src[j] == "\\" else 1
            if j >= n:
                raise GoError(f"unterminated rune literal at offset {i}")
            toks.append(("char", ord(unquote_go(src[i + 1 : j]))))
            i = j + 1
        elif c.isdigit() or (c == "." and i + 1 < n and src[i + 1].isdigit()):
            m = re.match(r"0[xX][0-9a-fA-F_]+|[0-9_]*\.?[0-9_]+(?:[eE][+-]?[0-9]+)?", src[i:])
            text = m.group(0).replace("_", "")
            toks.append(("num", int(text, 0) if re.fullmatch(r"0[xX][0-9a-fA-F]+|[0-9]+", text) else float(text)))
            i += len(m.group(0))
        elif c.isalpha() or c == "_":
            m = re.match(r"\w+", src[i:])
            toks.append(("ident", m.group(0)))
            i += len(m.group(0))
        else:
            for op in GO_OPS:
                if src.startswith(op, i):
                    toks.append(("op", op))
                    i += len(op)
                    break
            else:
                raise GoError(f"unexpected character {c!r}")
    if needs_semi():
        toks.append(("op", ";"))
    return toks
