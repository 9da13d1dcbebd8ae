"""Every rule over a large repository on two cores, in one of two ways.

``check_in_halves`` (a full load): a forked child and this process each read, parse and
validate half of the files, judge their half of the documents and exchange only what the
other half needs: each unit's head (type, parent, ownership: all rules read of a unit they
do not judge) and the parsed programs, people and agreements, which every half holds whole.
Nothing built by one process has to be copied into the other, and no core waits for the
other's validation.

``run_checks_split`` (a workspace already loaded, e.g. from the parse cache): the child,
which shares the loaded workspace through ``fork``, judges every other document of each kind
and sends its findings (and, under a tracker, what its subjects looked up) back through a pipe;
the parent judges the other half meanwhile.

Either way the result is the same list of findings in another order (callers sort it), and a
child that fails costs time, never a finding: the parent then does that half itself.

A full load that keeps a parse cache makes none of it while the answer is awaited: both halves
hold every valid document as a model, and once the verdict is out the child writes its units'
JSON and the parent (through ``sobctl.lifetime.after_output``) everything else (:class:`Fill`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import pickle
import signal
import struct
import zlib
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sobctl import lifetime
from sobctl.model.diagnostic import Diagnostic
from sobctl.model.entities import Unit
from sobctl.repo.workspace import FOLDERS, Folder, Prepared, Tracker, UnitHead, Workspace, jobs

#: Below this many documents forking costs more than the second core saves.
SPLIT_MIN_DOCUMENTS = 3000


def run_checks_split(workspace: Workspace, today: dt.date) -> list[Diagnostic]:
    """``run_checks(workspace, today)``, on two cores when the workspace is large."""
    from sobctl.checks import run_checks

    documents = sum(len(workspace.documents(folder.kind)) for folder in FOLDERS)
    if documents < SPLIT_MIN_DOCUMENTS or jobs() < 2 or not hasattr(os, "fork"):
        return run_checks(workspace, today)
    mine, theirs = (0, 2), (1, 2)
    reader, writer = os.pipe()
    try:
        child = os.fork()
    except OSError:
        os.close(reader)
        os.close(writer)
        return run_checks(workspace, today)
    if child == 0:  # pragma: no cover - runs in the forked child, which reports through the pipe
        os.close(reader)
        status = 1
        try:
            found = run_checks(workspace, today, share=theirs)
            tracker = workspace.tracker
            reads = None
            if tracker is not None:
                reads = ({key: tracker.packed(key).tobytes() for key in tracker.readers}, tracker.subjects)
            _send(writer, (found, reads))
            status = 0
        finally:
            os._exit(status)
    os.close(writer)
    try:
        found = run_checks(workspace, today, share=mine)
        received = _receive(reader)
        _pid, status = os.waitpid(child, 0)
        child = 0
        outcome: Any = received if status == 0 else None
    except BaseException:
        if child:
            os.kill(child, 9)
            os.waitpid(child, 0)
        raise
    finally:
        os.close(reader)
    if outcome is None:  # the child failed: judge its half here
        return found + run_checks(workspace, today, share=theirs)
    their_findings, reads = outcome
    if reads is not None and workspace.tracker is not None:
        workspace.tracker.absorb(reads[1], {key: array("I", packed) for key, packed in reads[0].items()})
    return found + list(their_findings)


# --- a full load in two halves ----------------------------------------------------------------


class Keep(Protocol):
    """Where a full load hands its parse results (the parse cache's writer: ``repo.cache``)."""

    def __call__(self, relpath: str, prepared: Prepared, content_id: str | None = None) -> None:
        """One file's preparation, with the id of the bytes it was made from when known."""

    def take_part(self, descriptor: int, rows: list[tuple[str | None, int, int, int]]) -> None:
        """The child's units' JSON, written to ``descriptor``: (content id, offset, size, CRC) each."""

_LENGTH = struct.Struct(">Q")


@dataclass
class HalfWorkspace(Workspace):
    """One half's workspace: its own units whole, the other half's as heads (rows of
    ``UnitHead.dump``, read when asked for); every other document whole."""

    peer_heads: dict[str, str] = field(default_factory=dict, repr=False)
    loaded_heads: dict[str, Any] = field(default_factory=dict, repr=False)

    def _head(self, unit_id: str) -> Any:
        found = dict.get(self.units, unit_id)
        return found if found is not None else UnitHead.from_rows(self.peer_heads, self.loaded_heads, unit_id)



@dataclass
class _Half:
    """What one half read and made of its files."""

    prepared: dict[str, Prepared | Diagnostic]  # its own files but units, by path
    read_ids: dict[str, str | None]  # the content id of every file it read (when hashed; None: unreadable)
    heads: dict[str, str]  # its own units' heads, by unit id
    outcomes: dict[str, Any]  # its own files' outcomes, by path
    units: set[str]  # its own units' paths


def halves_apply(files: list[tuple[str, Folder]]) -> bool:
    """Whether a full load of these files is worth two halves here."""
    return len(files) >= SPLIT_MIN_DOCUMENTS and jobs() >= 2 and hasattr(os, "fork")


#: Of every 40 files of a kind, how many the parent reads. Measured on the national repository
#: (cold, the parse cache filled after the answer): 18, 19, 20 gave 2.09, 2.00, 2.02 s (median of
#: 5): the parent's share of waiting for git's listing is small against the noise.
PARENT_SHARE = 20


@dataclass
class Halves:
    """A forked child at work on its half of ``files``, and the pipes to it."""

    workspace: Workspace  # this process's: sobctl.yaml and the discovery's diagnostics
    files: list[tuple[str, Folder]]
    today: dt.date
    kept: bool  # a parse cache is wanted: both halves hash what they read and the child stays to fill it
    parent_share: int  # of every 40 files of a kind, how many are the parent's
    child: int
    reader: int
    writer: int
    part: int | None  # an anonymous file the child writes its units' JSON to (when kept)

    def cancel(self) -> None:
        """Stop the child (it has sent all it will send, or its work is not wanted)."""
        for descriptor in (self.reader, self.writer, self.part):
            if descriptor is None:
                continue
            with contextlib.suppress(OSError):
                os.close(descriptor)
        with contextlib.suppress(OSError):
            os.kill(self.child, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(self.child, 0)


@dataclass
class Fill:
    """What a parse cache and a dependency record are made of after a full load in halves, once
    the verdict is out. The parse cache: every valid document's JSON, serialised from the models
    both halves already hold (the child writes its units' to an anonymous file meanwhile,
    without being asked). The record: what each half's subjects look up, the rules run again
    under a tracker in both halves (the child sends its part).

    A model's JSON validates to an equal model: the models take no float, no free-form mapping
    and no alias, every validator after the fields is a check, and the fields a document did not
    set stay unset (``tests/test_halves.py`` reads every document back). An invalid or unreadable
    document is not kept: the next run reads it again."""

    halves: Halves
    half: HalfWorkspace  # this process's half: its own units and every other document
    ids: dict[str, str | None]  # the content id of every file read, by path
    own_units: set[str]  # the paths of this half's units
    their_load: list[Diagnostic]  # the load diagnostics of the child's units (the very objects found holds)

    def write(self, keep: Keep) -> None:
        """Hand every document's JSON to ``keep`` (the child's units' as its part); raises
        ``OSError`` when the child's part did not come."""
        targets: dict[str, dict[str, Any]] = {
            "program": self.half.programs, "unit": self.half.units,
            "person": self.half.people, "agreement": self.half.agreements,
        }
        ids = self.ids
        for relpath, folder in self.halves.files:
            content_id = ids.get(relpath)
            if content_id is None or (folder.kind == "unit" and relpath not in self.own_units):
                continue
            document = dict.get(targets[folder.kind], _stem(relpath))
            if document is not None:
                keep(relpath, ("json", _json_of(document)), content_id)
        rows = _receive(self.halves.reader)
        if rows is None or self.halves.part is None:
            raise OSError("the child's part of the parse cache did not come")
        keep.take_part(self.halves.part, [(ids.get(relpath), *row) for relpath, row in rows.items()])

    def record(self, files: dict[str, str], found: list[Diagnostic]) -> Any:
        """The dependency record of the tree ``files`` (``checks.incremental.Record``), whose
        located findings are ``found``; None when the child's part did not come. Call after
        :meth:`write` (the child sends its part of the parse cache first)."""
        from sobctl.checks import incremental

        tracker = _track(self.half, self.halves.today, 0)
        theirs = _receive(self.halves.reader)
        if theirs is None:
            return None
        subjects, readers = theirs
        tracker.absorb(subjects, {key: array("I", packed) for key, packed in readers.items()})
        half, peer = self.half, self.half.peer_heads
        kinds: dict[str, Any] = {"program": half.programs, "person": half.people, "agreement": half.agreements}
        heads = {unit_id: UnitHead.of(unit).dump() for unit_id, unit in dict.items(half.units)}
        heads.update(peer)
        return incremental.record_of(
            tracker, files, found, {relpath for relpath, _folder in self.halves.files},
            [*self.halves.workspace.load_diagnostics, *self.their_load],
            lambda kind: heads if kind == "unit" else dict.keys(kinds[kind]),
            dict.values(half.people), heads, self.halves.workspace.files,
        )

    def close(self) -> None:
        self.halves.cancel()


def _track(half: HalfWorkspace, today: dt.date, part: int) -> Tracker:
    """What the rules look up for each of this half's subjects (their findings are known)."""
    from sobctl.checks import run_checks

    tracker = Tracker()
    run_checks(half.tracked(tracker), today, share=(part, 2), whole=frozenset({"unit"}))  # still a half
    return tracker


def _stem(relpath: str) -> str:
    """The id a document at ``relpath`` holds when it loaded (a file is named after its id)."""
    return relpath.rsplit("/", 1)[1].removesuffix(".yaml")


def _json_of(document: Any) -> bytes:
    """A model's JSON, as its validator reads it back (see :class:`Fill`)."""
    return bytes(document.__pydantic_serializer__.to_json(document, exclude_unset=True))


def start_halves(root: Path, today: dt.date, kept: bool) -> Halves | None:
    """Discover the files and start the child on its half at once (before the caller knows the
    tree's content ids: the child reports the id of every file it reads); None when a full load
    would not be shared out."""
    from sobctl.repo.workspace import start_workspace

    workspace, files = start_workspace(root)
    if not halves_apply(files):
        return None
    return _fork_half(workspace, files, today, kept, PARENT_SHARE)


def check_in_halves(
    workspace: Workspace,
    files: list[tuple[str, Folder]],
    today: dt.date,
    kept: bool = False,
    ids: dict[str, str] | None = None,
) -> tuple[list[Diagnostic], bool | None, Fill | None] | None:
    """Load ``files`` into two half workspaces (``workspace``, from ``start_workspace``, is this
    process's: it holds sobctl.yaml and the discovery's diagnostics) and run every rule: see
    :func:`finish_halves`."""
    halves = _fork_half(workspace, files, today, kept, PARENT_SHARE)
    return finish_halves(halves, ids) if halves is not None else None


def finish_halves(
    halves: Halves,
    ids: dict[str, str] | None,
) -> tuple[list[Diagnostic], bool | None, Fill | None] | None:
    """This process's half, then the child's findings: every load diagnostic and finding, whether
    every file read had the content id ``ids`` gives it (and no other file was read; None when a
    file's bytes differ from the id given: see :func:`_matched`), and, when
    the halves were started ``kept``, what fills the parse cache (the caller writes it, or closes
    it); None when the child failed before the rules (the caller then loads serially)."""
    found = None
    try:
        found = _parent_half(halves, ids)
        return found
    finally:
        if found is None or found[2] is None:  # else the fill stops the child once it is done
            halves.cancel()


def _fork_half(
    workspace: Workspace, files: list[tuple[str, Folder]], today: dt.date, kept: bool, parent_share: int
) -> Halves | None:
    part = _anonymous_file() if kept else None
    kept = kept and part is not None
    to_child, from_parent = os.pipe()
    to_parent, from_child = os.pipe()
    try:
        child = os.fork()
    except OSError:
        for descriptor in (to_child, from_parent, to_parent, from_child, part):
            if descriptor is not None:
                os.close(descriptor)
        return None
    if child == 0:  # pragma: no cover - the child; it reports through its pipe and never returns
        status = 1
        try:
            os.close(from_parent)
            os.close(to_parent)
            _quiet()
            _child_half(workspace, files, today, kept, parent_share, reader=to_child, writer=from_child, part=part)
            status = 0
        finally:
            os._exit(status)
    os.close(to_child)
    os.close(from_child)
    return Halves(workspace, files, today, kept, parent_share, child, reader=to_parent, writer=from_parent,
                  part=part)


def _quiet() -> None:  # pragma: no cover - runs in the forked child
    """Let go of the command's output: the child may outlive the command (filling the parse
    cache), and whoever reads the command's output must not wait for it."""
    null = os.open(os.devnull, os.O_RDWR)
    for descriptor in (0, 1, 2):
        with contextlib.suppress(OSError):
            os.dup2(null, descriptor)
    os.close(null)


def _anonymous_file() -> int | None:
    """A file with no name (gone with its last descriptor), or None where none can be made."""
    try:
        return os.memfd_create("sobctl-half", os.MFD_CLOEXEC) if hasattr(os, "memfd_create") else None
    except OSError:
        return None


def _parent_half(
    halves: Halves,
    ids: dict[str, str] | None,
) -> tuple[list[Diagnostic], bool | None, Fill | None] | None:
    workspace, files, today, reader, writer = halves.workspace, halves.files, halves.today, halves.reader, halves.writer
    mine = _read_half(workspace.root, files, 0, halves.parent_share, halves.kept)
    # Both halves send what the other needs as soon as they have read theirs; this side's goes
    # out from a thread while the child's comes in (each may be larger than a pipe holds).
    sending = _send_meanwhile(writer, (mine.prepared, mine.heads))
    theirs = _receive(reader)
    if not sending.done() or theirs is None:
        return None
    their_prepared, their_heads, their_ids = theirs
    mine.prepared.clear()
    half = _settle_half(workspace, files, mine, their_prepared, their_heads)
    del their_prepared, theirs  # validated
    found = workspace.load_diagnostics + _judge(half, today, 0)
    outcome = _receive(reader)
    if outcome is None:
        return None
    their_load, their_findings = outcome
    found += their_load
    found += their_findings
    lifetime.keep(half)  # only now: a failed child means a serial load, and this half is freed first
    matched = _matched(workspace, files, ids, mine.read_ids, their_ids)
    fill = Fill(halves, half, {**mine.read_ids, **their_ids}, mine.units, their_load) if halves.kept else None
    return found, matched, fill


def _child_half(  # pragma: no cover - runs in the forked child
    workspace: Workspace,
    files: list[tuple[str, Folder]],
    today: dt.date,
    kept: bool,
    parent_share: int,
    reader: int,
    writer: int,
    part: int | None = None,
) -> None:
    mine = _read_half(workspace.root, files, 1, parent_share, kept)
    # The parent needs the other documents to validate, with the ids of the bytes they came from.
    sending = _send_meanwhile(writer, (mine.prepared, mine.heads, mine.read_ids))
    theirs = _receive(reader)
    if not sending.done() or theirs is None:
        raise RuntimeError("the parent went away")
    mine.prepared.clear()
    their_prepared, their_heads = theirs
    settled_before = len(workspace.load_diagnostics)
    half = _settle_half(workspace, files, mine, their_prepared, their_heads)
    del their_prepared, theirs
    # The load diagnostics of this half's units: the parent reports every other one itself.
    units_load = [found for found in workspace.load_diagnostics[settled_before:] if found.path in mine.units]
    _send(writer, (units_load, _judge(half, today, 1)))
    if kept and part is not None:
        # The verdict is out: now this half's units' JSON for the parse cache (see ``Fill``), at
        # the lowest priority: the parent is still finishing the answer.
        with contextlib.suppress(OSError):
            os.nice(19)
        writing = _PartWriter(part)
        for relpath, folder in files:
            if folder.kind == "unit" and relpath in mine.units and mine.read_ids.get(relpath) is not None:
                document = dict.get(half.units, _stem(relpath))
                if document is not None:
                    writing.add(relpath, _json_of(document))
        _send(writer, writing.finish())
        # Then what this half's subjects look up, for the dependency record.
        tracker = _track(half, today, 1)
        _send(writer, (tracker.subjects, {key: tracker.packed(key).tobytes() for key in tracker.readers}))


class _PartWriter:
    """The child's units' JSON, written to the anonymous file the parent copies into the parse
    cache in one go (instead of sending tens of megabytes through the pipe)."""

    PIECE = 1 << 20

    def __init__(self, descriptor: int) -> None:
        self.descriptor = descriptor
        self.offset = 0
        self.rows: dict[str, tuple[int, int, int]] = {}  # path → (offset, size, CRC)
        self.pending: list[bytes] = []
        self.pending_size = 0

    def add(self, relpath: str, payload: bytes) -> None:
        self.rows[relpath] = (self.offset, len(payload), zlib.crc32(payload))
        self.offset += len(payload)
        self.pending.append(payload)
        self.pending_size += len(payload)
        if self.pending_size >= self.PIECE:
            self._flush()

    def _flush(self) -> None:
        data = memoryview(b"".join(self.pending))
        while data:
            data = data[os.write(self.descriptor, data) :]
        self.pending.clear()
        self.pending_size = 0

    def finish(self) -> dict[str, tuple[int, int, int]]:
        self._flush()
        return self.rows


def _share(items: list[tuple[str, Folder]], part: int, parent_share: int) -> list[tuple[str, Folder]]:
    """The parent's (part 0) or the child's (part 1) items: of every 40, the first ``parent_share``
    are the parent's."""
    if part == 0:
        return [item for index, item in enumerate(items) if index % 40 < parent_share]
    return [item for index, item in enumerate(items) if index % 40 >= parent_share]


def _read_half(
    root: Path,
    files: list[tuple[str, Folder]],
    part: int,
    parent_share: int,
    hashed: bool,
) -> _Half:
    """Read, parse and validate this half's files. The other half receives its programs,
    people and agreements as JSON (units go as heads). With ``hashed``, every file's content id
    is computed from the bytes read."""
    from sobctl.repo.cache import blob_id
    from sobctl.repo.workspace import file_name_problem, read_and_validate

    prepared: dict[str, Prepared | Diagnostic] = {}
    read_ids: dict[str, str | None] = {}
    heads: dict[str, str] = {}
    outcomes: dict[str, Any] = {}
    units = _share([item for item in files if item[1].kind == "unit"], part, parent_share)
    others = _share([item for item in files if item[1].kind != "unit"], part, parent_share)
    for relpath, folder in units + others:
        is_unit = folder.kind == "unit"
        item, raw, outcome = read_and_validate(root, relpath, folder.model, not is_unit)
        outcomes[relpath] = outcome
        if hashed:
            read_ids[relpath] = blob_id(raw) if raw is not None else None
        if item is not None and not is_unit:
            prepared[relpath] = item
        document = outcome[0]
        if is_unit and isinstance(document, Unit) and file_name_problem(relpath, folder, document.hsa_id) is None:
            heads[document.hsa_id] = UnitHead.of(document).dump()
    return _Half(prepared, read_ids, heads, outcomes, {relpath for relpath, _folder in units})


def _settle_half(
    workspace: Workspace,
    files: list[tuple[str, Folder]],
    mine: _Half,
    their_prepared: dict[str, Prepared | Diagnostic],
    their_heads: dict[str, str],
) -> HalfWorkspace:
    """This half's workspace: its own units and every other document, in file order."""
    from sobctl.repo.workspace import settle, validate_file

    half = HalfWorkspace(root=workspace.root, config=workspace.config, peer_heads=their_heads)
    outcomes = dict(mine.outcomes)
    taken: list[tuple[str, Folder]] = []
    for relpath, folder in files:
        if relpath not in outcomes:
            if folder.kind == "unit":
                continue  # the other half's
            outcomes[relpath] = validate_file(workspace.root, relpath, their_prepared[relpath], folder.model)
        taken.append((relpath, folder))
    settle(half, taken, outcomes)
    # The parent reports every load diagnostic but the child's units' (the child sends those).
    workspace.load_diagnostics.extend(half.load_diagnostics)
    half.load_diagnostics = []
    return half


def _judge(half: HalfWorkspace, today: dt.date, part: int) -> list[Diagnostic]:
    from sobctl.checks import run_checks

    return run_checks(half, today, share=(part, 2), whole=frozenset({"unit"}))


def _matched(
    workspace: Workspace,
    files: list[tuple[str, Folder]],
    ids: dict[str, str] | None,
    *read: dict[str, str | None],
) -> bool | None:
    """Whether the files read are exactly those ``ids`` names, each with the id it gives (True);
    None when a file's bytes are not what it names (or a file read is not named): it changed
    while the run read it, and nothing the run made may be kept for that tree. A file that
    could not be read says nothing either way."""
    if ids is None:
        return False
    for read_ids in read:
        for relpath, content_id in read_ids.items():
            if content_id is not None and ids.get(relpath) != content_id:
                return None
    return all(content_id is not None for read_ids in read for content_id in read_ids.values()) and _same_files(
        workspace, files, ids)


def _same_files(workspace: Workspace, files: list[tuple[str, Folder]], ids: dict[str, str] | None) -> bool:
    """Whether the files read are exactly those ``ids`` names, sobctl.yaml included with its id."""
    from sobctl.repo.cache import blob_id
    from sobctl.repo.workspace import CONFIG_FILE

    if ids is None or workspace.config_bytes is None or ids.get(CONFIG_FILE) != blob_id(workspace.config_bytes):
        return False
    read = {relpath for relpath, _folder in files}
    read.add(CONFIG_FILE)
    return len(read) == len(ids) and read.issuperset(ids) and len(files) + 1 == workspace.files


class _Sending:
    """A value being written to a pipe by a thread (see :func:`_send_meanwhile`)."""

    def __init__(self, descriptor: int, data: bytes) -> None:
        import threading

        self.failed = False
        self.thread = threading.Thread(target=self._write, args=(descriptor, data), daemon=True)
        self.thread.start()

    def _write(self, descriptor: int, data: bytes) -> None:
        try:
            _write_all(descriptor, data)
        except OSError:
            self.failed = True

    def done(self) -> bool:
        """Wait for the write to end; whether all of it went through."""
        self.thread.join()
        return not self.failed


def _send_meanwhile(descriptor: int, value: Any) -> _Sending:
    """Send ``value`` as :func:`_send` does, from a thread: the caller can receive meanwhile
    (two processes that both send first would otherwise each wait for the other to read)."""
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _Sending(descriptor, _LENGTH.pack(len(data)) + data)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def _send(descriptor: int, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    _write_all(descriptor, _LENGTH.pack(len(data)) + data)


def _receive(descriptor: int) -> Any:
    """The next value sent through ``descriptor``, or None if the other side went away."""
    header = _read_exactly(descriptor, _LENGTH.size)
    if header is None:
        return None
    (length,) = _LENGTH.unpack(header)
    data = _read_exactly(descriptor, length)
    return pickle.loads(data) if data is not None else None


def _read_exactly(descriptor: int, length: int) -> bytearray | None:
    buffer = bytearray(length)
    view = memoryview(buffer)
    done = 0
    while done < length:
        got = os.readv(descriptor, [view[done : done + (1 << 20)]])
        if not got:
            return None
        done += got
    return buffer
