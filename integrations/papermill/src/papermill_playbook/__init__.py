"""papermill and nbconvert for playbook notebooks (`papermill-playbook`).

- A parameter translator for kernel `playbook` (and language `rust`): parameters become
  typed Rust `let` statements by `playbook run`'s rules (`translator.py`; `declarations.py`,
  `literals.py`, `values.py`);
  `papermill --help-notebook` lists the `parameters` cell.
- An engine, `papermill --engine playbook`, that runs the notebook with `playbook run`
  (`engine.py`).
- An nbconvert exporter, `jupyter nbconvert --to playbook`, that writes the document
  `playbook report` writes (`exporter.py`).

papermill has no entry point for translators: the translator is registered when this
package is imported, which papermill does whenever it loads its engines (the entry point
`papermill.engine` names `papermill_playbook.engine`), that is on any use of papermill.
"""

from __future__ import annotations

from papermill.translators import papermill_translators

from .translator import RustTranslator

__version__ = "0.1.0"

KERNEL_NAME = "playbook"
LANGUAGE = "rust"


def register() -> None:
    """Registers the translator for the `playbook` kernel and the `rust` language (it does
    no harm to call it twice)."""
    papermill_translators.register(KERNEL_NAME, RustTranslator)
    papermill_translators.register(LANGUAGE, RustTranslator)


register()

__all__ = ["RustTranslator", "register", "__version__"]
