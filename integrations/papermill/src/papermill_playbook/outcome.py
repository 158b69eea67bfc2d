"""How a `playbook run` ended, made papermill's (`engine.py`): a failed check (exit 2)
becomes an error output `CheckFailed` in the cell that stated it, so that papermill's own
`raise_for_execution_errors` raises PapermillExecutionError for it, as it does for a
failed cell (whose error output the record holds); a failure no cell shows (bad input,
an output playbook could not write, an interruption before the first cell) raises
PlaybookRunError with the exit code.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import nbformat
from papermill.exceptions import PapermillException

from .binary import exit_meaning


class PlaybookRunError(PapermillException):
    """`playbook run` stopped without a cell or check to blame: bad input (3), an output
    it could not write (6), an interruption before the first cell (130)."""

    def __init__(self, exit_code: int, message: str) -> None:
        self.exit_code = exit_code
        super().__init__(message)


def conclude(nb_man: Any, code: int, wrote_record: bool, tail: deque[str]) -> None:
    """Makes the outcome papermill's: a failed check becomes an error output of the cell
    that stated it; a failure no cell shows raises PlaybookRunError."""
    nb = nb_man.nb
    if code == 0:
        return
    if code == 2 and wrote_record and mark_failed_checks(nb):
        return
    if code != 2 and wrote_record and any(
            o.get("output_type") == "error" for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])):
        return  # papermill raises PapermillExecutionError for the cell that failed
    said = "\n".join(tail)
    raise PlaybookRunError(code, f"playbook run exited {code} ({exit_meaning(code)}):\n{said}")


def mark_failed_checks(nb: Any) -> bool:
    """Adds a `CheckFailed` error output to the cell that stated the first failed check
    (naming every failed check); False when the record names none."""
    checks = nb.metadata.get("playbook", {}).get("checks", [])
    failed = [c for c in checks if c.get("verdict") == "fail"]
    if not failed:
        return False
    first = failed[0]["name"]
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    if not code_cells:
        return False
    cell = next((c for c in code_cells if first in c.metadata.get("playbook", {}).get("checks", [])),
                code_cells[-1])

    def said(check: dict) -> str:
        parts = [f"observed {check['observed']}" if check.get("observed") else "",
                 f"expected {check['expected']}" if check.get("expected") else ""]
        detail = ", ".join(p for p in parts if p)
        return f"{check['name']}" + (f" ({detail})" if detail else "")

    cell.outputs.append(nbformat.v4.new_output(
        "error", ename="CheckFailed",
        evalue=f"{len(failed)} check(s) failed: " + "; ".join(said(c) for c in failed),
        traceback=[f"check FAIL: {said(c)}" for c in failed]))
    cell.metadata.setdefault("papermill", {})["exception"] = True
    cell.metadata["papermill"]["status"] = "failed"
    nb.metadata.setdefault("papermill", {})["exception"] = True
    return True

