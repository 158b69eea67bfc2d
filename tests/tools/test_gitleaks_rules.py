"""Unit tests of tools/gitleaks/ (what writes kernel/src/redact/gitleaks-*.json): the Go-subset
interpreter, the RE2 → Rust/Python regex translation and the detector emulation. Standard
library only, no gitleaks checkout needed: the Go sources here are written for the test, and
the detector runs on the rules committed in kernel/src/redact/."""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))

from gitleaks.detect import detect, shannon_entropy  # noqa: E402
from gitleaks.extract import check_examples  # noqa: E402
from gitleaks.go_builtins import go_sprintf  # noqa: E402
from gitleaks.go_decls import Package, parse_go_file  # noqa: E402
from gitleaks.go_interp import Interp  # noqa: E402
from gitleaks.go_lexer import tokenize_go  # noqa: E402
from gitleaks.go_values import GoError, Unknown, is_random  # noqa: E402
from gitleaks.re2_to_rust import Unsupported, go_to_python, go_to_rust  # noqa: E402
from gitleaks.samples import sample_from_regex  # noqa: E402

REDACT = REPO / "kernel" / "src" / "redact"

# -- the Go-subset interpreter ---------------------------------------------------------


def run_go(source: str, func: str = "Gen", secret=lambda rx: "s3cr3t"):
    """Evaluates `func` of a `rules` package made of `source`; the Validate call it makes."""
    rules, utils = Package("rules"), Package("utils")
    parse_go_file(rules, source)
    parse_go_file(utils, "package utils\n\nfunc Validate(r config.Rule, tps []string, fps []string) *config.Rule {\n\treturn &r\n}\n")
    seen = {}

    def validate(kind, rule, tps, fps):
        seen.update(kind=kind, rule=rule, tps=tps, fps=fps)
        return rule

    Interp({"rules": rules, "utils": utils}, validate, secret).call_func(rules.funcs[func], [])
    return seen


GO_HEADER = """package rules

import (
\t"fmt"
\t"strings"
\t"github.com/zricethezav/gitleaks/v8/cmd/generate/config/utils"
\t"github.com/zricethezav/gitleaks/v8/cmd/generate/secrets"
\t"github.com/zricethezav/gitleaks/v8/config"
)
"""


def test_go_subset_evaluates_literals_concatenation_sprintf_and_append() -> None:
    seen = run_go(GO_HEADER + """
var prefix = "tok_"

func Gen() *config.Rule {
\tr := config.Rule{RuleID: "demo", Keywords: []string{"tok_"}}
\ttps := []string{prefix + "abc", fmt.Sprintf("%s=%d", "n", 42)}
\ttps = append(tps, `raw\\n`)
\tfps := []string{strings.ToUpper("x")}
\treturn utils.Validate(r, tps, fps)
}
""")
    assert seen["kind"] == "Validate"
    assert seen["rule"]["RuleID"] == "demo" and seen["rule"]["Keywords"] == ["tok_"]
    assert seen["tps"] == ["tok_abc", "n=42", "raw\\n"]
    assert seen["fps"] == ["X"]


def test_go_subset_runs_range_loops_over_maps_and_slices() -> None:
    seen = run_go(GO_HEADER + """
func Gen() *config.Rule {
\tvar tps []string
\tfor _, k := range []string{"a", "b"} {
\t\ttps = append(tps, k+"1")
\t}
\tm := map[string]string{"x": "y"}
\tfor k, v := range m {
\t\ttps = append(tps, k+v)
\t}
\treturn utils.Validate(config.Rule{RuleID: "loops"}, tps, nil)
}
""")
    assert seen["tps"] == ["a1", "b1", "xy"]


def test_go_subset_taints_values_built_from_new_secret() -> None:
    seen = run_go(GO_HEADER + """
func Gen() *config.Rule {
\ttps := []string{"key=" + secrets.NewSecret(`[a-z]{8}`), "static"}
\treturn utils.Validate(config.Rule{RuleID: "random"}, tps, nil)
}
""", secret=lambda rx: "abcdefgh")
    random_one, static = seen["tps"]
    assert random_one == "key=abcdefgh" and is_random(random_one)
    assert static == "static" and not is_random(static)


def test_go_subset_leaves_what_it_cannot_evaluate_unknown_never_wrong() -> None:
    # A channel receive and a %x verb are outside the subset: their values are Unknown
    # (extraction then skips them), not a wrong string.
    seen = run_go(GO_HEADER + """
func Gen() *config.Rule {
\tch := make(chan string)
\ttps := []string{"a" + <-ch, fmt.Sprintf("%x", 3), "kept"}
\treturn utils.Validate(config.Rule{RuleID: "outside"}, tps, nil)
}
""")
    assert seen["tps"] == [Unknown, Unknown, "kept"]


@pytest.mark.parametrize(
    "source, message",
    [
        ("x := 1 @ 2", "unexpected character '@'"),
        ("x := `never closed", "unterminated raw string"),
        ('x := "never closed', "unterminated string literal"),
        ("/* never closed", "unterminated comment"),
    ],
)
def test_go_subset_refuses_source_it_cannot_read_clearly(source: str, message: str) -> None:
    with pytest.raises(GoError, match=message):
        tokenize_go(source)


def test_go_sprintf_refuses_an_unsupported_verb() -> None:
    assert go_sprintf("%s-%d %q", "a", 7, "b") == 'a-7 "b"'
    with pytest.raises(GoError, match="unsupported verb %x"):
        go_sprintf("%x", 3)


# -- the RE2 → Rust / Python translation -----------------------------------------------


def test_re2_perl_classes_become_ascii_in_rust_as_in_go() -> None:
    assert go_to_rust(r"\w+\d\s") == r"[0-9A-Za-z_]+[0-9]" + go_to_rust(r"\s")
    assert "\\s" not in go_to_rust(r"\s") and "\\d" not in go_to_rust(r"[\d]")


def test_re2_posix_classes_and_bracket_escapes_translate() -> None:
    assert go_to_python("[[:alnum:]_]") == "[0-9A-Za-z_]"
    assert re.fullmatch(go_to_python("[[:xdigit:]]{4}"), "09aF")
    # Rust reads `[` inside a class and `&&`, `--` as set syntax: escaped.
    assert go_to_rust("[a[b]") == r"[a\[b]"
    assert go_to_rust("[a&&b]") == r"[a&\&b]"


def test_re2_inline_case_flag_is_scoped_to_what_follows() -> None:
    assert go_to_rust("(?i)key") == "(?i)key"  # leading: global, as written
    assert go_to_rust("a(?i)key") == "a(?i:key)"  # mid-pattern: scoped to the rest
    rx = re.compile(go_to_python("a(?i)key"))
    assert rx.fullmatch("aKEY") and not rx.fullmatch("AKEY")


def test_re2_repetition_bounds_are_kept_and_literal_braces_escaped() -> None:
    assert go_to_rust("x{2,5}y{3}z{1,}") == "x{2,5}y{3}z{1,}"
    rx = re.compile(go_to_python("^x{2,3}$"))
    assert rx.match("xx") and rx.match("xxx") and not rx.match("xxxx")
    assert go_to_rust("a{b") == r"a\{b"  # RE2 reads a brace that starts no bound literally


@pytest.mark.parametrize(
    "pattern, reason",
    [
        ("foo(?=bar)", "lookaround"),
        ("(a)\\1", "backreference"),
        ("(ab", "unclosed"),
        ("ab)", "unbalanced"),
        ("[ab", "unterminated"),
    ],
)
def test_re2_translation_refuses_what_re2_does_not_accept(pattern: str, reason: str) -> None:
    with pytest.raises(Unsupported, match=reason):
        go_to_rust(pattern)


def test_samples_from_a_regex_are_seeded_and_match_it() -> None:
    rx = "ghp_[0-9a-zA-Z]{36}"
    one, two = (sample_from_regex(rx, random.Random("seed")) for _ in range(2))
    assert one == two and re.fullmatch(rx, one)


# -- the detector emulation --------------------------------------------------------------


@pytest.fixture(scope="module")
def rules() -> dict[str, dict]:
    return {r["id"]: r for r in json.loads((REDACT / "gitleaks-rules.json").read_text())}


@pytest.fixture(scope="module")
def global_allow() -> dict:
    return json.loads((REDACT / "gitleaks-global.json").read_text())


SECRET = "ghp_" + "Xq3v9T2mZ8rK1pL7wB4nC6yD0sF5hJ2uE7a9"


def test_detector_finds_a_github_token(rules, global_allow) -> None:
    assert detect(rules["github-pat"], f"token = {SECRET}\n", global_allow) == [SECRET]


def test_detector_passes_near_misses(rules, global_allow) -> None:
    rule = rules["github-pat"]
    assert detect(rule, f"token = {SECRET[:-2]}\n", global_allow) == []  # too short
    low_entropy = "ghp_" + "x" * 36
    assert shannon_entropy(low_entropy[4:]) <= rule["entropy"]
    assert detect(rule, low_entropy, global_allow) == []
    assert detect(rule, f"token = {SECRET}  # gitleaks:allow", global_allow) == []
    assert detect(rule, SECRET, global_allow, path="node_modules/@octokit/auth-token/README.md") == []


def test_every_committed_example_agrees_with_the_detector(rules, global_allow) -> None:
    # What `--check` does against a checkout, here on the committed files.
    examples = json.loads((REDACT / "gitleaks-examples.json").read_text())
    assert check_examples(list(rules.values()), examples, global_allow) == []
