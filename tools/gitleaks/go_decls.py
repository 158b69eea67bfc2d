"""Go declarations: packages, imports, top-level `var` specs and functions of the
generator files, parsed lazily from tokens.
"""

from __future__ import annotations

import re

from .go_lexer import tokenize_go
from .go_values import GoError, Unknown


class Func:
    def __init__(self, pkg, name, params, body, imports):
        self.pkg, self.name, self.params, self.body, self.imports = pkg, name, params, body, imports


class LazyVar:
    def __init__(self, pkg, toks, imports):
        self.pkg, self.toks, self.imports = pkg, toks, imports
        self.value = None
        self.done = False


def match_close(toks, i):
    """Index of the bracket closing the one at toks[i]."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    depth = 0
    for j in range(i, len(toks)):
        k, v = toks[j]
        if k == "op" and v in pairs:
            depth += 1
        elif k == "op" and v in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                return j
    raise GoError("unbalanced brackets")


def split_top(toks, sep):
    """Split a token list at top-level `sep` operators."""
    parts, cur, depth = [], [], 0
    for t in toks:
        k, v = t
        if k == "op" and v in "([{":
            depth += 1
        elif k == "op" and v in ")]}":
            depth -= 1
        if depth == 0 and k == "op" and v == sep:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        parts.append(cur)
    return parts


class Package:
    def __init__(self, name):
        self.name = name
        self.funcs: dict[str, Func] = {}
        self.vars: dict[str, LazyVar] = {}


def parse_imports(toks, i, imports):
    # after 'import'
    def one(j):
        k, v = toks[j]
        if k == "ident" or (k == "op" and v == "."):
            alias = v
            path = toks[j + 1][1]
            j += 2
        else:
            path = v
            alias = path.rstrip("/").split("/")[-1]
            if re.fullmatch(r"v\d+", alias):
                alias = path.rstrip("/").split("/")[-2]
            j += 1
        imports[alias] = path
        return j

    if toks[i] == ("op", "("):
        end = match_close(toks, i)
        j = i + 1
        while j < end:
            if toks[j] == ("op", ";"):
                j += 1
                continue
            j = one(j)
        return end + 1
    return one(i)


def parse_var_specs(pkg, toks, i, imports):
    """Parse `var`/`const` specs after the keyword; returns next index."""

    def spec(part):
        # names [type] = exprs
        eq = next((x for x, t in enumerate(part) if t == ("op", "=")), None)
        if eq is None:  # declared without a value
            lv = LazyVar(pkg, None, imports)
            lv.value, lv.done = Unknown, True
            pkg.vars[part[0][1]] = lv
            return
        names = [p[0][1] for p in split_top(part[:eq], ",")]
        for name, ex in zip(names, split_top(part[eq + 1 :], ",")):
            pkg.vars[name] = LazyVar(pkg, ex, imports)

    if toks[i] == ("op", "("):
        end = match_close(toks, i)
        for part in split_top(toks[i + 1 : end], ";"):
            if part:
                spec(part)
        return end + 1
    j = i
    while toks[j] != ("op", ";"):
        if toks[j][0] == "op" and toks[j][1] in "([{":
            j = match_close(toks, j)
        j += 1
    spec(toks[i:j])
    return j


def parse_go_file(pkg: Package, src: str):
    toks = tokenize_go(src)
    imports: dict[str, str] = {}
    i = 0
    while i < len(toks):
        k, v = toks[i]
        if k == "op" and v == ";":
            i += 1
        elif (k, v) == ("ident", "package"):
            i += 2
        elif (k, v) == ("ident", "import"):
            i = parse_imports(toks, i + 1, imports)
        elif (k, v) in (("ident", "var"), ("ident", "const")):
            i = parse_var_specs(pkg, toks, i + 1, imports)
        elif (k, v) == ("ident", "type"):
            j = i + 1
            while toks[j] != ("op", ";"):
                if toks[j][0] == "op" and toks[j][1] in "([{":
                    j = match_close(toks, j)
                j += 1
            i = j
        elif (k, v) == ("ident", "func"):
            j = i + 1
            if toks[j] == ("op", "("):  # method receiver: skip the method
                j = match_close(toks, j) + 1
                method = True
            else:
                method = False
            name = toks[j][1]
            j += 1
            if toks[j] == ("op", "["):  # type parameters
                j = match_close(toks, j) + 1
            pend = match_close(toks, j)
            params = []
            for part in split_top(toks[j + 1 : pend], ","):
                if part and part[0][0] == "ident":
                    params.append(part[0][1])
            j = pend + 1
            while toks[j] != ("op", "{"):
                if toks[j][0] == "op" and toks[j][1] in "([":
                    j = match_close(toks, j)
                j += 1
            bend = match_close(toks, j)
            if not method:
                pkg.funcs[name] = Func(pkg, name, params, toks[j + 1 : bend], imports)
            i = bend + 1
        else:
            raise GoError(f"unexpected top-level token {v!r}")
