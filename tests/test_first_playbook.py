"""A first playbook the way README's "Write your first playbook" says: `playbook new`
writes it, `playbook run` runs it green on the bundled data and in a kernel through
jupyter_client, it never overwrites a file, `%lsmagic` lists the cell magics, the
Markdown report holds every chart as a file and every table as a Markdown table with
counts as whole numbers, and `--compare` matches a renamed step by its cell id."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from conftest import OUT, execute, start_kernel, stop_kernel
from support import PLAYBOOK, run_to_record

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "notebooks" / "data" / "checkout"
CELL_MAGICS = ["%%logs", "%%metrics", "%%events", "%%alarms", "%%contributors"]
# An ALB request count: a Sum, whole numbers, shown by a %%metrics chart and its table.
REQUESTS = ("%%metrics --period 300\nAWS/ApplicationELB RequestCount "
            "LoadBalancer=app/checkout-alb/5f3c2a1b9d8e7f60 "
            "TargetGroup=targetgroup/checkout-tg/8a7b6c5d4e3f2a10 Sum")


def new(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([PLAYBOOK, "new", *map(str, args)], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


@pytest.fixture(scope="module")
def first(tmp_path_factory) -> Path:
    """The notebook `playbook new` writes with no --source: the bundled data."""
    path = tmp_path_factory.mktemp("first") / "checkout-health"
    done = new(path, "--service", "checkout")
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and "checkout-health.ipynb" in done.stdout, done.stdout
    return path.with_suffix(".ipynb")


def test_playbook_new_writes_the_notebook_the_guide_walks_through(first):
    nb = json.loads(first.read_text())
    assert (nb["nbformat"], nb["nbformat_minor"]) == (4, 5)
    by_id = {c["id"]: c for c in nb["cells"]}
    params = by_id["parameters"]
    assert params["metadata"]["tags"] == ["parameters"]
    assert f'let source: String = "local:{DATA}".into();' in source(params), source(params)
    assert 'let service: String = "checkout".into();' in source(params)
    assert "set_parameter(\"service\", &service)?;" in source(by_id["source-and-window"])
    metric = source(by_id["metric"])
    assert "baseline_shifted(" in metric and ".baseline(" in metric and ".threshold(" in metric
    assert source(by_id["logs"]).startswith("%%logs errors = --group /ecs/{service}\n")
    assert source(by_id["checks"]).count("Check::new(") == 2
    review = source(by_id["review"])
    for heading in ["## Cause", "## What went well", "## What to improve", "## Action items"]:
        assert heading + "\n" in review, review
    assert source(nb["cells"][0]).startswith("# Checkout health\n")


def test_playbook_new_never_overwrites_a_file(first):
    before = first.read_bytes()
    done = new(first)
    assert done.returncode == 3, done
    assert "exists" in done.stderr and "never overwrites" in done.stderr, done.stderr
    assert first.read_bytes() == before
    # Without the extension too: NAME is NAME.ipynb.
    done = new(first.with_suffix(""))
    assert done.returncode == 3 and "exists" in done.stderr, done.stderr
    done = new(first.parent / "elsewhere", "--source", f"local:{first.parent / 'no-such-dir'}")
    assert done.returncode == 3 and "generate-data" in done.stderr, done.stderr
    assert not (first.parent / "elsewhere.ipynb").exists()


def test_the_new_playbook_runs_green_and_its_markdown_report_has_files_and_tables(first):
    extra = json.loads(first.read_text())
    extra["cells"].insert(-1, {"cell_type": "code", "execution_count": None, "id": "requests",
                               "metadata": {}, "outputs": [], "source": REQUESTS})
    path = first.with_name("checkout-health-requests.ipynb")
    path.write_text(json.dumps(extra, indent=1))
    OUT.mkdir(exist_ok=True)
    record_path = OUT / "first-playbook.record.ipynb"
    done, record = run_to_record(path, "-p", "service=checkout", record=record_path)
    assert done.returncode == 0, done.stderr[-4000:]
    checks = record["metadata"]["playbook"]["checks"]
    assert [c["verdict"] for c in checks] == ["pass", "pass"], checks
    logs = [q for q in record["metadata"]["playbook"]["queries"] if q["kind"] == "logs_insights"]
    assert logs and logs[0]["groups"] == ["/ecs/checkout"], logs

    report = OUT / "first-playbook" / "report.md"
    report.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([PLAYBOOK, "report", str(record_path), "-o", str(report)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    md = report.read_text()
    assert "<svg" not in md and "<table" not in md, md
    linked = re.findall(r"!\[[^\]]*\]\(report\.files/([^)]+\.svg)\)", md)
    # The metric against its baseline (a Rust chart) and the %%metrics chart.
    assert len(linked) >= 2, md
    for name in linked:
        svg = (report.parent / "report.files" / name).read_text()
        assert svg.startswith("<svg") and "viewBox" in svg, name
    # The %%logs table and the %%metrics summary as Markdown tables; counts whole.
    assert re.search(r"^\| minute \| errors \|$", md, re.M), md
    row = next(line for line in md.splitlines() if line.startswith("| ") and "RequestCount" in line)
    assert not re.search(r"\d\.0000", row) and re.search(r"\| \d+ \|", row), row
    # The review's headings are in the report, as the postmortem reads them.
    assert "#### Cause" in md and "#### Action items" in md, md


def test_a_renamed_step_is_the_same_step_in_a_comparison(first, tmp_path):
    OUT.mkdir(exist_ok=True)
    before_record = OUT / "first-playbook-before.record.ipynb"
    done, _ = run_to_record(first, record=before_record)
    assert done.returncode == 0, done.stderr[-4000:]
    nb = json.loads(first.read_text())
    for cell in nb["cells"]:
        if cell["id"] == "metric":
            cell["source"] = source(cell).replace("// CPU now vs a week ago", "// CPU against last week")
    renamed = tmp_path / first.name
    renamed.write_text(json.dumps(nb, indent=1))
    after_record = OUT / "first-playbook-after.record.ipynb"
    done, _ = run_to_record(renamed, record=after_record)
    assert done.returncode == 0, done.stderr[-4000:]
    done = subprocess.run([PLAYBOOK, "report", str(after_record), "--compare", str(before_record)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "new step" not in done.stdout and "gone" not in done.stdout, done.stdout
    assert "CPU against last week: status" in done.stdout, done.stdout
    assert "renamed from “CPU now vs a week ago”" in done.stdout, done.stdout


def test_the_new_playbook_runs_in_a_kernel_and_lsmagic_lists_the_cell_magics(tmp_path):
    path = tmp_path / "kernel-first.ipynb"
    done = new(path, "--source", f"local:{DATA}", "--service", "checkout")
    assert done.returncode == 0, done.stderr
    km, kc = start_kernel("first-playbook")
    try:
        reply, messages = execute(kc, "%lsmagic")
        assert reply["content"]["status"] == "ok", reply["content"]
        listing = "".join(m["content"].get("data", {}).get("text/plain", "") for m in messages)
        for magic in CELL_MAGICS + ["%source", "%window", "%help"]:
            line = next((l for l in listing.splitlines() if l.strip().startswith(magic + " ")), None)
            assert line and len(line.split(magic, 1)[1].strip()) > 10, (magic, listing)
        reply, messages = execute(kc, "%help %%metrics")
        shown = "".join(m["content"].get("data", {}).get("text/plain", "") for m in messages)
        assert shown.startswith("%%metrics [NAME =]"), shown
        for cell in cells(path):
            if cell["cell_type"] != "code":
                continue
            reply, messages = execute(kc, source(cell), timeout=300)
            assert reply["content"]["status"] == "ok", (cell["id"], reply["content"])
            if cell["id"] == "checks":
                shown = json.dumps([m["content"] for m in messages])
                assert "peak CPU is under target" in shown and "FAIL" not in shown, shown
        reply, messages = execute(kc, "%queries")
        shown = "".join(m["content"].get("data", {}).get("text/plain", "") for m in messages)
        # The %%logs cell found /ecs/{service}: set_parameter gave the kernel's session `service`.
        assert re.search(r"logs_insights \S+ \[ok\] filter level", shown), shown
    finally:
        stop_kernel(km, kc)
