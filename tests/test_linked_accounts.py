"""One notebook asks the same question of two accounts and two regions and charts them
together: CloudWatch cross-account observability, through the real Rust SDK. moto has
no cross-account observability, so the test proxy plays the monitoring account (moto's
own) with one linked source account (a second moto account, reached with credentials moto
issued for it by STS AssumeRole): GetMetricData queries naming an `AccountId` are asked
of that account, ListMetrics with `IncludeLinkedAccounts` lists both accounts' metrics
with `OwningAccounts` beside them, in the CloudWatch model's shapes (tests/aws/cbor_proxy.py)."""

from __future__ import annotations

import datetime as dt
import json

import boto3

from conftest import OUT, notebook
from support import run_playbook

MONITORING = "123456789012"  # moto's own account
LINKED = "111111111111"
REGIONS = ["us-east-1", "us-west-2"]


def seed(moto, key: dict, account_value: float, region: str, t0: dt.datetime) -> None:
    cw = boto3.client("cloudwatch", endpoint_url=moto.moto_url, region_name=region, **key)
    cw.put_metric_data(Namespace="Svc", MetricData=[
        {"MetricName": "Latency", "Dimensions": [{"Name": "Service", "Value": "svc"}],
         "Timestamp": t0 + dt.timedelta(minutes=m), "Value": account_value + m % 2, "Unit": "Milliseconds"}
        for m in range(10)])


def linked_keys(moto, session: str) -> tuple[dict, dict, str]:
    """Keys for moto's own account and for the linked one (STS AssumeRole into it), and
    the access key the proxy links."""
    creds = moto.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{LINKED}:role/observability-reader", RoleSessionName=session)["Credentials"]
    own = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    linked = {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
              "aws_session_token": creds["SessionToken"]}
    return own, linked, creds["AccessKeyId"]


def test_two_accounts_and_two_regions_answer_the_same_question_in_one_chart(moto, tmp_path):
    moto.reset()
    own, linked, access_key = linked_keys(moto, "linked-test")
    t0 = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=30)
    # Account × region → a level of its own (and +1 on odd minutes), known here.
    expected = {}
    for i, region in enumerate(REGIONS):
        for account, key, base in [(MONITORING, own, 100.0), (LINKED, linked, 200.0)]:
            seed(moto, key, base + 10 * i, region, t0)
            expected[(account, region)] = base + 10 * i + 0.5
    moto.proxy.set_linked_accounts({LINKED: access_key})
    start, end = (t0.strftime("%Y-%m-%dT%H:%M:%SZ"), (t0 + dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    nb = notebook(tmp_path / "accounts.ipynb", f"""
let found = list_metrics("Svc").metric("Latency").include_linked_accounts().run()?;
for id in &found {{ println!("FOUND {{}}", id.account.clone().unwrap_or_default()); }}
let mut chart = LineChart::new("latency by account and region");
for region in ["us-east-1", "us-west-2"] {{
    for account in ["{MONITORING}", "{LINKED}"] {{
        let s = metric("Svc", "Latency").dim("Service", "svc").stat("Average").period(60)
            .account(account).region(region).between("{start}", "{end}")
            .label(&format!("{{account}} {{region}}")).fetch()?;
        println!("MEAN {{}} {{}} {{}} {{}}", account, region, s.summary().mean.unwrap_or(f64::NAN), s.len());
        chart = chart.series(s);
    }}
}}
chart
""")
    OUT.mkdir(exist_ok=True)
    record_path = OUT / "linked-accounts.record.ipynb"
    done = run_playbook(nb, "-o", record_path, "--source", "cloudwatch", env=moto.playbook_env())
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads(record_path.read_text())
    text = "".join(o.get("text", "") for c in record["cells"] for o in c.get("outputs", []))
    assert sorted(line.split()[1] for line in text.splitlines() if line.startswith("FOUND")) == [LINKED, MONITORING]
    means = {(a, r): (float(m), int(n)) for _, a, r, m, n in
             (line.split() for line in text.splitlines() if line.startswith("MEAN"))}
    assert {k: v[0] for k, v in means.items()} == expected
    assert all(n == 10 for _, n in means.values())
    # One chart, four series; the record says which account and region each came from.
    svg = next(o["data"]["image/svg+xml"] for c in record["cells"] for o in c.get("outputs", [])
               if "image/svg+xml" in o.get("data", {}))
    assert all(f"{a} {r}" in svg for a, r in expected)
    metric_records = [q for q in record["metadata"]["playbook"]["queries"] if q["kind"] == "metrics"]
    assert {(q.get("account"), q["region"]) for q in metric_records} == set(expected)


def test_logs_of_two_accounts_in_one_query_say_which_account_each_row_came_from(moto, tmp_path):
    # moto ignores StartQuery's logGroupIdentifiers: the proxy asks each account's groups
    # of that account and gives the rows with `@log` as the service writes it
    # (ACCOUNT:GROUP), tests/aws/cbor_proxy.py.
    moto.reset()
    own, linked, access_key = linked_keys(moto, "linked-logs")
    keys = {MONITORING: own, LINKED: linked}
    t0 = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=30)
    for account, key in keys.items():
        logs = boto3.client("logs", endpoint_url=moto.moto_url, region_name="us-east-1", **key)
        logs.create_log_group(logGroupName="/ecs/checkout")
        logs.create_log_stream(logGroupName="/ecs/checkout", logStreamName="web")
        count = 3 if account == MONITORING else 4
        if account == LINKED:
            logs.create_log_group(logGroupName="/ecs/only-linked")
            logs.create_log_stream(logGroupName="/ecs/only-linked", logStreamName="web")
            logs.put_log_events(logGroupName="/ecs/only-linked", logStreamName="web", logEvents=[
                {"timestamp": int((t0 + dt.timedelta(minutes=1)).timestamp() * 1000), "message": "only linked"}])
        logs.put_log_events(logGroupName="/ecs/checkout", logStreamName="web", logEvents=[
            {"timestamp": int((t0 + dt.timedelta(minutes=i)).timestamp() * 1000), "message": f"{account} event {i}"}
            for i in range(count)])
    moto.proxy.set_linked_accounts({LINKED: access_key})
    start, end = (t0.strftime("%Y-%m-%dT%H:%M:%SZ"), (t0 + dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    arn = f"arn:aws:logs:us-east-1:{LINKED}:log-group:/ecs/checkout"
    nb = notebook(tmp_path / "logs-accounts.ipynb", f"""
let linked = logs_insights("fields @message, @log").group("{arn}").between("{start}", "{end}").run()?;
println!("LINKED {{}}", playbook::serde_json::to_string(&linked.rows())?);
""", f"""
let by_prefix = logs_insights("fields @log").group_prefix("/ecs/").account("{LINKED}").between("{start}", "{end}").run()?;
println!("PREFIX {{}}", by_prefix.len());
""")
    doc = json.loads(nb.read_text())
    doc["cells"].insert(0, {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source":
                            f"%%logs --group /ecs/checkout --account {MONITORING} --account {LINKED} "
                            f"--start {start} --end {end}\nfields @timestamp, @message, @log | sort @timestamp desc"})
    nb.write_text(json.dumps(doc))
    OUT.mkdir(exist_ok=True)
    record_path = OUT / "linked-logs.record.ipynb"
    done = run_playbook(nb, "-o", record_path, "--source", "cloudwatch", env=moto.playbook_env())
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads(record_path.read_text())
    queries = [q for q in record["metadata"]["playbook"]["queries"] if q["kind"] == "logs_insights"]
    both, linked, by_prefix = queries
    assert both["account"] == f"{MONITORING}, {LINKED}" and both["results"] == 7, both
    assert both["groups"] == [f"arn:aws:logs:us-east-1:{a}:log-group:/ecs/checkout" for a in (MONITORING, LINKED)]
    assert linked["account"] == LINKED and linked["results"] == 4, linked
    # Each row says its account.
    table = next(o["data"]["text/plain"] for o in record["cells"][0]["outputs"] if "text/plain" in o.get("data", {}))
    for account, count in ((MONITORING, 3), (LINKED, 4)):
        assert table.count(f"{account}:/ecs/checkout") == count, table
    # In time order across both accounts (the query sorts by @timestamp, newest first).
    stamps = [line.split()[0] for line in table.splitlines()[1:8]]
    assert stamps == sorted(stamps, reverse=True), table
    text = "".join(o.get("text", "") for c in record["cells"] for o in c.get("outputs", []))
    rows = json.loads(text.split("LINKED ", 1)[1].splitlines()[0])
    assert len(rows) == 4 and all(f"{LINKED}:/ecs/checkout" in json.dumps(r) for r in rows), rows
    # A prefix selects each linked account's own groups (DescribeLogGroups across accounts):
    # the linked account's /ecs/checkout and /ecs/only-linked, not the monitoring account's.
    assert by_prefix["groups"] == [f"arn:aws:logs:us-east-1:{LINKED}:log-group:{g}"
                                   for g in ("/ecs/checkout", "/ecs/only-linked")], by_prefix
    assert "PREFIX 5" in text, text


def test_metrics_insights_groups_and_filters_by_account(moto, tmp_path):
    # moto's Metrics Insights is empty or wrong: the proxy answers a subset of it
    # (tests/aws/metrics_insights.py) over the monitoring and linked accounts, from the
    # datapoints each account holds in moto.
    moto.reset()
    own, linked, access_key = linked_keys(moto, "linked-mi")
    t0 = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=30)
    seed(moto, own, 100.0, "us-east-1", t0)
    seed(moto, linked, 200.0, "us-east-1", t0)
    moto.proxy.set_linked_accounts({LINKED: access_key})
    start, end = (t0.strftime("%Y-%m-%dT%H:%M:%SZ"), (t0 + dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    nb = tmp_path / "mi.ipynb"
    nb.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source}
        for source in (
            f"%%metrics by_account = --period 60 --start {start} --end {end}\n"
            'SELECT AVG(Latency) FROM SCHEMA("Svc", Service) GROUP BY AWS.AccountId',
            f"%%metrics --period 60 --start {start} --end {end}\n"
            f"SELECT MAX(Latency) FROM \"Svc\" WHERE AWS.AccountId = '{LINKED}'",
        )]}))
    record_path = OUT / "linked-mi.record.ipynb"
    OUT.mkdir(exist_ok=True)
    done = run_playbook(nb, "-o", record_path, "--source", "cloudwatch", env=moto.playbook_env())
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads(record_path.read_text())
    series = []
    for cell in record["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get("application/vnd.playbook.series+json")
            series += json.loads(data) if isinstance(data, str) else (data or [])
    # Grouped by account: each account's mean (100 + m % 2 and 200 + m % 2 over 10
    # minutes); filtered to the linked account: its maximum per minute.
    grouped = {s["label"]: s for s in series[:2]}
    assert set(grouped) == {MONITORING, LINKED}, series
    assert sum(grouped[MONITORING]["values"]) / 10 == 100.5
    assert sum(grouped[LINKED]["values"]) / 10 == 200.5
    assert len(series) == 3 and max(series[2]["values"]) == 201.0 and min(series[2]["values"]) == 200.0
