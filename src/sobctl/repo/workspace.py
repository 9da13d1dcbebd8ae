"""Reading a whole region repository into typed models, recording every problem as data.

``load_workspace`` never raises on bad content: a file that cannot be read, parsed or
validated becomes diagnostics and is left out of the model, so one run reports everything.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from array import array
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, ValidationError

from sobctl.i18n import _
from sobctl.model.codes import severity_of
from sobctl.model.diagnostic import Diagnostic, Pointer
from sobctl.model.entities import (
    Agreement,
    Config,
    Grant,
    Ownership,
    OwnershipInfo,
    Person,
    Program,
    Role,
    Unit,
    UnitType,
)
from sobctl.repo.schema_errors import schema_message
from sobctl.repo.yamlio import ParseFailure, compose, decode, load_fast, locate, read_bounded

CONFIG_FILE = "sobctl.yaml"


@dataclass(frozen=True, slots=True)
class Folder:
    name: str
    kind: str
    model: type[BaseModel]
    id_field: str


FOLDERS: tuple[Folder, ...] = (
    Folder("catalogue", "program", Program, "id"),
    Folder("units", "unit", Unit, "hsa_id"),
    Folder("roles", "person", Person, "hsa_id"),
    Folder("agreements", "agreement", Agreement, "id"),
)
FOLDER_BY_KIND = {folder.kind: folder for folder in FOLDERS}
FOLDER_BY_NAME = {folder.name: folder for folder in FOLDERS}


def path_of(kind: str, ident: str) -> str:
    """The repository-relative path of a document: the file name is the id."""
    if kind == "config":
        return CONFIG_FILE
    return f"{FOLDER_BY_KIND[kind].name}/{ident}.yaml"


def diagnostic(code: str, message: str, path: str, pointer: Pointer = (), **kwargs: Any) -> Diagnostic:
    """A diagnostic with its severity taken from the code table."""
    return Diagnostic(code, severity_of(code), message, path, pointer, **kwargs)


class Tracker:
    """Notes what each subject's rules look up, so a later run knows whom a change concerns.

    A rule run attributes every lookup made while a subject (a document's path) is current to
    that subject: ``unit:ID``, ``program:ID``, ``person:ID``, ``agreement:ID`` for documents
    (found or not), ``unit-head:ID`` for a unit's type, parent and ownership, ``scope:HSA-ID``
    for who holds roles on a unit, ``email:ADDRESS``. Subjects are numbered (``subjects``,
    which may start from an earlier run's list); ``readers`` maps each key to the numbers of
    the subjects that looked it up, possibly repeated (see :meth:`packed`).
    """

    __slots__ = ("number", "numbers", "readers", "subject", "subjects")

    def __init__(self, subjects: list[str] | None = None) -> None:
        self.subject: str | None = None
        self.number = -1
        self.subjects: list[str] = list(subjects or ())
        self.numbers: dict[str, int] | None = None
        self.readers: dict[str, array[int]] = {}

    def begin(self, subject: str) -> None:
        if self.numbers is None:
            self.numbers = {path: number for number, path in enumerate(self.subjects)}
        number = self.numbers.get(subject)
        if number is None:
            number = self.numbers[subject] = len(self.subjects)
            self.subjects.append(subject)
        self.subject = subject
        self.number = number

    def end(self) -> None:
        self.subject = None
        self.number = -1

    def note(self, key: str) -> None:
        number = self.number
        if number < 0:
            return
        listed = self.readers.get(key)
        if listed is None:
            self.readers[key] = array("I", (number,))
        elif listed[-1] != number:
            listed.append(number)

    def absorb(self, subjects: list[str], readers: dict[str, array[int]]) -> None:
        """Add what another tracker learnt (numbered by its own ``subjects``), e.g. a forked child's."""
        if self.numbers is None:
            self.numbers = {path: number for number, path in enumerate(self.subjects)}
        numbers = self.numbers
        mapping = []
        for subject in subjects:
            number = numbers.get(subject)
            if number is None:
                number = numbers[subject] = len(self.subjects)
                self.subjects.append(subject)
            mapping.append(number)
        for key, theirs in readers.items():
            listed = self.readers.get(key)
            if listed is None:
                listed = self.readers[key] = array("I")
            listed.extend(mapping[number] for number in theirs)

    def packed(self, key: str) -> array[int]:
        """The subjects that looked ``key`` up, each once, in order."""
        return array("I", sorted(set(self.readers.get(key, ()))))


class Docs(dict[str, Any]):
    """A workspace's documents of one kind by id that tell a tracker about every lookup.

    Used instead of a plain dict only while rules run under a :class:`Tracker`; iteration is
    not noted (rules iterate through their context, which makes each document current).
    """

    __slots__ = ("prefix", "tracker")

    def __init__(self, items: dict[str, Any], prefix: str, tracker: Tracker) -> None:
        super().__init__(items)
        self.prefix = prefix
        self.tracker = tracker

    def get(self, key: str, default: Any = None) -> Any:
        self.tracker.note(self.prefix + key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self.tracker.note(self.prefix + str(key))
        return super().__contains__(key)

    def __getitem__(self, key: str) -> Any:
        self.tracker.note(self.prefix + key)
        return super().__getitem__(key)


KINDS = ("program", "unit", "person", "agreement")


class UnitHead(NamedTuple):
    """A unit's type, parent and ownership: all that rules read of a unit they do not judge."""

    type: UnitType
    parent: str | None
    ownership: OwnershipInfo | None

    @classmethod
    def of(cls, unit: Unit) -> UnitHead:
        return cls(unit.type, unit.parent, unit.ownership)

    def dump(self) -> str:
        """The head as one string (ids are never empty, so an empty part means none)."""
        ownership = self.ownership
        return "\0".join((self.type.value, self.parent or "", ownership.kind.value if ownership else "",
                           (ownership.care_agreement or "") if ownership else ""))

    @classmethod
    def from_rows(cls, rows: Any, loaded: dict[str, UnitHead], unit_id: str) -> UnitHead | None:
        """The head of ``unit_id`` from ``rows`` (unit id → :meth:`dump`; None when there is no
        such unit), each row read once into ``loaded``."""
        head = loaded.get(unit_id)
        if head is None:
            row = rows.get(unit_id)
            if row is None:
                return None
            head = loaded[unit_id] = cls.load(row)
        return head

    @classmethod
    def load(cls, row: str) -> UnitHead:
        kind, parent, owner_kind, agreement = row.split("\0")
        ownership = (OwnershipInfo.model_construct(kind=Ownership(owner_kind), care_agreement=agreement or None)
                     if owner_kind else None)
        return cls(UnitType(kind), parent or None, ownership)


@dataclass
class Workspace:
    """Everything that was read successfully, plus the diagnostics of what was not."""

    root: Path
    config: Config | None = None
    programs: dict[str, Program] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    agreements: dict[str, Agreement] = field(default_factory=dict)
    load_diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    tracker: Tracker | None = None
    #: The bytes sobctl.yaml was read from (None if it was not), for the cache to check them.
    config_bytes: bytes | None = field(default=None, repr=False)
    #: Per-run memos of what many documents ask again (see :meth:`forget`): a unit's lineage
    #: (ancestor chain and nearest ownership) and a person's grants of a set of roles.
    _lineages: dict[str, Lineage] = field(default_factory=dict, init=False, repr=False, compare=False)
    _role_grants: dict[tuple[str, frozenset[Role]], list[Grant]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def forget(self) -> None:
        """Drop the memos (a rule run starts with none: the documents may have been replaced)."""
        self._lineages = {}
        self._role_grants = {}

    def documents(self, kind: str) -> dict[str, Any]:
        """The documents of ``kind`` (program, unit, person, agreement) by id."""
        tables: dict[str, dict[str, Any]] = {
            "program": self.programs, "unit": self.units, "person": self.people, "agreement": self.agreements,
        }
        return tables[kind]

    def tracked(self, tracker: Tracker) -> Workspace:
        """The same documents (a workspace of the same kind, with the same other fields), with
        every lookup the rules make noted by ``tracker``; no memo carried over."""
        return replace(
            self,
            programs=Docs(self.programs, "program:", tracker), units=Docs(self.units, "unit:", tracker),
            people=Docs(self.people, "person:", tracker), agreements=Docs(self.agreements, "agreement:", tracker),
            tracker=tracker,
        )

    def _note(self, key: str) -> None:
        if self.tracker is not None:
            self.tracker.note(key)

    @property
    def provider_id(self) -> str | None:
        return self.config.care_provider.hsa_id if self.config else None

    @cached_property
    def grants_by_scope(self) -> dict[str, list[tuple[Person, int, Grant]]]:
        """Every grant (with its index in the person's file) by the unit it is scoped to."""
        index: dict[str, list[tuple[Person, int, Grant]]] = defaultdict(list)
        for person in dict.values(self.people):
            for position, grant in enumerate(person.grants):
                index[grant.scope].append((person, position, grant))
        return index

    def granted_on(self, scope: str) -> list[tuple[Person, int, Grant]]:
        """Every grant scoped to ``scope``, with its holder and its index in the holder's file."""
        if self.tracker is not None:
            self.tracker.note("scope:" + scope)
        return self.grants_by_scope.get(scope, [])

    @cached_property
    def person_by_email(self) -> dict[str, Person]:
        return {email.lower(): p for p in dict.values(self.people) for email in p.emails}

    @cached_property
    def _people_by_email(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = defaultdict(list)
        for person_id, person in dict.items(self.people):
            for email in person.emails:
                holders = index[email.lower()]
                if person_id not in holders:
                    holders.append(person_id)
        return index

    def people_with_email(self, email: str) -> list[str]:
        """The ids of everyone listing ``email`` (any case), in the order of their files."""
        self._note("email:" + email.lower())
        return self._people_by_email.get(email.lower(), [])

    @cached_property
    def grants_by_scope_role(self) -> dict[tuple[str, str], list[tuple[Person, Grant]]]:
        """Every grant with its holder by (scope, role value), in the order of ``grants_by_scope``."""
        index: dict[tuple[str, str], list[tuple[Person, Grant]]] = defaultdict(list)
        for person in dict.values(self.people):
            for grant in person.grants:
                index[(grant.scope, grant.role._value_)].append((person, grant))
        return index

    def holders(self, role: Role, scope: str, on: dt.date) -> list[Person]:
        """People holding ``role`` on ``scope`` on the given day (each once). Notes what
        ``granted_on(scope)`` notes, and every holder found."""
        tracker = self.tracker
        if tracker is not None:
            tracker.note("scope:" + scope)
        granted = self.grants_by_scope_role.get((scope, role._value_))
        if not granted:
            return []
        seen: dict[str, Person] = {}
        for person, grant in granted:
            if grant.in_force(on):
                seen.setdefault(person.hsa_id, person)
        if tracker is not None:
            for person_id in seen:
                tracker.note("person:" + person_id)
        return list(seen.values())

    def _in_force(self, granted: Iterable[tuple[Person, Grant]], on: dt.date) -> list[Person]:
        """The holders (each once, first come first) of the grants in ``granted`` in force on ``on``."""
        seen: dict[str, Person] = {}
        for person, grant in granted:
            if grant.in_force(on):
                seen.setdefault(person.hsa_id, person)
        tracker = self.tracker
        if tracker is not None:
            for person_id in seen:
                tracker.note("person:" + person_id)
        return list(seen.values())

    @cached_property
    def grants_by_person_role(self) -> dict[tuple[str, str], list[Grant]]:
        """Every grant by (person, role value): role checks without scanning a person's grants.

        Keyed by the role's plain string value: hashing the enum member runs Python code."""
        index: dict[tuple[str, str], list[Grant]] = defaultdict(list)
        for person_id, person in dict.items(self.people):
            for grant in person.grants:
                index[(person_id, grant.role._value_)].append(grant)
        return index

    def grants_of(self, person_id: str, role: Role) -> list[Grant]:
        """The grants of ``role`` that ``person_id`` holds (in force or not)."""
        self._note("person:" + person_id)
        return self.grants_by_person_role.get((person_id, role._value_), [])

    def grants_in(self, person_id: str, roles: frozenset[Role]) -> list[Grant]:
        """The grants of any of ``roles`` that ``person_id`` holds (in force or not), role by role.

        Memoised; a repeated question notes what the first one did (``person:ID``)."""
        key = (person_id, roles)
        found = self._role_grants.get(key)
        if found is None:
            found = []
            for role in roles:
                found.extend(self.grants_of(person_id, role))
            self._role_grants[key] = found
        elif self.tracker is not None and roles:
            self.tracker.note("person:" + person_id)
        return found

    def holds_any(self, person_id: str, roles: Iterable[Role], scopes: Collection[str], on: dt.date) -> bool:
        """``holds`` for any of ``roles`` on any of ``scopes`` (one index lookup per role)."""
        for role in roles:
            for grant in self.grants_of(person_id, role):
                if grant.scope in scopes and grant.in_force(on):
                    return True
        return False

    def holds(self, person_id: str, role: Role, scope: str, on: dt.date) -> bool:
        return any(g.scope == scope and g.in_force(on) for g in self.grants_of(person_id, role))

    def unit_head(self, unit_id: str) -> UnitHead | Unit | None:
        """What rules may know of another unit than the one they judge: its type, parent and
        ownership (None when there is no such unit). A unit's other fields concern only itself."""
        if self.tracker is not None:
            self.tracker.note("unit-head:" + unit_id)
        return self._head(unit_id)

    def _head(self, unit_id: str) -> UnitHead | Unit | None:
        """``unit_head`` without noting the lookup (the caller notes it); what subclasses that
        hold other units as heads override."""
        return dict.get(self.units, unit_id)

    def lineage(self, unit_id: str) -> Lineage:
        """The unit's ancestor chain (itself first) and nearest declared ownership: (chain, unit
        that declares the ownership or the unit itself when none does, OwnershipInfo or None).
        See :meth:`ancestors` and :meth:`ownership_of`. Memoised; every call notes the head of
        every unit in the chain, which is what walking the chain looks up."""
        found = self._lineages.get(unit_id)
        if found is None:
            found = self._lineage(unit_id)
        tracker = self.tracker
        if tracker is not None:
            note = tracker.note
            for member in found[0]:
                note("unit-head:" + member)
        return found

    def _lineage(self, unit_id: str) -> Lineage:
        """Build and memoise a lineage from the parent's (walking up to the first unit whose
        lineage is known, or the root, and back down): each head is read once per run."""
        memo = self._lineages
        head = self._head
        unit = head(unit_id)
        if unit is not None and unit.parent is not None:  # the common case: the parent's is known
            above = memo.get(unit.parent)
            if above is not None and unit_id not in above[0]:
                found = memo[unit_id] = _below(unit_id, unit, above)
                return found
        walked: list[tuple[str, UnitHead | Unit | None]] = [(unit_id, unit)]
        on_walk = {unit_id}
        above = None
        current = unit.parent if unit is not None else None
        while current is not None:
            above = memo.get(current)
            if above is not None:
                break
            if current in on_walk:  # a cycle no lineage is known on yet: walk each unit alone
                for walked_id, _unit in walked:
                    memo[walked_id] = self._walk(walked_id)
                return memo[unit_id]
            on_walk.add(current)
            unit = head(current)
            walked.append((current, unit))
            current = unit.parent if unit is not None else None
        for walked_id, unit in reversed(walked):
            if unit is None or above is None:  # an unknown id or the root: the chain ends here
                above = ((walked_id,), walked_id, unit.ownership if unit is not None else None)
            elif walked_id in above[0]:  # the parents lead back here
                above = self._walk(walked_id)
            else:
                above = _below(walked_id, unit, above)
            memo[walked_id] = above
        assert above is not None
        return above

    def _walk(self, unit_id: str) -> Lineage:
        """The lineage of ``unit_id`` by walking its chain alone (no memo read or written)."""
        chain: list[str] = []
        owner: tuple[str, OwnershipInfo | None] | None = None
        current: str | None = unit_id
        while current is not None and current not in chain:
            chain.append(current)
            unit = self._head(current)
            if unit is None:
                break
            if owner is None and unit.ownership is not None:
                owner = (current, unit.ownership)
            current = unit.parent
        owner_id, ownership = owner if owner is not None else (unit_id, None)
        return (tuple(chain), owner_id, ownership)

    def ancestors(self, unit_id: str) -> tuple[str, ...]:
        """The unit itself and its parents up to the root (stops at unknown ids or a cycle)."""
        return self.lineage(unit_id)[0]

    def ownership_of(self, unit_id: str) -> tuple[str, Any]:
        """The nearest declared ownership up the tree: (unit that declares it, OwnershipInfo|None)."""
        _chain, owner_id, ownership = self.lineage(unit_id)
        return owner_id, ownership


#: A unit's ancestor chain (itself first), the unit that declares the nearest ownership on it
#: (the unit itself when none does) and that ownership (see ``Workspace.lineage``).
Lineage = tuple[tuple[str, ...], str, OwnershipInfo | None]


def _below(unit_id: str, unit: UnitHead | Unit, above: Lineage) -> Lineage:
    """The lineage of a unit whose parent's lineage is ``above`` (which does not contain it)."""
    chain, owner_id, ownership = above
    if unit.ownership is not None:
        return ((unit_id, *chain), unit_id, unit.ownership)
    if ownership is not None:
        return ((unit_id, *chain), owner_id, ownership)
    return ((unit_id, *chain), unit_id, None)


def parse_document(relpath: str, raw: bytes, model: type[BaseModel]) -> tuple[BaseModel | None, list[Diagnostic]]:
    """Bytes of one file to a validated model, or diagnostics saying why not. Pure."""
    try:
        text = decode(raw)
        data = load_fast(text)
    except ParseFailure as failure:
        return None, [
            diagnostic(
                failure.code, failure.message, relpath, line=failure.line, column=failure.column, hint=failure.hint
            )
        ]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [_schema_diagnostic(relpath, error, text) for error in exc.errors(include_url=False)]


def _schema_diagnostic(relpath: str, error: Any, text: str = "") -> Diagnostic:
    pointer: Pointer = tuple(error["loc"])
    where = ".".join(str(p) for p in pointer) or _("document")
    kind = error["type"]
    if kind == "missing":
        return diagnostic(
            "SOB010", _("missing field '{field}'").format(field=where), relpath, pointer[:-1], extra={"field": where}
        )
    if kind == "extra_forbidden":
        return diagnostic(
            "SOB011",
            _("unknown field '{field}'").format(field=where),
            relpath,
            pointer,
            hint=_("check the spelling against the schema in schemas/"),
        )
    return diagnostic("SOB012", schema_message(error, where, text), relpath, pointer)


Overlay = dict[str, bytes | None]
"""Pending changes by repository path (None: deleted), seen instead of the disk's bytes."""


#: How a content file is first opened: never through a link, never waiting (a FIFO).
_PLAIN_OPEN = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
#: One read of this many bytes takes a whole content file (they are a few kilobytes).
_FIRST_READ = (1 << 16) + 1


def _read_file(root: Path, relpath: str, overlay: Overlay | None = None) -> tuple[bytes | None, Diagnostic | None]:
    """Read one file, refusing symlinks that leave the repository and non-regular files.

    The common case costs one open and one read: a file that is no link and whose every byte
    (at least one, less than 64 KiB) comes back from the first read. Anything else (a link, an
    empty or a large file, anything that is not a file) is looked at first, as below."""
    if overlay is not None and relpath in overlay:
        return overlay[relpath], None
    full = os.path.join(root, relpath)
    try:
        descriptor = os.open(full, _PLAIN_OPEN)
    except OSError:
        pass  # a link, or gone: said below
    else:
        try:
            data = os.read(descriptor, _FIRST_READ)
        except OSError:
            data = b""  # a folder, say: said below
        finally:
            os.close(descriptor)
        if 0 < len(data) < _FIRST_READ:
            return data, None
    try:
        info = os.lstat(full)
        if stat.S_ISLNK(info.st_mode):
            target = Path(full).resolve()
            if not target.is_relative_to(root.resolve()):
                return None, diagnostic(
                    "SOB007",
                    _("symlink points outside the repository ({target})").format(target=os.readlink(full)),
                    relpath,
                )
            try:
                info = os.stat(full)
            except OSError:
                return None, diagnostic("SOB007", _("not a regular file"), relpath)
        if not stat.S_ISREG(info.st_mode):
            return None, diagnostic("SOB007", _("not a regular file"), relpath)
        if info.st_size > 1024 * 1024:
            return None, diagnostic(
                "SOB005",
                _("file is {size} bytes; sobctl reads at most {limit}").format(
                    size=f"{info.st_size:,}", limit="1,048,576"
                ),
                relpath,
            )
        return _read_all(full, info.st_size), None
    except OSError as exc:
        return None, diagnostic("SOB007", _("cannot read the file: {reason}").format(reason=exc.strerror), relpath)


def _read_all(full: str, size: int) -> bytes:
    """Every byte of the file at ``full`` (``size``: its size when it was checked).

    Plain ``os.read`` on a descriptor: a national repository is tens of thousands of small
    files, and the buffered file object ``open()`` builds for each costs more than the read.
    Unless exactly ``size`` bytes come back (the file grew, or a short read), reading goes on to
    the end, as ``open().read()`` would."""
    fd = os.open(full, os.O_RDONLY)
    try:
        data = os.read(fd, size + 1)
        if len(data) == size:
            return data
        pieces = [data]
        while piece := os.read(fd, 1 << 16):
            pieces.append(piece)
        return b"".join(pieces)
    finally:
        os.close(fd)


def discover(root: Path) -> tuple[list[tuple[str, Folder]], list[Diagnostic]]:
    """Every content file by folder, plus diagnostics for files that do not belong."""
    found: list[tuple[str, Folder]] = []
    problems: list[Diagnostic] = []
    for folder in FOLDERS:
        directory = root / folder.name
        if directory.is_symlink() and not directory.resolve().is_relative_to(root.resolve()):
            where = os.readlink(directory)
            problems.append(
                diagnostic("SOB007", _("folder symlink points outside the repository ({target})").format(target=where),
                           folder.name, line=1, column=1)
            )
            continue
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except FileNotFoundError:
            continue
        except NotADirectoryError:
            message = _("'{folder}' must be a folder").format(folder=folder.name)
            problems.append(diagnostic("SOB007", message, folder.name, line=1, column=1))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            relpath = f"{folder.name}/{entry.name}"
            if not entry.name.endswith(".yaml") or entry.is_dir(follow_symlinks=False):
                hint = _("rename it to .yaml") if entry.name.endswith(".yml") else _(
                    "move it out of the content folder"
                )
                what = _("'{name}' is a folder, not a .yaml document") if entry.is_dir(follow_symlinks=False) else (
                    _("'{name}' is not a .yaml document")
                )
                message = what.format(name=entry.name)
                problems.append(diagnostic("SOB008", message, relpath, line=1, column=1, hint=hint))
                continue
            found.append((relpath, folder))
    return found, problems


def load_workspace(
    root: Path,
    overlay: Overlay | None = None,
    *,
    known: dict[str, Prepared] | None = None,
    keep: Callable[[str, Prepared], None] | None = None,
) -> Workspace:
    """Read the repository at ``root``; content problems become diagnostics, never exceptions.

    ``overlay`` replaces files' bytes (None deletes them): how a change is validated before
    anything is written. ``known`` supplies cached parse results by path (the cache vouches
    that they belong to the files' current bytes; used entries are removed from it); ``keep``
    is handed every file's parse result (for the cache to store).

    The cyclic garbage collector is paused while loading: the models form no cycles, and
    each full collection would walk the millions of objects loaded so far once more.
    """
    import gc

    paused = gc.isenabled()
    gc.disable()
    try:
        return _load_workspace(root, overlay, known, keep)
    finally:
        if paused:
            gc.enable()


def _load_workspace(
    root: Path,
    overlay: Overlay | None,
    known: dict[str, Prepared] | None,
    keep: Callable[[str, Prepared], None] | None,
) -> Workspace:
    workspace, files = start_workspace(root, overlay)
    load_files(workspace, root, files, overlay, known, keep)
    return workspace


def start_workspace(root: Path, overlay: Overlay | None = None) -> tuple[Workspace, list[tuple[str, Folder]]]:
    """A workspace holding sobctl.yaml and the discovery's diagnostics, and the content files
    still to load into it (in file order)."""
    workspace = Workspace(root=root)
    diagnostics = workspace.load_diagnostics
    config_exists = (
        (root / CONFIG_FILE).exists() or (root / CONFIG_FILE).is_symlink() or bool(overlay and overlay.get(CONFIG_FILE))
    )
    raw, problem = _read_file(root, CONFIG_FILE, overlay) if config_exists else (None, None)
    workspace.config_bytes = raw
    workspace.files += 1 if raw is not None or problem is not None else 0
    if problem:
        diagnostics.append(problem)
    elif raw is None:
        diagnostics.append(missing_config())
    else:
        config, problems = parse_document(CONFIG_FILE, raw, Config)
        diagnostics.extend(problems)
        workspace.config = config if isinstance(config, Config) else None

    files, problems = discover(root)
    if overlay:
        files = _with_overlay(files, overlay)
    diagnostics.extend(problems)
    workspace.files += len(files) + len(problems)
    return workspace, files


# --- the loading loop: serial for small repositories, over every core for large ones -----------

#: Below this many files a worker pool costs more than it saves.
PARALLEL_MIN_FILES = 3000
_DATE_KEYS = (
    b"date|at|granted_at|valid_from|valid_to|revoked_at|ended|last_review|published|activated|expires|hsa_valid_to"
)
_DATE_KEY_SET = frozenset(_DATE_KEYS.split(b"|"))
#: A date as a plain mapping value at the end of its line, and any date-like text at all.
_DATE_VALUE = re.compile(rb"(?m): [0-9]{4}-[0-9]{2}-[0-9]{2}[ \t]*\r?$")
_DATE_LIKE = re.compile(rb"-[0-9]{1,2}-[0-9]")


def _dates_in_date_fields(raw: bytes) -> int | None:
    """How many ``key: YYYY-MM-DD`` lines there are, or None if one of them is not a date field."""
    count = 0
    for match in _DATE_VALUE.finditer(raw):
        end = match.start()
        key = raw[raw.rfind(b"\n", 0, end) + 1 : end].lstrip(b" \t").removeprefix(b"- ").lstrip(b" ")
        if key not in _DATE_KEY_SET:
            return None
        count += 1
    return count

Prepared = tuple[Any, ...]
"""One file made ready for validation, picklable and cacheable:
``("json", bytes)`` the parsed document as JSON (only when JSON says exactly what YAML said),
``("yaml", bytes)`` the raw bytes, to be parsed and validated in Python mode, or
``("fail", code, message, line, column)`` the file could not be parsed."""


def prepare(raw: bytes) -> Prepared:
    """Parse one file's bytes for validation. Pure; the work a pool worker does.

    The parsed mapping is handed on as JSON (validated by pydantic-core straight from bytes,
    without building Python dicts) only when that cannot change the verdict: every date is a
    plain value of a date field, and nothing JSON lacks (non-string keys, infinite floats,
    huge ints) or writes ambiguously (null) appears. Anything else is handed on as YAML bytes
    and validated exactly as before.
    """
    parsed = parse_raw(raw)
    return parsed if isinstance(parsed, tuple) else as_json(raw, parsed)


def parse_raw(raw: bytes) -> dict[str, Any] | Prepared:
    """The mapping one file's bytes hold, or its ``("fail", …)`` preparation."""
    try:
        return load_fast(decode(raw))
    except ParseFailure as failure:
        return ("fail", failure.code, failure.message, failure.line, failure.column)


def as_json(raw: bytes, data: dict[str, Any]) -> Prepared:
    """The preparation of a parsed file (``prepare``'s second step): JSON when it says exactly
    what the YAML says, else the YAML bytes."""
    import orjson

    dates = 0

    def count_date(value: Any) -> str:
        nonlocal dates
        if value.__class__ is dt.date:
            dates += 1
            return str(value.isoformat())
        raise TypeError(type(value).__name__)

    try:
        payload = orjson.dumps(data, default=count_date, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except (TypeError, orjson.JSONEncodeError):
        return ("yaml", raw)
    if dates and not dates == len(_DATE_LIKE.findall(raw)) == _dates_in_date_fields(raw):
        return ("yaml", raw)
    if b"null" in payload:
        return ("yaml", raw)  # a null, or an infinite or NaN float that JSON can only write as null
    return ("json", payload)


def validate_prepared(
    relpath: str,
    prepared: Prepared,
    model: type[BaseModel],
    reread: Callable[[], bytes | None] | None = None,
) -> tuple[BaseModel | None, list[Diagnostic]]:
    """The validated model of a prepared file, or its diagnostics (same verdict as ``parse_document``).

    A file that fails is read again through ``reread`` when it is given and its diagnostics made
    from its text, exactly as ``parse_document`` makes them (hints, and values as the file writes
    them, e.g. an unquoted 1.10); failing files are few, so this costs nothing at scale.
    """
    kind = prepared[0]
    if kind == "json":
        payload = prepared[1]
        try:
            return model.model_validate_json(payload if isinstance(payload, bytes) else bytes(payload)), []
        except ValidationError as exc:
            raw = reread() if reread is not None else None
            if raw is not None:
                return parse_document(relpath, raw, model)
            return None, [_schema_diagnostic(relpath, error) for error in exc.errors(include_url=False)]
    if kind == "fail":
        raw = reread() if reread is not None else None
        if raw is not None:
            return parse_document(relpath, raw, model)
        _, code, message, line, column = prepared[:5]
        return None, [diagnostic(code, message, relpath, line=line, column=column)]
    return parse_document(relpath, prepared[1], model)


def read_and_prepare(root: Path, relpath: str) -> tuple[Prepared | Diagnostic, bytes | None]:
    """``_prepare_path``, and the bytes it read (None when the file could not be read)."""
    raw, problem = _read_file(root, relpath)
    if problem is not None or raw is None:
        return problem or diagnostic("SOB007", "unreadable", relpath), None
    return prepare(raw), raw


def read_and_validate(
    root: Path, relpath: str, model: type[BaseModel], want_prepared: bool
) -> tuple[Prepared | Diagnostic | None, bytes | None, Outcome]:
    """Read one file and validate what it holds in Python mode (the reference semantics, and
    cheaper than JSON mode when the parsed mapping is at hand): its preparation for the cache
    (with ``want_prepared``, else None), the bytes read and its outcome."""
    raw, problem = _read_file(root, relpath)
    if problem is not None or raw is None:
        problem = problem or diagnostic("SOB007", "unreadable", relpath)
        return problem, None, (None, [problem])
    parsed = parse_raw(raw)
    if isinstance(parsed, tuple):
        return parsed, raw, parse_document(relpath, raw, model)
    try:
        document = model.__pydantic_validator__.validate_python(parsed)
    except ValidationError:
        # Its diagnostics, made from the text; its preparation with every check of ``as_json``.
        return as_json(raw, parsed) if want_prepared else None, raw, parse_document(relpath, raw, model)
    return _json_of_valid(raw, parsed) if want_prepared else None, raw, (document, [])


def _json_of_valid(raw: bytes, data: dict[str, Any]) -> Prepared:
    """The preparation of a mapping that passed its model in Python mode: JSON with no further
    checks. The models have no float and no free-form mapping, so a valid document holds no
    NaN, no non-string key, and a date only where a date field takes it (orjson writes dates
    itself); JSON mode then reads the very values Python mode did. A date field also takes a
    timestamp at midnight: JSON would carry it as a date-time, so such documents (and any
    text that merely looks like one) stay YAML, as does anything orjson cannot write."""
    import orjson

    try:
        payload = orjson.dumps(data)
    except (TypeError, orjson.JSONEncodeError):
        return ("yaml", raw)
    return ("yaml", raw) if b"T00:00:00" in payload else ("json", payload)


def _prepare_path(root: Path, relpath: str) -> Prepared | Diagnostic:
    """Read and parse one file (a read problem comes back as its diagnostic)."""
    raw, problem = _read_file(root, relpath)
    if problem is not None or raw is None:
        return problem or diagnostic("SOB007", "unreadable", relpath)
    return prepare(raw)


def _prepare_each(root: Path, relpaths: list[str]) -> Iterator[Prepared | Diagnostic]:
    """Read and parse files one by one."""
    for relpath in relpaths:
        yield _prepare_path(root, relpath)


def jobs() -> int:
    """Processes that parse, this one included: $SOBCTL_JOBS, else the cores this process may use."""
    wanted = os.environ.get("SOBCTL_JOBS", "")
    if wanted.isdigit():
        return max(1, int(wanted))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def prepared_files(
    root: Path, relpaths: list[str], known: dict[str, Prepared] | None = None
) -> Iterator[tuple[str, Prepared | Diagnostic]]:
    """Each file ready for validation, by path, in no set order; ``known`` (from a cache) is used
    where given.

    Large sets are read and parsed by a pool of forked workers, streamed in chunks so the
    caller validates one chunk while the workers parse the next; the files ``known`` come
    first, validated while the workers start.
    """
    todo = [relpath for relpath in relpaths if not known or relpath not in known]
    if known:
        for relpath in relpaths:
            if relpath in known:
                yield relpath, known.pop(relpath)
    processes = jobs()
    if len(todo) >= PARALLEL_MIN_FILES and processes > 1 and "fork" in _start_methods():
        yield from _parallel(root, todo, processes - 1)
    else:
        yield from zip(todo, _prepare_each(root, todo), strict=True)


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()


def _parallel(root: Path, relpaths: list[str], workers: int) -> Iterator[tuple[str, Prepared | Diagnostic]]:
    """Each file's preparation, shared out between ``workers`` forked processes and this one
    (which prepares files itself only while nothing the workers made is waiting to be validated)."""
    from sobctl.repo.parallel import share_out

    for index, prepared in share_out(len(relpaths), lambda index: _prepare_path(root, relpaths[index]), workers):
        yield relpaths[index], prepared


def load_files(
    workspace: Workspace,
    root: Path,
    files: list[tuple[str, Folder]],
    overlay: Overlay | None,
    known: dict[str, Prepared] | None = None,
    keep: Callable[[str, Prepared], None] | None = None,
) -> None:
    """Validate ``files`` into the workspace. ``known``: cached preparations by path; ``keep``
    receives every file's preparation (for the cache)."""
    folders = dict(files)
    stream: Iterator[tuple[str, Prepared | Diagnostic]]
    if overlay:
        # The pending changes are read as they stand; every other file as usual (in parallel).
        stream = _with_pending(root, files, overlay, known)
    else:
        stream = prepared_files(root, [relpath for relpath, _ in files], known)
    # Files arrive in no set order; their outcomes are taken in file order below, so the
    # workspace and its diagnostics are the same however the work was shared out.
    outcomes: dict[str, Outcome] = {}
    for relpath, prepared in stream:
        if keep is not None and not isinstance(prepared, Diagnostic):
            keep(relpath, prepared)
        outcomes[relpath] = validate_file(root, relpath, prepared, folders[relpath].model, overlay)
    settle(workspace, files, outcomes)


Outcome = tuple[BaseModel | None, list[Diagnostic]]
"""A file's document (None when it failed) and its diagnostics."""


def validate_file(
    root: Path, relpath: str, prepared: Prepared | Diagnostic, model: type[BaseModel], overlay: Overlay | None = None
) -> Outcome:
    """The outcome of one prepared file (or of its read problem)."""
    if isinstance(prepared, Diagnostic):
        return None, [prepared]
    if prepared[0] == "json":
        # The common case inline (this is the busiest call of a national load);
        # validate_prepared below handles everything else, failures included.
        payload = prepared[1]
        try:
            data = payload if payload.__class__ is bytes else bytes(payload)
            return model.__pydantic_validator__.validate_json(data), []
        except ValidationError:
            pass
    return validate_prepared(relpath, prepared, model, partial(_reread, root, relpath, overlay))


def settle(workspace: Workspace, files: list[tuple[str, Folder]], outcomes: dict[str, Outcome]) -> None:
    """Take every file's outcome into the workspace, in file order (the outcomes are used up)."""
    diagnostics = workspace.load_diagnostics
    targets: dict[str, dict[str, Any]] = {
        "program": workspace.programs,
        "unit": workspace.units,
        "person": workspace.people,
        "agreement": workspace.agreements,
    }
    for relpath, folder in files:
        document, problems = outcomes.pop(relpath)
        diagnostics.extend(problems)
        if document is None:
            continue
        ident = getattr(document, folder.id_field)
        mismatch = file_name_problem(relpath, folder, ident)
        if mismatch is not None:
            diagnostics.append(mismatch)
            continue
        targets[folder.kind][ident] = document


def file_name_problem(relpath: str, folder: Folder, ident: str) -> Diagnostic | None:
    """SOB009 when the file is not named after the id it holds (the file name is the id)."""
    stem = relpath.rsplit("/", 1)[1].removesuffix(".yaml")
    if ident == stem:
        return None
    return diagnostic(
        "SOB009",
        _("file name '{stem}' differs from {field} '{ident}'").format(stem=stem, field=folder.id_field, ident=ident),
        relpath,
        (folder.id_field,),
        hint=_("rename the file to {name}").format(name=f"{ident}.yaml"),
    )


def missing_config() -> Diagnostic:
    """SOB013: this is not a region repository."""
    return diagnostic(
        "SOB013",
        _("sobctl.yaml is missing"),
        CONFIG_FILE,
        hint=_("run sobctl in a region repository, or pass --repo PATH"),
    )


def _reread(root: Path, relpath: str, overlay: Overlay | None) -> bytes | None:
    return _read_file(root, relpath, overlay)[0]


def _with_pending(
    root: Path, files: list[tuple[str, Folder]], overlay: Overlay, known: dict[str, Prepared] | None
) -> Iterator[tuple[str, Prepared | Diagnostic]]:
    for relpath, _folder in files:
        if relpath in overlay:
            yield relpath, _prepare_one(root, relpath, overlay)
    yield from prepared_files(root, [relpath for relpath, _folder in files if relpath not in overlay], known)


def _prepare_one(root: Path, relpath: str, overlay: Overlay | None) -> Prepared | Diagnostic:
    raw, problem = _read_file(root, relpath, overlay)
    if problem is not None or raw is None:
        return problem or diagnostic("SOB007", _("unreadable"), relpath)
    return ("yaml", raw)


def _with_overlay(files: list[tuple[str, Folder]], overlay: Overlay) -> list[tuple[str, Folder]]:
    by_name = FOLDER_BY_NAME
    present = {relpath for relpath, _ in files}
    result = [(relpath, folder) for relpath, folder in files if overlay.get(relpath, b"") is not None]
    for relpath, data in sorted(overlay.items()):
        folder_name = relpath.split("/", 1)[0]
        if data is not None and relpath not in present and folder_name in by_name and relpath.endswith(".yaml"):
            result.append((relpath, by_name[folder_name]))
    return result


def resolve_locations(root: Path, diagnostics: list[Diagnostic], overlay: Overlay | None = None) -> None:
    """Fill in line and column from each diagnostic's pointer, parsing only the files involved."""
    by_path: dict[str, list[Diagnostic]] = defaultdict(list)
    for item in diagnostics:
        if item.line is None:
            by_path[item.path].append(item)
    for relpath, items in by_path.items():
        tree = None
        try:
            raw = overlay[relpath] if overlay and relpath in overlay else read_bounded(root, relpath)
            tree = compose(decode(raw)) if raw else None
        except Exception:
            tree = None
        for item in items:
            item.line, item.column = locate(tree, item.pointer) if tree is not None else (1, 1)


def load_workspace_from_blobs(
    blobs: dict[str, str],
    read: Callable[[list[str]], list[bytes]],
    root: Path | None = None,
    parsed: dict[tuple[str, str], Outcome] | None = None,
    stored: Any = None,
) -> Workspace:
    """``load_workspace_from_files`` for a tree given as path → blob id: ``read`` fetches blobs'
    bytes (in one go), ``stored`` (a parse store by content id, see ``repo.cache``) spares
    reading and parsing the documents it holds, and ``parsed`` remembers each (path, blob id)
    loaded, so two revisions loaded with one mapping load the files they share once."""
    parsed = {} if parsed is None else parsed
    documents = [(relpath, folder) for relpath in sorted(blobs) if (folder := _tree_folder(relpath)) is not None]
    missing: list[tuple[str, Folder]] = []
    for relpath, folder in documents:
        blob = blobs[relpath]
        if (relpath, blob) in parsed:
            continue
        prepared = stored.get(blob) if stored is not None else None
        if prepared is None:
            missing.append((relpath, folder))
        else:
            parsed[(relpath, blob)] = validate_prepared(relpath, prepared, folder.model, partial(_read_one, read, blob))
    config_blob = blobs.get(CONFIG_FILE)
    wanted = [blobs[relpath] for relpath, _folder in missing] + ([config_blob] if config_blob is not None else [])
    contents = read(wanted)
    config_raw = contents.pop() if config_blob is not None else None
    contents.reverse()  # taken from the end, so each file's bytes go as soon as it is parsed
    for relpath, folder in missing:
        parsed[(relpath, blobs[relpath])] = parse_document(relpath, contents.pop(), folder.model)
    return _workspace_of_tree(documents, config_raw, lambda relpath, _folder: parsed[(relpath, blobs[relpath])], root)


def _read_one(read: Callable[[list[str]], list[bytes]], blob: str) -> bytes:
    return read([blob])[0]


def load_workspace_from_files(
    files: dict[str, bytes],
    root: Path | None = None,
    parsed: dict[tuple[str, bytes], tuple[BaseModel | None, list[Diagnostic]]] | None = None,
) -> Workspace:
    """A workspace from a path → bytes mapping (e.g. a commit's tree); the same rules as on disk.

    Only ``sobctl.yaml`` and the ``.yaml`` documents directly inside the content folders count;
    bad documents become diagnostics and are left out, as :func:`load_workspace` does. ``parsed``
    remembers each (path, bytes) parsed, so two revisions loaded with one mapping parse the files
    they share once (a diff of two national trees parses what changed, not everything twice).
    """

    def outcome(relpath: str, folder: Folder) -> Outcome:
        key = (relpath, files[relpath])
        known = parsed.get(key) if parsed is not None else None
        if known is None:
            known = parse_document(relpath, files[relpath], folder.model)
            if parsed is not None:
                parsed[key] = known
        return known

    documents = [(relpath, folder) for relpath in sorted(files) if (folder := _tree_folder(relpath)) is not None]
    return _workspace_of_tree(documents, files.get(CONFIG_FILE), outcome, root)


def _tree_folder(relpath: str) -> Folder | None:
    """The content folder of a document in a tree (None for anything else, sobctl.yaml included):
    only ``.yaml`` files directly inside a content folder, not hidden, count."""
    folder_name, _, name = relpath.partition("/")
    folder = FOLDER_BY_NAME.get(folder_name)
    if folder is None or "/" in name or not name.endswith(".yaml") or name.startswith("."):
        return None
    return folder


def _workspace_of_tree(
    documents: list[tuple[str, Folder]],
    config_raw: bytes | None,
    outcome: Callable[[str, Folder], Outcome],
    root: Path | None,
) -> Workspace:
    """The workspace of a tree's sobctl.yaml and documents (in path order), each document's
    outcome given by ``outcome``."""
    workspace = Workspace(root=root or Path("."))
    if config_raw is not None:
        workspace.files += 1
        config, problems = parse_document(CONFIG_FILE, config_raw, Config)
        workspace.load_diagnostics.extend(problems)
        workspace.config = config if isinstance(config, Config) else None
    for relpath, folder in documents:
        workspace.files += 1
        document, problems = outcome(relpath, folder)
        workspace.load_diagnostics.extend(problems)
        ident = getattr(document, folder.id_field) if document is not None else None
        if ident is not None and ident == relpath.rsplit("/", 1)[1].removesuffix(".yaml"):
            workspace.documents(folder.kind)[ident] = document
    return workspace
