"""The wire protocol as real clients use it: signatures, channels, errors, interrupts."""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from pathlib import Path
from queue import Empty

import zmq
from jupyter_client.session import Session

from conftest import collect, execute, outputs, shell_reply, stream_text


def raw_shell_socket(km) -> zmq.Socket:
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(f"tcp://{km.ip}:{km.shell_port}")
    return sock


def test_forged_signature_is_not_executed_and_kernel_keeps_serving(kernel):
    km, kc = kernel
    marker = Path(tempfile.gettempdir()) / f"playbook-forged-{uuid.uuid4().hex}"
    code = f'std::fs::write({json.dumps(str(marker))}, "pwned").unwrap();'
    sock = raw_shell_socket(km)
    # Signed with the wrong key, and not signed at all.
    for key in (b"not-the-key", b""):
        forger = Session(key=key)
        forger.send(sock, "execute_request", content={
            "code": code, "silent": False, "store_history": True,
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True,
        })
    # Malformed frames: no delimiter, too few frames, bad JSON.
    sock.send_multipart([b"garbage"])
    sock.send_multipart([b"<IDS|MSG>", b"sig"])
    sock.send_multipart([b"<IDS|MSG>", b"", b"{not json", b"{}", b"{}", b"{}"])
    # The kernel still answers properly signed requests, on every channel.
    reply, messages = execute(kc, "40 + 2")
    assert reply["content"]["status"] == "ok"
    assert outputs(messages, "execute_result")[0]["data"]["text/plain"] == "42"
    msg_id = kc.kernel_info()
    assert shell_reply(kc, msg_id)["content"]["status"] == "ok"
    assert not marker.exists(), "a forged execute_request was executed"
    assert sock.poll(500) == 0, "the kernel answered a forged request"
    sock.close()


def test_streaming_output_arrives_while_the_cell_runs(kernel):
    km, kc = kernel
    msg_id = kc.execute(
        'println!("first"); std::thread::sleep(std::time::Duration::from_secs(4)); println!("second");'
    )
    first_seen = False
    deadline = time.monotonic() + 120
    while not first_seen and time.monotonic() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except Empty:
            continue
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
            assert "first" in msg["content"]["text"]
            assert "second" not in msg["content"]["text"]
            first_seen = True
    assert first_seen
    # The cell is still sleeping: no reply yet.
    try:
        early = kc.get_shell_msg(timeout=0.5)
    except Empty:
        early = None
    assert early is None, "the reply came before the cell finished"
    reply = shell_reply(kc, msg_id)
    assert reply["content"]["status"] == "ok"
    assert "second" in stream_text(collect(kc, msg_id))


def test_panic_is_an_error_and_the_kernel_survives(kernel):
    km, kc = kernel
    execute(kc, "let survivor = 41;")
    reply, messages = execute(kc, 'panic!("boom at 3am")')
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "Panic"
    assert "boom at 3am" in reply["content"]["evalue"]
    assert outputs(messages, "error")[0]["ename"] == "Panic"
    reply, messages = execute(kc, "survivor + 1")
    assert reply["content"]["status"] == "ok"
    assert outputs(messages, "execute_result")[0]["data"]["text/plain"] == "42"


def test_question_mark_error_is_an_error(kernel):
    km, kc = kernel
    reply, messages = execute(kc, 'let n: i32 = "not a number".parse()?; n')
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "CellError"
    assert "invalid digit" in stream_text(messages, "stderr")
    # The error's own text is the error's value (it was "its message is on stderr above").
    assert "invalid digit found in string" in reply["content"]["evalue"]
    assert "EVCXR" not in stream_text(messages) + stream_text(messages, "stderr")


def test_compile_error_shows_message_and_line(kernel):
    km, kc = kernel
    reply, messages = execute(kc, "let total = 1;\nlet oops = undefined_metric + total;")
    content = reply["content"]
    assert content["status"] == "error"
    assert content["ename"] == "CompilationError"
    assert "undefined_metric" in content["evalue"]
    traceback = "\n".join(content["traceback"])
    assert "line 2" in traceback
    assert "let oops = undefined_metric + total;" in traceback
    assert "^^^^^^^^^^^^^^^^" in traceback


def test_crash_of_the_evaluation_process_is_reported(kernel):
    km, kc = kernel
    execute(kc, "fn still_defined() -> u32 { 7 }\nlet lost_value = 1;")
    reply, _ = execute(kc, "std::process::abort();")
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "EvaluationProcessDied"
    assert "lost_value" in reply["content"]["evalue"]
    reply, messages = execute(kc, "still_defined()")
    assert reply["content"]["status"] == "ok"
    assert outputs(messages, "execute_result")[0]["data"]["text/plain"] == "7"


def test_interrupt_stops_a_sleeping_cell_and_the_next_cell_runs(kernel):
    km, kc = kernel
    execute(kc, "fn after_interrupt() -> u32 { 9 }")
    msg_id = kc.execute("std::thread::sleep(std::time::Duration::from_secs(600));")
    # Wait until the cell is running (its guard is compiled and loaded).
    time.sleep(3)
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, timeout=60)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "Interrupted"
    collect(kc, msg_id)
    reply, messages = execute(kc, "after_interrupt()")
    assert reply["content"]["status"] == "ok"
    assert outputs(messages, "execute_result")[0]["data"]["text/plain"] == "9"


def test_stop_on_error_aborts_queued_requests(kernel):
    km, kc = kernel
    failing = kc.execute('panic!("first fails")', stop_on_error=True)
    queued = kc.execute("1 + 1")
    assert shell_reply(kc, failing)["content"]["status"] == "error"
    assert shell_reply(kc, queued)["content"]["status"] == "aborted"
    collect(kc, failing)
    collect(kc, queued)
    # Without stop_on_error the next request runs.
    failing = kc.execute('panic!("fails again")', stop_on_error=False)
    queued = kc.execute("2 + 2")
    assert shell_reply(kc, failing)["content"]["status"] == "error"
    assert shell_reply(kc, queued)["content"]["status"] == "ok"
    collect(kc, failing)
    collect(kc, queued)


def test_input_request_when_stdin_is_allowed(kernel):
    km, kc = kernel
    msg_id = kc.execute('let answer = ask("proceed? [y/N] ")?; answer', allow_stdin=True)
    request = kc.get_stdin_msg(timeout=120)
    assert request["msg_type"] == "input_request"
    assert request["content"]["prompt"] == "proceed? [y/N] "
    kc.input("yes")
    reply = shell_reply(kc, msg_id)
    assert reply["content"]["status"] == "ok"
    result = outputs(collect(kc, msg_id), "execute_result")
    assert result[0]["data"]["text/plain"] == '"yes"'


def test_input_without_stdin_is_a_clear_error(kernel):
    km, kc = kernel
    reply, messages = execute(kc, 'let go = confirm("proceed?")?;', allow_stdin=False)
    assert reply["content"]["status"] == "error"
    assert "does not accept input" in stream_text(messages, "stderr")


def test_display_update_and_clear_output(kernel):
    km, kc = kernel
    code = (
        'let progress = display(&Html("<p>0%</p>".into()))?;\n'
        'progress.update(&Html("<p>100%</p>".into()))?;\n'
        "clear_output(true)?;"
    )
    reply, messages = execute(kc, code)
    assert reply["content"]["status"] == "ok"
    shown = outputs(messages, "display_data")[0]
    updated = outputs(messages, "update_display_data")[0]
    assert shown["transient"]["display_id"] == updated["transient"]["display_id"]
    assert updated["data"]["text/html"] == "<p>100%</p>"
    assert outputs(messages, "clear_output")[0]["wait"] is True


def test_user_expressions_are_evaluated(kernel):
    km, kc = kernel
    reply, _ = execute(kc, "let base = 21;", user_expressions={"double": "base * 2"})
    result = reply["content"]["user_expressions"]["double"]
    assert result["status"] == "ok"
    assert result["data"]["text/plain"] == "42"


def test_silent_execution_publishes_nothing_and_keeps_the_count(kernel):
    km, kc = kernel
    before, _ = execute(kc, "1")
    reply, messages = execute(kc, "2", silent=True, store_history=False)
    assert reply["content"]["execution_count"] == before["content"]["execution_count"]
    assert not outputs(messages, "execute_input")
    assert not outputs(messages, "execute_result")


def test_host_channel_answers_context_and_echo(kernel):
    km, kc = kernel
    reply, messages = execute(kc, "context()?")
    assert reply["content"]["status"] == "ok"
    text = outputs(messages, "execute_result")[0]["data"]["text/plain"]
    assert "source:" in text and "host: playbook" in text
    reply, messages = execute(kc, 'echo(json!({"query": "fields @message", "limit": 5}))?')
    text = outputs(messages, "execute_result")[0]["data"]["text/plain"]
    assert "fields @message" in text and "5" in text


def test_comm_open_to_unknown_target_is_closed(kernel):
    km, kc = kernel
    comm_id = uuid.uuid4().hex
    msg = kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "nobody", "data": {}})
    kc.shell_channel.send(msg)
    closed = [m for m in collect(kc, msg["header"]["msg_id"]) if m["msg_type"] == "comm_close"]
    assert closed and closed[0]["content"]["comm_id"] == comm_id
    msg_id = kc.comm_info()
    reply = shell_reply(kc, msg_id)
    assert reply["content"]["status"] == "ok" and reply["content"]["comms"] == {}


def test_unknown_request_gets_an_error_reply(kernel):
    km, kc = kernel
    msg = kc.session.msg("frobnicate_request", {"x": 1})
    kc.shell_channel.send(msg)
    reply = shell_reply(kc, msg["header"]["msg_id"])
    assert reply["msg_type"] == "frobnicate_reply"
    assert reply["content"]["status"] == "error"
    # Malformed content of a known type is answered the same way.
    bad = kc.session.msg("complete_request", {"cursor_pos": "not a number"})
    kc.shell_channel.send(bad)
    reply = shell_reply(kc, bad["header"]["msg_id"])
    assert reply["content"]["status"] == "error"


def test_kernel_info_on_control_and_status_parent(kernel):
    km, kc = kernel
    msg = kc.session.msg("kernel_info_request", {})
    kc.control_channel.send(msg)
    reply = kc.control_channel.get_msg(timeout=30)
    assert reply["msg_type"] == "kernel_info_reply"
    assert reply["content"]["protocol_version"] == "5.3"
    assert reply["content"]["language_info"]["codemirror_mode"] == "rust"
    states = [m["content"]["execution_state"] for m in collect(kc, msg["header"]["msg_id"])
              if m["msg_type"] == "status"]
    assert states == ["busy", "idle"]


def test_is_complete_judges_brackets_and_strings(kernel):
    km, kc = kernel
    for code, status in [("fn f() {", "incomplete"), ("let x = 1;", "complete"), ("fn f() }", "invalid")]:
        msg_id = kc.is_complete(code)
        assert shell_reply(kc, msg_id)["content"]["status"] == status, code
    msg_id = kc.is_complete("fn f() {\n    if x {")
    assert shell_reply(kc, msg_id)["content"]["indent"] == " " * 8


def test_checks_show_their_verdict_and_accumulate(kernel):
    km, kc = kernel
    reply, messages = execute(kc, 'Check::new("p99 latency").unit("ms").expect_below(312.0, 250.0)')
    # A failing check is a verdict, not a cell error.
    assert reply["content"]["status"] == "ok"
    data = outputs(messages, "execute_result")[0]["data"]
    assert data["text/plain"] == "FAIL p99 latency: observed 312 ms, expected < 250 ms"
    assert "<table" in data["text/html"]
    execute(kc, 'check!("error budget left", 0.4 > 0.1);')
    reply, messages = execute(kc, "checks()?")
    text = outputs(messages, "execute_result")[0]["data"]["text/plain"]
    assert "FAIL p99 latency" in text
    assert "PASS error budget left: observed true, expected 0.4 > 0.1" in text
