"""The operational readiness review: green on the bundled data; each injected fault fails
its own item (exit 2) — a KPI nobody alarms on, a missing playbook, an alarm without an
action and a log group without retention on a copy of the bundled data; and against moto
through the real SDK (DescribeAlarms, DescribeLogGroups, GetMetricData), with the anomaly
detectors moto lacks answered by the test proxy in DescribeAnomalyDetectors' model shape."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from support import run_to_record

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
REVIEW = NOTEBOOKS / "readiness-review.ipynb"


def run(nb: Path, *args: str, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess, dict]:
    if env is None:
        env = {k: v for k, v in os.environ.items() if k != "PLAYBOOK_SOURCE"}
    return run_to_record(nb, *args, env=env)


def failed(record: dict) -> set[str]:
    return {c["name"] for c in record["metadata"]["playbook"]["checks"] if c["verdict"] == "fail"}


def test_the_bundled_service_is_ready():
    done, record = run(REVIEW)
    assert done.returncode == 0, done.stderr[-3000:]
    checks = record["metadata"]["playbook"]["checks"]
    assert len(checks) == 18 and failed(record) == set()
    kinds = {q["kind"] for q in record["metadata"]["playbook"]["queries"]}
    assert {"alarms", "log_groups", "anomaly_detectors", "metrics"} <= kinds


def test_a_kpi_nobody_alarms_on_and_a_missing_playbook_fail_their_items():
    kpi = "AWS/ECS CPUUtilization ClusterName=prod ServiceName=checkout"
    done, record = run(REVIEW, "-p", f"kpis={json.dumps([kpi])}",
                       "-p", 'playbooks=["latency-spike.ipynb","missing.ipynb"]')
    assert done.returncode == 2, done.stderr[-3000:]
    # 14 days of history stand in for the detector the ECS metric lacks.
    assert failed(record) == {"an alarm watches AWS/ECS CPUUtilization",
                              "playbook missing.ipynb is present and runnable"}


def test_an_alarm_without_action_and_a_group_without_retention_fail_on_local_data(tmp_path):
    data = tmp_path / "data" / "checkout"
    shutil.copytree(NOTEBOOKS / "data" / "checkout", data,
                    ignore=shutil.ignore_patterns("published.jsonl"))
    alarms = json.loads((data / "alarms.json").read_text())
    alarms[1]["actions"] = []
    (data / "alarms.json").write_text(json.dumps(alarms))
    groups = [g for g in json.loads((data / "log-groups.json").read_text()) if g["name"] != "/ecs/checkout"]
    (data / "log-groups.json").write_text(json.dumps(groups))
    (data / "anomaly-detectors.json").unlink()
    nb = tmp_path / "readiness-review.ipynb"
    shutil.copy(REVIEW, nb)
    done, record = run(nb, "-p", f"playbooks={json.dumps([str(NOTEBOOKS / 'canary.ipynb')])}")
    assert done.returncode == 2, done.stderr[-3000:]
    assert failed(record) == {"alarm checkout-5xx-high has an action",
                              "log group /ecs/checkout has a retention policy"}


def test_readiness_against_cloudwatch_finds_what_is_missing(moto):
    moto.reset()
    cw, logs = moto.client("cloudwatch"), moto.client("logs")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    dims = [{"Name": "Service", "Value": "svc"}]
    for name in ["Latency", "Errors"]:
        cw.put_metric_data(Namespace="Svc", MetricData=[
            {"MetricName": name, "Dimensions": dims, "Value": 1.0, "Timestamp": now - dt.timedelta(minutes=m)}
            for m in range(2, 12)])
    topic = "arn:aws:sns:us-east-1:123456789012:svc-oncall"
    for name, metric, actions in [("svc-latency", "Latency", [topic]), ("svc-errors", "Errors", [])]:
        cw.put_metric_alarm(AlarmName=name, Namespace="Svc", MetricName=metric, Dimensions=dims,
                            Statistic="Average", Period=60, EvaluationPeriods=1, Threshold=5.0,
                            ComparisonOperator="GreaterThanThreshold", AlarmActions=actions)
        cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="test")
    logs.create_log_group(logGroupName="/ecs/svc")
    logs.put_retention_policy(logGroupName="/ecs/svc", retentionInDays=30)
    logs.create_log_group(logGroupName="/ecs/svc-worker")
    moto.proxy.set_anomaly_detectors([
        {"Namespace": "Svc", "MetricName": name, "Dimensions": dims, "Stat": "Average"}
        for name in ["Latency", "Errors"]])
    kpis = json.dumps(["Svc Latency Service=svc", "Svc Errors Service=svc"])
    done, record = run(REVIEW, "--source", "cloudwatch", "-p", "as_of=now", "-p", "alarm_prefix=svc-",
                       "-p", "log_group_prefix=/ecs/svc", "-p", f"kpis={kpis}",
                       "-p", f"playbooks={json.dumps([str(NOTEBOOKS / 'canary.ipynb')])}",
                       env=moto.playbook_env())
    assert done.returncode == 2, done.stderr[-3000:]
    assert failed(record) == {"alarm svc-errors has an action",
                              "log group /ecs/svc-worker has a retention policy"}, record["metadata"]["playbook"]["checks"]
    ops = moto.proxy.stats()["operations"]
    assert ops.get("DescribeAnomalyDetectors") == 1 and ops.get("DescribeAlarms", 0) >= 1
