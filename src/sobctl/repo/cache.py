"""The validation cache under ``.git/sobctl-cache/``, keyed by git blob ids.

Two files, each written atomically and checked on reading (magic line, key, length and a
CRC of the payload) so that a truncated, garbled or foreign file is ignored, never trusted:

- ``result``: the complete diagnostics of the last run, for one *tree state*. A repeated
  run on an unchanged tree returns them without importing pydantic or reading a document.
- ``blobs``: each file's parse result by content id (its git blob id), so a run after a few
  changes parses only the changed files.
- ``tree``: the *exact* tree state last seen (every content file an ordinary index entry,
  unchanged in the work tree), keyed by the index's checksum: while the index is that one, a
  look at the work tree (``git diff-files``, untracked files) proves the state without
  listing every entry (see :func:`tree_state`).

Every key starts with the *base key*: sobctl's version, a hash of the source of the code
that decides a verdict (models, rules, loader, YAML reader: a changed schema or rule is a
changed key) and the cache format. The tree state adds the ``--as-of`` day and, for every
entry of the content folders and sobctl.yaml, its path and content id: the index's blob id
where ``git diff-files`` says the work-tree file is unchanged, else a hash of the bytes on
disk (so a modified, untracked or symlinked file is always judged by its current bytes).
A folder that is not a git work tree is validated without the cache.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import marshal
import os
import stat
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sobctl import lifetime
from sobctl.model.diagnostic import Diagnostic, Severity, Summary
from sobctl.repo.table import Table
from sobctl.repo.yamlio import MAX_FILE_BYTES

FORMAT = 2
MAGIC = b"SOBCTL-CACHE\n"
CONTENT = ("sobctl.yaml", "catalogue", "units", "roles", "agreements")
FOLDER_NAMES = CONTENT[1:]
#: The code whose change changes verdicts: its source is part of the cache key.
#: checks/ includes the incremental engine.
_VERDICT_SOURCES = ("model", "checks", "repo/workspace.py", "repo/yamlio.py", "repo/cache.py")
DISABLE_ENV = "SOBCTL_NO_CACHE"


def enabled_by_env() -> bool:
    return os.environ.get(DISABLE_ENV, "") in ("", "0")


def base_key() -> str:
    """sobctl's version, the verdict code's source, the cache format and the message language
    (diagnostics are cached with their messages, so a run in another language must not reuse them)."""
    import sobctl
    from sobctl.i18n import LOCALE_DIR, language

    digest = hashlib.sha256(f"{sobctl.__version__}\0{FORMAT}\0{language()}\0".encode())
    with contextlib.suppress(OSError):
        digest.update((LOCALE_DIR / language() / "LC_MESSAGES" / "sobctl.mo").read_bytes())
    package = Path(sobctl.__file__).parent
    for part in _VERDICT_SOURCES:
        path = package / part
        sources = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for source in sources:
            digest.update(str(source.relative_to(package)).encode() + b"\0")
            try:
                digest.update(source.read_bytes())
            except OSError:
                digest.update(b"?")
    return digest.hexdigest()


def blob_id(data: bytes) -> str:
    """The id git gives a blob with these bytes."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


@dataclass
class TreeState:
    """The content files as the cache sees them: path → content id, plus where the cache lives."""

    cache_dir: Path
    files: dict[str, str]
    key: str
    base: str
    listing: Any = None  # the git listing it was made from (repo.git.TreeListing), when there was one
    # The index (repo.git.index_id) whose entries these files are exactly, unchanged in the work
    # tree, when they are: what lets the next run prove the same state without listing it.
    index_id: bytes | None = None

    def uncommitted(self, root: Path, paths: list[str]) -> list[str] | None:
        """Those of ``paths`` whose work-tree or index content differs from HEAD (staged, unstaged
        or untracked changes), from this state and one look at HEAD; None when it cannot tell."""
        from sobctl.repo import git

        listing = self.listing
        if listing is None:
            return None
        for relpath in paths:
            entry = listing.index.get(relpath)
            if entry is not None and (entry[0] != "H" or entry[1] not in ("100644", "100755")):
                return None  # assume-unchanged, skip-worktree, conflicted or a link: ask git status
        committed = git.blobs_at_head(root, paths)
        if committed is None:
            return None
        dirty = []
        for relpath in paths:
            entry = listing.index.get(relpath)
            staged = entry[2] if entry is not None else None
            if self.files.get(relpath) != committed.get(relpath) or staged != committed.get(relpath):
                dirty.append(relpath)
        return sorted(dirty)


def tree_state(root: Path, today: dt.date, base: str | None = None, git_dir: Path | None = None,
               probe: Probe | None = None, meanwhile: Callable[[], None] | None = None) -> TreeState | None:
    """The current tree state of the repository at ``root``, or None without a git work tree.

    When the index is the one a recorded *exact* state was seen with (its files every content
    entry of the index, unchanged in the work tree), git need not list 41,000 entries again:
    it is enough that no tracked file differs from the index and no untracked file appeared
    (see :func:`_proven_state`). ``git_dir``: the repository's git folder, when the caller knows;
    ``probe``: that look, started earlier (:func:`start_probe`); ``meanwhile`` runs while git
    lists the tree.
    """
    from sobctl.repo import git

    base = base or (probe.base if probe is not None else None) or base_key()
    directory = git_dir if git_dir is not None else _own_git_dir(root)
    if directory is not None:
        proven = _proven_state(root, today, base, directory, probe)
        if proven is not None:
            return proven
    index_before = git.index_id(directory) if directory is not None else None
    listing = git.tree_listing(root, CONTENT, meanwhile)
    if listing is None:
        return None
    changed = listing.changed
    files: dict[str, str] = {}
    exact = not listing.untracked
    for relpath, (tag, mode, blob) in listing.index.items():
        if tag == "H" and (mode == "100644" or mode == "100755") and relpath not in changed:
            files[relpath] = blob
        elif relpath not in files:
            identity = _worktree_id(root / relpath)
            if identity is not None:
                files[relpath] = identity
            # A file whose stat alone changed still matches its entry.
            exact = exact and tag == "H" and (mode == "100644" or mode == "100755") and identity == blob
    for relpath in listing.untracked:
        if relpath.endswith("/"):
            # A folder none of whose files git tracks: git names the folder, not its files, so
            # each file in it (and each folder, empty ones too) is keyed here.
            files[relpath] = "folder"
            files.update(_untracked_folder(root, relpath))
        else:
            identity = _worktree_id(root / relpath)
            if identity is not None:
                files[relpath] = identity
    for folder in FOLDER_NAMES:
        path = root / folder
        if path.is_symlink():
            return None  # git cannot vouch for files behind a linked folder: no cache
        if path.exists() and not path.is_dir():
            files[folder] = _worktree_id(path) or "missing"
            exact = False
    state = TreeState(listing.git_dir / "sobctl-cache", files, state_key(base, today, root, files), base, listing)
    if (exact and index_before is not None and directory is not None
            and _same_path(listing.git_dir, directory) and git.index_id(directory) == index_before):
        state.index_id = index_before
        _store_proof(state, root, today)
    return state


#: The file that ties an index to the exact tree state it was seen with.
PROOF = "tree"


class _ExactEntries:
    """The index entries of an exact tree state, as :meth:`TreeState.uncommitted` reads them: each
    content file an ordinary entry with the blob the state names."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    def get(self, relpath: str) -> tuple[str, str, str] | None:
        blob = self.files.get(relpath)
        return None if blob is None else ("H", "100644", blob)


@dataclass(frozen=True)
class _ExactListing:
    index: _ExactEntries


def _own_git_dir(root: Path) -> Path | None:
    """``root/.git`` when it is a folder (the repository's own git folder: root is its top)."""
    directory = root / ".git"
    return directory if directory.is_dir() else None


def _same_path(first: Path, second: Path) -> bool:
    try:
        return first.resolve() == second.resolve()
    except OSError:
        return False


def _proof_key(base: str, root: Path, directory: Path, index: bytes) -> str:
    """The key of the proof for this index (so a glance at the file's first line tells whether it applies)."""
    place = os.fsencode(root.resolve()) + b"\0" + os.fsencode(directory.resolve())
    return hashlib.sha256(base.encode() + b"\0" + place + b"\0" + index).hexdigest()


def _store_proof(state: TreeState, root: Path, today: dt.date) -> None:
    """Record that the index ``state.index_id`` means exactly ``state.files`` (see :func:`tree_state`)."""
    assert state.index_id is not None
    directory = state.cache_dir.parent
    payload = marshal.dumps((today.isoformat(), state.key, str(state.cache_dir), state.files))
    write_framed(state.cache_dir / PROOF, _proof_key(state.base, root, directory, state.index_id), payload)


class Probe:
    """The look at the work tree that proves a recorded exact state, started as early as possible:
    git reads the folders and every file's stat while this process imports and reads its caches.
    Made only when the index is the one a proof was recorded for."""

    def __init__(self, root: Path, directory: Path, base: str, index: bytes, key: str) -> None:
        from sobctl.repo import git

        self.root, self.directory, self.base, self.index, self.key = root, directory, base, index, key
        self.changes: git.WorktreeChanges | None = git.WorktreeChanges(root, CONTENT)

    def close(self) -> None:
        if self.changes is not None:
            self.changes.close()
            self.changes = None


def start_probe(root: Path, git_dir: Path | None = None) -> Probe | None:
    """Start proving the tree at ``root`` (see :class:`Probe`); None when there is nothing to prove."""
    from sobctl.repo import git

    if not enabled_by_env():
        return None
    directory = git_dir if git_dir is not None else _own_git_dir(root)
    index = git.index_id(directory) if directory is not None else None
    if directory is None or index is None:
        return None
    base = base_key()
    key = _proof_key(base, root, directory, index)
    prefix = MAGIC + key.encode() + b"\n"
    try:
        with open(directory / "sobctl-cache" / PROOF, "rb") as stream:
            if stream.read(len(prefix)) != prefix:
                return None
    except OSError:
        return None
    return Probe(root, directory, base, index, key)


def _proven_state(root: Path, today: dt.date, base: str, directory: Path,
                  probe: Probe | None = None) -> TreeState | None:
    """The tree state recorded with the index as it is now, if the work tree still matches it:
    every tracked content file as the index has it (``git diff-files``; a file whose stat alone
    changed is hashed and compared), no untracked file under the content folders, no content
    folder turned into a link or a file. None when anything differs or cannot be told."""
    from sobctl.repo import git

    if probe is None or probe.base != base or not _same_path(probe.directory, directory) or probe.root != root:
        if probe is not None:
            probe.close()
        probe = start_probe(root, directory)
    if probe is None or probe.changes is None:
        return None
    try:
        payload = read_framed(directory / "sobctl-cache" / PROOF, probe.key)
        if payload is None:
            return None
        try:
            day, key, cache_dir, files = marshal.loads(payload)
        except (ValueError, EOFError, TypeError):
            return None
        if not (isinstance(files, dict) and isinstance(key, str) and isinstance(day, str)
                and isinstance(cache_dir, str)):
            return None
        for folder in FOLDER_NAMES:
            path = root / folder
            if path.is_symlink() or (path.exists() and not path.is_dir()):
                return None
        changes = probe.changes.result()
    finally:
        probe.close()
    # The index must not have changed since the probe began (another act landing meanwhile).
    if changes is None or git.index_id(directory) != probe.index:
        return None
    changed, untracked = changes
    if untracked:
        return None
    for relpath in changed:
        blob = files.get(relpath)
        if blob is None or _worktree_id(root / relpath) != blob:
            return None
    if day != today.isoformat():
        key = state_key(base, today, root, files)
    # The cache folder as the state was recorded with it (the dependency record's key names it).
    return TreeState(Path(cache_dir), files, key, base, _ExactListing(_ExactEntries(files)), probe.index)


def state_key(base: str, today: dt.date, root: Path, files: dict[str, str]) -> str:
    """The key of a tree state: the base key, the day, the repository's place and every content id."""
    lines = "".join([f"{relpath}\0{files[relpath]}\n" for relpath in sorted(files)])
    # The repository's own place is part of the key: whether a symlink leads outside it depends on it.
    place = os.fsencode(root.resolve()).decode("utf-8", "surrogateescape")
    digest = hashlib.sha256(
        f"{base}\0{today.isoformat()}\0{place}\0{lines}".encode("utf-8", "surrogateescape")
    )
    return digest.hexdigest()


def _untracked_folder(root: Path, folder: str) -> dict[str, str]:
    """The tree-state entries of everything under an untracked ``folder`` (``"dir/"``): each file
    by its content id, each folder as such (links are not followed)."""
    found: dict[str, str] = {}
    for directory, folders, names in os.walk(root / folder):
        where = Path(directory).relative_to(root).as_posix()
        for name in folders:
            path = Path(directory) / name
            if path.is_symlink():  # walked as a file: its target is not followed
                found[f"{where}/{name}"] = _worktree_id(path) or "missing"
            else:
                found[f"{where}/{name}/"] = "folder"
        for name in names:
            found[f"{where}/{name}"] = _worktree_id(Path(directory) / name) or "missing"
    return found


def _worktree_id(path: Path) -> str | None:
    """A content id for a file git cannot vouch for (modified, untracked, a symlink, not a file)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"error:{exc.errno}"
    if stat.S_ISREG(info.st_mode):
        try:
            return blob_id(path.read_bytes())
        except OSError as exc:
            return f"error:{exc.errno}"
    if stat.S_ISLNK(info.st_mode):
        digest = hashlib.sha256(os.readlink(path).encode(errors="surrogateescape") + b"\0")
        try:
            target = os.stat(path)
            # Only a regular file of readable size is read: a link to a FIFO or /dev/zero must not hang.
            if stat.S_ISREG(target.st_mode) and target.st_size <= MAX_FILE_BYTES:
                digest.update(path.read_bytes())
            else:
                digest.update(f"mode:{stat.S_IFMT(target.st_mode)}:{target.st_size}".encode())
        except OSError as exc:
            digest.update(f"error:{exc.errno}".encode())
        return "link:" + digest.hexdigest()
    return f"mode:{stat.S_IFMT(info.st_mode)}"


# --- framed, checked cache files ------------------------------------------------------------------


def write_framed(path: Path, key: str, *parts: bytes) -> None:
    """Write a framed cache file atomically; no fsync: a torn file fails its CRC and is ignored."""
    from sobctl.repo.files import atomic_stream

    crc = 0
    length = 0
    for part in parts:
        crc = zlib.crc32(part, crc)
        length += len(part)
    header = MAGIC + key.encode() + b"\n" + struct.pack(">QI", length, crc)
    try:
        with atomic_stream(path, durable=False) as stream:
            stream.write(header)
            for part in parts:
                stream.write(part)
    except OSError:
        pass  # a cache that cannot be written is no cache, not a failure


def read_framed(path: Path, key: str) -> bytes | None:
    """The payload of a cache file written for ``key``, or None if absent, foreign or damaged."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    prefix = MAGIC + key.encode() + b"\n"
    if not data.startswith(prefix) or len(data) < len(prefix) + 12:
        return None
    length, crc = struct.unpack(">QI", data[len(prefix) : len(prefix) + 12])
    payload = data[len(prefix) + 12 :]
    if len(payload) != length or zlib.crc32(payload) != crc:
        return None
    return payload


# --- the complete result of one tree state ---------------------------------------------------------


def load_result(state: TreeState) -> tuple[list[Diagnostic], Summary] | None:
    import json

    payload = read_framed(state.cache_dir / "result", state.key)
    if payload is None:
        return None
    try:
        document = json.loads(payload)
        diagnostics = [
            Diagnostic(
                code=str(item["code"]),
                severity=Severity(item["severity"]),
                message=str(item["message"]),
                path=str(item["path"]),
                pointer=tuple(item["pointer"]),
                line=item["line"],
                column=item["column"],
                hint=item["hint"],
                extra=dict(item["extra"]),
            )
            for item in document["diagnostics"]
        ]
        summary = Summary(**document["summary"])
    except (ValueError, KeyError, TypeError):
        return None
    return diagnostics, summary


def store_result(state: TreeState, diagnostics: list[Diagnostic], summary: Summary) -> None:
    """Keep the complete result of this tree state (the only one kept)."""
    import json

    document = {
        "diagnostics": [
            {
                "code": d.code,
                "severity": str(d.severity),
                "message": d.message,
                "path": d.path,
                "pointer": list(d.pointer),
                "line": d.line,
                "column": d.column,
                "hint": d.hint,
                "extra": d.extra,
            }
            for d in diagnostics
        ],
        "summary": {"errors": summary.errors, "warnings": summary.warnings, "files": summary.files},
    }
    write_framed(state.cache_dir / "result", state.key, json.dumps(document, ensure_ascii=False).encode())


# --- parse results by content id ------------------------------------------------------------------
#
# ``blobs`` holds every file's parse result as written by the last full parse; ``blobs-delta``
# the results made since (rewritten whole each time, it stays small). A file is MAGIC, the key,
# the body (JSON documents back to back), the index (a marshalled bucket table: content id →
# ("json", offset, length, CRC of the document) or ("fail", code, message, line, column)) and
# a trailer (index offset, index length, CRC of the index). A run reads the index buckets and
# the documents it uses, each checked against its own CRC, never the whole store.

_TRAILER = struct.Struct(">QQI")
#: When the delta outgrows this share of the base, both are dropped and the next run starts over.
DELTA_SHARE = 0.2


class _Stored:
    """One JSON document inside an open blobs file, read when validation needs it (so the
    store is never held in memory whole). ``bytes(stored)`` reads it; a document that fails its
    CRC reads as empty bytes (which no model accepts, so the file is read from disk instead)
    and marks its store damaged."""

    __slots__ = ("crc", "length", "offset", "store")

    def __init__(self, store: BlobStore, offset: int, length: int, crc: int) -> None:
        self.store, self.offset, self.length, self.crc = store, offset, length, crc

    def __len__(self) -> int:
        return self.length

    def __bytes__(self) -> bytes:
        fd = self.store.fd
        data = os.pread(fd, self.length, self.offset) if fd is not None else b""
        if len(data) != self.length or zlib.crc32(data) != self.crc:
            self.store.damaged = True
            return b""
        return data


class BlobStore:
    """The entries of one blobs file, and the open file they are read from."""

    def __init__(self, index: Table | None = None, fd: int | None = None, start: int = 0, size: int = 0) -> None:
        self.index = index
        self.fd = fd
        self.start = start  # where the body begins in the file
        self.size = size  # the body's length
        self.damaged = False  # a document failed its CRC: the store must not be kept

    @property
    def empty(self) -> bool:
        return self.index is None

    def get(self, content_id: str, default: Any = None) -> Any:
        row = self.index.get(content_id) if self.index is not None else None
        if row is None:
            return default
        if row[0] == "json":
            _kind, offset, length, crc = row
            return ("json", _Stored(self, self.start + offset, length, crc))
        return tuple(row)

    def items(self) -> Iterator[tuple[str, tuple[Any, ...]]]:
        if self.index is None:
            return
        for content_id, _row in self.index.items():
            item = self.get(content_id)
            if item is not None:
                yield content_id, item

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class Stores:
    """Parse results by content id from several sources; the first that has one wins."""

    def __init__(self, *sources: Any) -> None:
        self.sources = sources

    def close(self) -> None:
        for source in self.sources:
            source.close()

    def get(self, content_id: str, default: Any = None) -> Any:
        for source in self.sources:
            found = source.get(content_id)
            if found is not None:
                return found
        return default

    def __contains__(self, content_id: object) -> bool:
        return isinstance(content_id, str) and self.get(content_id) is not None


def load_blobs(state: TreeState, name: str = "blobs") -> BlobStore:
    """Cached parse results by content id; empty if the file is missing, damaged or foreign.

    Only the index is read and checked here; the JSON documents are read one by one as they
    are used, from the same open file (a new cache written meanwhile replaces the file's name,
    never these bytes), each checked against its own CRC."""
    if name == "blobs":
        from sobctl.repo.files import wait_for_lock

        wait_for_lock(state.cache_dir / FILLING, FILL_WAIT)  # a cold run's parse cache being filled
    try:
        fd = os.open(state.cache_dir / name, os.O_RDONLY)
    except OSError:
        return BlobStore()
    try:
        size = os.fstat(fd).st_size
        prefix = MAGIC + state.base.encode() + b"\n"
        if size < len(prefix) + _TRAILER.size or os.pread(fd, len(prefix), 0) != prefix:
            raise ValueError("foreign")
        index_offset, index_length, crc = _TRAILER.unpack(os.pread(fd, _TRAILER.size, size - _TRAILER.size))
        start = len(prefix)
        if start + index_offset + index_length + _TRAILER.size != size:
            raise ValueError("truncated")
        packed = os.pread(fd, index_length, start + index_offset)
        if len(packed) != index_length or zlib.crc32(packed) != crc:
            raise ValueError("damaged")
        index = Table.parse(marshal.loads(packed))
        if index is None:
            raise ValueError("damaged")
    except (OSError, ValueError, EOFError, TypeError, struct.error):
        os.close(fd)
        return BlobStore()
    return BlobStore(index, fd, start, index_offset)


def parse_store(root: Path) -> Stores | None:
    """The parse results this sobctl has cached in the repository at ``root``, by content id
    (whatever tree they were read for), or None when there are none. Callers close it."""
    directory = _own_git_dir(root)
    if directory is None or not enabled_by_env():
        return None
    state = TreeState(directory / "sobctl-cache", {}, "", base_key())
    base, delta = load_blobs(state), load_blobs(state, "blobs-delta")
    if base.empty and delta.empty:
        return None
    return Stores(delta, base)


class BlobWriter:
    """Streams parse results into a blobs file as they are made.

    Documents are gathered into pieces of about ``PIECE`` bytes before they are written (one
    write per piece rather than per document: a national repository has tens of thousands)."""

    PIECE = 1 << 20

    def __init__(self, stream: BinaryIO, key: str) -> None:
        self.stream = stream
        self.offset = 0
        self.index: dict[str, tuple[Any, ...]] = {}
        self.pending: list[bytes] = []
        self.pending_size = 0
        stream.write(MAGIC + key.encode() + b"\n")

    def _flush(self) -> None:
        if self.pending:
            self.stream.write(b"".join(self.pending))
            self.pending.clear()
            self.pending_size = 0

    def add(self, content_id: str, prepared: tuple[Any, ...]) -> None:
        if content_id in self.index:
            return
        if prepared[0] == "json":
            payload = prepared[1] if isinstance(prepared[1], bytes) else bytes(prepared[1])
            if not payload:
                return  # a damaged stored document: not carried over
            size = len(payload)
            crc = prepared[2] if len(prepared) > 2 else zlib.crc32(payload)  # a forked half may have made it
            self.index[content_id] = ("json", self.offset, size, crc)
            self.offset += size
            self.pending.append(payload)
            self.pending_size += size
            if self.pending_size >= self.PIECE:
                self._flush()
        elif prepared[0] == "fail":
            self.index[content_id] = tuple(prepared)

    def add_part(self, descriptor: int, rows: list[tuple[str | None, int, int, int]]) -> None:
        """Copy a file of JSON documents written elsewhere (a forked half's) into the store in one
        go: ``rows`` are (content id, offset, size, CRC) of each document in it."""
        size = max((offset + length for _cid, offset, length, _crc in rows), default=0)
        self._flush()
        self.stream.flush()
        copied = 0
        while copied < size:
            piece = os.pread(descriptor, min(self.PIECE * 8, size - copied), copied)
            if not piece:
                raise OSError("the part ended early")
            self.stream.write(piece)
            copied += len(piece)
        for content_id, offset, length, crc in rows:
            if content_id is not None and content_id not in self.index:
                self.index[content_id] = ("json", self.offset + offset, length, crc)
        self.offset += size

    def finish(self) -> None:
        self._flush()
        packed = marshal.dumps(Table.of(self.index).dump())
        self.stream.write(packed)
        self.stream.write(_TRAILER.pack(self.offset, len(packed), zlib.crc32(packed)))


class _Keeper:
    """Hands parse results to a parse cache's writer, each filed under the id of the bytes it
    was made from when that is known (else under the tree state's id for its path)."""

    def __init__(self, writer: BlobWriter, files: dict[str, str]) -> None:
        self.writer = writer
        self.files = files

    def __call__(self, relpath: str, prepared: tuple[Any, ...], content_id: str | None = None) -> None:
        content_id = content_id or self.files.get(relpath)
        if content_id is not None:
            self.writer.add(content_id, prepared)

    def take_part(self, descriptor: int, rows: list[tuple[str | None, int, int, int]]) -> None:
        """A forked half's documents, written to ``descriptor`` (see ``BlobWriter.add_part``)."""
        self.writer.add_part(descriptor, rows)


def _store(state: TreeState, name: str, entries: dict[str, tuple[Any, ...]]) -> None:
    from sobctl.repo.files import atomic_stream

    try:
        with atomic_stream(state.cache_dir / name, durable=False) as stream:
            writer = BlobWriter(stream, state.base)
            for content_id, prepared in entries.items():
                writer.add(content_id, prepared)
            writer.finish()
    except OSError:
        pass


def _renew_delta(state: TreeState, base: BlobStore, delta: BlobStore, fresh: dict[str, tuple[Any, ...]]) -> bool:
    """Write the delta store for ``state``: the delta's entries its files still use, plus ``fresh``
    ones. When the delta outgrows its share of the base, every store is dropped instead (the
    next run parses afresh) and False is returned."""
    if not fresh:
        return True
    referenced = set(state.files.values())
    kept = {cid: item for cid, item in delta.items() if cid in referenced}
    size = sum(len(item[1]) for item in (*kept.values(), *fresh.values()) if item[0] == "json")
    if size > DELTA_SHARE * base.size:
        _drop(state, "blobs", "blobs-delta", "record")
        return False
    _store(state, "blobs-delta", {**kept, **fresh})
    return True


def _drop(state: TreeState, *names: str) -> None:
    from sobctl.repo.files import remove

    for name in names:
        with contextlib.suppress(OSError):
            remove(state.cache_dir / name)


# --- validation through the cache -----------------------------------------------------------------


@dataclass
class Current:
    """The verdict of the tree as it stands, and what an act needs to judge a change to it: the
    dependency record of exactly this tree and the parse results by content id (open files)."""

    root: Path
    today: dt.date
    state: TreeState
    found: list[Diagnostic]
    summary: Summary
    record: Any  # checks.incremental.Record of state.files
    base: BlobStore
    delta: BlobStore
    fresh: dict[str, tuple[Any, ...]]

    @property
    def stores(self) -> Stores:
        return Stores(self.fresh, self.delta, self.base)

    def close(self) -> None:
        self.base.close()
        self.delta.close()

    def keep(self, files: dict[str, str], found: tuple[list[Diagnostic], Summary], record: Any,
             fresh: dict[str, tuple[Any, ...]], staged: dict[str, Any] | None = None) -> None:
        """Remember the verdict of the tree ``files`` (after an act landed): the next command
        starts from it. Parse results made for it join the delta store. ``staged``: what the
        commit did to the index (see ``repo.git.commit_paths``); when the index was the one this
        state is exact for and now holds exactly the act's new blobs, the new state is exact for
        the new index too, and the next command can prove it without a listing."""
        from sobctl.checks import incremental

        state = TreeState(self.state.cache_dir, files, state_key(self.state.base, self.today, self.root, files),
                          self.state.base)
        if self.base.damaged or self.delta.damaged:
            _drop(state, "blobs", "blobs-delta", "result", "record")  # start afresh next time
            return
        _renew_delta(state, self.base, self.delta, {**self.fresh, **fresh})
        store_result(state, *found)
        incremental.store_record(state, self.today, record)
        if staged is not None and "finish" in staged:
            staged["finish"]()  # the index update has been running meanwhile
        if (staged and self.state.index_id is not None and staged.get("before") == self.state.index_id
                and staged.get("after") is not None
                and all(files.get(relpath) == blob for relpath, blob in staged["blobs"].items())):
            state.index_id = staged["after"]
            _store_proof(state, self.root, self.today)


def current(root: Path, today: dt.date, git_dir: Path | None = None, probe: Probe | None = None) -> Current | None:
    """The tree's verdict with its record, validating first if need be; None without a cache.
    ``git_dir``: the repository's git folder, when the caller knows it; ``probe``: see :func:`start_probe`."""
    from sobctl.checks import incremental

    if not enabled_by_env():
        return None
    state = tree_state(root, today, git_dir=git_dir, probe=probe)
    if state is None:
        return None
    result = load_result(state)
    record = incremental.load_record(state, today) if result is not None else None
    if result is not None and record is not None and (record.files is state.files or record.files == state.files):
        return Current(root, today, state, *result, record, load_blobs(state), load_blobs(state, "blobs-delta"), {})
    handoff: dict[str, Any] = {}
    gc_paused = gc.isenabled()
    gc.disable()
    try:
        _validate(root, today, use_cache=True, track=True, state=state, handoff=handoff)
    finally:
        if gc_paused:
            gc.enable()
    if "record" not in handoff:
        return None
    base = handoff.get("base") or load_blobs(state)
    delta = handoff.get("delta") or load_blobs(state, "blobs-delta")
    found, summary = handoff["found"]
    return Current(root, today, state, found, summary, handoff["record"], base, delta, handoff.get("fresh", {}))


def validate(
    root: Path, today: dt.date, *, use_cache: bool = True, track: bool = False
) -> tuple[list[Diagnostic], Summary]:
    """``checks.validate_repository`` with the cache: identical results, less work. ``track``:
    also leave the dependency record of this tree (what an act starts from).

    The cyclic garbage collector is paused meanwhile: loading allocates millions of objects
    and none of them form cycles worth collecting, while each full collection would walk
    them all again (a third of the CPU time of a national repository's validation)."""
    import gc

    paused = gc.isenabled()
    gc.disable()
    try:
        return _validate(root, today, use_cache=use_cache, track=track)
    finally:
        if paused:
            gc.enable()


def _validate(
    root: Path,
    today: dt.date,
    *,
    use_cache: bool,
    track: bool,
    state: TreeState | None = None,
    handoff: dict[str, Any] | None = None,
) -> tuple[list[Diagnostic], Summary]:
    """The validation; with ``handoff``, the verdict, its record and the open parse stores are
    left there (when they were kept for ``state``) instead of being read back by the caller."""
    early: list[Any] = []  # a full run's child, started while git lists the tree (see below)
    try:
        return _validate_listed(root, today, use_cache, track, state, handoff, early)
    finally:
        for halves in early:
            halves.cancel()  # not used (a stored verdict, a parse cache or a record were wanted)


def _validate_listed(
    root: Path,
    today: dt.date,
    use_cache: bool,
    track: bool,
    state: TreeState | None,
    handoff: dict[str, Any] | None,
    early: list[Any],
) -> tuple[list[Diagnostic], Summary]:
    if state is None:
        wanted = use_cache and enabled_by_env()
        meanwhile = _start_a_full_run(root, today, early) if wanted and not track else None
        state = tree_state(root, today, meanwhile=meanwhile) if wanted else None
    if state is None:
        return _check(root, today, {}, None)
    # With ``track`` a record of this state is wanted too: the stored result alone is not enough.
    cached = load_result(state) if not track else None
    if cached is not None:
        return cached
    base = load_blobs(state)
    record: Any = None  # what the verdict rests on, for the next run to judge only what changes
    damaged = False  # a stored document failed its CRC (and was read from disk instead)
    # The run read only bytes whose content ids it checked (no need to list the tree again);
    # None: some bytes read were not what the listing named (nothing may be kept).
    settled: bool | None = False
    fill: Any = None  # what fills the parse cache once the verdict is out (a full load in halves)
    if base.empty:
        # A full parse: a new base of every result; no delta applies to it. Its answer does
        # not wait for a dependency record (tracking every lookup would cost a first run a third
        # more): a full load in halves makes one after the answer, with the parse cache; after a
        # serial one, the next run that finds the tree changed makes one from the parse cache.
        files = state.files
        try:
            if track:  # an act needs the record now
                from sobctl.repo.files import atomic_stream

                with atomic_stream(state.cache_dir / "blobs", durable=False) as stream:
                    writer = BlobWriter(stream, state.base)
                    keep = _Keeper(writer, files)
                    found, record = _check_tracked(root, today, {}, keep, files, finish=writer.finish)
            else:
                # Files whose bytes all proved to have their listed ids need no second listing.
                started = early.pop() if early else None
                new_base = _NewBase(state)
                try:
                    findings, count, settled, fill = _check_full(root, today, {}, new_base, new_base.finish, files,
                                                                 started)
                except BaseException:
                    new_base.discard()
                    raise
                found = (findings, Summary.of(findings, count))
        except OSError:
            found = _check(root, today, {}, None)
        _drop(state, "blobs-delta")
        if record is None:
            _drop(state, "record")
    else:
        from sobctl.checks import incremental

        delta = load_blobs(state, "blobs-delta")
        handed = False
        try:
            stores = Stores(delta, base)
            fresh: dict[str, tuple[Any, ...]] = {}

            def remember(relpath: str, prepared: tuple[Any, ...]) -> None:
                content_id = state.files.get(relpath)
                if content_id is not None and content_id not in stores:
                    fresh[content_id] = prepared

            earlier = incremental.load_record(state, today)
            outcome = (
                incremental.incremental_run(root, today, state.files, earlier, stores, remember)
                if earlier is not None else None
            )
            if outcome is not None:
                found = (outcome[0], outcome[1])
                record = outcome[2]
                settled = outcome[3]
            else:
                known = {path: item for path, cid in state.files.items() if (item := stores.get(cid)) is not None}
                found, record = _check_tracked(root, today, known, remember, state.files)
            if not _renew_delta(state, base, delta, fresh):
                record = None
            if handoff is not None and record is not None:
                handoff.update(base=base, delta=delta, fresh=fresh)
                handed = True
        finally:
            damaged = base.damaged or delta.damaged
            if not handed:
                base.close()
                delta.close()
    # settled None: a file read was not what the listing named (it changed meanwhile).
    after = state if settled else None if settled is None else tree_state(root, today, state.base)
    if damaged or after is None or after.key != state.key:
        # Files changed while they were read (what was stored may not match the ids it is filed
        # under), or the parse cache is damaged: keep nothing from this run.
        if fill is not None:
            fill.close()
        _drop(state, "blobs", "blobs-delta", "result", "record")
        if handoff is not None:
            for store in (handoff.pop("base", None), handoff.pop("delta", None)):
                if store is not None:
                    store.close()
            handoff.clear()
        return found
    store_result(state, *found)
    if fill is not None:
        _fill_later(state, today, fill, found[0])
    if record is not None:
        from sobctl.checks import incremental

        incremental.store_record(state, today, record)
        if handoff is not None:
            handoff.update(record=record, found=found)
    return found


#: The locks a process filling the parse cache, then making the dependency record, holds until
#: each is written (see :func:`_fill_later`).
FILLING = "filling"
RECORDING = "recording"
#: How long a command that needs either waits for it.
FILL_WAIT = 30.0


def _fill_later(state: TreeState, today: dt.date, fill: Any, found: list[Diagnostic]) -> None:
    """Write the parse cache and the dependency record of ``state`` from ``fill``
    (``checks.split.Fill``; ``found``: the run's located findings) once the command's answer is
    out (``sobctl.lifetime.after_output``). The locks on ``filling`` and ``recording`` are taken
    now and each held until what it stands for is written, so a command that needs the parse
    cache (:func:`load_blobs`) or the record (``checks.incremental.load_record``) meanwhile
    waits for that one only (``diff`` needs no record)."""
    from sobctl import lifetime
    from sobctl.repo.files import atomic_stream, hold_lock

    filling = hold_lock(state.cache_dir / FILLING)
    recording = hold_lock(state.cache_dir / RECORDING) if filling is not None else None
    if filling is None or recording is None:  # another process is at it: leave it to that one
        for lock in (filling, recording):
            if lock is not None:
                os.close(lock)
        fill.close()
        return

    def write() -> None:
        from sobctl.checks import incremental

        try:
            try:
                with atomic_stream(state.cache_dir / "blobs", durable=False) as stream:
                    writer = BlobWriter(stream, state.base)
                    fill.write(_Keeper(writer, {}))
                    writer.finish()
            finally:
                os.close(filling)
            record = fill.record(state.files, found)
            if record is not None:
                incremental.store_record(state, today, record)
        except OSError:
            pass  # no parse cache or no record: the next run that needs one makes it
        finally:
            fill.close()
            os.close(recording)

    lifetime.after_output(write)


class _NewBase:
    """A new base store, written as a serial load's preparations come (opened at the first)."""

    def __init__(self, state: TreeState) -> None:
        self.state = state
        self.stack: contextlib.ExitStack | None = None
        self.writer: BlobWriter | None = None

    def _writer(self) -> BlobWriter:
        if self.writer is None:
            from sobctl.repo.files import atomic_stream

            stack = contextlib.ExitStack()
            stream = stack.enter_context(atomic_stream(self.state.cache_dir / "blobs", durable=False))
            self.stack, self.writer = stack, BlobWriter(stream, self.state.base)
        return self.writer

    def __call__(self, relpath: str, prepared: tuple[Any, ...], content_id: str | None = None) -> None:
        content_id = content_id or self.state.files.get(relpath)
        if content_id is not None:
            self._writer().add(content_id, prepared)

    def finish(self) -> None:
        """Complete the store (when anything was kept)."""
        if self.writer is not None and self.stack is not None:
            self.writer.finish()
            stack, self.stack = self.stack, None
            stack.close()

    def discard(self) -> None:
        """Leave no trace of a store begun."""
        if self.stack is not None:
            stack, self.stack = self.stack, None
            stack.__exit__(OSError, OSError("discarded"), None)


def _start_a_full_run(root: Path, today: dt.date, early: list[Any]) -> Callable[[], None] | None:
    """When no verdict and no parse cache are stored at all (a first run), what a full run
    does first, to be done while git lists the tree: import the models, the loading and the
    rules (~0.07 s), discover the files and start the child that reads and judges its half
    (put in ``early``); None when something may be stored."""
    from sobctl.repo.files import wait_for_lock

    git_dir = root / ".git"
    if (
        "GIT_DIR" in os.environ
        or not git_dir.is_dir()
        or (git_dir / "sobctl-cache" / "result").exists()
        or (git_dir / "sobctl-cache" / "blobs").exists()
        or not wait_for_lock(git_dir / "sobctl-cache" / FILLING, 0)  # a parse cache on its way
    ):
        return None

    def start() -> None:
        from sobctl.checks import split

        halves = split.start_halves(root, today, kept=True)
        if halves is not None:
            early.append(halves)

    return start


def _check_tracked(
    root: Path,
    today: dt.date,
    known: dict[str, tuple[Any, ...]],
    keep: Callable[[str, tuple[Any, ...]], None],
    files: dict[str, str],
    finish: Callable[[], None] | None = None,
) -> tuple[tuple[list[Diagnostic], Summary], Any]:
    """``_check`` that also learns what each document's verdict looked up (its record)."""
    from sobctl.checks import incremental
    from sobctl.checks.split import run_checks_split
    from sobctl.repo.workspace import Tracker, discover, load_workspace, resolve_locations

    workspace = load_workspace(root, known=known, keep=keep)
    lifetime.keep(workspace)
    if finish is not None:
        finish()
    known.clear()
    tracker = Tracker()
    found = workspace.load_diagnostics + run_checks_split(workspace.tracked(tracker), today)
    resolve_locations(root, found)
    found.sort(key=Diagnostic.sort_key)
    documents = {relpath for relpath, _folder in discover(root)[0]}
    record = incremental.record_of_full_run(workspace, tracker, files, found, documents)
    return (found, Summary.of(found, workspace.files)), record


def _check(
    root: Path,
    today: dt.date,
    known: dict[str, tuple[Any, ...]],
    keep: Callable[[str, tuple[Any, ...], str | None], None] | None,
    finish: Callable[[], None] | None = None,
) -> tuple[list[Diagnostic], Summary]:
    """Load (with ``known`` parse results), run every rule, locate: ``validate_repository``."""
    found, files, _settled, fill = _check_full(root, today, known, keep, finish)
    if fill is not None:
        fill.close()
    return found, Summary.of(found, files)


def _check_full(
    root: Path,
    today: dt.date,
    known: dict[str, tuple[Any, ...]],
    keep: Callable[[str, tuple[Any, ...], str | None], None] | None,
    finish: Callable[[], None] | None = None,
    ids: dict[str, str] | None = None,
    started: Any = None,
) -> tuple[list[Diagnostic], int, bool | None, Any]:
    """``_check``'s findings (located and sorted) and count of files, whether every file read
    had the content id ``ids`` gives it and no other was read (None: a file's bytes were not
    what ``ids`` names), and what fills the parse cache
    when the halves did the work (``checks.split.Fill``; None otherwise). A large repository
    loaded whole is read and judged in two halves, one per core (``started``: halves already at
    work); they leave the parse cache to be filled once the verdict is out. A serial load hands
    ``keep`` every preparation as it is made (``finish`` after the last one)."""
    import gc

    from sobctl.checks.split import check_in_halves, finish_halves, halves_apply, run_checks_split
    from sobctl.repo.workspace import load_files, resolve_locations, start_workspace

    paused = gc.isenabled()
    gc.disable()  # as in load_workspace: the loaded documents form no cycles
    fill: Any = None
    try:
        if started is not None:
            workspace, files = started.workspace, started.files
            halves = finish_halves(started, ids)
        else:
            workspace, files = start_workspace(root)
            whole = not known and halves_apply(files)
            halves = check_in_halves(workspace, files, today, keep is not None, ids) if whole else None
        if halves is not None:
            found, settled, fill = halves
        else:
            if not known and halves_apply(files):  # the halves failed: start again, whole
                workspace, files = start_workspace(root)
            load_files(workspace, root, files, None, known,
                       (lambda relpath, prepared: keep(relpath, prepared, None)) if keep is not None else None)
            lifetime.keep(workspace)
            known.clear()
            found = workspace.load_diagnostics + run_checks_split(workspace, today)
            settled = False
            if finish is not None:
                finish()
        resolve_locations(root, found)
        found.sort(key=Diagnostic.sort_key)
    except BaseException:
        if fill is not None:
            fill.close()
        raise
    finally:
        if paused:
            gc.enable()
    return found, workspace.files, settled, fill
