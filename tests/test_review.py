"""`playbook review`: the operations review, on a generated corpus of 2,000 records (plus
run summaries, a fleet summary and files that are not records) whose answers are known by
construction, read from a directory and from S3 (moto, started by the tests).

The records are real ones varied: each is `tests/golden/getting-started.record.ipynb`
(written by `playbook run` on the bundled data) with its run record rewritten — run id,
times, playbook, target, exit, checks, the alarm that started it, and a query log in the
shape of `post-deploy-good`'s. The corpus:

- `canary` on c01…c08, hourly, 200 runs each, ending 55 min before UNTIL; c08 stopped
  after its 150th run (50 h 55 m before UNTIL). c07 fails "p99 latency" every run; c05
  fails it on every other run from its 150th (flapping: 50 flips); c06 fails it for 10
  runs in a row (2 flips, not flapping); c03 fails "error rate" for 30 runs in a row. c02
  failed to run 5 times: exit 4 at runs 10, 20, 30, exit 5 at run 40, exit 1 at run 50.
  Every run queries A (200 ms; retried once on c04); c01's runs also query B (1000 +
  10·i ms).
- `gate` on prod-eu and prod-us, every 6 h, 150 runs each; prod-us fails "smoke test"
  every 25th run. Every run queries C (5 s). The even runs' records are written as an
  older version wrote them (no target, no exit class) and each has a run summary too.
- `respond` (alarm-driven, rule latency-rule), 100 runs over 6 days: run k started by
  HighLatency (k < 60) or ErrorBurst, the verdict 20 + k s after the alarm; runs 97…99
  failed to run (exit 4, query D throttled), every 5th run of the others failed "p99
  latency" (flapping: 39 flips). Every run queries D, retried twice.
- `backup` on vault, every 2 h, 50 runs, all ok.
- A fleet summary repeating two canary runs; a JSON file and a notebook that are not
  records, a truncated record, a text file and an HTML report.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from html import unescape
from pathlib import Path

import jsonschema
import pytest
from support import PLAYBOOK

GOLDEN = Path(__file__).parent / "golden"
SUMMARY_SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "run-summary.schema.json"
UNTIL = datetime(2026, 12, 1, tzinfo=timezone.utc)
UNTIL_TEXT = "2026-12-01T00:00:00Z"
BUCKET = "playbook-review"

QUERY_A = "AWS/ApplicationELB TargetResponseTime p99 period=60"
QUERY_B = "fields @timestamp, @message | filter @message like /slow/"
QUERY_C = "stats count(*) by bin(5m) | sort @timestamp"
QUERY_D = "SEARCH('{AWS/Lambda} Throttles', 'Sum', 60)"


def iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Run:
    playbook: str
    target: str
    started: datetime
    exit: int
    checks: list[tuple[str, str]]
    queries: list[dict]
    alarm: tuple[str, datetime] | None = None
    old_format: bool = False
    with_summary: bool = False
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def finished(self) -> datetime:
        return self.started + timedelta(seconds=30)


STATUS = {0: "ok", 2: "check failed", 1: "failed", 4: "failed", 5: "failed"}
EXIT_CLASS = {0: "ok", 1: "cell_failed", 2: "check_failed", 4: "source_unavailable", 5: "source_refused"}


def query(base: dict, kind: str, text: str, started: datetime, ms: int, retried: int = 0,
          throttled: bool = False) -> dict:
    """A query log entry in the shape of a real one (`base`), varied."""
    q = copy.deepcopy(base)
    q.update(kind=kind, query=text, started_at=iso(started), duration_ms=ms, api_calls=1 + retried)
    if retried:
        q["retried_calls"] = retried
    if throttled:
        q.update(status="failed", error="Rate exceeded", error_kind="throttled")
    return q


def corpus_runs() -> list[Run]:
    base = json.loads((GOLDEN / "post-deploy-good.record.ipynb").read_text())["metadata"]["playbook"]["queries"][0]
    runs: list[Run] = []
    for n in range(1, 9):
        target = f"c{n:02}"
        for i in range(150 if target == "c08" else 200):
            started = UNTIL - timedelta(hours=200 - i) + timedelta(minutes=5)
            exit = {10: 4, 20: 4, 30: 4, 40: 5, 50: 1}.get(i, 0) if target == "c02" else 0
            p99 = "fail" if (target == "c07" or (target == "c05" and i >= 150 and i % 2 == 0)
                             or (target == "c06" and 50 <= i < 60)) else "pass"
            errors = "fail" if target == "c03" and 100 <= i < 130 else "pass"
            checks = [] if exit else [("p99 latency", p99), ("error rate", errors)]
            if "fail" in (p99, errors) and not exit:
                exit = 2
            queries = [query(base, "metrics", QUERY_A, started, 200, retried=1 if target == "c04" else 0)]
            if target == "c01":
                queries.append(query(base, "logs_insights", QUERY_B, started, 1000 + 10 * i))
            runs.append(Run("canary", target, started, exit, checks, queries))
    for target in ("prod-eu", "prod-us"):
        for i in range(150):
            started = UNTIL - timedelta(hours=6 * (150 - i)) + timedelta(minutes=30)
            smoke = "fail" if target == "prod-us" and i % 25 == 0 else "pass"
            runs.append(Run("gate", target, started, 2 if smoke == "fail" else 0, [("smoke test", smoke)],
                            [query(base, "logs_insights", QUERY_C, started, 5000)],
                            old_format=i % 2 == 0, with_summary=i % 2 == 0))
    for k in range(100):
        started = UNTIL - timedelta(hours=144) + timedelta(seconds=5184 * k)
        alarm = ("HighLatency" if k < 60 else "ErrorBurst",
                 started + timedelta(seconds=30) - timedelta(seconds=20 + k))
        failed = k >= 97
        checks = [] if failed else [("p99 latency", "fail" if k % 5 == 0 else "pass")]
        exit = 4 if failed else (2 if k % 5 == 0 else 0)
        runs.append(Run("respond", "latency-rule", started, exit, checks,
                        [query(base, "metrics", QUERY_D, started, 800, retried=2, throttled=failed)],
                        alarm=alarm))
    for j in range(50):
        started = UNTIL - timedelta(hours=3) - timedelta(hours=2 * (49 - j))
        runs.append(Run("backup", "vault", started, 0, [("backup fresh", "pass")], []))
    assert len(runs) == 2000
    return runs


def cause(run: Run) -> dict:
    name, at = run.alarm
    return {
        "alarm": {"name": name, "account": "123456789012", "region": "us-east-1", "state": "ALARM",
                  "previous_state": "OK", "time": iso(at), "reason": "Threshold Crossed",
                  "kind": "metric", "namespace": "AWS/ApplicationELB", "metric": "TargetResponseTime",
                  "feed": "eventbridge"},
        "rule": {"name": "latency-rule", "file": "responders.yaml", "line": 3},
    }


def record(template: dict, run: Run, pad: str = "") -> dict:
    nb = copy.deepcopy(template)
    meta = nb["metadata"]["playbook"]
    meta.update(
        run_id=run.run_id, started=iso(run.started), finished=iso(run.finished), duration=30.0,
        notebook=f"/srv/playbooks/{run.playbook}.ipynb", status=STATUS[run.exit],
        checks=[{"name": n, "verdict": v, "observed": "1", "expected": "< 2"} for n, v in run.checks],
        queries=run.queries,
        failures=[] if run.exit in (0, 2) else [{"cell": 3, "ename": "SourceError", "evalue": "x"}],
    )
    if not run.old_format:
        meta.update(target=run.target, exit_class=EXIT_CLASS[run.exit])
    if run.alarm:
        meta["cause"] = cause(run)
    if pad:
        nb["cells"].append({"cell_type": "code", "execution_count": 1, "metadata": {}, "source": "x",
                            "outputs": [{"output_type": "stream", "name": "stdout", "text": pad}]})
    return nb


def summary(run: Run) -> dict:
    s = {
        "schema": "playbook.run-summary/1", "run_id": run.run_id,
        "notebook": f"/srv/playbooks/{run.playbook}.ipynb", "target": run.target, "parameters": {},
        "status": STATUS[run.exit], "exit_code": run.exit, "exit_class": EXIT_CLASS[run.exit],
        "retryable": run.exit == 4,
        "checks": [{"name": n, "verdict": v, "observed": "1", "expected": "< 2"} for n, v in run.checks],
        "started": iso(run.started), "finished": iso(run.finished), "duration": 30.0,
        "steps": [], "outputs": [], "deliveries": [], "retried_calls": 0,
    }
    jsonschema.validate(s, json.loads(SUMMARY_SCHEMA.read_text()))
    return s


def write_corpus(root: Path, runs: list[Run]) -> None:
    template = json.loads((GOLDEN / "getting-started.record.ipynb").read_text())
    for run in runs:
        d = root / run.playbook / run.target
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{run.started:%Y%m%dT%H%M}-{run.run_id}.ipynb").write_text(json.dumps(record(template, run)))
        if run.with_summary:
            (root / "summaries").mkdir(exist_ok=True)
            (root / "summaries" / f"{run.run_id}.json").write_text(json.dumps(summary(run)))
    c01 = [r for r in runs if r.target in ("c01", "c02")][-2:]
    fleet = {"schema": "playbook.fleet-summary/1", "notebook": "/srv/playbooks/canary.ipynb",
             "started": iso(c01[0].started), "finished": iso(c01[1].finished), "duration": 60.0,
             "exit_code": 0, "exit_class": "ok", "not_run": [],
             "targets": [{"name": r.target, **summary(r)} for r in c01]}
    (root / "fleet.json").write_text(json.dumps(fleet))
    (root / "foreign.json").write_text(json.dumps({"hello": "world"}))
    plain = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}
    (root / "plain.ipynb").write_text(json.dumps(plain))
    (root / "truncated.ipynb").write_text(json.dumps(record(template, runs[0]))[:500])
    (root / "notes.txt").write_text("not a record")
    (root / "report.html").write_text("<html></html>")


# --- reading the review back ---------------------------------------------------------------


def cells(line: str) -> list[str]:
    """A Markdown table row's cells, as text (escapes, entities and <code> undone)."""
    parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    out = []
    for p in parts:
        p = re.sub(r"^\*\*(.*)\*\*$", r"\1", re.sub(r"</?code>", "", p.strip()))
        out.append(re.sub(r"\\(.)", r"\1", unescape(p)))
    return out


def section(md: str, heading: str, level: int = 2) -> str:
    """The text under `heading` (at `level`) up to the next heading at that level or above."""
    match = re.search(rf"^#{{{level}}} {re.escape(heading)}\n(.*?)(?=^#{{1,{level}}} |\Z)", md, re.S | re.M)
    assert match, f"no section {heading!r} in:\n{md[:3000]}"
    return match.group(1)


def table(md: str, heading: str, sub: str | None = None) -> list[dict[str, str]]:
    text = section(md, heading)
    if sub:
        text = section(text, sub, level=3)
    lines = [l for l in text.splitlines() if l.startswith("|")]
    if not lines:
        return []
    head = cells(lines[0])
    return [dict(zip(head, cells(l))) for l in lines[2:]]


def review(*args: str | Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([PLAYBOOK, "review", *map(str, args)], capture_output=True, text=True,
                          timeout=600, env=env, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("records")
    runs = corpus_runs()
    write_corpus(root, runs)
    return root, runs


@pytest.fixture(scope="module")
def local_review(corpus, tmp_path_factory):
    root, _ = corpus
    out = tmp_path_factory.mktemp("review") / "review.md"
    done = review(root, "--until", UNTIL_TEXT, "-o", out)
    assert done.returncode == 0, done.stderr
    return out.read_text(), done


def series_counts(runs: list[Run]) -> dict[tuple[str, str], dict[str, int]]:
    out: dict[tuple[str, str], dict[str, int]] = {}
    for r in runs:
        c = out.setdefault((r.playbook, r.target), {"runs": 0, "ok": 0, "checks failed": 0, "failed to run": 0})
        c["runs"] += 1
        c[{0: "ok", 2: "checks failed"}.get(r.exit, "failed to run")] += 1
    return out


def assert_known_answers(md: str, runs: list[Run]) -> None:
    # Runs and verdicts per playbook and target.
    rows = {(r["playbook"], r["target"]): r for r in table(md, "Runs and verdicts per playbook and target")}
    expected = series_counts(runs)
    assert set(rows) == set(expected)
    for key, counts in expected.items():
        assert {k: int(rows[key][k]) for k in counts} == counts, key
    assert rows[("canary", "c07")]["recent"] == "✗" * 24
    assert rows[("canary", "c05")]["recent"] == "✗✓" * 12
    assert rows[("canary", "c08")]["last outcome"] == "ok"

    # The checks that fail most.
    failing = [(r["playbook"], r["check"], int(r["failed"]), int(r["runs"]), int(r["targets"]))
               for r in table(md, "Checks that fail most")]
    assert failing == [("canary", "p99 latency", 235, 1545, 3), ("canary", "error rate", 30, 1545, 1),
                       ("respond", "p99 latency", 20, 97, 1), ("gate", "smoke test", 6, 300, 1)]

    # Flapping checks: c05's p99 and the alarm-driven runs' p99; not c06's one incident.
    flapping = [(r["playbook"], r["target"], r["check"], int(r["flips"]), int(r["runs"]), int(r["failed"]))
                for r in table(md, "Flapping checks")]
    assert flapping == [("canary", "c05", "p99 latency", 50, 200, 25),
                        ("respond", "latency-rule", "p99 latency", 39, 97, 20)]

    # Time from alarm to verdict (nearest-rank percentiles of 20 + k s).
    alarms = {r["alarm"]: r for r in table(md, "Time from alarm to verdict")}
    assert {k: (v["runs"], v["with a verdict"], v["median"], v["p90"], v["slowest"]) for k, v in alarms.items()} == {
        "all alarms": ("100", "97", "1 m 08 s", "1 m 47 s", "1 m 56 s"),
        "ErrorBurst": ("40", "37", "1 m 38 s", "1 m 53 s", "1 m 56 s"),
        "HighLatency": ("60", "60", "49 s", "1 m 13 s", "1 m 19 s"),
    }

    # The slowest and the most throttled queries.
    slowest = [(r["playbook"], r["query"], r["runs"], r["mean"], r["slowest"])
               for r in table(md, "Slowest and most throttled queries", "Slowest")]
    assert slowest == [("gate", QUERY_C, "300", "5.0 s", "5.0 s"), ("canary", QUERY_B, "200", "2.0 s", "3.0 s"),
                       ("respond", QUERY_D, "100", "0.8 s", "0.8 s"), ("canary", QUERY_A, "1550", "0.2 s", "0.2 s")]
    throttled = [(r["playbook"], r["query"], r["retried calls"], r["failed throttled"])
                 for r in table(md, "Slowest and most throttled queries", "Most throttled")]
    assert throttled == [("respond", QUERY_D, "200", "3"), ("canary", QUERY_A, "200", "0")]

    # Failed to run (1/4/5) versus checks failed (2).
    exits = {r["playbook"]: r for r in table(md, "Failed to run versus checks failed")}
    got = {p: tuple(int(r[k]) for k in ("runs", "ok (0)", "checks failed (2)", "cell failed (1)",
                                         "source unavailable (4)", "refused (5)", "other"))
           for p, r in exits.items()}
    assert got == {"backup": (50, 50, 0, 0, 0, 0, 0), "canary": (1550, 1280, 265, 1, 3, 1, 0),
                   "gate": (300, 294, 6, 0, 0, 0, 0), "respond": (100, 77, 20, 0, 3, 0, 0)}

    # Targets that stopped reporting: c08 alone.
    stopped = [(r["playbook"], r["target"], r["usual interval"], r["quiet for"], r["runs"])
               for r in table(md, "Targets that stopped reporting")]
    assert stopped == [("canary", "c08", "1 h 00 m", "2 d 2 h", "150")]

    # Each measure says what it means and what to do.
    assert md.count("**What to do:**") == 7


def test_the_review_of_2000_records_gives_each_measure_s_known_answer(corpus, local_review):
    _, runs = corpus
    md, done = local_review
    assert_known_answers(md, runs)
    assert "- **Runs:** 2000 runs of 4 playbooks on 12 targets: 1701 ok, 291 checks failed, 8 failed to run, 0 other" in md
    # 150 gate runs read twice (record and summary), 2 canary runs (the fleet summary).
    assert "2000 records, 150 run summaries, 1 fleet summaries; 152 runs read twice, counted once" in md


def test_files_that_are_not_records_are_skipped_with_a_note(local_review):
    md, done = local_review
    notes = {Path(r["file"]).name: r["why"] for r in table(md, "Notes")}
    assert set(notes) == {"foreign.json", "plain.ipynb", "truncated.ipynb"}, notes
    assert "neither a record nor a summary" in notes["foreign.json"]
    assert "without a run record" in notes["plain.ipynb"]
    assert notes["truncated.ipynb"].startswith("not JSON")
    assert "2 other files (neither .ipynb nor .json) were passed over" in md
    for name in notes:
        assert re.search(rf"^playbook review: skipped \S*/{re.escape(name)}: ", done.stderr, re.M), done.stderr


def test_since_keeps_the_runs_of_the_period_and_still_sees_who_went_quiet(corpus, tmp_path):
    root, runs = corpus
    out = tmp_path / "week.md"
    done = review(root, "--since", "7d", "--until", UNTIL_TEXT, "-o", out)
    assert done.returncode == 0, done.stderr
    md = out.read_text()
    since = UNTIL - timedelta(days=7)
    inside = [r for r in runs if r.started >= since]
    rows = {(r["playbook"], r["target"]): int(r["runs"]) for r in table(md, "Runs and verdicts per playbook and target")}
    assert rows == {k: v["runs"] for k, v in series_counts(inside).items()}
    assert rows[("gate", "prod-eu")] == 28 and rows[("canary", "c01")] == 168
    assert f"- **Runs:** {len(inside)} runs" in md
    assert f"{len(runs) - len(inside)} runs before it" in md
    stopped = [(r["target"], r["quiet for"]) for r in table(md, "Targets that stopped reporting")]
    assert stopped == [("c08", "2 d 2 h")]
    # A period before every run: nothing in it, every target quiet.
    early = tmp_path / "early.html"
    done = review(root, "--since", "2026-01-01", "--until", "2026-01-02", "-o", early)
    assert done.returncode == 0, done.stderr
    assert "No runs in this period." in early.read_text()


def test_the_html_review_is_the_same_document(corpus, tmp_path):
    root, _ = corpus
    out = tmp_path / "review.html"
    done = review(root, "--until", UNTIL_TEXT, "-o", out)
    assert done.returncode == 0, done.stderr
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in html
    for heading in ("Flapping checks", "Targets that stopped reporting", "Time from alarm to verdict"):
        assert heading in html
    assert "<svg" in html, "the runs-per-day chart is inline"
    assert "<script" not in html


def test_bad_arguments_are_exit_3(corpus, tmp_path):
    root, _ = corpus
    for args in ([tmp_path / "missing"], [root, "--since", "soon"], [root, "--since", "0d"],
                 [root, "--until", "yesterday-ish"], [root, "--max-records", "0"], [],
                 [root, "--format", "pdf"], ["s3://"]):
        done = review(*args)
        assert done.returncode == 3, (args, done.stderr)
        assert "panicked" not in done.stderr


def test_memory_stays_bounded_while_reading_large_records(tmp_path):
    """150 records of 1 MiB each: the review reads them one at a time (peak memory far
    below the corpus' 150 MiB). Measured by the child's peak RSS, not by time."""
    template = json.loads((GOLDEN / "getting-started.record.ipynb").read_text())
    base = json.loads((GOLDEN / "post-deploy-good.record.ipynb").read_text())["metadata"]["playbook"]["queries"][0]
    pad = "x" * (1 << 20)
    for i in range(150):
        started = UNTIL - timedelta(hours=150 - i)
        run = Run("canary", "big", started, 0, [("p99 latency", "pass")],
                  [query(base, "metrics", QUERY_A, started, 100)])
        (tmp_path / f"{i:03}.ipynb").write_text(json.dumps(record(template, run, pad=pad)))
    out = tmp_path / "big.md"
    measure = ("import resource, subprocess, sys; "
               "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode; "
               "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", measure, PLAYBOOK, "review", str(tmp_path),
                           "--until", UNTIL_TEXT, "-o", str(out)], capture_output=True, text=True, timeout=600)
    code, peak_kib = map(int, done.stdout.split())
    assert code == 0, done.stderr
    assert "- **Runs:** 150 runs" in out.read_text()
    assert peak_kib < 100 * 1024, f"peak RSS {peak_kib} KiB for 150 MiB of records"


# --- S3 --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_corpus(moto, corpus):
    root, runs = corpus
    s3 = moto.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    for path in sorted(root.rglob("*")):
        if path.is_file():
            s3.put_object(Bucket=BUCKET, Key=f"ops/{path.relative_to(root)}", Body=path.read_bytes())
    return moto, runs


def test_the_review_of_records_in_s3_gives_the_same_answers(s3_corpus, tmp_path, local_review):
    moto, runs = s3_corpus
    out = tmp_path / "s3.md"
    done = review(f"s3://{BUCKET}/ops/", "--until", UNTIL_TEXT, "-o", out, env=moto.playbook_env())
    assert done.returncode == 0, done.stderr
    md = out.read_text()
    assert_known_answers(md, runs)
    # Page after page (2,000+ keys, 1,000 a page), and the same notes as on disk.
    notes = {r["file"] for r in table(md, "Notes")}
    assert notes == {f"s3://{BUCKET}/ops/{n}" for n in ("foreign.json", "plain.ipynb", "truncated.ipynb")}
    local, _ = local_review
    strip = lambda text: re.sub(r"^- \*\*Read:\*\*.*$|^\|.*(foreign|plain|truncated).*$|^!\[.*$", "", text,
                                flags=re.M)
    assert strip(md) == strip(local)


def test_an_s3_review_stops_at_max_records_and_says_so(s3_corpus, tmp_path):
    moto, _ = s3_corpus
    out = tmp_path / "capped.md"
    done = review(f"s3://{BUCKET}/ops/", "--until", UNTIL_TEXT, "--max-records", "1500", "-o", out,
                  env=moto.playbook_env())
    assert done.returncode == 0, done.stderr
    md = out.read_text()
    assert "The review stopped after 1500 files (--max-records)" in md
    files = re.search(r"- \*\*Files:\*\* (\d+) records, (\d+) run summaries, (\d+) fleet", md)
    assert sum(map(int, files.groups())) + len(table(md, "Notes")) == 1500


def test_a_missing_bucket_is_a_refusal_not_a_crash(moto, tmp_path):
    done = review("s3://no-such-bucket-here/ops/", "-o", tmp_path / "x.md", env=moto.playbook_env())
    assert done.returncode == 5, done.stderr
    assert "ListObjectsV2" in done.stderr or "NoSuchBucket" in done.stderr
    assert not (tmp_path / "x.md").exists()
