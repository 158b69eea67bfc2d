"""`playbook report`: Markdown and HTML summaries of a record, as golden snapshots.

Regenerate the snapshots after an intended change with UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import os
import subprocess
import xml.dom.minidom
from pathlib import Path

import pytest

from conftest import OUT

GOLDEN = Path(__file__).parent / "golden"
RECORD = GOLDEN / "getting-started.record.ipynb"
PLAYBOOK = os.environ.get("PLAYBOOK_BIN", "playbook")


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_report_matches_the_golden_snapshot(fmt):
    OUT.mkdir(exist_ok=True)
    output = OUT / f"report.{fmt}"
    done = subprocess.run([PLAYBOOK, "report", str(RECORD), "--format", fmt, "-o", str(output)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    golden = GOLDEN / f"getting-started.report.{fmt}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(output.read_text())
    assert output.read_text() == golden.read_text()


def test_html_report_is_well_formed_and_self_contained():
    html = (GOLDEN / "getting-started.report.html").read_text()
    xml.dom.minidom.parseString(html.replace("<!DOCTYPE html>", ""))
    assert "<script" not in html and "http" not in html.split("</head>")[0]
    assert "<h2>Checks</h2>" in html and "FAIL" in html and "payments" in html


def test_report_to_stdout_defaults_to_markdown():
    done = subprocess.run([PLAYBOOK, "report", str(RECORD)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stdout.startswith("# Getting started with Playbook (Rust)\n")
    assert "| p50 latency | 118 ms | < 100 ms | **FAIL** |" in done.stdout
    assert "| 6 | Verdict | ok |" in done.stdout


def test_report_of_a_missing_record_is_a_clear_error(tmp_path):
    done = subprocess.run([PLAYBOOK, "report", str(tmp_path / "none.ipynb")], capture_output=True, text=True)
    assert done.returncode == 3
    assert "cannot read" in done.stderr and "none.ipynb" in done.stderr
