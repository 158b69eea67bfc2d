"""`jupyter nbconvert --to playbook RECORD.ipynb`: the document `playbook report` writes,
through nbconvert (entry point `nbconvert.exporters`), so that tools which already call
nbconvert get the story-first report. HTML by default (one self-contained file);
Markdown with `--PlaybookExporter.format=md`, its charts as SVG files in NAME.files/
beside it, as `playbook report -o NAME.md` writes them. The exporter runs the `playbook`
binary (`--PlaybookExporter.playbook_bin`, else $PLAYBOOK_BIN, the `playbook`
kernelspec's, or PATH) on the notebook as nbconvert passes it (after any preprocessor,
`--execute` included), so the document is the one `playbook report` writes for the same
record. When `playbook report` fails, the conversion fails with its exit code and
message."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

import nbformat
from nbconvert.exporters import Exporter
from traitlets import Enum, Unicode, default, observe

from .binary import exit_meaning, playbook_binary

# A ceiling for one `playbook report` (it reads one record), not a performance target.
REPORT_TIMEOUT = 300

MIMETYPES = {"html": "text/html", "md": "text/markdown"}


class PlaybookReportError(RuntimeError):
    """`playbook report` refused the notebook or failed; its exit code and message."""

    def __init__(self, exit_code: int, message: str) -> None:
        self.exit_code = exit_code
        super().__init__(message)


class PlaybookExporter(Exporter):
    """A playbook record as `playbook report` writes it: HTML or Markdown."""

    export_from_notebook = "Playbook report"
    output_mimetype = "text/html"

    format = Enum(["html", "md"], default_value="html",
                  help="The report's format: html (one self-contained file) or md (Markdown, "
                       "charts as SVG files beside it).").tag(config=True)
    playbook_bin = Unicode("", help="The playbook binary (default: $PLAYBOOK_BIN, the `playbook` "
                                    "kernelspec's, or playbook on PATH).").tag(config=True)

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return f".{self.format}"

    @observe("format")
    def _format_changed(self, change: Any) -> None:
        self.file_extension = f".{change['new']}"
        self.output_mimetype = MIMETYPES[change["new"]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.file_extension = f".{self.format}"
        self.output_mimetype = MIMETYPES[self.format]

    def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> tuple[str, Any]:
        nb_copy, resources = super().from_notebook_node(nb, resources, **kw)
        record_name = resources.get("metadata", {}).get("name") or "record"
        output_name = resources.get("unique_key") or record_name
        with tempfile.TemporaryDirectory(prefix="nbconvert-playbook-") as work:
            record = Path(work) / f"{record_name}.ipynb"
            nbformat.write(nb_copy, str(record))
            out_dir = Path(work) / "out"
            out_dir.mkdir()
            output = out_dir / f"{output_name}.{self.format}"
            self._report(record, output)
            text = output.read_text(encoding="utf-8")
            outputs = resources.setdefault("outputs", {})
            for path in sorted(out_dir.rglob("*")):
                if path.is_file() and path != output:
                    outputs[path.relative_to(out_dir).as_posix()] = path.read_bytes()
        resources["output_extension"] = self.file_extension
        return text, resources

    def _report(self, record: Path, output: Path) -> None:
        argv = [playbook_binary(self.playbook_bin or None), "report", str(record),
                "--format", self.format, "-o", str(output)]
        done = subprocess.run(argv, capture_output=True, text=True, errors="replace", stdin=subprocess.DEVNULL,
                              timeout=REPORT_TIMEOUT)
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip()
            raise PlaybookReportError(
                done.returncode,
                f"playbook report exited {done.returncode} ({exit_meaning(done.returncode)}): {said}")
