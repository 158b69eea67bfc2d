"""`playbook report`: the record as a document people read, as golden snapshots of the
shipped playbooks' records (made by `playbook run` on the bundled data), both formats;
Markdown's charts beside it; two runs compared; a post-incident review (`--postmortem`)
whose impact is checked against numbers computed here from the record's series.

Regenerate the snapshots after an intended change with UPDATE_GOLDEN=1. The records
themselves are inputs: regenerate one with
`playbook run notebooks/NAME.ipynb -o tests/golden/NAME.record.ipynb [-p …]`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import xml.dom.minidom
from pathlib import Path

import pytest

from conftest import OUT
from support import PLAYBOOK

GOLDEN = Path(__file__).parent / "golden"
# getting-started: a record from an older version (a [start, end] window, no per-cell
# checks); the others: the shipped playbooks, post-deploy on its good and bad deploys.
RECORDS = ["getting-started", "latency-spike", "post-deploy-good", "post-deploy-bad"]


def report(*args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run([PLAYBOOK, "report", *args], capture_output=True, text=True, timeout=timeout)


def assert_runs_and_loads_nothing(html: str) -> None:
    """No script, no remote resource in the head, and the policy that keeps it so."""
    head = html.split("</head>")[0]
    assert "<script" not in html and "http:" not in head and "https:" not in head
    assert "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; " in head, \
        "what a record's outputs hold runs nothing, even past the sanitiser"


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("name", RECORDS)
def test_report_matches_the_golden_snapshot(name, fmt):
    out = OUT / "report" / name
    out.mkdir(parents=True, exist_ok=True)
    output = out / f"report.{fmt}"
    done = report(str(GOLDEN / f"{name}.record.ipynb"), "--format", fmt, "-o", str(output))
    assert done.returncode == 0, done.stderr
    golden = GOLDEN / f"{name}.report.{fmt}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(output.read_text())
    assert output.read_text() == golden.read_text()


@pytest.mark.parametrize("name", RECORDS)
def test_html_report_is_well_formed_and_self_contained(name):
    html = (GOLDEN / f"{name}.report.html").read_text()
    xml.dom.minidom.parseString(html.replace("<!DOCTYPE html>", "").replace("&nbsp;", "&#160;"))
    assert_runs_and_loads_nothing(html)
    assert "bound to" not in html, "interactive hints stay out of reports"


def test_the_story_comes_first_and_each_verdict_links_to_its_evidence():
    html = (GOLDEN / "post-deploy-bad.report.html").read_text()
    order = [html.index(marker) for marker in
             ("<header class=\"card\">", "<section id=\"checks\">", "<nav class=\"toc\">",
              "id=\"step-1\"", "<section id=\"queries\"")]
    assert order == sorted(order), order
    card = html[:html.index("</header>")]
    assert "check failed" in card and "4 checks: 4 failed" in card
    assert "deploy_time&nbsp;=&nbsp;2026-11-12T14:05:00Z" in card, "the parameters in effect"
    assert "max_error_rate_pct&nbsp;=&nbsp;1.0" in card, "defaults too"
    # The verdicts link to the step that stated them, which has its prose.
    link = re.search(r'5xx rate after the deploy</td>.*?<a href="#(step-\d+)">', html)
    assert link, html[:3000]
    step = html[html.index(f'id="{link.group(1)}"'):]
    assert "Verdict: keep or roll back" in step[:600]
    # Every query of the appendix links back to a step.
    rows = re.findall(r'<tr id="query-\d+"><td>\d+</td><td>(.*?)</td>', html)
    assert rows and all(r.startswith('<a href="#step-') for r in rows)


def test_markdown_report_writes_its_charts_beside_it(tmp_path):
    output = tmp_path / "incident" / "report.md"
    done = report(str(GOLDEN / "latency-spike.record.ipynb"), "-o", str(output))
    assert done.returncode == 0, done.stderr
    text = output.read_text()
    charts = re.findall(r"!\[[^\]]*\]\((report\.files/step-\d+-\d+\.svg)\)", text)
    assert len(charts) >= 3, text
    for chart in charts:
        svg = (output.parent / chart).read_text()
        assert svg.startswith("<svg") and "</svg>" in svg
    assert len(text) < 40_000, "fits in a ticket"


def test_report_to_stdout_defaults_to_markdown():
    done = report(str(GOLDEN / "getting-started.record.ipynb"))
    assert done.returncode == 0
    assert done.stdout.startswith("# Getting started with Playbook (Rust)\n")
    assert "| ❌ FAIL | p50 latency | 118 ms | < 100 ms |" in done.stdout
    assert "## 6. Verdict — ok" in done.stdout


def test_two_runs_of_the_post_deploy_playbook_compared():
    # Either order: the earlier run is "before".
    done = report(str(GOLDEN / "post-deploy-bad.record.ipynb"), "--compare", str(GOLDEN / "post-deploy-good.record.ipynb"))
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "| deploy_time | 2026-11-09T15:10:00Z | **2026-11-12T14:05:00Z** |" in text, text
    assert re.search(r"\| 5xx rate after the deploy \| PASS \([\d.]+ %\) \| \*\*FAIL \([\d.]+ %\)\*\* \| verdict flipped \|", text), text
    # The error query of the after-window found nothing on the good deploy.
    assert re.search(r"\| Errors after the deploy: .*\(results\) \| 0 \| \*\*\d+\*\* \| \+\d+ \|", text), text
    # The numbers behind the chart of a step (the series the record keeps with it).
    assert re.search(r"\| Around the deploy: p99 latency \(max, Seconds\) \| [\d.]+ \| \*\*[\d.]+\*\* \| \+[\d.]+ \(\+[\d.]+ %\) \|", text), text
    html = OUT / "report" / "post-deploy.compare.html"
    html.parent.mkdir(parents=True, exist_ok=True)
    done = report(str(GOLDEN / "post-deploy-good.record.ipynb"), "--compare",
                  str(GOLDEN / "post-deploy-bad.record.ipynb"), "-o", str(html))
    assert done.returncode == 0, done.stderr
    page = html.read_text()
    assert '<tr class="changed"><td>5xx rate after the deploy</td>' in page
    # The same query in both runs, overlaid: the earlier window moved onto the later.
    charts = page[page.index("<h2>Charts, overlaid</h2>"):]
    assert "<svg" in charts and "p99 latency (before, moved +2d 22h 55m)" in charts


def test_a_markdown_comparison_writes_its_overlaid_charts_beside_it(tmp_path):
    output = tmp_path / "compare.md"
    done = report(str(GOLDEN / "post-deploy-good.record.ipynb"), "--compare",
                  str(GOLDEN / "post-deploy-bad.record.ipynb"), "-o", str(output))
    assert done.returncode == 0, done.stderr
    charts = re.findall(r"!\[overlaid chart \d+\]\((compare\.files/overlay-\d+\.svg)\)", output.read_text())
    assert charts, output.read_text()
    for chart in charts:
        svg = (tmp_path / chart).read_text()
        assert svg.startswith("<svg") and "p99 latency (before, moved +2d 22h 55m)" in svg


def test_records_of_different_notebooks_are_not_compared():
    done = report(str(GOLDEN / "latency-spike.record.ipynb"), "--compare", str(GOLDEN / "post-deploy-good.record.ipynb"))
    assert done.returncode == 3
    assert "different notebooks" in done.stderr and "same playbook" in done.stderr
    assert done.stdout == ""


def test_report_of_a_missing_record_is_a_clear_error(tmp_path):
    done = report(str(tmp_path / "none.ipynb"))
    assert done.returncode == 3
    assert "cannot read" in done.stderr and "none.ipynb" in done.stderr


# `playbook report --postmortem`: a post-incident review assembled from records.

def postmortem(*args: str) -> subprocess.CompletedProcess:
    return report("--postmortem", *args)


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_postmortem_matches_the_golden_snapshot(fmt):
    out = OUT / "report" / "postmortem"
    out.mkdir(parents=True, exist_ok=True)
    output = out / f"latency-spike.postmortem.{fmt}"
    done = postmortem(str(GOLDEN / "latency-spike.record.ipynb"), "--format", fmt, "-o", str(output))
    assert done.returncode == 0, done.stderr
    golden = GOLDEN / f"latency-spike.postmortem.{fmt}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(output.read_text())
    assert output.read_text() == golden.read_text()


def test_postmortem_html_is_well_formed_and_self_contained():
    html = (GOLDEN / "latency-spike.postmortem.html").read_text()
    xml.dom.minidom.parseString(html.replace("<!DOCTYPE html>", "").replace("&nbsp;", "&#160;"))
    assert_runs_and_loads_nothing(html)
    order = [html.index(f'<section id="{s}">') for s in
             ("records", "impact", "timeline", "cause", "what-went-well", "what-to-improve", "action-items")]
    assert order == sorted(order), order


def series_of(record: dict, label: str) -> list:
    """The first series labelled `label` the record's outputs carry."""
    for cell in record["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get("application/vnd.playbook.series+json")
            for series in json.loads(data) if isinstance(data, str) else data or []:
                if series["label"] == label:
                    return series
    raise AssertionError(label)


def test_postmortem_impact_is_computed_from_the_records_series():
    record = json.loads((GOLDEN / "latency-spike.record.ipynb").read_text())
    kpi = series_of(record, "p99 latency")
    base = series_of(record, "p99 latency (1 week earlier)")
    baseline = dict(zip(base["timestamps"], base["values"]))
    pairs = [(t, v, baseline[t]) for t, v in zip(kpi["timestamps"], kpi["values"]) if t in baseline]
    above = [(t, v - b) for t, v, b in pairs if v - b > 0.2 * b]
    period = 5  # minutes: the chart's p99 is at period=300
    peak_at, peak = max(((t, v - b) for t, v, b in pairs), key=lambda p: p[1])
    area = sum(e for _, e in above) * period
    done = postmortem(str(GOLDEN / "latency-spike.record.ipynb"))
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert f"| minutes above baseline (by more than 20 %) | {len(above) * period} min (points from {above[0][0]} to {above[-1][0]})" in text, text
    assert f"| peak excess | +{peak:.3f} Seconds at {peak_at} " in text, text
    assert f"| excess area (while above) | {area:.2f} Seconds·min |" in text, text
    assert f"| mean excess while above | +{area / (len(above) * period):.3f} Seconds |" in text, text


TIMELINE_ROW = re.compile(r"^\| (\d{4}-\d\d-\d\dT[\d:.]+Z) \| ([^|]+) \| ([^|]+) \|$", re.M)


def timeline_rows(markdown: str) -> tuple[list, list]:
    """(incident events, investigation events) of a Markdown review, as (time, kind, detail)."""
    incident, investigation = markdown.split("## Timeline", 1)[1].split("### Investigation", 1)
    investigation = investigation.split("\n## ", 1)[0]
    rows = lambda text: [(t, what.strip(), detail.strip()) for t, what, detail in TIMELINE_ROW.findall(text)]
    return rows(incident), rows(investigation)


def test_postmortem_timeline_has_the_alarms_deploys_and_checks_in_time_order():
    done = postmortem(str(GOLDEN / "latency-spike.record.ipynb"))
    incident, investigation = timeline_rows(done.stdout)
    for events in (incident, investigation):
        assert [t for t, _, _ in events] == sorted(t for t, _, _ in events)
    assert ("2026-11-12T14:05:00Z", "deploy", "event deploy, version v2.14.0, commit 3f9a1c2, actor ci") in incident
    assert ("2026-11-12T14:18:00Z", "**alarm**", "checkout-p99-latency-high: OK → ALARM") in incident
    assert ("2026-11-12T14:51:00Z", "alarm", "checkout-5xx-high: ALARM → OK") in incident
    checks = [e for e in investigation if e[1].startswith("check")]
    assert len(checks) == 4 and all(c[1] == "check ✅ PASS" for c in checks)


def test_postmortem_keeps_the_investigations_time_apart_from_the_incidents():
    """The baseline queries' windows a week earlier and the run's own start and end are not
    incident events: they are listed under Investigation, not in the incident's timeline."""
    done = postmortem(str(GOLDEN / "latency-spike.record.ipynb"))
    incident, investigation = timeline_rows(done.stdout)
    kinds = {kind for _, kind, _ in incident}
    assert kinds <= {"deploy", "alarm", "**alarm**", "impact began", "impact ended", "note"}, kinds
    window = ("2026-11-12T13:30:00Z", "2026-11-12T15:30:00Z")
    assert all(window[0] <= t <= window[1] for t, _, _ in incident), incident
    week_earlier = [t for t, kind, _ in investigation if kind == "query window" and t < window[0]]
    assert week_earlier == ["2026-10-30T13:30:00Z", "2026-11-05T13:30:00Z"], investigation
    assert [k for _, k, _ in investigation if k.startswith("run")] == ["run started", "run finished"]
    html = postmortem(str(GOLDEN / "latency-spike.record.ipynb"), "--format", "html").stdout
    timeline, rest = html.split('<h3 id="investigation">', 1)
    assert "run started" not in timeline and "run started" in rest.split("</section>", 1)[0]


def hidden_incident(path: Path) -> Path:
    """A record of a hidden incident: from 13:30, for 45 minutes, orders placed (a count per
    minute) drop by 40 % against a steady week-ago baseline of 100 while checkout latency
    rises from 0.2 s to 0.8 s; "widgets" (a count no rule knows) drop like the orders."""
    times = [f"2026-11-12T{13 + i // 60:02d}:{i % 60:02d}:00Z" for i in range(120)]

    def series(label, unit, normal, incident):
        values = [incident if 30 <= i < 75 else normal for i in range(120)]
        return {"label": label, "unit": unit, "timestamps": times, "values": values}

    def chart(name, kpi, baseline):
        return {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": f"// {name}\nchart()",
                "outputs": [{"output_type": "display_data", "metadata": {},
                             "data": {"text/plain": "chart",
                                      "application/vnd.playbook.series+json": [kpi, baseline]}}]}

    record = {"nbformat": 4, "nbformat_minor": 5,
              "metadata": {"playbook": {"status": "ok", "run_id": "r-9", "started": "2026-11-26T10:00:00Z",
                                        "finished": "2026-11-26T10:00:09Z", "tool_version": "0.1.0",
                                        "notebook": "orders.ipynb",
                                        "window": {"start": "2026-11-12T13:00:00Z", "end": "2026-11-12T15:00:00Z"}}},
              "cells": [{"cell_type": "markdown", "metadata": {}, "source": "# Orders dropped"},
                        chart("orders", series("orders placed", "Count", 100, 60),
                              series("orders placed (1 week earlier)", "Count", 100, 100)),
                        chart("latency", series("checkout latency", "Seconds", 0.2, 0.8),
                              series("checkout latency (1 week earlier)", "Seconds", 0.2, 0.2)),
                        chart("widgets", series("widgets", "Count", 100, 60),
                              series("widgets (1 week earlier)", "Count", 100, 100))]}
    path.write_text(json.dumps(record))
    return path


def impact_rows(markdown: str) -> dict:
    section = markdown.split("## Impact", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| ([^|]+) \| ([^|]+) \|$", section, re.M))


def test_postmortem_of_a_falling_kpi_reports_minutes_below_and_the_shortfall(tmp_path):
    record = str(hidden_incident(tmp_path / "orders.record.ipynb"))
    done = postmortem(record)
    assert done.returncode == 0, done.stderr
    rows = impact_rows(done.stdout)
    assert rows["which way is bad"].strip() == 'down is bad (its name: "order")'
    assert rows["minutes below baseline (by more than 20 %)"].startswith(
        "45 min (points from 2026-11-12T13:30:00Z to 2026-11-12T14:14:00Z)")
    # 40 orders short in each of 45 one-minute periods.
    assert rows["orders placed short by (Σ baseline − KPI of the points below)"].strip() == "1800 Count"
    assert rows["shortfall (while below)"].strip() == "1800 Count·min"
    assert "minutes above baseline (by more than 20 %)" not in rows
    incident, _ = timeline_rows(done.stdout)
    assert [(t, k) for t, k, _ in incident] == [("2026-11-12T13:30:00Z", "impact began"),
                                                ("2026-11-12T14:15:00Z", "impact ended")]


def test_postmortem_latency_of_the_same_incident_is_45_minutes_above(tmp_path):
    record = str(hidden_incident(tmp_path / "orders.record.ipynb"))
    rows = impact_rows(postmortem(record, "--kpi", "checkout latency").stdout)
    assert rows["which way is bad"].strip() == 'up is bad (its name: "latency")'
    assert rows["minutes above baseline (by more than 20 %)"].startswith("45 min")
    assert rows["excess area (while above)"].strip() == "27 Seconds·min"


def test_postmortem_of_a_kpi_of_unknown_direction_reports_both_and_kpi_direction_states_it(tmp_path):
    record = str(hidden_incident(tmp_path / "orders.record.ipynb"))
    done = postmortem(record, "--kpi", "widgets")
    rows = impact_rows(done.stdout)
    assert "unknown" in rows["which way is bad"] and "--kpi-direction" in rows["which way is bad"]
    assert rows["minutes above baseline (by more than 20 %)"].strip() == "0 min"
    assert rows["minutes below baseline (by more than 20 %)"].startswith("45 min")
    rows = impact_rows(postmortem(record, "--kpi", "widgets", "--kpi-direction", "down").stdout)
    assert rows["which way is bad"].strip() == "down is bad (stated with --kpi-direction)"
    assert "minutes above baseline (by more than 20 %)" not in rows
    # --kpi-direction says which way is bad for a KPI it names: alone, it is bad input.
    assert postmortem(record, "--kpi-direction", "down").returncode == 3
    assert postmortem(record, "--kpi", "widgets", "--kpi-direction", "sideways").returncode == 3


def test_postmortem_of_two_records_lists_both_in_run_order():
    done = postmortem(str(GOLDEN / "post-deploy-bad.record.ipynb"), str(GOLDEN / "latency-spike.record.ipynb"),
                      "--kpi", "no such series")
    assert done.returncode == 0, done.stderr
    records = re.findall(r"^\| (\d) \| ([\w.-]+\.ipynb) \|", done.stdout, re.M)
    # Numbered in the order they ran, whatever the order given.
    assert records == [("1", "latency-spike.record.ipynb"), ("2", "post-deploy-bad.record.ipynb")]
    assert "| time (UTC) | event | detail | record |" in done.stdout
    assert 'no chart in the records shows a series named "no such series"' in done.stdout


def test_postmortem_of_something_that_is_not_a_record_is_bad_input(tmp_path):
    done = postmortem(str(Path(__file__).parent.parent / "notebooks" / "latency-spike.ipynb"))
    assert done.returncode == 3
    assert "latency-spike.ipynb is not an incident record" in done.stderr and done.stdout == ""
    done = postmortem(str(GOLDEN / "latency-spike.record.ipynb"), str(tmp_path / "none.ipynb"))
    assert done.returncode == 3
    assert "cannot read" in done.stderr and "none.ipynb" in done.stderr
    (tmp_path / "broken.ipynb").write_text("{")
    assert postmortem(str(tmp_path / "broken.ipynb")).returncode == 3
    assert postmortem().returncode == 3, "--postmortem needs a record"
    assert report(str(GOLDEN / "latency-spike.record.ipynb"), "--kpi", "x").returncode == 3
