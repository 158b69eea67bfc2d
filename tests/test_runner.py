"""`playbook run`: headless execution, the executed notebook, exit codes, interrupts."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import xml.dom.minidom
from pathlib import Path

import nbformat

from conftest import OUT
from support import PLAYBOOK, run_playbook as run

HERE = Path(__file__).parent
ROOT = HERE.parent


def code_cells(path: Path) -> list[dict]:
    nb = json.loads(path.read_text())
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def test_getting_started_runs_green_and_writes_the_record():
    OUT.mkdir(exist_ok=True)
    output = OUT / "getting-started.record.ipynb"
    done = run(str(ROOT / "notebooks" / "getting-started.ipynb"), "-o", str(output))
    assert done.returncode == 0, done.stderr[-3000:]
    nbformat.validate(nbformat.read(output, as_version=4))
    nb = json.loads(output.read_text())
    record = nb["metadata"]["playbook"]
    assert record["status"] == "ok" and record["failures"] == []
    assert len(record["run_id"]) == 36
    cells = code_cells(output)
    assert all(c["metadata"]["playbook"]["status"] == "ok" for c in cells)
    assert [c["execution_count"] for c in cells] == list(range(1, len(cells) + 1))
    text = json.dumps([c["outputs"] for c in cells])
    assert "p50 = 118 ms" in text
    assert "slower than 250 ms" in text  # the updated display, not the first one
    assert "scanning requests" not in text
    assert "PASS p50 latency: observed 118 ms, expected < 150 ms" in text
    assert record["checks"] == [{"name": "p50 latency", "verdict": "pass",
                                 "observed": "118 ms", "expected": "< 150 ms"}]
    # Progress names the steps on stderr.
    assert "[2/7] Session context" in done.stderr
    assert "[6/7] Verdict" in done.stderr
    # The series renders an SVG chart that is well-formed XML with one line group.
    svgs = [o["data"]["image/svg+xml"] for c in cells for o in c["outputs"]
            if "image/svg+xml" in o.get("data", {})]
    assert len(svgs) == 1
    svg = "".join(svgs[0]) if isinstance(svgs[0], list) else svgs[0]
    doc = xml.dom.minidom.parseString(svg)
    groups = [g for g in doc.getElementsByTagName("g") if g.getAttribute("class") == "series"]
    assert len(groups) == 1
    # Frontends prefer HTML to SVG, so the HTML carries the chart too.
    htmls = [o["data"]["text/html"] for c in cells for o in c["outputs"]
             if "image/svg+xml" in o.get("data", {})]
    assert "<svg" in ("".join(htmls[0]) if isinstance(htmls[0], list) else htmls[0])
    assert "latency (ms): count 20, missing 0" in text
    assert "check PASS: p50 latency — observed 118 ms, expected < 150 ms" in done.stderr
    assert done.stderr.strip().splitlines()[-1] == "finished: the check passed (exit 0)", done.stderr
    # No -p given: every parameter in effect is still recorded, with its default.
    assert nb["metadata"]["playbook"]["parameters"] == {
        "given": {}, "resolved": {"p50_threshold_ms": 150.0, "service": "checkout"}}


def test_parameters_are_injected_typed_and_recorded():
    output = OUT / "getting-started.params.ipynb"
    done = run(str(ROOT / "notebooks" / "getting-started.ipynb"), "-o", str(output),
               "-p", "p50_threshold_ms=100", "-p", "service=payments")
    # Every cell ran, but the stricter threshold fails the check: exit 2.
    assert done.returncode == 2, done.stderr[-3000:]
    nb = json.loads(output.read_text())
    sources = ["".join(c["source"]) for c in nb["cells"]]
    tagged = [i for i, c in enumerate(nb["cells"]) if "parameters" in c["metadata"].get("tags", [])]
    injected = [i for i, c in enumerate(nb["cells"]) if "injected-parameters" in c["metadata"].get("tags", [])]
    assert injected == [tagged[0] + 1]
    assert "let p50_threshold_ms: f64 = 100.0f64;" in sources[injected[0]]
    assert 'let service: String = String::from("payments");' in sources[injected[0]]
    record = nb["metadata"]["playbook"]["parameters"]
    assert record["given"] == {"p50_threshold_ms": "100", "service": "payments"}
    assert record["resolved"] == {"p50_threshold_ms": 100.0, "service": "payments"}
    assert nb["metadata"]["playbook"]["status"] == "check failed"
    assert nb["metadata"]["playbook"]["checks"][0]["verdict"] == "fail"
    assert done.stderr.strip().splitlines()[-1] == "finished: 1 of 1 check failed (exit 2)", done.stderr
    outputs = json.dumps([c.get("outputs", []) for c in nb["cells"]])
    assert "FAIL p50 latency" in outputs and "service payments" in outputs
    # Re-running the record replaces the injected cell instead of adding another.
    again = OUT / "getting-started.params.rerun.ipynb"
    done = run(str(output), "-o", str(again), "-p", "p50_threshold_ms=200")
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(again.read_text())["metadata"]["playbook"]["status"] == "ok"
    nb = json.loads(again.read_text())
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1 and "200.0f64" in "".join(injected[0]["source"])


def test_bad_parameters_fail_before_anything_runs(tmp_path):
    notebook = str(ROOT / "notebooks" / "getting-started.ipynb")
    output = tmp_path / "never-written.ipynb"
    done = run(notebook, "-o", str(output), "-p", "p50_threshold_ms=abc")
    assert done.returncode == 3
    assert "`p50_threshold_ms`" in done.stderr and "not a valid f64" in done.stderr
    done = run(notebook, "-o", str(output), "-p", "region=eu-west-1")
    assert done.returncode == 3
    assert "unknown parameter `region`" in done.stderr and "service, p50_threshold_ms" in done.stderr
    assert not output.exists()


def test_failing_cell_exits_1_with_a_banner_and_partial_outputs():
    output = OUT / "kernel-panics.record.ipynb"
    done = run(str(HERE / "notebooks" / "kernel-panics.ipynb"), "-o", str(output))
    assert done.returncode == 1, done.stderr[-3000:]
    nb = json.loads(output.read_text())
    assert "playbook-error-banner" in nb["cells"][0]["metadata"]["tags"]
    assert "Panic" in "".join(nb["cells"][0]["source"])
    cells = code_cells(output)
    assert cells[0]["metadata"]["playbook"]["status"] == "ok"
    assert cells[1]["metadata"]["playbook"]["status"] == "failed"
    assert cells[1]["outputs"][0]["ename"] == "Panic"
    assert "playbook" not in cells[2]["metadata"]  # never ran
    assert nb["metadata"]["playbook"]["status"] == "failed"
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("failed at step 2 (") and last.endswith("): Panic (exit 1)"), done.stderr


def test_allow_errors_keeps_going_but_still_fails():
    output = OUT / "kernel-panics.allow-errors.ipynb"
    done = run(str(HERE / "notebooks" / "kernel-panics.ipynb"), "-o", str(output), "--allow-errors")
    assert done.returncode == 1
    cells = code_cells(output)
    assert "never reached" in json.dumps(cells[2]["outputs"])


def test_bad_input_exits_3_with_a_clear_message(tmp_path):
    done = run(str(tmp_path / "missing.ipynb"))
    assert done.returncode == 3
    assert "cannot read" in done.stderr and "missing.ipynb" in done.stderr
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ this is not json")
    done = run(str(broken))
    assert done.returncode == 3
    assert "not a notebook" in done.stderr and "invalid JSON" in done.stderr


def test_cell_timeout_stops_the_cell():
    output = OUT / "slow-step.timeout.ipynb"
    done = run(str(HERE / "notebooks" / "slow-step.ipynb"), "-o", str(output), "--cell-timeout", "5")
    assert done.returncode == 1, done.stderr[-3000:]
    cells = code_cells(output)
    assert cells[0]["metadata"]["playbook"]["status"] == "ok"
    assert cells[1]["metadata"]["playbook"]["status"] == "failed"
    assert "CellTimeout" in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("failed at step 2 (") and last.endswith("): CellTimeout (exit 1)"), done.stderr


def test_sigterm_mid_run_leaves_a_valid_partial_record():
    output = OUT / "slow-step.sigterm.ipynb"
    if output.exists():
        output.unlink()
    proc = subprocess.Popen(
        [PLAYBOOK, "run", str(HERE / "notebooks" / "slow-step.ipynb"), "-o", str(output)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    # Wait until the quick step is recorded, i.e. the slow step is running.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if output.exists():
            cells = code_cells(output)
            if cells[0].get("metadata", {}).get("playbook", {}).get("status") == "ok":
                break
        time.sleep(0.2)
    else:
        proc.kill()
        raise AssertionError("the quick step never completed")
    time.sleep(1)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr[-3000:]
    nbformat.validate(nbformat.read(output, as_version=4))
    nb = json.loads(output.read_text())
    assert nb["metadata"]["playbook"]["status"] == "interrupted"
    cells = code_cells(output)
    assert "quick step done" in json.dumps(cells[0]["outputs"])
    assert cells[1]["metadata"]["playbook"]["status"] == "interrupted"
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("interrupted at step 2 (") and last.endswith(") (exit 130)"), stderr


def test_secrets_are_masked_in_the_record():
    output = OUT / "secrets.record.ipynb"
    done = run(str(HERE / "notebooks" / "secrets.ipynb"), "-o", str(output))
    assert done.returncode == 0, done.stderr[-3000:]
    # Everything the record holds is masked, the cells' sources included (the run itself
    # executes them as written).
    text = json.dumps([c.get("outputs", []) for c in json.loads(output.read_text())["cells"]])
    assert "AKIAIOSFODNN7EXAMPLE" not in output.read_text()
    for secret in ("AKIAIOSFODNN7EXAMPLE", "hunter2", "pa55word", "abcdef123456789", "sk_live_0123456789"):
        assert secret not in text, secret
    assert "[masked by playbook]" in text
    assert "masked 4 secret(s)" in done.stderr
    assert "</p>" in text
    cells = code_cells(output)
    assert cells[0]["metadata"]["playbook"]["masked_secrets"] == 4
    assert cells[1]["metadata"]["playbook"]["masked_secrets"] == 2  # text/html and text/plain
