"""Parameters in query cells: `%%logs --group /ecs/{service}` run headless with
`-p service=…` on the bundled local data, the expanded text recorded as what ran; a value
that tries to inject Logs Insights syntax stays one quoted string; a name the notebook does
not have is bad input (exit 3) naming the parameters in scope; and the same cell in a
kernel, which fills in the parameters the session holds."""

from __future__ import annotations

from pathlib import Path

import nbformat

from conftest import OUT, execute, start_kernel, stop_kernel
from support import run_to_record

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "notebooks" / "data" / "checkout"
START, END = "2026-11-12T14:00:00Z", "2026-11-12T15:00:00Z"
PARAMETERS = 'let service = "orders-api";\nlet route = "/none";'
INJECTION = 'x" | filter 1=1 | display "'


def write(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "playbook", "display_name": "Playbook (Rust)", "language": "rust"}
    nb.cells.append(nbformat.v4.new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}))
    nb.cells.append(nbformat.v4.new_code_cell(f"%source local:{DATA}\n%window {START}..{END}"))
    nb.cells.extend(nbformat.v4.new_code_cell(source) for source in cells)
    path.write_text(nbformat.writes(nb))
    return path


def logs_queries(record: dict) -> list[dict]:
    return [q for q in record["metadata"]["playbook"]["queries"] if q["kind"] == "logs_insights"]


def test_a_logs_cell_takes_its_group_and_values_from_the_parameters(tmp_path):
    nb = write(
        tmp_path / "by-service.ipynb",
        "%%logs --group /ecs/{service}\nfields @message\n| limit 5",
        "%%logs --group /ecs/{service}\n# {route} in a comment is left alone\nfilter route = {route}\n| fields @message",
    )
    done, record = run_to_record(nb, "-p", "service=checkout", "-p", "route=/api/checkout")
    assert done.returncode == 0, done.stderr[-3000:]
    first, second = logs_queries(record)
    assert first["groups"] == ["/ecs/checkout"] and first["results"] == 5, first
    # What ran is recorded: the value as a string literal.
    assert second["query"] == (
        '# {route} in a comment is left alone\nfilter route = "/api/checkout"\n| fields @message'
    ), second
    assert second["results"] > 0, second


def test_an_injection_attempt_in_a_parameter_stays_one_string_literal(tmp_path):
    nb = write(
        tmp_path / "injection.ipynb",
        "%%logs --group /ecs/{service}\nfilter route = {route}\n| fields @message\n| limit 5",
        '%%logs --group /ecs/{service}\nfilter route = "{route}"\n| fields @message\n| limit 5',
    )
    done, record = run_to_record(nb, "-p", "service=checkout", "-p", f"route={INJECTION}")
    assert done.returncode == 0, done.stderr[-3000:]
    queries = logs_queries(record)
    assert len(queries) == 2, queries
    for query in queries:
        # Escaped inside the literal: no route equals the value, so nothing matches (the
        # injected `filter 1=1` would have let every event through).
        assert 'filter route = "x\\" | filter 1=1 | display \\""' in query["query"], query
        assert query["status"] == "ok" and query["results"] == 0, query


def test_an_unknown_name_is_bad_input_naming_the_parameters_in_scope(tmp_path):
    nb = write(tmp_path / "typo.ipynb", "%%logs --group /ecs/{servce}\nfields @message")
    output = OUT / "query-parameters-typo.record.ipynb"
    OUT.mkdir(exist_ok=True)
    done, record = run_to_record(nb, record=output)
    assert done.returncode == 3, done.stderr[-3000:]
    assert "`{servce}`" in done.stderr and "in scope: route, service" in done.stderr, done.stderr
    assert logs_queries(record) == []


def test_a_kernel_fills_in_the_parameters_its_session_holds():
    km, kc = start_kernel("query-parameters")
    try:
        reply, _ = execute(kc, "%%logs --group /ecs/{service}\nfields @message")
        assert reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "ParameterError", reply["content"]
        assert "no parameters" in reply["content"]["evalue"], reply["content"]
        # Escaped braces reach the query as braces.
        reply, _ = execute(kc, f"%source local:{DATA}\n%window {START}..{END}")
        assert reply["content"]["status"] == "ok", reply["content"]
        reply, _ = execute(kc, "%%logs --group /ecs/checkout\nfilter route = \"{{x}}\"\n| fields @message")
        assert reply["content"]["status"] == "ok", reply["content"]
        reply, messages = execute(kc, "%queries")
        shown = "".join(m["content"].get("data", {}).get("text/plain", "") for m in messages)
        assert 'filter route = "{x}"' in shown, shown
    finally:
        stop_kernel(km, kc)
