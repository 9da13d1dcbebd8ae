"""Schema errors in words an administrator understands: what the field wants and what the file has.

pydantic says "Input should be a valid string"; a person editing YAML needs "name: expected
text, found a list". Only files that fail validation come here, so none of this costs the
read path anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sobctl.i18n import N_, _, ngettext
from sobctl.model.ids import unquoted_version_message

_DATE = N_("a date YYYY-MM-DD")
#: What each kind of pydantic error expected, in words (translated when used).
EXPECTED: dict[str, str] = {
    "string_type": N_("text"),
    "list_type": N_("a list"),
    "dict_type": N_("a mapping of keys"),
    "model_type": N_("a mapping of keys"),
    "model_attributes_type": N_("a mapping of keys"),
    "bool_type": N_("true or false"),
    "int_type": N_("a whole number"),
    "int_parsing": N_("a whole number"),
    "int_from_float": N_("a whole number"),
    "float_type": N_("a number"),
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": N_("a date YYYY-MM-DD without a time"),
}
#: Errors whose own message is clear but does not say what the file holds.
_ADD_FOUND = frozenset({"enum", "string_pattern_mismatch", "literal_error"})


def found(value: Any) -> str:
    """A short description of a value read from YAML."""
    if value is None:
        return _("an empty value")
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return _("the number {number}").format(number=repr(value))
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "…"
        return _("the text '{text}'").format(text=shown) if value else _("empty text")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("a mapping")
    if isinstance(value, dt.datetime):
        return _("the date and time {value}").format(value=value.isoformat())
    if isinstance(value, dt.date):
        return _("the date {value}").format(value=value.isoformat())
    return _("a value of type {type}").format(type=type(value).__name__)


def _pydantic_message(kind: str, ctx: dict[str, Any], message: str) -> str:
    """pydantic's own message of the common kinds, in the current language (the English is pydantic's)."""
    try:
        if kind in ("enum", "literal_error"):
            first, _or, last = str(ctx["expected"]).rpartition(" or ")
            expected = _("{first} or {second}").format(first=first, second=last) if first else last
            return _("Input should be {expected}").format(expected=expected)
        if kind == "string_pattern_mismatch":
            return _("String should match pattern '{pattern}'").format(pattern=ctx["pattern"])
        if kind == "string_too_short":
            n = int(ctx["min_length"])
            return ngettext("String should have at least {n} character", "String should have at least {n} characters",
                            n).format(n=n)
        if kind == "string_too_long":
            n = int(ctx["max_length"])
            return ngettext("String should have at most {n} character", "String should have at most {n} characters",
                            n).format(n=n)
        if kind == "greater_than_equal":
            return _("Input should be greater than or equal to {limit}").format(limit=ctx["ge"])
        if kind == "less_than_equal":
            return _("Input should be less than or equal to {limit}").format(limit=ctx["le"])
        if kind == "greater_than":
            return _("Input should be greater than {limit}").format(limit=ctx["gt"])
        if kind == "less_than":
            return _("Input should be less than {limit}").format(limit=ctx["lt"])
    except (KeyError, TypeError, ValueError):
        pass
    return message


def schema_message(error: Any, where: str, text: str) -> str:
    """The message of one pydantic error (not 'missing' or 'extra_forbidden'), located at ``where``.

    ``text`` is the file's text: an unquoted version is quoted back as the file spells it.
    """
    kind = error["type"]
    value = error.get("input")
    message = _pydantic_message(kind, error.get("ctx") or {}, str(error["msg"]).removeprefix("Value error, "))
    if isinstance(value, float) and message == unquoted_version_message(str(value)):
        from sobctl.repo.yamlio import scalar_source

        source = scalar_source(text, tuple(error["loc"]))  # the file says 1.10 where YAML read 1.1
        return f"{where}: {unquoted_version_message(source) if source else message}"
    if kind in EXPECTED:
        return _("{where}: expected {expected}, found {found}").format(
            where=where, expected=_(EXPECTED[kind]), found=found(value)
        )
    if kind in _ADD_FOUND:
        return _("{where}: {message}; found {found}").format(where=where, message=message, found=found(value))
    return f"{where}: {message}"

