"""Extraction: gitleaks' rules from config/gitleaks.toml and their examples from
the Go generators, checked against the detector emulation.
"""

from __future__ import annotations

import random
import re
import tomllib
from pathlib import Path

from .detect import detect
from .go_decls import Package, parse_go_file
from .go_interp import Interp
from .go_values import GoError, ReturnSignal, Unknown, is_random
from .re2_to_rust import go_to_rust
from .samples import sample_from_regex


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
