"""Shared fixtures: a real `playbook` kernel started through jupyter_client, and the
session-wide local AWS endpoint `moto` (moto + the CBOR proxy, from aws/moto_fixture.py).

The kernelspec is installed into the test venv by tests/run.sh. Kernel output goes to a
log file under tests/out/ (never to the test's own pipes, so an orphaned kernel cannot
hold them open).
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from queue import Empty
from typing import Any

import nbformat
import pytest
from jupyter_client.manager import KernelManager

# The `moto` fixture, for every test module (tests/aws/moto_fixture.py).
pytest_plugins = ["aws.moto_fixture"]

OUT = Path(__file__).parent / "out"
KERNEL_NAME = "playbook"
# A fresh kernel compiles its first cells in the background; give it room on a busy
# 2-core machine. These are ceilings, not performance assertions.
STARTUP_TIMEOUT = 180
CELL_TIMEOUT = 120


def start_kernel(name: str, env: dict | None = None) -> tuple[KernelManager, Any]:
    OUT.mkdir(exist_ok=True)
    log = open(OUT / f"kernel-{name}-{uuid.uuid4().hex[:8]}.log", "w")
    km = KernelManager(kernel_name=KERNEL_NAME)
    if env is None:
        km.start_kernel(stdout=log, stderr=log)
    else:
        km.start_kernel(stdout=log, stderr=log, env=env)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
    # Wait for the Rust engine (started in the background) with a generous timeout.
    reply = kc.execute_interactive("1", timeout=STARTUP_TIMEOUT, output_hook=lambda m: None)
    assert reply["content"]["status"] == "ok", reply["content"]
    return km, kc


def stop_kernel(km: KernelManager, kc: Any) -> None:
    kc.stop_channels()
    km.shutdown_kernel(now=False)


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_kernel("shared")
    yield km, kc
    stop_kernel(km, kc)


def collect(kc: Any, msg_id: str, timeout: float = CELL_TIMEOUT) -> list[dict]:
    """Iopub messages for `msg_id`, up to and including its `idle` status."""
    messages = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except Empty:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return messages
    raise AssertionError(f"no idle status for {msg_id} within {timeout}s: {messages}")


def shell_reply(kc: Any, msg_id: str, timeout: float = CELL_TIMEOUT) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = kc.get_shell_msg(timeout=1)
        except Empty:
            continue
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg
    raise AssertionError(f"no reply to {msg_id} within {timeout}s")


def execute(kc: Any, code: str, timeout: float = CELL_TIMEOUT, **kwargs) -> tuple[dict, list[dict]]:
    """Executes `code`; returns the reply and the iopub messages of the request."""
    msg_id = kc.execute(code, **kwargs)
    reply = shell_reply(kc, msg_id, timeout)
    return reply, collect(kc, msg_id, timeout)


def outputs(messages: list[dict], msg_type: str) -> list[dict]:
    return [m["content"] for m in messages if m["msg_type"] == msg_type]


def stream_text(messages: list[dict], name: str = "stdout") -> str:
    return "".join(c["text"] for c in outputs(messages, "stream") if c["name"] == name)


def notebook(path: Path, *cells: str, parameters: str | None = None) -> Path:
    """Writes a notebook of Rust code cells (the first tagged `parameters` when given)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "playbook", "display_name": "Playbook (Rust)", "language": "rust"}
    if parameters is not None:
        nb.cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    nb.cells.extend(nbformat.v4.new_code_cell(source) for source in cells)
    path.write_text(nbformat.writes(nb))
    return path
