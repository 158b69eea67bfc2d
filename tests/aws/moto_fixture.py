"""A local AWS endpoint for tests: `moto_server` behind the RPCv2-CBOR proxy.

moto 5.2.x lacks the Smithy RPCv2-CBOR protocol that the latest `aws-sdk-cloudwatch`
speaks, so tests point the SDK at `proxy.CborProxy`, which translates CloudWatch
calls to awsJson1_0 for moto and passes everything else (CloudWatch Logs, /moto-api)
through. One endpoint URL serves both CloudWatch and Logs.

Use it as a context manager, or as the session fixture `moto` (tests/conftest.py lists
`pytest_plugins = ["aws.moto_fixture"]`, so every test module can ask for it):

    from aws.moto_fixture import moto_endpoint

    with moto_endpoint() as aws:
        logs = aws.client("logs")  # boto3, straight into moto: seed data with it
        env = aws.playbook_env()   # os.environ + aws.env, profile variables removed,
        ...                        # AWS_MAX_ATTEMPTS=1: run the kernel / binary with env
        aws.reset()                # wipe moto's state between tests

moto's own log (one line per request) goes to tests/out/moto-<port>.log.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .proxy import CborProxy

OUT = Path(__file__).resolve().parent.parent / "out"
START_TIMEOUT = 60.0  # moto is ready in ~1-1.6 s here; leave room on a busy machine
REGION = "us-east-1"

# Variables that would make an SDK read a profile or real credentials instead of ours.
PROFILE_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


@dataclass
class MotoEndpoint:
    """A running moto server and the CBOR proxy in front of it."""

    url: str  # the proxy: use it as AWS_ENDPOINT_URL for CloudWatch and Logs
    moto_url: str  # moto itself (awsJson/awsQuery only)
    proxy: CborProxy
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    def environ(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """`base` (default os.environ) with `env` applied and profile/credential
        variables and per-service endpoint overrides (AWS_ENDPOINT_URL_*) removed."""
        result = dict(os.environ if base is None else base)
        for name in list(result):
            if name in PROFILE_VARIABLES or name.startswith("AWS_ENDPOINT_URL_"):
                del result[name]
        result.update(self.env)
        return result

    def playbook_env(self, **overrides: str) -> dict[str, str]:
        """The environment for the `playbook` binary or kernel: `environ()`, one attempt
        per AWS call (AWS_MAX_ATTEMPTS=1: an error shows at once, not after retries),
        then `overrides` (e.g. `PLAYBOOK_SOURCE="cloudwatch"`)."""
        return {**self.environ(), "AWS_MAX_ATTEMPTS": "1", **overrides}

    def client(self, service: str, *, via_proxy: bool = False, **kwargs: Any) -> Any:
        """A boto3 client for `service` ("logs", "cloudwatch") against moto itself, or with
        `via_proxy` against the CBOR proxy (what the Rust SDK talks to), with this
        endpoint's region and test credentials; `kwargs` go to boto3.client (`config=`)."""
        import boto3  # here: this module also serves where boto3 is not installed

        return boto3.client(
            service,
            endpoint_url=self.url if via_proxy else self.moto_url,
            region_name=self.env.get("AWS_REGION", REGION),
            aws_access_key_id=self.env.get("AWS_ACCESS_KEY_ID", "testing"),
            aws_secret_access_key=self.env.get("AWS_SECRET_ACCESS_KEY", "testing"),
            **kwargs,
        )

    def reset(self) -> None:
        """Wipes all of moto's state (POST /moto-api/reset), and the anomaly detectors
        the proxy keeps for it."""
        request = urllib.request.Request(f"{self.moto_url}/moto-api/reset", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
        self.proxy.set_anomaly_detectors([])
        self.proxy.set_linked_accounts({})
        self.proxy.set_log_anomalies([])
        self.proxy.reset_insights()

    def log_tail(self, lines: int = 40) -> str:
        """The end of moto's log and of the proxy's access log, for failure messages."""
        moto_log = _tail(self.log_path, lines)
        proxy_log = "\n".join(self.proxy.recent[-lines:])
        return f"--- moto ({self.log_path}) ---\n{moto_log}\n--- cbor proxy ---\n{proxy_log}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def moto_command(port: int) -> list[str]:
    """`moto_server` from this interpreter's environment, else `python -m moto.server`."""
    sibling = Path(sys.executable).parent / "moto_server"
    if sibling.exists():
        return [str(sibling), "-H", "127.0.0.1", "-p", str(port)]
    on_path = shutil.which("moto_server")
    if on_path and Path(on_path).parent == Path(sys.executable).parent:
        return [on_path, "-H", "127.0.0.1", "-p", str(port)]
    return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]


def _wait_ready(process: subprocess.Popen, url: str, log_path: Path, deadline: float) -> None:
    """Returns once moto answers HTTP at all; raises with its log if it dies or stalls."""
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"moto_server exited with status {process.returncode} before answering.\n"
                f"command: {process.args}\n{_tail(log_path, 60)}"
            )
        try:
            with urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=2) as response:
                response.read()
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer means it is serving
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"moto_server did not answer at {url} within {START_TIMEOUT:.0f}s.\n"
                f"command: {process.args}\n{_tail(log_path, 60)}"
            )
        time.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def moto_endpoint(start_timeout: float = START_TIMEOUT) -> Iterator[MotoEndpoint]:
    """Starts moto_server on a free port and the CBOR proxy in front of it; stops both."""
    OUT.mkdir(exist_ok=True)
    process: subprocess.Popen | None = None
    log_path = OUT / "moto.log"
    # Another process may grab the port between _free_port() and moto's bind: retry.
    for attempt in range(3):
        port = _free_port()
        log_path = OUT / f"moto-{port}.log"
        # A file, not a pipe: moto logs every request and a full pipe would block it.
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                moto_command(port),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        moto_url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(process, moto_url, log_path, time.monotonic() + start_timeout)
            break
        except RuntimeError:
            _stop(process)
            if attempt == 2 or "Address already in use" not in _tail(log_path, 60):
                raise
    assert process is not None

    proxy = CborProxy(moto_url).start()
    endpoint = MotoEndpoint(
        url=proxy.url,
        moto_url=moto_url,
        proxy=proxy,
        log_path=log_path,
        env={
            "AWS_ENDPOINT_URL": proxy.url,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_EC2_METADATA_DISABLED": "true",
            # No profile files: nothing from ~/.aws can override the above.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        },
    )
    try:
        yield endpoint
    finally:
        proxy.stop()
        _stop(process)


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoEndpoint]:
    """Session-wide moto + CBOR proxy (call `.reset()` where a test needs a clean slate)."""
    with moto_endpoint() as endpoint:
        yield endpoint
