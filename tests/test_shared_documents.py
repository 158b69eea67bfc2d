"""A report is opened by someone else: what a record holds is shown, never obeyed.

Regression tests, each named after what it guards: a cell's HTML or SVG output with script
in it reaches `playbook report` cleaned and under a Content-Security-Policy; a check name
or a parameter with terminal control characters (ESC, CR, BEL) or bidi controls (U+202E)
can neither redraw the terminal of `playbook run` nor reorder what a reader of the report
sees. The XSS corpus in Chromium is tests/test_browser.py's
(`test_no_vector_of_the_xss_corpus_runs_in_a_shared_document`).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import notebook
from support import PLAYBOOK

CSP = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\" />"


def playbook(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([PLAYBOOK, *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


HOSTILE_HTML = ('<p>kept <b>bold</b></p><script>alert(1)</script><img src=x onerror=alert(2)>'
                '<iframe src=\\"javascript:alert(3)\\"></iframe><a href=\\"javascript:alert(4)\\">link</a>')
HOSTILE_SVG = ('<svg xmlns=\\"http://www.w3.org/2000/svg\\" viewBox=\\"0 0 10 10\\" onload=\\"alert(5)\\">'
               '<circle r=\\"4\\" fill=\\"#c00\\"/><script>alert(6)</script>'
               '<foreignObject><img src=x onerror=alert(7)></foreignObject></svg>')


def test_a_cells_script_never_reaches_the_report(tmp_path):
    nb = notebook(
        tmp_path / "hostile.ipynb",
        f'// hostile html\ndisplay(&Html("{HOSTILE_HTML}".into()))?;',
        f'// hostile svg\ndisplay(&Svg("{HOSTILE_SVG}".into()))?;',
    )
    record = tmp_path / "hostile.record.ipynb"
    done = playbook("run", str(nb), "-o", str(record))
    assert done.returncode == 0, done.stderr[-3000:]
    outputs = json.dumps(json.loads(record.read_text())["cells"])
    assert "<script>alert(1)</script>" in outputs, "the record keeps the output as the cell wrote it"

    html = tmp_path / "report.html"
    done = playbook("report", str(record), "--format", "html", "-o", str(html))
    assert done.returncode == 0, done.stderr
    page = html.read_text()
    assert CSP in page.split("</head>")[0], "a miss still runs nothing"
    assert "<p>kept <b>bold</b></p>" in page and "<circle r=\"4\" fill=\"#c00\"></circle>" in page
    assert "viewBox=\"0 0 10 10\"" in page, "SVG keeps its camel-case attributes"
    for gone in ("<script", "onerror", "onload", "javascript:", "<iframe", "foreignObject", "alert("):
        assert gone not in page, f"{gone} reached the HTML report"

    md = tmp_path / "report.md"
    done = playbook("report", str(record), "-o", str(md))
    assert done.returncode == 0, done.stderr
    files = [md.read_text()] + [p.read_text() for p in (tmp_path / "report.files").glob("*.svg")]
    assert len(files) == 2, "the SVG output is written beside the Markdown report"
    assert files[1].startswith("<svg xmlns=\"http://www.w3.org/2000/svg\"")
    for text in files:
        for gone in ("<script", "onerror", "onload", "javascript:", "<iframe", "alert("):
            assert gone not in text, f"{gone} reached the Markdown report or its chart"


# A check's name that clears the screen, returns to the start of the line and forges a PASS,
# and one whose right-to-left override turns "LIAF" into "FAIL" on screen; a step name and a
# parameter with the same characters.
SPOOF_CHECK = 'latency\\u{1b}[2J\\rcheck PASS: forged\\u{7}'
BIDI_CHECK = 'x\\u{202e} LIAF'
STEP = "// step \x1b[31mred"  # rustc refuses a raw bidi control even in a comment


def test_a_name_can_neither_redraw_the_terminal_nor_reorder_a_verdict(tmp_path):
    nb = notebook(
        tmp_path / "spoof.ipynb",
        f'{STEP}\nCheck::new("{SPOOF_CHECK}").expect_below(2.0, 1.0)',
        f'Check::new("{BIDI_CHECK}").expect_below(0.0, 1.0)',
        parameters='let label = "plain";',
    )
    record, summary = tmp_path / "spoof.record.ipynb", tmp_path / "summary.json"
    done = playbook("run", str(nb), "-o", str(record), "--summary", str(summary),
                    "-p", "label=a\u202eb\x1bc")
    assert done.returncode == 2, done.stderr[-3000:]
    stderr = done.stderr
    for raw in ("\x1b", "\r", "\x07", "\u202e"):
        assert raw not in stderr, f"{raw!r} reached the terminal:\n{stderr}"
    assert "check FAIL: latency\\u{1b}[2J\\u{d}check PASS: forged\\u{7}" in stderr, stderr
    assert "check PASS: x\\u{202e} LIAF" in stderr, stderr
    assert "step \\u{1b}[31mred" in stderr, stderr
    # The data keeps what the cell said: only what people see is escaped.
    names = [c["name"] for c in json.loads(summary.read_text())["checks"]]
    assert "x\u202e LIAF" in names and "latency\x1b[2J\rcheck PASS: forged\x07" in names

    html, md = tmp_path / "report.html", tmp_path / "report.md"
    for path, fmt in ((html, "html"), (md, "md")):
        done = playbook("report", str(record), "--format", fmt, "-o", str(path))
        assert done.returncode == 0, done.stderr
        text = path.read_text()
        for raw in ("\x1b", "\r", "\x07", "\u202e"):
            assert raw not in text, f"{raw!r} reached the {fmt} report"
        assert "x\\u{202e} LIAF" in text and "a\\u{202e}b\\u{1b}c" in text, fmt
