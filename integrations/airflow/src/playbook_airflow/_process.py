"""A `playbook` child process whose output goes to the task log line by line."""

from __future__ import annotations

import collections
import os
import queue
import re
import shlex
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence
from logging import Logger
from typing import Any

# How many of the last output lines are kept for an error message.
TAIL_LINES = 20


class PlaybookProcess:
    """Runs `argv` in its own process group (so a signal meant for the task is not also
    delivered to playbook, and `terminate()` reaches playbook and anything it started),
    stdout and stderr merged and logged one line at a time as they come.

    Lines are read on a thread and logged on the caller's thread (the one that calls
    `run()`), so a signal handler that runs there (Airflow calls `on_kill()` from its
    SIGTERM handler) never waits on a pipe nobody drains."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        log: Logger | Any,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        grace: float = 30.0,
        watch: re.Pattern[str] | None = None,
    ) -> None:
        self.watch = watch  # lines matching it are kept in `matches`, whatever their number
        self.matches: list[re.Match[str]] = []
        self.grace = grace  # seconds between SIGTERM and SIGKILL when the caller leaves early
        self.argv = [str(a) for a in argv]
        self.log = log
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self.process: subprocess.Popen[str] | None = None

    @property
    def returncode(self) -> int | None:
        """The exit code once the process ended (signals as 128+N), else None."""
        if self.process is None or self.process.poll() is None:
            return None
        code = self.process.returncode
        return 128 - code if code < 0 else code

    @property
    def command_line(self) -> str:
        return shlex.join(self.argv)

    def run(self) -> int:
        """Starts the process, logs its output until it closes, returns the exit code
        (signals as 128+N, as a shell reports them). Raises FileNotFoundError when the
        program does not exist."""
        self.process = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=1,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
        )
        lines: queue.Queue[str | None] = queue.Queue()
        reader = threading.Thread(target=_read, args=(self.process.stdout, lines), daemon=True)
        reader.start()
        try:
            while (line := lines.get()) is not None:
                self._log(line)
            code = self.process.wait()
        finally:
            # Leaving early (the task timed out, KeyboardInterrupt on SIGINT, an error
            # while logging): playbook must not run on unattended. What it says while it
            # stops is logged too.
            if self.process.poll() is None:
                self.terminate(grace=self.grace)
                reader.join(timeout=5)
                while True:
                    try:
                        line = lines.get_nowait()
                    except queue.Empty:
                        break
                    if line is not None:
                        self._log(line)
        reader.join(timeout=5)
        return self.returncode if self.returncode is not None else code

    def _log(self, line: str) -> None:
        line = line.rstrip("\r\n")
        self.tail.append(line)
        if self.watch is not None and (match := self.watch.search(line)):
            self.matches.append(match)
        self.log.info("%s", line)

    def terminate(self, grace: float) -> None:
        """SIGTERM to the process group (playbook stops the cell, writes and uploads its
        record, then exits 130), then SIGKILL if it is still there after `grace` s."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        self.log.info("Sending SIGTERM to playbook (pid %s); SIGKILL in %ss", process.pid, grace)
        if not _signal_group(process.pid, signal.SIGTERM):
            return
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.log.warning("playbook (pid %s) still running after %ss: SIGKILL", process.pid, grace)
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()


def _read(stream: Any, lines: queue.Queue[str | None]) -> None:
    try:
        for line in stream:  # universal newlines: a progress line ending in \r is a line too
            lines.put(line)
    finally:
        lines.put(None)


def _signal_group(pid: int, sig: int) -> bool:
    try:
        os.killpg(pid, sig)  # the child leads its own session, so its group id is its pid
        return True
    except ProcessLookupError:
        return False
