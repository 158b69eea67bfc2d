"""`PlaybookOperator`: one `playbook run` as an Airflow task, its exit code mapped onto
Airflow's retry semantics and its run summary pushed to XCom."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ._compat import AirflowException, AirflowFailException, BaseOperator
from ._process import PlaybookProcess

# `playbook run`'s exit codes (README "Exit codes for schedulers"): the contract.
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
# Retrying may help: the task fails with AirflowException and Airflow spends `retries`.
RETRYABLE_CODES = frozenset({4, 6, 130})
# Retrying cannot help (the playbook, its input or the access must change): the task
# fails with AirflowFailException, at once, whatever `retries` says.
FINAL_CODES = frozenset({1, 2, 3, 5})

SUMMARY_XCOM_KEY = "summary"


def parameter_value(value: Any) -> str:
    """The VALUE of `-p NAME=VALUE`: a string as it is, anything else as compact JSON
    (`["a","b"]`, `60`, `0.5`, `true`), which playbook checks against the declared type."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def parameter_args(parameters: Mapping[str, Any] | None) -> list[str]:
    """`-p NAME=VALUE` for each parameter, in the mapping's order."""
    args: list[str] = []
    for name, value in (parameters or {}).items():
        if not isinstance(name, str) or not name or "=" in name:
            raise ValueError(f"bad parameter name {name!r}: a non-empty name without '='")
        args += ["-p", f"{name}={parameter_value(value)}"]
    return args


def exit_meaning(code: int) -> str:
    return EXIT_MEANINGS.get(code, "an exit code outside playbook's contract")


class PlaybookOperator(BaseOperator):
    """Runs `playbook run NOTEBOOK` and returns its run summary
    (docs/run-summary.schema.json), which Airflow pushes to XCom as `return_value`; the
    summary is also pushed under the key `summary`, on failure too, so that a fleet summary
    can list the targets that failed.

    Exit codes: 0 succeeds; 4 (source unavailable), 6 (an output could not be written) and
    130 (interrupted) raise `AirflowException`, retried as the task's `retries` say; 1 (a
    cell failed), 2 (a check failed), 3 (bad input) and 5 (source refused) raise
    `AirflowFailException`, which fails the task at once; any other code raises
    `AirflowException`.

    :param notebook: the notebook to run (templated).
    :param parameters: `{NAME: VALUE}`, each passed as `-p NAME=VALUE` (templated): strings
        as they are, other values as compact JSON (`["a","b"]`, `60`, `true`).
    :param source: `cloudwatch` or `local:DIR` (`--source`).
    :param region, profile, role_arn, external_id, role_session_name: the AWS account and
        region of the run's queries and deliveries.
    :param output: where the record goes (`-o`): a path or `s3://…`, with playbook's
        placeholders `{run_id} {date} {time} {datetime} {notebook} {target} {param.NAME}`
        (templated, as the attribute `output_location`: `output` is BaseOperator's).
    :param report: where the report goes (`--report`), same forms.
    :param target_name: `--target-name`: `{target}` in paths, the metrics' `Target`.
    :param publish_metrics: a CloudWatch namespace for the verdicts (`--publish-metrics`).
    :param notify: `sns:ARN` or `https://…` webhooks (`--notify`, one each).
    :param notify_on: `failure` (playbook's default) or `always`.
    :param cell_timeout: seconds a cell may run (`--cell-timeout`).
    :param extra_args: more arguments for `playbook run`, after the others.
    :param playbook_bin: the `playbook` program (a name on PATH or a path).
    :param env: variables set over the worker's environment for the run (templated).
    :param cwd: the working directory of the run.
    :param kill_grace_seconds: how long `on_kill` waits after SIGTERM before SIGKILL.
    """

    template_fields: Sequence[str] = (
        "notebook",
        "parameters",
        "source",
        "region",
        "profile",
        "role_arn",
        "external_id",
        "role_session_name",
        "output_location",
        "report",
        "target_name",
        "publish_metrics",
        "notify",
        "env",
        "cwd",
    )
    template_fields_renderers = {"parameters": "json", "env": "json"}
    ui_color = "#e8f1fb"

    def __init__(
        self,
        *,
        notebook: str,
        parameters: Mapping[str, Any] | None = None,
        source: str | None = None,
        region: str | None = None,
        profile: str | None = None,
        role_arn: str | None = None,
        external_id: str | None = None,
        role_session_name: str | None = None,
        output: str | None = None,
        report: str | None = None,
        target_name: str | None = None,
        publish_metrics: str | None = None,
        notify: Sequence[str] | str | None = None,
        notify_on: str | None = None,
        cell_timeout: float | int | None = None,
        extra_args: Sequence[str] | None = None,
        playbook_bin: str = "playbook",
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        kill_grace_seconds: float = 30.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.notebook = notebook
        self.parameters = dict(parameters or {})
        self.source = source
        self.region = region
        self.profile = profile
        self.role_arn = role_arn
        self.external_id = external_id
        self.role_session_name = role_session_name
        self.output_location = output  # `output` is BaseOperator's XComArg
        self.report = report
        self.target_name = target_name
        self.publish_metrics = publish_metrics
        self.notify = [notify] if isinstance(notify, str) else list(notify or [])
        self.notify_on = notify_on
        self.cell_timeout = cell_timeout
        self.extra_args = list(extra_args or [])
        self.playbook_bin = playbook_bin
        self.env = dict(env or {})
        self.cwd = cwd
        self.kill_grace_seconds = kill_grace_seconds
        self._process: PlaybookProcess | None = None

    # -- the command ----------------------------------------------------------------------

    def command(self, summary_path: str) -> list[str]:
        """The argv of the run, writing its summary to `summary_path`."""
        argv = [self.playbook_bin, "run", str(self.notebook), "--summary", summary_path]
        argv += parameter_args(self.parameters)
        options = (
            ("--source", self.source),
            ("--region", self.region),
            ("--profile", self.profile),
            ("--role-arn", self.role_arn),
            ("--external-id", self.external_id),
            ("--role-session-name", self.role_session_name),
            ("-o", self.output_location),
            ("--report", self.report),
            ("--target-name", self.target_name),
            ("--publish-metrics", self.publish_metrics),
            ("--notify-on", self.notify_on),
            ("--cell-timeout", _number(self.cell_timeout)),
        )
        for flag, value in options:
            if value not in (None, ""):
                argv += [flag, str(value)]
        for destination in self.notify:
            argv += ["--notify", str(destination)]
        return argv + [str(a) for a in self.extra_args]

    def environment(self) -> dict[str, str]:
        return {**os.environ, **{str(k): str(v) for k, v in self.env.items()}}

    # -- running --------------------------------------------------------------------------

    def execute(self, context: Any) -> dict[str, Any]:
        workdir = tempfile.mkdtemp(prefix="playbook-airflow-")
        try:
            summary_path = os.path.join(workdir, "summary.json")
            process = PlaybookProcess(
                self.command(summary_path),
                log=self.log,
                env=self.environment(),
                cwd=self.cwd,
                grace=self.kill_grace_seconds,
            )
            self._process = process
            self.log.info("Running %s", process.command_line)
            try:
                code = process.run()
            except FileNotFoundError as exc:
                raise AirflowFailException(
                    f"cannot run {self.playbook_bin!r}: {exc.strerror or exc} "
                    "(install playbook on the worker, or set playbook_bin to its path)"
                ) from exc
            except BaseException:
                # The task itself was stopped (execution_timeout, SIGINT): run() stopped
                # playbook (SIGTERM, its record written); what it summarised still goes to
                # XCom, for a fleet summary.
                code = process.returncode if process.returncode is not None else 130
                self._push_summary(context, self._read_summary(summary_path, code, process))
                raise
            finally:
                self._process = None
            summary = self._read_summary(summary_path, code, process)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

        self._push_summary(context, summary)
        self._log_outcome(code, summary)
        if code == 0:
            return summary
        message = self._failure_message(code, summary)
        if code in FINAL_CODES:
            raise AirflowFailException(message)
        raise AirflowException(message)

    def on_kill(self) -> None:
        process = self._process
        if process is not None:
            process.terminate(grace=self.kill_grace_seconds)

    # -- the summary ----------------------------------------------------------------------

    def _read_summary(self, path: str, code: int, process: PlaybookProcess) -> dict[str, Any]:
        try:
            summary = json.loads(Path(path).read_text())
            if isinstance(summary, dict):
                return summary
            problem = "is not a JSON object"
        except FileNotFoundError:
            problem = "was not written"
        except (OSError, ValueError) as exc:
            problem = f"cannot be read: {exc}"
        self.log.warning("The run's summary %s (exit %s): using a minimal one", problem, code)
        return {
            "target": self.target_name,
            "exit_code": code,
            "status": "failed" if code else "ok",
            "checks": [],
            "error": "\n".join(process.tail) or f"playbook exited {code} without a summary",
        }

    def _push_summary(self, context: Any, summary: dict[str, Any]) -> None:
        ti = context.get("ti") if hasattr(context, "get") else None
        if ti is None:
            return
        try:
            ti.xcom_push(key=SUMMARY_XCOM_KEY, value=summary)
        except Exception as exc:  # the run's outcome matters more than its XCom
            self.log.warning("Could not push the summary to XCom: %s", exc)

    def _log_outcome(self, code: int, summary: dict[str, Any]) -> None:
        self.log.info(
            "playbook exited %s (%s); status %s", code, exit_meaning(code), summary.get("status")
        )
        for check in summary.get("checks") or []:
            if isinstance(check, dict) and check.get("verdict") != "pass":
                self.log.info(
                    "check %r: %s (observed %s, expected %s)",
                    check.get("name"),
                    check.get("verdict"),
                    check.get("observed"),
                    check.get("expected"),
                )
        for output in summary.get("outputs") or []:
            if isinstance(output, dict):
                state = "written" if output.get("ok") else f"NOT written: {output.get('error')}"
                self.log.info("%s %s: %s", output.get("what"), output.get("to"), state)

    def _failure_message(self, code: int, summary: dict[str, Any]) -> str:
        what = f"playbook run {self.notebook}"
        if self.target_name:
            what += f" (target {self.target_name})"
        parts = [f"{what} exited {code}: {exit_meaning(code)}"]
        checks = [c for c in summary.get("checks") or [] if isinstance(c, dict)]
        failed = [c.get("name") for c in checks if c.get("verdict") == "fail"]
        if failed:
            parts.append("failed checks: " + ", ".join(map(str, failed)))
        cell = summary.get("failed_cell")
        if isinstance(cell, dict):
            parts.append(f"cell {cell.get('cell')}: {cell.get('ename')}: {cell.get('evalue')}")
        if summary.get("error"):
            parts.append(str(summary["error"]))
        if code in RETRYABLE_CODES:
            parts.append("retryable")
        elif code in FINAL_CODES:
            parts.append("not retried: a retry cannot help")
        return "; ".join(parts)


def _number(value: float | int | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
