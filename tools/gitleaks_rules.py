#!/usr/bin/env python3
"""Extract gitleaks' secret-detection rules and their test examples into JSON.

Usage:
    python3 tools/gitleaks_rules.py GITLEAKS_CHECKOUT [--out DIR] [--check]

GITLEAKS_CHECKOUT is a checkout (work tree) of https://github.com/gitleaks/gitleaks.
Two files are written to DIR (default: kernel/src/redact next to this script's
repository root):

* gitleaks-rules.json: one object per rule of config/gitleaks.toml, in gitleaks order
  (the regex verbatim, plus `regex_rust`: the same pattern rewritten for the Rust `regex`
  crate with Go's semantics, see go_to_rust()).
* gitleaks-examples.json: rule id -> {"positives": [...], "negatives": [...]}, the static
  `tps`/`fps` strings of the rule generators in cmd/generate/config/rules/*.go.

kernel/src/redact/README.md documents both formats and how they were checked.

The Go generators are *interpreted* by a small evaluator for the subset of Go they use
(string literals, `+`, slices, maps, append, fmt.Sprintf, the helpers of
cmd/generate/config/utils, range loops, encoding/base64). Values that depend on
`secrets.NewSecret(...)` (random at gitleaks' run time) are not copied as gitleaks
examples. For a rule left without any static positive (or negative), the first such
example is instead produced with a *seeded* pseudo-random string in place of each
`NewSecret` call (seed = the generator's function name, so the output is reproducible),
checked with the detector emulation below, and recorded under "handwritten_positives" /
"handwritten_negatives" with "handwritten": true. A rule still without a negative gets a
near miss (its first positive with the secret cut to half); rules without any test case
get the examples of HANDWRITTEN. "handwritten_sources" says which applies.

Every example is checked against an emulation of gitleaks' detector (keyword prefilter,
regex, secret group, Shannon entropy, rule and global allowlists, path) that uses
Python's `re` on a translation of the Go (RE2) pattern. --check prints the mismatches.

Python 3.11+ standard library only.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import random
import re
import sys
import tomllib
import warnings
from pathlib import Path

try:  # the regex parser of the standard library (used to generate sample strings)
    from re import _parser as sre_parse  # type: ignore[attr-defined]
    from re import _constants as sre_c  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_parse  # type: ignore[no-redef]
    import sre_constants as sre_c  # type: ignore[no-redef]

warnings.simplefilter("ignore", FutureWarning)  # "possible nested set" in char classes

# --------------------------------------------------------------------------------------
# Values of the Go evaluator
# --------------------------------------------------------------------------------------


class RStr(str):
    """A string that depends on a random value (secrets.NewSecret) at gitleaks run time."""

    def __add__(self, other):
        return RStr(str.__add__(self, str(other)))

    def __radd__(self, other):
        return RStr(str(other) + str(self))


def is_random(v) -> bool:
    return isinstance(v, RStr)


def taint(result: str, *inputs) -> str:
    if any(is_random(i) for i in inputs):
        return RStr(result)
    return result


class UnknownType:
    _inst = None

    def __new__(cls):
        if cls._inst is None:
            cls._inst = super().__new__(cls)
        return cls._inst

    def __repr__(self):
        return "Unknown"


Unknown = UnknownType()


class GoError(Exception):
    pass


class Struct(dict):
    """A Go struct value (composite literal of a named type)."""

    def __init__(self, typ, *a, **k):
        super().__init__(*a, **k)
        self.typ = typ


class Spread:
    def __init__(self, v):
        self.v = v


class ReturnSignal(Exception):
    def __init__(self, values):
        self.values = values


class BreakSignal(Exception):
    pass


class ContinueSignal(Exception):
    pass


# --------------------------------------------------------------------------------------
# Go tokenizer
# --------------------------------------------------------------------------------------

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
            if "\n" in src[i:j] and needs_semi():
                toks.append(("op", ";"))
            i = j + 2
        elif c == "`":
            j = src.find("`", i + 1)
            toks.append(("str", src[i + 1 : j].replace("\r", "")))
            i = j + 1
        elif c == '"':
            j = i + 1
            while src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            toks.append(("str", unquote_go(src[i + 1 : j])))
            i = j + 1
        elif c == "'":
            j = i + 1
            while src[j] != "'":
                j += 2 if src[j] == "\\" else 1
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


# --------------------------------------------------------------------------------------
# Go declarations
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# Go evaluator
# --------------------------------------------------------------------------------------


class Scope:
    def __init__(self, parent=None):
        self.vars = {}
        self.parent = parent

    def lookup(self, name):
        s = self
        while s is not None:
            if name in s.vars:
                return True, s.vars[name]
            s = s.parent
        return False, None

    def assign(self, name, value):
        s = self
        while s is not None:
            if name in s.vars:
                s.vars[name] = value
                return
            s = s.parent
        self.vars[name] = value


class Replacer:
    def __init__(self, pairs):
        self.pairs = pairs
        self.rx = re.compile("|".join(re.escape(a) for a, _ in pairs)) if pairs else None

    def Replace(self, s):
        if not self.rx:
            return s
        table = dict(self.pairs)
        return taint(self.rx.sub(lambda m: table[m.group(0)], s), s, *table.values())


class B64Enc:
    def __init__(self, url, pad):
        self.url, self.pad = url, pad

    def EncodeToString(self, data):
        raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else bytes(data)
        out = (base64.urlsafe_b64encode if self.url else base64.b64encode)(raw).decode()
        if not self.pad:
            out = out.rstrip("=")
        return taint(out, data)


def go_sprintf(fmt, *all_args):
    args = list(all_args)
    out = []
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        m = re.match(r"%([-+# 0]*)(\d*)(?:\.(\d+))?([a-zA-Z%])", fmt[i:])
        if not m:
            raise GoError("bad format")
        verb = m.group(4)
        i += len(m.group(0))
        if verb == "%":
            out.append("%")
            continue
        a = args.pop(0)
        if a is Unknown:
            raise GoError("unknown argument")
        if verb in "sv":
            out.append(str(a))
        elif verb == "d":
            out.append(str(int(a)))
        elif verb == "q":
            out.append(json.dumps(str(a), ensure_ascii=False))
        else:
            raise GoError(f"unsupported verb %{verb}")
    return taint("".join(out), fmt, *all_args)


class Interp:
    """Evaluates the subset of Go used by gitleaks' rule generators."""

    def __init__(self, packages: dict[str, Package], validate_hook, secret_gen):
        self.packages = packages
        self.validate_hook = validate_hook
        self.secret_gen = secret_gen  # regex -> sample string
        self.depth = 0

    # ---- package resolution ----
    def resolve_import(self, imports, alias):
        path = imports.get(alias)
        if path is None:
            return None
        if path.endswith("/cmd/generate/config/utils"):
            return ("pkg", "utils")
        if path.endswith("/cmd/generate/config/rules"):
            return ("pkg", "rules")
        if path.endswith("/cmd/generate/secrets"):
            return ("builtin", "secrets")
        return ("builtin", path.rstrip("/").split("/")[-1] if not path.startswith("encoding/") else path)

    def global_value(self, pkg: Package, name):
        if name in pkg.funcs:
            return pkg.funcs[name]
        lv = pkg.vars.get(name)
        if lv is None:
            raise GoError(f"undefined: {name}")
        if not lv.done:
            lv.done = True
            lv.value = Unknown
            try:
                lv.value = self.eval_tokens(lv.toks, Scope(), lv.pkg, lv.imports)
            except (GoError, IndexError, KeyError, TypeError, ValueError, AttributeError):
                lv.value = Unknown
        return lv.value

    def builtin_member(self, mod, name):
        if mod == "secrets" and name == "NewSecret":
            return lambda rx: RStr(self.secret_gen(str(rx)))
        if mod == "fmt" and name == "Sprintf":
            return go_sprintf
        if mod == "fmt" and name == "Sprint":
            return lambda *a: taint("".join(map(str, a)), *a)
        if mod == "strings":
            table = {
                "ToUpper": lambda s: taint(s.upper(), s),
                "ToLower": lambda s: taint(s.lower(), s),
                "Repeat": lambda s, n: taint(s * n, s),
                "Join": lambda xs, sep: taint(sep.join(xs), sep, *xs),
                "ReplaceAll": lambda s, a, b: taint(s.replace(a, b), s, a, b),
                "TrimSpace": lambda s: taint(s.strip(), s),
                "NewReplacer": lambda *a: Replacer(list(zip(a[0::2], a[1::2]))),
                "Contains": lambda s, sub: sub in s,
            }
            if name in table:
                return table[name]
        if mod == "regexp" and name in ("MustCompile", "Compile"):
            return lambda s: s
        if mod == "encoding/base64":
            table = {
                "StdEncoding": B64Enc(False, True),
                "RawStdEncoding": B64Enc(False, False),
                "URLEncoding": B64Enc(True, True),
                "RawURLEncoding": B64Enc(True, False),
            }
            if name in table:
                return table[name]
        return Unknown

    # ---- calls ----
    def call(self, fn, args):
        plain = []
        for a in args:
            if isinstance(a, Spread):
                if not isinstance(a.v, list):
                    raise GoError("spread of non-slice")
                plain.extend(a.v)
            else:
                plain.append(a)
        if fn is Unknown:
            raise GoError("call of unknown function")
        if isinstance(fn, Func):
            return self.call_func(fn, plain)
        if callable(fn):
            if any(a is Unknown for a in plain) and fn is not go_append:
                raise GoError("unknown argument")
            return fn(*plain)
        raise GoError(f"not callable: {fn!r}")

    def call_func(self, f: Func, args):
        if f.pkg.name == "utils" and f.name in ("Validate", "ValidateWithPaths"):
            return self.validate_hook(f.name, *args)
        if f.pkg.name == "utils" and f.name in (
            "GenerateSemiGenericRegex",
            "GenerateUniqueTokenRegex",
            "MergeRegexps",
        ):
            return Unknown  # regexes are taken from gitleaks.toml
        if f.pkg.name == "rules" and f.name == "newPlausibleSecret":
            # secrets.NewSecret in a retry loop (needs a digit, no stop word)
            rx = args[0]
            for _ in range(1000):
                s = self.secret_gen(rx)
                if re.search(r"[1-9]", s) and not any(w in s.lower() for w in self.stopwords()):
                    return RStr(s)
            return RStr(s)
        self.depth += 1
        if self.depth > 50:
            raise GoError("recursion")
        try:
            scope = Scope()
            for name, a in zip(f.params, args):
                scope.vars[name] = a
            try:
                self.exec_block(f.body, scope, f.pkg, f.imports)
            except ReturnSignal as r:
                return r.values[0] if len(r.values) == 1 else tuple(r.values)
            return None
        finally:
            self.depth -= 1

    def stopwords(self):
        if not hasattr(self, "_stopwords"):
            try:
                sw = self.global_value(self.packages["rules"], "DefaultStopWords")
                self._stopwords = [w for w in sw if isinstance(w, str)] if isinstance(sw, list) else []
            except GoError:
                self._stopwords = []
        return self._stopwords

    # ---- statements ----
    def exec_block(self, toks, scope, pkg, imports):
        stmts = split_top(toks, ";")
        i = 0
        while i < len(stmts):
            st = stmts[i]
            i += 1
            if not st:
                continue
            # `if ... {...} else {...}` may span several "statements" when `else` follows `}` on
            # the same line: split_top keeps them together because there is no `;` between.
            self.exec_stmt(st, scope, pkg, imports)

    def exec_stmt(self, st, scope, pkg, imports):
        k, v = st[0]
        if k == "ident" and v in ("var", "const"):
            body = st[1:]
            if body and body[0] == ("op", "("):
                end = match_close(body, 0)
                parts = split_top(body[1:end], ";")
            else:
                parts = [body]
            for part in parts:
                if not part:
                    continue
                eq = next((x for x, t in enumerate(part) if t == ("op", "=")), None)
                names = [p[0][1] for p in split_top(part[: eq if eq is not None else 1], ",")]
                if eq is None:
                    typ = part[1:]
                    scope.vars[names[0]] = [] if typ[:2] == [("op", "["), ("op", "]")] else (
                        "" if typ == [("ident", "string")] else Unknown)
                    continue
                exprs = split_top(part[eq + 1 :], ",")
                for name, ex in zip(names, exprs):
                    scope.vars[name] = self.safe_eval(ex, scope, pkg, imports)
            return
        if k == "ident" and v == "return":
            vals = [self.eval_tokens(ex, scope, pkg, imports) for ex in split_top(st[1:], ",")] if len(st) > 1 else []
            raise ReturnSignal(vals)
        if k == "ident" and v == "for":
            return self.exec_for(st, scope, pkg, imports)
        if k == "ident" and v == "if":
            return self.exec_if(st, scope, pkg, imports)
        if k == "ident" and v == "continue":
            raise ContinueSignal()
        if k == "ident" and v == "break":
            raise BreakSignal()
        # assignment?
        depth = 0
        for x, (tk, tv) in enumerate(st):
            if tk == "op" and tv in "([{":
                depth += 1
            elif tk == "op" and tv in ")]}":
                depth -= 1
            elif depth == 0 and tk == "op" and tv in (":=", "=", "+="):
                lhs = split_top(st[:x], ",")
                rhs = split_top(st[x + 1 :], ",")
                if len(rhs) == 1 and len(lhs) > 1:
                    val = self.safe_eval(rhs[0], scope, pkg, imports)
                    vals = list(val) if isinstance(val, tuple) else [Unknown] * len(lhs)
                else:
                    vals = [self.safe_eval(r, scope, pkg, imports) for r in rhs]
                for target, val in zip(lhs, vals):
                    if len(target) == 1 and target[0][0] == "ident":
                        name = target[0][1]
                        if name == "_":
                            continue
                        if tv == "+=":
                            found, old = scope.lookup(name)
                            val = old + val if found and old is not Unknown and val is not Unknown else Unknown
                        if tv == ":=":
                            scope.vars[name] = val
                        else:
                            scope.assign(name, val)
                    # assignments to fields / index expressions are ignored
                return
            elif depth == 0 and tk == "op" and tv in ("++", "--"):
                return
        self.safe_eval(st, scope, pkg, imports)

    def exec_for(self, st, scope, pkg, imports):
        # the body is the top-level {...} that ends the statement
        j, start = 1, None
        while j < len(st):
            if st[j][0] == "op" and st[j][1] in "([{":
                end = match_close(st, j)
                if st[j][1] == "{" and end == len(st) - 1:
                    start = j
                j = end
            j += 1
        if start is None:
            raise GoError("for without body")
        header, body = st[1:start], st[start + 1 : -1]
        if not any(t == ("ident", "range") for t in header):
            raise GoError("only range loops are supported")
        r = header.index(("ident", "range"))
        names = [p[0][1] for p in split_top(header[: max(r - 1, 0)], ",")] if r > 0 else []
        coll = self.eval_tokens(header[r + 1 :], scope, pkg, imports)
        if isinstance(coll, dict):
            items = list(coll.items())
        elif isinstance(coll, (list, str)):
            items = list(enumerate(coll))
        else:
            raise GoError("range over unknown value")
        for key, val in items:
            inner = Scope(scope)
            if len(names) >= 1 and names[0] != "_":
                inner.vars[names[0]] = key
            if len(names) >= 2 and names[1] != "_":
                inner.vars[names[1]] = val
            try:
                self.exec_block(body, inner, pkg, imports)
            except ContinueSignal:
                continue
            except BreakSignal:
                break

    def exec_if(self, st, scope, pkg, imports):
        j = 1
        while st[j] != ("op", "{"):
            if st[j][0] == "op" and st[j][1] in "([":
                j = match_close(st, j)
            j += 1
        header = st[1:j]
        end = match_close(st, j)
        body = st[j + 1 : end]
        parts = split_top(header, ";")
        inner = Scope(scope)
        if len(parts) == 2:
            self.exec_stmt(parts[0], inner, pkg, imports)
        cond = self.eval_tokens(parts[-1], inner, pkg, imports)
        if not isinstance(cond, bool):
            raise GoError("unknown condition")
        rest = st[end + 1 :]
        if cond:
            self.exec_block(body, Scope(inner), pkg, imports)
        elif rest and rest[0] == ("ident", "else"):
            if rest[1] == ("ident", "if"):
                self.exec_if(rest[1:], inner, pkg, imports)
            else:
                self.exec_block(rest[2 : match_close(rest, 1)], Scope(inner), pkg, imports)

    # ---- expressions ----
    def safe_eval(self, toks, scope, pkg, imports):
        try:
            return self.eval_tokens(toks, scope, pkg, imports)
        except (GoError, IndexError, KeyError, TypeError, ValueError, AttributeError):
            return Unknown

    def eval_tokens(self, toks, scope, pkg, imports):
        p = ExprParser(toks, self, scope, pkg, imports)
        v = p.expr()
        if p.i != len(toks):
            raise GoError(f"trailing tokens: {toks[p.i:p.i+3]}")
        return v


def go_append(lst, *items):
    if lst is None:
        lst = []
    if not isinstance(lst, list):
        raise GoError("append to non-slice")
    return list(lst) + list(items)


BINARY_PREC = {
    "||": 1, "&&": 2,
    "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3,
    "+": 4, "-": 4, "|": 4, "^": 4,
    "*": 5, "/": 5, "%": 5, "<<": 5, ">>": 5, "&": 5, "&^": 5,
}


class ExprParser:
    def __init__(self, toks, interp: Interp, scope, pkg, imports):
        self.t, self.i = toks, 0
        self.I, self.scope, self.pkg, self.imports = interp, scope, pkg, imports

    def peek(self, off=0):
        j = self.i + off
        return self.t[j] if j < len(self.t) else ("eof", None)

    def take(self, want=None):
        tok = self.peek()
        if want is not None and tok != want:
            raise GoError(f"expected {want}, got {tok}")
        self.i += 1
        return tok

    def expr(self, prec=0):
        left = self.unary()
        while True:
            k, v = self.peek()
            if k != "op" or v not in BINARY_PREC or BINARY_PREC[v] <= prec:
                return left
            self.take()
            right = self.expr(BINARY_PREC[v])
            left = self.binop(v, left, right)

    def binop(self, op, a, b):
        if a is Unknown or b is Unknown:
            return Unknown
        if op == "+":
            if isinstance(a, str) or isinstance(b, str):
                return taint(str(a) + str(b), a, b)
            return a + b
        if op == "==":
            return a == b
        if op == "!=":
            return a != b
        if op == "&&":
            return bool(a and b)
        if op == "||":
            return bool(a or b)
        if op in ("<", "<=", ">", ">="):
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        return Unknown

    def unary(self):
        k, v = self.peek()
        if k == "op" and v in ("&", "*"):
            self.take()
            return self.unary()
        if k == "op" and v == "-":
            self.take()
            x = self.unary()
            return -x if isinstance(x, (int, float)) else Unknown
        if k == "op" and v == "!":
            self.take()
            x = self.unary()
            return (not x) if isinstance(x, bool) else Unknown
        return self.primary()

    # types -------------------------------------------------------------------------
    def parse_type(self):
        """Consume a type; return a descriptor: ('slice', elem) ('map', k, v) ('named', name)."""
        k, v = self.peek()
        if (k, v) == ("op", "*"):
            self.take()
            return self.parse_type()
        if (k, v) == ("op", "["):
            self.take()
            if self.peek() == ("op", "]"):
                self.take()
            else:
                while self.peek() != ("op", "]"):
                    self.take()
                self.take()
            return ("slice", self.parse_type())
        if (k, v) == ("ident", "map"):
            self.take()
            self.take(("op", "["))
            kt = self.parse_type()
            self.take(("op", "]"))
            return ("map", kt, self.parse_type())
        if (k, v) == ("ident", "struct"):
            self.take()
            end = match_close(self.t, self.i)
            self.i = end + 1
            return ("named", "struct")
        if k == "ident":
            self.take()
            name = v
            if self.peek() == ("op", "."):
                self.take()
                name += "." + self.take()[1]
            return ("named", name)
        raise GoError(f"bad type at {self.peek()}")

    def composite(self, typ):
        self.take(("op", "{"))
        end = match_close(self.t, self.i - 1)
        kind = typ[0] if typ else None
        elems = []  # (key, value)
        for part in split_top(self.t[self.i : end], ","):
            if not part:
                continue
            colon = None
            depth = 0
            for x, (tk, tv) in enumerate(part):
                if tk == "op" and tv in "([{":
                    depth += 1
                elif tk == "op" and tv in ")]}":
                    depth -= 1
                elif depth == 0 and (tk, tv) == ("op", ":"):
                    colon = x
                    break
            if colon is not None:
                kt, vt = part[:colon], part[colon + 1 :]
                if kind == "map":
                    key = self.sub_eval(kt, typ[1])
                elif len(kt) == 1 and kt[0][0] == "ident":
                    key = kt[0][1]
                else:
                    key = self.sub_eval(kt, None)
            else:
                key, vt = None, part
            if kind == "map":
                et = typ[2]
            elif kind == "slice":
                et = typ[1]
            else:
                et = None
            elems.append((key, self.sub_eval(vt, et)))
        self.i = end + 1
        if kind == "map":
            return {k: v for k, v in elems}
        if kind == "slice":
            return [v for _, v in elems]
        if kind == "named":
            return Struct(typ[1], {k: v for k, v in elems if k is not None})
        # elided type of unknown kind
        if elems and all(k is None for k, _ in elems):
            return [v for _, v in elems]
        return {k: v for k, v in elems}

    def sub_eval(self, toks, elem_type):
        if toks and toks[0] == ("op", "{"):
            p = ExprParser(toks, self.I, self.scope, self.pkg, self.imports)
            v = p.composite(elem_type)
            return v
        if toks and toks[0] == ("op", "&") and len(toks) > 1 and toks[1] == ("op", "{"):
            return self.sub_eval(toks[1:], elem_type)
        try:
            return ExprParser(toks, self.I, self.scope, self.pkg, self.imports).full()
        except (GoError, IndexError, KeyError, TypeError, ValueError, AttributeError):
            return Unknown

    def full(self):
        v = self.expr()
        if self.i != len(self.t):
            raise GoError("trailing tokens")
        return v

    # operands ----------------------------------------------------------------------
    def operand(self):
        k, v = self.peek()
        if k in ("str", "num", "char"):
            self.take()
            return v
        if (k, v) == ("op", "("):
            self.take()
            x = self.expr()
            self.take(("op", ")"))
            return x
        if (k, v) == ("op", "[") or (k, v) == ("ident", "map"):
            typ = self.parse_type()
            if self.peek() == ("op", "{"):
                return self.composite(typ)
            if self.peek() == ("op", "("):  # conversion, e.g. []byte(x)
                self.take()
                x = self.expr()
                self.take(("op", ")"))
                return x
            raise GoError("type without value")
        if (k, v) == ("ident", "func"):
            raise GoError("function literals are not supported")
        if k == "ident":
            self.take()
            return self.ident(v)
        raise GoError(f"unexpected {v!r}")

    def ident(self, name):
        if name == "nil":
            return None
        if name in ("true", "false"):
            return name == "true"
        if name == "append":
            return go_append
        if name == "len":
            return lambda x: len(x)
        if name == "make":
            return "__make__"
        if name in ("string",):
            return lambda x: x
        if name == "byte":
            return lambda x: x
        found, val = self.scope.lookup(name)
        if found:
            return val
        # package-qualified?
        if self.peek() == ("op", ".") and name in self.imports:
            res = self.I.resolve_import(self.imports, name)
            self.take()
            member = self.take()[1]
            if res[0] == "pkg":
                pk = self.I.packages[res[1]]
                # a composite literal of a named type in another package
                if self.peek() == ("op", "{") and member[:1].isupper() and member not in pk.funcs and member not in pk.vars:
                    return self.composite(("named", f"{name}.{member}"))
                return self.I.global_value(pk, member)
            if self.peek() == ("op", "{"):
                return self.composite(("named", f"{name}.{member}"))
            return self.I.builtin_member(res[1], member)
        if name in self.pkg.funcs or name in self.pkg.vars:
            return self.I.global_value(self.pkg, name)
        raise GoError(f"undefined: {name}")

    def primary(self):
        x = self.operand()
        while True:
            k, v = self.peek()
            if (k, v) == ("op", "."):
                self.take()
                member = self.take()[1]
                if isinstance(x, Struct) or isinstance(x, dict):
                    x = x.get(member, Unknown)
                elif x is Unknown:
                    x = Unknown
                else:
                    attr = getattr(x, member, None)
                    x = attr if attr is not None else Unknown
            elif (k, v) == ("op", "("):
                if isinstance(x, str) and x == "__make__":
                    end = match_close(self.t, self.i)
                    self.take()
                    typ = self.parse_type()
                    self.i = end + 1
                    x = {} if typ[0] == "map" else []
                    continue
                self.take()
                args = []
                while self.peek() != ("op", ")"):
                    a = self.expr()
                    if self.peek() == ("op", "..."):
                        self.take()
                        a = Spread(a)
                    args.append(a)
                    if self.peek() == ("op", ","):
                        self.take()
                self.take(("op", ")"))
                x = self.I.call(x, args)
            elif (k, v) == ("op", "["):
                self.take()
                idx = self.expr()
                if self.peek() == ("op", ":"):
                    raise GoError("slicing is not supported")
                self.take(("op", "]"))
                try:
                    x = x[idx]
                except (TypeError, KeyError, IndexError):
                    x = Unknown
            else:
                return x


# --------------------------------------------------------------------------------------
# Go (RE2) regex -> Python `re` translation
# --------------------------------------------------------------------------------------

POSIX_CLASSES = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7F", "blank": "\\t ",
    "cntrl": "\\x00-\\x1F\\x7F", "digit": "0-9", "graph": "!-~", "lower": "a-z",
    "print": " -~", "punct": "!-/:-@\\[-`{-~", "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z",
    "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f",
}


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
            stack.pop()
            i += 1
            continue
        if c == "|":
            cur.alts.append([])
            i += 1
            continue
        if c == "\\":
            nxt = s[i + 1]
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
            while s[j] != "]":
                if s[j] == "\\":
                    j += 2
                elif s.startswith("[:", j) and ":]" in s[j:]:
                    j = s.index(":]", j) + 2
                else:
                    j += 1
            cur.alts[-1].append(("class", s[i : j + 1]))
            i = j + 1
            continue
        cur.alts[-1].append(("atom", c))
        i += 1
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


# --------------------------------------------------------------------------------------
# Sample strings from a regex (stand-in for secrets.NewSecret)
# --------------------------------------------------------------------------------------

PRINTABLE = [chr(c) for c in range(0x21, 0x7F)]


def sample_from_regex(rx: str, rng: random.Random) -> str:
    parsed = sre_parse.parse(go_to_python(rx), re.ASCII)
    out: list[str] = []

    def cat_chars(cat):
        name = str(cat)
        if "DIGIT" in name:
            chars = [chr(c) for c in range(48, 58)]
        elif "WORD" in name:
            chars = [chr(c) for c in range(48, 58)] + [chr(c) for c in range(65, 91)] + [chr(c) for c in range(97, 123)] + ["_"]
        elif "SPACE" in name:
            chars = [" "]
        else:
            chars = PRINTABLE
        if "NOT" in name:
            return [c for c in PRINTABLE if c not in chars]
        return chars

    def in_chars(items):
        neg = False
        chars: list[str] = []
        for op, av in items:
            if op == sre_c.NEGATE:
                neg = True
            elif op == sre_c.LITERAL:
                chars.append(chr(av))
            elif op == sre_c.RANGE:
                chars.extend(chr(c) for c in range(av[0], av[1] + 1))
            elif op == sre_c.CATEGORY:
                chars.extend(cat_chars(av))
        if neg:
            return [c for c in PRINTABLE if c not in chars]
        return chars

    def gen(seq):
        for op, av in seq:
            if op == sre_c.LITERAL:
                out.append(chr(av))
            elif op == sre_c.NOT_LITERAL:
                out.append(rng.choice([c for c in PRINTABLE if ord(c) != av]))
            elif op == sre_c.ANY:
                out.append(rng.choice(PRINTABLE))
            elif op == sre_c.IN:
                out.append(rng.choice(in_chars(av)))
            elif op == sre_c.CATEGORY:
                out.append(rng.choice(cat_chars(av)))
            elif op == sre_c.BRANCH:
                gen(rng.choice(av[1]))
            elif op == sre_c.SUBPATTERN:
                gen(av[-1])
            elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
                lo, hi, sub = av
                if hi == sre_c.MAXREPEAT:
                    hi = lo + 10
                for _ in range(rng.randint(lo, hi)):
                    gen(sub)
            elif op == sre_c.AT:
                pass
            else:
                raise ValueError(f"cannot generate {op}")

    gen(parsed)
    return "".join(out)


# --------------------------------------------------------------------------------------
# Emulation of gitleaks' detector for one rule
# --------------------------------------------------------------------------------------


def shannon_entropy(data: str) -> float:
    if not data:
        return 0.0
    counts: dict[str, int] = {}
    for ch in data:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(data.encode("utf-8", "surrogateescape"))
    return -sum((c / n) * math.log2(c / n) for c in counts.values())


def allowlist_hit(al, secret, match, line, path) -> bool:
    target = {"match": match, "line": line}.get(al.get("regexTarget", ""), secret)
    regexes = al.get("regexes", [])
    stopwords = al.get("stopwords", [])
    regex_ok = bool(target) and any(compile_go(r).search(target) for r in regexes)
    low = secret.lower()
    stop_ok = bool(secret) and any(w in low for w in stopwords)
    if al.get("condition", "OR").upper() == "AND":
        checks = []
        if al.get("paths"):
            checks.append(path is not None and any(compile_go(p).search(path) for p in al["paths"]))
        if al.get("commits"):
            checks.append(False)
        if regexes:
            checks.append(regex_ok)
        if stopwords:
            checks.append(stop_ok)
        return all(checks)
    return regex_ok or stop_ok


def path_allowed(allowlists, path) -> bool:
    """checkCommitOrPathAllowed for a fragment with a file path."""
    if not path:
        return False
    for al in allowlists:
        p_ok = bool(al.get("paths")) and any(compile_go(p).search(path) for p in al["paths"])
        if al.get("condition", "OR").upper() == "AND":
            if al.get("regexes") or al.get("stopwords"):
                continue
            checks = ([False] if al.get("commits") else []) + ([p_ok] if al.get("paths") else [])
            if checks and all(checks):
                return True
        elif p_ok:
            return True
    return False


def detect(rule, text, global_allow, path=None, bare_regex=False):
    """Findings (secrets) of `rule` in `text`, as gitleaks' DetectString/Detect would."""
    if rule.get("regex") is None:
        if rule.get("path") and path is not None and compile_go(rule["path"]).search(path):
            return ["file detected: " + path]
        return []
    rx = compile_go(rule["regex"])
    if bare_regex:
        return [m.group(0) for m in rx.finditer(text)]
    if path is not None and path_allowed([global_allow], path):
        return []
    if path is not None and path_allowed(rule.get("allowlists", []), path):
        return []
    if rule.get("path"):
        if path is None or not compile_go(rule["path"]).search(path):
            return []
    kws = rule.get("keywords") or []
    low = text.lower()
    if kws and not any(k in low for k in kws):
        return []
    found = []
    for m in rx.finditer(text):
        secret = m.group(0).strip("\n")
        mstart = m.start()
        mend = mstart + len(secret) if secret else m.end()
        ls = text.rfind("\n", 0, mstart) + 1
        le = text.find("\n", mend)
        line = text[ls : len(text) if le < 0 else le]
        if "gitleaks:allow" in line:
            continue
        match = secret
        g = rx.search(secret)
        if g and g.re.groups >= 1:
            sg = rule.get("secret_group") or 0
            if sg > 0:
                secret = g.group(sg) or ""
            else:
                for s in g.groups():
                    if s:
                        secret = s
                        break
        ent = rule.get("entropy")
        if ent and shannon_entropy(secret) <= ent:
            continue
        if allowlist_hit(global_allow, secret, match, line, path):
            continue
        if any(allowlist_hit(al, secret, match, line, path) for al in rule.get("allowlists", [])):
            continue
        found.append(secret)
    return found


# --------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------


# Where a "handwritten" example comes from (recorded in "handwritten_sources"):
SRC_SEEDED = "gitleaks generator, seeded secrets.NewSecret"  # the rule's own random test case
SRC_DERIVED = "positive with its secret cut to half its length"
SRC_PROJECT = "written for this project"

# Examples written for this project, for rules whose generator has no test cases at all
# (gitleaks marks them "validate TODO"). Each is checked like the others.
HANDWRITTEN = {
    "dropbox-short-lived-api-token": {
        "positives": [
            'dropbox_token = "sl.ujzde8gx=d6ncf10epf91d-ho=d-=zdoc9is0j8h-t9lg=-mxg9e-dn581u3=3xtplpf-t75v2s_eh60kvj50ce9'
            '-uvw_5=3efr4edt-2sywb3wkh5dnsipzz5fk2z9ri19r0wy"',
        ],
        "negatives": ['dropbox_token = "sl.not-a-real-token"'],
    },
    "dropbox-long-lived-api-token": {
        "positives": ['dropbox_key = "ojfljooa5lqAAAAAAAAAAsaj08x-ui6d39zzzzg4zdmen2khv=dga-j8gxbenyjq"'],
        "negatives": ['dropbox_key = "ojfljooa5lqAAAAAAAAAA"'],
    },
    # gitleaks has positives only; a token missing its last two segments:
    "slack-app-token": {"positives": [], "negatives": ['"token": "xapp-1-A052FGTS2DL"']},
}
# generators that have no test cases (their examples come from HANDWRITTEN)
NO_TESTS_OK = {"DropBoxShortLivedAPIToken", "DropBoxLongLivedAPIToken"}


def derive_negative(rule, positive, global_allow):
    """A near miss made from a positive: its secret cut to half its length.

    Returns None unless the result is not detected (preferably not even matched by the
    bare regex)."""
    found = detect(rule, positive, global_allow)
    if not found or not found[0] or found[0] not in positive:
        return None
    secret = found[0]
    cut = positive.replace(secret, secret[: max(1, len(secret) // 2)], 1)
    if detect(rule, cut, global_allow):
        return None
    return cut


def load_rules(checkout: Path):
    cfg = tomllib.loads((checkout / "config" / "gitleaks.toml").read_text())
    rules = []
    for r in cfg["rules"]:
        allowlists = r.get("allowlists", [])
        usable = [a for a in allowlists if not (a.get("condition", "").upper() == "AND" and (a.get("paths") or a.get("commits")))]
        usable = [a for a in usable if a.get("regexes") or a.get("stopwords")]
        rules.append(
            {
                "id": r["id"],
                "description": r.get("description", ""),
                "regex": r.get("regex"),
                "secret_group": int(r.get("secretGroup", 0)),
                "keywords": [k.lower() for k in r.get("keywords", [])],
                "entropy": r.get("entropy"),
                "path": r.get("path"),
                "path_only": "regex" not in r and "path" in r,
                "regex_rust": go_to_rust(r["regex"]) if "regex" in r else None,
                "allowlist_regexes": [x for a in usable for x in a.get("regexes", [])],
                "allowlist_regexes_rust": [go_to_rust(x) for a in usable for x in a.get("regexes", [])],
                "allowlist_stopwords": [x for a in usable for x in a.get("stopwords", [])],
                "allowlists": allowlists,
                "allowlists_rust": [
                    {
                        "target": a.get("regexTarget", "") or "secret",
                        "all": a.get("condition", "OR").upper() == "AND",
                        "regexes": [go_to_rust(x) for x in a.get("regexes", [])],
                        "stopwords": [w.lower() for w in a.get("stopwords", [])],
                    }
                    for a in usable
                ],
            }
        )
    glob = cfg.get("allowlist", {})
    global_allow = {k: glob[k] for k in ("regexes", "stopwords", "paths") if k in glob}
    return rules, global_allow


def load_packages(checkout: Path):
    base = checkout / "cmd" / "generate" / "config"
    pkgs = {}
    for name in ("rules", "utils"):
        pkg = Package(name)
        for f in sorted((base / name).glob("*.go")):
            if f.name.endswith("_test.go"):
                continue
            parse_go_file(pkg, f.read_text())
        pkgs[name] = pkg
    main_go = re.sub(r"//[^\n]*", "", (base / "main.go").read_text())  # drop commented-out rules
    order = re.findall(r"\brules\.(\w+)\(\)", main_go)
    return pkgs, order


def extract_examples(checkout: Path, rules, global_allow):
    pkgs, order = load_packages(checkout)
    by_id = {r["id"]: r for r in rules}
    captured = {}
    state = {"rng": None}

    def secret_gen(rx):
        return sample_from_regex(rx, state["rng"])

    def validate_hook(kind, rule_struct, tps, fps):
        captured["last"] = (kind, rule_struct, tps, fps)
        return rule_struct

    interp = Interp(pkgs, validate_hook, secret_gen)
    out = {}
    problems = []
    for fname in order:
        f = pkgs["rules"].funcs.get(fname)
        if f is None:
            problems.append(f"{fname}: generator function not found")
            continue
        captured.pop("last", None)
        state["rng"] = random.Random(fname)
        try:
            interp.call_func(f, [])
        except (GoError, ReturnSignal, IndexError, KeyError, TypeError, ValueError, AttributeError) as e:
            problems.append(f"{fname}: {type(e).__name__}: {e}")
        if "last" not in captured:
            problems.append(f"{fname}: no Validate call evaluated")
            continue
        kind, rs, tps, fps = captured["last"]
        rid = rs.get("RuleID") if isinstance(rs, dict) else None
        if not isinstance(rid, str) or rid not in by_id:
            problems.append(f"{fname}: rule id {rid!r} not in gitleaks.toml")
            continue
        state["rng"] = random.Random(rid)
        rule = by_id[rid]
        entry = {"positives": [], "negatives": []}
        paths = {"positives": [], "negatives": []}
        hand = {"positives": [], "negatives": []}
        sources = {}
        for label, coll, want in (("positives", tps, True), ("negatives", fps, False)):
            if coll is None or coll is Unknown:
                continue
            items = list(coll.items()) if isinstance(coll, dict) else [(None, x) for x in coll]
            static, randoms = [], []
            for p, text in items:
                if text is Unknown or not isinstance(text, str):
                    continue
                (randoms if is_random(text) or is_random(p) else static).append((p, text))
            seen = set()
            for p, text in static:
                if (p, text) in seen:
                    continue
                seen.add((p, text))
                if kind == "ValidateWithPaths" and text == "":
                    paths[label].append(p)  # path-only example: no text
                    continue
                entry[label].append(text)
                if kind == "ValidateWithPaths":
                    paths[label].append(p)
            if not entry[label]:
                for p, text in randoms:
                    if kind == "ValidateWithPaths" and text == "":
                        continue
                    hit = bool(detect(rule, str(text), global_allow, path=p if kind == "ValidateWithPaths" else None))
                    if hit == want and rule.get("regex"):
                        entry[label].append(str(text))
                        hand[label].append(str(text))
                        sources[label] = SRC_SEEDED
                        if kind == "ValidateWithPaths":
                            paths[label].append(p)
                        break
        if not entry["negatives"] and entry["positives"] and kind == "Validate":
            for text in entry["positives"]:
                neg = derive_negative(rule, text, global_allow)
                if neg is not None:
                    entry["negatives"].append(neg)
                    hand["negatives"].append(neg)
                    sources["negatives"] = SRC_DERIVED
                    break
        if hand["positives"] or hand["negatives"]:
            entry["handwritten"] = True
            entry["handwritten_positives"] = hand["positives"]
            entry["handwritten_negatives"] = hand["negatives"]
            entry["handwritten_sources"] = sources
        if kind == "ValidateWithPaths":
            entry["paths"] = paths
        # negatives that the bare regex matches (rejected by entropy/allowlists/keywords/path)
        if rule.get("regex"):
            entry["negatives_matched_by_regex_alone"] = [
                t for t in entry["negatives"] if detect(rule, t, global_allow, bare_regex=True)
            ]
        out[rid] = entry
    for rid, ex in HANDWRITTEN.items():
        if rid not in by_id:
            problems.append(f"{rid}: handwritten examples for a rule that is not in gitleaks.toml")
            continue
        entry = out.setdefault(rid, {"positives": [], "negatives": []})
        for label in ("positives", "negatives"):
            if entry[label] or not ex[label]:
                continue
            entry[label] = list(ex[label])
            entry["handwritten"] = True
            entry.setdefault("handwritten_sources", {})[label] = SRC_PROJECT
            hw = entry.setdefault("handwritten_positives", [])
            if label == "positives":
                hw.extend(ex[label])
            entry.setdefault("handwritten_negatives", [])
            if label == "negatives":
                entry["handwritten_negatives"].extend(ex[label])
        entry["negatives_matched_by_regex_alone"] = [
            t for t in entry["negatives"] if detect(by_id[rid], t, global_allow, bare_regex=True)
        ]
    problems[:] = [p for p in problems if p.split(":")[0] not in NO_TESTS_OK]
    # keep gitleaks order
    ordered = {r["id"]: out.get(r["id"], {"positives": [], "negatives": []}) for r in rules}
    return ordered, problems


def check_examples(rules, examples, global_allow):
    """Run every example through the detector emulation; return mismatch descriptions."""
    issues = []
    for r in rules:
        ex = examples.get(r["id"], {})
        paths = ex.get("paths")
        for label, want in (("positives", True), ("negatives", False)):
            for n, text in enumerate(ex.get(label, [])):
                path = paths[label][n] if paths else None
                try:
                    hit = bool(detect(r, text, global_allow, path=path))
                except re.error as e:
                    issues.append(f"{r['id']}: regex error {e}")
                    break
                if hit != want:
                    issues.append(f"{r['id']}: {label[:-1]} #{n} {'not ' if want else ''}detected: {text[:100]!r}")
    return issues


def global_json(global_allow):
    """The global allowlist as the kernel reads it: regexes (Go and Rust forms) and stopwords."""
    regexes = global_allow.get("regexes", [])
    return {
        "regexes": regexes,
        "regexes_rust": [go_to_rust(r) for r in regexes],
        "stopwords": [w.lower() for w in global_allow.get("stopwords", [])],
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkout", type=Path, help="gitleaks checkout (work tree)")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "kernel/src/redact")
    ap.add_argument("--check", action="store_true", help="print examples the emulation disagrees with")
    args = ap.parse_args(argv)

    rules, global_allow = load_rules(args.checkout)
    examples, problems = extract_examples(args.checkout, rules, global_allow)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gitleaks-rules.json").write_text(json.dumps(rules, indent=2, ensure_ascii=False) + "\n")
    (args.out / "gitleaks-examples.json").write_text(json.dumps(examples, indent=2, ensure_ascii=False) + "\n")
    (args.out / "gitleaks-global.json").write_text(json.dumps(global_json(global_allow), indent=2, ensure_ascii=False) + "\n")

    with_pos = [k for k, v in examples.items() if v["positives"]]
    with_neg = [k for k, v in examples.items() if v["negatives"]]
    hand = [k for k, v in examples.items() if v.get("handwritten")]
    print(f"rules: {len(rules)} (path-only: {sum(r['path_only'] for r in rules)})")
    print(f"rules with positives: {len(with_pos)}, with negatives: {len(with_neg)}, with handwritten examples: {len(hand)}")
    print("rules without positives:", ", ".join(k for k in examples if k not in with_pos) or "-")
    print("rules without negatives:", ", ".join(k for k in examples if k not in with_neg) or "-")
    for p in problems:
        print("problem:", p, file=sys.stderr)
    if args.check:
        for i in check_examples(rules, examples, global_allow):
            print("check:", i)
    return 0


if __name__ == "__main__":
    sys.exit(main())
