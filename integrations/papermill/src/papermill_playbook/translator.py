"""papermill's parameter translator for playbook notebooks (kernel `playbook`, language
`rust`): the injected cell is typed Rust `let` statements written by `playbook run`'s
rules (`declarations.py`, `literals.py`, `values.py`), and `papermill --help-notebook`
lists the `parameters` cell.

papermill hands a translator only the values (`codify(parameters, comment)`), but the
rules need the notebook's declared types: `let threshold_ms: f64` takes `-p threshold_ms
200` as `200.0f64`, `let service: String` takes `-p service 123` as `"123"`. The notebook
being parameterized is read from the frame of papermill's own `parameterize_notebook`,
which calls the translator; when the translator is called some other way (no such frame),
types follow the values (`values.inferred_type`). tests/test_papermill.py runs the real
papermill, so a papermill that stopped calling the translator from there fails a test.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from papermill.exceptions import PapermillException
from papermill.models import Parameter
from papermill.translators import Translator

from .declarations import Declared, declarations, default_value, looks_secret, whole_defaults
from .literals import (
    DATETIME_TYPES,
    FLOAT,
    INTEGER,
    JSON_TYPES,
    ParameterError,
    literal,
    rust_string,
    rust_trim,
)
from .values import inferred_type, raw_text

logger = logging.getLogger("papermill")

# The engine (papermill_playbook.engine) that runs notebooks with `playbook run`: a secret
# parameter is then read from the run's session, so its value is in no cell.
PLAYBOOK_ENGINE = "playbook"


class ParameterRefused(PapermillException):
    """A parameter `playbook run` would refuse: unknown, None, or a value its declared type
    cannot take. Raised before anything runs, with playbook's message."""


def rust_type(ty: str) -> str:
    """The type as an injected cell writes it (chrono and serde_json through the
    library's re-exports)."""
    if ty in DATETIME_TYPES:
        return "playbook::chrono::DateTime<playbook::chrono::Utc>"
    if ty in JSON_TYPES:
        return "playbook::serde_json::Value"
    return ty


def literal_line(name: str, ty: str, code: str) -> str:
    if ty.startswith("{"):  # untyped, like the declaration: Rust infers the type
        return f"let {name} = {code};"
    if ty in DATETIME_TYPES:
        code = code.replace(ty, rust_type(ty))
    return f"let {name}: {rust_type(ty)} = {code};"


def secret_line(name: str, ty: str) -> str:
    """A secret parameter read from the run's session: valid Rust of the declared type
    whose text holds no value."""
    def read(t: str) -> str:
        return f"playbook::parameter::<{t}>({rust_string(name)})?"

    if ty == INTEGER:
        shown, value = "i64", read("i64")
    elif ty == FLOAT:
        shown, value = "f64", read("f64")
    elif "&" in ty:
        shown, value = "&str", read("String") + ".leak()"
    else:
        shown, value = rust_type(ty), read(rust_type(ty))
    return f"let {name}: {shown} = {value}; // a secret parameter: read at run time, never recorded"


def parameters_cell_source(nb: Any) -> str | None:
    """The source of the notebook's first cell tagged `parameters`, if any."""
    for cell in nb.get("cells", []):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            return "".join(source) if isinstance(source, list) else source
    return None


def declared_in(nb: Any) -> list[Declared]:
    source = parameters_cell_source(nb)
    return declarations(source) if source is not None else []


def being_parameterized() -> tuple[Any, str | None] | None:
    """(notebook, engine name) of the papermill `parameterize_notebook` call this
    translator runs under, or None."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "parameterize_notebook" and \
                frame.f_globals.get("__name__") == "papermill.parameterize":
            return frame.f_locals.get("nb"), frame.f_locals.get("engine_name")
        frame = frame.f_back
    return None


def injected_lines(parameters: dict[str, Any], declared: list[Declared] | None,
                   secrets_from_session: bool) -> list[str]:
    """One `let` line per parameter. `declared`: the notebook's declarations (None when
    the notebook is not known: types then follow the values). Raises ParameterError."""
    by_name = {d.name: d for d in declared} if declared is not None else None
    lines = []
    for name, value in parameters.items():
        if by_name is None:
            ty = inferred_type(value)
        elif name in by_name:
            ty = by_name[name].ty
        else:
            names = ", ".join(by_name) or "nothing (no cell tagged `parameters`)"
            raise ParameterError(f"unknown parameter `{name}`: the parameters cell declares {names}")
        code, _ = literal(ty, rust_trim(raw_text(name, value)), name)
        if looks_secret(name) and secrets_from_session:
            lines.append(secret_line(name, ty))
        else:
            lines.append(literal_line(name, ty, code))
    return lines


class RustTranslator(Translator):
    """Parameters as typed Rust `let` statements, by `playbook run`'s rules."""

    @classmethod
    def comment(cls, cmt_str: str) -> str:
        return f"// {cmt_str}".strip()

    @classmethod
    def codify(cls, parameters: dict[str, Any], comment: str = "Parameters") -> str:
        context = being_parameterized()
        declared = declared_in(context[0]) if context and context[0] is not None else None
        under_playbook = bool(context) and context[1] == PLAYBOOK_ENGINE
        if not under_playbook:
            for name in filter(looks_secret, parameters):
                logger.warning(
                    "parameter `%s` looks secret: papermill writes its value into the output notebook; "
                    "`--engine playbook` reads it at run time and keeps it out", name)
        try:
            lines = injected_lines(parameters, declared, secrets_from_session=under_playbook)
        except ParameterError as why:
            raise ParameterRefused(str(why)) from None
        return "\n".join([cls.comment(comment), *lines]) + "\n"

    @classmethod
    def translate(cls, val: Any) -> str:
        """A value as a Rust expression of the type it suggests (papermill's generic
        entry point; `codify` follows the notebook's declared types)."""
        try:
            return literal(inferred_type(val), rust_trim(raw_text("value", val)), "value")[0]
        except ParameterError as why:
            raise ParameterRefused(str(why)) from None

    @classmethod
    def assign(cls, name: str, str_val: str) -> str:
        return f"let {name} = {str_val};"

    @classmethod
    def inspect(cls, parameters_cell: Any) -> list[Parameter]:
        """The `parameters` cell's declarations: name, declared type (an untyped one as
        rustc names its literal: `{integer}`, `{float}`, `&str`, `bool`), the default (as
        data when it is a literal, else as written) and the line's `// comment`."""
        source = parameters_cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        found = []
        whole = whole_defaults(source)
        for d in declarations(source):
            written = whole.get(d.name, d.default)
            value = default_value(written)
            shown = written if value is None else json.dumps(value, ensure_ascii=False)
            found.append(Parameter(name=d.name, inferred_type_name=d.ty, default=shown, help=d.help))
        return found

