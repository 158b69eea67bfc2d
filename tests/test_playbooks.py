"""The bundled playbooks run green on the bundled data with `playbook run`, and their
records hold what an incident record must: the resolved window, every query, the
verdicts. The post-deployment playbook fails as a CI gate (exit 2) on the bad deploy."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from support import run_to_record

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
PLAYBOOKS = ["latency-spike", "error-spike", "post-deploy", "what-is-normal"]


_RUNS: dict[tuple, tuple[subprocess.CompletedProcess, dict]] = {}


def run(name: str, *params: str) -> tuple[subprocess.CompletedProcess, dict]:
    """Runs a playbook once per parameter set (tests share the record)."""
    key = (name, params)
    if key not in _RUNS:
        _RUNS[key] = _run(name, *params)
    return _RUNS[key]


def _run(name: str, *params: str) -> tuple[subprocess.CompletedProcess, dict]:
    env = dict(os.environ)
    env.pop("PLAYBOOK_SOURCE", None)
    return run_to_record(NOTEBOOKS / f"{name}.ipynb", *(a for p in params for a in ("-p", p)), env=env, timeout=900)


def errors_in(record: dict) -> list[str]:
    return [
        f"{o.get('ename')}: {o.get('evalue')}"
        for cell in record["cells"] if cell["cell_type"] == "code"
        for o in cell.get("outputs", []) if o["output_type"] == "error"
    ]


@pytest.mark.parametrize("name", PLAYBOOKS)
def test_each_playbook_runs_green_on_the_bundled_data(name):
    done, record = run(name)
    assert done.returncode == 0, f"{done.stderr[-3000:]}\n{errors_in(record)}"
    meta = record["metadata"]["playbook"]
    assert meta["status"] == "ok"
    assert meta["checks"], "a playbook states checks"
    assert all(c["verdict"] in ("pass", "warn") for c in meta["checks"]), meta["checks"]
    assert meta["source"].startswith("local:")
    assert meta["queries"], "the record lists the queries"
    for query in meta["queries"]:
        assert query["window"]["start"].endswith("Z") and query["window"]["end"].endswith("Z")
        assert query["status"] in ("ok", "truncated"), query
    svgs = [o for c in record["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])
            if "image/svg+xml" in o.get("data", {}) or "<svg" in str(o.get("data", {}).get("text/html", ""))]
    assert svgs, "charts render without a kernel (SVG in the record)"


def test_the_incident_record_states_window_queries_and_verdicts():
    done, record = run("latency-spike")
    assert done.returncode == 0, done.stderr[-3000:]
    meta = record["metadata"]["playbook"]
    # The session window is a TimeRange, written like every query's window (records
    # before the typed RunRecord wrote a [start, end] pair; `playbook report` reads both).
    assert meta["window"] == {"start": "2026-11-12T13:30:00Z", "end": "2026-11-12T15:30:00Z"}
    kinds = {q["kind"] for q in meta["queries"]}
    assert {"metrics", "logs_insights"} <= kinds
    insights = [q for q in meta["queries"] if q["kind"] == "logs_insights"]
    assert any("filter level = \"ERROR\"" in q["query"] for q in insights)
    assert any(q["groups"] == ["/deploys/checkout"] for q in insights)
    names = {c["name"]: c["verdict"] for c in meta["checks"]}
    assert names["p99 latency is back under target"] == "pass"
    assert names["a deploy preceded the spike"] == "pass"
    # Each query cell keeps its own queries in its metadata.
    per_cell = [c["metadata"]["playbook"].get("queries", []) for c in record["cells"] if c["cell_type"] == "code"]
    assert sum(len(q) for q in per_cell) == len(meta["queries"])
    assert "checks" in done.stderr.lower() or "check PASS" in done.stderr
    # Each check is attributed to the cell that stated it (the report links its evidence).
    stated = [n for c in record["cells"] if c["cell_type"] == "code"
              for n in c["metadata"]["playbook"].get("checks", [])]
    assert sorted(stated) == sorted(names)


def test_interactive_hints_stay_out_of_the_record():
    # `%%logs deploys = …` tells the person at the keyboard what it bound; the record
    # (shared with colleagues) keeps the result, not the hint.
    done, record = run("latency-spike")
    assert done.returncode == 0, done.stderr[-3000:]
    text = json.dumps(record)
    assert "deploys" in text and "bound to" not in text


def test_what_moved_first_is_the_database():
    done, record = run("latency-spike")
    text = "".join(
        "".join(o.get("text", "")) for c in record["cells"] if c["cell_type"] == "code"
        for o in c.get("outputs", []) if o["output_type"] == "stream"
    )
    onsets = [line for line in text.splitlines() if "leaves its recent range" in line]
    assert onsets and "db connections" in onsets[0], onsets


def test_post_deploy_gate_fails_on_the_bad_deploy():
    done, record = run("post-deploy", "deploy_time=2026-11-12T14:05:00Z")
    assert done.returncode == 2, done.stderr[-3000:]
    verdicts = {c["name"]: c["verdict"] for c in record["metadata"]["playbook"]["checks"]}
    assert verdicts["5xx rate after the deploy"] == "fail"
    assert verdicts["database connections (saturation)"] == "fail"


def test_the_error_spike_playbook_names_who_is_behind_the_errors():
    from test_contributors import expected_top

    done, record = run("error-spike")
    assert done.returncode == 0, done.stderr[-3000:]
    meta = record["metadata"]["playbook"]
    query = next(q for q in meta["queries"] if q["kind"] == "contributors")
    assert "checkout-5xx-by-route" in query["query"] and query["results"] == 5
    assert query["window"] == {"start": "2026-11-12T13:30:00Z", "end": "2026-11-12T15:30:00Z"}
    cell = next(c for c in record["cells"] if c.get("id") == "top-contributors")
    data = next(o["data"] for o in cell["outputs"] if "text/html" in o.get("data", {}))
    assert "image/svg+xml" in data and "<th>route</th><th>error</th>" in data["text/html"]
    expected, total, _ = expected_top("checkout-5xx-by-route", "2026-11-12T13:30:00Z", "2026-11-12T15:30:00Z")
    text = "".join(o.get("text", "") for o in cell["outputs"])
    label = " · ".join(expected[0][0])
    assert f"most failed requests: {label} ({100 * expected[0][1] / total:.0f}% of them)" in text, text
