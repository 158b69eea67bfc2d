"""What many test modules share about the binary under test: where it is (`PLAYBOOK`,
from PLAYBOOK_BIN, which tests/run.sh sets to the build it just made) and how a test runs
a playbook with it (`run_playbook`, `run_to_record`).

Fixtures live in conftest.py; these are plain functions, so that a module's own helper
(one that counts compilations, say) can wrap them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from conftest import OUT

# The binary under test: PLAYBOOK_BIN (tests/run.sh), else the `playbook` on PATH, as an
# absolute path where it can be found (DAG files and scripts the tests write name it).
_named = os.environ.get("PLAYBOOK_BIN") or "playbook"
PLAYBOOK: str = shutil.which(_named) or _named

# A ceiling for one run, not a performance assertion: a run on a busy 2-core machine may
# compile its cells first.
RUN_TIMEOUT = 600


def run_playbook(*args: str | Path, env: dict[str, str] | None = None,
                 timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess:
    """`playbook run ARGS…` with its output captured as text and no stdin (a run never
    waits on a terminal); `env` replaces the environment when given."""
    return subprocess.run([PLAYBOOK, "run", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout, stdin=subprocess.DEVNULL)


def run_to_record(nb: Path, *args: str | Path, record: Path | None = None, env: dict[str, str] | None = None,
                  timeout: float = RUN_TIMEOUT) -> tuple[subprocess.CompletedProcess, dict]:
    """`playbook run NB -o RECORD ARGS…`; returns the process and the record it wrote
    (under tests/out/, named after the notebook and the arguments, unless `record`)."""
    if record is None:
        OUT.mkdir(exist_ok=True)
        record = OUT / f"{nb.stem}-{abs(hash((str(nb), tuple(map(str, args))))) % 100_000}.record.ipynb"
    done = run_playbook(nb, "-o", record, *args, env=env, timeout=timeout)
    return done, json.loads(Path(record).read_text())
