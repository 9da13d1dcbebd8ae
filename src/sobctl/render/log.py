"""The audit trail as a table, JSON or CSV: generators of text chunks, so a long history streams.

JSON is a list of objects with the same keys in the same order for every entry (see
``FIELDS``); CSV is a header line and one line per entry with those columns. The table is for
people: when, who, action, objects, decision and the short commit id.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Generator, Iterable
from json.encoder import encode_basestring as _escape

from sobctl.i18n import N_
from sobctl.repo.history import MANUAL_EDIT, LogEntry

FIELDS = ("commit", "when", "action", "manual", "actor", "actor_name", "author_email", "unit", "program", "person",
          "role", "agreement", "version", "config", "decision", "subject")
_OBJECT_ORDER = ("unit", "program", "version", "person", "role", "agreement")
_HEADER = (N_("WHEN"), N_("WHO"), N_("ACTION"), N_("OBJECTS"), N_("DECISION"), N_("COMMIT"))
#: Rows per piece of streamed output.
_CHUNK = 256
#: Rows read before the table's column widths are fixed (later rows stream with those widths).
WIDTH_SAMPLE = 500
_MAX_WIDTH = {"WHO": 48, "OBJECTS": 90, "DECISION": 24}


def _json_object(e: LogEntry) -> str:
    """The entry as one JSON object with the keys of FIELDS in order (written out by hand: this is
    the hot loop of a full export, and C-level string escaping is all it needs)."""
    esc = _escape
    return (f'{{"commit": {esc(e.commit)}, "when": {esc(e.when)}, "action": {esc(e.action)}, '
            f'"manual": {"true" if e.action == MANUAL_EDIT else "false"}, '
            f'"actor": {"null" if e.actor is None else esc(e.actor)}, '
            f'"actor_name": {"null" if e.actor_name is None else esc(e.actor_name)}, '
            f'"author_email": {esc(e.author_email)}, '
            f'"unit": {"null" if e.unit is None else esc(e.unit)}, '
            f'"program": {"null" if e.program is None else esc(e.program)}, '
            f'"person": {"null" if e.person is None else esc(e.person)}, '
            f'"role": {"null" if e.role is None else esc(e.role)}, '
            f'"agreement": {"null" if e.agreement is None else esc(e.agreement)}, '
            f'"version": {"null" if e.version is None else esc(e.version)}, '
            f'"config": {"true" if e.config else "false"}, '
            f'"decision": {"null" if e.decision is None else esc(e.decision)}, '
            f'"subject": {esc(e.subject)}}}')


def render_json(entries: Iterable[LogEntry]) -> Generator[str, None, None]:
    """``[`` … ``]`` with one object per line; ``[]`` when there are no entries."""
    opening = "[\n"
    lines: list[str] = []
    for entry in entries:
        lines.append(_json_object(entry))
        if len(lines) == _CHUNK:
            yield opening + ",\n".join(lines)
            opening, lines = ",\n", []
    if lines:
        yield opening + ",\n".join(lines)
        opening = ",\n"
    yield "[]\n" if opening == "[\n" else "\n]\n"


def _csv_row(e: LogEntry) -> tuple[str | None, ...]:
    """The entry's CSV cells in the order of FIELDS (the csv module writes None as an empty cell)."""
    return (e.commit, e.when, e.action, "true" if e.action == MANUAL_EDIT else "false", e.actor, e.actor_name,
            e.author_email, e.unit, e.program, e.person, e.role, e.agreement, e.version,
            "true" if e.config else "false", e.decision, e.subject)


def render_csv(entries: Iterable[LogEntry]) -> Generator[str, None, None]:
    """A header line, then one line per entry; booleans as true/false, missing values empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIELDS)
    rows: list[tuple[str | None, ...]] = []
    for entry in entries:
        rows.append(_csv_row(entry))
        if len(rows) == _CHUNK:
            writer.writerows(rows)
            rows.clear()
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    writer.writerows(rows)
    yield buffer.getvalue()


def _who(entry: LogEntry) -> str:
    if entry.manual:
        return entry.author_email  # the git author: JSON and CSV add the person it belongs to, if known
    actor = entry.actor or "?"
    return f"{actor} ({entry.actor_name})" if entry.actor_name else actor


def _some(values: list[str]) -> str:
    return ",".join(values) if len(values) <= 2 else f"{values[0]},{values[1]} +{len(values) - 2}"


def _objects(entry: LogEntry) -> str:
    parts = [f"{kind}={_some(values)}" for kind in _OBJECT_ORDER if (values := entry.values(kind))]
    if entry.config:
        parts.append("sobctl.yaml")
    return " ".join(parts)


def _cells(entry: LogEntry) -> tuple[str, ...]:
    return (entry.when[:16].replace("T", " "), _who(entry), entry.action, _objects(entry), entry.decision or "",
            entry.commit[:12])


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(entries: Iterable[LogEntry]) -> Generator[str, None, None]:
    """Aligned columns, newest first; nothing at all when there are no entries."""
    iterator = iter(entries)
    sample: list[tuple[str, ...]] = []
    for entry in iterator:
        sample.append(_cells(entry))
        if len(sample) >= WIDTH_SAMPLE:
            break
    if not sample:
        return
    from sobctl.i18n import _

    header = tuple(_(label) for label in _HEADER)
    widths = [min(max(len(row[i]) for row in (*sample, header)), _MAX_WIDTH.get(_HEADER[i], 1000))
              for i in range(len(_HEADER))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(_fit(cell, widths[i]).ljust(widths[i]) for i, cell in enumerate(row)).rstrip() + "\n"

    yield line(header)
    yield "".join(line(row) for row in sample)
    for entry in iterator:
        yield line(_cells(entry))


RENDERERS: dict[str, Callable[[Iterable[LogEntry]], Generator[str, None, None]]] = {
    "table": render_table,
    "json": render_json,
    "csv": render_csv,
}
