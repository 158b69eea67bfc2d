"""Variables defined in the first seconds of a kernel, while rust-analyzer (which evcxr
asks for the types of new variables) is still analysing the sysroot and the library.

Cells do not wait for it: the patched evcxr (vendor/evcxr/PATCHES.md) stores a new
variable with the type rustc inferred and takes its name from the running program, or
has rust-analyzer work it out in the background for the next cell. These tests guard that
the variables come back with the right values and types, and that what evcxr cannot keep
(a closure) is reported rather than silently lost.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import nbformat

from conftest import execute, outputs, start_kernel, stop_kernel, stream_text
from support import run_playbook


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


def closure_run(path: Path, *cells: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "playbook", "display_name": "Playbook (Rust)", "language": "rust"}
    nb.cells.extend(nbformat.v4.new_code_cell(source) for source in cells)
    path.write_text(nbformat.writes(nb))
    done = run_playbook(path, "-o", path.with_suffix(".out.ipynb"), timeout=600,
                        env={**os.environ, "PLAYBOOK_TRACE": "1"})
    assert done.returncode == 1, done.stderr[-3000:]  # the closure's cell fails
    assert "The variable `g` is a closure" in done.stderr, done.stderr[-3000:]
    compiling = [line for line in done.stderr.splitlines() if line.strip().startswith("Compiling ")]
    assert compiling == [], compiling
    return done.stderr


def test_the_check_of_a_variable_it_cannot_keep_compiles_no_dependency(tmp_path):
    """evcxr type-checks a cell it cannot keep a variable of (a closure, once rust-analyzer
    has typed the session: here the first closure's cell, run while it loaded, made the
    next cell wait for it) to say why. The cell template holds the dependencies built, not
    their check-mode metadata: the check replays the rustc invocation recorded at this
    process's last build as metadata only, or, when it has not built yet (its cells all
    came from the compiled-cells cache), is a cargo build whose dependencies are all
    fresh. `cargo check` would compile every dependency's metadata first (`Compiling
    playbook …`, seconds)."""
    closures = ["let f = |x: i32| x + 1;", "let g = |x: i32| x * 2;"]
    # A new cell first: built through cargo, which records rustc's invocation; the check
    # runs that invocation.
    # (Not a `&str`: evcxr's check code then fails to borrow-check, with or without this.)
    nonce = uuid.uuid4().int % 2**63
    stderr = closure_run(tmp_path / "after-a-build.ipynb", f"let nonce: u64 = {nonce};", *closures)
    assert "evcxr: check with rustc:" in stderr, stderr[-3000:]
    # The closures alone, their first cell taken from the cache on the second run: nothing
    # was built in that process before the check.
    closure_run(tmp_path / "first.ipynb", *closures)
    stderr = closure_run(tmp_path / "first.ipynb", *closures)
    assert "evcxr: check with cargo build:" in stderr, stderr[-3000:]
