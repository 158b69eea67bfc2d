"""The Apache Airflow integration (integrations/airflow, `playbook_airflow`), and Airflow's
own PapermillOperator with papermill-playbook (integrations/papermill), driven by a real
Airflow 3.3.2: its `airflow` CLI, in the virtualenv tests/airflow/venv.sh caches at
${PLAYBOOK_CACHE:-~/.cache/playbook}/airflow-venv, runs DAG files these tests write with
`airflow dags test` (a whole DAG run in one process, the scheduler's rules included:
retries, trigger rules, mapped tasks) against moto (tests/aws).

Each test gets its own AIRFLOW_HOME (a copy of the sqlite metadata database one `airflow
db migrate` created for the module) and DAGs folder. Task states, tries and XComs are read
from that database, which is what `airflow tasks states-for-dag-run` reads too (its output
mixes warnings into stdout).

How one target is throttled and the others are not, without a race: every run reads its
AWS configuration from a profile (AWS_CONFIG_FILE; AWS_ENDPOINT_URL is removed, since it
would override every profile's endpoint). Profile `moto` points at the session's CBOR
proxy; profile `moto-throttled` points at a second CborProxy in front of the same moto
that answers every CloudWatch request `Throttling` (S3 and STS pass through). A target or
task that names `moto-throttled` is throttled on every try, whatever runs beside it or in
which order; nothing depends on timing or on how many requests another run makes (and
`airflow dags test` does not run mapped tasks in map-index order: 1, 2, 0 was seen).

The only skip: the Airflow environment cannot be created because PyPI is unreachable
(venv.sh exits 75). Any other failure to create it fails the tests.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import textwrap
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from aws.cbor_proxy import CborProxy
from conftest import notebook
from support import PLAYBOOK

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("PLAYBOOK_CACHE") or Path.home() / ".cache" / "playbook")
AIRFLOW_VENV = Path(os.environ.get("PLAYBOOK_AIRFLOW_VENV") or CACHE / "airflow-venv")
VENV_SCRIPT = REPO / "tests" / "airflow" / "venv.sh"
VENV_UNREACHABLE = 75  # venv.sh: PyPI cannot be reached
BUCKET = "playbook-airflow"
DAG_TEST_TIMEOUT = 600  # a ceiling for one `airflow dags test`, not a performance assertion

# One CloudWatch query (an empty result is fine: it makes the run talk to the account),
# then a check whose verdict the parameter decides: 300 ms against p99_threshold_ms.
METRICS_CELL = "%%metrics --since 1h\nPlaybooks/Test RequestCount Service=checkout Sum"
PARAMETERS = 'let service: String = "checkout".into();\nlet p99_threshold_ms: f64 = 500.0;'
CHECK_CELL = '// p99\nCheck::new("p99 latency").expect_below(300.0, p99_threshold_ms)'
# A step that takes a moment, so that the task log shows lines arriving as they come.
PAUSE_CELL = "// pause\nstd::thread::sleep(std::time::Duration::from_millis(700));"


# --- the environment ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def airflow_venv() -> Path:
    """The cached Airflow venv, created or brought up to date by tests/airflow/venv.sh
    (tests/run.sh has run it already: then this takes about a second)."""
    done = subprocess.run(["bash", str(VENV_SCRIPT)], capture_output=True, text=True, timeout=1800,
                          stdin=subprocess.DEVNULL)
    log = f"{done.stdout}\n{done.stderr}".strip()
    if done.returncode == VENV_UNREACHABLE:
        pytest.skip(f"the Airflow test environment cannot be created here (PyPI unreachable): {log[-600:]}")
    assert done.returncode == 0, f"tests/airflow/venv.sh failed (exit {done.returncode}):\n{log[-4000:]}"
    return AIRFLOW_VENV


@pytest.fixture(scope="module")
def aws(moto, tmp_path_factory):
    """moto with a clean slate, the records bucket, and an AWS config file with the
    profiles `moto` and `moto-throttled` (see the module's docstring)."""
    moto.reset()
    moto.client("s3").create_bucket(Bucket=BUCKET)
    throttled = CborProxy(moto.moto_url).start()
    throttled.throttle(10**9)  # every CloudWatch request, for the whole module
    config = tmp_path_factory.mktemp("aws") / "config"
    config.write_text(
        "".join(
            f"[profile {name}]\nendpoint_url = {url}\naws_access_key_id = testing\n"
            f"aws_secret_access_key = testing\nregion = us-east-1\n\n"
            for name, url in (("moto", moto.url), ("moto-throttled", throttled.url))
        )
    )
    before = set(runs_dir().iterdir()) if runs_dir().is_dir() else set()
    yield moto, config, throttled
    throttled.stop()
    remove_local_copies(before)


@pytest.fixture(scope="module")
def playbooks(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("playbooks")
    notebook(d / "post-deploy.ipynb", METRICS_CELL, PAUSE_CELL, CHECK_CELL, parameters=PARAMETERS)
    notebook(
        d / "typed.ipynb",
        METRICS_CELL,
        '// echo\nprintln!("{service} {regions:?} {window_minutes} {strict}");',
        CHECK_CELL,
        parameters=PARAMETERS + "\nlet regions: Vec<String> = vec![];\nlet window_minutes: i64 = 5;"
        "\nlet strict: bool = false;",
    )
    notebook(
        d / "slow.ipynb",
        METRICS_CELL,
        '// first\nprintln!("first cell done");',
        "// wait\nstd::thread::sleep(std::time::Duration::from_secs(120));",
        'println!("never runs");',
        parameters=PARAMETERS,
    )
    return d


def runs_dir() -> Path:
    """Where a run whose record goes to S3 keeps its local copy (`runs/<run_id>/`)."""
    return CACHE / "runs"


def remove_local_copies(before: set[Path]) -> None:
    """Removes the local copies of S3 records this module's runs left (their notebooks
    are under pytest's tmp directory)."""
    for run_dir in (set(runs_dir().iterdir()) - before) if runs_dir().is_dir() else ():
        try:
            ours = any("pytest-" in json.loads(f.read_text())["metadata"]["playbook"]["notebook"]
                       for f in run_dir.glob("*.ipynb"))
        except (OSError, ValueError, KeyError):
            continue
        if ours:
            shutil.rmtree(run_dir, ignore_errors=True)


@dataclass
class Airflow:
    """One AIRFLOW_HOME with its DAGs folder, driven through the venv's `airflow` CLI."""

    venv: Path
    home: Path
    dags: Path
    env: dict[str, str]

    def run(self, *args: str, timeout: float = DAG_TEST_TIMEOUT) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.venv / "bin" / "airflow"), *args], capture_output=True, text=True,
                              env=self.env, timeout=timeout, stdin=subprocess.DEVNULL, cwd=self.home)

    def python(self, code: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.venv / "bin" / "python"), "-c", code], capture_output=True,
                              text=True, env=self.env, timeout=120, stdin=subprocess.DEVNULL)

    def dag_file(self, name: str, source: str) -> Path:
        path = self.dags / f"{name}.py"
        path.write_text(textwrap.dedent(source))
        return path

    def dags_test(self, dag_id: str) -> tuple[subprocess.CompletedProcess, float]:
        started = time.monotonic()
        done = self.run("dags", "test", dag_id)
        (self.home / f"dags-test-{dag_id}.log").write_text(f"{done.stdout}\n--- stderr ---\n{done.stderr}")
        return done, time.monotonic() - started

    def query(self, sql: str, *args: object) -> list[tuple]:
        with closing(sqlite3.connect(self.home / "airflow.db")) as db:
            return db.execute(sql, args).fetchall()

    def dag_run(self, dag_id: str) -> tuple[str, str, str]:
        """(run_id, state, run_after) of the DAG's one run."""
        runs = self.query("select run_id, state, run_after from dag_run where dag_id = ?", dag_id)
        assert len(runs) == 1, runs
        return runs[0]

    def tasks(self, dag_id: str) -> dict[str, dict]:
        """Each task instance of the DAG's run by `task_id` or `task_id[rendered map index]`:
        its state, try number and max tries."""
        rows = self.query(
            "select task_id, map_index, rendered_map_index, state, try_number, max_tries "
            "from task_instance where dag_id = ?", dag_id)
        return {
            (task if index < 0 else f"{task}[{rendered}]"): {"state": state, "try_number": tries, "max_tries": most,
                                                               "map_index": index}
            for task, index, rendered, state, tries, most in rows
        }

    def earlier_tries(self, dag_id: str, task_id: str, map_index: int = -1) -> list[tuple[int, str]]:
        return sorted(self.query(
            "select try_number, state from task_instance_history where dag_id = ? and task_id = ? and map_index = ?",
            dag_id, task_id, map_index))

    def xcom(self, dag_id: str, task_id: str, key: str, map_index: int = -1):
        rows = self.query("select value from xcom where dag_id = ? and task_id = ? and key = ? and map_index = ?",
                          dag_id, task_id, key, map_index)
        return json.loads(rows[0][0]) if rows else None

    def log_tail(self, done: subprocess.CompletedProcess, chars: int = 6000) -> str:
        return (f"exit {done.returncode}\n--- stdout (end) ---\n{done.stdout[-chars:]}\n"
                f"--- stderr (end) ---\n{done.stderr[-chars:]}")


def airflow_env(aws, home: Path, dags: Path) -> dict[str, str]:
    """The environment of an `airflow` command with this AIRFLOW_HOME and DAGs folder."""
    moto, config, _ = aws
    env = moto.playbook_env(
        PLAYBOOK_SOURCE="cloudwatch",
        PLAYBOOK_DELIVERY_TIMEOUT="4",
        AWS_CONFIG_FILE=str(config),
        AWS_PROFILE="moto",  # the profile of a run that names none
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(dags),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        # `airflow dags test` prints the task logs (the operators' lines) on its stdout.
        AIRFLOW__LOGGING__LOGGING_LEVEL="INFO",
    )
    env.pop("AWS_ENDPOINT_URL", None)  # it would override the profiles' endpoints
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def migrated_database(airflow_venv, aws, tmp_path_factory) -> Path:
    """A metadata database `airflow db migrate` created, once for the module (about 7 s);
    each test gets a copy of it."""
    home, dags = tmp_path_factory.mktemp("airflow-template"), tmp_path_factory.mktemp("dags-template")
    af = Airflow(venv=airflow_venv, home=home, dags=dags, env=airflow_env(aws, home, dags))
    done = af.run("db", "migrate", timeout=300)
    assert done.returncode == 0, f"airflow db migrate failed:\n{af.log_tail(done)}"
    assert (home / "airflow.db").is_file(), f"no airflow.db in {home} after migrate:\n{af.log_tail(done)}"
    return home / "airflow.db"


@pytest.fixture
def airflow(airflow_venv, aws, migrated_database, tmp_path) -> Airflow:
    """A fresh AIRFLOW_HOME (its own copy of the migrated database) whose tasks see moto
    through the profiles."""
    home, dags = tmp_path / "airflow", tmp_path / "dags"
    home.mkdir()
    dags.mkdir()
    shutil.copyfile(migrated_database, home / "airflow.db")
    return Airflow(venv=airflow_venv, home=home, dags=dags, env=airflow_env(aws, home, dags))


def s3_object(moto, key: str) -> bytes:
    return moto.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()


def s3_keys(moto, prefix: str) -> list[str]:
    listed = moto.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def seconds_between(earlier: str, later: str) -> float:
    parse = lambda stamp: datetime.fromisoformat(stamp.replace("Z", "+00:00"))  # noqa: E731
    return (parse(later) - parse(earlier)).total_seconds()


def operator_lines(output: str) -> list[tuple[str, str]]:
    """(timestamp, text) of every line a playbook_airflow operator logged during `airflow
    dags test`, which prints the task logs on its stdout."""
    found = []
    for line in output.splitlines():
        if "[airflow.task.operators.playbook_airflow." in line:
            stamp, _, rest = line.partition(" [info     ] ")
            found.append((stamp, rest.rsplit(" [airflow.task.operators", 1)[0].rstrip()))
    return found


# --- PlaybookOperator --------------------------------------------------------------------

def test_operator_maps_exit_codes_onto_retries_and_pushes_every_summary(airflow, aws, playbooks, tmp_path):
    """PlaybookOperator tasks in one DAG, each with retries=1: a passing run succeeds with
    its summary as return value; a failed check (2) and bad input (3) fail at once; a
    throttled source (4) is retried, then fails; a task that times out stops playbook with
    SIGTERM, whose record says interrupted. Every task pushes its summary under `summary`.
    Parameters keep their JSON types; templated fields are rendered."""
    moto, _, _ = aws
    out = tmp_path / "records"
    out.mkdir()
    dag_id = "playbook_operator"
    airflow.dag_file(dag_id, f"""
        from datetime import datetime, timedelta
        from airflow.sdk import DAG
        from playbook_airflow import PlaybookOperator

        common = dict(playbook_bin={PLAYBOOK!r}, retries=1, retry_delay=timedelta(seconds=1),
                      output={str(out)!r} + "/{{target}}.ipynb")
        with DAG({dag_id!r}, schedule=None, start_date=datetime(2024, 1, 1), catchup=False,
                 params={{"env": "eu"}}):
            PlaybookOperator(task_id="passes", notebook={str(playbooks / "typed.ipynb")!r},
                             target_name="checkout-{{{{ params.env }}}}",
                             report={str(out)!r} + "/{{target}}.html",
                             parameters={{"service": "checkout", "regions": ["eu-west-1", "us-east-1"],
                                          "window_minutes": 60, "strict": True}}, **common)
            PlaybookOperator(task_id="check_fails", notebook={str(playbooks / "post-deploy.ipynb")!r},
                             target_name="check-fails", parameters={{"p99_threshold_ms": 200}}, **common)
            PlaybookOperator(task_id="bad_input", notebook={str(playbooks / "post-deploy.ipynb")!r},
                             target_name="bad-input", parameters={{"no_such_parameter": 1}}, **common)
            PlaybookOperator(task_id="throttled", notebook={str(playbooks / "post-deploy.ipynb")!r},
                             target_name="throttled", profile="moto-throttled", **common)
            PlaybookOperator(task_id="times_out", notebook={str(playbooks / "slow.ipynb")!r},
                             target_name="times-out", execution_timeout=timedelta(seconds=15),
                             kill_grace_seconds=20, **{{**common, "retries": 0}})
            # fleet_dag's layout, OUT/<target>/record.ipynb, in a local directory.
            PlaybookOperator(task_id="nested_output", notebook={str(playbooks / "post-deploy.ipynb")!r},
                             target_name="nested", **{{**common, "retries": 0,
                             "output": {str(out)!r} + "/{{target}}/record.ipynb"}})
    """)
    done, seconds = airflow.dags_test(dag_id)
    print(f"airflow dags test {dag_id}: {seconds:.1f}s")
    tasks = airflow.tasks(dag_id)
    why = f"{tasks}\n{airflow.log_tail(done)}"

    assert tasks["passes"]["state"] == "success", why
    summary = airflow.xcom(dag_id, "passes", "return_value")
    assert summary == airflow.xcom(dag_id, "passes", "summary"), why
    assert (summary["status"], summary["exit_code"], summary["target"]) == ("ok", 0, "checkout-eu"), summary
    assert summary["parameters"]["regions"] == ["eu-west-1", "us-east-1"], summary["parameters"]
    assert summary["parameters"]["window_minutes"] == 60 and summary["parameters"]["strict"] is True
    assert (out / "checkout-eu.ipynb").is_file() and (out / "checkout-eu.html").is_file()
    # playbook's output is in the task log, line by line as it came (not at the end).
    lines = operator_lines(done.stdout)
    texts = [text for _, text in lines]
    # A verdict line carries what it compared (issue 31): "check PASS: p99 latency — observed …".
    verdicts = [t for t in texts if t.startswith("check PASS: p99 latency")]
    assert verdicts and all(" — " in v and "expected" in v for v in verdicts), texts
    # A task running post-deploy.ipynb logs its pause step, and 0.7 s later its verdict:
    # stamped as they came, not all at the end (tasks run in any order, so the two lines
    # are taken from one task's stretch of the log).
    at = next(i for i, (_, text) in enumerate(lines) if text.endswith("] pause"))
    verdict = next(stamp for stamp, text in lines[at + 1:] if text.startswith("check "))
    assert seconds_between(lines[at][0], verdict) > 0.6, (lines[at], verdict)

    assert (tasks["check_fails"]["state"], tasks["check_fails"]["try_number"]) == ("failed", 1), why
    failed = airflow.xcom(dag_id, "check_fails", "summary")
    assert (failed["exit_code"], failed["status"]) == (2, "check failed"), failed
    assert [c["verdict"] for c in failed["checks"]] == ["fail"], failed

    assert (tasks["bad_input"]["state"], tasks["bad_input"]["try_number"]) == ("failed", 1), why
    bad = airflow.xcom(dag_id, "bad_input", "summary")
    assert bad["exit_code"] == 3 and "no_such_parameter" in json.dumps(bad), bad

    assert (tasks["throttled"]["state"], tasks["throttled"]["try_number"]) == ("failed", 2), why
    assert [t for t, _ in airflow.earlier_tries(dag_id, "throttled")] == [1], why
    throttled = airflow.xcom(dag_id, "throttled", "summary")
    assert (throttled["exit_code"], throttled["retryable"]) == (4, True), throttled

    assert (tasks["times_out"]["state"], tasks["times_out"]["try_number"]) == ("failed", 1), why
    stopped = airflow.xcom(dag_id, "times_out", "summary")
    assert (stopped["exit_code"], stopped["status"]) == (130, "interrupted"), stopped
    record = json.loads((out / "times-out.ipynb").read_text())
    assert record["metadata"]["playbook"]["status"] == "interrupted", record["metadata"]["playbook"]

    assert airflow.dag_run(dag_id)[1] == "failed", why

    # Last, so that it hides nothing above: a local record in a directory that a
    # placeholder names ({target}/, {date}/) is written there, the directory created.
    nested = airflow.xcom(dag_id, "nested_output", "summary")
    assert (tasks["nested_output"]["state"], nested["exit_code"]) == ("success", 0), nested
    assert (out / "nested" / "record.ipynb").is_file()


# --- fleet_dag ---------------------------------------------------------------------------

TARGETS = """\
defaults:
  parameters: {p99_threshold_ms: 500}
  profile: moto
targets:
  - name: checkout-eu          # passes
    parameters: {service: checkout}
  - name: payments-eu          # its check fails: 2, never retried
    parameters: {service: payments, p99_threshold_ms: 200}
  - name: search-us            # CloudWatch throttles it: 4, retried, then failed
    parameters: {service: search}
    profile: moto-throttled
    region: eu-west-1
"""


def test_fleet_dag_runs_each_target_retries_only_the_retryable_and_writes_the_fleet_summary(
        airflow, aws, playbooks, tmp_path):
    """fleet_dag over three targets, out in S3 under {date}: one mapped task per target
    (named by its target in the UI), retries=1. checkout-eu passes; payments-eu's check
    fails and is not retried; search-us is throttled, retried once and fails. Every
    target's record and report land in S3 under the DAG run's date; `fleet_summary` runs
    after all of them, writes fleet.json (3 targets, exit codes 0/2/4) and fleet.html, and
    fails, so the DAG run is failed."""
    moto, _, _ = aws
    targets = tmp_path / "targets.yaml"
    targets.write_text(TARGETS)
    dag_id = "playbook_fleet"
    prefix = f"fleet-{tmp_path.name}"
    airflow.dag_file(dag_id, f"""
        from datetime import timedelta
        from playbook_airflow import fleet_dag

        dag = fleet_dag({dag_id!r}, {str(playbooks / "post-deploy.ipynb")!r}, {str(targets)!r},
                        out="s3://{BUCKET}/{prefix}/{{date}}", playbook_bin={PLAYBOOK!r},
                        retries=1, retry_delay=timedelta(seconds=1))
    """)
    done, seconds = airflow.dags_test(dag_id)
    print(f"airflow dags test {dag_id}: {seconds:.1f}s")
    tasks = airflow.tasks(dag_id)
    why = f"{tasks}\n{airflow.log_tail(done)}"

    run = {name: tasks.get(f"playbook[{name}]") for name in ("checkout-eu", "payments-eu", "search-us")}
    assert all(run.values()), f"mapped tasks not named by their targets: {why}"
    assert (run["checkout-eu"]["state"], run["checkout-eu"]["try_number"]) == ("success", 1), why
    assert (run["payments-eu"]["state"], run["payments-eu"]["try_number"]) == ("failed", 1), why
    assert (run["search-us"]["state"], run["search-us"]["try_number"]) == ("failed", 2), why
    assert run["search-us"]["max_tries"] == 1, why  # retries exhausted
    assert [t for t, _ in airflow.earlier_tries(dag_id, "playbook", run["search-us"]["map_index"])] == [1], why

    codes = {name: airflow.xcom(dag_id, "playbook", "summary", r["map_index"])["exit_code"] for name, r in run.items()}
    assert codes == {"checkout-eu": 0, "payments-eu": 2, "search-us": 4}, why
    search = airflow.xcom(dag_id, "playbook", "summary", run["search-us"]["map_index"])
    assert search.get("region") in (None, "eu-west-1"), search  # no query answered: may be unknown

    # {date} is the DAG run's date, the same for every target and the fleet summary.
    run_after = airflow.dag_run(dag_id)[2]
    base = f"{prefix}/{run_after[:10]}"
    keys = s3_keys(moto, prefix)
    for name in run:
        assert f"{base}/{name}/record.ipynb" in keys, keys
        assert f"{base}/{name}/report.html" in keys, keys
    record = json.loads(s3_object(moto, f"{base}/payments-eu/record.ipynb"))
    assert record["metadata"]["playbook"]["parameters"]["resolved"]["service"] == "payments"

    assert tasks["fleet_summary"]["state"] == "failed", why  # the fleet's exit code is 2 or 4
    assert tasks["fleet_summary"]["try_number"] == 1, why
    assert f"{base}/fleet.json" in keys and f"{base}/fleet.html" in keys, keys
    fleet = json.loads(s3_object(moto, f"{base}/fleet.json"))
    assert fleet["schema"] == "playbook.fleet-summary/1", fleet
    by_target = {t.get("target") or t.get("name"): t for t in fleet["targets"]}
    assert {n: t["exit_code"] for n, t in by_target.items()} == codes, fleet
    assert fleet["exit_code"] in (2, 4), fleet  # the more severe of the two, by playbook's order
    html = s3_object(moto, f"{base}/fleet.html").decode()
    assert all(name in html for name in run), html[:2000]
    texts = [text for _, text in operator_lines(done.stdout)]
    assert any(f"s3://{BUCKET}/{base}/fleet.json" in text for text in texts), texts[-40:]
    assert airflow.xcom(dag_id, "fleet_summary", "fleet") == f"s3://{BUCKET}/{base}/fleet.json"

    assert airflow.dag_run(dag_id)[1] == "failed", why


@pytest.mark.parametrize("document, says", [
    ("targets:\n  - name: twice\n  - name: twice\n", ["twice", "used twice"]),
    # A parameter of the wrong type for the notebook: refused before any task runs, not
    # left to fail one mapped task.
    ("targets:\n  - name: typo-eu\n    parameters: {p99_threshold_ms: fast}\n",
     ["typo-eu", "p99_threshold_ms"]),
])
def test_fleet_dag_names_playbooks_message_for_a_bad_targets_file(airflow, playbooks, tmp_path, document, says):
    """A targets file playbook refuses (two targets of one name, a parameter the notebook
    cannot take) fails the DAG file's import with playbook's own message (exit 3), which
    Airflow lists as an import error."""
    targets = tmp_path / "bad-targets.yaml"
    targets.write_text(document)
    dag_id = f"bad_fleet_{tmp_path.name.replace('-', '_')}"
    dag_file = airflow.dag_file(dag_id, f"""
        from playbook_airflow import fleet_dag

        dag = fleet_dag({dag_id!r}, {str(playbooks / "post-deploy.ipynb")!r}, {str(targets)!r},
                        out={str(tmp_path / "never")!r}, playbook_bin={PLAYBOOK!r})
    """)
    done = airflow.run("dags", "list-import-errors", "--local", "-o", "json", timeout=300)
    listed = next((line for line in reversed(done.stdout.splitlines()) if line.startswith("[")), None)
    assert listed is not None, airflow.log_tail(done)
    errors = {e["filepath"]: e["error"] for e in json.loads(listed)}
    assert str(dag_file) in errors, errors
    error = errors[str(dag_file)]
    assert "FleetPlanError" in error and "exit 3" in error, error
    for part in says:
        assert part in error, error
    assert not (tmp_path / "never").exists()


def test_fleet_dag_with_a_local_out_returns_the_parsed_fleet_summary(airflow, playbooks, tmp_path):
    """With `out` a local directory (which exists; its per-target folders do not yet),
    each target's record lands in OUT/<target>/record.ipynb and `fleet_summary` returns
    fleet.json parsed."""
    targets = tmp_path / "targets.yaml"
    targets.write_text("defaults: {profile: moto}\ntargets:\n  - name: checkout-eu\n")
    out = tmp_path / "records"
    out.mkdir()
    dag_id = "playbook_fleet_local"
    airflow.dag_file(dag_id, f"""
        from datetime import timedelta
        from playbook_airflow import fleet_dag

        dag = fleet_dag({dag_id!r}, {str(playbooks / "post-deploy.ipynb")!r}, {str(targets)!r},
                        out={str(out)!r}, playbook_bin={PLAYBOOK!r}, retries=0)
    """)
    done, seconds = airflow.dags_test(dag_id)
    print(f"airflow dags test {dag_id}: {seconds:.1f}s")
    tasks = airflow.tasks(dag_id)
    why = f"{tasks}\n{airflow.log_tail(done)}"
    assert tasks["playbook[checkout-eu]"]["state"] == "success", why
    assert (out / "checkout-eu" / "record.ipynb").is_file() and (out / "checkout-eu" / "report.html").is_file()
    assert tasks["fleet_summary"]["state"] == "success", why
    fleet = airflow.xcom(dag_id, "fleet_summary", "return_value")
    assert fleet == json.loads((out / "fleet.json").read_text()), fleet
    assert fleet["exit_code"] == 0 and (out / "fleet.html").is_file(), fleet
    assert airflow.dag_run(dag_id)[1] == "success", why


# --- PapermillOperator (apache-airflow-providers-papermill + papermill-playbook) --------

ECHO_CELL = ('// echo\nprintln!("{}", json!({"service": service, "regions": regions, '
             '"window_minutes": window_minutes, "strict": strict, "p99_threshold_ms": p99_threshold_ms}));')


def joined(text: str | list[str]) -> str:
    """A notebook's multiline string (a list of lines, or one string)."""
    return text if isinstance(text, str) else "".join(text)


def test_papermill_operator_runs_a_playbook_with_parameters(airflow, tmp_path):
    """Airflow's PapermillOperator (papermill's own engine, the `playbook` kernel) runs a
    playbook with templated parameters of several types: the translator papermill-playbook
    registers writes them as typed `let` statements (an int for an f64 as 450.0f64), the
    cells see them as given, the check they decide passes, and the task succeeds."""
    nb = notebook(tmp_path / "typed.ipynb", ECHO_CELL, CHECK_CELL,
                  parameters=PARAMETERS + "\nlet regions: Vec<String> = vec![];\nlet window_minutes: i64 = 5;"
                  "\nlet strict: bool = false;")
    out = tmp_path / "out.ipynb"
    dag_id = "papermill_operator"
    airflow.dag_file(dag_id, f"""
        from datetime import datetime
        from airflow.sdk import DAG
        from airflow.providers.papermill.operators.papermill import PapermillOperator

        with DAG({dag_id!r}, schedule=None, start_date=datetime(2024, 1, 1), catchup=False,
                 params={{"env": "eu"}}):
            PapermillOperator(task_id="papermill", input_nb={str(nb)!r}, output_nb={str(out)!r},
                              parameters={{"service": "checkout-{{{{ params.env }}}}",
                                           "regions": ["eu-west-1", "us-east-1"], "window_minutes": 60,
                                           "strict": True, "p99_threshold_ms": 450}})
    """)
    done, seconds = airflow.dags_test(dag_id)
    print(f"airflow dags test {dag_id}: {seconds:.1f}s")
    tasks = airflow.tasks(dag_id)
    why = f"{tasks}\n{airflow.log_tail(done)}"
    assert tasks["papermill"]["state"] == "success", why
    assert airflow.dag_run(dag_id)[1] == "success", why

    executed = json.loads(out.read_text())
    injected = next(c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
    source = joined(injected["source"])
    assert 'let service: String = String::from("checkout-eu");' in source, source
    assert "let p99_threshold_ms: f64 = 450.0f64;" in source, source
    assert 'let regions: Vec<String> = vec![String::from("eu-west-1"), String::from("us-east-1")];' in source
    echo = next(c for c in executed["cells"] if joined(c["source"]).startswith("// echo"))
    printed = "".join(joined(o.get("text", "")) for o in echo["outputs"] if o["output_type"] == "stream")
    assert json.loads(printed.strip().splitlines()[-1]) == {
        "service": "checkout-eu", "regions": ["eu-west-1", "us-east-1"], "window_minutes": 60, "strict": True,
        "p99_threshold_ms": 450.0}
    assert executed["metadata"]["papermill"]["parameters"]["service"] == "checkout-eu"
