"""Query cells (%%logs, %%metrics, %%events, %source, %window) through a real Jupyter
client on the bundled local data, a bound name used by a Rust cell, and the same engine
from a shell (`playbook query`). Expected numbers are computed here from the files."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import execute, outputs, start_kernel, stop_kernel
from support import PLAYBOOK

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "notebooks" / "data" / "checkout"
SOURCE = f"local:{DATA}"
START, END = "2026-11-12T14:00:00Z", "2026-11-12T15:00:00Z"


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def app_events():
    """Every event of the /ecs/checkout group, read independently of the engine."""
    for path in sorted((DATA / "logs" / "ecs" / "checkout").iterdir()):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def errors_in_window() -> dict[str, int]:
    start, end = parse_time(START), parse_time(END)
    counts: dict[str, int] = {}
    for event in app_events():
        if event["level"] == "ERROR" and start <= parse_time(event["timestamp"]) < end:
            counts[event["route"]] = counts.get(event["route"], 0) + 1
    return counts


@pytest.fixture(scope="module")
def qkernel():
    env = dict(os.environ)
    env["PLAYBOOK_SOURCE"] = SOURCE
    km, kc = start_kernel("query-cells", env=env)
    yield km, kc
    stop_kernel(km, kc)


def result_of(messages: list[dict]) -> dict:
    results = outputs(messages, "execute_result")
    assert results, messages
    return results[0]["data"]


def test_logs_cell_counts_what_the_files_hold(qkernel):
    _, kc = qkernel
    expected = errors_in_window()
    assert sum(expected.values()) > 0
    reply, messages = execute(
        kc,
        f"%%logs errors = --group /ecs/checkout --start {START} --end {END}\n"
        "filter level = \"ERROR\"\n| stats count(*) as n by route\n| sort n desc",
    )
    assert reply["content"]["status"] == "ok", reply["content"]
    data = result_of(messages)
    assert "<table>" in data["text/html"]
    # The hint is for the person at the keyboard: an output of its own, marked so that
    # records and reports leave it out (test_runner checks they do).
    hints = [o for o in outputs(messages, "display_data") if o.get("metadata", {}).get("playbook", {}).get("hint")]
    assert len(hints) == 1 and "bound to `errors` (LogTable)" in hints[0]["data"]["text/plain"], messages
    assert "bound to" not in data["text/plain"]
    top_route = max(expected, key=expected.get)
    assert top_route in data["text/plain"].splitlines()[1], data["text/plain"]

    # The bound name is a typed LogTable in the next Rust cell.
    reply, messages = execute(
        kc, 'let total: f64 = errors.numbers("n").iter().flatten().sum(); (errors.rows().len(), total)'
    )
    assert reply["content"]["status"] == "ok", reply["content"]
    assert result_of(messages)["text/plain"] == f"({len(expected)}, {float(sum(expected.values()))})"


def test_events_and_metrics_cells(qkernel):
    _, kc = qkernel
    reply, messages = execute(
        kc,
        f"%%events --group /ecs/checkout --pattern '{{ $.level = \"ERROR\" }}' --start {START} --end {END} --limit 5",
    )
    assert reply["content"]["status"] == "ok", reply["content"]
    text = result_of(messages)["text/plain"]
    assert "5 rows (TRUNCATED" in text, text

    reply, messages = execute(
        kc,
        f"%%metrics --start {START} --end {END} --period 300\n"
        "AWS/ApplicationELB RequestCount LoadBalancer=app/checkout-alb/5f3c2a1b9d8e7f60 TargetGroup=targetgroup/checkout-tg/8a7b6c5d4e3f2a10 Sum",
    )
    assert reply["content"]["status"] == "ok", reply["content"]
    data = result_of(messages)
    assert data["image/svg+xml"].startswith("<svg"), data.keys()
    assert "RequestCount Sum" in data["text/plain"]
    assert "count 12" in data["text/plain"], data["text/plain"]


def test_line_magics_set_the_window_for_later_cells(qkernel):
    _, kc = qkernel
    reply, messages = execute(kc, f"%window {START}..{END}\n%params")
    assert reply["content"]["status"] == "ok", reply["content"]
    text = result_of(messages)["text/plain"]
    assert "window: 2026-11-12T14:00:00Z .. 2026-11-12T15:00:00Z" in text, text
    reply, messages = execute(kc, "%%logs --group /ecs/checkout\nstats count(*) as n")
    assert reply["content"]["status"] == "ok", reply["content"]
    start, end = parse_time(START), parse_time(END)
    in_window = sum(1 for e in app_events() if start <= parse_time(e["timestamp"]) < end)
    assert f"\n{in_window}\n" in result_of(messages)["text/plain"] + "\n"
    reply, messages = execute(kc, "%queries")
    assert "logs_insights" in result_of(messages)["text/plain"]


def test_bad_magics_and_queries_fail_clearly_and_the_kernel_lives(qkernel):
    _, kc = qkernel
    reply, _ = execute(kc, "%%logs --since 3h\nfields @message")
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "MagicSyntaxError"
    assert "--group" in reply["content"]["evalue"]
    reply, _ = execute(kc, "%%logs --group /ecs/checkout --since 3h\nstats avg(latency_ms) by")
    assert reply["content"]["ename"] == "QuerySyntaxError"
    assert "col" in reply["content"]["evalue"]
    reply, _ = execute(kc, "%%logs --group /ecs/nope --since 3h\nfields @message")
    assert reply["content"]["ename"] == "NotFound"
    assert "/ecs/checkout" in reply["content"]["evalue"]
    reply, messages = execute(kc, "40 + 2")
    assert result_of(messages)["text/plain"] == "42"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PLAYBOOK, "query", *args], capture_output=True, text=True, timeout=120)


def test_query_logs_from_a_shell():
    expected = errors_in_window()
    done = run_cli(
        "logs", "--source", SOURCE, "--group", "/ecs/checkout", "--start", START, "--end", END, "--json",
        'filter level = "ERROR" | stats count(*) as n by route',
    )
    assert done.returncode == 0, done.stderr
    table = json.loads(done.stdout)
    got = {row[0]: int(row[1]) for row in table["rows"]}
    assert got == expected
    assert table["window"] == {"start": START, "end": END}


def test_query_metrics_and_errors_from_a_shell():
    done = run_cli(
        "metrics", "--source", SOURCE, "--namespace", "AWS/RDS", "--metric", "DatabaseConnections",
        "--dim", "DBInstanceIdentifier=checkout-db", "--stat", "Maximum", "--period", "600",
        "--start", START, "--end", END,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "DatabaseConnections Maximum (Count)"
    assert lines[-1] == "6 points"
    # A query or source that cannot work is bad input (3), as for `playbook run`.
    done = run_cli("logs", "--source", SOURCE, "--group", "/ecs/checkout", "--since", "1h", "stats count(*) by")
    assert done.returncode == 3
    assert "col" in done.stderr
    done = run_cli("logs", "--source", "s3://x", "--group", "g", "--since", "1h", "fields @message")
    assert done.returncode == 3
    assert "is not a source: use `cloudwatch`" in done.stderr and "or `local:DIR`" in done.stderr


def test_alarms_cell_gives_the_alarm_timeline(qkernel):
    _, kc = qkernel
    reply, messages = execute(kc, "%%alarms fired = --start 2026-11-12T13:30:00Z --end 2026-11-12T15:30:00Z")
    assert reply["content"]["status"] == "ok", reply["content"]
    text = result_of(messages)["text/plain"]
    assert "checkout-p99-latency-high: OK → ALARM" in text, text
    assert "checkout-p99-latency-high: ALARM → OK" in text, text
    reply, messages = execute(kc, 'fired.first_alarm("checkout-p99-latency-high").unwrap().to_rfc3339()')
    assert reply["content"]["status"] == "ok", reply["content"]
    # The p99 alarm needs 3 breaching minutes: the first at 14:15 from the data.
    first = result_of(messages)["text/plain"].strip('"')
    assert first.startswith("2026-11-12T14:1"), first


def test_query_alarms_from_a_shell_filters_by_state():
    done = run_cli("alarms", "--source", SOURCE, "--start", START, "--end", END, "--state", "ALARM", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["alarms"] == [], "every alarm is OK again by 15:00"


def test_pattern_clusters_the_errors_and_reads_as_patterns(qkernel):
    # The local source clusters with `pattern` (variable parts: runs holding a digit);
    # every error is in exactly one pattern, and the shares add up.
    _, kc = qkernel
    expected = sum(errors_in_window().values())
    reply, messages = execute(
        kc,
        f"%%logs clusters = --group /ecs/checkout --start {START} --end {END}\n"
        "filter level = \"ERROR\" | pattern error",
    )
    assert reply["content"]["status"] == "ok", reply["content"]
    data = result_of(messages)
    assert data["text/plain"].split()[:4] == ["@pattern", "@ratio", "@sampleCount", "@severityLabel"]
    assert "<code>" in data["text/html"] and "%</td>" in data["text/html"], data["text/html"][:2000]
    reply, messages = execute(
        kc, 'let n: f64 = clusters.numbers("@sampleCount").iter().flatten().sum(); '
            'let r: f64 = clusters.numbers("@ratio").iter().flatten().sum(); (n, (r * 1000.0).round())'
    )
    assert reply["content"]["status"] == "ok", reply["content"]
    assert result_of(messages)["text/plain"] == f"({float(expected)}, 1000.0)"
    # `diff` stays with CloudWatch, and says so.
    reply, messages = execute(
        kc, f"%%logs --group /ecs/checkout --start {START} --end {END}\npattern @message | diff")
    assert reply["content"]["status"] == "error"
    assert "`diff` is computed by CloudWatch Logs itself" in reply["content"]["evalue"], reply["content"]
