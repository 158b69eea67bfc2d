"""Regression tests of the hardening work: each test is named after what it guards.

Nothing a cell, a query or a file does may take the kernel down; output is attributed to
the cell that wrote it; records stay shareable; the exit code is the program's.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import execute, start_kernel, stop_kernel, stream_text, notebook
from support import PLAYBOOK, run_playbook as run

DATA = Path(__file__).resolve().parent.parent / "notebooks" / "data" / "checkout"


def code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def texts(cell: dict, name: str = "stdout") -> str:
    return "".join(o["text"] for o in cell["outputs"] if o["output_type"] == "stream" and o["name"] == name)


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_kernel("hardening")
    yield km, kc
    stop_kernel(km, kc)


def test_output_without_a_newline_belongs_to_the_cell_that_printed_it(kernel):
    _, kc = kernel
    reply, messages = execute(kc, 'print!("x"); eprint!("e");')
    assert reply["content"]["status"] == "ok"
    assert stream_text(messages) == "x"
    assert stream_text(messages, "stderr") == "e"
    reply, messages = execute(kc, 'println!("y");')
    assert stream_text(messages) == "y\n", "nothing of the previous cell leaks into this one"
    # A rich result right after text without a newline: both are kept.
    reply, messages = execute(kc, 'print!("p"); 40 + 2')
    assert stream_text(messages) == "p"
    results = [m["content"]["data"]["text/plain"] for m in messages if m["msg_type"] == "execute_result"]
    assert results == ["42"]


def test_a_long_flat_logs_query_is_an_error_not_a_dead_kernel(kernel):
    _, kc = kernel
    chain = " + ".join(["1"] * 8000)
    reply, _ = execute(kc, f"%%logs --group /ecs/checkout --source local:{DATA} --since 1h\nfields {chain} as x | limit 1")
    assert reply["content"]["status"] == "error"
    assert "shorter expression" in reply["content"]["evalue"]
    reply, messages = execute(kc, "1 + 1")
    assert reply["content"]["status"] == "ok", "the kernel is still alive"


def test_trailing_output_of_the_last_cell_reaches_the_record(tmp_path):
    nb = notebook(tmp_path / "tail.ipynb", 'println!("first");', 'print!("tail"); eprint!("err-tail");')
    output = tmp_path / "tail.out.ipynb"
    done = run(str(nb), "-o", str(output))
    assert done.returncode == 0, done.stderr[-3000:]
    cells = code_cells(output)
    assert texts(cells[0]) == "first\n"
    assert texts(cells[1]) == "tail"
    assert texts(cells[1], "stderr") == "err-tail"


def test_a_huge_cell_output_is_capped_in_the_record_with_a_note(tmp_path):
    # 8 MB of print! without a newline recorded nothing; the record now keeps the cap.
    nb = notebook(tmp_path / "big.ipynb", 'for _ in 0..(8 << 20) / 64 { print!("{}", "x".repeat(64)); };')
    output = tmp_path / "big.out.ipynb"
    done = run(str(nb), "-o", str(output), "--max-output-bytes", "1000000")
    assert done.returncode == 0, done.stderr[-3000:]
    cell = code_cells(output)[0]
    assert len(texts(cell)) == 1_000_000
    note = texts(cell, "stderr")
    assert f"truncated by playbook: {(8 << 20) - 1_000_000} bytes" in note
    assert cell["metadata"]["playbook"]["omitted_output_bytes"] == (8 << 20) - 1_000_000
    assert output.stat().st_size < 2_000_000


def test_a_bad_flag_is_bad_input_on_every_subcommand(tmp_path):
    nb = notebook(tmp_path / "ok.ipynb", "1")
    for args in (
        ["run", str(nb), "--bogus-flag"],
        ["run"],
        ["report", "--bogus"],
        ["query", "logs"],
        ["query", "list-metrics", "AWS/EC2"],
        ["query", "nosuch"],
        ["install", "--bogus"],
        ["kernel"],
        ["generate-data"],
        ["nosuch"],
    ):
        done = subprocess.run([PLAYBOOK, *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 3, (args, done.returncode, done.stderr)
        assert done.stderr.strip(), args
    done = subprocess.run([PLAYBOOK, "run", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "--max-output-bytes" in done.stdout


def test_query_output_cut_short_by_a_reader_ends_quietly():
    # `playbook query … | head` panicked with "failed printing to stdout" (exit 101).
    cmd = f"{PLAYBOOK} query logs --group /ecs/checkout --source local:{DATA} " \
          "--start 2026-11-12T13:00:00Z --end 2026-11-12T16:00:00Z --json 'fields @message | limit 5000' | head -n 2"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "panicked" not in done.stderr and "Broken pipe" not in done.stderr
    assert len(done.stdout.splitlines()) == 2


# ---- secrets -------------------------------------------------------------------------

SECRET_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIAZZZZPLAYBOOKTEST",
    "AWS_SECRET_ACCESS_KEY": "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",
    "DEPLOY_WEBHOOK_TOKEN": "xyzzy-plover-42-flumph",
}


def test_known_secret_values_never_reach_the_record_reports_or_the_log(tmp_path):
    # A cell reads the kernel's environment through /proc and prints it; a panic and a
    # check's name carry a secret too.
    nb = notebook(
        tmp_path / "leak.ipynb",
        'let environ = std::fs::read(format!("/proc/{}/environ", std::os::unix::process::parent_id())).unwrap_or_default();\n'
        'println!("{}", String::from_utf8_lossy(&environ));\n'
        'println!("again: {}", std::env::var("X").unwrap_or("q9Wx7Lm2Tn5Rb8Yc1Vd4Kf6Hg3Js0Pa2Zu7Ei9Oo".into()));',
        'println!("gh ghp_R4nd0mT0k3nV4lu3Xq9Wz2Lp8Kd7Fj3Hs1Mn and xoxb-123456789012-1234567890123-abcdefABCDEF0123456789ab");',
        'Check::new("deploy with xyzzy-plover-42-flumph").expect(true);',
        'panic!("failed with token xyzzy-plover-42-flumph and key q9Wx7Lm2Tn5Rb8Yc1Vd4Kf6Hg3Js0Pa2Zu7Ei9Oo");',
    )
    output = tmp_path / "leak.out.ipynb"
    env = {**os.environ, **SECRET_ENV}
    done = run(nb, "-o", output, env=env)
    assert done.returncode == 1, done.stderr[-3000:]
    reports = []
    for fmt in ("md", "html"):
        report = tmp_path / f"leak.report.{fmt}"
        subprocess.run([PLAYBOOK, "report", str(output), "-o", str(report)], check=True, env=env, timeout=60)
        reports.append(report.read_text())
    record = output.read_text()
    for place, text in [("record", record), ("stderr", done.stderr), *(("report", r) for r in reports)]:
        for secret in (*SECRET_ENV.values(), "ghp_R4nd0mT0k3n", "xoxb-123456789012"):
            assert secret not in text, f"{secret} in the {place}"
    assert "[masked by playbook]" in record
    meta = json.loads(record)["metadata"]["playbook"]
    assert "[masked by playbook]" in meta["checks"][0]["name"]
    assert "[masked by playbook]" in meta["failures"][0]["evalue"]
    assert "by playbook] by playbook]" not in record


def test_the_evaluation_process_gets_no_secret_looking_variable(kernel):
    _, kc = kernel
    reply, messages = execute(kc, 'let names: Vec<String> = std::env::vars().map(|(k, _)| k).collect(); println!("{}", names.join(","));')
    assert reply["content"]["status"] == "ok"
    names = stream_text(messages).strip().split(",")
    assert not [n for n in names if any(p in n.upper() for p in ("SECRET", "TOKEN", "PASSWORD", "API_KEY"))], names


def test_cell_sources_are_private_and_records_shareable(kernel, tmp_path):
    km, kc = kernel
    reply, messages = execute(kc, 'println!("{}", std::env::current_dir().unwrap().display());')
    import glob
    import stat
    cache = Path(os.environ.get("PLAYBOOK_CACHE", Path.home() / ".cache/playbook"))
    dirs = [d for d in glob.glob(str(cache / "cells/kernels/*")) if os.path.isdir(d) and not d.endswith((".host", ".config"))]
    assert dirs, "the kernel has a build directory"
    for d in dirs:
        assert stat.S_IMODE(os.stat(d).st_mode) == 0o700, d
        lib = Path(d) / "src" / "lib.rs"
        if lib.exists():
            assert stat.S_IMODE(lib.stat().st_mode) == 0o600, lib
    nb = notebook(tmp_path / "mode.ipynb", "1")
    out = tmp_path / "mode.out.ipynb"
    assert run(str(nb), "-o", str(out)).returncode == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_a_replayed_execute_request_runs_once(kernel):
    import tempfile
    import uuid

    import zmq
    from jupyter_client.session import Session

    km, kc = kernel
    marker = Path(tempfile.gettempdir()) / f"playbook-replay-{uuid.uuid4().hex}"
    code = f'use std::io::Write as _; std::fs::OpenOptions::new().create(true).append(true).open({json.dumps(str(marker))}).unwrap().write_all(b"x").unwrap();'
    session = Session(key=km.session.key, signature_scheme=km.session.signature_scheme)
    msg = session.msg("execute_request", content={
        "code": code, "silent": False, "store_history": True,
        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True,
    })
    frames = session.serialize(msg)
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(f"tcp://{km.ip}:{km.shell_port}")
    for _ in range(3):
        sock.send_multipart(frames)
    # Wait for the one reply, then make sure no second one comes.
    assert sock.poll(120_000), "the first request is answered"
    sock.recv_multipart()
    assert not sock.poll(5_000), "the replays are dropped, not executed"
    sock.close()
    assert marker.read_text() == "x"
    marker.unlink()


# ---- local data, interrupts, outputs ---------------------------------------------------

def test_an_interrupt_stops_a_local_logs_query(kernel, tmp_path):
    import time

    km, kc = kernel
    group = tmp_path / "logs" / "big" / "app"
    group.mkdir(parents=True)
    line = '{"timestamp":"2026-11-12T14:00:00Z","level":"INFO","route":"/api/x"}\n'
    with open(group / "s.jsonl", "w") as f:
        for _ in range(60):
            f.write(line * 100_000)
    msg_id = kc.execute(f"%%logs --group /big/app --source local:{tmp_path} --start 2026-11-12T13:00:00Z --end 2026-11-12T15:00:00Z\n"
                        "parse @message /\"route\":\"(?<r>[^\"]+)\"/ | stats count(*) by r")
    time.sleep(1.0)
    began = time.monotonic()
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=60)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=60)
    assert reply["content"]["status"] == "error", reply["content"]
    assert reply["content"]["ename"] == "QueryCancelled", reply["content"]
    assert time.monotonic() - began < 10, "the query stops promptly, not at its end"


def test_a_full_disk_is_its_own_exit_class_and_loses_nothing(tmp_path):
    # `ulimit -f` makes writes past 8 KiB fail (EFBIG) like a full disk; SIGXFSZ is ignored
    # so the write returns an error instead of killing the process. Query cells need no
    # compiler (which the limit would stop too): the second one's table is over the limit.
    nb = tmp_path / "disk.ipynb"
    nb.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": f"%source local:{DATA}", "metadata": {}, "outputs": [], "execution_count": None},
        {"cell_type": "code", "source": "%%logs --group /ecs/checkout --start 2026-11-12T14:00:00Z --end 2026-11-12T15:00:00Z\nfields @message | limit 200",
         "metadata": {}, "outputs": [], "execution_count": None},
    ]}))
    output = tmp_path / "disk.out.ipynb"
    script = f"trap '' XFSZ; ulimit -f 8; exec {PLAYBOOK} run {nb} -o {output}"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=600)
    assert done.returncode == 6, (done.returncode, done.stderr[-2000:])
    assert "cannot write" in done.stderr and "intact" in done.stderr, done.stderr[-2000:]
    assert not list(tmp_path.glob(".disk.out.ipynb.*.tmp")), "no temporary file is left behind"
    record = json.loads(output.read_text())
    assert "source: local:" in json.dumps(code_cells(output)[0]["outputs"]), "the previous record is intact"
    assert record["metadata"]["playbook"]["status"] == "running"


# ---- what a user trips on ---------------------------------------------------------------

def test_untyped_parameters_and_defaults_are_recorded_and_settable(tmp_path):
    nb = notebook(
        tmp_path / "params.ipynb",
        'println!("{service} {limit} {ratio} {on} {window_minutes}");',
        parameters='let service = "checkout";\nlet limit = 10;\nlet ratio = 0.5;\nlet on = true;\nlet window_minutes: i64 = 60;',
    )
    output = tmp_path / "params.out.ipynb"
    done = run(str(nb), "-o", str(output), "-p", "service=pay\u202ements", "-p", "limit=20")
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads(output.read_text())
    resolved = record["metadata"]["playbook"]["parameters"]["resolved"]
    assert resolved == {"service": "pay\u202ements", "limit": 20, "ratio": 0.5, "on": True, "window_minutes": 60}
    assert texts(code_cells(output)[2]) == "pay\u202ements 20 0.5 true 60\n"
    done = subprocess.run([PLAYBOOK, "report", str(output)], capture_output=True, text=True, timeout=60)
    assert "`window_minutes = 60`" in done.stdout, done.stdout


def test_malformed_cells_and_a_directory_output_are_bad_input(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                               "cells": [{"cell_type": "code", "source": 42, "metadata": {}, "outputs": []}]}))
    done = run(str(bad))
    assert done.returncode == 3 and "cell 1: its source is a number" in done.stderr, done.stderr
    meta = tmp_path / "meta.ipynb"
    meta.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                "cells": [{"cell_type": "code", "source": "1", "metadata": [], "outputs": []}]}))
    done = run(str(meta))
    assert done.returncode == 3 and "its metadata is a list" in done.stderr, done.stderr
    nb = notebook(tmp_path / "ok.ipynb", "1")
    (tmp_path / "out").mkdir()
    done = run(str(nb), "-o", str(tmp_path / "out") + "/")
    assert done.returncode == 3, done.stderr
    assert "is a directory: give the record's file name, e.g. -o" in done.stderr
    assert "ok.executed.ipynb" in done.stderr


def test_the_record_names_the_user_without_a_user_variable(tmp_path):
    nb = notebook(tmp_path / "who.ipynb", "1")
    out = tmp_path / "who.out.ipynb"
    env = {k: v for k, v in os.environ.items() if k not in ("USER", "LOGNAME")}
    done = run(nb, "-o", out, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    import pwd
    assert json.loads(out.read_text())["metadata"]["playbook"]["user"] == pwd.getpwuid(os.getuid()).pw_name


def test_a_timed_out_cell_has_one_name_in_output_and_record(tmp_path):
    nb = notebook(tmp_path / "slow.ipynb", "std::thread::sleep(std::time::Duration::from_secs(60));")
    out = tmp_path / "slow.out.ipynb"
    done = run(str(nb), "-o", str(out), "--cell-timeout", "3")
    assert done.returncode == 1, done.stderr[-2000:]
    cell = code_cells(out)[0]
    errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
    assert [e["ename"] for e in errors] == ["CellTimeout"]
    assert json.loads(out.read_text())["metadata"]["playbook"]["failures"][0]["ename"] == "CellTimeout"


def test_completion_answers_at_once_in_a_new_kernel():
    import time

    km, kc = start_kernel("completion-early")
    try:
        # start_kernel ran `1`; rust-analyzer is still loading its first analysis now.
        began = time.monotonic()
        msg_id = kc.complete("let x = met", 11)
        reply = kc.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = kc.get_shell_msg(timeout=30)
        matches = reply["content"]["matches"]
        assert "metric" in matches and "metric_expression" in matches, matches
        assert reply["content"]["cursor_start"] == 8
        assert time.monotonic() - began < 8, "no wait for rust-analyzer's first analysis"
    finally:
        stop_kernel(km, kc)
