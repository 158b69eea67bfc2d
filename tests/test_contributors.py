"""Top contributors (Contributor Insights) from every front door: a Rust cell
(`contributors(rule)`), a `%%contributors` query cell and `playbook query contributors`.

- Local source: the bundled rules (notebooks/data/checkout/insight-rules) evaluated over
  the bundled logs, checked against the same rules evaluated here, independently.
- CloudWatch: moto keeps rules (PutInsightRule) but has no GetInsightRuleReport, so the
  test proxy answers it in the CloudWatch model's output shape (tests/aws/insight_reports.py)
  from contributions set here; what the SDK sent and how the answer is read are checked.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat

from conftest import OUT, execute, notebook, outputs, start_kernel, stop_kernel
from support import PLAYBOOK, run_playbook

START, END = "2026-11-12T14:00:00Z", "2026-11-12T16:00:00Z"
RULE = "checkout-5xx-by-route"
DATA = Path(__file__).resolve().parent.parent / "notebooks" / "data" / "checkout"


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def expected_top(rule_name: str, start: str, end: str, order: str = "Sum") -> tuple[list, float, int]:
    """The rule evaluated here over the bundled JSON logs: [(keys, value)], total, unique."""
    rule = json.loads((DATA / "insight-rules" / f"{rule_name}.json").read_text())
    contribution = rule["Contribution"]
    lo, hi = _ms(start), _ms(end)
    slots: dict[tuple, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for path in sorted((DATA / "logs" / "ecs" / "checkout").glob("*.jsonl.gz")):
        for line in gzip.open(path, "rt"):
            event = json.loads(line)
            at = _ms(event["timestamp"])
            if not lo <= at < hi:
                continue
            ok = True
            for f in contribution.get("Filters", []):
                value = event.get(f["Match"][2:])
                if "GreaterThan" in f:
                    ok &= isinstance(value, (int, float)) and value > f["GreaterThan"]
                if "IsPresent" in f:
                    ok &= (value is not None) == f["IsPresent"]
            keys = tuple(event.get(k[2:]) for k in contribution["Keys"])
            if not ok or None in keys:
                continue
            value = 1.0 if rule["AggregateOn"] == "Count" else float(event[contribution["ValueOf"][2:]])
            slots[tuple(str(k) for k in keys)][at // 60_000] += value
    ranked = [(list(k), sum(v.values()) if order == "Sum" else max(v.values())) for k, v in slots.items()]
    ranked.sort(key=lambda kv: (-kv[1], kv[0]))
    total = sum(sum(v.values()) for v in slots.values())
    return ranked, total, len(slots)


def query(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([PLAYBOOK, "query", "contributors", *args], capture_output=True, text=True,
                          env=env, timeout=120, stdin=subprocess.DEVNULL)


def test_the_shell_gives_the_bundled_rules_top_contributors():
    expected, total, unique = expected_top(RULE, START, END)
    done = query(RULE, "--source", f"local:{DATA}", "--start", START, "--end", END, "--top", "3", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [(c["keys"], c["value"]) for c in report["contributors"]] == expected[:3]
    assert (report["total"], report["unique_contributors"]) == (total, unique)
    assert report["key_labels"] == ["route", "error"] and report["aggregation"] == "Count"
    # The table says the same, with each one's share of the total.
    table = query(RULE, "--source", f"local:{DATA}", "--start", START, "--end", END, "--top", "3")
    first = table.stdout.splitlines()[1]
    share = 100 * expected[0][1] / total
    assert f"{share:.1f}%" in first and " · ".join(expected[0][0]) in first, table.stdout

    # A sum rule ranked by its highest minute.
    sums, _, _ = expected_top("checkout-latency-by-task", START, END, order="Maximum")
    done = query("checkout-latency-by-task", "--source", f"local:{DATA}", "--start", START, "--end", END,
                 "--order-by", "maximum", "--json")
    assert done.returncode == 0, done.stderr
    assert [(c["keys"], c["value"]) for c in json.loads(done.stdout)["contributors"]] == sums


def test_bad_rules_and_options_are_refused_with_what_to_do(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("metrics"))
    (data / "insight-rules" / "broken.json").write_text('{"Schema": {"Name": "CloudWatchLogRule", "Version": 1}')
    done = query("broken", "--source", f"local:{data}", "--since", f"{START}..{END}")
    assert done.returncode == 3 and "rule broken:" in done.stderr, done.stderr
    done = query("nope", "--source", f"local:{data}", "--since", f"{START}..{END}")
    assert "rules there: broken, checkout-5xx-by-route" in done.stderr, done.stderr
    done = query(RULE, "--source", f"local:{data}", "--top", "101")
    assert done.returncode == 3 and "1 to 100" in done.stderr, done.stderr


def test_cells_show_the_table_and_chart_and_bind_the_report():
    expected, _, _ = expected_top(RULE, START, END)
    km, kc = start_kernel("contributors")
    try:
        reply, messages = execute(kc, f"%source local:{DATA}")
        assert reply["content"]["status"] == "ok"
        reply, messages = execute(kc, f"%%contributors top = {RULE} --top 5 --start {START} --end {END}")
        assert reply["content"]["status"] == "ok", reply
        shown = outputs(messages, "execute_result") + outputs(messages, "display_data")
        bundle = next(c["data"] for c in shown if "text/html" in c["data"])
        assert "image/svg+xml" in bundle and "<th>route</th><th>error</th>" in bundle["text/html"]
        assert " · ".join(expected[0][0]) in bundle["text/plain"]
        reply, messages = execute(kc, f"""
let bound: TopContributors = playbook::bindings::fetch("top")?;
let again = contributors("{RULE}").top(2).between("{START}", "{END}").run()?;
{{
    let first = again.first().unwrap();
    println!("TOP {{}} {{}} {{}}", first.label(), first.value, again.series().len());
    assert_eq!(bound.contributors[0].keys, first.keys);
}}
""", timeout=300)
        assert reply["content"]["status"] == "ok", [m["content"] for m in messages]
        text = "".join(c["text"] for c in outputs(messages, "stream"))
        assert f"TOP {' · '.join(expected[0][0])} {expected[0][1]:.0f} 2" in text, text
    finally:
        stop_kernel(km, kc)


def test_cloudwatch_reports_are_asked_and_read_as_the_api_documents(moto):
    moto.reset()
    cw = moto.client("cloudwatch")
    definition = {"Schema": {"Name": "CloudWatchLogRule", "Version": 1}, "LogGroupNames": ["/ecs/checkout"],
                  "LogFormat": "JSON", "AggregateOn": "Count",
                  "Contribution": {"Keys": ["$.route", "$.error"], "Filters": [{"Match": "$.status", "GreaterThan": 499}]}}
    cw.put_insight_rule(RuleName=RULE, RuleState="ENABLED", RuleDefinition=json.dumps(definition))
    t0 = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(hours=2)
    at = lambda minutes: (t0 + timedelta(minutes=minutes)).timestamp()  # noqa: E731
    # In the hour from t0: /pay 5+5+5 (highest minute 5), /cart 12 in one minute, /orders 1;
    # /late only after the window.
    moto.proxy.set_insight_contributions(RULE, [
        {"Keys": ["/pay", "Timeout"], "Values": [[at(1), 5], [at(2), 5], [at(3), 5]]},
        {"Keys": ["/cart", "Timeout"], "Values": [[at(10), 12]]},
        {"Keys": ["/orders", "Timeout"], "Values": [[at(20), 1]]},
        {"Keys": ["/late", "Timeout"], "Values": [[at(70), 99]]},
    ])
    env = moto.playbook_env(PLAYBOOK_SOURCE="cloudwatch")
    start, end = t0.strftime("%Y-%m-%dT%H:%M:%SZ"), (t0 + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    done = query(RULE, "--start", start, "--end", end, "--top", "2", "--json", env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [(c["keys"][0], c["value"]) for c in report["contributors"]] == [("/pay", 15.0), ("/cart", 12.0)]
    assert report["key_labels"] == ["route", "error"] and report["aggregation"] == "Count"
    assert (report["total"], report["unique_contributors"]) == (28.0, 3)
    assert len(report["contributors"][0]["points"]) == 3
    sent = moto.proxy.insight_requests()[-1]
    assert (sent["RuleName"], sent["Period"], sent["MaxContributorCount"], sent["OrderBy"]) == (RULE, 60, 2, "Sum")
    assert (sent["StartTime"], sent["EndTime"]) == (at(0), at(60))

    done = query(RULE, "--start", start, "--end", end, "--order-by", "maximum", "--json", env=env)
    ranked = [(c["keys"][0], c["value"]) for c in json.loads(done.stdout)["contributors"]]
    assert ranked == [("/cart", 12.0), ("/pay", 5.0), ("/orders", 1.0)]

    done = query("no-such-rule", "--since", "1h", env=env)
    assert done.returncode != 0 and "Contributor Insights rule `no-such-rule` not found" in done.stderr, done.stderr

    # A %%contributors cell in a headless run: the record keeps the query with its window.
    OUT.mkdir(exist_ok=True)
    nb = notebook(OUT / "contributors-cw.ipynb", "1")
    doc = nbformat.read(nb, as_version=4)
    doc.cells[0].source = f"%%contributors {RULE} --top 3 --start {start} --end {end}"
    nbformat.write(doc, nb)
    record_path = OUT / "contributors-cw.record.ipynb"
    run = run_playbook(nb, "-o", record_path, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    record = json.loads(record_path.read_text())
    q = next(q for q in record["metadata"]["playbook"]["queries"] if q["kind"] == "contributors")
    assert RULE in q["query"] and q["results"] == 3 and q["api_calls"] == 1
    assert q["window"]["start"].startswith(start[:16]), q
