"""Completion in a kernel's first minute: before rust-analyzer has loaded the standard
library (10-15 s on a 2-core machine), a `.` completes from the member index built with
the cell template. The reply's metadata says what answered, so these tests prove the index
answered (not rust-analyzer), and what it answered; and, once rust-analyzer is loaded, that
it answers what only it can."""

from __future__ import annotations

import time

from conftest import execute, shell_reply, start_kernel, stop_kernel

SOURCE = "playbook_completion_source"


def complete(kc, code: str) -> dict:
    """The completion reply at the end of `code`."""
    return shell_reply(kc, kc.complete(code, len(code)), timeout=30)["content"]


def names(matches: list[str]) -> set[str]:
    """`is_empty` of `is_empty()`, `push` of `push(value)`."""
    return {m.split("(")[0] for m in matches}


def test_a_dot_completes_methods_from_the_member_index_right_after_start():
    km, kc = start_kernel("completion-first-minute")
    try:
        reply, _ = execute(kc, "let v = vec![1, 2, 3];")
        assert reply["content"]["status"] == "ok", reply["content"]
        found = complete(kc, "v.is_em")
        assert found["metadata"][SOURCE] == "member-index", found
        assert "is_empty" in names(found["matches"]), found
        assert found["cursor_start"] == 2 and found["cursor_end"] == 7, found

        # A prelude type, from the library's own analysis.
        reply, _ = execute(kc, (
            'let start: DateTime<Utc> = "2026-11-26T10:00:00Z".parse()?;\n'
            'let latency = Series::from_points("latency", Some("ms"), [112.0, 98.0, 131.0]\n'
            "    .iter().enumerate().map(|(i, ms)| (start + TimeDelta::minutes(i as i64), Some(*ms))));"
        ))
        assert reply["content"]["status"] == "ok", reply["content"]
        found = complete(kc, "latency.summ")
        assert found["metadata"][SOURCE] == "member-index", found
        assert "summary" in names(found["matches"]), found

        # Chains through what members return. These come a few seconds into the kernel:
        # rust-analyzer may be ready by now on an idle machine, and then it answers (the
        # same members); the unit tests of `receiver.rs` pin the chains themselves.
        for code, member in [
            ("latency.summary().p5", "p50"),
            ("latency.points().filt", "filter"),
            ("start.tim", "timestamp"),
            ("v.iter().ma", "map"),
            ('let s = String::from("a");\ns.trim().to_upp', "to_uppercase"),
        ]:
            found = complete(kc, code)
            assert found["metadata"][SOURCE] in ("member-index", "rust-analyzer"), (code, found)
            assert member in names(found["matches"]), (code, found)
            typed = code.rsplit(".", 1)[1]
            assert all(m.startswith(typed) for m in found["matches"]), (code, found)

        # An unknown receiver answers what completion answered before the index.
        found = complete(kc, "let w = mystery();\nw.")
        assert found["metadata"][SOURCE] in ("names", "rust-analyzer"), found
    finally:
        stop_kernel(km, kc)


def test_rust_analyzer_completes_a_cell_structs_fields_once_loaded():
    # Only rust-analyzer knows the fields of a struct a cell defined (the member index is
    # built with the template; the names fallback has no members), so this guards evcxr's
    # completion through `ra_ap_ide_completion` itself (evcxr patch "Without ra_ap_ide").
    km, kc = start_kernel("completion-rust-analyzer")
    try:
        reply, _ = execute(kc, "struct Probe { depth: u32, label: String }\nlet p = Probe { depth: 1, label: String::new() };")
        assert reply["content"]["status"] == "ok", reply["content"]
        deadline = time.monotonic() + 120
        found = complete(kc, "p.dep")
        while found["metadata"][SOURCE] != "rust-analyzer" and time.monotonic() < deadline:
            time.sleep(1)
            found = complete(kc, "p.dep")
        assert found["metadata"][SOURCE] == "rust-analyzer", found
        assert found["matches"] == ["depth"], found
        assert found["cursor_start"] == 2 and found["cursor_end"] == 5, found
        found = complete(kc, 'let s = String::from("a");\ns.to_upp')
        assert found["metadata"][SOURCE] == "rust-analyzer", found
        assert "to_uppercase" in names(found["matches"]), found
    finally:
        stop_kernel(km, kc)
