"""Playbooks that run without a person: `playbook run` driven by a scheduler, a CI job or
a Kubernetes CronJob, end to end against real parts:

- moto (S3, STS, SNS delivering to an SQS queue, CloudWatch behind the RPCv2-CBOR proxy,
  tests/aws) for records, reports and summaries in S3, assumed roles, published metrics,
  notifications and the source failures the exit code classifies;
- local webhook servers (http.server in a thread): one that answers 200 and keeps what
  it got, one that answers 500 and counts attempts, one that never answers.

Each test is named after what it guards. Every notebook runs at least one (empty)
CloudWatch query: the run's account, region and role are read from its queries.
`PLAYBOOK_DELIVERY_TIMEOUT=4` keeps failing deliveries short.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import string
import subprocess
import threading
import time
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import nbformat
import pytest
from conftest import notebook
from support import PLAYBOOK, run_playbook

SUMMARY_SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "run-summary.schema.json"
BUCKET = "playbook-records"
ACCOUNT = "123456789012"  # moto's default account (the test credentials' own)
ROLE_ACCOUNT = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ROLE_ACCOUNT}:role/playbook-reader"
REGION = "us-east-1"
DELIVERY_TIMEOUT = 4  # seconds, all attempts of one delivery (PLAYBOOK_DELIVERY_TIMEOUT)
MASK = "[masked by playbook]"
# A secret-looking value, new for every session: it must never leave the run unmasked.
SECRET = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(24))

# One CloudWatch query: an empty result is fine, it makes the run talk to the account.
METRICS_CELL = "%%metrics --since 1h\nPlaybooks/Test RequestCount Service=checkout Sum"
PARAMETERS = 'let service: String = "checkout".into();\nlet p99_threshold_ms: f64 = 500.0;'


# --- notebooks ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory):
    """The playbooks of this module. `canary` passes by default (p99 300 < 500 ms) and
    fails its "p99 latency" check with `-p p99_threshold_ms=200`; "error rate" passes."""
    d = tmp_path_factory.mktemp("playbooks")
    before = set(runs_dir().iterdir()) if runs_dir().is_dir() else set()
    yield SimpleNamespace(
        canary=notebook(
            d / "canary.ipynb",
            METRICS_CELL,
            '// p99\nCheck::new("p99 latency").expect_below(300.0, p99_threshold_ms)',
            '// errors\nCheck::new("error rate").expect_below(0.1, 1.0)',
            parameters=PARAMETERS,
        ),
        broken=notebook(
            d / "broken.ipynb",
            METRICS_CELL,
            '// break\npanic!("deliberate failure in the playbook");',
            'println!("never runs");',
            parameters=PARAMETERS,
        ),
        slow=notebook(
            d / "slow.ipynb",
            METRICS_CELL,
            '// first\nprintln!("first cell done");',
            "// wait\nstd::thread::sleep(std::time::Duration::from_secs(60));",
            'println!("never runs");',
            parameters=PARAMETERS,
        ),
        leaky=notebook(
            d / "leaky.ipynb",
            METRICS_CELL,
            f'// deploy\nprintln!("deploying {{service}} with token {SECRET}");',
            f'// verdict\nCheck::new("token {SECRET} rejected").expect(false)',
            parameters=PARAMETERS,
        ),
    )
    remove_local_copies(before, d)


def remove_local_copies(before: set[Path], playbooks: Path) -> None:
    """Removes the local copies (runs/<run_id>/) of S3 records this module's runs left."""
    for run_dir in set(runs_dir().iterdir()) - before if runs_dir().is_dir() else ():
        try:
            ours = any(run_metadata(f.read_bytes())["notebook"].startswith(str(playbooks))
                       for f in run_dir.glob("*.ipynb"))
        except (OSError, ValueError, KeyError):
            continue
        if ours:
            shutil.rmtree(run_dir, ignore_errors=True)


FAIL_P99 = ("-p", "p99_threshold_ms=200")


# --- running -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def aws(moto):
    """moto with a clean slate and the records bucket."""
    moto.reset()
    moto.client("s3").create_bucket(Bucket=BUCKET)
    yield moto
    proxy(moto, "/__proxy/throttle?n=0")


@pytest.fixture
def env(aws) -> dict[str, str]:
    return aws.playbook_env(PLAYBOOK_SOURCE="cloudwatch", PLAYBOOK_DELIVERY_TIMEOUT=str(DELIVERY_TIMEOUT))


@pytest.fixture
def prefix() -> str:
    """A key prefix of this test's own, so placeholders can be checked key by key."""
    return f"t-{uuid.uuid4().hex[:10]}"


def run(nb: Path, *args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    return run_playbook(nb, *args, env=env, timeout=timeout)


def why(done: subprocess.CompletedProcess) -> str:
    """The exit code and the run's log (its start and end when long), for a message."""
    log = done.stderr if len(done.stderr) < 3000 else f"{done.stderr[:1500]}\n[…]\n{done.stderr[-1500:]}"
    return f"exit {done.returncode}; stderr:\n{log}"


def summary_of(done: subprocess.CompletedProcess) -> dict:
    """The summary `--summary -` printed: one line of JSON, the last on stdout."""
    lines = done.stdout.splitlines()
    assert lines, f"nothing on stdout; {why(done)}"
    return valid_summary(json.loads(lines[-1]))


def valid_summary(summary: dict) -> dict:
    """`summary`, checked against docs/run-summary.schema.json."""
    jsonschema.validate(summary, json.loads(SUMMARY_SCHEMA.read_text()))
    return summary


def proxy(moto, path: str, method: str = "POST") -> dict:
    request = urllib.request.Request(moto.url + path, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


@contextmanager
def cloudwatch_failing(moto, code: str, n: int = 200):
    """The next `n` CloudWatch requests fail with AWS error `code`; off again after."""
    proxy(moto, f"/__proxy/throttle?n={n}&code={code}&status=400")
    try:
        yield
    finally:
        proxy(moto, "/__proxy/throttle?n=0")


def cloudwatch_in(moto, region: str):
    """A boto3 CloudWatch client straight into moto, in `region`."""
    import boto3
    return boto3.client("cloudwatch", endpoint_url=moto.moto_url, region_name=region,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def s3_object(moto, uri: str) -> tuple[bytes, str]:
    """The body and content type of `s3://bucket/key`."""
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    got = moto.client("s3").get_object(Bucket=bucket, Key=key)
    return got["Body"].read(), got["ContentType"]


def s3_keys(moto, prefix: str) -> list[str]:
    listed = moto.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def run_metadata(record: bytes | str) -> dict:
    """`metadata.playbook` of a record."""
    return json.loads(record)["metadata"]["playbook"]


def output(summary: dict, what: str) -> dict:
    found = [o for o in summary["outputs"] if o["what"] == what]
    assert len(found) == 1, summary["outputs"]
    return found[0]


def runs_dir() -> Path:
    """Where a run whose record goes to S3 keeps its local copy (`runs/<run_id>/`)."""
    if os.environ.get("PLAYBOOK_CACHE"):
        return Path(os.environ["PLAYBOOK_CACHE"]) / "runs"
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "playbook" / "runs"
    return Path.home() / ".cache" / "playbook" / "runs"


def local_copy(run_id: str, key: str) -> Path:
    return runs_dir() / run_id / key.rsplit("/", 1)[-1]


# --- SNS → SQS ---------------------------------------------------------------------------

@pytest.fixture
def topic(aws):
    """A new SNS topic with an SQS queue subscribed: (topic ARN, receive())."""
    name = f"oncall-{uuid.uuid4().hex[:8]}"
    sns, sqs = aws.client("sns"), aws.client("sqs")
    arn = sns.create_topic(Name=name)["TopicArn"]
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)

    def receive(wait: int = 2) -> list[dict]:
        """The SNS envelopes (Subject, Message, …) waiting in the queue."""
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=wait)
        return [json.loads(m["Body"]) for m in got.get("Messages", [])]

    return arn, receive


# --- webhooks ----------------------------------------------------------------------------

@dataclass
class Webhook:
    """A local webhook endpoint: `answer` is 200, 500, or None (accept, never answer)."""
    answer: int | None
    bodies: list[bytes] = field(default_factory=list)
    headers: list[dict] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T000/B000/xyzzy"

    @property
    def shown(self) -> str:
        """How the summary names it: by scheme and host only (a webhook's path is often its
        secret)."""
        return f"webhook http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Webhook:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hook.bodies.append(body)
                hook.headers.append({k.lower(): v for k, v in self.headers.items()})
                if hook.answer is None:
                    hook.release.wait(60)
                    return
                self.send_response(hook.answer)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhooks():
    hooks = SimpleNamespace(ok=Webhook(200).start(), failing=Webhook(500).start(), silent=Webhook(None).start())
    yield hooks
    for hook in vars(hooks).values():
        hook.stop()


# --- EMF ---------------------------------------------------------------------------------

# CloudWatch's MetricDatum units, the only ones EMF accepts.
EMF_UNITS = {
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
    "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
    "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
}


def emf_problems(line: str) -> list[str]:
    """What in one line breaks the structure of the Embedded Metric Format specification
    (a root object with `_aws`: Timestamp in epoch ms, CloudWatchMetrics directives of a
    Namespace, dimension sets of ≤ 30 top-level string members, ≤ 100 metrics each naming
    a top-level numeric member)."""
    problems = []
    try:
        root = json.loads(line)
    except ValueError as e:
        return [f"not JSON: {e}"]
    if not isinstance(root, dict):
        return ["the root is not an object"]
    meta = root.get("_aws")
    if not isinstance(meta, dict):
        return ["no _aws object"]
    ts = meta.get("Timestamp")
    if not isinstance(ts, int) or isinstance(ts, bool):
        problems.append(f"_aws.Timestamp {ts!r} is not an integer")
    elif abs(ts - time.time() * 1000) > 15 * 60 * 1000:
        problems.append(f"_aws.Timestamp {ts} is not epoch milliseconds of now")
    directives = meta.get("CloudWatchMetrics")
    if not isinstance(directives, list) or not directives:
        return problems + ["_aws.CloudWatchMetrics is not a non-empty array"]
    for d in directives:
        if not isinstance(d, dict):
            problems.append(f"directive {d!r} is not an object")
            continue
        ns = d.get("Namespace")
        if not isinstance(ns, str) or not 1 <= len(ns) <= 255:
            problems.append(f"Namespace {ns!r}")
        dims = d.get("Dimensions")
        if not isinstance(dims, list):
            problems.append(f"Dimensions {dims!r} is not an array")
            dims = []
        for dim_set in dims:
            if not isinstance(dim_set, list) or len(dim_set) > 30:
                problems.append(f"dimension set {dim_set!r} is not an array of at most 30")
                continue
            for name in dim_set:
                if not isinstance(name, str) or not isinstance(root.get(name), str):
                    problems.append(f"dimension {name!r} is not a top-level string member")
        metrics = d.get("Metrics")
        if not isinstance(metrics, list) or not 1 <= len(metrics) <= 100:
            problems.append(f"Metrics {metrics!r} is not an array of 1 to 100")
            metrics = []
        for m in metrics:
            name = m.get("Name") if isinstance(m, dict) else None
            if not isinstance(name, str) or not 1 <= len(name) <= 255:
                problems.append(f"metric {m!r} has no Name")
                continue
            value = root.get(name)
            numbers = value if isinstance(value, list) else [value]
            if not numbers or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers):
                problems.append(f"metric {name!r} is not a top-level numeric member: {value!r}")
            if "Unit" in m and m["Unit"] not in EMF_UNITS:
                problems.append(f"metric {name!r} has unit {m['Unit']!r}")
    return problems


# --- 1. outputs in S3 --------------------------------------------------------------------

def test_record_html_report_and_summary_land_in_s3_under_expanded_keys(aws, env, notebooks, prefix):
    done = run(
        notebooks.canary,
        "-o", f"s3://{BUCKET}/{prefix}/{{notebook}}/{{date}}/{{run_id}}.ipynb",
        "--report", f"s3://{BUCKET}/{prefix}/{{target}}-{{param.service}}-{{time}}.html",
        "--summary", f"s3://{BUCKET}/{prefix}/summaries/{{datetime}}-{{run_id}}.json",
        "--target-name", "eu-west",
        env=env,
    )
    assert done.returncode == 0, why(done)
    summaries = [k for k in s3_keys(aws, prefix) if k.endswith(".json")]
    assert len(summaries) == 1, s3_keys(aws, prefix)
    body, kind = s3_object(aws, f"s3://{BUCKET}/{summaries[0]}")
    assert kind == "application/json"
    summary = valid_summary(json.loads(body))
    run_id, started = summary["run_id"], summary["started"]
    date, hhmmss = started[:10], started[11:19].replace(":", "")
    record_uri = f"s3://{BUCKET}/{prefix}/canary/{date}/{run_id}.ipynb"
    report_uri = f"s3://{BUCKET}/{prefix}/eu-west-checkout-{hhmmss}.html"
    summary_key = f"{prefix}/summaries/{date}T{hhmmss}Z-{run_id}.json"
    assert s3_keys(aws, prefix) == sorted([record_uri[len(f"s3://{BUCKET}/"):],
                                           report_uri[len(f"s3://{BUCKET}/"):], summary_key])

    # The summary names where the record and report went, and the run's facts.
    assert output(summary, "record") == {"what": "record", "to": record_uri, "ok": True}
    assert output(summary, "report") == {"what": "report", "to": report_uri, "ok": True}
    assert (summary["status"], summary["exit_code"], summary["exit_class"]) == ("ok", 0, "ok")
    assert summary["target"] == "eu-west"
    assert summary["parameters"] == {"service": "checkout", "p99_threshold_ms": 500.0}
    assert summary["source"] == "cloudwatch" and summary["region"] == REGION
    assert summary["account"] == ACCOUNT
    assert [c["verdict"] for c in summary["checks"]] == ["pass", "pass"]

    record, kind = s3_object(aws, record_uri)
    assert kind == "application/x-ipynb+json"
    meta = run_metadata(record)
    assert meta["run_id"] == run_id and meta["status"] == "ok"
    nbformat.validate(nbformat.reads(record.decode(), as_version=4))

    report, kind = s3_object(aws, report_uri)
    assert kind == "text/html; charset=utf-8"
    assert b"<html" in report[:500].lower() and b"p99 latency" in report

    # The record was also written locally, after every cell, and is the one uploaded.
    local = local_copy(run_id, record_uri)
    assert local.is_file(), f"no local copy at {local}"
    assert run_metadata(local.read_bytes()) == meta


def test_markdown_report_goes_to_s3_and_the_summary_to_stdout(aws, env, notebooks, prefix):
    done = run(
        notebooks.canary,
        "-o", f"s3://{BUCKET}/{prefix}/{{run_id}}.ipynb",
        "--report", f"s3://{BUCKET}/{prefix}/{{notebook}}-{{run_id}}.md",
        "--summary", "-",
        env=env,
    )
    assert done.returncode == 0, why(done)
    assert len(done.stdout.strip().splitlines()) == 1, done.stdout
    summary = summary_of(done)
    run_id = summary["run_id"]
    report_uri = f"s3://{BUCKET}/{prefix}/canary-{run_id}.md"
    assert output(summary, "report") == {"what": "report", "to": report_uri, "ok": True}
    assert output(summary, "record")["to"] == f"s3://{BUCKET}/{prefix}/{run_id}.ipynb"
    report, kind = s3_object(aws, report_uri)
    assert kind == "text/markdown; charset=utf-8"
    assert report.lstrip().startswith(b"#") and b"p99 latency" in report
    assert [s["status"] for s in summary["steps"]] == ["ok"] * len(summary["steps"]) and summary["steps"]


def test_an_s3_key_with_spaces_plus_equals_and_unicode_is_stored_under_that_exact_key(aws, env, notebooks, prefix):
    # PutObject is a signed REST call of the engine's own (engine/src/aws_call/): the key is
    # percent-encoded segment by segment in the path and in the signature, as SigV4 wants;
    # S3 (moto) decodes it, so the object must be found under the very key the run named.
    key = f"{prefix}/odd keys/a b+c=d&e/Überprüfung 東京 {{run_id}}.md"
    done = run(notebooks.canary, "--report", f"s3://{BUCKET}/{key}", "--summary", "-", env=env)
    assert done.returncode == 0, why(done)
    summary = summary_of(done)
    uri = f"s3://{BUCKET}/{key}".replace("{run_id}", summary["run_id"])
    assert output(summary, "report") == {"what": "report", "to": uri, "ok": True}
    report, kind = s3_object(aws, uri)
    assert kind == "text/markdown; charset=utf-8"
    assert b"p99 latency" in report
    assert uri.removeprefix(f"s3://{BUCKET}/") in s3_keys(aws, f"{prefix}/odd keys/")
    assert summary["duration"] > 0 and summary["finished"] >= summary["started"]


# --- 2. a run that stops early still delivers its record ---------------------------------

def test_a_failed_check_still_uploads_the_record(aws, env, notebooks, prefix):
    uri = f"s3://{BUCKET}/{prefix}/record.ipynb"
    done = run(notebooks.canary, *FAIL_P99, "-o", uri, "--summary", "-", env=env)
    assert done.returncode == 2, why(done)
    meta = run_metadata(s3_object(aws, uri)[0])
    assert meta["status"] == "check failed"
    assert {c["name"]: c["verdict"] for c in meta["checks"]} == {"p99 latency": "fail", "error rate": "pass"}
    summary = summary_of(done)
    assert (summary["status"], summary["exit_code"], summary["exit_class"]) == ("check failed", 2, "check_failed")
    assert summary["retryable"] is False
    failed = next(c for c in summary["checks"] if c["name"] == "p99 latency")
    assert failed["verdict"] == "fail" and "300" in failed["observed"] and "200" in failed["expected"]


def test_a_failed_cell_still_uploads_the_record(aws, env, notebooks, prefix):
    uri = f"s3://{BUCKET}/{prefix}/record.ipynb"
    done = run(notebooks.broken, "-o", uri, "--summary", "-", env=env)
    assert done.returncode == 1, why(done)
    record = s3_object(aws, uri)[0]
    meta = run_metadata(record)
    assert meta["status"] == "failed"
    assert meta["failures"] and "deliberate failure" in meta["failures"][0]["evalue"]
    assert b"never runs\\n" not in record
    summary = summary_of(done)
    assert (summary["status"], summary["exit_code"], summary["exit_class"]) == ("failed", 1, "cell_failed")
    assert summary["failed_cell"]["cell"] == meta["failures"][0]["cell"]
    assert "deliberate failure" in summary["failed_cell"]["evalue"]
    assert output(summary, "record") == {"what": "record", "to": uri, "ok": True}


def test_sigterm_mid_run_still_uploads_the_record_marked_interrupted(aws, env, notebooks, prefix):
    uri = f"s3://{BUCKET}/{prefix}/record.ipynb"
    before = set(runs_dir().iterdir()) if runs_dir().is_dir() else set()
    process = subprocess.Popen([PLAYBOOK, "run", str(notebooks.slow), "-o", uri, "--summary", "-"],
                               env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        # Wait until the local record shows the "first" cell done (the next one sleeps 60 s).
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, f"the run ended early: {process.communicate()}"
            assert time.monotonic() < deadline, "the first cell was never recorded as done"
            fresh = [d for d in runs_dir().iterdir() if d not in before] if runs_dir().is_dir() else []
            records = [f for d in fresh for f in d.glob("record.ipynb")]
            if records and first_cell_done(records[0]):
                break
            time.sleep(0.2)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, stderr
    assert time.monotonic() - started < 30, "SIGTERM did not stop the sleeping cell promptly"
    record = s3_object(aws, uri)[0]
    meta = run_metadata(record)
    assert meta["status"] == "interrupted"
    assert b"first cell done" in record
    summary = valid_summary(json.loads(stdout.splitlines()[-1]))
    assert (summary["status"], summary["exit_code"], summary["exit_class"]) == ("interrupted", 130, "interrupted")
    assert output(summary, "record") == {"what": "record", "to": uri, "ok": True}


def first_cell_done(path: Path) -> bool:
    """Whether the record at `path` shows the cell printing "first cell done" as ok."""
    try:
        cells = json.loads(path.read_text())["cells"]
    except (OSError, ValueError):
        return False  # not written yet (written atomically, but be lenient)
    return any("first cell done" in "".join(c["source"]) and
               c.get("metadata", {}).get("playbook", {}).get("status") == "ok" for c in cells)


# --- 3. an assumed role --------------------------------------------------------------------

def test_an_assumed_role_makes_the_run_read_in_the_roles_account(aws, env, notebooks, prefix):
    iam = aws.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}
    try:
        iam.create_role(RoleName="playbook-reader", AssumeRolePolicyDocument=json.dumps(trust))
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    uri = f"s3://{BUCKET}/{prefix}/record.ipynb"
    done = run(notebooks.canary, "--role-arn", ROLE_ARN, "--role-session-name", "nightly-canary",
               "-o", uri, "--summary", "-", env=env)
    assert done.returncode == 0, why(done)
    summary = summary_of(done)
    assert summary["account"] == ROLE_ACCOUNT
    assert summary["role"] == ROLE_ARN
    assert summary["region"] == REGION
    meta = run_metadata(s3_object(aws, uri)[0])
    assert (meta["account"], meta["role"], meta["region"]) == (ROLE_ACCOUNT, ROLE_ARN, REGION)


def test_region_flag_sets_the_region_of_queries_and_metrics(aws, env, notebooks):
    namespace = f"Playbooks/{uuid.uuid4().hex[:8]}"
    done = run(notebooks.canary, "--region", "eu-west-1", "--publish-metrics", namespace,
               "--summary", "-", env=env)
    assert done.returncode == 0, why(done)
    summary = summary_of(done)
    assert summary["region"] == "eu-west-1"
    listed = {region: cloudwatch_in(aws, region).list_metrics(Namespace=namespace)["Metrics"]
              for region in ("eu-west-1", REGION)}
    assert {m["MetricName"] for m in listed["eu-west-1"]} == {"CheckFailed", "RunFailed", "RunDuration"}
    assert listed[REGION] == [], "metrics went to the environment's region, not --region's"


# --- 4. verdicts as CloudWatch metrics -------------------------------------------------

def datapoints(aws, namespace: str, name: str, dims: dict[str, str]) -> list[dict]:
    """The datapoints (Maximum, Unit) of one metric of the last and next 15 minutes."""
    now = time.time()
    return aws.client("cloudwatch").get_metric_statistics(
        Namespace=namespace, MetricName=name,
        Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
        StartTime=now - 900, EndTime=now + 900, Period=60, Statistics=["Maximum"],
    )["Datapoints"]


def metric_value(aws, namespace: str, name: str, dims: dict[str, str]) -> list[float]:
    return [p["Maximum"] for p in datapoints(aws, namespace, name, dims)]


def test_publish_metrics_sends_check_and_run_verdicts_in_one_call(aws, env, notebooks):
    namespace = f"Playbooks/{uuid.uuid4().hex[:8]}"
    proxy(aws, "/__proxy/stats/reset")
    done = run(notebooks.canary, *FAIL_P99, "--publish-metrics", namespace, "--target-name", "eu-west",
               "--summary", "-", env=env)
    assert done.returncode == 2, why(done)
    assert proxy(aws, "/__proxy/stats", "GET")["operations"].get("PutMetricData") == 1
    summary = summary_of(done)
    assert {"what": "metrics", "to": namespace, "ok": True} in summary["deliveries"]
    run_dims = {"Playbook": "canary", "Target": "eu-west"}
    assert metric_value(aws, namespace, "CheckFailed", {**run_dims, "Check": "p99 latency"}) == [1.0]
    assert metric_value(aws, namespace, "CheckFailed", {**run_dims, "Check": "error rate"}) == [0.0]
    assert metric_value(aws, namespace, "RunFailed", run_dims) == [1.0]
    (duration,) = datapoints(aws, namespace, "RunDuration", run_dims)
    assert duration["Unit"] == "Seconds" and 0 < duration["Maximum"] <= summary["duration"] + 1
    listed = aws.client("cloudwatch").list_metrics(Namespace=namespace)["Metrics"]
    assert {m["MetricName"] for m in listed} == {"CheckFailed", "RunFailed", "RunDuration"}


# --- 5. Embedded Metric Format ----------------------------------------------------------

def test_emf_lines_follow_the_embedded_metric_format(aws, env, notebooks):
    done = run(notebooks.canary, *FAIL_P99, "--emf", "--target-name", "eu-west", "--summary", "-", env=env)
    assert done.returncode == 2, why(done)
    lines = done.stdout.splitlines()
    summary, emf = summary_of(done), lines[:-1]
    assert len(emf) == len(summary["checks"]) + 1 == 3, done.stdout
    for line in emf:
        assert emf_problems(line) == [], line
    objects = [json.loads(line) for line in emf]
    by_check = {o["Check"]: o for o in objects if "Check" in o}
    assert by_check["p99 latency"]["CheckFailed"] == 1
    assert by_check["error rate"]["CheckFailed"] == 0
    run_line = next(o for o in objects if "RunFailed" in o)
    assert run_line["RunFailed"] == 1 and run_line["RunDuration"] > 0
    for o in objects:
        assert (o["Playbook"], o["Target"]) == ("canary", "eu-west")
        directive = o["_aws"]["CloudWatchMetrics"][0]
        assert directive["Namespace"]
        assert "Target" in directive["Dimensions"][0] and "Playbook" in directive["Dimensions"][0]
    assert {"what": "emf", "to": "stdout", "ok": True} in summary["deliveries"]


# --- 6. SNS notifications ----------------------------------------------------------------

def test_sns_notification_names_the_failed_check_and_the_record(aws, env, notebooks, prefix, topic):
    arn, receive = topic
    uri = f"s3://{BUCKET}/{prefix}/{{run_id}}.ipynb"
    done = run(notebooks.canary, *FAIL_P99, "-o", uri, "--notify", f"sns:{arn}", "--target-name", "eu-west",
               "--summary", "-", env=env)
    assert done.returncode == 2, why(done)
    summary = summary_of(done)
    record_uri = f"s3://{BUCKET}/{prefix}/{summary['run_id']}.ipynb"
    assert {"what": "notification", "to": f"sns:{arn}", "ok": True} in summary["deliveries"]
    messages = receive()
    assert len(messages) == 1, messages
    subject, text = messages[0]["Subject"], messages[0]["Message"]
    assert subject == "[playbook] eu-west: CHECK FAILED"
    assert "p99 latency" in text and "observed 300" in text and "200" in text
    assert "error rate" not in text, "only failed checks are listed"
    assert record_uri in text
    assert summary["run_id"] in text


def test_no_sns_notification_for_a_passing_run_when_notifying_on_failure(aws, env, notebooks, topic):
    arn, receive = topic
    done = run(notebooks.canary, "--notify", f"sns:{arn}", "--notify-on", "failure", "--summary", "-", env=env)
    assert done.returncode == 0, why(done)
    assert not [d for d in summary_of(done)["deliveries"] if d["what"] == "notification"]
    assert receive(wait=1) == []


# --- 7. webhooks ---------------------------------------------------------------------------

def test_webhooks_are_retried_bounded_and_never_change_the_exit_code(aws, env, notebooks, webhooks):
    began = time.monotonic()
    baseline = run(notebooks.canary, *FAIL_P99, "--summary", "-", env=env)
    baseline_took, began = time.monotonic() - began, time.monotonic()
    done = run(notebooks.canary, *FAIL_P99, "--summary", "-",
               "--notify", webhooks.ok.url, "--notify", webhooks.failing.url, "--notify", webhooks.silent.url,
               env=env)
    took = time.monotonic() - began
    assert done.returncode == baseline.returncode == 2, why(done)
    summary = summary_of(done)

    # The one answering 200 got the text and the whole summary, once.
    assert len(webhooks.ok.bodies) == 1
    body = json.loads(webhooks.ok.bodies[0])
    assert set(body) == {"text", "summary"}
    assert body["summary"]["run_id"] == summary["run_id"]
    assert body["summary"]["schema"] == "playbook.run-summary/1"
    assert "p99 latency" in body["text"]
    assert webhooks.ok.headers[0].get("content-type", "").startswith("application/json")
    # 500 is retried up to 3 attempts; the silent one times out within the deadline.
    assert len(webhooks.failing.bodies) == 3
    assert len(webhooks.silent.bodies) >= 1

    notifications = [d for d in summary["deliveries"] if d["what"] == "notification"]
    assert [(d["to"], d["ok"]) for d in notifications] == [
        (webhooks.ok.shown, True), (webhooks.failing.shown, False), (webhooks.silent.shown, False)]
    assert "error" not in notifications[0]
    assert "500" in notifications[1]["error"]
    assert re.search(r"within|time|answer", notifications[2]["error"], re.I), notifications[2]
    assert "could not be delivered" in done.stderr
    assert "xyzzy" not in json.dumps(summary), "a webhook's path is not shown"
    # Bounded: the 500 one backs off 1 s then 2 s, the silent one gets one deadline
    # (PLAYBOOK_DELIVERY_TIMEOUT), not 3 attempts of 10 s nor the default 30 s.
    assert took - baseline_took < 3 + DELIVERY_TIMEOUT + 8, (took, baseline_took)


# --- 8. exit codes by class ----------------------------------------------------------------

def test_throttled_cloudwatch_is_exit_4_and_retryable(aws, env, notebooks):
    with cloudwatch_failing(aws, "ThrottlingException"):
        done = run(notebooks.canary, "--summary", "-", env=env)
    assert done.returncode == 4, why(done)
    summary = summary_of(done)
    assert (summary["exit_code"], summary["exit_class"], summary["retryable"]) == (4, "source_unavailable", True)
    assert summary["status"] == "failed" and summary["failed_cell"]


def test_access_denied_is_exit_5_and_not_retryable(aws, env, notebooks):
    with cloudwatch_failing(aws, "AccessDeniedException"):
        done = run(notebooks.canary, "--summary", "-", env=env)
    assert done.returncode == 5, why(done)
    summary = summary_of(done)
    assert (summary["exit_code"], summary["exit_class"], summary["retryable"]) == (5, "source_refused", False)
    assert "AccessDenied" in summary["failed_cell"]["ename"] + summary["failed_cell"]["evalue"]


def test_no_region_is_exit_5(aws, env, notebooks):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        env.pop(name, None)
    done = run(notebooks.canary, "--summary", "-", env=env)
    assert done.returncode == 5, why(done)
    summary = summary_of(done)
    assert (summary["exit_class"], summary["retryable"]) == ("source_refused", False)
    assert "region" in done.stderr.lower()


def test_a_source_cell_without_a_region_is_exit_5_not_a_cell_failure(aws, env, tmp_path):
    """`%source cloudwatch` fails to open the source (no region): no query ran, yet the
    run is classed by the source's failure, as a failed query's would be."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "PLAYBOOK_SOURCE"):
        env.pop(name, None)
    nb = notebook(tmp_path / "switch.ipynb", "%source cloudwatch", 'println!("never runs");')
    done = run(nb, "--summary", "-", env=env)
    assert done.returncode == 5, why(done)
    summary = summary_of(done)
    assert summary["exit_class"] == "source_refused"
    assert summary["failed_cell"]["ename"] == "CredentialsError"
    assert "no AWS region" in summary["failed_cell"]["evalue"]
    assert f"{MASK} AWS region" not in done.stderr  # the message is not a secret


def test_unknown_placeholder_is_exit_3_before_anything_runs(aws, env, notebooks):
    done = run(notebooks.canary, "-o", f"s3://{BUCKET}/{{colour}}/{{run_id}}.ipynb", "--summary", "-", env=env)
    assert done.returncode == 3, why(done)
    assert "unknown placeholder {colour}" in done.stderr
    assert "engine ready" not in done.stderr and "[1/" not in done.stderr
    # The orchestrator still reads why: a summary of the run that never started.
    summary = summary_of(done)
    assert (summary["exit_code"], summary["exit_class"], summary["status"]) == (3, "bad_input", "failed")
    assert "unknown placeholder {colour}" in summary["error"] and summary["steps"] == []
    done = run(notebooks.canary, "--report", "out-{target}.html", env=env)
    assert done.returncode == 3 and "--target-name" in done.stderr, why(done)


def test_missing_bucket_is_exit_6_and_the_local_record_stays(aws, env, notebooks):
    uri = f"s3://no-such-bucket-{uuid.uuid4().hex[:8]}/{{run_id}}.ipynb"
    done = run(notebooks.canary, "-o", uri, "--summary", "-", env=env)
    assert done.returncode == 6, why(done)
    summary = summary_of(done)
    assert (summary["exit_code"], summary["exit_class"]) == (6, "output_failed")
    record = output(summary, "record")
    assert record["ok"] is False and record["error"]
    assert record["to"] == uri.replace("{run_id}", summary["run_id"])
    local = local_copy(summary["run_id"], record["to"])
    assert local.is_file() and run_metadata(local.read_bytes())["status"] == "ok"


# --- 9. secrets -----------------------------------------------------------------------------

def test_secrets_are_masked_in_everything_a_run_sends(aws, env, notebooks, prefix, topic, webhooks):
    arn, receive = topic
    env["DEPLOY_API_TOKEN"] = SECRET
    namespace = f"Playbooks/{uuid.uuid4().hex[:8]}"
    record_uri = f"s3://{BUCKET}/{prefix}/record.ipynb"
    report_uri = f"s3://{BUCKET}/{prefix}/report.html"
    done = run(notebooks.leaky, "-o", record_uri, "--report", report_uri, "--summary", "-",
               "--notify", f"sns:{arn}", "--notify", webhooks.ok.url, "--emf", "--publish-metrics", namespace,
               env=env)
    assert done.returncode == 2, why(done)
    record = s3_object(aws, record_uri)[0].decode()
    report = s3_object(aws, report_uri)[0].decode()
    (message,) = receive()
    (webhook_body,) = webhooks.ok.bodies
    *emf, summary_line = done.stdout.splitlines()
    metrics = aws.client("cloudwatch").list_metrics(Namespace=namespace)["Metrics"]
    sent = {
        "record in S3": record,
        "report in S3": report,
        "summary (stdout)": summary_line,
        "EMF lines (stdout)": "\n".join(emf),
        "the run's log (stderr)": done.stderr,
        "SNS subject and message": message["Subject"] + "\n" + message["Message"],
        "webhook body": webhook_body.decode(),
        "published metrics' dimensions": json.dumps(metrics),
    }
    leaked = [where for where, text in sent.items() if SECRET in text]
    assert leaked == [], f"the secret reached: {leaked}"
    # What carried it is still there, masked.
    assert f"with token {MASK}" in record
    summary = summary_of(done)
    assert [c["name"] for c in summary["checks"]] == [f"token {MASK} rejected"]
    assert f"token {MASK} rejected" in message["Message"]
    assert json.loads(webhook_body)["summary"]["checks"][0]["name"] == f"token {MASK} rejected"
