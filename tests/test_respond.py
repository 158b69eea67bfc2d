"""Runs that start themselves: `playbook respond --event FILE|- --responders FILE`, one
CloudWatch alarm event routed to the playbooks it starts, end to end with the real binary:

- the bundled incident's latency alarm entering ALARM runs examples/responders.yaml's
  latency rule on the bundled data (`--source local:…`), its record and summary delivered
  to S3 in moto, the window derived from the alarm's time, the verdicts of that window;
- the same transition through every feed (EventBridge raw, EventBridge through a real SNS
  topic → SQS queue in moto, the alarm's own SNS notification, raw and through SNS)
  routes to the same run with the same parameters and cause;
- an event no rule matches (exit 0, said), a malformed event (exit 3 with the field), a
  bad responders file (exit 3 with the line, nothing run), and secrets in the alarm's
  reason and dimensions, which never reach the record, the summary or the log.

Samples of the feeds: tests/fixtures/alarm-events (their README says where from).
"""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import jsonschema
import nbformat
import pytest

from support import PLAYBOOK

REPO = Path(__file__).resolve().parent.parent
EVENTS = REPO / "tests" / "fixtures" / "alarm-events"
CHECKOUT = REPO / "notebooks" / "data" / "checkout"
RESPONDERS = REPO / "examples" / "responders.yaml"
SUMMARY_SCHEMA = REPO / "docs" / "run-summary.schema.json"
BUCKET = "incident-records"
MASK = "[masked by playbook]"


def respond(*args: str | Path, env: dict | None = None, stdin: str | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([PLAYBOOK, "respond", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout, input=stdin,
                          stdin=None if stdin is not None else subprocess.DEVNULL)


def why(done: subprocess.CompletedProcess) -> str:
    log = done.stderr if len(done.stderr) < 4000 else f"{done.stderr[:1500]}\n[…]\n{done.stderr[-2500:]}"
    return f"exit {done.returncode}; stderr:\n{log}"


def echo_notebook(path: Path) -> Path:
    """A notebook that takes what a rule gives it and prints it (fast: one tiny cell)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "playbook", "display_name": "Playbook (Rust)", "language": "rust"}
    nb.cells.append(nbformat.v4.new_code_cell(
        'let alarm: String = "none".into();\nlet load_balancer: String = "none".into();\n'
        'let start: String = "none".into();\nlet reason: String = "none".into();\n'
        'let token: String = "none".into();',
        metadata={"tags": ["parameters"]}))
    nb.cells.append(nbformat.v4.new_code_cell('println!("{alarm} {load_balancer} {start}");'))
    path.write_text(nbformat.writes(nb))
    return path


def echo_responders(tmp_path: Path, **parameters: str) -> Path:
    echo_notebook(tmp_path / "echo.ipynb")
    rules = {"rules": [{
        "name": "echo",
        "alarm": "checkout-*-latency-*",
        "namespace": "AWS/ApplicationELB",
        "dimensions": {"LoadBalancer": "app/checkout-alb/*"},
        "notebook": "echo.ipynb",
        "parameters": {"alarm": "{alarm.name}", "load_balancer": "{alarm.dimension.LoadBalancer}",
                       "start": "{alarm.time - 1h}", **parameters},
    }]}
    path = tmp_path / "responders.json"
    path.write_text(json.dumps(rules, indent=2))
    return path


def records_in(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*.ipynb")) if directory.exists() else []


def cause_of(record: Path) -> dict:
    return json.loads(record.read_text())["metadata"]["playbook"]["cause"]


# --- the bundled incident, delivered to S3 ---------------------------------------------


@pytest.fixture
def records_bucket(moto):
    moto.reset()
    moto.client("s3").create_bucket(Bucket=BUCKET)
    return moto


def test_the_latency_alarm_runs_its_playbook_over_the_alarms_window_into_s3(records_bucket, tmp_path):
    moto = records_bucket
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    done = respond(
        "--event", EVENTS / "checkout-latency-eventbridge.json", "--responders", RESPONDERS,
        "--source", f"local:{CHECKOUT}",
        "-o", f"s3://{BUCKET}/{prefix}/{{alarm.name}}/{{date}}/{{run_id}}.ipynb",
        "--summary", f"s3://{BUCKET}/{prefix}/{{alarm.name}}/{{run_id}}.json",
        env=moto.playbook_env(), timeout=900)
    # The incident is still on 30 minutes after the alarm: checks fail, exit 2, and the
    # record is delivered all the same.
    assert done.returncode == 2, why(done)
    assert "alarm checkout-p99-latency-high entering ALARM" in done.stderr
    assert "rule latency runs" in done.stderr
    keys = [o["Key"] for o in moto.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]
    records = [k for k in keys if k.endswith(".ipynb")]
    summaries = [k for k in keys if k.endswith(".json")]
    assert len(records) == 1 and len(summaries) == 1, keys
    assert records[0].startswith(f"{prefix}/checkout-p99-latency-high/"), records
    body = moto.client("s3").get_object(Bucket=BUCKET, Key=records[0])["Body"].read()
    meta = json.loads(body)["metadata"]["playbook"]
    assert meta["window"] == {"start": "2026-11-12T13:12:00Z", "end": "2026-11-12T14:42:00Z"}
    assert meta["parameters"]["given"]["load_balancer"] == "app/checkout-alb/5f3c2a1b9d8e7f60"
    verdicts = {c["name"]: c["verdict"] for c in meta["checks"]}
    assert verdicts["p99 latency is back under target"] == "fail", verdicts
    assert verdicts["every alarm is back to OK"] == "fail", verdicts
    assert verdicts["a deploy preceded the spike"] == "pass", verdicts
    cause = meta["cause"]
    assert cause["alarm"]["name"] == "checkout-p99-latency-high"
    assert (cause["alarm"]["state"], cause["alarm"]["previous_state"]) == ("ALARM", "OK")
    assert cause["alarm"]["time"] == "2026-11-12T14:12:00Z"
    assert (cause["alarm"]["account"], cause["alarm"]["region"]) == ("123456789012", "eu-west-1")
    assert cause["alarm"]["feed"] == "eventbridge"
    assert cause["rule"]["name"] == "latency" and cause["rule"]["line"] == 10, cause["rule"]
    assert cause["rule"]["file"].endswith("responders.yaml")
    summary = json.loads(moto.client("s3").get_object(Bucket=BUCKET, Key=summaries[0])["Body"].read())
    jsonschema.validate(summary, json.loads(SUMMARY_SCHEMA.read_text()))
    assert (summary["exit_code"], summary["exit_class"]) == (2, "check_failed")
    assert summary["target"] == "latency"
    assert summary["cause"] == cause
    assert summary["outputs"][0] == {"what": "record", "to": f"s3://{BUCKET}/{records[0]}", "ok": True}


# --- every feed routes the same ----------------------------------------------------------


def through_sns(moto, message: str) -> str:
    """`message` published to a real SNS topic in moto, as its SQS subscriber receives it."""
    name = f"alarms-{uuid.uuid4().hex[:8]}"
    sns, sqs = moto.client("sns"), moto.client("sqs")
    topic = sns.create_topic(Name=name)["TopicArn"]
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    sns.publish(TopicArn=topic, Message=message, Subject="ALARM: checkout-p99-latency-high")
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1, WaitTimeSeconds=5)["Messages"]
    body = got[0]["Body"]
    assert json.loads(body)["Type"] == "Notification"
    return body


def test_sns_wrapped_and_classic_feeds_route_the_same(moto, tmp_path):
    responders = echo_responders(tmp_path)
    eventbridge = (EVENTS / "checkout-latency-eventbridge.json").read_text()
    notification = (EVENTS / "checkout-latency-notification.json").read_text()
    feeds = {
        "eventbridge": eventbridge,
        "eventbridge_via_sns": through_sns(moto, eventbridge),
        "alarm_notification": through_sns(moto, notification),
        "alarm_notification_message": notification,
    }
    seen = {}
    for feed, text in feeds.items():
        out = tmp_path / feed
        done = respond("--event", "-", "--responders", responders, "--source", f"local:{CHECKOUT}",
                       "-o", f"{out}/{{alarm.name}}/{{run_id}}.ipynb", stdin=text)
        assert done.returncode == 0, f"{feed}: {why(done)}"
        [record] = records_in(out)
        assert record.parent.name == "checkout-p99-latency-high"
        meta = json.loads(record.read_text())["metadata"]["playbook"]
        assert meta["cause"]["alarm"]["feed"] == feed
        alarm = {k: v for k, v in meta["cause"]["alarm"].items() if k not in ("feed", "arn")}
        seen[feed] = (meta["parameters"]["given"], alarm, meta["cause"]["rule"])
    first = next(iter(seen.values()))
    assert first[0] == {"alarm": "checkout-p99-latency-high", "load_balancer": "app/checkout-alb/5f3c2a1b9d8e7f60",
                        "start": "2026-11-12T13:12:00Z"}, first[0]
    for feed, got in seen.items():
        assert got == first, f"{feed} routes differently: {got} vs {first}"


# --- what starts nothing ----------------------------------------------------------------


def test_an_event_no_rule_matches_is_acknowledged_and_said(tmp_path):
    responders = echo_responders(tmp_path)
    event = json.loads((EVENTS / "checkout-latency-eventbridge.json").read_text())
    event["detail"]["alarmName"] = "search-p99-latency-high"
    done = respond("--event", "-", "--responders", responders, "-o", f"{tmp_path}/out/{{run_id}}.ipynb",
                   stdin=json.dumps(event))
    assert done.returncode == 0, why(done)
    assert "alarm search-p99-latency-high entering ALARM" in done.stderr
    assert "no rule of" in done.stderr and "nothing to run" in done.stderr
    assert records_in(tmp_path / "out") == []


@pytest.mark.parametrize("text, says", [
    ("", "expected a JSON object"),
    ("[]", "expected a JSON object"),
    ('{"detail-type": "CloudWatch Alarm State Change", "account": "1", "time": "x", "region": "us-east-1", '
     '"detail": {"state": {"value": "ALARM"}}}', "missing field `alarmName`"),
    ('{"Type": "Notification", "Message": "{\\"AlarmName\\": \\"a\\"}"}', "missing field `AWSAccountId`"),
    ((EVENTS / "eventbridge-single-metric.json").read_text().replace('"value": "ALARM"', '"value": "RED"'),
     "unknown variant `RED`, expected one of `OK`, `ALARM`, `INSUFFICIENT_DATA`"),
])
def test_a_malformed_event_is_bad_input_with_the_reason(tmp_path, text, says):
    responders = echo_responders(tmp_path)
    done = respond("--event", "-", "--responders", responders, "-o", f"{tmp_path}/out/{{run_id}}.ipynb",
                   stdin=text)
    assert done.returncode == 3, why(done)
    assert "not a CloudWatch alarm event" in done.stderr and says in done.stderr, done.stderr
    assert records_in(tmp_path / "out") == []


def test_the_report_and_the_postmortem_say_which_alarm_transition_started_the_run(tmp_path):
    responders = echo_responders(tmp_path)
    done = respond("--event", EVENTS / "checkout-latency-eventbridge.json", "--responders", responders,
                   "-o", f"{tmp_path}/out/{{run_id}}.ipynb")
    assert done.returncode == 0, why(done)
    [record] = records_in(tmp_path / "out")
    started_by = ("alarm checkout-p99-latency-high entering ALARM at 2026-11-12 14:12:00 UTC "
                  f"(rule echo, {responders} line ")
    for fmt in ("md", "html"):
        report = subprocess.run([PLAYBOOK, "report", record, "--format", fmt],
                                capture_output=True, text=True, timeout=120)
        assert report.returncode == 0, report.stderr
        assert "Started by" in report.stdout and started_by in report.stdout, report.stdout[:3000]
    review = subprocess.run([PLAYBOOK, "report", "--postmortem", record],
                            capture_output=True, text=True, timeout=120)
    assert review.returncode == 0, review.stderr
    run_id = json.loads(record.read_text())["metadata"]["playbook"]["run_id"]
    [row] = [line for line in review.stdout.splitlines() if "run trigger" in line]
    assert "2026-11-12" in row and "14:12" in row, row
    assert f"checkout-p99-latency-high entering ALARM started run {run_id} (rule echo)" in row, row
    # The alarm's time is the incident's, not the investigation's: it is in the timeline
    # before the run's own start.
    assert review.stdout.index("run trigger") < review.stdout.index("run started"), review.stdout


def test_a_bad_responders_file_is_refused_with_its_line_before_anything_runs(tmp_path):
    echo_notebook(tmp_path / "echo.ipynb")
    responders = tmp_path / "responders.yaml"
    responders.write_text(
        "rules:\n"
        "  - name: fine\n"
        "    notebook: echo.ipynb\n"
        "  - name: typo\n"
        "    alarm: \"checkout-*\"\n"
        "    notebook: echo.ipynb\n"
        "    parameters:\n"
        "      start: \"{alarm.time - 1hour}\"\n")
    done = respond("--event", EVENTS / "checkout-latency-eventbridge.json", "--responders", responders,
                   "-o", f"{tmp_path}/out/{{run_id}}.ipynb")
    assert done.returncode == 3, why(done)
    assert "line 4: rules[1] (typo): parameters.start: {alarm.time - 1hour}" in done.stderr, done.stderr
    assert records_in(tmp_path / "out") == []
    # An unknown placeholder in a delivery path is refused too, naming it.
    responders.write_text("rules:\n  - name: fine\n    notebook: echo.ipynb\n")
    done = respond("--event", EVENTS / "checkout-latency-eventbridge.json", "--responders", responders,
                   "-o", f"{tmp_path}/out/{{alarm.nmae}}.ipynb")
    assert done.returncode == 3, why(done)
    assert "unknown placeholder {alarm.nmae}" in done.stderr, done.stderr


# --- secrets ----------------------------------------------------------------------------


def test_secrets_in_the_alarms_reason_and_dimensions_never_reach_the_record(tmp_path):
    password = f"Pw{uuid.uuid4().hex[:14]}"
    token = "ghp_" + uuid.uuid4().hex + "ABCD"
    event = json.loads((EVENTS / "checkout-latency-eventbridge.json").read_text())
    event["detail"]["state"]["reason"] = f"Threshold Crossed (probe used password={password})"
    metric = event["detail"]["configuration"]["metrics"][0]["metricStat"]["metric"]
    metric["dimensions"]["Token"] = token
    responders = echo_responders(tmp_path, reason="{alarm.reason}", token="{alarm.dimension.Token}")
    out = tmp_path / "out"
    done = respond("--event", "-", "--responders", responders, "--source", f"local:{CHECKOUT}",
                   "-o", f"{out}/{{run_id}}.ipynb", "--summary", "-", stdin=json.dumps(event))
    assert done.returncode == 0, why(done)
    [record] = records_in(out)
    text = record.read_text()
    for secret in (password, token):
        assert secret not in text, "a secret of the alarm reached the record"
        assert secret not in done.stdout, "a secret of the alarm reached the summary"
        assert secret not in done.stderr, "a secret of the alarm reached the log"
    cause = cause_of(record)
    assert MASK in cause["alarm"]["reason"] and MASK in cause["alarm"]["dimensions"]["Token"], cause
    assert cause["alarm"]["dimensions"]["LoadBalancer"] == "app/checkout-alb/5f3c2a1b9d8e7f60"
    assert MASK in json.loads(done.stdout.splitlines()[-1])["cause"]["alarm"]["reason"]
