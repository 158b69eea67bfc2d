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
import json
import sys
from pathlib import Path

from .extract import check_examples, extract_examples, global_json, load_rules

REPO = Path(__file__).resolve().parents[2]  # tools/gitleaks/cli.py -> the repository


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkout", type=Path, help="gitleaks checkout (work tree)")
    ap.add_argument("--out", type=Path, default=REPO / "kernel/src/redact")
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

