"""The evaluator of the Go subset gitleaks' rule generators use: statements,
calls into packages and builtins (expressions are go_expr's).
"""

from __future__ import annotations

import re

from .go_builtins import B64Enc, Replacer, Scope, go_append, go_sprintf
from .go_decls import Func, Package, match_close, split_top
from .go_expr import ExprParser
from .go_values import (
    BreakSignal,
    ContinueSignal,
    GoError,
    RStr,
    ReturnSignal,
    Spread,
    Unknown,
    taint,
)


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
