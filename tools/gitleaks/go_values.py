"""Values of the Go-subset evaluator: strings tainted by randomness, the
unknown value, structs, spreads and the control-flow signals.
"""

from __future__ import annotations


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
