"""Kernel lifecycle: install layout, restart, shutdown, and nbconvert running a notebook."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager

from conftest import OUT, execute, outputs, start_kernel, stop_kernel

HERE = Path(__file__).parent


def test_kernelspec_is_listed_by_jupyter():
    spec = KernelSpecManager().get_kernel_spec("playbook")
    assert spec.display_name == "Playbook (Rust)"
    assert spec.language == "rust"
    assert spec.interrupt_mode == "message"
    assert spec.argv[1:] == ["kernel", "--connection-file", "{connection_file}"]
    resources = Path(spec.resource_dir)
    assert (resources / "logo-64x64.png").exists()
    assert (resources / "logo-svg.svg").exists()


def test_restart_gives_a_fresh_working_kernel():
    km, kc = start_kernel("restart")
    try:
        execute(kc, "let before_restart = 1;")
        old_pid = km.provisioner.process.pid
        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=120)
        assert km.provisioner.process.pid != old_pid
        reply, messages = execute(kc, "before_restart", timeout=180)
        assert reply["content"]["status"] == "error"  # a new kernel: the variable is gone
        reply, messages = execute(kc, "3 * 3")
        assert outputs(messages, "execute_result")[0]["data"]["text/plain"] == "9"
    finally:
        stop_kernel(km, kc)


def run_nbconvert(notebook: Path, output: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=300", "--ExecutePreprocessor.startup_timeout=180",
         "--output", str(output), str(notebook)],
        capture_output=True, text=True, timeout=900,
    )


def test_nbconvert_executes_a_notebook_with_the_kernel():
    OUT.mkdir(exist_ok=True)
    output = OUT / "kernel-smoke.executed.ipynb"
    done = run_nbconvert(HERE / "notebooks" / "kernel-smoke.ipynb", output)
    assert done.returncode == 0, done.stderr[-3000:]
    nb = nbformat.read(output, as_version=4)
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts.append(json.dumps(out))
    joined = "\n".join(texts)
    assert "p99 latency 231 ms" in joined
    assert "text/html" in joined
    assert '"text/plain": "true"' in joined


def test_nbconvert_stops_on_a_panicking_cell():
    OUT.mkdir(exist_ok=True)
    output = OUT / "kernel-panics.executed.ipynb"
    done = run_nbconvert(HERE / "notebooks" / "kernel-panics.ipynb", output)
    assert done.returncode != 0
    assert "Panic" in done.stderr


def test_playbooks_also_run_under_nbconvert_and_papermill():
    """The bundled notebooks stay portable: Jupyter's own tools run them with the kernel."""
    OUT.mkdir(exist_ok=True)
    notebook = HERE.parent / "notebooks" / "getting-started.ipynb"
    done = run_nbconvert(notebook, OUT / "getting-started.nbconvert.ipynb")
    assert done.returncode == 0, done.stderr[-3000:]
    output = OUT / "getting-started.papermill.ipynb"
    done = subprocess.run(
        [sys.executable, "-m", "papermill", str(notebook), str(output),
         "--start-timeout", "180", "--execution-timeout", "300"],
        capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    nb = nbformat.read(output, as_version=4)
    outputs = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "p50 = 118 ms" in outputs and "PASS p50 latency" in outputs
