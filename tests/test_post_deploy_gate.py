"""The post-deploy gate of README's "A post-deploy gate in CI", run as a CI job would:
`examples/ci/post-deploy-gate.sh` with the deploy's facts in its environment, the bundled
checkout data as the source, the record and report going to S3 (moto), the summary read
by the script, and the rollback command run only when a check failed."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from support import PLAYBOOK

REPO = Path(__file__).resolve().parent.parent
GATE = REPO / "examples" / "ci" / "post-deploy-gate.sh"
BUCKET = "gate-records"
# The bundled data has a bad deploy at 14:05 on 12 November (p99 and 5xx rise) and a
# healthy one at 15:10 on 9 November (the notebook's default).
BAD_DEPLOY = "2026-11-12T14:05:00Z"
GOOD_DEPLOY = "2026-11-09T15:10:00Z"


@pytest.fixture
def ci(moto, tmp_path):
    moto.reset()
    moto.client("s3").create_bucket(Bucket=BUCKET)
    bin_dir = str(Path(PLAYBOOK).resolve().parent) if os.sep in PLAYBOOK else None
    path = os.pathsep.join(p for p in (bin_dir, os.environ.get("PATH", "")) if p)
    marker = tmp_path / "rolled-back"
    env = moto.playbook_env(
        PATH=path,
        PLAYBOOK_SOURCE=f"local:{REPO / 'notebooks' / 'data' / 'checkout'}",
        SERVICE="checkout",
        RECORDS_BUCKET=BUCKET,
        ROLLBACK=f"touch {marker}",
    )
    return moto, env, tmp_path, marker


def gate(env: dict[str, str], workspace: Path, deploy_time: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(GATE)], cwd=workspace, env={**env, "DEPLOY_TIME": deploy_time},
        capture_output=True, text=True, timeout=300,
    )


def stored(moto, prefix: str) -> dict[str, str]:
    s3 = moto.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]
    return {k: s3.head_object(Bucket=BUCKET, Key=k)["ContentType"] for k in keys}


def test_the_gate_rolls_back_a_deploy_whose_checks_fail(ci):
    moto, env, workspace, marker = ci
    done = gate(env, workspace, BAD_DEPLOY)
    assert done.returncode == 1, done.stdout + done.stderr
    assert marker.exists(), "the rollback command did not run"
    assert "failed a check: rolling back" in done.stdout

    summary = json.loads((workspace / "post-deploy-summary.json").read_text())
    assert (summary["exit_code"], summary["exit_class"]) == (2, "check_failed")
    assert summary["target"] == "checkout"
    assert summary["parameters"]["deploy_time"] == BAD_DEPLOY
    failed = [c["name"] for c in summary["checks"] if c["verdict"] == "fail"]
    assert failed, summary["checks"]
    for name in failed:  # the script shows the pipeline which checks failed
        assert f"failed check: {name}" in done.stdout

    objects = stored(moto, "post-deploy/checkout/2026-")
    record = next(k for k in objects if k.endswith(".ipynb"))
    report = next(k for k in objects if k.endswith(".html"))
    assert objects[record] == "application/x-ipynb+json"
    assert objects[report].startswith("text/html")
    assert record[: -len(".ipynb")] == report[: -len(".html")]
    assert summary["run_id"] in record
    assert f"record: s3://{BUCKET}/{record}" in done.stdout
    body = moto.client("s3").get_object(Bucket=BUCKET, Key=record)["Body"].read()
    assert json.loads(body)["metadata"]["playbook"]["status"] == "check failed"


def test_the_gate_passes_a_healthy_deploy_without_rolling_back(ci):
    moto, env, workspace, marker = ci
    done = gate(env, workspace, GOOD_DEPLOY)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not marker.exists()
    assert "passed" in done.stdout
    summary = json.loads((workspace / "post-deploy-summary.json").read_text())
    assert (summary["exit_code"], summary["status"]) == (0, "ok")
    assert all(c["verdict"] == "pass" for c in summary["checks"]), summary["checks"]
    assert len(stored(moto, "post-deploy/checkout/")) == 2


def test_the_gate_fails_without_rolling_back_when_only_the_record_is_lost(ci):
    """A bucket that does not exist is an output failure (6), not a verdict: the gate
    fails the pipeline without rolling back a healthy deploy."""
    moto, env, workspace, marker = ci
    done = gate({**env, "RECORDS_BUCKET": "no-such-bucket"}, workspace, GOOD_DEPLOY)
    assert done.returncode == 6, done.stdout + done.stderr
    assert not marker.exists()
    assert "could not run (exit 6)" in done.stdout


def test_the_gate_still_rolls_back_a_failed_deploy_whose_record_is_lost(ci):
    """The run exits 6 (its record did not reach S3), but the summary holds the failed
    check: the verdict stands and the gate rolls back."""
    moto, env, workspace, marker = ci
    done = gate({**env, "RECORDS_BUCKET": "no-such-bucket"}, workspace, BAD_DEPLOY)
    assert done.returncode == 1, done.stdout + done.stderr
    assert marker.exists()
    summary = json.loads((workspace / "post-deploy-summary.json").read_text())
    assert summary["exit_code"] == 6
    assert not next(o for o in summary["outputs"] if o["what"] == "record")["ok"]
