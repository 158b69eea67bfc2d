"""What a first playbook's author sees (issue 31, items 2-4), through the real binary:

- a cell waiting for the cell library's build (here a stale cache: a copy of the
  installed template recorded as built by another version) shows an updatable display
  after a second, replaced by what the build took when it is done; a headless run charges
  the build to a line of its own in the record and the report, not to a step;
- verdict lines carry the observed and expected values, in the cell and in `playbook
  run`'s output, which ends with how the run finished and its exit code;
- an empty answer says why in the cell: the engine's note on dimensions that do not
  match (a query cell and a Rust query call), and for a local source with no data in the
  window, the time range it holds.

Asserted on what is shown and recorded, never on timings."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import OUT, STARTUP_TIMEOUT, execute, notebook, outputs, start_kernel, stop_kernel
from support import PLAYBOOK, run_playbook
from test_cell_template import launch, short_cache, stale_copy_of_the_template, stop

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "notebooks" / "data" / "checkout"
SOURCE = f"local:{DATA}"
START, END = "2026-11-12T14:00:00Z", "2026-11-12T15:00:00Z"
REBUILDING = "rebuilding the cell library (the prebuilt one no longer fits this playbook), ~20 s"


def make_stale(template: Path) -> None:
    """Records `template` as built by another version (so the next start rebuilds it)."""
    record = template / ".playbook-built-for.json"
    built_for = json.loads(record.read_text())
    built_for["kernel"] = "0.0.0-stale"
    record.write_text(json.dumps(built_for))


def test_a_library_build_shows_in_the_waiting_cell_and_is_its_own_line_in_a_run(tmp_path):
    cache = short_cache(tmp_path)
    try:
        template = stale_copy_of_the_template(cache)
        km, kc = launch(cache, tmp_path / "kernel.log")
        try:
            kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
            # Sent at once: the cell waits for the rebuild the kernel's start began.
            reply, messages = execute(kc, 'playbook::html::escape("<ok>")', timeout=STARTUP_TIMEOUT)
        finally:
            stop(km, kc)
        assert reply["content"]["status"] == "ok", reply["content"]
        shown = [m["content"] for m in messages if m["msg_type"] == "display_data"
                 and (m["content"].get("transient") or {}).get("display_id", "").startswith("playbook-library-build")]
        assert len(shown) == 1, [m["msg_type"] for m in messages]
        assert shown[0]["data"]["text/plain"].startswith(REBUILDING), shown[0]["data"]
        display_id = shown[0]["transient"]["display_id"]
        updates = outputs(messages, "update_display_data")
        assert updates and all(u["transient"]["display_id"] == display_id for u in updates), updates
        assert updates[-1]["data"]["text/plain"].startswith("built the cell library in "), updates[-1]
        assert "(the prebuilt one no longer fits this playbook)" in updates[-1]["data"]["text/plain"]
        kinds = [m["msg_type"] for m in messages]
        assert kinds.index("display_data") < kinds.index("execute_result"), kinds
        assert max(i for i, k in enumerate(kinds) if k == "update_display_data") < kinds.index("execute_result")

        # Headless, on the same cache made stale again: the build is a line of its own.
        make_stale(template)
        nb = notebook(tmp_path / "built.ipynb", "let n: u64 = 6 * 7;\nn", parameters="let service = \"checkout\";")
        record_path = tmp_path / "built.record.ipynb"
        done = run_playbook(nb, "-o", record_path, env={**os.environ, "PLAYBOOK_CACHE": str(cache)})
        assert done.returncode == 0, done.stderr[-3000:]
        assert REBUILDING in done.stderr, done.stderr
        record = json.loads(record_path.read_text())
        builds = record["metadata"]["playbook"]["library_builds"]
        assert len(builds) == 1, builds
        assert builds[0]["reason"] == "the prebuilt one no longer fits this playbook"
        assert builds[0]["seconds"] > 0 and "during_step" not in builds[0]
        assert "before the first step; not counted in any step" in done.stderr
        # The display is for the person at the keyboard: no cell's output holds it.
        assert "building the cell library" not in json.dumps([c.get("outputs") for c in record["cells"]])
        report = tmp_path / "built.report.md"
        made = subprocess.run([PLAYBOOK, "report", str(record_path), "-o", str(report)],
                              capture_output=True, text=True, timeout=120)
        assert made.returncode == 0, made.stderr
        text = report.read_text()
        assert "Cell library" in text and "not counted in any step" in text, text[:2000]
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def last_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


def test_verdict_lines_carry_the_values_and_the_run_says_how_it_finished(tmp_path):
    checks = """
let p99: f64 = 812.0;
Check::new("p99 latency under target").unit("ms").expect_below(p99, 500.0);
Check::new("errors under budget").expect_at_most(3, 10)
"""
    nb = notebook(tmp_path / "verdicts.ipynb", checks)
    done = run_playbook(nb, "-o", tmp_path / "verdicts.record.ipynb")
    assert done.returncode == 2, done.stderr[-3000:]
    # In the cell: the check stated as a statement gets its verdict line; the one that is
    # the cell's result shows itself.
    record = json.loads((tmp_path / "verdicts.record.ipynb").read_text())
    shown = json.dumps([c.get("outputs") for c in record["cells"]], ensure_ascii=False)
    assert "check FAIL: p99 latency under target — observed 812 ms, expected < 500 ms" in shown, shown
    assert "PASS errors under budget: observed 3, expected <= 10" in shown, shown
    assert "check FAIL: p99 latency under target — observed 812 ms, expected < 500 ms" in done.stderr
    assert "check PASS: errors under budget — observed 3, expected <= 10" in done.stderr
    assert last_line(done.stderr) == "finished: 1 of 2 checks failed (exit 2)", done.stderr
    assert "stopped in" not in done.stderr

    nb = notebook(tmp_path / "green.ipynb", 'Check::new("errors under budget").expect_at_most(3, 10)')
    done = run_playbook(nb, "-o", tmp_path / "green.record.ipynb")
    assert done.returncode == 0, done.stderr[-3000:]
    assert last_line(done.stderr) == "finished: the check passed (exit 0)", done.stderr

    nb = notebook(tmp_path / "broken.ipynb", "let a: u8 = 1;", 'panic!("boom")', "1")
    done = run_playbook(nb, "-o", tmp_path / "broken.record.ipynb")
    assert done.returncode == 1, done.stderr[-3000:]
    assert last_line(done.stderr).startswith("failed at step 2 ("), done.stderr
    assert last_line(done.stderr).endswith("): Panic (exit 1)"), done.stderr


@pytest.fixture(scope="module")
def local_kernel():
    km, kc = start_kernel("first-playbook", env={**os.environ, "PLAYBOOK_SOURCE": SOURCE})
    yield kc
    stop_kernel(km, kc)


def notes_of(messages: list[dict]) -> str:
    return "\n".join(d["data"]["text/plain"] for d in outputs(messages, "display_data")
                     if d["data"].get("text/plain", "").startswith("note: "))


def test_a_check_in_a_kernel_shows_its_values(local_kernel):
    reply, messages = execute(
        local_kernel, 'Check::new("p99 latency under target").unit("ms").expect_below(812.0, 500.0)')
    assert reply["content"]["status"] == "ok", reply["content"]
    result = outputs(messages, "execute_result")[0]["data"]["text/plain"]
    assert result == "FAIL p99 latency under target: observed 812 ms, expected < 500 ms", result
    # Checks stated as statements: their verdict lines follow the cell's result.
    reply, messages = execute(local_kernel, """
Check::new("errors under budget").expect_at_most(3, 10);
Check::new("p99 latency under target").unit("ms").expect_below(812.0, 500.0);
42""")
    assert reply["content"]["status"] == "ok", reply["content"]
    lines = [d["data"]["text/plain"] for d in outputs(messages, "display_data")]
    assert ("check PASS: errors under budget — observed 3, expected <= 10\n"
            "check FAIL: p99 latency under target — observed 812 ms, expected < 500 ms") in lines, lines


def test_an_answer_without_matching_dimensions_says_why_in_the_cell(local_kernel):
    # The load balancer's RequestCount, its dimensions forgotten: no exact match.
    reply, messages = execute(
        local_kernel,
        f"%%metrics --start {START} --end {END} --period 300\nAWS/ApplicationELB RequestCount Sum")
    assert reply["content"]["status"] == "ok", reply["content"]
    notes = notes_of(messages)
    assert "dimensions must match exactly" in notes, [m["msg_type"] for m in messages]
    assert "dimension sets there: [LoadBalancer=app/checkout-alb/5f3c2a1b9d8e7f60" in notes, notes
    kinds = [m["msg_type"] for m in messages]
    assert kinds.index("execute_result") < kinds.index("display_data"), "the note follows the answer"

    # The same from a Rust query call.
    reply, messages = execute(
        local_kernel,
        f'metric("AWS/ApplicationELB", "RequestCount").stat("Sum").between("{START}", "{END}").fetch()?.len()')
    assert reply["content"]["status"] == "ok", reply["content"]
    assert "dimensions must match exactly" in notes_of(messages), messages


def test_a_local_source_with_no_data_in_the_window_names_the_range_it_holds(local_kernel):
    # No %window: the default last hours, long after the bundled incident.
    reply, messages = execute(local_kernel, "%%logs --group /ecs/checkout\nstats count(*) as n")
    assert reply["content"]["status"] == "ok", reply["content"]
    notes = notes_of(messages)
    assert "no events of /ecs/checkout in " in notes, notes
    # The first and last events of the group's three streams.
    assert f"{SOURCE} holds its events from 2026-11-12T12:00:02.068Z to 2026-11-12T17:59:59.451Z" in notes, notes
    assert "%window START..END" in notes
