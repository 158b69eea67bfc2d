"""`jupyter nbconvert --to playbook` (integrations/papermill's exporter, entry point
`nbconvert.exporters`), driven through the real `jupyter nbconvert`: the document is the
one `playbook report` writes for the same record, HTML or Markdown (its charts beside it,
under the name nbconvert gives the document).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import PLAYBOOK

GOLDEN = Path(__file__).parent / "golden"
# A record with charts (Markdown writes them as files) and one whose check failed.
RECORDS = ["latency-spike", "post-deploy-bad"]


def nbconvert(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("jupyter-nbconvert")
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, timeout=300, cwd=cwd,
                          stdin=subprocess.DEVNULL)


def report(record: Path, fmt: str, output: Path) -> None:
    done = subprocess.run([PLAYBOOK, "report", str(record), "--format", fmt, "-o", str(output)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def files_under(d: Path) -> dict[str, bytes]:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", ["html", "md"])
@pytest.mark.parametrize("name", RECORDS)
def test_nbconvert_to_playbook_writes_the_document_playbook_report_writes(tmp_path, name, fmt):
    """The same bytes as `playbook report RECORD --format FMT -o NAME.FMT`, and for
    Markdown the same chart files in NAME.files/ (the links resolve beside it)."""
    ours, theirs = tmp_path / "nbconvert", tmp_path / "report"
    ours.mkdir()
    theirs.mkdir()
    record = ours / "record.ipynb"
    shutil.copyfile(GOLDEN / f"{name}.record.ipynb", record)
    args = ["--to", "playbook", record.name]
    if fmt == "md":
        args.insert(2, "--PlaybookExporter.format=md")
    done = nbconvert(*args, cwd=ours)
    assert done.returncode == 0, done.stderr[-3000:]
    record.unlink()
    shutil.copyfile(GOLDEN / f"{name}.record.ipynb", theirs / "record.ipynb")
    report(theirs / "record.ipynb", fmt, theirs / f"record.{fmt}")
    (theirs / "record.ipynb").unlink()
    written, expected = files_under(ours), files_under(theirs)
    assert sorted(written) == sorted(expected)
    assert written == expected
    if fmt == "md":
        assert any(path.startswith("record.files/") for path in written), sorted(written)
    else:
        assert written["record.html"].startswith(b"<!DOCTYPE html>")


def test_markdown_charts_follow_the_output_name(tmp_path):
    """`--output NAME` renames the document: its charts go to NAME.files/ and every link
    in NAME.md resolves there, as `playbook report -o NAME.md` writes them."""
    shutil.copyfile(GOLDEN / "latency-spike.record.ipynb", tmp_path / "record.ipynb")
    done = nbconvert("--to", "playbook", "--PlaybookExporter.format=md", "--output", "incident-42", "record.ipynb",
                     cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    markdown = (tmp_path / "incident-42.md").read_text()
    links = re.findall(r"\]\((incident-42\.files/[^)]+)\)", markdown)
    assert links, markdown[:2000]
    assert all((tmp_path / link).is_file() for link in links), links
    assert not (tmp_path / "record.files").exists()
