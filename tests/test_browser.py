"""JupyterLab renders the kernel's output: a real browser (Debian's headless Chromium,
driven by playwright-core from tests/browser) runs a notebook in a real JupyterLab.

tests/run.sh installs Chromium, JupyterLab (tests/requirements.txt) and playwright-core
(`npm ci --prefix tests/browser`); this module installs nothing. Set
PLAYBOOK_SKIP_BROWSER=1 to skip it. JupyterLab's log (and so the kernel's output) goes to
tests/out/jupyterlab.log, the browser script's to tests/out/browser-<notebook>.log, the
screenshots to tests/out/jupyterlab-<notebook>.png.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from support import PLAYBOOK

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "out"
BROWSER = ROOT / "tests" / "browser"
SPEC = BROWSER / "lab.spec.mjs"
CHROMIUM = "/usr/bin/chromium"
KERNEL_NAME = "playbook"

# Notebooks (relative to the repository root, JupyterLab's root) run in the browser.
# The tour, and the main playbook (query cells, bindings, charts with bands and
# annotations, the alarm timeline and its checks) as an on-call engineer runs it.
NOTEBOOKS = ["notebooks/getting-started.ipynb", "notebooks/latency-spike.ipynb"]

# Ceilings, not performance assertions: the script waits up to 10 minutes for the cells.
SERVER_START_TIMEOUT = 120
SPEC_TIMEOUT = 15 * 60

pytestmark = pytest.mark.skipif(
    os.environ.get("PLAYBOOK_SKIP_BROWSER") == "1", reason="PLAYBOOK_SKIP_BROWSER=1"
)

# JupyterLab user settings for a quiet, deterministic session: no news or update toasts,
# no autosave (the notebook in the work tree must not be rewritten with outputs), and
# every cell rendered (no windowing), so the DOM holds every output.
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
        "doNotDisturbMode": True,
    },
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none", "scrollPastEnd": False},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jupyter() -> str:
    """The `jupyter` of the Python running the tests (the test venv)."""
    path = Path(sys.executable).parent / "jupyter"
    if not path.exists():
        pytest.fail(f"{path} is missing: install tests/requirements.txt (jupyterlab) into this venv")
    return str(path)


def get_json(url: str, timeout: float = 5) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"({path} unreadable)"


@pytest.fixture(scope="module")
def lab():
    """A JupyterLab server on a free loopback port; yields (base URL, token)."""
    node = shutil.which("node")
    missing = [what for what, ok in [(CHROMIUM, os.access(CHROMIUM, os.X_OK)), ("node", node)] if not ok]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not found: tests/run.sh installs Debian's chromium; "
            "node comes with the machine (set PLAYBOOK_SKIP_BROWSER=1 to skip browser tests)"
        )
    if not (BROWSER / "node_modules" / "playwright-core").is_dir():
        pytest.fail("playwright-core missing: run `npm ci --prefix tests/browser` (tests/run.sh does)")

    OUT.mkdir(exist_ok=True)
    port, token = free_port(), secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory(prefix="playbook-lab-") as tmp:
        tmp = Path(tmp)
        settings = tmp / "user-settings"
        for plugin, values in USER_SETTINGS.items():
            file = settings / f"{plugin}.jupyterlab-settings"
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(json.dumps(values))
        (tmp / "workspaces").mkdir()
        env = dict(os.environ)
        # Isolated from the user's Jupyter config, data and runtime files: a kernelspec
        # installed for the user (~/.local/share/jupyter) would shadow the venv's, which
        # is the one under test (sys.prefix is still on the data path).
        env["JUPYTER_CONFIG_DIR"] = str(tmp / "config")
        env["JUPYTER_DATA_DIR"] = str(tmp / "data")
        env["JUPYTER_RUNTIME_DIR"] = str(tmp / "runtime")
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        cmd = [
            jupyter(),
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={ROOT}",
            "--ServerApp.terminals_enabled=False",
            "--LabApp.news_url=None",
            "--LabApp.extension_manager=readonly",
            "--LabApp.expose_app_in_browser=True",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
            # JupyterLab checkpoints a notebook when it opens it: not into the work tree.
            f"--FileCheckpoints.root_dir={tmp / 'checkpoints'}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")  # CI and these machines run as root
        log_path = OUT / "jupyterlab.log"
        with open(log_path, "w") as log:
            server = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while True:
                if server.poll() is not None:
                    pytest.fail(f"jupyter lab exited with {server.returncode}:\n{tail(log_path)}")
                try:
                    get_json(f"{base}api/status?token={token}")
                    break
                except (urllib.error.URLError, OSError, ValueError):
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab not answering after {SERVER_START_TIMEOUT}s:\n{tail(log_path)}")
                time.sleep(0.5)
            specs = get_json(f"{base}api/kernelspecs?token={token}")["kernelspecs"]
            if KERNEL_NAME not in specs:
                pytest.fail(
                    f"kernelspec {KERNEL_NAME!r} not visible to JupyterLab (has {sorted(specs)}): "
                    "tests/run.sh installs it into the test venv"
                )
            argv0 = specs[KERNEL_NAME]["spec"]["argv"][0]
            expected = os.environ.get("PLAYBOOK_BIN")
            if expected and Path(argv0).resolve() != Path(expected).resolve():
                pytest.fail(f"kernelspec {KERNEL_NAME!r} runs {argv0}, not PLAYBOOK_BIN={expected}")
            yield base, token
        finally:
            stop_server(server, base, token)


def stop_server(server: subprocess.Popen, base: str, token: str) -> None:
    """Asks the server to shut down (it stops its kernels), then makes sure it has."""
    if server.poll() is None:
        try:
            request = urllib.request.Request(f"{base}api/shutdown?token={token}", method="POST")
            urllib.request.urlopen(request, timeout=10).close()
        except (urllib.error.URLError, OSError):
            pass
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    # Whatever the server started and left behind (its own session, started above).
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_jupyterlab_renders_notebook(lab, notebook):
    base, token = lab
    name = Path(notebook).stem
    screenshot = OUT / f"jupyterlab-{name}.png"
    screenshot.unlink(missing_ok=True)
    before = digest(ROOT / notebook)
    log_path = OUT / f"browser-{name}.log"
    env = dict(os.environ, LAB_URL=f"{base}lab?token={token}", NOTEBOOK=notebook, OUT_DIR=str(OUT))
    with open(log_path, "w") as log:
        try:
            result = subprocess.run(
                ["node", str(SPEC)],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=SPEC_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"{SPEC.name} still running after {SPEC_TIMEOUT}s:\n{tail(log_path)}")
    output = log_path.read_text(errors="replace")
    assert result.returncode == 0, (
        f"{SPEC.name} failed on {notebook} (exit {result.returncode}); screenshot {screenshot}, "
        f"server log {OUT / 'jupyterlab.log'}:\n{output[-6000:]}"
    )
    assert screenshot.is_file() and screenshot.stat().st_size > 0, f"no screenshot at {screenshot}:\n{output}"
    assert digest(ROOT / notebook) == before, f"JupyterLab rewrote {notebook} (autosave should be off)"


REPORT_SPEC = BROWSER / "report.spec.mjs"


@pytest.mark.parametrize("name", ["latency-spike", "post-deploy-bad"])
def test_the_html_report_reads_in_a_browser_and_prints_cleanly(name):
    # The golden reports (tests/test_report.py keeps them equal to what `playbook report`
    # writes): first screen, width, dark mode and the print stylesheet, in Chromium.
    report = ROOT / "tests" / "golden" / f"{name}.report.html"
    log_path = OUT / f"browser-report-{name}.log"
    OUT.mkdir(exist_ok=True)
    with open(log_path, "w") as log:
        result = subprocess.run(
            ["node", str(REPORT_SPEC)],
            cwd=ROOT,
            env=dict(os.environ, REPORT=str(report), OUT_DIR=str(OUT)),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=180,
        )
    assert result.returncode == 0, f"{REPORT_SPEC.name} failed on {report.name}:\n{tail(log_path)}"


def test_the_postmortem_report_reads_in_a_browser_and_prints_cleanly():
    # The post-incident review `playbook report --postmortem` writes of the latency-spike
    # record (tests/test_report.py keeps it equal to its golden snapshot): loads with no
    # console error and no script, the title and the impact (table, drawn chart) on the
    # first screen, the timeline in time order, the sections to write, no sideways
    # scrolling on a desktop or a phone, and a PDF when printed, in Chromium.
    playbook = PLAYBOOK
    record = ROOT / "tests" / "golden" / "latency-spike.record.ipynb"
    out = OUT / "postmortem"
    out.mkdir(parents=True, exist_ok=True)
    review = out / "latency-spike.postmortem.html"
    review.unlink(missing_ok=True)
    done = subprocess.run([playbook, "report", "--postmortem", str(record), "-o", str(review)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and review.is_file(), f"playbook report --postmortem: exit {done.returncode}\n{done.stderr}"
    log_path = OUT / "browser-postmortem-latency-spike.log"
    with open(log_path, "w") as log:
        result = subprocess.run(
            ["node", str(REPORT_SPEC)],
            cwd=ROOT,
            env=dict(os.environ, KIND="postmortem", REPORT=str(review), OUT_DIR=str(OUT)),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=180,
        )
    assert result.returncode == 0, f"{REPORT_SPEC.name} failed on {review}:\n{tail(log_path)}"


XSS_SPEC = BROWSER / "xss.spec.mjs"
XSS_VECTORS = BROWSER / "xss-vectors.txt"
GOLDEN = ROOT / "tests" / "golden"


def xss_vectors() -> list[str]:
    lines = XSS_VECTORS.read_text().splitlines()
    return [line for line in lines if line.strip() and not line.startswith("# ")]


def hostile_record(source: Path, target: Path, vectors: list[str]) -> Path:
    """`source` (a golden record) with every vector as an HTML output, as an SVG output
    (bare and inside an `<svg>`), as prose, as a check's name, observed and expected values,
    as a parameter, and as the label of a series a chart overlays (`--compare`)."""
    nb = json.loads(source.read_text())
    outputs = []
    for v in vectors:
        outputs.append({"output_type": "display_data", "metadata": {}, "data": {"text/html": v, "text/plain": "html"}})
        outputs.append({"output_type": "display_data", "metadata": {}, "data": {"image/svg+xml": v, "text/plain": "svg"}})
        outputs.append({"output_type": "display_data", "metadata": {},
                        "data": {"image/svg+xml": f'<svg xmlns="http://www.w3.org/2000/svg">{v}</svg>', "text/plain": "svg"}})
    series = [{"label": v, "query": v, "unit": "Count", "timestamps": ["2026-11-12T14:00:00Z", "2026-11-12T14:05:00Z"],
               "values": [1.0, 2.0]} for v in vectors[:10]]
    outputs.append({"output_type": "display_data", "metadata": {},
                    "data": {"application/vnd.playbook.series+json": series, "text/plain": "series"}})
    prose = "## Hostile prose\n\n" + "\n\n".join(vectors) + \
        "\n\n[a link](javascript:alert(1)) ![an image](https://xss.invalid/md.png) <https://xss.invalid/auto>"
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": prose})
    nb["cells"].append({"cell_type": "code", "execution_count": 99, "metadata": {}, "source": "// hostile outputs",
                        "outputs": outputs})
    run = nb["metadata"]["playbook"]
    run["checks"] += [{"name": v, "verdict": "fail", "observed": v, "expected": v} for v in vectors]
    run["parameters"]["resolved"].update({f"p{i}": v for i, v in enumerate(vectors)})
    target.write_text(json.dumps(nb))
    return target


def run_xss_spec(docs: list[Path], log_name: str) -> tuple[int, str]:
    log_path = OUT / log_name
    with open(log_path, "w") as log:
        result = subprocess.run(
            ["node", str(XSS_SPEC)],
            cwd=ROOT,
            env=dict(os.environ, DOCS=json.dumps([str(d) for d in docs])),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=900,
        )
    return result.returncode, log_path.read_text(errors="replace")


def test_no_vector_of_the_xss_corpus_runs_in_a_shared_document(tmp_path):
    # Every vector of the corpus as outputs, prose, check names, parameters and series
    # labels of records; then `playbook report` (HTML, and Markdown with its SVG files),
    # `--compare`, `--postmortem` and `fleet.html` (and `fleet.md`), each opened in Chromium as written and
    # with its Content-Security-Policy bypassed: no dialog, no request, no script.
    import mistune

    playbook = PLAYBOOK
    vectors = xss_vectors()
    assert len(vectors) >= 100
    out = OUT / "xss"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    records = {name: hostile_record(GOLDEN / f"{name}.record.ipynb", tmp_path / f"{name}.ipynb", vectors)
               for name in ("latency-spike", "post-deploy-good", "post-deploy-bad")}

    def report(*args: str) -> None:
        done = subprocess.run([playbook, "report", *map(str, args)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"playbook report {' '.join(map(str, args))}: {done.stderr}"

    report(records["latency-spike"], "--format", "html", "-o", out / "report.html")
    report(records["latency-spike"], "--format", "md", "-o", out / "report.md")
    report(records["post-deploy-bad"], "--compare", records["post-deploy-good"], "--format", "html", "-o", out / "compare.html")
    report(records["post-deploy-bad"], "--compare", records["post-deploy-good"], "--format", "md", "-o", out / "compare.md")
    report("--postmortem", records["latency-spike"], records["post-deploy-bad"], "--format", "html",
           "-o", out / "postmortem.html")
    report("--postmortem", records["latency-spike"], records["post-deploy-bad"], "--format", "md",
           "-o", out / "postmortem.md")

    # fleet.html from run summaries whose checks, errors and observations are the vectors.
    summaries = tmp_path / "summaries"
    summaries.mkdir()
    names = ["hostile-a", "hostile-b"]
    for name in names:
        (summaries / f"{name}.json").write_text(json.dumps({
            "target": name, "exit_code": 2, "status": "check failed", "error": vectors[0],
            "checks": [{"name": v, "verdict": "fail", "observed": v, "expected": v} for v in vectors]}))
    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps({"defaults": {"source": "local:notebooks/data/checkout"},
                                   "targets": [{"name": n} for n in names]}))
    done = subprocess.run([playbook, "fleet", str(ROOT / "notebooks" / "post-deploy.ipynb"), "--targets", str(targets),
                           "--from-summaries", str(summaries), "--out", str(out / "fleet")],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert (out / "fleet" / "fleet.html").is_file(), done.stderr

    # The Markdown documents as a permissive viewer shows them (raw HTML kept, unlike
    # GitHub), and every chart file beside them as a page of its own.
    docs = [out / "report.html", out / "compare.html", out / "postmortem.html", out / "fleet" / "fleet.html"]
    for name in ("report", "compare", "postmortem", "fleet/fleet"):
        rendered = out / f"{name}.md.html"
        rendered.write_text(mistune.html((out / f"{name}.md").read_text()))
        docs.append(rendered)
    svgs = sorted(out.glob("*.files/*.svg"))
    assert len(svgs) >= 2 * len(vectors), f"{len(svgs)} chart files"
    code, log = run_xss_spec(docs + svgs, "browser-xss.log")
    assert code == 0, f"{XSS_SPEC.name} failed (log {OUT / 'browser-xss.log'}):\n" + \
        "\n".join(line for line in log.splitlines() if not line.startswith("ok "))[-6000:]


SVG = 'xmlns="http://www.w3.org/2000/svg"'
# Chart files for the control: two that fire (a dialog; a request) among quiet ones, all
# opened as frames of one page by the spec.
CONTROL_SVGS = {
    "fires-a-dialog.svg": f'<svg {SVG} onload="alert(\'svg\')"><rect width="4" height="4"/></svg>',
    "sends-a-request.svg": f'<svg {SVG}><script>fetch("https://xss.invalid/from-svg")</script></svg>',
    **{f"quiet-{i}.svg": f'<svg {SVG}><rect width="{i + 1}" height="4"/></svg>' for i in range(2)},
}


def test_the_xss_spec_sees_a_vector_that_fires(tmp_path):
    # The harness itself: the same vectors written raw into a page (no sanitiser, no
    # policy) open dialogs and send requests, and the spec says so; of chart files opened
    # as frames of one page, it names the two that fire, and only those.
    page = tmp_path / "raw.html"
    page.write_text("<!DOCTYPE html><html><body>" + "\n".join(xss_vectors()) + "</body></html>")
    svgs = []
    for name, text in CONTROL_SVGS.items():
        svgs.append(tmp_path / name)
        svgs[-1].write_text(text)
    OUT.mkdir(exist_ok=True)
    code, log = run_xss_spec([page, *svgs], "browser-xss-control.log")
    assert code == 1, log
    lines = log.splitlines()

    def verdict(name: str, check: str) -> str:
        found = [line[:4] for line in lines if f"{name} (as written): {check}" in line]
        assert len(found) == 1, f"no single line for {name}: {check}:\n{log}"
        return found[0]

    assert verdict("raw.html", "no dialog: alert") == "FAIL", log
    assert verdict("raw.html", "no request left: https://xss.invalid/") == "FAIL", log
    assert verdict("fires-a-dialog.svg", "no dialog: alert: svg") == "FAIL", log
    assert verdict("fires-a-dialog.svg", "no script, handler or script link") == "FAIL", log
    assert verdict("sends-a-request.svg", "no request left: https://xss.invalid/from-svg") == "FAIL", log
    assert verdict("sends-a-request.svg", "no script, handler or script link") == "FAIL", log
    for i in range(2):
        for check in ("no dialog", "no request left", "no script, handler or script link"):
            assert verdict(f"quiet-{i}.svg", check) == "ok  ", log
    assert "a page of chart files" not in log, log
