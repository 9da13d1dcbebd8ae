"""Identifiers as real types: HSA-id, organisation number, program slug, MAJOR.MINOR version.

Each parser raises ``ValueError`` with a message fit for a diagnostic; the pydantic
``Annotated`` aliases at the bottom plug them into the models.
"""

from __future__ import annotations

import re
from functools import lru_cache, total_ordering
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from sobctl.i18n import _

# [0-9], never \d: \d also matches other scripts' digits (e.g. fullwidth ５), which int() accepts.
_HSA_RE = re.compile(r"^SE(?:16)?([0-9]{10})-([A-Za-z0-9]+)$")
_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_AGREEMENT_RE = re.compile(r"^[a-z0-9]+(?:[-.][a-z0-9]+)*$")
_VERSION_RE = re.compile(r"^(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$")
HSA_MAX_LENGTH = 31


@lru_cache(maxsize=4096)
def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check used by Swedish organisation and personal numbers."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def parse_orgnr(value: object) -> str:
    """Return a Swedish organisation number as ten digits, or raise ``ValueError``."""
    if not isinstance(value, str):
        raise ValueError(_("organisation number must be a quoted string such as '232100-0016'"))
    compact = value.replace("-", "").replace(" ", "")
    if not re.fullmatch(r"[0-9]{10}", compact):  # ASCII digits only: \d would take ５ too
        raise ValueError(_("'{value}' is not an organisation number (10 digits, e.g. 232100-0016)").format(value=value))
    if not luhn_ok(compact):  # ten digits and the Luhn check: all python-stdnum's orgnr checks (tested against it)
        raise ValueError(_("organisation number '{value}' fails the Luhn check").format(value=value))
    return compact


_VALID_HSA_IDS: dict[str, str] = {}
"""HSA-ids already found valid, each kept once: a national repository repeats some 40,000 ids
~500,000 times, and every model then shares one string per id."""


def parse_hsa_id(value: object) -> str:
    """Validate an HSA-id: ``SE`` + [16] + a Luhn-valid organisation number + ``-`` + local part."""
    if value.__class__ is str:
        known = _VALID_HSA_IDS.get(value)
        if known is not None:
            return known
    if not isinstance(value, str):
        raise ValueError(_("HSA-id must be a string such as SE2321000016-A2G8"))
    if len(value) > HSA_MAX_LENGTH:
        raise ValueError(
            _("HSA-id '{value}' is longer than {limit} characters").format(value=value, limit=HSA_MAX_LENGTH)
        )
    match = _HSA_RE.fullmatch(value)
    if match is None:
        raise ValueError(
            _(
                "'{value}' is not an HSA-id (SE + organisation number + '-' + letters/digits, e.g. SE2321000016-A2G8)"
            ).format(value=value)
        )
    if not luhn_ok(match.group(1)):
        raise ValueError(
            _("HSA-id '{value}': organisation number {number} fails the Luhn check").format(
                value=value, number=match.group(1)
            )
        )
    if len(_VALID_HSA_IDS) < 1_000_000:
        _VALID_HSA_IDS[value] = value
    return value


_VALID_SLUGS: dict[str, str] = {}


def parse_slug(value: object) -> str:
    """A program id: lower-case letters and digits in words joined by single hyphens."""
    if value.__class__ is str:
        known = _VALID_SLUGS.get(value)
        if known is not None:
            return known
    if not isinstance(value, str) or not _SLUG_RE.fullmatch(value) or len(value) > 64:
        raise ValueError(
            _(
                "'{value}' is not a program id (lower-case letters, digits and single hyphens, e.g. kbt-depression)"
            ).format(value=value)
        )
    if len(_VALID_SLUGS) < 1_000_000:
        _VALID_SLUGS[value] = value
    return value


def parse_agreement_id(value: object) -> str:
    """An agreement id: lower-case letters and digits joined by hyphens or dots."""
    if not isinstance(value, str) or not _AGREEMENT_RE.fullmatch(value) or len(value) > 64:
        raise ValueError(
            _(
                "'{value}' is not an agreement id (lower-case letters, digits, '-' and '.', "
                "e.g. avtal-2024-kbtforlaget)"
            ).format(value=value)
        )
    return value


def unquoted_version_message(written: str) -> str:
    """Why an unquoted version is refused, with the quoted form to write instead."""
    return _(
        "version {written} must be quoted: YAML reads an unquoted version as a number (1.10 becomes 1.1); "
        'write "{written}"'
    ).format(written=written)


@total_ordering
class Version:
    """A program version MAJOR.MINOR, ordered numerically (1.10 > 1.9)."""

    __slots__ = ("major", "minor")

    def __init__(self, major: int, minor: int) -> None:
        self.major = major
        self.minor = minor

    @classmethod
    def parse(cls, value: object) -> Version:
        if isinstance(value, Version):
            return value
        if isinstance(value, float | int) and not isinstance(value, bool):
            raise ValueError(unquoted_version_message(str(value) if isinstance(value, float) else f"{value}.0"))
        if not isinstance(value, str):
            raise ValueError(_('version must be a string MAJOR.MINOR such as "2.1"'))
        match = _VERSION_RE.fullmatch(value)
        if match is None:
            raise ValueError(_("'{value}' is not a version MAJOR.MINOR (e.g. \"2.1\")").format(value=value))
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            cls.parse,
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: Any, handler: Any) -> dict[str, Any]:
        return {
            "type": "string",
            "pattern": r"^(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$",
            "description": "version MAJOR.MINOR, quoted, e.g. \"2.1\"",
        }

    def bump(self, *, major: bool) -> Version:
        return Version(self.major + 1, 0) if major else Version(self.major, self.minor + 1)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    def __repr__(self) -> str:
        return f"Version('{self}')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and (self.major, self.minor) == (other.major, other.minor)

    def __lt__(self, other: Version) -> bool:
        return (self.major, self.minor) < (other.major, other.minor)

    def __hash__(self) -> int:
        return hash((self.major, self.minor))


def _json_string(pattern: str, description: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": pattern, "description": description})


HsaId = Annotated[
    str,
    BeforeValidator(parse_hsa_id),
    _json_string(r"^SE(16)?[0-9]{10}-[A-Za-z0-9]+$", "HSA-id, e.g. SE2321000016-A2G8"),
]
OrgNumber = Annotated[
    str,
    BeforeValidator(parse_orgnr),
    _json_string(r"^[0-9]{6}-?[0-9]{4}$", "Swedish organisation number, e.g. 232100-0016"),
]
ProgramId = Annotated[
    str,
    BeforeValidator(parse_slug),
    _json_string(r"^[a-z0-9]+(-[a-z0-9]+)*$", "program id (slug), e.g. kbt-depression"),
]
AgreementId = Annotated[
    str,
    BeforeValidator(parse_agreement_id),
    _json_string(r"^[a-z0-9]+([-.][a-z0-9]+)*$", "agreement id, e.g. avtal-2024-kbtforlaget"),
]


VersionField = Version
