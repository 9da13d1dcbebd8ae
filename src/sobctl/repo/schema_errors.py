"""Schema errors in words an administrator understands: what the field wants and what the file has.

pydantic says "Input should be a valid string"; a person editing YAML needs "name: expected
text, found a list". Only files that fail validation come here, so none of this costs the
read path anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sobctl.model.ids import unquoted_version_message

_DATE = "a date YYYY-MM-DD"
EXPECTED: dict[str, str] = {
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping of keys",
    "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys",
    "bool_type": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": f"{_DATE} without a time",
}
#: Errors whose own message is clear but does not say what the file holds.
_ADD_FOUND = frozenset({"enum", "string_pattern_mismatch", "literal_error"})


def found(value: Any) -> str:
    """A short description of a value read from YAML."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "…"
        return f"the text '{shown}'" if value else "empty text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, dt.datetime):
        return f"the date and time {value.isoformat()}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    return f"a {type(value).__name__}"


def schema_message(error: Any, where: str, text: str) -> str:
    """The message of one pydantic error (not 'missing' or 'extra_forbidden'), located at ``where``.

    ``text`` is the file's text: an unquoted version is quoted back as the file spells it.
    """
    kind = error["type"]
    value = error.get("input")
    message = str(error["msg"]).removeprefix("Value error, ")
    if isinstance(value, float) and message.startswith("version "):
        from sobctl.repo.yamlio import scalar_source

        source = scalar_source(text, tuple(error["loc"]))  # the file says 1.10 where YAML read 1.1
        return f"{where}: {unquoted_version_message(source) if source else message}"
    if kind in EXPECTED:
        return f"{where}: expected {EXPECTED[kind]}, found {found(value)}"
    if kind in _ADD_FOUND:
        return f"{where}: {message}; found {found(value)}"
    return f"{where}: {message}"

