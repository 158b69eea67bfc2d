"""An emulation of gitleaks' detector for one rule: keyword prefilter, regex,
secret group, Shannon entropy, rule and global allowlists, path.
"""

from __future__ import annotations

import math
import re

from .re2_to_rust import compile_go


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
