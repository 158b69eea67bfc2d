"""The Go library the generators call, emulated: scopes, strings.NewReplacer,
encoding/base64 encoders, fmt.Sprintf and append.
"""

from __future__ import annotations

import base64
import json
import re

from .go_values import GoError, Unknown, taint


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


def go_append(lst, *items):
    if lst is None:
        lst = []
    if not isinstance(lst, list):
        raise GoError("append to non-slice")
    return list(lst) + list(items)

