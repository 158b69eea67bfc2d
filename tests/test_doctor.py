"""`playbook doctor`: the real binary, in the test venv's installation (kernelspec installed
by tests/run.sh, cell library prebuilt), and with one thing at a time taken away."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

from support import PLAYBOOK

ALL_CHECKS = {
    "toolchain", "rust_src", "library", "cell_cache", "kernelspec", "aws_region", "aws_credentials",
}


def base_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This run's environment with the AWS configuration replaced: a region and keys
    (override with None to remove), no profile files, no instance metadata."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_REGION="eu-west-1",
        AWS_ACCESS_KEY_ID="AKIDDOCTORTEST",
        AWS_SECRET_ACCESS_KEY="doctor-test-secret",
    )
    for name, value in extra.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def doctor(env: dict[str, str], *args: str) -> tuple[int, dict]:
    done = subprocess.run(
        [PLAYBOOK, "doctor", "--json", *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def by_name(report: dict) -> dict[str, dict]:
    return {check["name"]: check for check in report["checks"]}


def rust_src_installed() -> bool:
    sysroot = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True).stdout
    return Path(sysroot.strip(), "lib/rustlib/src/rust/library/std/src/lib.rs").is_file()


def test_a_healthy_venv_install_is_all_ok_with_exit_0(tmp_path):
    code, report = doctor(base_env(tmp_path))
    checks = by_name(report)
    assert set(checks) == ALL_CHECKS, report
    expected_ok = ALL_CHECKS if rust_src_installed() else ALL_CHECKS - {"rust_src"}
    not_ok = {name: c for name, c in checks.items() if name in expected_ok and c["status"] != "ok"}
    assert not not_ok, not_ok
    assert code == 0 and report["exit_code"] == 0 and report["exit_class"] == "ok", report
    assert "starts this binary" in checks["kernelspec"]["verdict"]
    # The same, for people: one line per check and a closing count.
    text = subprocess.run(
        [PLAYBOOK, "doctor"], env=base_env(tmp_path), capture_output=True, text=True, timeout=300
    )
    assert text.returncode == 0, text.stdout + text.stderr
    for label in ("Rust toolchain", "rust-src", "cell library", "cell cache", "kernelspec",
                  "AWS region", "AWS credentials"):
        assert label in text.stdout, text.stdout
    assert "0 failed (exit 0)" in text.stdout, text.stdout


def test_a_missing_kernelspec_fails_with_what_to_do_and_exit_2(tmp_path):
    # No jupyter on PATH, and Jupyter's data directories empty: nothing finds the kernel.
    path = [
        d for d in os.environ["PATH"].split(os.pathsep)
        if d and not Path(d, "jupyter").exists()
    ]
    (tmp_path / "jupyter-path").mkdir()
    (tmp_path / "jupyter-data").mkdir()
    env = base_env(
        tmp_path,
        PATH=os.pathsep.join(path),
        JUPYTER_PATH=str(tmp_path / "jupyter-path"),
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
    )
    code, report = doctor(env)
    check = by_name(report)["kernelspec"]
    assert check["status"] == "failed", check
    assert "no `playbook` kernelspec" in check["verdict"], check
    assert str(tmp_path / "jupyter-path") in check["verdict"], check
    assert "playbook install" in check["fix"], check
    assert code == 2 and report["exit_class"] == "check_failed", report


def test_an_empty_cache_or_a_stale_template_is_said_with_what_to_do(tmp_path):
    empty = tmp_path / "empty-cache"
    empty.mkdir()
    code, report = doctor(base_env(tmp_path, PLAYBOOK_CACHE=str(empty)))
    check = by_name(report)["cell_cache"]
    assert check["status"] == "warning", check
    assert f"no prebuilt cell library in {empty}" in check["verdict"], check
    assert "playbook install" in check["fix"], check
    assert code == 0, report

    stale = tmp_path / "stale-cache"
    template = stale / "cells/template"
    template.mkdir(parents=True)
    (template / "Cargo.toml").write_text("[package]\n")
    record = {"kernel": "0.0.1", "cell_crate": "x", "library_dir": "/elsewhere/playbook-lib",
              "library": "x", "lock_file": "none", "toolchain": "rustc 1.0.0"}
    (template / ".playbook-built-for.json").write_text(json.dumps(record))
    code, report = doctor(base_env(tmp_path, PLAYBOOK_CACHE=str(stale)))
    check = by_name(report)["cell_cache"]
    assert check["status"] == "warning", check
    assert "is stale (built by playbook 0.0.1" in check["verdict"], check
    assert "playbook install" in check["fix"], check


def test_no_aws_region_is_a_warning_saying_how_to_set_one(tmp_path):
    code, report = doctor(base_env(tmp_path, AWS_REGION=None))
    check = by_name(report)["aws_region"]
    assert check["status"] == "warning", check
    assert "no AWS region" in check["verdict"], check
    assert "AWS_REGION" in check["fix"], check
    assert code == 0, report
    # From the profile instead, it is found and named.
    config = tmp_path / "aws-config"
    config.write_text("[default]\nregion = ap-south-1\n")
    _, report = doctor(base_env(tmp_path, AWS_REGION=None, AWS_CONFIG_FILE=str(config)))
    assert by_name(report)["aws_region"]["verdict"] == "ap-south-1 (from profile `default`)"


def test_no_credentials_is_a_warning_and_an_undefined_profile_fails(tmp_path):
    env = base_env(tmp_path, AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
    code, report = doctor(env)
    check = by_name(report)["aws_credentials"]
    assert check["status"] == "warning" and "AWS_PROFILE" in check["fix"], check
    assert code == 0, report
    code, report = doctor(dict(env, AWS_PROFILE="nowhere"))
    check = by_name(report)["aws_credentials"]
    assert check["status"] == "failed", check
    assert "the profile `nowhere` is not defined" in check["verdict"], check
    assert code == 2, report


def test_aws_asks_sts_who_the_credentials_are(moto, tmp_path):
    env = moto.playbook_env(
        AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none")
    )
    code, report = doctor(env, "--aws")
    check = by_name(report)["aws_identity"]
    assert check["status"] == "ok", check
    assert "in account 123456789012" in check["verdict"], check
    assert code == 0, report


def test_aws_refused_credentials_exit_5(tmp_path):
    env = base_env(tmp_path, AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
    code, report = doctor(env, "--aws")
    check = by_name(report)["aws_identity"]
    assert check["status"] == "failed", check
    assert "credentials" in check["verdict"].lower(), check
    assert code == 5 and report["exit_class"] == "source_refused", report


def test_aws_sts_unreachable_exits_4(tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = base_env(tmp_path, AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", AWS_MAX_ATTEMPTS="1")
    code, report = doctor(env, "--aws")
    check = by_name(report)["aws_identity"]
    assert check["status"] == "failed", check
    assert code == 4 and report["exit_class"] == "source_unavailable", report
