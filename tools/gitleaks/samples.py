"""Sample strings from a regex (a seeded stand-in for gitleaks'
`secrets.NewSecret`).
"""

from __future__ import annotations

import random
import re

try:  # the regex parser of the standard library (used to generate sample strings)
    from re import _parser as sre_parse  # type: ignore[attr-defined]
    from re import _constants as sre_c  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_parse  # type: ignore[no-redef]
    import sre_constants as sre_c  # type: ignore[no-redef]

from .re2_to_rust import go_to_python


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
