"""Regression tests of hardening round two for headless runs, each named after what it
guards: no secret in a parameter, a name or a URL; errors that say what happened; every
exit after argument parsing explained in the summary.

Webhooks and S3 are local stand-ins (http.server in a thread): the S3 one answers
PutObject with `403 SignatureDoesNotMatch` in S3's REST-XML error shape (moto accepts any
signature unless its server starts with authentication on, and this suite shares one
moto server).
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest

from conftest import notebook
from support import PLAYBOOK, run_playbook

DATA = Path(__file__).resolve().parent.parent / "notebooks" / "data" / "checkout"
MASK = "[masked by playbook]"
PASSWORD = "Tr0ub4dorZq-7731"
TOKEN = "tok-8c1f2e9a7b"


def run(nb: Path, *args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return run_playbook(nb, *args, env={**os.environ, "PLAYBOOK_SOURCE": f"local:{DATA}", **(env or {})},
                        timeout=timeout)


def why(done: subprocess.CompletedProcess) -> str:
    return f"exit {done.returncode}\nstdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-4000:]}"


class Server:
    """A local HTTP endpoint answering every request with `status` and `body`, keeping
    what it got."""

    def __init__(self, status: int, body: bytes = b"ok", content_type: str = "text/plain"):
        self.requests: list[tuple[str, bytes]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length", 0) or 0)
                server.requests.append((self.path, self.rfile.read(length)))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_PUT = _answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server_factory():
    servers = []

    def make(*args, **kwargs) -> Server:
        servers.append(Server(*args, **kwargs))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def test_a_secret_parameters_value_is_masked_everywhere_and_its_cell_still_compiles(tmp_path):
    nb = notebook(
        tmp_path / "login.ipynb",
        '// Log in\nprintln!("password has {} characters", db_password.len());',
        '// Token\nCheck::new("token length").expect(token.len() == 14)',
        parameters='let db_password: String = String::new();\nlet token: String = String::new();\n'
                   'let service: String = "checkout".into();',
    )
    record, report, summary = tmp_path / "rec.ipynb", tmp_path / "report.html", tmp_path / "summary.json"
    done = run(nb, "-p", f"db_password={PASSWORD}", "-p", f"token={TOKEN}", "-p", "service=orders",
               "-o", str(record), "--report", str(report), "--summary", str(summary))
    assert done.returncode == 0, why(done)
    text = record.read_text()
    cells = json.loads(text)["cells"]
    # The values reached the cells (through the session), not the record.
    assert "password has 16 characters" in json.dumps(cells)
    injected = next(c for c in cells if "injected-parameters" in c["metadata"].get("tags", []))
    source = "".join(injected["source"])
    assert 'let db_password: String = playbook::parameter::<String>("db_password")?;' in source
    assert 'let token: String = playbook::parameter::<String>("token")?;' in source
    assert MASK not in source and '"orders"' in source, source
    for where, content in [("record", text), ("report", report.read_text()),
                           ("summary", summary.read_text()), ("stderr", done.stderr)]:
        assert PASSWORD not in content and TOKEN not in content, where
    meta = json.loads(text)["metadata"]["playbook"]["parameters"]
    assert meta["given"]["db_password"] == MASK and meta["resolved"]["token"] == MASK
    assert meta["resolved"]["service"] == "orders"
    assert json.loads(summary.read_text())["parameters"]["db_password"] == MASK


def test_a_webhooks_path_and_password_never_leak_when_delivery_fails(tmp_path, server_factory):
    failing = server_factory(500)
    closed = server_factory(200)
    closed_port = closed.port
    closed.close()  # nothing listens there now: the connection is refused
    nb = notebook(tmp_path / "hooks.ipynb", '// Check\nCheck::new("always").expect(false)')
    hooks = [f"http://ops:Pw-9f8e7d6c@127.0.0.1:{failing.port}/services/T01/B02/XXXXsecretpath?token=q1w2e3r4",
             f"http://127.0.0.1:{closed_port}/services/T01/B02/YYYYsecretpath"]
    done = run(nb, "--notify", hooks[0], "--notify", hooks[1], "--summary", "-",
               env={"PLAYBOOK_DELIVERY_TIMEOUT": "4"})
    assert done.returncode == 2, why(done)
    assert failing.requests and failing.requests[0][0].startswith("/services/T01/B02/XXXX"), "posted for real"
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    notes = [d for d in summary["deliveries"] if d["what"] == "notification"]
    assert [d["to"] for d in notes] == [f"webhook http://127.0.0.1:{failing.port}",
                                        f"webhook http://127.0.0.1:{closed_port}"]
    assert not any(d["ok"] for d in notes) and all(d.get("error") for d in notes)
    for content in (json.dumps(summary), done.stderr):
        for secret in ("XXXXsecretpath", "YYYYsecretpath", "Pw-9f8e7d6c", "q1w2e3r4", "ops:"):
            assert secret not in content, (secret, content[-3000:])


def test_a_webhook_with_a_bad_port_is_refused_before_the_run(tmp_path):
    nb = notebook(tmp_path / "port.ipynb", 'println!("ran");')
    done = run(nb, "--notify", "https://hooks.example.com:99999/services/T0/B0/XXXXsecret")
    assert done.returncode == 3, why(done)
    assert "https://hooks.example.com" in done.stderr and "XXXX" not in done.stderr, done.stderr
    assert not (tmp_path / "port.executed.ipynb").exists(), "nothing ran"


def test_a_notebook_named_like_a_secret_is_named_not_masked(tmp_path, server_factory):
    hook = server_factory(200)
    nb = notebook(tmp_path / "token-rotation.ipynb", '// Rotate\nCheck::new("old token revoked").expect(false)')
    done = run(nb, "--notify", f"http://127.0.0.1:{hook.port}/hook", "--summary", "-")
    assert done.returncode == 2, why(done)
    body = json.loads(hook.requests[0][1])
    subject = body["text"].splitlines()[0]
    assert subject.startswith("[playbook] ") and subject.endswith("token-rotation.ipynb: CHECK FAILED"), subject
    assert MASK not in body["text"] and MASK not in done.stderr, body["text"]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["notebook"].endswith("token-rotation.ipynb")


def test_an_error_returned_through_question_mark_names_itself_everywhere(tmp_path, server_factory):
    hook = server_factory(200)
    nb = notebook(tmp_path / "parse.ipynb", '// Ready\nprintln!("ready");',
                  '// Parse\nlet n: i64 = "12x".parse::<i64>()?;\nprintln!("{n}");',
                  'println!("never runs");')
    record = tmp_path / "parse.out.ipynb"
    done = run(nb, "-o", str(record), "--notify", f"http://127.0.0.1:{hook.port}/hook", "--summary", "-")
    assert done.returncode == 1, why(done)
    message = "invalid digit found in string"
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    failed = summary["failed_cell"]
    assert failed["ename"] == "CellError" and message in failed["evalue"], failed
    assert message in done.stderr, done.stderr
    assert message in json.loads(hook.requests[0][1])["text"]
    assert "stderr above" not in json.dumps(summary)
    # One numbering: the position in the executed record, banner and anchor included.
    cells = json.loads(record.read_text())["cells"]
    assert "parse::<i64>" in "".join(cells[failed["cell"] - 1]["source"]), failed["cell"]
    meta = json.loads(record.read_text())["metadata"]["playbook"]
    assert meta["failures"][0]["cell"] == failed["cell"]


def test_a_bad_parameter_after_parsing_still_writes_the_summary(tmp_path):
    nb = notebook(tmp_path / "p.ipynb", 'println!("{service}");', parameters='let service: String = "x".into();')
    summary = tmp_path / "out" / "summary.json"
    done = run(nb, "-p", "nequals", "--summary", str(summary))
    assert done.returncode == 3, why(done)
    written = json.loads(summary.read_text())
    assert (written["exit_code"], written["exit_class"]) == (3, "bad_input")
    assert "nequals" in written["error"], written


def test_compare_names_the_file_without_a_run_record(tmp_path):
    nb = notebook(tmp_path / "plain.ipynb", 'println!("x");')
    record = tmp_path / "plain.out.ipynb"
    assert run(nb, "-o", str(record)).returncode == 0
    done = subprocess.run([PLAYBOOK, "report", str(record), "--compare", str(nb)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, why(done)
    assert f"{nb} has no run record" in done.stderr, done.stderr


S3_SIGNATURE_ERROR = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>'
    b"<Message>The request signature we calculated does not match the signature you provided. "
    b"Check your key and signing method.</Message><RequestId>4442587FB7D0A2F9</RequestId>"
    b"<HostId>test</HostId></Error>"
)


def test_wrong_s3_credentials_are_refused_not_retryable_and_the_local_copy_is_named(tmp_path, server_factory):
    s3 = server_factory(403, S3_SIGNATURE_ERROR, "application/xml")
    nb = notebook(tmp_path / "upload.ipynb", 'println!("done");')
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{s3.port}", "AWS_REGION": "us-east-1",
           "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wrong" * 8,
           "AWS_MAX_ATTEMPTS": "1", "PLAYBOOK_DELIVERY_TIMEOUT": "4"}
    env.pop("AWS_SESSION_TOKEN", None)
    done = run(nb, "-o", "s3://records/upload/{run_id}.ipynb", "--summary", "-", env=env)
    assert s3.requests, "PutObject reached the stand-in"
    assert done.returncode == 5, why(done)
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert (summary["exit_class"], summary["retryable"]) == ("source_refused", False)
    record = summary["outputs"][0]
    assert record["what"] == "record" and not record["ok"] and "SignatureDoesNotMatch" in record["error"]
    assert Path(record["local_copy"]).is_file(), record
    nbformat.read(record["local_copy"], as_version=4)
    assert record["local_copy"] in done.stderr
