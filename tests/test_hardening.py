"""Regression tests of the hardening work: each test is named after what it guards.

Nothing a cell, a query or a file does may take the kernel down; output is attributed to
the cell that wrote it; records stay shareable; the exit code is the program's.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import nbformat
import pytest

from conftest import execute, start_kernel, stop_kernel, stream_text

PLAYBOOK = os.environ.get("PLAYBOOK_BIN", "playbook")
DATA = Path(__file__).resolve().parent.parent / "notebooks" / "data" / "checkout"


def notebook(path: Path, *cells: str, parameters: str | None = None) -> Path:
    """Writes a notebook of Rust code cells (the first tagged `parameters` when given)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "playbook", "display_name": "Playbook (Rust)", "language": "rust"}
    if parameters is not None:
        nb.cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    nb.cells.extend(nbformat.v4.new_code_cell(source) for source in cells)
    path.write_text(nbformat.writes(nb))
    return path


def run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([PLAYBOOK, "run", *args], capture_output=True, text=True, timeout=timeout)


def code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def texts(cell: dict, name: str = "stdout") -> str:
    return "".join(o["text"] for o in cell["outputs"] if o["output_type"] == "stream" and o["name"] == name)


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_kernel("hardening")
    yield km, kc
    stop_kernel(km, kc)


def test_output_without_a_newline_belongs_to_the_cell_that_printed_it(kernel):
    _, kc = kernel
    reply, messages = execute(kc, 'print!("x"); eprint!("e");')
    assert reply["content"]["status"] == "ok"
    assert stream_text(messages) == "x"
    assert stream_text(messages, "stderr") == "e"
    reply, messages = execute(kc, 'println!("y");')
    assert stream_text(messages) == "y\n", "nothing of the previous cell leaks into this one"
    # A rich result right after text without a newline: both are kept.
    reply, messages = execute(kc, 'print!("p"); 40 + 2')
    assert stream_text(messages) == "p"
    results = [m["content"]["data"]["text/plain"] for m in messages if m["msg_type"] == "execute_result"]
    assert results == ["42"]


def test_a_long_flat_logs_query_is_an_error_not_a_dead_kernel(kernel):
    _, kc = kernel
    chain = " + ".join(["1"] * 8000)
    reply, _ = execute(kc, f"%%logs --group /ecs/checkout --source local:{DATA} --since 1h\nfields {chain} as x | limit 1")
    assert reply["content"]["status"] == "error"
    assert "shorter expression" in reply["content"]["evalue"]
    reply, messages = execute(kc, "1 + 1")
    assert reply["content"]["status"] == "ok", "the kernel is still alive"


def test_trailing_output_of_the_last_cell_reaches_the_record(tmp_path):
    nb = notebook(tmp_path / "tail.ipynb", 'println!("first");', 'print!("tail"); eprint!("err-tail");')
    output = tmp_path / "tail.out.ipynb"
    done = run(str(nb), "-o", str(output))
    assert done.returncode == 0, done.stderr[-3000:]
    cells = code_cells(output)
    assert texts(cells[0]) == "first\n"
    assert texts(cells[1]) == "tail"
    assert texts(cells[1], "stderr") == "err-tail"


def test_a_huge_cell_output_is_capped_in_the_record_with_a_note(tmp_path):
    # 8 MB of print! without a newline recorded nothing; the record now keeps the cap.
    nb = notebook(tmp_path / "big.ipynb", 'for _ in 0..(8 << 20) / 64 { print!("{}", "x".repeat(64)); };')
    output = tmp_path / "big.out.ipynb"
    done = run(str(nb), "-o", str(output), "--max-output-bytes", "1000000")
    assert done.returncode == 0, done.stderr[-3000:]
    cell = code_cells(output)[0]
    assert len(texts(cell)) == 1_000_000
    note = texts(cell, "stderr")
    assert f"truncated by playbook: {(8 << 20) - 1_000_000} bytes" in note
    assert cell["metadata"]["playbook"]["omitted_output_bytes"] == (8 << 20) - 1_000_000
    assert output.stat().st_size < 2_000_000


def test_a_bad_flag_is_bad_input_on_every_subcommand(tmp_path):
    nb = notebook(tmp_path / "ok.ipynb", "1")
    for args in (
        ["run", str(nb), "--bogus-flag"],
        ["run"],
        ["report", "--bogus"],
        ["query", "logs"],
        ["query", "list-metrics", "AWS/EC2"],
        ["query", "nosuch"],
        ["install", "--bogus"],
        ["kernel"],
        ["generate-data"],
        ["nosuch"],
    ):
        done = subprocess.run([PLAYBOOK, *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 3, (args, done.returncode, done.stderr)
        assert done.stderr.strip(), args
    done = subprocess.run([PLAYBOOK, "run", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "--max-output-bytes" in done.stdout


def test_query_output_cut_short_by_a_reader_ends_quietly():
    # `playbook query … | head` panicked with "failed printing to stdout" (exit 101).
    cmd = f"{PLAYBOOK} query logs --group /ecs/checkout --source local:{DATA} " \
          "--start 2026-11-12T13:00:00Z --end 2026-11-12T16:00:00Z --json 'fields @message | limit 5000' | head -n 2"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "panicked" not in done.stderr and "Broken pipe" not in done.stderr
    assert len(done.stdout.splitlines()) == 2
