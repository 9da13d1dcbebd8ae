"""The audit trail read back from Git history: one entry per act, newest first.

One ``git log`` process streams every commit as a small record (commit id, commit date,
author e-mail, subject and the trailers git itself parses); entries are made only for the
commits that pass the filters, so the first page of a 100,000-act history costs a few
dozen records. A commit with a ``Sob-Action`` trailer is an act. A commit without one is a
manual edit when it changed the region's content; which paths it changed is asked of one
``git diff-tree --stdin`` per batch of such commits (they are few), because a per-commit
diff in ``git log`` would cost every act a tree comparison. A merge counts only for what it
changed itself (a hand-resolved conflict, an edit slipped in); a clean merge is no row.

Filters are pushed into git where that cannot lose a row: dates as ``--since-as-filter`` and
``--until`` with a day of margin (the exact day is compared on the commit's own date; plain
``--since`` would stop the walk at the first older commit and miss any behind it), and, when
manual edits are excluded by ``--action``, the filter values as fixed strings that any
matching message must contain. Every entry is then checked exactly against its parsed
trailers, so a reason that mentions ``Sob-Unit: X`` in the body never matches ``--unit X``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sobctl.repo import git

MANUAL_EDIT = "manual-edit"
#: Between the values of one kind of object when a row has several.
SEPARATOR = ", "
#: The paths whose change is a change of the region's content.
CONTENT_PATHS = ("sobctl.yaml", "catalogue", "units", "roles", "agreements")
_OBJECT_FOLDERS = {"units": "unit", "catalogue": "program", "roles": "person", "agreements": "agreement"}
_OBJECT_TRAILERS = ("Sob-Unit", "Sob-Program", "Sob-Person", "Sob-Role", "Sob-Agreement", "Sob-Version")
#: A ``Sob-*`` trailer in git's ``%(trailers:only,unfold,separator=%x1f)`` output.
_SOB_PAIR = re.compile(r"(?:^|\x1f)(Sob-[A-Za-z-]+): ([^\x1f]*)")
_FORMAT = "--format=%x1e%H%x00%cI%x00%ae%x00%s%x00%(trailers:only,unfold,separator=%x1f)"
_RECORD_START = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?\x00")
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_FIRST_BATCH, _LAST_BATCH = 64, 4096
# The earliest and latest UTC offsets a commit date can carry: a calendar day in any of them
# lies within [day 00:00 at +14:00, day 23:59:59 at -12:00].
_EAST, _WEST = dt.timezone(dt.timedelta(hours=14)), dt.timezone(dt.timedelta(hours=-12))


@dataclass(frozen=True, slots=True)
class LogQuery:
    """Which entries to read: every filter given must hold; ``limit`` counts matching entries."""

    unit: str | None = None
    program: str | None = None
    person: str | None = None
    action: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    limit: int | None = None

    @property
    def manual_edits_possible(self) -> bool:
        return self.action is None or self.action == MANUAL_EDIT


@dataclass(slots=True)
class LogEntry:
    """One row of the audit trail. Objects are the trailer values (several join with ", ")."""

    commit: str
    when: str  # commit date, ISO 8601 with the committer's offset
    action: str  # the Sob-Action, or "manual-edit"
    author_email: str
    subject: str
    actor: str | None = None  # Sob-Actor; for a manual edit, the person whose roles/ file lists the e-mail
    actor_name: str | None = None
    decision: str | None = None
    unit: str | None = None
    program: str | None = None
    person: str | None = None
    role: str | None = None
    agreement: str | None = None
    version: str | None = None
    config: bool = False  # a manual edit that changed sobctl.yaml

    @property
    def manual(self) -> bool:
        return self.action == MANUAL_EDIT

    def values(self, kind: str) -> list[str]:
        """The values of one kind of object (unit, program, person, role, agreement, version)."""
        joined: str | None = getattr(self, kind)
        return joined.split(SEPARATOR) if joined else []


class People:
    """Names and e-mail addresses of people, read lazily from the work tree's roles/ files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cards: dict[str, tuple[str | None, frozenset[str]]] = {}
        self._by_email: dict[str, str] | None = None

    def _card(self, hsa_id: str) -> tuple[str | None, frozenset[str]]:
        card = self._cards.get(hsa_id)
        if card is None:
            # The id comes from history, not from a file name: only a plain id may name a file.
            safe = _SAFE_ID.match(hsa_id) is not None
            card = _read_card(self.root / "roles" / f"{hsa_id}.yaml") if safe else (None, frozenset())
            self._cards[hsa_id] = card
        return card

    def name(self, hsa_id: str | None) -> str | None:
        return self._card(hsa_id)[0] if hsa_id else None

    def emails(self, hsa_id: str) -> frozenset[str]:
        return self._card(hsa_id)[1]

    def by_email(self, email: str) -> str | None:
        """The person whose roles/ file lists ``email`` (case-insensitive), as sobctl identifies actors."""
        if self._by_email is None:
            self._by_email = {}
            try:
                names = sorted(entry.name for entry in os.scandir(self.root / "roles") if entry.name.endswith(".yaml"))
            except OSError:
                names = []
            for name in names:
                hsa_id = name.removesuffix(".yaml")
                for address in self.emails(hsa_id):
                    self._by_email.setdefault(address, hsa_id)
        return self._by_email.get(email.lower())


def _read_card(path: Path) -> tuple[str | None, frozenset[str]]:
    from sobctl.repo.yamlio import ParseFailure, decode, load_fast

    try:
        data = load_fast(decode(path.read_bytes()))
    except (OSError, ParseFailure):
        return None, frozenset()
    name = data.get("name")
    emails = data.get("emails")
    addresses = frozenset(e.lower() for e in emails if isinstance(e, str)) if isinstance(emails, list) else frozenset()
    return (name if isinstance(name, str) else None), addresses


def git_log_args(query: LogQuery) -> list[str]:
    """The ``git log`` arguments for a query (exposed for tests and the curious)."""
    args = ["log", "--no-show-signature", "--encoding=UTF-8", _FORMAT]
    if query.since is not None:
        start = dt.datetime.combine(query.since, dt.time.min, _EAST)
        args.append(f"--since-as-filter=@{int(start.timestamp())}")  # --since would stop at a skewed date
    if query.until is not None:
        end = dt.datetime.combine(query.until, dt.time.max, _WEST)
        args.append(f"--until=@{int(end.timestamp()) + 1}")
    if not query.manual_edits_possible:
        # Only acts can match, and a matching act's message contains every filter value verbatim
        # (a value without blanks stays whole even in a folded trailer). A superset of the rows;
        # the exact check on the parsed trailers follows.
        values = [v for v in (query.action, query.unit, query.program, query.person)
                  if v and not any(ch.isspace() for ch in v)]
        if values:
            args += ["--fixed-strings", "--all-match", *(f"--grep={value}" for value in values)]
    return args


def read_log(root: Path, query: LogQuery, people: People | None = None, *,
             check_head: bool = True) -> Iterator[LogEntry]:
    """The entries of the history reachable from HEAD that match ``query``, newest first.

    Nothing for a repository without commits. Raises GitFailed when git fails.
    """
    if (query.limit is not None and query.limit <= 0) or (check_head and git.head(root) is None):
        return
    reader = _Reader(root, query, people or People(root))
    with closing(git.stream_records(root, *git_log_args(query))) as records, reader.paths:
        for emitted, entry in enumerate(reader.entries(_whole(records)), 1):
            yield entry
            if query.limit is not None and emitted >= query.limit:
                return


def _whole(records: Iterator[str]) -> Iterator[str]:
    """Records as git wrote them, even when a subject or trailer holds the record separator itself
    (a hand-made commit must not hide from the trail that way): a piece that does not start with a
    commit id belongs to the record before it."""
    previous: str | None = None
    for record in records:
        if previous is not None and not _RECORD_START.match(record):
            previous += "\x1e" + record
            continue
        if previous is not None:
            yield previous
        previous = record
    if previous is not None:
        yield previous


_Item = LogEntry | list[str]  # an entry, or the fields of a manual-edit candidate


class _Reader:
    """Turns records into entries in order. Acts go straight out until the first candidate for a
    manual edit; from then on records are kept in batches, each batch's candidates are sent to
    ``git diff-tree`` as the batch closes, and a batch is emitted once the next one has closed,
    so git compares trees while this process reads on."""

    def __init__(self, root: Path, query: LogQuery, people: People) -> None:
        self.query = query
        self.people = people
        self.paths = git.ChangedPaths(root, CONTENT_PATHS)
        self.batch_size = _FIRST_BATCH
        self.current: list[_Item] = []
        self.candidates: list[str] = []
        self.in_flight: list[_Item] | None = None

    def entries(self, records: Iterator[str]) -> Iterator[LogEntry]:
        query = self.query
        for record in records:
            fields = record.removesuffix("\n").split("\0")
            if len(fields) != 5:
                continue  # not a record of our format (git's own output always is)
            item: _Item
            is_act, entry = _act(fields, query, self.people)
            if is_act:
                if entry is None:
                    continue
                if not self.current and self.in_flight is None:
                    yield entry  # nothing waits for git diff-tree: straight out
                    continue
                item = entry
            elif query.manual_edits_possible and _day_ok(fields[1], query):
                item = fields
                self.candidates.append(fields[0])
            else:
                continue
            self.current.append(item)
            if len(self.current) >= self.batch_size:
                yield from self._close_batch()
                self.batch_size = min(self.batch_size * 4, _LAST_BATCH)
        yield from self._close_batch()
        yield from self._emit_in_flight()

    def _close_batch(self) -> Iterator[LogEntry]:
        batch, self.current = self.current, []
        if self.candidates:
            self.paths.submit(self.candidates)
            self.candidates = []
            yield from self._emit_in_flight()
            self.in_flight = batch
        else:
            yield from self._emit_in_flight()
            yield from (item for item in batch if isinstance(item, LogEntry))

    def _emit_in_flight(self) -> Iterator[LogEntry]:
        batch, self.in_flight = self.in_flight, None
        if batch is None:
            return
        changed = self.paths.collect()
        for item in batch:
            if isinstance(item, LogEntry):
                yield item
                continue
            paths = changed.get(item[0])
            if paths:
                entry = _manual(item, paths, self.query, self.people)
                if entry is not None:
                    yield entry


def _day_ok(when: str, query: LogQuery) -> bool:
    day = when[:10]
    if query.since is not None and day < query.since.isoformat():
        return False
    return query.until is None or day <= query.until.isoformat()


def _has(joined: str | None, value: str) -> bool:
    """Whether ``value`` is one of the values joined in ``joined`` (whole values only)."""
    return joined == value or (joined is not None and SEPARATOR in joined and value in joined.split(SEPARATOR))


def _act(fields: list[str], query: LogQuery, people: People) -> tuple[bool, LogEntry | None]:
    """Whether the record is an act (has a Sob-Action trailer), and its entry if it matches the query."""
    commit, when, email, subject, trailers = fields
    found = _SOB_PAIR.findall(trailers) if "Sob-Action: " in trailers else []
    table: dict[str, str] = dict(found)
    if "Sob-Action" not in table:
        return False, None
    if len(table) != len(found):  # a key given more than once: keep every value, the first counts for the rest
        lists: dict[str, list[str]] = {}
        for key, value in found:
            lists.setdefault(key, []).append(value)
        table = {key: values[0] for key, values in lists.items()}
        table.update({key: SEPARATOR.join(v for v in lists[key] if v) for key in _OBJECT_TRAILERS if key in lists})
    action = table["Sob-Action"]
    if query.action is not None and action != query.action:
        return True, None
    if not _day_ok(when, query):
        return True, None
    get = table.get
    unit, program, person = get("Sob-Unit") or None, get("Sob-Program") or None, get("Sob-Person") or None
    if query.unit is not None and not _has(unit, query.unit):
        return True, None
    if query.program is not None and not _has(program, query.program):
        return True, None
    actor = get("Sob-Actor") or None
    if query.person is not None and query.person != actor and not _has(person, query.person):
        return True, None
    return True, LogEntry(commit, when, action, email, subject, actor, people.name(actor), get("Sob-Decision") or None,
                          unit, program, person, get("Sob-Role") or None, get("Sob-Agreement") or None,
                          get("Sob-Version") or None)


def _manual(fields: list[str], paths: list[str], query: LogQuery, people: People) -> LogEntry | None:
    """The entry of a commit without trailers that changed content, if it matches the query."""
    commit, when, email, subject, _ = fields
    objects: dict[str, dict[str, None]] = {}  # ordered sets: a commit may touch 40,000 files
    config = False
    for path in paths:
        folder, _, rest = path.partition("/")
        kind = _OBJECT_FOLDERS.get(folder)
        if kind is not None and rest:
            ident = rest.split("/", 1)[0].removesuffix(".yaml").removesuffix(".yml")
            objects.setdefault(kind, {})[ident] = None
        elif path == "sobctl.yaml":
            config = True
    if query.unit is not None and query.unit not in objects.get("unit", ()):
        return None
    if query.program is not None and query.program not in objects.get("program", ()):
        return None
    actor = people.by_email(email)
    if query.person is not None and query.person != actor and query.person not in objects.get("person", ()) \
            and email.lower() not in people.emails(query.person):
        return None
    joined = {kind: SEPARATOR.join(values) for kind, values in objects.items()}
    return LogEntry(commit, when, MANUAL_EDIT, email, subject, actor, people.name(actor), None, joined.get("unit"),
                    joined.get("program"), joined.get("person"), None, joined.get("agreement"), None, config)
