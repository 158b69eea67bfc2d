"""Variables defined in the first seconds of a kernel, while rust-analyzer (which evcxr
asks for the types of new variables) is still analysing the sysroot and the library.

Cells do not wait for it: the patched evcxr (vendor/evcxr/PATCHES.md) stores a new
variable with the type rustc inferred and takes its name from the running program, or
has rust-analyzer work it out in the background for the next cell. These tests guard that
the variables come back with the right values and types, and that what evcxr cannot keep
(a closure) is reported rather than silently lost.
"""

from __future__ import annotations

from conftest import execute, outputs, start_kernel, stop_kernel, stream_text


def result(messages: list[dict]) -> str:
    return outputs(messages, "execute_result")[0]["data"]["text/plain"]


def test_variables_defined_while_rust_analyzer_loads_are_kept():
    km, kc = start_kernel("early-variables")
    try:
        reply, _ = execute(
            kc,
            'let n = 5; let s = String::from("ab");\n'
            "let t = TimeRange::last(TimeDelta::minutes(5));\n"
            "let mut m: std::collections::HashMap<String, Vec<u8>> = Default::default();\n"
            "let pair = (1u8, vec![Some(2.5f64)]);",
        )
        assert reply["content"]["status"] == "ok", reply["content"]
        reply, messages = execute(
            kc, 'm.insert(s.clone(), vec![1]); (n + 2, s.len(), t.end > t.start, m.len(), pair.1[0])'
        )
        assert reply["content"]["status"] == "ok", reply["content"]
        assert result(messages) == "(7, 2, true, 1, Some(2.5))"
        # A type the cells define (`ctx::Point` to `std::any::type_name`, kept as `crate::Point`).
        reply, _ = execute(kc, "struct Point { x: i32 }\nlet p = Point { x: 4 };")
        assert reply["content"]["status"] == "ok", reply["content"]
        reply, messages = execute(kc, "p.x + n")
        assert reply["content"]["status"] == "ok", reply["content"]
        assert result(messages) == "9"
        reply, messages = execute(kc, ":vars")
        listing = stream_text(messages) + "".join(
            c["data"].get("text/plain", "") for c in outputs(messages, "execute_result")
        )
        assert "n: i32" in listing, listing
        assert "p: crate::Point" in listing or "p: Point" in listing, listing
    finally:
        stop_kernel(km, kc)


def test_a_closure_defined_early_is_reported_not_silently_lost():
    km, kc = start_kernel("early-closure")
    try:
        reply, messages = execute(kc, "let f = |x: i32| x + 1; let k = 2; f(k)")
        if reply["content"]["status"] == "error":
            # rust-analyzer was ready already: evcxr refuses the cell, as it always did.
            assert "closure" in reply["content"]["evalue"], reply["content"]
            return
        assert result(messages) == "3"
        reply, messages = execute(kc, "k * 10")
        assert reply["content"]["status"] == "ok", reply["content"]
        assert result(messages) == "20"
        assert "The variable `f` was not kept: it is a closure" in stream_text(messages, "stderr")
        reply, _ = execute(kc, "f(1)")
        assert reply["content"]["status"] == "error"
    finally:
        stop_kernel(km, kc)
