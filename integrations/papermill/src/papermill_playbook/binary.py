"""Where the `playbook` binary is: the one named explicitly, else $PLAYBOOK_BIN, else the
one the `playbook` kernelspec starts (what `playbook install` registered: the kernel
papermill and nbconvert would run), else `playbook` on PATH."""

from __future__ import annotations

import os
import shutil

# `playbook run`'s exit codes (README "Exit codes"): the contract.
EXIT_MEANINGS = {
    0: "ok",
    1: "a cell failed",
    2: "a check failed",
    3: "bad input",
    4: "the data source is unavailable (throttled, a deadline, unreachable)",
    5: "the data source refused (credentials, access denied, not found, no region)",
    6: "an output could not be written",
    130: "interrupted",
}


def exit_meaning(code: int) -> str:
    return EXIT_MEANINGS.get(code, "an exit code outside playbook's contract")


def playbook_binary(explicit: str | None = None) -> str:
    """The path of the `playbook` binary to run; FileNotFoundError saying where it
    looked when there is none."""
    for candidate in (explicit, os.environ.get("PLAYBOOK_BIN"), _kernelspec_binary()):
        if candidate:
            found = shutil.which(candidate)
            if found:
                return found
    found = shutil.which("playbook")
    if found:
        return found
    raise FileNotFoundError(
        "no `playbook` binary: pass playbook_bin, set PLAYBOOK_BIN, run `playbook install` "
        "(its kernelspec names the binary) or put playbook on PATH")


def _kernelspec_binary() -> str | None:
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    except ImportError:
        return None
    try:
        argv = KernelSpecManager().get_kernel_spec("playbook").argv
    except (NoSuchKernel, OSError, ValueError):
        return None
    return argv[0] if argv else None
