"""Fleet runs: `playbook fleet NOTEBOOK --targets FILE`, one playbook across many
targets — on the bundled data, and against moto across regions and an assumed role, with
one target whose check fails and one whose source throttles (the CBOR proxy throttles
every CloudWatch request signed for one region: tests/aws/cbor_proxy.py
`throttle_region`). Checked: the fleet summary (`fleet.json`), the matrix (`fleet.html`),
each target's record, report and summary, the exit code (the most severe target's), the
shared compiled cells (later targets compile nothing), `--plan`, `--from-summaries`,
`--fail-fast`, a SIGTERM, and targets files that are refused before anything runs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from support import PLAYBOOK, run_playbook

REPO = Path(__file__).resolve().parent.parent
POST_DEPLOY = REPO / "notebooks" / "post-deploy.ipynb"
CHECKOUT = REPO / "notebooks" / "data" / "checkout"
GOOD, BAD = "2026-11-09T15:10:00Z", "2026-11-12T14:05:00Z"
ROLE_ACCOUNT = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ROLE_ACCOUNT}:role/fleet-reader"


def fleet(*args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([PLAYBOOK, "fleet", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout, stdin=subprocess.DEVNULL)


def why(done: subprocess.CompletedProcess) -> str:
    return f"exit {done.returncode}\nstderr:\n{done.stderr[-4000:]}"


def write_targets(path: Path, document: dict) -> Path:
    path.write_text(json.dumps(document))
    return path


def notebook(path: Path, *cells: str, parameters: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "playbook", "display_name": "Playbook (Rust)", "language": "rust"}
    nb.cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    nb.cells.extend(nbformat.v4.new_code_cell(c) for c in cells)
    path.write_text(nbformat.writes(nb))
    return path


def validate_fleet_summary(summary: dict) -> None:
    """`fleet.json` against docs/fleet-summary.schema.json (each target against the run
    summary's schema, which it references)."""
    import jsonschema
    from referencing import Registry, Resource

    docs = REPO / "docs"
    run = json.loads((docs / "run-summary.schema.json").read_text())
    fleet_schema = json.loads((docs / "fleet-summary.schema.json").read_text())
    registry = Registry().with_resource(run["$id"], Resource.from_contents(run))
    jsonschema.Draft202012Validator(fleet_schema, registry=registry).validate(summary)


def local_targets(path: Path, *targets: dict) -> Path:
    return write_targets(path, {"defaults": {"source": f"local:{CHECKOUT}"}, "targets": list(targets)})


# --- on the bundled data -------------------------------------------------------------------

def test_a_fleet_runs_every_target_and_summarises_them(tmp_path):
    targets = local_targets(
        tmp_path / "targets.json",
        {"name": "checkout-good", "parameters": {"deploy_time": GOOD}},
        {"name": "checkout-bad", "parameters": {"deploy_time": BAD}},
        {"name": "checkout-long", "parameters": {"deploy_time": GOOD, "minutes": 60}},
    )
    out = tmp_path / "out"
    done = fleet(POST_DEPLOY, "--targets", targets, "-j", "2", "--out", out)
    assert done.returncode == 2, why(done)  # the most severe target: a failed check

    summary = json.loads((out / "fleet.json").read_text())
    validate_fleet_summary(summary)
    assert summary["schema"] == "playbook.fleet-summary/1"
    assert (summary["exit_code"], summary["exit_class"], summary["jobs"]) == (2, "check_failed", 2)
    assert [t["name"] for t in summary["targets"]] == ["checkout-good", "checkout-bad", "checkout-long"]
    assert [t["exit_code"] for t in summary["targets"]] == [0, 2, 0]
    assert summary["not_run"] == []
    bad = summary["targets"][1]
    assert bad["target"] == "checkout-bad" and bad["parameters"]["deploy_time"] == BAD
    assert any(c["verdict"] == "fail" for c in bad["checks"])
    assert summary["targets"][2]["parameters"]["minutes"] == 60

    for target in summary["targets"]:
        folder = out / target["name"]
        record = json.loads((folder / "record.ipynb").read_text())
        assert record["metadata"]["playbook"]["status"] == target["status"]
        own = json.loads((folder / "summary.json").read_text())
        assert own["run_id"] == target["run_id"]  # the entry is the run's own summary
        assert "<html" in (folder / "report.html").read_text()
        assert "[1/" in (folder / "run.log").read_text()

    page = (out / "fleet.html").read_text()
    assert page.count("<tr>") == 4  # the header and one row per target
    assert "✗ fail" in page and "✓ pass" in page
    assert 'href="checkout-bad/record.ipynb"' in page and 'href="checkout-bad/report.html"' in page
    # One line per finished target in a CI log, not each target's steps.
    lines = [line for line in done.stderr.splitlines() if line.startswith("[")]
    assert len(lines) == 3, done.stderr
    assert any("checkout-bad: check failed (exit 2)" in line for line in lines)


def test_later_targets_compile_nothing(tmp_path):
    """Compiled cells are shared: with one target at a time, the first compiles the new
    notebook's cells and the others compile nothing (evcxr's traces count compilations)."""
    nonce = uuid.uuid4().hex
    nb = notebook(
        tmp_path / "nonce.ipynb",
        f'fn label() -> &\'static str {{ "{nonce}" }}\nprintln!("{{}} {{}}", label(), service);',
        parameters='let service: String = "a".into();',
    )
    targets = write_targets(tmp_path / "t.json", {"targets": [
        {"name": name, "parameters": {"service": name}} for name in ("one", "two", "three")]})
    env = {**os.environ, "PLAYBOOK_TRACE": "1"}
    done = fleet(nb, "--targets", targets, "-j", "1", "--out", tmp_path / "out", env=env)
    assert done.returncode == 0, why(done)
    compiled = done.stderr.count("evcxr: rustc:") + done.stderr.count("evcxr: building with cargo")
    assert compiled >= 1, "the first target compiled its new cell"
    # Every compilation happened before the second target started.
    second = done.stderr.index("[1/3] one:")
    assert "evcxr: rustc:" not in done.stderr[second:] and "building with cargo" not in done.stderr[second:]
    outputs = {t: "".join(o.get("text", "") for c in nbformat.read(tmp_path / "out" / t / "record.ipynb", 4).cells
                          for o in c.outputs)
               for t in ("one", "two", "three")}
    assert all(f"{nonce} {t}" in text for t, text in outputs.items())


def test_plan_prints_the_resolved_targets(tmp_path):
    targets = write_targets(tmp_path / "t.json", {
        "defaults": {"parameters": {"minutes": 60, "service": "checkout"}, "region": "eu-west-1"},
        "targets": [{"name": "a"}, {"name": "b", "parameters": {"minutes": 5}, "region": "us-east-1",
                                      "role_arn": ROLE_ARN}],
    })
    done = fleet(POST_DEPLOY, "--targets", targets, "--plan", "-p", "service=payments")
    assert done.returncode == 0, why(done)
    plan = json.loads(done.stdout)
    a, b = plan["targets"]
    assert a["parameters"] == {"minutes": 60, "service": "payments"} and a["region"] == "eu-west-1"
    assert b["parameters"]["minutes"] == 5 and b["region"] == "us-east-1" and b["role_arn"] == ROLE_ARN


@pytest.mark.parametrize("document, says", [
    ({"targets": [{"name": "a"}, {"name": "b", "regoin": "x"}]}, ["targets[1] (b)", "regoin"]),
    ({"targets": [{"name": "a"}, {"name": "a"}]}, ["targets[1] (a)", "used twice"]),
    ({"targets": [{"name": "a/b"}]}, ["targets[0] (a/b)", "name"]),
    ({"targets": [{"name": "a", "role_arn": "reader"}]}, ["targets[0] (a)", "role_arn"]),
    ({"targets": [{"name": "a", "source": "s3://x"}]}, ["targets[0] (a)", "source"]),
    ({"targets": []}, ["targets", "empty"]),
    # The fleet's own files: the whole fleet used to run, then exit 6.
    ({"targets": [{"name": "fleet.json"}]}, ["targets[0] (fleet.json)", "fleet's own file"]),
    ({"targets": [{"name": "fleet.html"}]}, ["targets[0] (fleet.html)", "fleet's own file"]),
    ({"defaults": {"parameters": {"x": {"deep": 1}}}, "targets": [{"name": "a"}]}, ["defaults", "parameters.x"]),
])
def test_a_bad_targets_file_is_refused_naming_the_target_and_field(tmp_path, document, says):
    targets = write_targets(tmp_path / "t.json", document)
    done = fleet(POST_DEPLOY, "--targets", targets, "--out", tmp_path / "out")
    assert done.returncode == 3, why(done)
    for part in says:
        assert part in done.stderr, done.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_zero_jobs_is_refused_not_silently_one(tmp_path):
    targets = write_targets(tmp_path / "t.json", {"targets": [{"name": "a"}]})
    done = fleet(POST_DEPLOY, "--targets", targets, "-j", "0", "--out", tmp_path / "out")
    assert done.returncode == 3, why(done)
    assert "-j 0" in done.stderr, done.stderr
    assert not (tmp_path / "out").exists()


def test_a_parameter_a_target_gets_wrong_is_refused_before_anything_runs(tmp_path):
    targets = local_targets(
        tmp_path / "t.json",
        {"name": "fine", "parameters": {"deploy_time": GOOD}},
        {"name": "typo", "parameters": {"deploy_time": GOOD, "minutes": "thirty"}},
    )
    done = fleet(POST_DEPLOY, "--targets", targets, "--out", tmp_path / "out")
    assert done.returncode == 3, why(done)
    assert "target `typo`" in done.stderr and "minutes" in done.stderr
    assert not (tmp_path / "out" / "fine").exists(), "nothing ran"


def test_yaml_targets_and_fail_fast(tmp_path):
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        f"defaults:\n  source: local:{CHECKOUT}\n"
        "targets:\n"
        f"  - name: first-bad\n    parameters: {{deploy_time: '{BAD}'}}\n"
        f"  - name: second\n    parameters: {{deploy_time: '{GOOD}'}}\n"
        f"  - name: third\n    parameters: {{deploy_time: '{GOOD}'}}\n"
    )
    out = tmp_path / "out"
    done = fleet(POST_DEPLOY, "--targets", targets, "-j", "1", "--fail-fast", "--out", out)
    assert done.returncode == 2, why(done)
    summary = json.loads((out / "fleet.json").read_text())
    assert [t["name"] for t in summary["targets"]] == ["first-bad"]
    assert summary["not_run"] == ["second", "third"]
    assert "not run" in (out / "fleet.html").read_text()


def test_sigterm_stops_the_fleet_and_keeps_what_ran(tmp_path):
    nb = notebook(
        tmp_path / "slow.ipynb",
        'println!("started {}", service);',
        "std::thread::sleep(std::time::Duration::from_secs(60));",
        parameters='let service: String = "a".into();',
    )
    targets = write_targets(tmp_path / "t.json", {"targets": [
        {"name": n, "parameters": {"service": n}} for n in ("a", "b", "c")]})
    out = tmp_path / "out"
    process = subprocess.Popen([PLAYBOOK, "fleet", str(nb), "--targets", str(targets), "-j", "1",
                                "--out", str(out)], stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    record = out / "a" / "record.ipynb"
    while time.monotonic() < deadline:
        if record.exists() and "started a" in record.read_text():
            break
        time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("the first target did not start")
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    summary = json.loads((out / "fleet.json").read_text())
    assert summary["exit_class"] == "interrupted"
    assert [t["name"] for t in summary["targets"]] == ["a"]
    assert summary["targets"][0]["status"] == "interrupted"
    assert summary["not_run"] == ["b", "c"]
    assert json.loads(record.read_text())["metadata"]["playbook"]["status"] == "interrupted"


def test_from_summaries_writes_the_fleet_summary_a_scheduler_needs(tmp_path):
    targets = local_targets(
        tmp_path / "targets.json",
        {"name": "good", "parameters": {"deploy_time": GOOD}},
        {"name": "bad", "parameters": {"deploy_time": BAD}},
        {"name": "missing", "parameters": {"deploy_time": GOOD}},
    )
    summaries = tmp_path / "summaries"
    summaries.mkdir()
    for name, when in (("good", GOOD), ("bad", BAD)):
        subprocess.run([PLAYBOOK, "run", str(POST_DEPLOY), "-p", f"deploy_time={when}",
                        "--source", f"local:{CHECKOUT}", "--target-name", name,
                        "-o", str(tmp_path / f"{name}.ipynb"), "--summary", str(summaries / f"{name}.json")],
                       capture_output=True, timeout=300, stdin=subprocess.DEVNULL)
    out = tmp_path / "collected"
    done = fleet(POST_DEPLOY, "--targets", targets, "--from-summaries", summaries, "--out", out)
    assert done.returncode == 2, why(done)
    summary = json.loads((out / "fleet.json").read_text())
    assert [(t["name"], t["exit_code"]) for t in summary["targets"]] == [("good", 0), ("bad", 2)]
    assert summary["not_run"] == ["missing"]
    assert "jobs" not in summary
    assert "✗ fail" in (out / "fleet.html").read_text()


# --- against moto ---------------------------------------------------------------------------

METRICS_CELL = "%%metrics --since 1h\nPlaybooks/Fleet RequestCount Service=checkout Sum"
CHECK_CELL = 'Check::new("p99 latency").expect_below(300.0, threshold_ms)'
MOTO_PARAMETERS = "let threshold_ms: f64 = 500.0;"


@pytest.fixture
def cloud(moto, tmp_path):
    moto.reset()
    iam = moto.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName="fleet-reader", AssumeRolePolicyDocument=json.dumps(trust))
    moto.client("s3").create_bucket(Bucket="fleet-records")
    yield moto
    moto.proxy.throttle_region("ap-south-1", on=False)


def test_a_fleet_across_regions_and_a_role_against_moto(cloud, tmp_path):
    nb = notebook(tmp_path / "canary.ipynb", METRICS_CELL, CHECK_CELL, parameters=MOTO_PARAMETERS)
    targets = write_targets(tmp_path / "targets.json", {
        "defaults": {"source": "cloudwatch", "region": "us-east-1"},
        "targets": [
            {"name": "us"},
            {"name": "eu-role", "region": "eu-west-1", "role_arn": ROLE_ARN},
            {"name": "us-failing", "parameters": {"threshold_ms": 200}},
            {"name": "throttled", "region": "ap-south-1"},
        ],
    })
    cloud.proxy.throttle_region("ap-south-1")
    env = cloud.playbook_env()
    done = fleet(nb, "--targets", targets, "-j", "2", "--out", "s3://fleet-records/canary/{date}", env=env)
    # Most severe: the throttled target (source unavailable) over the failed check.
    assert done.returncode == 4, why(done)

    s3 = cloud.client("s3")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="fleet-records")["Contents"])
    fleet_key = next(k for k in keys if k.endswith("/fleet.json"))
    prefix = fleet_key.rsplit("/", 1)[0]
    summary = json.loads(s3.get_object(Bucket="fleet-records", Key=fleet_key)["Body"].read())
    by_name = {t["name"]: t for t in summary["targets"]}
    assert {n: t["exit_code"] for n, t in by_name.items()} == {
        "us": 0, "eu-role": 0, "us-failing": 2, "throttled": 4}
    assert (by_name["eu-role"]["account"], by_name["eu-role"]["region"]) == (ROLE_ACCOUNT, "eu-west-1")
    assert by_name["eu-role"]["role"] == ROLE_ARN
    assert (by_name["us"]["account"], by_name["us"]["region"]) == ("123456789012", "us-east-1")
    assert by_name["throttled"]["retryable"] is True
    assert by_name["us-failing"]["retryable"] is False
    for name in by_name:
        assert f"{prefix}/{name}/record.ipynb" in keys
        assert f"{prefix}/{name}/report.html" in keys
    record = json.loads(s3.get_object(Bucket="fleet-records", Key=f"{prefix}/eu-role/record.ipynb")["Body"].read())
    assert record["metadata"]["playbook"]["account"] == ROLE_ACCOUNT
    page = s3.get_object(Bucket="fleet-records", Key=f"{prefix}/fleet.html")
    assert page["ContentType"].startswith("text/html")
    assert "s3.console.aws.amazon.com" in page["Body"].read().decode()


def test_a_fleet_asks_no_more_per_target_than_a_single_run(cloud, tmp_path):
    nb = notebook(tmp_path / "canary.ipynb", METRICS_CELL, CHECK_CELL, parameters=MOTO_PARAMETERS)
    env = cloud.playbook_env(PLAYBOOK_SOURCE="cloudwatch")
    cloud.proxy.reset_stats()
    single = run_playbook(nb, "-o", tmp_path / "single.ipynb", env=env)
    assert single.returncode == 0, single.stderr
    one = cloud.proxy.stats()["cloudwatch_requests"]
    assert one >= 1
    targets = write_targets(tmp_path / "t.json", {"targets": [{"name": f"t{i}"} for i in range(4)]})
    cloud.proxy.reset_stats()
    done = fleet(nb, "--targets", targets, "-j", "2", "--out", tmp_path / "out", env=env)
    assert done.returncode == 0, why(done)
    assert cloud.proxy.stats()["cloudwatch_requests"] <= 4 * one


def test_from_summaries_takes_the_minimal_account_of_a_run_that_wrote_none(tmp_path):
    """A scheduler's task whose `playbook run` never ran (the binary was missing, say)
    keeps only `{target, exit_code, error}`: the fleet summary still lists it."""
    targets = local_targets(tmp_path / "targets.json", {"name": "lost"}, {"name": "never"})
    summaries = tmp_path / "summaries"
    summaries.mkdir()
    (summaries / "lost.json").write_text(json.dumps(
        {"target": "lost", "exit_code": 3, "status": "failed", "checks": [], "error": "playbook: not found"}))
    out = tmp_path / "collected"
    done = fleet(POST_DEPLOY, "--targets", targets, "--from-summaries", summaries, "--out", out)
    assert done.returncode == 3, why(done)
    summary = json.loads((out / "fleet.json").read_text())
    (lost,) = summary["targets"]
    assert (lost["name"], lost["exit_code"], lost["exit_class"]) == ("lost", 3, "bad_input")
    assert lost["error"] == "playbook: not found"
    assert summary["not_run"] == ["never"]


def test_throttling_retried_with_backoff_shows_in_the_summaries(cloud, tmp_path):
    """Two CloudWatch calls throttled, then answered: the SDK retries them with backoff,
    the target succeeds, and its summary, record and the fleet's line say so."""
    nb = notebook(tmp_path / "canary.ipynb", METRICS_CELL, CHECK_CELL, parameters=MOTO_PARAMETERS)
    targets = write_targets(tmp_path / "t.json", {"targets": [{"name": "pushed-back"}]})
    env = cloud.playbook_env(PLAYBOOK_SOURCE="cloudwatch", AWS_MAX_ATTEMPTS="5")
    cloud.proxy.throttle(2)
    try:
        done = fleet(nb, "--targets", targets, "--out", tmp_path / "out", env=env)
    finally:
        cloud.proxy.throttle(0)
    assert done.returncode == 0, why(done)
    (entry,) = json.loads((tmp_path / "out" / "fleet.json").read_text())["targets"]
    assert entry["retried_calls"] == 2, entry
    assert "2 call(s) retried after throttling" in done.stderr
    record = json.loads((tmp_path / "out" / "pushed-back" / "record.ipynb").read_text())
    (query,) = [q for q in record["metadata"]["playbook"]["queries"] if q["kind"] == "metrics"]
    assert query["retried_calls"] == 2
    assert any("retried" in note for note in query["notes"])
