"""papermill with playbook notebooks (integrations/papermill, `papermill-playbook`,
installed into the test venv by tests/requirements.txt), driven through the real
`papermill` command and its Python API:

- the translator: parameters of every type round-trip through papermill and the
  `playbook` kernel; an injection attempt in a string stays a string; the cell it writes
  is the one `playbook run` injects for the same values; `--help-notebook` lists the
  `parameters` cell; what `playbook run` would refuse stops papermill before anything runs;
- the engine (`--engine playbook`): the output notebook is the run record with papermill's
  metadata, a secret parameter is masked, and a failing check, a failing cell and bad
  input surface as papermill's failures, the output notebook written.

Airflow's PapermillOperator is tested in tests/test_airflow.py (its venv).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import notebook
from support import PLAYBOOK, run_playbook

# A ceiling for one papermill run (a kernel starts and compiles its cells), not a
# performance assertion.
PAPERMILL_TIMEOUT = 600

# Every type `playbook run` can set, typed and untyped (`// help` comments for
# --help-notebook).
TYPED = """// Parameters
let service: String = "checkout".into(); // the service under test
let label = "plain";
let minutes: i64 = 30; // the window, in minutes
let small: u8 = 1;
let limit = 10;
let threshold_ms: f64 = 250.0;
let ratio = 0.5;
let dry_run: bool = true;
let start: DateTime<Utc> = "2026-11-26T10:07:00Z".parse()?;
let regions: Vec<String> = vec!["eu-west-1".into()];
let counts: Vec<i64> = vec![];
let config: Json = json!({"retries": 1});
let db_password: String = String::new();"""
# Prints every parameter as one JSON line (the secret one by its length only, under a name
# the redactor's key=value patterns leave alone).
ECHO = """// echo
println!("{}", json!({"service": service, "label": label, "minutes": minutes, "small": small,
    "limit": limit, "threshold_ms": threshold_ms, "ratio": ratio, "dry_run": dry_run,
    "start": start.to_rfc3339_opts(playbook::chrono::SecondsFormat::AutoSi, true),
    "regions": regions, "counts": counts, "config": config, "hidden_length": db_password.len()}));"""
CHECK = '// p99\nCheck::new("p99 latency").expect_below(300.0, threshold_ms)'

# A string that would end its literal and run code if it were pasted unescaped, with a
# newline, a backslash, a bidi override and a zero-width space.
ATTACK = 'x"); std::process::exit(7); let _ = ("\\\n\u202e\u200b'
SECRET = "Tr0ub4dor&3-zq"

# papermill values (as the API and YAML give them) and what the cells see.
VALUES = {
    "service": ATTACK,
    "label": "other",
    "minutes": 45,
    "small": 255,
    "limit": 20,
    "threshold_ms": 200,             # an int for an f64: 200.0
    "ratio": 0.125,
    "dry_run": False,
    "start": "2026-11-26T11:00:00+01:00",
    "regions": ["eu-west-1", "us-east-1"],
    "counts": [1, 2, 3],
    "config": {"retries": 3, "backoff": [0.5, 1.0], "note": ATTACK},
    "db_password": SECRET,
}
SEEN = {**{k: v for k, v in VALUES.items() if k != "db_password"},
        "threshold_ms": 200.0, "start": "2026-11-26T10:00:00Z", "hidden_length": len(SECRET)}


@pytest.fixture(scope="module")
def playbooks(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("papermill")
    notebook(d / "typed.ipynb", ECHO, CHECK, parameters=TYPED)
    notebook(d / "fails.ipynb", 'println!("before");', 'panic!("the cell failed");', parameters=TYPED)
    return d


def papermill(*args: str | Path, timeout: float = PAPERMILL_TIMEOUT) -> subprocess.CompletedProcess:
    """The venv's `papermill` command (its entry points: ours among them)."""
    exe = Path(sys.executable).with_name("papermill")
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def yaml_parameters(values: dict) -> list[str]:
    """`-y NAME: VALUE` (JSON is YAML) for each value."""
    return [arg for name, value in values.items() for arg in ("-y", json.dumps({name: value}))]


def joined(text: str | list[str]) -> str:
    """A notebook's multiline string (a list of lines, or one string)."""
    return text if isinstance(text, str) else "".join(text)


def echoed(nb: dict) -> dict:
    """The JSON line the echo cell printed."""
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code" and joined(c["source"]).startswith("// echo"))
    text = "".join(joined(o.get("text", "")) for o in cell["outputs"] if o["output_type"] == "stream")
    return json.loads(text.strip().splitlines()[-1])


def injected(nb: dict) -> str:
    cell = next(c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
    return joined(cell["source"])


def let_lines(source: str) -> list[str]:
    return sorted(line for line in source.splitlines() if line.startswith("let "))


# --- the translator ----------------------------------------------------------------------

def test_parameters_of_every_type_round_trip_through_papermill_and_the_kernel(playbooks, tmp_path):
    """`papermill -k playbook` (papermill's own engine, the kernel) with a value of every
    type: the cells see each one as given, typed as declared (an int for an f64 is
    200.0; an offset time is UTC); the string that tries to end its literal is a string,
    byte for byte; papermill warns that it writes the secret parameter into the notebook."""
    out = tmp_path / "out.ipynb"
    done = papermill(playbooks / "typed.ipynb", out, "-k", "playbook", *yaml_parameters(VALUES))
    assert done.returncode == 0, done.stderr[-4000:]
    nb = json.loads(out.read_text())
    assert echoed(nb) == SEEN
    source = injected(nb)
    assert "let minutes: i64 = 45i64;" in source
    assert "let threshold_ms: f64 = 200.0f64;" in source
    assert "let limit = 20;" in source and 'let label: &str = "other";' in source
    assert 'std::process::exit(7); let _ = (\\"\\\\\\n\\u{202e}\\u{200b}")' in source, source
    assert "looks secret" in done.stderr and "db_password" in done.stderr


def test_the_translator_writes_the_cell_playbook_run_injects(playbooks, tmp_path):
    """The same values through `papermill --prepare-only --engine playbook` and through
    `playbook run -p`: the same `let` lines, value for value (a secret parameter read from
    the session in both), so the translator and `playbook run` share one set of rules."""
    prepared = tmp_path / "prepared.ipynb"
    done = papermill(playbooks / "typed.ipynb", prepared, "--prepare-only", "--engine", "playbook",
                     *yaml_parameters(VALUES))
    assert done.returncode == 0, done.stderr[-4000:]
    ours = let_lines(injected(json.loads(prepared.read_text())))

    texts = {name: value if isinstance(value, str) else json.dumps(value) for name, value in VALUES.items()}
    record = tmp_path / "record.ipynb"
    ran = run_playbook(playbooks / "typed.ipynb", "-o", record, *[a for n, t in texts.items() for a in ("-p", f"{n}={t}")])
    assert ran.returncode == 2, ran.stderr[-4000:]  # the check fails at 200 ms
    theirs = let_lines(injected(json.loads(record.read_text())))
    assert ours == theirs
    assert len(ours) == len(VALUES) and not any(SECRET in line for line in ours)


def test_help_notebook_lists_the_parameters_cell(playbooks):
    """`papermill --help-notebook` reads our `parameters` cell: every name, its declared
    type (untyped ones as rustc names their literal), its default as data, the comment."""
    done = papermill("--help-notebook", playbooks / "typed.ipynb")
    assert done.returncode == 0, done.stderr
    lines = [line.strip() for line in done.stdout.splitlines()]
    for expected in [
        'service: String (default "checkout")',
        'label: &str (default "plain")',
        "minutes: i64 (default 30)",
        "limit: {integer} (default 10)",
        "ratio: {float} (default 0.5)",
        'start: DateTime<Utc> (default "2026-11-26T10:07:00Z")',
        'regions: Vec<String> (default ["eu-west-1"])',
        'config: Json (default {"retries": 1})',
        "db_password: String (default String::new())",
    ]:
        assert any(line.startswith(expected) for line in lines), f"{expected!r} not in:\n{done.stdout}"
    assert "the service under test" in done.stdout and "the window, in minutes" in done.stdout


@pytest.mark.parametrize("args, says", [
    (["-p", "service", "None"], "parameter `service` is None"),
    (["-p", "minutes", "soon"], 'parameter `minutes`: "soon" is not a valid i64 (a whole number)'),
    (["-p", "small", "256"], 'parameter `small`: "256" is not a valid u8 (out of range)'),
    (["-p", "start", "yesterday"], "(an RFC 3339 time such as 2026-11-26T10:07:00Z)"),
    (["-p", "region", "eu-west-1"], "unknown parameter `region`: the parameters cell declares service, label"),
])
def test_what_playbook_run_refuses_stops_papermill_before_anything_runs(playbooks, tmp_path, args, says):
    """None, a value its type cannot take, an undeclared name: papermill fails with
    playbook's message, and no kernel starts (no output notebook)."""
    out = tmp_path / "out.ipynb"
    done = papermill(playbooks / "typed.ipynb", out, "-k", "playbook", *args, timeout=120)
    assert done.returncode != 0
    assert "ParameterRefused" in done.stderr and says in done.stderr, done.stderr[-3000:]
    assert not out.exists()


# --- the engine --------------------------------------------------------------------------

def test_the_playbook_engine_writes_the_record_with_papermills_metadata(playbooks, tmp_path):
    """`papermill --engine playbook`: the run is `playbook run`'s (the output notebook is
    its record, parameters in effect resolved by its rules), papermill's metadata and
    per-cell states are there, the progress bar counted every step, and the secret
    parameter is in no byte of the output notebook."""
    out = tmp_path / "out.ipynb"
    values = {**VALUES, "threshold_ms": 400}
    done = papermill(playbooks / "typed.ipynb", out, "--engine", "playbook", *yaml_parameters(values))
    assert done.returncode == 0, done.stderr[-4000:]
    text = out.read_text()
    assert SECRET not in text
    nb = json.loads(text)
    assert echoed(nb) == {**SEEN, "threshold_ms": 400.0}
    record = nb["metadata"]["playbook"]
    assert record["status"] == "ok" and record["run_id"], record
    assert record["parameters"]["resolved"]["minutes"] == 45
    assert record["parameters"]["resolved"]["db_password"] == "[masked by playbook]"
    assert [c["verdict"] for c in record["checks"]] == ["pass"]
    papermill_meta = nb["metadata"]["papermill"]
    assert papermill_meta["parameters"]["db_password"] == "[masked by playbook]"
    assert papermill_meta["parameters"]["minutes"] == 45
    assert papermill_meta["duration"] is not None and papermill_meta["exception"] is None
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert [c["metadata"]["papermill"]["status"] for c in code] == ["completed"] * len(code)
    assert all(c["metadata"]["playbook"]["status"] == "ok" for c in code)
    assert f"{len(code)}/{len(code)}" in done.stderr, done.stderr[-2000:]  # papermill's progress bar


def test_a_failing_check_surfaces_as_papermills_execution_error(playbooks, tmp_path):
    """A check that fails (playbook's exit 2): papermill raises PapermillExecutionError
    naming the check (ename CheckFailed), writes the output notebook with its error cells
    before the cell that stated the check, and the record says `check failed`."""
    import papermill as pm

    out = tmp_path / "out.ipynb"
    with pytest.raises(pm.PapermillExecutionError) as raised:
        pm.execute_notebook(str(playbooks / "typed.ipynb"), str(out), engine_name="playbook",
                            parameters={"threshold_ms": 200}, progress_bar=False)
    assert raised.value.ename == "CheckFailed"
    assert "p99 latency" in raised.value.evalue and "expected" in raised.value.evalue
    nb = json.loads(out.read_text())
    assert nb["metadata"]["playbook"]["status"] == "check failed"
    tags = [c["metadata"].get("tags", []) for c in nb["cells"]]
    assert sum("papermill-error-cell-tag" in t for t in tags) == 2, tags
    at = next(i for i, c in enumerate(nb["cells"]) if joined(c["source"]).startswith("// p99"))
    assert "papermill-error-cell-tag" in tags[at - 1]
    assert nb["cells"][at]["outputs"][-1]["ename"] == "CheckFailed"

    # The command line fails too (papermill exits 1) and says why.
    done = papermill(playbooks / "typed.ipynb", tmp_path / "cli.ipynb", "--engine", "playbook",
                     "-p", "threshold_ms", "200")
    assert done.returncode == 1, done.stderr[-3000:]
    assert "PapermillExecutionError" in done.stderr and "check FAIL: p99 latency" in done.stderr, done.stderr[-3000:]


def test_a_failing_cell_and_bad_input_surface_as_papermills_failures(playbooks, tmp_path):
    """A cell that panics (exit 1) raises PapermillExecutionError for that cell, the cells
    before it run; a source playbook refuses (exit 3) raises PlaybookRunError with the
    exit code and playbook's message; the output notebook is written either way."""
    import papermill as pm
    from papermill_playbook.engine import PlaybookRunError

    out = tmp_path / "failed.ipynb"
    with pytest.raises(pm.PapermillExecutionError) as raised:
        pm.execute_notebook(str(playbooks / "fails.ipynb"), str(out), engine_name="playbook", progress_bar=False)
    assert "the cell failed" in raised.value.evalue or "the cell failed" in "".join(raised.value.traceback)
    nb = json.loads(out.read_text())
    assert nb["metadata"]["playbook"]["status"] == "failed"
    statuses = [c["metadata"]["papermill"]["status"] for c in nb["cells"] if c["cell_type"] == "code"]
    assert statuses[-2:] == ["completed", "failed"], statuses

    refused = tmp_path / "refused.ipynb"
    with pytest.raises(PlaybookRunError) as raised:
        pm.execute_notebook(str(playbooks / "typed.ipynb"), str(refused), engine_name="playbook",
                            source="nonsense:x", progress_bar=False)
    assert raised.value.exit_code == 3 and "nonsense:x" in str(raised.value), str(raised.value)
    assert refused.is_file()


def test_the_rules_read_random_cells_and_values_or_refuse_them():
    """The translator's parser and literal writer on random `parameters` cells and values
    (seeded): every cell parses, every value becomes code or a ParameterError, and no code
    holds a raw control or bidi character (each is an escape)."""
    import random

    from papermill_playbook.declarations import declarations, default_value
    from papermill_playbook.literals import ParameterError, literal, rust_trim
    from papermill_playbook.translator import RustTranslator

    tokens = ["let", " ", "mut", ":", "=", ";", "\n", "String", "i64", "u8", "f64", "bool", "Vec<String>",
              "Vec<i64>", "DateTime<Utc>", "Json", '"x"', '"', "\\", "60", "-1", "0.5", "1e9", "true", "vec![",
              "]", ".into()", "//", "{", "}", "[", "'", "#", "\u202e", "\u200b", "\x1b", "\x00", "2026-11-26T10:07:00Z",
              "+01:00", ","]
    for seed in range(300):
        rng = random.Random(seed)
        cell = "".join(rng.choice(tokens) for _ in range(rng.randint(0, 80)))
        declared = declarations(cell)
        RustTranslator.inspect({"source": cell})
        for d in declared:
            default_value(d.default)
            value = "".join(rng.choice(tokens) for _ in range(rng.randint(0, 12)))
            try:
                code, _ = literal(d.ty, rust_trim(value), d.name)
            except ParameterError:
                continue
            assert not any(ord(c) < 0x20 or c in "\u202e\u200b" for c in code), (d, value, code)
