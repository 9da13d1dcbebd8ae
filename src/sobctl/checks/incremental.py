"""Incremental validation: after a change, judge only the documents the change can concern.

A full run under a :class:`~sobctl.repo.workspace.Tracker` learns, for every *subject* (a
document the rules judge, named by its path), which documents and indexes its verdict looked
up: ``unit:ID``, ``program:ID``, ``person:ID``, ``agreement:ID`` (found or not), ``scope:UNIT``
(who holds roles on a unit) and ``email:ADDRESS``. That record is kept with the cache, keyed
like the cache (sobctl's version, the verdict code, the day, the repository's place).

A later run on a changed tree compares the content ids of every file with the record's.
Each changed document *provides* keys in its old and in its new version (its own id; for a
person also the scopes of their grants and their e-mail addresses). The subjects to judge
again are the changed documents and every subject that looked up one of those keys; all
others keep their recorded findings, which cannot have changed because nothing they looked
at did. The documents the rules look up are loaded lazily, from the parse cache by content
id. A changed sobctl.yaml, a change to more than :data:`MAX_CHANGED` documents, or anything
the record cannot vouch for falls back to a full run, which writes a new record.

The record only ever over-approximates what a subject depends on (a key stays listed until
the next full run), so a subject is judged again too often, never too rarely; tests compare
every incremental verdict with a full run over random sequences of changes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import marshal
import struct
import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sobctl.i18n import _
from sobctl.model.diagnostic import Diagnostic, Severity, Summary
from sobctl.model.entities import Grant, Person, Role
from sobctl.repo import cache
from sobctl.repo.table import Table
from sobctl.repo.workspace import (
    CONFIG_FILE,
    FOLDERS,
    Folder,
    Overlay,
    Prepared,
    Tracker,
    UnitHead,
    Workspace,
    _read_file,
    diagnostic,
    discover,
    file_name_problem,
    missing_config,
    parse_document,
    prepare,
    resolve_locations,
    validate_prepared,
)

#: Above this many changed documents a full run is as quick and simpler.
MAX_CHANGED = 2000
RECORD_FORMAT = 1
_FOLDER_OF_PATH = {folder.name: folder for folder in FOLDERS}

Row = tuple[Any, ...]
"""A located diagnostic as stored: code, severity, message, path, pointer, line, column, hint, extra."""


def _row(item: Diagnostic) -> Row:
    return (item.code, str(item.severity), item.message, item.path, tuple(item.pointer), item.line,
            item.column, item.hint, item.extra)


def _diagnostic(row: Row) -> Diagnostic:
    code, severity, message, path, pointer, line, column, hint, extra = row
    return Diagnostic(code, Severity(severity), message, path, tuple(pointer), line=line, column=column,
                      hint=hint, extra=dict(extra) if extra else {})


@dataclass
class Record:
    """What a tree state's verdict rests on (see the module docstring)."""

    files: dict[str, str]  # every content path → its content id, as the cache saw them
    failed: set[str]  # document paths that did not load into the workspace (invalid, misnamed)
    load: dict[str, list[Row]]  # document path → its load diagnostics (parse, schema, file name)
    rules: dict[str, list[Row]]  # subject path → the rules' findings about it
    # key → the subjects whose verdict looked it up, as indexes into ``subjects`` packed as
    # unsigned 32-bit integers (hundreds of thousands of entries load as a few bytes objects)
    readers: Table
    # Lists of people are kept joined by newlines (one string loads faster than a list).
    scope_people: Table = field(default_factory=Table)  # unit → people with grants on it
    email_people: Table = field(default_factory=Table)  # address → people listing it
    heads: Table = field(default_factory=Table)  # unit → its head (UnitHead.dump)
    # What listing the content folders found: how many files, and the problems (stray files,
    # folders); the same as long as the same paths exist.
    discovery: tuple[int, list[Row]] = (0, [])
    subjects: list[str] = field(default_factory=list)

    def readers_of(self, key: str) -> list[str]:
        packed = self.readers.get(key)
        if not packed:
            return []
        subjects = self.subjects
        return [subjects[i] for i in array("I", packed)]

    def dump(self) -> bytes:
        return marshal.dumps((RECORD_FORMAT, self.files, self.failed, self.load, self.rules, self.readers.dump(),
                              self.scope_people.dump(), self.email_people.dump(), self.heads.dump(), self.discovery,
                              self.subjects))

    @classmethod
    def parse(cls, data: bytes) -> Record | None:
        try:
            value = marshal.loads(data)
            if not isinstance(value, tuple) or len(value) != 11 or value[0] != RECORD_FORMAT:
                return None
            _, files, failed, load, rules, readers, scope_people, email_people, heads, discovery, subjects = value
            if not all(isinstance(x, dict) for x in (files, load, rules)) or not isinstance(failed, set):
                return None
            tables = [Table.parse(packed) for packed in (readers, scope_people, email_people, heads)]
            readers, scope_people, email_people, heads = tables
            if readers is None or scope_people is None or email_people is None or heads is None:
                return None
            count, problems = discovery
            if not isinstance(count, int) or not isinstance(problems, list) or not isinstance(subjects, list):
                return None
            return cls(files, failed, load, rules, readers, scope_people, email_people, heads, (count, problems),
                       subjects)
        except (ValueError, EOFError, TypeError):
            return None


def record_key(state: cache.TreeState, today: dt.date) -> str:
    """The record belongs to the verdict code (base key), the day, this repository and this Python."""
    import hashlib

    place = str(state.cache_dir)
    return hashlib.sha256(f"{state.base}\0{today.isoformat()}\0{place}\0{sys.version}".encode()).hexdigest()


# The record is kept as a *base* (``record``) and a *delta* (``record-delta``). The base holds
# a random id, the state key of the tree it is the record of, its content ids (marshalled on
# their own) and the rest of the record; the delta holds the base's id, the state key of its
# own tree and what differs from the base: changed content ids, the changed buckets of the
# tables, new subjects, and the small parts whole. An act changes a file or two: rewriting
# 14 MB for that cost a national repository's act more than judging it; the delta is a few
# kilobytes. A delta whose base is gone or different is ignored (the base alone is the
# complete record of an earlier tree, which a run may start from); past DELTA_SHARE of the
# base, the whole record is written again. When the tree being loaded for has the state key
# the record was kept with, its content ids are that tree's (a key is a hash of them all) and
# are not read again.

DELTA_SHARE = 0.25
_ID_SIZE = 16
_KEY_SIZE = 64
_UNLINKED = b"-" * _KEY_SIZE
_LENGTH = struct.Struct(">Q")


@dataclass
class _Base:
    """The base a record was loaded from (or stored as), to tell what a later record changed."""

    key: str
    ident: bytes
    size: int
    files: dict[str, str]  # the content ids of the record as loaded (the base's, with the delta's changes)
    changed: dict[str, str | None]  # what the delta loaded with it changed in the base's content ids
    tables: list[list[bytes]]  # the base's own table buckets
    subjects: list[str]  # the base's own subjects


_bases: dict[str, _Base] = {}


def _tables(record: Record) -> list[Table]:
    return [record.readers, record.scope_people, record.email_people, record.heads]


def _base_ident(path: Path, key: str) -> bytes | None:
    """The id of the base record file on disk (its first bytes after the frame), without reading it all."""
    prefix = cache.MAGIC + key.encode() + b"\n"
    try:
        with open(path, "rb") as stream:
            head = stream.read(len(prefix) + 12 + _ID_SIZE)
    except OSError:
        return None
    if len(head) != len(prefix) + 12 + _ID_SIZE or not head.startswith(prefix):
        return None
    return head[-_ID_SIZE:]


def _linked(state: cache.TreeState, files: dict[str, str]) -> bytes:
    """The state key stored with a record of ``files``: the state's, if those are its files."""
    key = state.key.encode()
    return key if len(key) == _KEY_SIZE and (files is state.files or files == state.files) else _UNLINKED


def _rest(record: Record) -> bytes:
    return marshal.dumps((RECORD_FORMAT, record.failed, record.load, record.rules, record.readers.dump(),
                          record.scope_people.dump(), record.email_people.dump(), record.heads.dump(),
                          record.discovery, record.subjects))


def _record_of(files: Any, rest: Any) -> Record | None:
    """A record from its content ids and the rest (as :func:`_rest` wrote it), checked like Record.parse."""
    if not isinstance(rest, tuple) or len(rest) != 10 or rest[0] != RECORD_FORMAT or not isinstance(files, dict):
        return None
    _format, failed, load, rules, readers, scope_people, email_people, heads, discovery, subjects = rest
    if not all(isinstance(x, dict) for x in (load, rules)) or not isinstance(failed, set):
        return None
    tables = [Table.parse(packed) for packed in (readers, scope_people, email_people, heads)]
    readers, scope_people, email_people, heads = tables
    if readers is None or scope_people is None or email_people is None or heads is None:
        return None
    count, problems = discovery
    if not isinstance(count, int) or not isinstance(problems, list) or not isinstance(subjects, list):
        return None
    return Record(files, failed, load, rules, readers, scope_people, email_people, heads, (count, problems), subjects)


def load_record(state: cache.TreeState, today: dt.date) -> Record | None:
    from sobctl.repo.files import wait_for_lock

    wait_for_lock(state.cache_dir / cache.RECORDING, cache.FILL_WAIT)  # a cold run's, being made
    key = record_key(state, today)
    path = state.cache_dir / "record"
    payload = cache.read_framed(path, key)
    try:
        return _load(state, key, path, payload) if payload is not None else None
    except (ValueError, EOFError, TypeError, IndexError, AttributeError, struct.error):
        return None


def _load(state: cache.TreeState, key: str, path: Path, payload: bytes) -> Record | None:
    view = memoryview(payload)  # marshal reads the parts in place: no copies of 14 MB
    ident = payload[:_ID_SIZE]
    linked = payload[_ID_SIZE : _ID_SIZE + _KEY_SIZE]
    start = _ID_SIZE + _KEY_SIZE + _LENGTH.size
    (files_size,) = _LENGTH.unpack(payload[_ID_SIZE + _KEY_SIZE : start])
    files_part, rest_part = view[start : start + files_size], view[start + files_size :]
    own_key = state.key.encode()
    changes: Any = None
    delta_linked = _UNLINKED
    delta = cache.read_framed(state.cache_dir / "record-delta", key)
    if delta is not None and delta[:_ID_SIZE] == ident:
        try:
            changes = marshal.loads(memoryview(delta)[_ID_SIZE + _KEY_SIZE :])
            delta_linked = delta[_ID_SIZE : _ID_SIZE + _KEY_SIZE]
        except (ValueError, EOFError, TypeError):
            changes = None

    def base_files() -> Any:
        return state.files if linked == own_key else marshal.loads(files_part)

    files: Any
    if changes is not None:
        # The delta's tree may be this one: then its content ids are this tree's.
        files = state.files if delta_linked == own_key else _changed_files(base_files(), changes[0])
    else:
        files = base_files()
    record = _record_of(files, marshal.loads(rest_part))
    if record is None:
        return None
    base_tables = [table.dump() for table in _tables(record)]
    base_subjects = list(record.subjects)
    if changes is not None:
        applied = _apply_delta(record, changes)
        if applied is None:  # a delta that does not fit its base: the base alone
            changes = None
            record = _record_of(base_files(), marshal.loads(rest_part))
            if record is None:
                return None
        else:
            record = applied
    _bases[str(path)] = _Base(key, ident, len(payload), dict(record.files),
                              dict(changes[0]) if changes is not None else {}, base_tables, base_subjects)
    return record


def _changed_files(files: dict[str, str], changed: Any) -> dict[str, str]:
    if not isinstance(changed, dict):
        raise TypeError("content ids")
    files = dict(files)
    for relpath, content_id in changed.items():
        if content_id is None:
            files.pop(relpath, None)
        else:
            files[relpath] = content_id
    return files


def _apply_delta(record: Record, value: Any) -> Record | None:
    """The record with a delta's parts (its content ids are already in ``record.files``)."""
    try:
        _files_changed, failed, load, rules, buckets, discovery, new_subjects = value
        tables: list[Table] = []
        for table, changed in zip(_tables(record), buckets, strict=True):
            packed = table.dump()
            for number, bucket in changed.items():
                if not isinstance(bucket, bytes):
                    return None
                packed[number] = bucket
            parsed = Table.parse(packed)
            if parsed is None:
                return None
            tables.append(parsed)
        readers, scope_people, email_people, heads = tables
        count, problems = discovery
        if not (isinstance(failed, set) and isinstance(load, dict) and isinstance(rules, dict)
                and isinstance(count, int) and isinstance(problems, list) and isinstance(new_subjects, list)):
            return None
        return Record(record.files, failed, load, rules, readers, scope_people, email_people, heads,
                      (count, problems), [*record.subjects, *new_subjects])
    except (ValueError, EOFError, TypeError, IndexError, AttributeError):
        return None


def store_record(state: cache.TreeState, today: dt.date, record: Record) -> None:
    """Keep ``record`` for this tree: as a delta from the base on disk when this process knows that
    base and the difference is small, else whole (as a new base)."""
    import os

    key = record_key(state, today)
    path = state.cache_dir / "record"
    linked = _linked(state, record.files)
    base = _bases.get(str(path))
    if base is not None and base.key == key and _base_ident(path, key) == base.ident:
        delta = _delta(base, record)
        if delta is not None and len(delta) <= DELTA_SHARE * base.size:
            cache.write_framed(state.cache_dir / "record-delta", key, base.ident, linked, delta)
            return
    ident = os.urandom(_ID_SIZE)
    files_part = marshal.dumps(record.files)
    rest_part = _rest(record)
    from sobctl.repo.files import remove

    with contextlib.suppress(OSError):
        remove(state.cache_dir / "record-delta")
    cache.write_framed(path, key, ident, linked, _LENGTH.pack(len(files_part)), files_part, rest_part)
    size = _ID_SIZE + _KEY_SIZE + _LENGTH.size + len(files_part) + len(rest_part)
    _bases[str(path)] = _Base(key, ident, size, dict(record.files), {},
                              [table.dump() for table in _tables(record)], list(record.subjects))


def _delta(base: _Base, record: Record) -> bytes | None:
    """What ``record`` changes in ``base``; None when it is not a later version of it."""
    subjects = record.subjects
    count = len(base.subjects)
    if len(subjects) < count or subjects[:count] != base.subjects:
        return None
    files = record.files
    loaded = base.files
    changed: dict[str, str | None] = dict(base.changed)
    changed.update((path, content_id) for path, content_id in files.items() if loaded.get(path) != content_id)
    changed.update((path, None) for path in loaded.keys() - files.keys())
    buckets = []
    for table, packed in zip(_tables(record), base.tables, strict=True):
        now = table.dump()
        buckets.append({number: bucket for number, (bucket, before) in enumerate(zip(now, packed, strict=True))
                        if bucket is not before and bucket != before})
    return marshal.dumps((changed, record.failed, record.load, record.rules, buckets, record.discovery,
                          subjects[count:]))


# --- what a document provides ------------------------------------------------------------------


def _doc_path(relpath: str) -> Folder | None:
    """The folder of a content document's path (``units/X.yaml``), or None for anything else."""
    folder_name, _, name = relpath.partition("/")
    folder = _FOLDER_OF_PATH.get(folder_name)
    if folder is None or "/" in name or not name.endswith(".yaml") or name.startswith("."):
        return None
    return folder


def provides(folder: Folder, document: Any) -> set[str]:
    """The keys a loaded document answers: its id, and for a person their scopes and e-mails."""
    keys = {f"{folder.kind}:{getattr(document, folder.id_field)}"}
    if isinstance(document, Person):
        keys.update("scope:" + grant.scope for grant in document.grants)
        keys.update("email:" + email.lower() for email in document.emails)
    return keys


def _split(joined: str | None) -> list[str]:
    return joined.split("\n") if joined else []


def head_row(document: Any) -> str | None:
    return UnitHead.of(document).dump() if document is not None else None


def _file_order(person_id: str) -> str:
    return person_id + ".yaml"  # people are read in the order of their file names


def people_indexes(people: Iterable[Person]) -> tuple[Table, Table]:
    """(unit → people with grants on it, address → people listing it), each in file order."""
    scopes: dict[str, list[str]] = {}
    emails: dict[str, list[str]] = {}
    for person in people:
        for grant in person.grants:
            holders = scopes.setdefault(grant.scope, [])
            if not holders or holders[-1] != person.hsa_id:
                holders.append(person.hsa_id)
        for email in person.emails:
            listing = emails.setdefault(email.lower(), [])
            if person.hsa_id not in listing:
                listing.append(person.hsa_id)
    return (Table.of({scope: "\n".join(ids) for scope, ids in scopes.items()}),
            Table.of({email: "\n".join(ids) for email, ids in emails.items()}))


# --- a workspace that reads documents when the rules ask for them ------------------------------


class LazyDocs(dict[str, Any]):
    """Documents of one kind, each loaded the first time it is looked up (and noted, under a
    tracker). Listing them all (``items()``, iteration) loads them all when ``listing`` can
    name them; in an incremental run it cannot: rules judge documents through their context."""

    __slots__ = ("complete", "folder", "listing", "loader", "missing", "prefix", "tracker")

    def __init__(self, folder: Folder, loader: Callable[[Folder, str], Any], tracker: Tracker | None,
                 listing: Callable[[Folder], list[str]] | None = None) -> None:
        super().__init__()
        self.folder = folder
        self.loader = loader
        self.prefix = folder.kind + ":"
        self.tracker = tracker
        self.listing = listing
        self.missing: set[str] = set()
        self.complete = False

    def _fetch(self, key: str) -> Any:
        if self.tracker is not None:
            self.tracker.note(self.prefix + key)
        found = dict.get(self, key)
        if found is not None or key in self.missing or self.complete:
            return found
        document = self.loader(self.folder, key)
        if document is None:
            self.missing.add(key)
        else:
            dict.__setitem__(self, key, document)
        return document

    def get(self, key: str, default: Any = None) -> Any:
        found = self._fetch(key)
        return default if found is None else found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._fetch(key) is not None

    def __getitem__(self, key: str) -> Any:
        found = self._fetch(key)
        if found is None:
            raise KeyError(key)
        return found

    def _load_all(self) -> None:
        if self.complete:
            return
        if self.listing is None:
            raise AssertionError("an incremental run cannot list every document; judge through the context")
        loaded = dict(dict.items(self))
        dict.clear(self)
        for ident in sorted(self.listing(self.folder), key=_file_order):  # the order of a full load
            document = loaded.get(ident) or self.loader(self.folder, ident)
            if document is not None:
                dict.__setitem__(self, ident, document)
        self.complete = True

    def items(self) -> Any:
        self._load_all()
        return dict.items(self)

    def values(self) -> Any:
        self._load_all()
        return dict.values(self)

    def keys(self) -> Any:
        self._load_all()
        return dict.keys(self)

    def __iter__(self) -> Any:
        self._load_all()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._load_all()
        return dict.__len__(self)


class _EmailIndex:
    """``Workspace.person_by_email`` from the record's index: who lists an address (as there, the
    last file listing it wins; two people listing one address is an error of its own, SOB207)."""

    def __init__(self, workspace: LazyWorkspace) -> None:
        self.workspace = workspace

    def get(self, email: str, default: Any = None) -> Any:
        for person_id in reversed(_split(self.workspace.email_people.get(email.lower()))):
            person = self.workspace.people.get(person_id)
            if person is not None:
                return person
        return default


class LazyWorkspace(Workspace):
    """A workspace whose documents load on demand; its indexes come from the record."""

    def __init__(self, root: Path, loader: Callable[[Folder, str], Any], tracker: Tracker | None,
                 scope_people: Table, email_people: Table, heads: Table,
                 listing: Callable[[Folder], list[str]] | None = None) -> None:
        tables = {folder.kind: LazyDocs(folder, loader, tracker, listing) for folder in FOLDERS}
        super().__init__(root=root, programs=tables["program"], units=tables["unit"], people=tables["person"],
                         agreements=tables["agreement"], tracker=tracker)
        self.scope_people = scope_people
        self.email_people = email_people
        self.heads = heads
        self.loaded_heads: dict[str, UnitHead] = {}

    def _head(self, unit_id: str) -> UnitHead | None:
        return UnitHead.from_rows(self.heads, self.loaded_heads, unit_id)

    def granted_on(self, scope: str) -> list[tuple[Person, int, Grant]]:
        self._note("scope:" + scope)
        found: list[tuple[Person, int, Grant]] = []
        for person_id in _split(self.scope_people.get(scope)):
            person = self.people.get(person_id)
            if person is not None:
                found.extend((person, i, grant) for i, grant in enumerate(person.grants) if grant.scope == scope)
        return found

    def holders(self, role: Role, scope: str, on: dt.date) -> list[Person]:
        return self._in_force(((p, g) for p, _i, g in self.granted_on(scope) if g.role is role), on)

    def grants_of(self, person_id: str, role: Any) -> list[Grant]:
        person = self.people.get(person_id)
        return [grant for grant in person.grants if grant.role is role] if person is not None else []

    def people_with_email(self, email: str) -> list[str]:
        self._note("email:" + email.lower())
        return _split(self.email_people.get(email.lower()))

    @property
    def person_by_email(self) -> Any:
        return _EmailIndex(self)


# --- the runs ----------------------------------------------------------------------------------


def record_of_full_run(workspace: Workspace, tracker: Tracker, files: dict[str, str],
                       found: list[Diagnostic], doc_paths: set[str]) -> Record:
    """The record of a full tracked run: ``found`` holds every located diagnostic."""
    return record_of(
        tracker, files, found, doc_paths, workspace.load_diagnostics,
        lambda kind: dict.keys(workspace.documents(kind)), dict.values(workspace.people),
        {unit_id: UnitHead.of(unit).dump() for unit_id, unit in dict.items(workspace.units)}, workspace.files,
    )


def record_of(
    tracker: Tracker,
    files: dict[str, str],
    found: list[Diagnostic],
    doc_paths: set[str],
    load_diagnostics: list[Diagnostic],
    loaded: Callable[[str], Any],
    people: Iterable[Person],
    heads: dict[str, str],
    count: int,
) -> Record:
    """The record of a full tracked run, from its parts: ``found`` holds every located diagnostic
    (those of loading are the very objects in ``load_diagnostics``), ``loaded(kind)`` the ids of
    the documents of that kind that loaded, ``people`` every person, ``heads`` every unit's head
    (``UnitHead.dump``) and ``count`` the files the run counted."""
    load: dict[str, list[Row]] = {}
    rules: dict[str, list[Row]] = {}
    load_paths = {id(d) for d in load_diagnostics}
    discovered: list[Row] = []
    for item in found:
        if id(item) in load_paths:
            if item.path in doc_paths:
                load.setdefault(item.path, []).append(_row(item))
            elif item.path != CONFIG_FILE:
                discovered.append(_row(item))
        else:
            rules.setdefault(item.path, []).append(_row(item))
    subjects = tracker.subjects
    packed: dict[str, bytes] = {}
    for key in list(tracker.readers):
        packed[key] = tracker.packed(key).tobytes()
        del tracker.readers[key]  # freed as it is packed: this runs at the peak of a full run's memory
    readers = Table.of(packed)
    del packed
    failed = set()
    for relpath in doc_paths:
        folder = _doc_path(relpath)
        if folder is None or relpath[len(folder.name) + 1 : -5] not in loaded(folder.kind):
            failed.add(relpath)
    scopes, emails = people_indexes(people)
    return Record(dict(files), failed, load, rules, readers, scopes, emails, Table.of(heads), (count, discovered),
                  subjects)


@dataclass
class _Changed:
    path: str
    folder: Folder
    document: Any  # the new version, loaded (None when deleted or not loadable)
    load: list[Diagnostic]
    old_keys: set[str]
    new_keys: set[str]


class Documents:
    """Reads the documents of a tree state (path → content id) when asked: from the parse
    results by content id where possible, else from disk (or ``overlay``: pending changes)."""

    def __init__(self, root: Path, files: dict[str, str], stores: cache.Stores,
                 remember: Callable[[str, Prepared], None], overlay: Overlay | None = None) -> None:
        self.root = root
        self.files = files
        self.stores = stores
        self.remember = remember
        self.overlay = overlay
        self.unverified: list[str] = []  # paths read whose bytes could not be matched to their content id

    def prepared(self, relpath: str) -> Prepared | Diagnostic:
        content_id = self.files.get(relpath)
        stored: Prepared | None = self.stores.get(content_id) if content_id is not None else None
        if stored is not None:
            return stored
        raw, problem = _read_file(self.root, relpath, self.overlay)
        if raw is None or content_id != cache.blob_id(raw):
            self.unverified.append(relpath)  # not provably the bytes the tree state names
        if problem is not None or raw is None:
            return problem or diagnostic("SOB007", _("unreadable"), relpath)
        fresh = prepare(raw)
        self.remember(relpath, fresh)
        return fresh

    def load(self, relpath: str, folder: Folder) -> tuple[Any, list[Diagnostic]]:
        """The document at ``relpath`` (None if it does not load) and its load diagnostics."""
        prepared = self.prepared(relpath)
        if isinstance(prepared, Diagnostic):
            return None, [prepared]
        root, overlay = self.root, self.overlay
        document, problems = validate_prepared(relpath, prepared, folder.model,
                                               lambda: _read_file(root, relpath, overlay)[0])
        if document is None:
            return None, problems
        mismatch = file_name_problem(relpath, folder, getattr(document, folder.id_field))
        if mismatch is not None:
            return None, [*problems, mismatch]
        return document, problems


def view(root: Path, files: dict[str, str], record: Record, stores: cache.Stores,
         remember: Callable[[str, Prepared], None]) -> Workspace:
    """The workspace of the tree state ``record`` describes, reading documents as they are used
    (no rule runs; for commands that look a few documents up)."""
    documents = Documents(root, files, stores, remember)

    def loader(folder: Folder, ident: str) -> Any:
        relpath = f"{folder.name}/{ident}.yaml"
        if relpath not in files or relpath in record.failed:
            return None
        return documents.load(relpath, folder)[0]

    def listing(folder: Folder) -> list[str]:
        prefix = folder.name + "/"
        return sorted(path[len(prefix) : -5] for path in files
                      if path.startswith(prefix) and _doc_path(path) is folder and path not in record.failed)

    workspace = LazyWorkspace(root, loader, None, record.scope_people, record.email_people, record.heads, listing)
    _load_config(root, workspace, files.get(CONFIG_FILE), [])
    workspace.files = record.discovery[0]
    return workspace


def incremental_run(
    root: Path,
    today: dt.date,
    files: dict[str, str],
    record: Record,
    stores: cache.Stores,
    remember: Callable[[str, Prepared], None],
    overlay: Overlay | None = None,
) -> tuple[list[Diagnostic], Summary, Record, bool] | None:
    """The verdict of the tree ``files`` (path → content id) from ``record`` of an earlier tree,
    judging only what the difference concerns; None when only a full run can tell. ``overlay``
    holds the bytes of files not (yet) on disk: a pending change.

    The last item says whether every byte read from disk was the content its id names (and
    no folder was listed), so the tree cannot have changed under the run in a way that matters."""
    if files.get(CONFIG_FILE) != record.files.get(CONFIG_FILE):
        return None
    changed_paths = sorted(
        {path for path, _content_id in files.items() ^ record.files.items() if _doc_path(path) is not None}
    )
    if len(changed_paths) > MAX_CHANGED:
        return None
    documents = Documents(root, files, stores, remember, overlay)
    unverified = documents.unverified
    load_one = documents.load

    changes: list[_Changed] = []
    heads = record.heads.copy()
    for relpath in changed_paths:
        folder = _doc_path(relpath)
        assert folder is not None
        old_keys: set[str] = set()
        old_document: Any = None
        if relpath in record.files and relpath not in record.failed:
            old = stores.get(record.files.get(relpath, ""))
            if old is None or old[0] != "json":
                return None  # the old version is not at hand: what it provided is unknown
            old_document, _problems = validate_prepared(relpath, old, folder.model)
            if old_document is None:
                return None
            old_keys = provides(folder, old_document)
        document, problems = load_one(relpath, folder) if relpath in files else (None, [])
        new_keys = provides(folder, document) if document is not None else set()
        changes.append(_Changed(relpath, folder, document, problems, old_keys, new_keys))
        if folder.kind == "unit":
            new_head = head_row(document)
            if head_row(old_document) != new_head:
                unit_id = relpath[len("units/") : -len(".yaml")]
                old_keys.add("unit-head:" + unit_id)
                if new_head is None:
                    heads.pop(unit_id, None)
                else:
                    heads[unit_id] = new_head

    keys = set().union(*(c.old_keys | c.new_keys for c in changes)) if changes else set()
    focus = {c.path for c in changes}
    for key in keys:
        focus.update(record.readers_of(key))

    failed = set(record.failed)
    for change in changes:
        if change.document is None and change.path in files:
            failed.add(change.path)
        else:
            failed.discard(change.path)
    fresh = {c.path: c.document for c in changes if c.document is not None}
    scope_people, email_people = _update_people_indexes(record, changes)

    def loader(folder: Folder, ident: str) -> Any:
        relpath = f"{folder.name}/{ident}.yaml"
        if relpath in fresh:
            return fresh[relpath]
        if relpath not in files or relpath in failed:
            return None
        document, _problems = load_one(relpath, folder)
        return document

    tracker = Tracker(record.subjects)
    workspace = LazyWorkspace(root, loader, tracker, scope_people, email_people, heads)
    config_diagnostics = _load_config(root, workspace, files.get(CONFIG_FILE), unverified)
    added = files.keys() - record.files.keys()
    removed = record.files.keys() - files.keys()
    if all(_doc_path(path) is not None for path in added | removed):
        # Only documents came or went: the listing differs by exactly those.
        discovery = (record.discovery[0] + len(added) - len(removed), record.discovery[1])
    else:
        discovered, folder_problems = discover(root)
        unverified.append("")  # a listing cannot be checked against the tree state: list the tree again after
        resolve_locations(root, folder_problems)
        config_exists = (root / CONFIG_FILE).exists() or (root / CONFIG_FILE).is_symlink()
        count = len(discovered) + len(folder_problems) + (1 if config_exists else 0)
        discovery = (count, [_row(item) for item in folder_problems])
    workspace.files = discovery[0]

    from sobctl.checks import run_checks

    judged = run_checks(workspace, today, frozenset(focus))
    new_load = [d for c in changes for d in c.load]
    resolve_locations(root, judged + new_load, overlay)

    load = dict(record.load)
    for change in changes:
        load.pop(change.path, None)
    for item in new_load:
        load.setdefault(item.path, []).append(_row(item))
    rules = {path: rows for path, rows in record.rules.items() if path not in focus}
    for item in judged:
        rules.setdefault(item.path, []).append(_row(item))
    readers, subjects = _update_readers(record, tracker)
    updated = Record(dict(files), failed, load, rules, readers, scope_people, email_people, heads, discovery,
                     subjects)

    found = [*config_diagnostics, *(_diagnostic(row) for row in discovery[1])]
    resolve_locations(root, config_diagnostics)
    found.extend(_diagnostic(row) for rows in load.values() for row in rows)
    found.extend(_diagnostic(row) for rows in rules.values() for row in rows)
    found.sort(key=Diagnostic.sort_key)
    return found, Summary.of(found, workspace.files), updated, not unverified


def _load_config(
    root: Path, workspace: Workspace, content_id: str | None, unverified: list[str]
) -> list[Diagnostic]:
    """sobctl.yaml into ``workspace`` (cheap, so read on every run), with its diagnostics."""
    exists = (root / CONFIG_FILE).exists() or (root / CONFIG_FILE).is_symlink()
    if not exists:
        return [missing_config()]
    raw, problem = _read_file(root, CONFIG_FILE)
    if raw is None or content_id != cache.blob_id(raw):
        unverified.append(CONFIG_FILE)
    if problem is not None:
        return [problem]
    if raw is None:
        return [missing_config()]
    from sobctl.model.entities import Config

    config, problems = parse_document(CONFIG_FILE, raw, Config)
    workspace.config = config if isinstance(config, Config) else None
    return problems


def _update_people_indexes(record: Record, changes: list[_Changed]) -> tuple[Table, Table]:
    scopes = record.scope_people
    emails = record.email_people
    touched = [c for c in changes if c.folder.kind == "person"]
    if not touched:
        return scopes, emails
    scopes = scopes.copy()
    emails = emails.copy()
    for change in touched:
        person_id = change.path.rsplit("/", 1)[1].removesuffix(".yaml")
        for key in change.old_keys | change.new_keys:
            kind, _, value = key.partition(":")
            table = scopes if kind == "scope" else emails if kind == "email" else None
            if table is None:
                continue
            holders = [p for p in _split(table.get(value)) if p != person_id]
            if key in change.new_keys:
                holders.append(person_id)
                holders.sort(key=_file_order)
            if holders:
                table[value] = "\n".join(holders)
            else:
                table.pop(value, None)
    return scopes, emails


def _update_readers(record: Record, tracker: Tracker) -> tuple[Table, list[str]]:
    """The readers index with what this run's subjects looked up added (nothing is removed:
    a stale entry only makes a later run judge a subject once more). ``tracker`` numbers
    subjects from the record's list onwards."""
    if not tracker.readers:
        return record.readers, record.subjects
    updated = record.readers.copy()
    for key in tracker.readers:
        listed = array("I", updated.get(key, b""))
        # Lists are kept sorted: a few subjects are looked up by bisection in what may be a list
        # of thousands (every unit that runs a program), and it is rebuilt only when one is new.
        missing = {number for number in set(tracker.readers[key]) if not _listed(listed, number)}
        if missing:
            updated[key] = array("I", sorted(missing.union(listed))).tobytes()
    return updated, tracker.subjects


def _listed(numbers: array[int], number: int) -> bool:
    """Whether ``number`` is in the sorted ``numbers``."""
    at = bisect_left(numbers, number)
    return at < len(numbers) and numbers[at] == number
