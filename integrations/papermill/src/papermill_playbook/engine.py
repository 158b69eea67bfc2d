"""`papermill --engine playbook`: papermill's engine contract kept, the work done by
`playbook run`, so the compiled-cells cache, the exit codes, redaction and the run record
apply to papermill runs too.

What holds of papermill's contract:
- the output notebook is saved when the run starts, as each step starts and ends (with
  the outputs of the steps done so far) and at the end: it is playbook's record (the
  notebook's `metadata.playbook`, `playbook report` reads it) with papermill's metadata;
- the progress bar advances step by step, as `playbook run` reports its steps;
- a failed cell (exit 1, or 4/5 when a query failed) has its error output in the
  record, and papermill raises PapermillExecutionError for it, with its error cells; a
  failed check (exit 2) gets an error output `CheckFailed` in the cell that stated it, so
  papermill raises for it the same way; anything else `playbook run` refuses (bad input:
  3, an output it could not write: 6, an interruption before the first cell) raises
  PlaybookRunError, a PapermillException carrying the exit code and playbook's message.

The notebook run is the input file itself when it is a local file (its cells run in its
directory, as with `playbook run`, and the record names it); otherwise (a remote path, a
notebook object) the notebook as papermill prepared it, from a temporary directory. The
parameters are handed to `playbook run` in a parameters file (private to the user, never
on its command line), as the text `-p` would take, so playbook checks and injects them by
its own rules; a secret one (its name looks secret) is masked in papermill's metadata
before papermill first saves the notebook.
"""

from __future__ import annotations

import json
import math
import os
import queue
import re
import signal
import subprocess
import tempfile
import threading
from collections import deque
from pathlib import Path
from typing import Any

import nbformat
from papermill.engines import Engine
from papermill.log import logger

from .binary import playbook_binary
from .declarations import MASK, looks_secret
from .literals import ParameterError
from .outcome import PlaybookRunError, conclude
from .values import raw_text

__all__ = ["PlaybookEngine", "PlaybookRunError"]

# A step line of `playbook run`'s progress when stderr is not a terminal: `[3/7] name`.
STEP = re.compile(r"^\[(\d+)/(\d+)\] ")
# How many of the last output lines an error message quotes.
TAIL_LINES = 20
# papermill's cell states (NotebookExecutionManager), by playbook's cell status.
CELL_STATES = {"ok": "completed", "failed": "failed", "interrupted": "failed"}



class PlaybookEngine(Engine):
    """Runs the notebook with `playbook run`. Options (papermill's `execute_notebook`
    passes unknown keyword arguments to the engine): `playbook_bin`, `source` (`--source`),
    `allow_errors`, `playbook_args` (more `playbook run` arguments: `--region`,
    `--profile`, `--report`, `--summary`, `--target-name`, …) and `kill_grace_seconds`
    (between SIGINT and SIGKILL when papermill is interrupted). papermill's
    `execution_timeout` is `--cell-timeout`."""

    @classmethod
    def execute_notebook(cls, nb: Any, kernel_name: str, **kwargs: Any) -> Any:
        papermill = nb.metadata.setdefault("papermill", {})
        parameters = dict(papermill.get("parameters") or {})
        if any(looks_secret(name) for name in parameters):
            papermill["parameters"] = {name: MASK if looks_secret(name) else value
                                       for name, value in parameters.items()}
        return super().execute_notebook(nb, kernel_name, playbook_parameters=parameters, **kwargs)

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        execution_timeout: float | None = None,
        input_path: Any = None,
        playbook_parameters: dict[str, Any] | None = None,
        playbook_bin: str | None = None,
        source: str | None = None,
        allow_errors: bool = False,
        playbook_args: tuple[str, ...] | list[str] = (),
        kill_grace_seconds: float = 30.0,
        **_ignored: Any,
    ) -> Any:
        binary = playbook_binary(playbook_bin)
        with tempfile.TemporaryDirectory(prefix="papermill-playbook-") as work:
            notebook = notebook_to_run(nb_man.nb, input_path, Path(work))
            record = Path(work) / "record.ipynb"
            argv = [binary, "run", str(notebook), "-o", str(record)]
            if playbook_parameters:
                argv += ["-f", str(parameters_file(playbook_parameters, Path(work)))]
            if source:
                argv += ["--source", source]
            if execution_timeout:
                argv += ["--cell-timeout", str(max(1, math.ceil(execution_timeout)))]
            if allow_errors:
                argv.append("--allow-errors")
            argv += [str(a) for a in playbook_args]
            logger.info("Running %s run %s", binary, notebook)
            run = Run(nb_man, record, log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
            try:
                code = run.execute(argv, grace=kill_grace_seconds)
            finally:
                run.step_done()
                run.take_record()
            conclude(nb_man, code, record.is_file(), run.tail)
        return nb_man.nb


def notebook_to_run(nb: Any, input_path: Any, work: Path) -> Path:
    """The input file when it is a local notebook, else the prepared notebook written
    into `work`."""
    if isinstance(input_path, (str, os.PathLike)):
        path = Path(input_path)
        if "://" not in str(input_path) and path.is_file():
            return path.resolve()
    name = Path(str(input_path)).name if isinstance(input_path, str) and input_path.endswith(".ipynb") else "notebook.ipynb"
    written = work / name
    nbformat.write(nb, str(written))
    return written


def parameters_file(parameters: dict[str, Any], work: Path) -> Path:
    """A JSON parameters file (0600) of each value as the text `-p NAME=VALUE` takes."""
    try:
        texts = {name: raw_text(name, value) for name, value in parameters.items()}
    except ParameterError as why:
        raise PlaybookRunError(3, str(why)) from None
    path = work / "parameters.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(texts, f, ensure_ascii=False)
    return path


class Run:
    """One `playbook run` child: its output logged line by line, each step it reports
    moved onto papermill's notebook (cell start and end, outputs so far, progress)."""

    def __init__(self, nb_man: Any, record: Path, *, log_output: bool, stdout_file: Any, stderr_file: Any):
        self.nb_man = nb_man
        self.record = record
        self.log_output = log_output
        self.files = {"stdout": stdout_file, "stderr": stderr_file}
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.current: int | None = None  # the index of the cell running, in nb_man.nb

    def execute(self, argv: list[str], grace: float) -> int:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, errors="replace", bufsize=1, start_new_session=True)
        lines: queue.Queue[tuple[str, str] | None] = queue.Queue()
        readers = [threading.Thread(target=_read, args=(stream, name, lines), daemon=True)
                   for stream, name in ((process.stdout, "stdout"), (process.stderr, "stderr"))]
        for reader in readers:
            reader.start()
        try:
            open_streams = len(readers)
            while open_streams:
                item = lines.get()
                if item is None:
                    open_streams -= 1
                else:
                    self.line(*item)
            return process.wait()
        finally:
            if process.poll() is None:  # papermill is leaving early (KeyboardInterrupt)
                stop(process, grace)
            for reader in readers:
                reader.join(timeout=5)

    def line(self, stream: str, text: str) -> None:
        text = text.rstrip("\r\n")
        self.tail.append(text)
        if self.log_output:
            logger.info("%s", text)
        else:
            logger.debug("%s", text)
        if self.files[stream] is not None:
            self.files[stream].write(text + "\n")
            self.files[stream].flush()
        step = STEP.match(text) if stream == "stderr" else None
        if step:
            self.step(int(step[1]) - 1)

    def step(self, position: int) -> None:
        """Code cell `position` (0-based) starts: the one before it is done."""
        nb = self.nb_man.nb
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        self.step_done()
        self.current = code[position] if position < len(code) else None
        if self.current is not None:
            self.nb_man.cell_start(nb.cells[self.current], cell_index=self.current)

    def step_done(self) -> None:
        """The running cell is done (the next one starts, or the run ended)."""
        if self.current is not None:
            self.outputs_so_far()
            self.nb_man.cell_complete(self.nb_man.nb.cells[self.current], cell_index=self.current)
            self.current = None

    def outputs_so_far(self) -> None:
        """Copies what the record holds of the code cells run so far (playbook writes it
        after every cell) onto papermill's notebook."""
        record = read_record(self.record)
        if record is None:
            return
        ran = [c for c in record.cells if c.cell_type == "code" and "playbook" in c.metadata]
        mine = [c for c in self.nb_man.nb.cells if c.cell_type == "code"]
        for theirs, cell in zip(ran, mine):
            cell.source = theirs.source
            cell.outputs = theirs.outputs
            cell.execution_count = theirs.get("execution_count")
            cell.metadata["playbook"] = theirs.metadata["playbook"]

    def take_record(self) -> None:
        """The record becomes papermill's notebook: its cells and metadata, with
        papermill's metadata kept and each cell's papermill state from playbook's."""
        record = read_record(self.record)
        if record is None:
            return
        nb = self.nb_man.nb
        for cell in record.cells:
            state = cell.metadata.get("playbook", {})
            cell.metadata["papermill"] = {
                "exception": state.get("status") in ("failed", "interrupted"),
                "start_time": state.get("start_time"),
                "end_time": state.get("end_time"),
                "duration": state.get("duration"),
                "status": CELL_STATES.get(state.get("status"), "pending"),
            }
            if cell.metadata["papermill"]["exception"]:
                nb.metadata.setdefault("papermill", {})["exception"] = True
        papermill = nb.metadata.get("papermill", {})
        nb.cells = record.cells
        for key, value in record.metadata.items():
            if key != "papermill":
                nb.metadata[key] = value
        nb.metadata["papermill"] = papermill


def read_record(path: Path) -> Any:
    """The record as playbook last wrote it (atomically), or None before the first."""
    try:
        return nbformat.read(str(path), as_version=4)
    except (OSError, ValueError):
        return None


def stop(process: subprocess.Popen, grace: float) -> None:
    """SIGINT to playbook's process group (it stops the cell, writes the record, exits
    130), SIGKILL after `grace` seconds."""
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=grace)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        logger.warning("playbook (pid %s) still running %ss after SIGINT: SIGKILL", process.pid, grace)
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        process.wait(timeout=30)


def _read(stream: Any, name: str, lines: queue.Queue) -> None:
    try:
        for line in stream:
            lines.put((name, line))
    finally:
        lines.put(None)
