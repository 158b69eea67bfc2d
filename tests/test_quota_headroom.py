"""The quota-headroom playbook: green on the bundled data (one account, eu-west-1 and
us-east-1: every usage peak × 2 fits its quota); a usage spike written into a copy of the
bundled data fails exactly that quota's headroom check (exit 2); and against moto through
the real SDK and the engine's signed Service Quotas calls, across two regions and an
assumed role's account. moto knows only a few Service Quotas (vpc's) and evaluates no
metric math function, so the test proxy answers ListServiceQuotas and
ListAWSDefaultServiceQuotas for the codes used here (fargate), in the Service Quotas
model's `ServiceQuota` shape, and `SERVICE_QUOTA(id)` in GetMetricData from those quotas
(tests/aws/proxy/service_quotas.py, service_quota_math.py); the usage metrics are moto's."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import boto3

from support import PLAYBOOK, run_to_record

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
PLAYBOOK_NB = NOTEBOOKS / "quota-headroom.ipynb"
ACCOUNT = "123456789012"
FARGATE = "fargate/L-3032A538"
ROLE_ACCOUNT = "222233334444"
ROLE_ARN = f"arn:aws:iam::{ROLE_ACCOUNT}:role/quota-reader"


def run(nb: Path, *args: str, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess, dict]:
    if env is None:
        env = {k: v for k, v in os.environ.items() if k != "PLAYBOOK_SOURCE"}
    return run_to_record(nb, *args, env=env)


def checks(record: dict) -> dict[str, dict]:
    return {c["name"]: c for c in record["metadata"]["playbook"]["checks"]}


def failed(record: dict) -> set[str]:
    return {name for name, c in checks(record).items() if c["verdict"] == "fail"}


def outputs_text(record: dict) -> str:
    parts = []
    for cell in record["cells"]:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") if isinstance(out.get("text"), str) else "".join(out.get("text", [])))
            plain = out.get("data", {}).get("text/plain", "")
            parts.append(plain if isinstance(plain, str) else "".join(plain))
    return "\n".join(parts)


def test_the_bundled_quotas_absorb_a_failover():
    done, record = run(PLAYBOOK_NB)
    assert done.returncode == 0, done.stderr[-3000:]
    found = checks(record)
    places = [f"{ACCOUNT}/eu-west-1", f"{ACCOUNT}/us-east-1"]
    codes = [FARGATE, "ec2/L-1216C47A", "rds/L-7B6409FD"]
    assert set(found) == {f"{p} {c} absorbs a failover" for p in places for c in codes}
    assert failed(record) == set()
    queries = record["metadata"]["playbook"]["queries"]
    assert sum(q["kind"] == "service_quotas" for q in queries) == 2
    assert any("SERVICE_QUOTA(usage)" in q["query"] for q in queries if q["kind"] == "metrics")
    text = outputs_text(record)
    # Closest to the limit first: the second region's Fargate vCPU.
    first = next(line for line in text.splitlines() if line.startswith(ACCOUNT))
    assert f"{ACCOUNT}/us-east-1" in first and FARGATE in first, first
    assert "every peak × factor fits" in text


def test_a_usage_spike_fails_exactly_its_headroom_check(tmp_path):
    data = tmp_path / "data" / "checkout"
    shutil.copytree(NOTEBOOKS / "data" / "checkout", data, ignore=shutil.ignore_patterns("published.jsonl"))
    # One hour of the second region's Fargate vCPU at 55: × 2 = 110 over its quota of 100.
    (data / "us-east-1" / "metrics" / "spike.csv").write_text(
        "timestamp,namespace,metric,value,Service,Type,Resource,Class\n"
        "2026-11-11T15:00:00Z,AWS/Usage,ResourceCount,55,Fargate,Resource,vCPU,Standard/OnDemand\n")
    nb = tmp_path / "quota-headroom.ipynb"
    shutil.copy(PLAYBOOK_NB, nb)
    done, record = run(nb)
    assert done.returncode == 2, done.stderr[-3000:]
    name = f"{ACCOUNT}/us-east-1 {FARGATE} absorbs a failover"
    assert failed(record) == {name}
    assert (checks(record)[name]["observed"], checks(record)[name]["expected"]) == ("110", "<= 100")
    assert "1 would be exhausted by a failover" in outputs_text(record)


def test_playbook_query_quotas_lists_applied_values_else_defaults():
    data = NOTEBOOKS / "data" / "checkout"
    done = subprocess.run([PLAYBOOK, "query", "quotas", "fargate", "rds", "--source", f"local:{data}", "--json"],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert (found["account"], found["region"]) == (ACCOUNT, "eu-west-1")
    values = {f"{q['service_code']}/{q['quota_code']}": (q["value"], q["applied"]) for q in found["quotas"]}
    assert values == {FARGATE: (120.0, True), "rds/L-7B6409FD": (40.0, False), "rds/L-7ADDB58A": (100000.0, False)}
    usage_only = subprocess.run([PLAYBOOK, "query", "quotas", "rds", "--with-usage", "--source", f"local:{data}"],
                                capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert usage_only.returncode == 0 and "L-7B6409FD" in usage_only.stdout and "L-7ADDB58A" not in usage_only.stdout
    bad = subprocess.run([PLAYBOOK, "query", "quotas", "ec2;rm", "--source", f"local:{data}"],
                         capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert bad.returncode == 3, bad.stderr


def fargate_quota(value: float) -> dict:
    """Fargate's vCPU quota in the Service Quotas model's `ServiceQuota` shape."""
    return {"ServiceCode": "fargate", "ServiceName": "AWS Fargate", "QuotaCode": "L-3032A538",
            "QuotaArn": "arn:aws:servicequotas:::fargate/L-3032A538",
            "QuotaName": "Fargate On-Demand vCPU resource count", "Value": value, "Unit": "None",
            "Adjustable": True, "GlobalQuota": False,
            "UsageMetric": {"MetricNamespace": "AWS/Usage", "MetricName": "ResourceCount",
                            "MetricDimensions": {"Service": "Fargate", "Type": "Resource", "Resource": "vCPU",
                                                 "Class": "Standard/OnDemand"},
                            "MetricStatisticRecommendation": "Maximum"},
            "Period": {"PeriodValue": 1, "PeriodUnit": "MINUTE"}, "QuotaAppliedAtLevel": "ACCOUNT"}


def seed_usage(moto, region: str, key: dict, values: list[float], now: dt.datetime) -> None:
    cw = boto3.client("cloudwatch", endpoint_url=moto.moto_url, region_name=region, **key)
    # In the order the engine asks (sorted by name): moto matches dimension lists in order.
    dims = [{"Name": k, "Value": v} for k, v in
            sorted({"Service": "Fargate", "Type": "Resource", "Resource": "vCPU", "Class": "Standard/OnDemand"}.items())]
    cw.put_metric_data(Namespace="AWS/Usage", MetricData=[
        {"MetricName": "ResourceCount", "Dimensions": dims, "Value": v,
         "Timestamp": now - dt.timedelta(hours=len(values) - i)} for i, v in enumerate(values)])


def test_quota_headroom_against_cloudwatch_across_regions_and_accounts(moto):
    moto.reset()
    iam = moto.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName="quota-reader", AssumeRolePolicyDocument=json.dumps(trust))
    creds = moto.client("sts").assume_role(RoleArn=ROLE_ARN, RoleSessionName="seed")["Credentials"]
    own = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    other = {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
             "aws_session_token": creds["SessionToken"]}
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    # us-east-1 peaks at 60 (× 2 = 120 > 100); eu-west-1 at 30 and the other account at 40 fit.
    seed_usage(moto, "us-east-1", own, [20, 35, 60, 40], now)
    seed_usage(moto, "eu-west-1", own, [10, 30, 25, 20], now)
    seed_usage(moto, "eu-west-1", other, [40, 38, 36, 30], now)
    # Applied 100 in the account; the default (6) is what ListAWSDefaultServiceQuotas says.
    moto.proxy.set_service_quotas("fargate", applied=[fargate_quota(100.0)], defaults=[fargate_quota(6.0)])
    targets = ["cloudwatch:region=us-east-1", "cloudwatch:region=eu-west-1",
               f"cloudwatch:region=eu-west-1,role={ROLE_ARN}"]
    done, record = run(PLAYBOOK_NB, "-p", f"targets={json.dumps(targets)}", "-p", 'services=["fargate"]',
                       "-p", "as_of=now", "-p", "days=1", "-p", "trend_days=1", env=moto.playbook_env())
    assert done.returncode == 2, done.stderr[-3000:] + moto.log_tail()
    found = checks(record)
    assert set(found) == {f"{ACCOUNT}/us-east-1 {FARGATE} absorbs a failover",
                          f"{ACCOUNT}/eu-west-1 {FARGATE} absorbs a failover",
                          f"{ROLE_ACCOUNT}/eu-west-1 {FARGATE} absorbs a failover"}, found
    assert failed(record) == {f"{ACCOUNT}/us-east-1 {FARGATE} absorbs a failover"}
    assert {n: (c["observed"], c["expected"]) for n, c in found.items()} == {
        f"{ACCOUNT}/us-east-1 {FARGATE} absorbs a failover": ("120", "<= 100"),
        f"{ACCOUNT}/eu-west-1 {FARGATE} absorbs a failover": ("60", "<= 100"),
        f"{ROLE_ACCOUNT}/eu-west-1 {FARGATE} absorbs a failover": ("80", "<= 100")}
    text = outputs_text(record)
    # SERVICE_QUOTA(usage) came back from GetMetricData with the applied value.
    assert text.count("SERVICE_QUOTA 100") == 3, text[-3000:]
    quota_queries = [q for q in record["metadata"]["playbook"]["queries"] if q["kind"] == "service_quotas"]
    assert len(quota_queries) == 3 and all(q["status"] == "ok" and q["api_calls"] == 2 for q in quota_queries)
    assert {q["region"] for q in quota_queries} == {"us-east-1", "eu-west-1"}
