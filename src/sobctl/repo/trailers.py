"""Commit messages of the audit trail: a readable subject, the reason, and ``Sob-*`` trailers.

Every value is reduced to one line of printable text before it goes into the message, so
no reason or decision text can end the trailer block early or add a trailer of its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

TRAILER_PREFIX = "Sob-"
_KEY_RE = re.compile(r"^Sob-[A-Z][A-Za-z]*(?:-[A-Z][A-Za-z]*)*$")
_TRAILER_LINE_RE = re.compile(r"^(Sob-[A-Za-z-]+): (.*)$")


def one_line(text: str, limit: int = 500) -> str:
    """Collapse any text to one printable line: control characters and line breaks become spaces."""
    cleaned = "".join(" " if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch for ch in text)
    cleaned = " ".join(cleaned.split())
    return cleaned[:limit]


def build_message(subject: str, trailers: Sequence[tuple[str, str]], reason: str | None = None) -> str:
    """The full commit message. Empty trailer values are left out."""
    lines = [one_line(subject, 200) or "sobctl change", ""]
    if reason and one_line(reason):
        lines += [f"Reason: {one_line(reason, 2000)}", ""]
    for key, value in trailers:
        if not _KEY_RE.match(key):
            raise ValueError(f"not a sobctl trailer key: {key!r}")
        value = one_line(value)
        if value:
            lines.append(f"{key}: {value}")
    return "\n".join(lines) + "\n"


def parse_trailers(message: str) -> list[tuple[str, str]]:
    """The ``Sob-*`` trailers of a message's last paragraph, in order."""
    paragraphs = [p for p in message.strip().split("\n\n") if p.strip()]
    if len(paragraphs) < 2:
        return []
    found: list[tuple[str, str]] = []
    for line in paragraphs[-1].splitlines():
        match = _TRAILER_LINE_RE.match(line)
        if match:
            found.append((match.group(1), match.group(2)))
    return found


def reason_of(message: str) -> str | None:
    for line in message.splitlines():
        if line.startswith("Reason: "):
            return line.removeprefix("Reason: ")
    return None


def trailer_dict(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for key, value in pairs:
        result.setdefault(key, []).append(value)
    return result
