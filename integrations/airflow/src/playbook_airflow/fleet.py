"""`fleet_dag`: one playbook over a fleet of targets (accounts, regions, services) as one
Airflow DAG: a mapped `PlaybookOperator` task per target, then a fleet summary."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ._compat import DAG, AirflowException, AirflowFailException, BaseOperator, TriggerRule
from ._process import PlaybookProcess
from .operator import SUMMARY_XCOM_KEY, PlaybookOperator, exit_meaning, parameter_args

RUN_TASK_ID = "playbook"
# How `playbook fleet` names each file it wrote, on stderr.
WROTE = re.compile(r"^fleet: wrote (?P<path>\S+)\s*$")
SUMMARY_TASK_ID = "fleet_summary"
FLEET_XCOM_KEY = "fleet"
# What a target of `playbook fleet --plan` may set besides its name, as operator arguments.
TARGET_FIELDS = ("parameters", "source", "region", "profile", "role_arn", "external_id", "role_session_name")
# `--plan` runs while the DAG file is parsed, under Airflow's dagbag_import_timeout (30 s).
PLAN_TIMEOUT = 25.0
DEFAULT_START = datetime(2024, 1, 1, tzinfo=timezone.utc)

# playbook's time placeholders, fixed once per DAG run (the run's `run_after`, UTC), so
# every target and the fleet summary of one run share one folder.
# (Airflow 2's DagRun has no run_after: its logical date then.)
_RUN_TIME = "(dag_run.run_after if dag_run.run_after is defined else dag_run.logical_date)"
TIME_PLACEHOLDERS = {
    "{date}": "{{ " + _RUN_TIME + ".strftime('%Y-%m-%d') }}",
    "{time}": "{{ " + _RUN_TIME + ".strftime('%H%M%S') }}",
    "{datetime}": "{{ " + _RUN_TIME + ".strftime('%Y-%m-%dT%H%M%SZ') }}",
}


class FleetPlanError(ValueError):
    """`playbook fleet --plan` refused the targets file or the notebook (or could not run)."""


def plan_fleet(
    notebook: str,
    targets_file: str,
    *,
    playbook_bin: str = "playbook",
    parameters: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    timeout: float = PLAN_TIMEOUT,
) -> dict[str, Any]:
    """What `playbook fleet NOTEBOOK --targets FILE --plan [-p NAME=VALUE]…` prints: the
    notebook and its targets, each with its parameters (defaults merged, `parameters`
    applied), source, region, profile and role. Raises FleetPlanError with playbook's
    message when the targets file or the notebook is invalid."""
    argv = [playbook_bin, "fleet", str(notebook), "--targets", str(targets_file), "--plan"]
    argv += parameter_args(parameters)
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            timeout=timeout,
        )
    except FileNotFoundError as exc:
        raise FleetPlanError(
            f"cannot run {playbook_bin!r} to plan the fleet: {exc.strerror or exc} (install "
            "playbook where DAG files are parsed, or pass playbook_bin=its path)"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise FleetPlanError(f"`{' '.join(argv)}` did not answer within {timeout:.0f}s") from exc
    message = done.stderr.strip()
    if done.returncode != 0:
        raise FleetPlanError(
            f"playbook cannot plan the fleet {targets_file} for {notebook} "
            f"(exit {done.returncode}, {exit_meaning(done.returncode)}): {message or '(no message)'}"
        )
    try:
        plan = json.loads(done.stdout)
        targets = plan["targets"]
        names = [target["name"] for target in targets]
    except (ValueError, KeyError, TypeError) as exc:
        raise FleetPlanError(
            f"`{' '.join(argv)}` printed no fleet plan ({exc!r}): {done.stdout[:500]!r}"
        ) from exc
    if not targets:
        raise FleetPlanError(f"the fleet {targets_file} has no targets")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise FleetPlanError(f"the fleet {targets_file} names these targets twice: {duplicates}")
    return plan


def pin_time_placeholders(out: str) -> str:
    """`out` with {date}, {time} and {datetime} replaced by Jinja that renders the DAG
    run's time, so every task of one run writes under the same folder (playbook would
    expand them at each run's own start). {target}, {param.NAME} and the rest are left
    to playbook."""
    for placeholder, template in TIME_PLACEHOLDERS.items():
        out = out.replace(placeholder, template)
    return out


def target_kwargs(target: Mapping[str, Any]) -> dict[str, Any]:
    """The `PlaybookOperator` arguments of one planned target (all keys, None if unset)."""
    kwargs = {"target_name": target["name"]}
    for field in TARGET_FIELDS:
        value = target.get(field)
        kwargs[field] = dict(value or {}) if field == "parameters" else value
    return kwargs


def fleet_dag(
    dag_id: str,
    notebook: str,
    targets_file: str,
    *,
    out: str,
    playbook_bin: str = "playbook",
    parameters: Mapping[str, Any] | None = None,
    schedule: Any = None,
    start_date: datetime | None = None,
    retries: int = 2,
    retry_delay: timedelta = timedelta(seconds=60),
    env: Mapping[str, str] | None = None,
    operator_kwargs: Mapping[str, Any] | None = None,
    **dag_kwargs: Any,
) -> DAG:
    """A DAG that runs `notebook` once per target of `targets_file` (YAML or JSON, as
    `playbook fleet` reads it), then writes the fleet summary.

    - The targets are planned when the DAG file is parsed (`playbook fleet … --plan`): a
      bad targets file fails the parse with playbook's message (FleetPlanError).
    - Task `playbook` is mapped over the targets (the UI names each by its target): a
      `PlaybookOperator` writing `OUT/<target>/record.ipynb` and `OUT/<target>/report.html`.
      4 and 6 are retried (`retries`, `retry_delay`); 1, 2, 3 and 5 fail at once.
    - Task `fleet_summary` runs when all targets are done, however they ended: `playbook
      fleet … --from-summaries DIR --out OUT` writes `OUT/fleet.json` and `OUT/fleet.html`.
      It fails (and so does the DAG run) when the fleet's exit code is not 0.

    `out` is a directory or `s3://BUCKET/PREFIX`; {date}, {time} and {datetime} in it are
    the DAG run's time (one folder per run), other placeholders are playbook's.
    `parameters` apply to every target (over the file's). `env` is set over the worker's
    environment for the plan and every run. `operator_kwargs` go to every target's
    `PlaybookOperator` (e.g. `publish_metrics`, `notify`, `cell_timeout`, `pool`,
    `execution_timeout`). Other keyword arguments go to `DAG` (`catchup` defaults to False,
    `max_active_runs` to 1, `tags` to ["playbook"])."""
    env = {str(k): str(v) for k, v in (env or {}).items()}
    plan = plan_fleet(notebook, targets_file, playbook_bin=playbook_bin, parameters=parameters, env=env)
    targets = plan["targets"]
    shown_out, out = out.rstrip("/"), pin_time_placeholders(out.rstrip("/"))
    dag_kwargs.setdefault("catchup", False)
    dag_kwargs.setdefault("max_active_runs", 1)
    dag_kwargs.setdefault("tags", ["playbook"])
    dag_kwargs.setdefault(
        "doc_md",
        f"`{notebook}` over the {len(targets)} targets of `{targets_file}` "
        f"({', '.join(t['name'] for t in targets)}); records under `{shown_out}/<target>/`, "
        f"the fleet summary in `{shown_out}/fleet.json` and `fleet.html`.",
    )
    with DAG(
        dag_id=dag_id,
        schedule=schedule,
        start_date=start_date or DEFAULT_START,
        **dag_kwargs,
    ) as dag:
        runs = PlaybookOperator.partial(
            task_id=RUN_TASK_ID,
            notebook=notebook,
            output=f"{out}/{{target}}/record.ipynb",
            report=f"{out}/{{target}}/report.html",
            playbook_bin=playbook_bin,
            env=env,
            retries=retries,
            retry_delay=retry_delay,
            map_index_template="{{ task.target_name }}",
            **dict(operator_kwargs or {}),
        ).expand_kwargs([target_kwargs(t) for t in targets])
        summary = PlaybookFleetSummaryOperator(
            task_id=SUMMARY_TASK_ID,
            notebook=notebook,
            targets_file=targets_file,
            out=out,
            target_names=[t["name"] for t in targets],
            run_task_id=RUN_TASK_ID,
            playbook_bin=playbook_bin,
            env=env,
            retries=retries,
            retry_delay=retry_delay,
            trigger_rule=TriggerRule.ALL_DONE,
        )
        runs >> summary
    return dag


class PlaybookFleetSummaryOperator(BaseOperator):
    """Collects the `summary` XComs of the mapped task `run_task_id` (one per target, in
    `target_names` order), writes them to a directory as `<target>.json` and runs
    `playbook fleet NOTEBOOK --targets FILE --from-summaries DIR --out OUT`, which writes
    OUT/fleet.json and OUT/fleet.html and exits with the fleet's exit code (the most
    severe of its targets').

    Returns fleet.json parsed when OUT is a local directory, else where it went (also
    pushed under the XCom key `fleet`, which stays when the task then fails). Raises
    AirflowFailException when the fleet's exit code is not 0 (after the summary was
    written: the targets were retried on their own), and when `playbook fleet` itself
    refuses its input (3); AirflowException when it cannot write the summary (6)."""

    template_fields: Sequence[str] = ("notebook", "targets_file", "out", "env")
    ui_color = "#f3e8fb"

    def __init__(
        self,
        *,
        notebook: str,
        targets_file: str,
        out: str,
        target_names: Sequence[str],
        run_task_id: str = RUN_TASK_ID,
        playbook_bin: str = "playbook",
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.notebook = notebook
        self.targets_file = targets_file
        self.out = out
        self.target_names = list(target_names)
        self.run_task_id = run_task_id
        self.playbook_bin = playbook_bin
        self.env = dict(env or {})
        self.cwd = cwd
        self._process: PlaybookProcess | None = None

    def collect(self, context: Any) -> list[dict[str, Any]]:
        """One summary per target, in the fleet's order; a target whose task left none
        (killed before it could push one, or never ran) gets a minimal failed one."""
        ti = context["ti"]
        summaries = []
        for index, name in enumerate(self.target_names):
            summary = ti.xcom_pull(task_ids=self.run_task_id, key=SUMMARY_XCOM_KEY, map_indexes=index)
            if isinstance(summary, list):  # some versions wrap a single map index
                summary = summary[0] if summary else None
            if not isinstance(summary, dict):
                self.log.warning("Target %s left no summary: counted as interrupted", name)
                summary = {
                    "target": name,
                    "exit_code": 130,
                    "status": "failed",
                    "checks": [],
                    "error": f"task {self.run_task_id}[{name}] ended without a run summary "
                    "(killed, or never ran)",
                }
            summary.setdefault("target", name)
            summaries.append(summary)
        return summaries

    def execute(self, context: Any) -> Any:
        summaries = self.collect(context)
        directory = tempfile.mkdtemp(prefix="playbook-fleet-")
        try:
            for summary in summaries:
                path = Path(directory, f"{_file_name(str(summary['target']))}.json")
                for n in range(2, len(summaries) + 2):  # two names that read alike
                    if not path.exists():
                        break
                    path = Path(directory, f"{_file_name(str(summary['target']))}-{n}.json")
                path.write_text(json.dumps(summary))
            codes = {s["target"]: s.get("exit_code") for s in summaries}
            self.log.info("Target exit codes: %s", codes)
            argv = [
                self.playbook_bin, "fleet", str(self.notebook),
                "--targets", str(self.targets_file),
                "--from-summaries", directory,
                "--out", str(self.out),
            ]
            process = PlaybookProcess(
                argv, log=self.log, env={**os.environ, **self.env}, cwd=self.cwd, watch=WROTE
            )
            self._process = process
            self.log.info("Running %s", process.command_line)
            started = time.time()
            try:
                code = process.run()
            except FileNotFoundError as exc:
                raise AirflowFailException(f"cannot run {self.playbook_bin!r}: {exc.strerror or exc}") from exc
            finally:
                self._process = None
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return self._outcome(context, code, started, codes, process)

    def _outcome(
        self, context: Any, code: int, started: float, codes: dict[str, Any], process: PlaybookProcess
    ) -> Any:
        # `playbook fleet` says where it wrote each file ("fleet: wrote PATH"), its
        # placeholders expanded; 3 or 6 without fleet.json written is its own failure (else
        # they are the fleet's code: a target's).
        wrote = [m["path"] for m in process.matches]
        fleet_json = next((p for p in wrote if p.endswith("/fleet.json") or p == "fleet.json"), None)
        if fleet_json is None and code in (3, 6):
            stderr = "\n".join(process.tail)
            message = f"playbook fleet wrote no fleet summary (exit {code}, {exit_meaning(code)}): {stderr}"
            if code == 6:
                raise AirflowException(message)
            raise AirflowFailException(message)
        fleet_json = fleet_json or f"{self.out}/fleet.json"
        fleet: dict[str, Any] | None = None
        if "://" not in fleet_json:
            try:
                if os.stat(fleet_json).st_mtime >= started - 1:
                    fleet = json.loads(Path(fleet_json).read_text())
            except (OSError, ValueError) as exc:
                self.log.warning("Cannot read %s: %s", fleet_json, exc)
        if code not in (0, 1, 2, 3, 4, 5, 6, 130):
            tail = "\n".join(process.tail)
            raise AirflowException(f"playbook fleet exited {code}, outside its contract: {tail}")
        self.log.info("Fleet summary: %s (and fleet.html beside it)", fleet_json)
        result: Any = fleet if fleet is not None else fleet_json
        # Also under a key of its own, which a failed fleet (no return value) keeps too.
        context["ti"].xcom_push(key=FLEET_XCOM_KEY, value=result)
        if code != 0:
            failed = ", ".join(f"{name} ({exit})" for name, exit in codes.items() if exit != 0)
            raise AirflowFailException(
                f"the fleet exited {code} ({exit_meaning(code)}); failed targets: {failed or 'none'}; "
                f"summary in {fleet_json}"
            )
        return result

    def on_kill(self) -> None:
        if self._process is not None:
            self._process.terminate(grace=30)


def _file_name(name: str) -> str:
    """A target name as a file name (its own characters where they are safe)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".")
    return safe or "target"
