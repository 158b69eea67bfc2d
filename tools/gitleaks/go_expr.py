"""Expressions of the Go subset: a precedence-climbing parser that evaluates as
it parses (literals, composite literals, calls, selectors, index, operators).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .go_builtins import go_append
from .go_decls import match_close, split_top
from .go_values import GoError, Spread, Struct, Unknown, taint

if TYPE_CHECKING:
    from .go_interp import Interp


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
