"""Runbooks that act (issue 29): actions run in the kernel process only once approved —
through a real Jupyter client's stdin (a typed `yes`), or headless by `--approve NAME` /
`--approve-all` — and every decision is in the record; `--dry-run` and `--no-actions` run
nothing; a failing step offers the undos of the steps done; `wait_until` is a verdict;
an action's output is redacted."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import execute, notebook, outputs, shell_reply, collect, start_kernel, stop_kernel
from support import PLAYBOOK, run_to_record

SECRET = "s3cr3t-deploy-token-0042"


def touch(name: str, file: str, *extra: str) -> str:
    """A cell declaring and running an action that creates `file` (relative to the run)."""
    chain = "".join(extra)
    return (f'let done = action("{name}").command(["touch", "{file}"]).target("file:{file}")'
            f'{chain}.run()?;\ndone')


def actions(record: dict) -> list[dict]:
    return record["metadata"]["playbook"].get("actions", [])


def test_headless_without_approval_nothing_runs_and_the_record_says_so(tmp_path):
    nb = notebook(tmp_path / "rb.ipynb", touch("create marker", "marker"), 'println!("went on");')
    done, record = run_to_record(nb)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "marker").exists(), "an unapproved action ran"
    [decided] = actions(record)
    assert decided["status"] == "not_approved"
    assert decided["note"].startswith("not approved: dry run")
    assert decided["approval"] is None and decided["attempts"] == 0
    assert decided["command"] == "touch marker" and decided["target"] == "file:marker"
    assert record["cells"][0]["metadata"]["playbook"]["actions"] == ["create marker"]
    assert "went on" in json.dumps(record["cells"][1]["outputs"]), "the run did not go on"
    assert 'action "create marker" on file:marker: `touch marker`' in done.stderr


def test_approve_name_runs_that_action_only_and_records_who_when_and_which_run(tmp_path):
    nb = notebook(tmp_path / "rb.ipynb", touch("first", "one"), touch("second", "two"))
    done, record = run_to_record(nb, "--approve", "first")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "one").exists() and not (tmp_path / "two").exists()
    first, second = actions(record)
    assert first["status"] == "succeeded" and first["exit_code"] == 0
    approval = first["approval"]
    assert approval["via"] == "--approve first"
    assert approval["by"] == f'{record["metadata"]["playbook"]["user"]}@{record["metadata"]["playbook"]["host"]}'
    assert approval["run"] == record["metadata"]["playbook"]["run_id"]
    assert approval["at"] and first["started"] and first["finished"]
    assert second["status"] == "not_approved"


def test_a_required_action_without_approval_stops_the_run(tmp_path):
    nb = notebook(tmp_path / "rb.ipynb", touch("must", "m", ".required()"), 'println!("after");')
    done, record = run_to_record(nb)
    assert done.returncode == 1, done.stderr
    assert "the required action `must` did not run" in done.stderr
    assert "after" not in json.dumps([c.get("outputs") for c in record["cells"]]), "the run went on"


def test_dry_run_prints_every_command_and_runs_none(tmp_path):
    nb = notebook(tmp_path / "rb.ipynb", touch("first", "one"),
                  'action("second").shell("echo hi > two").run()?;')
    done, record = run_to_record(nb, "--dry-run", "--approve-all")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "one").exists() and not (tmp_path / "two").exists()
    assert [a["status"] for a in actions(record)] == ["dry_run", "dry_run"]
    assert "`touch one` → dry run" in done.stderr
    assert "`sh -c 'echo hi > two'` → dry run" in done.stderr


@pytest.mark.parametrize("how", ["flag", "env"])
def test_no_actions_refuses_every_action_even_approved(tmp_path, how):
    nb = notebook(tmp_path / "rb.ipynb", touch("first", "one"))
    env = dict(os.environ)
    args = ["--approve-all"]
    if how == "flag":
        args.append("--no-actions")
    else:
        env["PLAYBOOK_ACTIONS"] = "off"
    done, record = run_to_record(nb, *args, env=env)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "one").exists()
    [refused] = actions(record)
    assert refused["status"] == "refused"
    assert "actions are off" in refused["note"]


def test_a_failing_action_offers_the_undos_of_the_steps_done_latest_first(tmp_path):
    nb = notebook(
        tmp_path / "rb.ipynb",
        touch("create a", "a", '.undo(action("remove a").command(["rm", "a"]))'),
        touch("create b", "b", '.undo(action("remove b").command(["rm", "b"]))'),
        'action("deploy").shell("echo deploying; echo no such service >&2; exit 3").retries(1).run()?;',
        'println!("never");',
    )
    done, record = run_to_record(nb, "--approve", "create a", "--approve", "create b",
                                 "--approve", "deploy", "--approve", "remove b")
    assert done.returncode == 1, done.stderr
    assert "the action `deploy` failed: exit status 3 (no such service)" in done.stderr
    decided = [(a["name"], a["status"], a.get("undo_of")) for a in actions(record)]
    assert decided == [
        ("create a", "succeeded", None),
        ("create b", "succeeded", None),
        ("deploy", "failed", None),
        ("remove b", "succeeded", "create b"),
        ("remove a", "not_approved", "create a"),
    ]
    assert actions(record)[2]["attempts"] == 2
    assert not (tmp_path / "b").exists(), "the approved undo did not run"
    assert (tmp_path / "a").exists(), "an unapproved undo ran"
    assert "offering the undo actions" in done.stderr


VERIFY = """use std::time::Duration;
let started = action("start service").shell("(sleep 1; touch ready) >/dev/null 2>&1 &").run()?;
let ready = wait_until(Check::new("service ready"), Duration::from_secs({timeout}),
    Duration::from_millis(100), |check| Ok(check.expect(std::path::Path::new("ready").exists())))?;
ready"""


def test_wait_until_holds_once_the_action_took_effect(tmp_path):
    nb = notebook(tmp_path / "rb.ipynb", VERIFY.replace("{timeout}", "30"))
    recorded = tmp_path / "rb.record.ipynb"
    done, record = run_to_record(nb, "--approve-all", record=recorded)
    assert done.returncode == 0, done.stderr
    [check] = record["metadata"]["playbook"]["checks"]
    assert check["verdict"] == "pass"
    assert "polls in" in check["observed"] and check["expected"] == "true within 30 s"
    assert actions(record)[0]["checks_before"] == 0
    report = tmp_path / "report.html"
    subprocess.run([PLAYBOOK, "report", str(recorded), "-o", str(report)], check=True, timeout=60)
    html = report.read_text()
    assert 'class="action succeeded"' in html and "Action: start service" in html
    assert "service ready" in html.split('class="action succeeded"')[1], "no verification"


def test_wait_until_timing_out_is_a_failed_check_exit_2(tmp_path):
    nb = notebook(tmp_path / "rb.ipynb", VERIFY.replace("{timeout}", "1"))
    done, record = run_to_record(nb)  # not approved: the service never becomes ready
    assert done.returncode == 2, done.stderr
    [check] = record["metadata"]["playbook"]["checks"]
    assert check["verdict"] == "fail" and check["observed"].endswith("(timed out)")


def test_an_actions_output_is_redacted_and_it_gets_only_the_secrets_it_names(tmp_path):
    nb = notebook(
        tmp_path / "rb.ipynb",
        'action("leaky").command(["sh", "-c", "echo token=$DEPLOY_TOKEN; echo $DEPLOY_TOKEN >&2"])'
        '.env_from_secret("DEPLOY_TOKEN").run()?',
        'action("unnamed").command(["sh", "-c", "echo [$DEPLOY_TOKEN]"]).run()?',
    )
    env = dict(os.environ, DEPLOY_TOKEN=SECRET)
    recorded = tmp_path / "rb.record.ipynb"
    done, record = run_to_record(nb, "--approve-all", env=env, record=recorded)
    assert done.returncode == 0, done.stderr
    leaky, unnamed = actions(record)
    assert leaky["status"] == "succeeded"
    assert "[masked by playbook]" in leaky["stdout"] and "[masked by playbook]" in leaky["stderr"]
    assert unnamed["stdout"] == "[]\n", "an action got a secret it did not name"
    assert SECRET not in recorded.read_text() and SECRET not in done.stderr


def test_a_record_run_again_refuses_its_actions(tmp_path):
    nb = notebook(tmp_path / "rb.ipynb", touch("first", "one"))
    done, _ = run_to_record(nb, "--approve-all", record=tmp_path / "rb.record.ipynb")
    assert done.returncode == 0 and (tmp_path / "one").exists(), done.stderr
    (tmp_path / "one").unlink()
    again, record = run_to_record(tmp_path / "rb.record.ipynb", "--approve-all",
                                  record=tmp_path / "again.ipynb")
    assert again.returncode == 0, again.stderr
    assert not (tmp_path / "one").exists()
    [refused] = actions(record)
    assert refused["status"] == "refused" and "run record" in refused["note"]


# Jupyter: the approval through stdin, as JupyterLab asks it.

@pytest.fixture(scope="module")
def runbook_kernel():
    km, kc = start_kernel("runbook", env=dict(os.environ, DEPLOY_TOKEN=SECRET))
    yield km, kc
    stop_kernel(km, kc)


def approve_through_stdin(kc, code: str, answer: str) -> tuple[dict, dict, list[dict]]:
    msg_id = kc.execute(code, allow_stdin=True)
    request = kc.get_stdin_msg(timeout=120)
    assert request["msg_type"] == "input_request"
    kc.input(answer)
    reply = shell_reply(kc, msg_id)
    return request["content"], reply, collect(kc, msg_id)


def test_a_typed_yes_runs_the_action_and_anything_else_refuses_it(runbook_kernel, tmp_path):
    km, kc = runbook_kernel
    marker = tmp_path / "approved"
    code = (f'action("create marker").command(["touch", "{marker}"]).target("file:marker")'
            '.run()?')
    prompt, reply, messages = approve_through_stdin(kc, code, "yes")
    assert "Run the action `create marker` on file:marker?" in prompt["prompt"]
    assert f"command: touch {marker}" in prompt["prompt"] and "Type yes" in prompt["prompt"]
    assert reply["content"]["status"] == "ok"
    assert marker.exists()
    shown = outputs(messages, "execute_result")[0]["data"]["text/plain"]
    assert "approval: typed yes by" in shown and "succeeded, exit status 0" in shown
    marker.unlink()
    for answer in ["y", "no", ""]:
        _, reply, messages = approve_through_stdin(kc, code, answer)
        assert reply["content"]["status"] == "ok"
        assert not marker.exists(), f"{answer!r} approved the action"
        shown = outputs(messages, "execute_result")[0]["data"]["text/plain"]
        assert "not approved: the answer was not `yes`" in shown


def test_without_stdin_nobody_can_approve(runbook_kernel, tmp_path):
    km, kc = runbook_kernel
    marker = tmp_path / "never"
    reply, messages = execute(kc, f'action("x").command(["touch", "{marker}"]).run()?',
                              allow_stdin=False)
    assert reply["content"]["status"] == "ok"
    assert not marker.exists()
    assert "does not accept input" in outputs(messages, "execute_result")[0]["data"]["text/plain"]


def test_a_failed_step_offers_the_undo_through_stdin(runbook_kernel, tmp_path):
    km, kc = runbook_kernel
    made = tmp_path / "made"
    code = (f'action("make").command(["touch", "{made}"])'
            f'.undo(action("unmake").command(["rm", "{made}"])).run()?;')
    _, reply, _ = approve_through_stdin(kc, code, "yes")
    assert reply["content"]["status"] == "ok" and made.exists()
    msg_id = kc.execute('action("break").command(["false"]).run()?;', allow_stdin=True)
    first = kc.get_stdin_msg(timeout=120)["content"]["prompt"]
    assert "Run the action `break`" in first
    kc.input("yes")
    undo = kc.get_stdin_msg(timeout=120)["content"]["prompt"]
    assert "A later step failed. Undo `make` with the action `unmake`" in undo
    kc.input("yes")
    reply = shell_reply(kc, msg_id)
    assert reply["content"]["status"] == "error"
    assert "the action `break` failed" in reply["content"]["evalue"]
    assert not made.exists(), "the approved undo did not run"
    shown = [d["data"]["text/plain"] for d in outputs(collect(kc, msg_id), "display_data")]
    assert any("unmake (undoes make)" in s for s in shown), shown


def test_a_record_opened_in_jupyter_refuses_actions(tmp_path):
    record = tmp_path / "opened.record.ipynb"
    record.write_text(json.dumps({"cells": [], "metadata": {"playbook": {"run_id": "r-1"}},
                                  "nbformat": 4, "nbformat_minor": 5}))
    km, kc = start_kernel("report-mode", env=dict(os.environ, JPY_SESSION_NAME=str(record)))
    try:
        marker = tmp_path / "never"
        reply, messages = execute(kc, f'action("x").command(["touch", "{marker}"]).run()?',
                                  allow_stdin=True)
        assert reply["content"]["status"] == "ok"
        assert not marker.exists()
        shown = outputs(messages, "execute_result")[0]["data"]["text/plain"]
        assert "refused" in shown and "opened as a report" in shown
    finally:
        stop_kernel(km, kc)


# The shipped runbook on the bundled incident: the stand-in runs the bad v2.14.0.

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def run_rollback(tmp_path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    env = dict(os.environ)
    env.pop("PLAYBOOK_SOURCE", None)
    return run_to_record(NOTEBOOKS / "rollback.ipynb", *args, env=env,
                         record=tmp_path / "rollback.record.ipynb", timeout=900)


def test_the_rollback_runbook_rolls_back_and_verifies_recovery(tmp_path):
    done, record = run_rollback(tmp_path, "--approve", "roll back checkout")
    assert done.returncode == 0, done.stderr[-3000:]
    [rollback] = actions(record)
    assert rollback["status"] == "succeeded" and rollback["target"] == "stand-in:checkout"
    checks = {c["name"]: c["verdict"] for c in record["metadata"]["playbook"]["checks"]}
    assert checks == {"p99 latency back under the limit": "pass",
                      "5xx rate back under the limit": "pass"}


def test_the_rollback_runbook_is_red_when_the_rollback_does_not_help(tmp_path):
    done, record = run_rollback(tmp_path, "--approve", "roll back checkout",
                                "-p", "stand_in_rollback=fails",
                                "-p", "verify_timeout_secs=3", "-p", "verify_every_secs=1")
    assert done.returncode == 2, done.stderr[-3000:]
    verdicts = [c["verdict"] for c in record["metadata"]["playbook"]["checks"]]
    assert verdicts == ["fail", "fail"]


def test_the_rollback_runbook_without_approval_only_shows_its_command(tmp_path):
    done, record = run_rollback(tmp_path, "--dry-run")
    assert done.returncode == 0, done.stderr[-3000:]
    [rollback] = actions(record)
    assert rollback["status"] == "dry_run" and rollback["command"].startswith("cp ")
    assert "nothing to verify" in json.dumps(record["cells"])
