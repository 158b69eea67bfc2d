"""The alarm runs its playbook from a queue: `playbook respond --queue URL`, workers over a
real SQS queue in moto (the JSON protocol the worker speaks: moto answers it), claims in
real S3 in moto (conditional PutObject, `If-None-Match: *`: moto answers 412
PreconditionFailed as S3 does), the EventBridge samples of tests/fixtures/alarm-events,
SNS-wrapped notifications through a real SNS topic → SQS subscription, and a queue with a
real redrive policy to a dead-letter queue:

- the bundled latency alarm entering ALARM → a record in S3 with the alarm's window and
  the right verdicts (checks fail: exit 2), the summary saying so, the message deleted;
- the same transition delivered twice → one record; two workers racing on it → one run;
- a malformed event → the worker keeps going, the message is not deleted, and the
  redrive policy moves it to the dead-letter queue;
- a source outage (exit 4) → the message comes back;
- SIGTERM mid-run → the message is visible again at once, the claim released, exit 130;
- a flapping alarm (ALARM → OK → ALARM within --debounce) → one run, whose record lists
  the two transitions it absorbed.

Workers are stopped on teardown (SIGTERM, then SIGKILL after a deadline).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from support import PLAYBOOK

REPO = Path(__file__).resolve().parent.parent
EVENTS = REPO / "tests" / "fixtures" / "alarm-events"
CHECKOUT = REPO / "notebooks" / "data" / "checkout"
RESPONDERS = REPO / "examples" / "responders.yaml"
BUCKET = "incident-records"
# A ceiling for one run on a busy 2-core machine (cells may compile first), not a target.
RUN_CEILING = 600


class Worker:
    """One `playbook respond --queue` process, its stderr in a file."""

    def __init__(self, log: Path, *args: str | Path, env: dict):
        self.log = log
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [PLAYBOOK, "respond", *map(str, args)], stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT, env=env)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, predicate, what: str, timeout: float = RUN_CEILING) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            if predicate(text):
                return text
            assert self.process.poll() is None, f"the worker ended (exit {self.process.returncode}) before {what}:\n{text[-4000:]}"
            time.sleep(0.3)
        raise AssertionError(f"no {what} within {timeout} s:\n{self.text()[-4000:]}")

    def stop(self, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            raise


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []

    def start(*args: str | Path, env: dict) -> Worker:
        worker = Worker(tmp_path / f"worker-{len(started)}.log", *args, env=env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.send_signal(signal.SIGTERM)
    for worker in started:
        try:
            worker.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait(timeout=10)


@pytest.fixture
def aws(moto):
    moto.reset()
    moto.client("s3").create_bucket(Bucket=BUCKET)
    return moto


def make_queue(moto, *, max_receive: int | None = None) -> tuple[str, str | None]:
    """A queue (and, with `max_receive`, its dead-letter queue and redrive policy)."""
    sqs = moto.client("sqs")
    name = f"alarms-{uuid.uuid4().hex[:8]}"
    attributes = {"VisibilityTimeout": "60"}
    dlq = None
    if max_receive is not None:
        dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive)})
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url, dlq


def subscribe_through_sns(moto, queue: str) -> str:
    """A real SNS topic delivering to `queue`; its ARN."""
    sns, sqs = moto.client("sns"), moto.client("sqs")
    topic = sns.create_topic(Name=f"alarms-{uuid.uuid4().hex[:8]}")["TopicArn"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return topic


def messages_left(moto, queue: str) -> int:
    attributes = moto.client("sqs").get_queue_attributes(
        QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
    return sum(int(v) for v in attributes["Attributes"].values())


def echo_notebook(path: Path, *, cell: str = 'println!("{alarm}");') -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "playbook", "display_name": "Playbook (Rust)", "language": "rust"}
    nb.cells.append(nbformat.v4.new_code_cell('let alarm: String = "none".into();', metadata={"tags": ["parameters"]}))
    nb.cells.append(nbformat.v4.new_code_cell(cell))
    path.write_text(nbformat.writes(nb))
    return path


def responders(tmp_path: Path, notebook: Path, **rule) -> Path:
    path = tmp_path / "responders.json"
    path.write_text(json.dumps({"rules": [{
        "name": "echo", "alarm": "checkout-*", "notebook": str(notebook),
        "parameters": {"alarm": "{alarm.name}"}, **rule}]}, indent=2))
    return path


def keys(moto, prefix: str) -> list[str]:
    listed = moto.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return sorted(o["Key"] for o in listed)


def worker_args(queue: str, responder_file: Path, prefix: str, *more: str) -> list[str]:
    return ["--queue", queue, "--responders", str(responder_file), "--source", f"local:{CHECKOUT}",
            "-o", f"s3://{BUCKET}/{prefix}/{{alarm.name}}/{{run_id}}.ipynb",
            "--claims", f"s3://{BUCKET}/{prefix}-claims", "--retry-after", "1", *more]


EVENTBRIDGE = (EVENTS / "checkout-latency-eventbridge.json").read_text()
NOTIFICATION = (EVENTS / "checkout-latency-notification.json").read_text()


# --- the bundled incident: record, verdicts, summary, message deleted --------------------


def test_a_latency_alarm_on_the_queue_is_run_into_s3_and_its_message_deleted(aws, workers, tmp_path):
    queue, _ = make_queue(aws)
    aws.client("sqs").send_message(QueueUrl=queue, MessageBody=EVENTBRIDGE)
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    worker = workers(
        "--queue", queue, "--responders", RESPONDERS, "--source", f"local:{CHECKOUT}",
        "-o", f"s3://{BUCKET}/{prefix}/{{alarm.name}}/{{run_id}}.ipynb",
        "--summary", f"s3://{BUCKET}/{prefix}/{{alarm.name}}/{{run_id}}.json",
        env=aws.playbook_env())
    log = worker.wait_for(lambda t: ": deleted" in t, "deleted message")
    assert "exit 2 (check_failed): delivered" in log, log
    # The claims default to the records' bucket.
    assert f"claims at s3://{BUCKET}/playbook-claims/" in log, log
    assert messages_left(aws, queue) == 0
    found = keys(aws, prefix)
    records = [k for k in found if k.endswith(".ipynb")]
    summaries = [k for k in found if k.endswith(".json")]
    assert len(records) == 1 and len(summaries) == 1, found
    s3 = aws.client("s3")
    meta = json.loads(s3.get_object(Bucket=BUCKET, Key=records[0])["Body"].read())["metadata"]["playbook"]
    assert meta["window"] == {"start": "2026-11-12T13:12:00Z", "end": "2026-11-12T14:42:00Z"}
    verdicts = {c["name"]: c["verdict"] for c in meta["checks"]}
    assert verdicts["p99 latency is back under target"] == "fail", verdicts
    assert verdicts["a deploy preceded the spike"] == "pass", verdicts
    key = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-p99-latency-high@2026-11-12T14:12:00.000Z"
    assert meta["cause"]["key"] == key
    summary = json.loads(s3.get_object(Bucket=BUCKET, Key=summaries[0])["Body"].read())
    assert (summary["exit_code"], summary["exit_class"]) == (2, "check_failed")
    claim = json.loads(s3.get_object(
        Bucket=BUCKET,
        Key="playbook-claims/123456789012/eu-west-1/checkout-p99-latency-high/2026-11-12T14:12:00.000Z.json",
    )["Body"].read())
    assert (claim["key"], claim["state"]) == (key, "done"), claim
    assert worker.stop() == 130


# --- at least once, never twice ----------------------------------------------------------


def test_a_transition_delivered_twice_through_sns_makes_one_record(aws, workers, tmp_path):
    queue, _ = make_queue(aws)
    topic = subscribe_through_sns(aws, queue)
    for _ in range(2):
        aws.client("sns").publish(TopicArn=topic, Message=EVENTBRIDGE)
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    rules = responders(tmp_path, echo_notebook(tmp_path / "echo.ipynb"))
    worker = workers(*worker_args(queue, rules, prefix), env=aws.playbook_env())
    log = worker.wait_for(lambda t: t.count(": deleted") >= 2, "two deleted messages")
    assert log.count("rule echo runs") == 1, log
    assert "was run already" in log and "a duplicate delivery" in log, log
    assert len([k for k in keys(aws, prefix) if k.endswith(".ipynb")]) == 1
    assert messages_left(aws, queue) == 0
    assert worker.stop() == 130


def test_two_workers_racing_on_one_transition_run_it_once(aws, workers, tmp_path):
    """The same transition by two feeds (EventBridge raw, the alarm's own notification
    through SNS): one key, two messages, two workers."""
    queue, _ = make_queue(aws)
    topic = subscribe_through_sns(aws, queue)
    aws.client("sqs").send_message(QueueUrl=queue, MessageBody=EVENTBRIDGE)
    aws.client("sns").publish(TopicArn=topic, Message=NOTIFICATION)
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    rules = responders(tmp_path, echo_notebook(tmp_path / "echo.ipynb"))
    env = aws.playbook_env()
    first = workers(*worker_args(queue, rules, prefix), env=env)
    second = workers(*worker_args(queue, rules, prefix), env=env)
    deadline = time.monotonic() + RUN_CEILING
    while messages_left(aws, queue) and time.monotonic() < deadline:
        time.sleep(0.5)
    logs = first.text() + second.text()
    assert messages_left(aws, queue) == 0, logs
    assert logs.count("rule echo runs") == 1, logs
    assert len([k for k in keys(aws, prefix) if k.endswith(".ipynb")]) == 1, logs
    assert first.stop() == 130 and second.stop() == 130


# --- what is left on the queue -----------------------------------------------------------


def test_a_malformed_event_is_left_for_the_dead_letter_queue_and_the_worker_goes_on(aws, workers, tmp_path):
    queue, dlq = make_queue(aws, max_receive=2)
    sqs = aws.client("sqs")
    sqs.send_message(QueueUrl=queue, MessageBody='{"detail-type": "CloudWatch Alarm State Change"}')
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    rules = responders(tmp_path, echo_notebook(tmp_path / "echo.ipynb"))
    worker = workers(*worker_args(queue, rules, prefix), env=aws.playbook_env())
    log = worker.wait_for(lambda t: "left for the queue's redrive policy" in t, "the malformed event said")
    assert "not a CloudWatch alarm event" in log and "missing field" in log, log
    # The worker goes on: a good event after it is run and deleted.
    sqs.send_message(QueueUrl=queue, MessageBody=EVENTBRIDGE)
    log = worker.wait_for(lambda t: ": deleted" in t, "the good event deleted")
    # After maxReceiveCount receives, SQS moves the malformed one to the dead-letter queue.
    deadline = time.monotonic() + 60
    dead = []
    while not dead and time.monotonic() < deadline:
        dead = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages", [])
    assert dead and "CloudWatch Alarm State Change" in dead[0]["Body"], worker.text()
    assert log.count(": deleted") == 1, "the malformed message is never deleted"
    assert worker.stop() == 130


def test_a_source_outage_leaves_the_message_to_come_back(aws, workers, tmp_path):
    """The alarm's region is throttled by the test proxy (every CloudWatch call there):
    the run ends in exit 4, and the message is received again."""
    queue, _ = make_queue(aws)
    event = json.loads(EVENTBRIDGE.replace("eu-west-1", "ap-south-1"))
    aws.client("sqs").send_message(QueueUrl=queue, MessageBody=json.dumps(event))
    notebook = echo_notebook(
        tmp_path / "metrics.ipynb",
        cell="%%metrics --since 1h\nAWS/ApplicationELB TargetResponseTime LoadBalancer=x Average")
    rules = responders(tmp_path, notebook, source="cloudwatch")
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    aws.proxy.throttle_region("ap-south-1")
    try:
        worker = workers(*worker_args(queue, rules, prefix), env=aws.playbook_env())
        log = worker.wait_for(lambda t: "(delivery 2)" in t, "the message back")
    finally:
        aws.proxy.throttle_region("ap-south-1", on=False)
    assert "exit 4 (source_unavailable): left to come back in 1 s (retryable)" in log, log
    assert ": deleted" not in log
    assert worker.stop() == 130
    assert messages_left(aws, queue) == 1


def test_sigterm_mid_run_makes_the_message_visible_again_and_exits_130(aws, workers, tmp_path):
    queue, _ = make_queue(aws)
    aws.client("sqs").send_message(QueueUrl=queue, MessageBody=EVENTBRIDGE)
    notebook = echo_notebook(tmp_path / "slow.ipynb",
                             cell="std::thread::sleep(std::time::Duration::from_secs(120));")
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    worker = workers(*worker_args(queue, responders(tmp_path, notebook), prefix), env=aws.playbook_env())
    worker.wait_for(lambda t: "rule echo runs" in t, "the run started")
    time.sleep(2)
    stopped = time.monotonic()
    assert worker.stop() == 130, worker.text()
    assert time.monotonic() - stopped < 40
    log = worker.text()
    assert "abandoning the run" in log and "visible again now" in log, log
    # Visible again at once (its visibility timeout is 60 s), and the claim released.
    got = aws.client("sqs").receive_message(QueueUrl=queue, WaitTimeSeconds=2).get("Messages", [])
    assert got and got[0]["Body"] == EVENTBRIDGE
    claims = keys(aws, f"{prefix}-claims/")
    assert [k for k in claims if not k.endswith("/window.json")] == [], claims


# --- flapping -----------------------------------------------------------------------------


def transition(state: str, previous: str, at: str) -> str:
    """The bundled latency alarm's EventBridge event, entering `state` from `previous` at `at`."""
    event = json.loads(EVENTBRIDGE)
    event["time"] = at
    event["detail"]["state"].update(value=state, timestamp=at.replace("Z", ".000+0000"))
    event["detail"]["previousState"]["value"] = previous
    return json.dumps(event)


def test_a_flapping_alarm_runs_once_and_its_record_lists_what_it_absorbed(aws, workers, tmp_path):
    queue, _ = make_queue(aws)
    sqs = aws.client("sqs")
    for state, previous, at in [("ALARM", "OK", "2026-11-12T14:12:00Z"), ("OK", "ALARM", "2026-11-12T14:14:00Z"),
                                ("ALARM", "OK", "2026-11-12T14:16:00Z")]:
        sqs.send_message(QueueUrl=queue, MessageBody=transition(state, previous, at))
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    rules = responders(tmp_path, echo_notebook(tmp_path / "echo.ipynb"))
    worker = workers(*worker_args(queue, rules, prefix), env=aws.playbook_env())
    log = worker.wait_for(lambda t: t.count(": deleted") >= 3, "three deleted messages")
    assert log.count("rule echo runs") == 1, log
    assert log.count("absorbed by the run of") == 2, log
    [record] = [k for k in keys(aws, prefix) if k.endswith(".ipynb")]
    cause = json.loads(aws.client("s3").get_object(Bucket=BUCKET, Key=record)["Body"].read())["metadata"]["playbook"]["cause"]
    assert cause["alarm"]["time"] == "2026-11-12T14:12:00Z"
    assert cause["absorbed"] == [
        {"state": "OK", "previous_state": "ALARM", "time": "2026-11-12T14:14:00Z"},
        {"state": "ALARM", "previous_state": "OK", "time": "2026-11-12T14:16:00Z"},
    ], cause
    assert messages_left(aws, queue) == 0
    assert worker.stop() == 130
