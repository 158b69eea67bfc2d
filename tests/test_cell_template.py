"""The prebuilt cell template (kernel/src/cells/template.rs) is repaired when it no longer
fits the binary (upgraded without `playbook install`, or another checkout's): rebuilt once,
under a lock, while concurrent kernels wait for that one build; later kernels start from
it. Each test has a cache of its own holding a copy of the installed template whose record
of what it was built for is made stale. Asserted on what the kernels' logs say, never on
timings."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from jupyter_client.manager import KernelManager

from conftest import KERNEL_NAME, STARTUP_TIMEOUT

CACHE = Path(os.environ.get("PLAYBOOK_CACHE") or Path.home() / ".cache" / "playbook")
REBUILDING = "playbook: rebuilding the prebuilt cell library once"
REBUILT = "playbook: rebuilt the prebuilt cell library in"


def copy_of_the_template(cache: Path) -> Path:
    """The installed template, copied into `cache`."""
    template = cache / "cells" / "template"
    shutil.copytree(CACHE / "cells" / "template", template, symlinks=True)
    return template


def stale_copy_of_the_template(cache: Path) -> Path:
    """The installed template, copied into `cache`, recorded as built by another version."""
    template = cache / "cells" / "template"
    shutil.copytree(CACHE / "cells" / "template", template, symlinks=True)
    record = template / ".playbook-built-for.json"
    built_for = json.loads(record.read_text())
    built_for["kernel"] = "0.0.0-stale"
    record.write_text(json.dumps(built_for))
    return template


def launch(cache: Path, log: Path) -> tuple[KernelManager, object]:
    """Starts a kernel on `cache`, its output into `log`, without waiting for it."""
    out = open(log, "w")
    km = KernelManager(kernel_name=KERNEL_NAME)
    km.start_kernel(stdout=out, stderr=out, env={**os.environ, "PLAYBOOK_CACHE": str(cache)})
    kc = km.client()
    kc.start_channels()
    return km, kc


def answers(kc) -> None:
    """The kernel runs a cell that uses the library, within the start-up ceiling."""
    kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
    printed = []
    hook = lambda m: printed.append(m["content"].get("text", "")) if m["msg_type"] == "stream" else None
    reply = kc.execute_interactive('println!("{}", playbook::html::escape("<ok>"));',
                                   timeout=STARTUP_TIMEOUT, output_hook=hook)
    assert reply["content"]["status"] == "ok", reply["content"]
    assert "".join(printed) == "&lt;ok&gt;\n"


def stop(km, kc) -> None:
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def short_cache(tmp_path: Path) -> Path:
    """A cache directory with a short path: a kernel's host socket lives under it, and a
    Unix socket's path is limited to 108 bytes."""
    cache = Path(tempfile.mkdtemp(prefix="pbc-"))
    (tmp_path / "cache").symlink_to(cache)  # found beside the test's logs
    return cache


def test_a_stale_template_is_rebuilt_once_for_two_kernels_starting_together(tmp_path):
    cache = short_cache(tmp_path)
    try:
        rebuilt_once(tmp_path, cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def rebuilt_once(tmp_path: Path, cache: Path) -> None:
    template = stale_copy_of_the_template(cache)
    logs = [tmp_path / "kernel-1.log", tmp_path / "kernel-2.log"]
    kernels = [launch(cache, log) for log in logs]  # both start before either is waited on
    try:
        for _, kc in kernels:
            answers(kc)
    finally:
        for km, kc in kernels:
            stop(km, kc)
    said = [log.read_text() for log in logs]
    assert sum(s.count(REBUILDING) for s in said) == 1, said
    assert sum(s.count(REBUILT) for s in said) == 1, said
    assert any("the prebuilt cell library is stale (built by playbook 0.0.0-stale" in s for s in said), said
    # The other kernel waited for that build, or started after it: it never built its own.
    other = next(s for s in said if REBUILDING not in s)
    assert "no prebuilt cell library" not in other and "compiles it in its own directory" not in other
    # The template records this binary now, and no build was left beside it.
    assert json.loads((template / ".playbook-built-for.json").read_text())["kernel"] != "0.0.0-stale"
    beside = sorted(p.name for p in template.parent.iterdir() if p.name.startswith("template"))
    assert beside == ["template", "template.lock"], beside

    # A kernel started afterwards finds the template fresh and starts from it.
    third = tmp_path / "kernel-3.log"
    km, kc = launch(cache, third)
    try:
        answers(kc)
    finally:
        stop(km, kc)
    said = third.read_text()
    assert "stale" not in said and "rebuil" not in said and "no prebuilt cell library" not in said, said
    assert "playbook: Rust engine ready" in said, said


def test_a_kernel_runs_cells_under_a_cache_path_too_long_for_a_unix_socket(tmp_path):
    """Regression: with PLAYBOOK_CACHE under a long home directory the host socket's path
    (`<cache>/cells/kernels/<pid>-<uuid>.host/host.sock`) passed the 108 bytes of a Unix
    socket address and the kernel could not start ("path must be shorter than SUN_LEN").
    It binds in a short private directory instead, linked from the usual place, and a
    kernel that shuts down removes both."""
    cache = tmp_path / ("home-of-firstname.lastname-" + "x" * 40) / ".cache" / "playbook"
    assert len(str(cache / "cells/kernels/1234567-0123456789abcdef0123456789abcdef.host/host.sock")) > 108
    copy_of_the_template(cache)
    log = tmp_path / "kernel.log"
    km, kc = launch(cache, log)
    try:
        answers(kc)
        links = list((cache / "cells" / "kernels").glob("*.host"))
        assert len(links) == 1 and links[0].is_symlink(), links
        short = Path(os.readlink(links[0]))
        assert short.name.startswith("playbook-host-") and (short / "host.sock").exists(), short
        assert short.stat().st_mode & 0o777 == 0o700
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)  # a clean shutdown: the kernel removes its directories
    assert not short.exists(), f"{short} was left behind"
    assert not links[0].is_symlink(), f"{links[0]} was left behind"
    assert "SUN_LEN" not in log.read_text()
