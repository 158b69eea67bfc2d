"""The CloudWatch source end to end: the `playbook` binary and a kernel talking to moto
(behind the RPCv2-CBOR proxy) through the real Rust SDK. Data is seeded here with boto3
straight into moto; only what moto can evaluate is asserted (fields/sort/limit, plain
statistics)."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from conftest import OUT, execute, notebook, outputs, start_kernel, stop_kernel
from support import PLAYBOOK, run_playbook

GROUP = "/ecs/checkout"
CLOUDWATCH = {"PLAYBOOK_SOURCE": "cloudwatch"}  # every run here: moto.playbook_env(**CLOUDWATCH)


def start_time() -> datetime:
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    return now - timedelta(hours=3)


@pytest.fixture(scope="module")
def seeded(moto):
    moto.reset()
    logs = moto.client("logs")
    cw = moto.client("cloudwatch")
    t0 = start_time()
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="web-1")
    events = [
        {"timestamp": int((t0 + timedelta(seconds=30 * i)).timestamp() * 1000),
         "message": json.dumps({"level": "ERROR" if i % 5 == 0 else "INFO", "n": i})}
        for i in range(40)
    ]
    logs.put_log_events(logGroupName=GROUP, logStreamName="web-1", logEvents=events)
    cw.put_metric_data(Namespace="Checkout", MetricData=[
        {"MetricName": "OrdersPlaced", "Dimensions": [{"Name": "Service", "Value": "checkout"}],
         "Timestamp": t0 + timedelta(minutes=i), "Value": float(10 + i), "Unit": "Count"}
        for i in range(30)
    ])
    return moto, t0, events


def window(t0: datetime) -> list[str]:
    end = t0 + timedelta(hours=1)
    return ["--start", t0.strftime("%Y-%m-%dT%H:%M:%SZ"), "--end", end.strftime("%Y-%m-%dT%H:%M:%SZ")]


def test_query_logs_and_metrics_from_a_shell(seeded):
    moto, t0, events = seeded
    env = moto.playbook_env(**CLOUDWATCH)
    done = subprocess.run(
        [PLAYBOOK, "query", "logs", "--group", GROUP, *window(t0), "--json",
         "fields @timestamp, @message | sort @timestamp desc | limit 3"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    table = json.loads(done.stdout)
    assert [json.loads(row[1])["n"] for row in table["rows"]] == [39, 38, 37]
    assert table["query_id"]

    done = subprocess.run(
        [PLAYBOOK, "query", "metrics", "--namespace", "Checkout", "--metric", "OrdersPlaced",
         "--dim", "Service=checkout", "--stat", "Sum", "--period", "600", *window(t0), "--json"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    series = json.loads(done.stdout)[0]
    # Minutes 0-29 hold 10..39: ten-minute sums of 10..19, 20..29, 30..39.
    assert series["values"] == [145.0, 245.0, 345.0]
    # GetMetricData does not return units (only a query that names one gets it back).
    assert series["unit"] is None


def test_missing_region_says_what_to_set(seeded):
    moto, t0, _ = seeded
    env = moto.playbook_env(**CLOUDWATCH)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        env.pop(name, None)
    done = subprocess.run(
        [PLAYBOOK, "query", "logs", "--group", GROUP, *window(t0), "fields @message"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    # The source refused (no region): a retry will not help, so not 4 but 5.
    assert done.returncode == 5
    assert "no AWS region: set AWS_REGION" in done.stderr


def test_logs_cell_against_moto_binds_a_table(seeded):
    moto, t0, events = seeded
    km, kc = start_kernel("cloudwatch", env=moto.playbook_env(**CLOUDWATCH))
    try:
        start, _, end = window(t0)[1], None, window(t0)[3]
        reply, messages = execute(
            kc, f"%%logs latest = --group {GROUP} --start {start} --end {end}\n"
                "fields @timestamp, @message | sort @timestamp desc | limit 4")
        assert reply["content"]["status"] == "ok", reply["content"]
        text = outputs(messages, "execute_result")[0]["data"]["text/plain"]
        assert "4 rows" in text and "query id" in text, text
        reply, messages = execute(kc, 'latest.text(0, "@message").unwrap().to_string()')
        assert reply["content"]["status"] == "ok", reply["content"]
        assert '\\"n\\": 39' in outputs(messages, "execute_result")[0]["data"]["text/plain"]
        reply, messages = execute(kc, f"%%logs --group /no/such --start {start} --end {end}\nfields @message")
        # A missing log group is `NotFound` (a retry will not help), with the AWS code kept.
        assert reply["content"]["ename"] == "NotFound"
        assert "ResourceNotFoundException" in reply["content"]["evalue"]
    finally:
        stop_kernel(km, kc)


def proxy(moto, path: str, method: str = "POST") -> dict:
    import urllib.request
    request = urllib.request.Request(moto.url + path, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def test_interrupting_a_slow_logs_cell_stops_the_query(seeded):
    moto, t0, _ = seeded
    km, kc = start_kernel("cloudwatch-interrupt", env=moto.playbook_env(**CLOUDWATCH))
    try:
        reply, _ = execute(kc, "let kept = 41;")
        assert reply["content"]["status"] == "ok", reply["content"]
        proxy(moto, "/__proxy/slow-insights?seconds=60")
        proxy(moto, "/__proxy/stats/reset")
        start, end = window(t0)[1], window(t0)[3]
        msg_id = kc.execute(f"%%logs --group {GROUP} --start {start} --end {end}\nfields @message | limit 5")
        import time
        time.sleep(3)
        began = time.monotonic()
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = kc.get_shell_msg(timeout=30)
        assert time.monotonic() - began < 15, "the cell returns promptly after the interrupt"
        content = reply["content"]
        assert content["status"] == "error"
        assert content["ename"] == "QueryCancelled", content
        assert "stopped with StopQuery" in content["evalue"], content["evalue"]
        stats = proxy(moto, "/__proxy/stats", method="GET")
        assert stats["logs_operations"].get("StopQuery", 0) >= 1, stats
        # Nothing else in the session was lost.
        reply, messages = execute(kc, "kept + 1")
        assert outputs(messages, "execute_result")[0]["data"]["text/plain"] == "42"
    finally:
        proxy(moto, "/__proxy/slow-insights?seconds=0")
        stop_kernel(km, kc)


def test_credentials_never_reach_the_evaluation_process(seeded):
    moto, t0, _ = seeded
    km, kc = start_kernel("cloudwatch-secrets", env=moto.playbook_env(**CLOUDWATCH))
    try:
        reply, messages = execute(
            kc, 'format!("{:?} {:?}", std::env::var("AWS_SECRET_ACCESS_KEY").ok(), std::env::var("AWS_REGION").ok())')
        assert reply["content"]["status"] == "ok", reply["content"]
        text = outputs(messages, "execute_result")[0]["data"]["text/plain"]
        assert text.startswith('"None Some('), text
        # …while the engine, in the kernel process, still reaches CloudWatch with them.
        start, end = window(t0)[1], window(t0)[3]
        reply, _ = execute(kc, f"%%logs --group {GROUP} --start {start} --end {end}\nfields @message | limit 1")
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        stop_kernel(km, kc)


def test_a_running_logs_query_shows_its_progress_in_place(seeded):
    moto, t0, _ = seeded
    km, kc = start_kernel("cloudwatch-progress", env=moto.playbook_env(**CLOUDWATCH))
    try:
        proxy(moto, "/__proxy/slow-insights?seconds=3")
        start, end = window(t0)[1], window(t0)[3]
        reply, messages = execute(kc, f"%%logs --group {GROUP} --start {start} --end {end}\nfields @message | limit 2")
        assert reply["content"]["status"] == "ok", reply["content"]
        shown = outputs(messages, "display_data")
        updates = outputs(messages, "update_display_data")
        assert len(shown) == 1, messages
        display_id = shown[0]["transient"]["display_id"]
        assert "Logs Insights query" in shown[0]["data"]["text/plain"] and "Running" in shown[0]["data"]["text/plain"]
        assert updates and all(u["transient"]["display_id"] == display_id for u in updates)
        assert updates[-1]["data"]["text/plain"].startswith("query finished after")
        assert "2 rows" in outputs(messages, "execute_result")[0]["data"]["text/plain"]
    finally:
        proxy(moto, "/__proxy/slow-insights?seconds=0")
        stop_kernel(km, kc)


def test_headless_run_on_cloudwatch_stops_cleanly_when_a_cell_fails(seeded, tmp_path):
    """The CloudWatch source owns a tokio runtime; `playbook run` used to drop it inside
    its own async context on the way out, which panicked after writing the record."""
    moto, t0, _ = seeded
    notebook = {
        "cells": [
            {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": None, "outputs": [],
             "source": f'%%logs errors = --group {GROUP} --start {t0:%Y-%m-%dT%H:%M:%SZ} --end '
                       f'{t0 + timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}\nfilter level = "ERROR"'},
            {"cell_type": "code", "id": "b", "metadata": {}, "execution_count": None, "outputs": [],
             "source": 'println!("{} errors", errors.len());\npanic!("the step failed")'},
        ],
        "metadata": {"kernelspec": {"name": "playbook", "display_name": "Playbook (Rust)", "language": "rust"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    path = tmp_path / "failing.ipynb"
    path.write_text(json.dumps(notebook))
    done = run_playbook(path, "-o", tmp_path / "out.ipynb", env=moto.playbook_env(**CLOUDWATCH))
    assert done.returncode == 1, done.stderr
    assert "Cannot drop a runtime" not in done.stderr, done.stderr
    assert "thread 'tokio" not in done.stderr, done.stderr
    record = json.loads((tmp_path / "out.ipynb").read_text())
    failed = next(c for c in record["cells"] if c.get("id") == "b")
    # The bound table reached the failing cell (moto's Logs Insights ignores `filter`).
    assert " errors" in "".join("".join(o.get("text", "")) for o in failed["outputs"])


def test_ppl_and_sql_queries_round_trip_through_the_sdk(seeded):
    # moto runs every query as Logs Insights QL: the proxy answers PPL and SQL in the
    # wire shapes of the Logs model, echoing the query it received (tests/aws/cbor_proxy.py).
    moto, t0, _ = seeded
    env = moto.playbook_env(**CLOUDWATCH)

    def query(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([PLAYBOOK, "query", "logs", *window(t0), "--json", *args],
                              capture_output=True, text=True, env=env, timeout=120)

    def echoed(done: subprocess.CompletedProcess) -> dict:
        assert done.returncode == 0, done.stderr
        table = json.loads(done.stdout)
        return dict(zip(table["columns"], table["rows"][0]))

    ppl = "fields @message | where level = 'ERROR' | head 5"
    assert echoed(query("--language", "ppl", "--group", GROUP, ppl)) == {
        "queryLanguage": "PPL", "queryString": ppl, "logGroups": GROUP}
    # SQL names its log groups in FROM: none travel beside it.
    sql = f"SELECT `@message` FROM `{GROUP}` WHERE level = 'ERROR' LIMIT 5"
    assert echoed(query("--language", "sql", sql)) == {
        "queryLanguage": "SQL", "queryString": sql, "logGroups": ""}
    done = query("--language", "sql", "--group", GROUP, sql)
    assert done.returncode == 3 and "names its log groups in FROM" in done.stderr, done.stderr
    done = query("--language", "kql", "--group", GROUP, "fields @message")
    assert done.returncode == 3 and "use ql (Logs Insights QL), ppl or sql" in done.stderr, done.stderr

    # From cells: a query cell and the library's builder.
    km, kc = start_kernel("cloudwatch-languages", env=env)
    try:
        start, end = window(t0)[1], window(t0)[3]
        reply, messages = execute(kc, f"%%logs --language ppl --group {GROUP} --start {start} --end {end}\n{ppl}")
        assert reply["content"]["status"] == "ok", reply["content"]
        assert "PPL" in outputs(messages, "execute_result")[0]["data"]["text/plain"]
        reply, messages = execute(
            kc, f'logs_insights({json.dumps(sql)}).language(QueryLanguage::Sql)'
                f'.range(TimeRange::parse("{start}..{end}")?).run()?.text(0, "queryLanguage").unwrap().to_string()')
        assert reply["content"]["status"] == "ok", reply["content"]
        assert outputs(messages, "execute_result")[0]["data"]["text/plain"] == '"SQL"'
    finally:
        stop_kernel(km, kc)


def test_the_local_source_says_ppl_and_sql_need_cloudwatch(tmp_path):
    data = os.path.join(os.path.dirname(__file__), "..", "notebooks", "data", "checkout")
    done = subprocess.run(
        [PLAYBOOK, "query", "logs", "--source", f"local:{data}", "--language", "ppl", "--group", GROUP,
         "--since", "3h", "fields @message | head 1"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 3
    assert "answers Logs Insights QL" in done.stderr and "OpenSearch PPL" in done.stderr, done.stderr


def test_a_full_account_quota_is_waited_out_not_reported(seeded):
    # Other clients' queries fill the account's quota: StartQuery answers
    # LimitExceededException (the proxy, as the Logs model documents it; moto has no quota).
    moto, t0, _ = seeded
    km, kc = start_kernel("cloudwatch-quota", env=moto.playbook_env(**CLOUDWATCH))
    try:
        proxy(moto, "/__proxy/stats/reset")
        proxy(moto, "/__proxy/insights-quota-full?n=2")
        start, end = window(t0)[1], window(t0)[3]
        reply, messages = execute(kc, f"%%logs --group {GROUP} --start {start} --end {end}\nfields @message | limit 2")
        assert reply["content"]["status"] == "ok", reply["content"]
        assert "2 rows" in outputs(messages, "execute_result")[0]["data"]["text/plain"]
        progress = [m["data"]["text/plain"] for m in outputs(messages, "display_data") + outputs(messages, "update_display_data")]
        assert any("concurrent-query quota is full" in p for p in progress), progress
        assert proxy(moto, "/__proxy/stats", method="GET")["logs_operations"]["StartQuery"] == 3
    finally:
        proxy(moto, "/__proxy/insights-quota-full?n=0")
        stop_kernel(km, kc)


def test_a_quota_that_stays_full_is_a_clear_retryable_error(seeded):
    moto, t0, _ = seeded
    try:
        proxy(moto, "/__proxy/insights-quota-full?n=1000")
        done = subprocess.run(
            [PLAYBOOK, "query", "logs", "--group", GROUP, *window(t0), "fields @message | limit 1"],
            capture_output=True, text=True, env=moto.playbook_env(**CLOUDWATCH, PLAYBOOK_QUERY_TIMEOUT="3"),
            timeout=120,
        )
    finally:
        proxy(moto, "/__proxy/insights-quota-full?n=0")
    assert done.returncode == 4, done.stderr  # a retry later may help
    assert "LimitExceededException" in done.stderr and "StartQuery" in done.stderr, done.stderr


QUOTA = "Concurrent CloudWatch Logs Insights queries"


@pytest.mark.parametrize("budget", ["variable", "applied quota", "default quota"])
def test_a_fleet_queues_logs_insights_queries_under_one_budget(seeded, tmp_path, budget):
    # Two targets in one process, one Logs Insights slot: the second waits its turn (the
    # proxy holds each query Running for 2 s) and its record says so. The slot count comes
    # from PLAYBOOK_INSIGHTS_CONCURRENCY, or else from the account's quota in Service
    # Quotas: its applied value, else its default (moto has no Logs quotas: the proxy
    # answers ListServiceQuotas and ListAWSDefaultServiceQuotas in the model's shape).
    moto, t0, _ = seeded
    one = [{"QuotaName": QUOTA, "QuotaCode": "L-TEST0001", "Value": 1.0},
           {"QuotaName": "Concurrent OpenSearch PPL and SQL queries in Logs Insights", "QuotaCode": "L-TEST0002",
            "Value": 15.0}]
    env = moto.playbook_env(**CLOUDWATCH)
    if budget == "variable":
        env["PLAYBOOK_INSIGHTS_CONCURRENCY"] = "1"
        moto.proxy.set_service_quotas("logs", applied=[{**one[0], "Value": 50.0}])  # not read
        origin = "PLAYBOOK_INSIGHTS_CONCURRENCY"
    elif budget == "applied quota":
        moto.proxy.set_service_quotas("logs", applied=one, defaults=[{**one[0], "Value": 100.0}])
        origin = f'the account\'s quota "{QUOTA}" in Service Quotas'
    else:
        moto.proxy.set_service_quotas("logs", applied=[], defaults=one)
        origin = f'the account\'s quota "{QUOTA}" in Service Quotas'

    start, end = window(t0)[1], window(t0)[3]
    notebook = tmp_path / "errors.ipynb"
    notebook.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": f"%%logs --group {GROUP} --start {start} --end {end}\nfields @message | limit 1"}]}))
    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps({"defaults": {"source": "cloudwatch"},
                                   "targets": [{"name": "a"}, {"name": "b"}]}))
    try:
        proxy(moto, "/__proxy/slow-insights?seconds=2")
        done = subprocess.run(
            [PLAYBOOK, "fleet", str(notebook), "--targets", str(targets), "-j", "2", "--out", str(tmp_path / "out")],
            capture_output=True, text=True, timeout=180, env=env,
        )
    finally:
        proxy(moto, "/__proxy/slow-insights?seconds=0")
        moto.proxy.set_service_quotas("logs")
    assert done.returncode == 0, done.stderr
    notes = []
    for name in ("a", "b"):
        record = json.loads(next((tmp_path / "out" / name).glob("*.ipynb")).read_text())
        notes += [n for q in record["metadata"]["playbook"]["queries"] for n in q.get("notes", [])]
    queued = [n for n in notes if n.startswith("queued behind 1 Logs Insights query for")]
    assert len(queued) == 1, notes
    assert f"(1 at once: {origin})" in queued[0], queued


def test_a_50000_row_query_returns_every_row_and_stats_at_the_limit_says_why_not(seeded):
    # The service returns at most 10,000 rows (StartQuery's `limit`, default and most);
    # moto returns them all, so the proxy cuts completed results to the limit as the Logs
    # model documents. The engine splits the window until no part is cut.
    moto, t0, _ = seeded
    logs = moto.client("logs")
    logs.create_log_group(logGroupName="/big")
    logs.create_log_stream(logGroupName="/big", logStreamName="s")
    start = t0 + timedelta(minutes=1)
    for batch in range(5):
        logs.put_log_events(logGroupName="/big", logStreamName="s", logEvents=[
            {"timestamp": int((start + timedelta(milliseconds=60 * n)).timestamp() * 1000), "message": f"event {n}"}
            for n in range(batch * 10_000, (batch + 1) * 10_000)])
    env = moto.playbook_env(**CLOUDWATCH)
    proxy(moto, "/__proxy/stats/reset")

    def query(text: str) -> dict:
        done = subprocess.run([PLAYBOOK, "query", "logs", "--group", "/big", *window(t0), "--json", text],
                              capture_output=True, text=True, env=env, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout)

    table = query("fields @timestamp, @message | sort @timestamp desc")
    messages = [row[table["columns"].index("@message")] for row in table["rows"]]
    assert messages == [f"event {n}" for n in reversed(range(50_000))]
    assert not table["truncated"]
    assert any("split into" in note for note in table["notes"]), table["notes"]
    starts = proxy(moto, "/__proxy/stats", method="GET")["logs_operations"]["StartQuery"]
    assert 7 <= starts <= 64, starts  # the first query, then halves until none is cut

    stats = query("stats count(*) by @message")
    assert stats["truncated"] and len(stats["rows"]) == 10_000
    assert any("`stats` groups span the window" in note for note in stats["notes"]), stats["notes"]


def test_log_anomalies_are_listed_paged_and_cut_to_the_window(seeded):
    # moto has no log anomaly detectors: the proxy answers ListAnomalies in the Logs
    # model's shape (tests/aws/cbor_proxy.py), three to a page here.
    moto, t0, _ = seeded
    ms = lambda minutes: int((t0 + timedelta(minutes=minutes)).timestamp() * 1000)  # noqa: E731
    arn = "arn:aws:logs:us-east-1:123456789012:anomaly-detector:checkout"

    def anomaly(n: int, first: int, last: int, group: str = GROUP) -> dict:
        return {"anomalyId": f"a{n}", "patternId": f"p{n}", "anomalyDetectorArn": arn,
                "patternString": f"ERROR <*> pattern {n}", "priority": "HIGH", "firstSeen": ms(first),
                "lastSeen": ms(last), "description": f"pattern {n} is new", "active": True, "state": "Active",
                "histogram": {str(ms(m)): 10 + n for m in range(first, last + 1, 5)},
                "logSamples": [], "patternTokens": [],
                "logGroupArnList": [f"arn:aws:logs:us-east-1:123456789012:log-group:{group}:*"]}

    # In the window (t0 .. t0+60 min): 0, 1 (partly: 50..70), 3, 4; outside: 2; 5 is another group.
    moto.proxy.set_log_anomalies([anomaly(0, 10, 20), anomaly(1, 50, 70), anomaly(2, 90, 95),
                                  anomaly(3, 0, 0), anomaly(4, 30, 30), anomaly(5, 10, 20, "/other")], page=3)
    env = moto.playbook_env(**CLOUDWATCH)
    start, end = window(t0)[1], window(t0)[3]
    OUT.mkdir(exist_ok=True)
    nb = notebook(OUT / "anomalies.ipynb", f"""
let found = log_anomalies().group("{GROUP}").between("{start}", "{end}").run()?;
println!("ANOMALIES {{}}", playbook::serde_json::to_string(&found.anomalies)?);
found
""")
    done = subprocess.run([PLAYBOOK, "run", "--source", "cloudwatch", str(nb), "-o", str(OUT / "anomalies.record.ipynb")],
                          capture_output=True, text=True, env=env, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads((OUT / "anomalies.record.ipynb").read_text())
    text = "".join(o.get("text", "") for c in record["cells"] for o in c.get("outputs", []))
    found = json.loads(text.split("ANOMALIES ", 1)[1].splitlines()[0])
    # Counts inside the window only: 0 → 3 bins of 10; 1 → 50, 55 (60 is the window's end) of 11.
    assert {a["pattern"]: a["count"] for a in found} == {
        "ERROR <*> pattern 0": 30, "ERROR <*> pattern 1": 22, "ERROR <*> pattern 3": 13, "ERROR <*> pattern 4": 14}
    assert [a["count"] for a in found] == sorted((a["count"] for a in found), reverse=True)
    query = next(q for q in record["metadata"]["playbook"]["queries"] if q["kind"] == "log_anomalies")
    assert query["api_calls"] == 2 and query["results"] == 4  # six anomalies, three a page
