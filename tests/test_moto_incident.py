"""The bundled incident on CloudWatch: the generated checkout data seeded into moto, then
the same questions asked of the local source and of CloudWatch (through the Rust SDK and
the CBOR proxy) give the same answers — for what moto can evaluate (raw fields, sort,
limit and the window in Logs Insights; plain statistics of metrics)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from support import PLAYBOOK

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "notebooks" / "data" / "checkout"
START, END = "2026-11-12T13:00:00Z", "2026-11-12T16:00:00Z"
LB = "app/checkout-alb/5f3c2a1b9d8e7f60"
TG = "targetgroup/checkout-tg/8a7b6c5d4e3f2a10"


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# CloudWatch Logs (and moto) refuse events older than 14 days: the data goes into moto
# shifted by whole days so the incident window ends within the last day, and CloudWatch
# is asked about the shifted window. Everything else is the same data.
SHIFT = timedelta(days=(datetime.now(timezone.utc) - ts(END)).days)


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def seeded(moto):
    moto.reset()
    logs = moto.client("logs")
    cw = moto.client("cloudwatch")
    group = "/deploys/checkout"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="pipeline")
    with gzip.open(DATA / "logs/deploys/checkout/pipeline.jsonl.gz", "rt") as f:
        events = [{"timestamp": int((ts(json.loads(line)["timestamp"]) + SHIFT).timestamp() * 1000),
                   "message": line.rstrip("\n")}
                  for line in f if line.strip()]
    events = [e for e in events if e["timestamp"] >= (datetime.now(timezone.utc) - timedelta(days=13)).timestamp() * 1000]
    logs.put_log_events(logGroupName=group, logStreamName="pipeline", logEvents=events)

    start, end = ts(START), ts(END)
    data = []
    with gzip.open(DATA / "metrics/alb.csv.gz", "rt") as f:
        for row in csv.DictReader(f):
            at = ts(row["timestamp"])
            if row["metric"] == "RequestCount" and start <= at < end:
                data.append({"MetricName": "RequestCount", "Timestamp": at + SHIFT, "Value": float(row["value"]), "Unit": "Count",
                             "Dimensions": [{"Name": "LoadBalancer", "Value": row["LoadBalancer"]},
                                            {"Name": "TargetGroup", "Value": row["TargetGroup"]}]})
    for i in range(0, len(data), 500):
        cw.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=data[i:i + 500])
    return moto.playbook_env(), len(events), len(data)


def query(env: dict, source: str, *args: str) -> dict:
    shift = SHIFT if source == "cloudwatch" else timedelta(0)
    window = ["--start", iso(ts(START) + shift), "--end", iso(ts(END) + shift)]
    done = subprocess.run([PLAYBOOK, "query", *args, "--source", source, *window, "--json"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_deploy_log_is_the_same_on_both_sources(seeded):
    env, events, _ = seeded
    assert events >= 2
    q = "fields @timestamp, @message | sort @timestamp asc | limit 20"
    local = query(env, f"local:{DATA}", "logs", "--group", "/deploys/checkout", q)
    cloud = query(env, "cloudwatch", "logs", "--group", "/deploys/checkout", q)
    assert local["rows"], "the incident window holds the bad deploy and the rollback"
    messages = lambda t: [json.loads(r[t["columns"].index("@message")]) for r in t["rows"]]  # noqa: E731
    assert messages(local) == messages(cloud)
    assert [m["version"] for m in messages(local)] == ["v2.14.0", "v2.13.2"]


def test_request_counts_are_the_same_on_both_sources(seeded):
    env, _, datapoints = seeded
    assert datapoints == 180
    args = ["metrics", "--namespace", "AWS/ApplicationELB", "--metric", "RequestCount",
            "--dim", f"LoadBalancer={LB}", "--dim", f"TargetGroup={TG}", "--stat", "Sum", "--period", "3600"]
    local = query(env, f"local:{DATA}", *args)[0]
    cloud = query(env, "cloudwatch", *args)[0]
    assert len(local["values"]) == 3
    assert cloud["values"] == local["values"]
    shifted_back = [iso(ts(t) - SHIFT) for t in cloud["timestamps"]]
    assert shifted_back == local["timestamps"]
