"""A parse cache under ``.git/``, so an act on a large repository does not re-read every file.

Loading a 3,000-unit repository means parsing and validating ~3,600 YAML files, which costs
more than everything else an act does. The cache keeps each file's parse result (the model
or its diagnostics) keyed the way git's index is: by size, modification and change time and
inode (the change time cannot be set back, so a forged modification time is still seen),
plus a SHA-1 of the bytes. A file whose stat key matches and that was not "racily" recent
when it was cached is taken as unchanged; any other file is read and its digest compared,
so an edit inside the same timestamp tick is never missed. Files that are symlinks or too
large always take the normal path. The result is the same ``Workspace`` that
:func:`sobctl.repo.workspace.load_workspace` builds (tests hold the two to it).

The cache also remembers the rule findings of the last repository state it saw (by the
digests of all its files and the day), so an act validates the state before its change
only when that state is new. ``SOBCTL_NO_CACHE=1`` switches all of this off.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
import pickle
import stat
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sobctl.i18n import _
from sobctl.model.diagnostic import Diagnostic
from sobctl.model.entities import Config
from sobctl.repo import files
from sobctl.repo.workspace import (
    CONFIG_FILE,
    Workspace,
    _read_file,
    diagnostic,
    discover,
    file_name_problem,
    missing_config,
    parse_document,
)

FORMAT = 2
MAX_SIZE = 1024 * 1024
REWRITE_AFTER = 32  # files parsed afresh before the parse results are written again
RACY_NS = 2_000_000_000  # files changed this recently before being cached are always re-hashed
Key = tuple[int, int, int, int]


@dataclass
class Entry:
    key: Key
    racy: bool
    digest: str
    document: Any
    diagnostics: list[Diagnostic]


@dataclass
class LoadCache:
    """The cache file's content, and what this run learnt."""

    path: Path
    entries: dict[str, Entry] = field(default_factory=dict)
    findings: tuple[str, list[Diagnostic]] | None = None  # (state signature, rule findings)
    digests: dict[str, str] = field(default_factory=dict)  # this run: path -> digest of what was loaded
    misses: int = 0
    dirty: bool = False
    loaded: bool = False  # the parse results came from a cache file
    findings_changed: bool = False

    def signature(self, today: dt.date, overlay: dict[str, bytes | None] | None = None) -> str:
        """The repository state (every loaded file's digest, with ``overlay`` applied) and the day."""
        digests = dict(self.digests)
        for relpath, data in (overlay or {}).items():
            if data is None:
                digests.pop(relpath, None)
            else:
                digests[relpath] = hashlib.sha1(data).hexdigest()
        text = today.isoformat() + "\n" + "\n".join(f"{p} {d}" for p, d in sorted(digests.items()))
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def known_findings(self, today: dt.date) -> list[Diagnostic] | None:
        if self.findings is not None and self.findings[0] == self.signature(today):
            return self.findings[1]
        return None

    def remember_findings(self, signature: str, found: list[Diagnostic]) -> None:
        self.findings = (signature, found)
        self.findings_changed = True

    def save(self) -> None:
        """Write what the cache learnt (atomically); a failure only costs speed.

        The parse results are large, so they are rewritten only when many files were parsed
        afresh (a few re-parsed files per run cost less than rewriting them all); the
        findings are small and written whenever they change.
        """
        try:
            if self.findings_changed and self.findings is not None:
                data = pickle.dumps((_stamp(), self.findings), protocol=pickle.HIGHEST_PROTOCOL)
                files.atomic_write(self.path.with_name("findings.pickle"), data)
            if self.misses >= REWRITE_AFTER or (self.entries and (self.misses or self.dirty) and not self.loaded):
                data = pickle.dumps((_stamp(), self.entries), protocol=pickle.HIGHEST_PROTOCOL)
                files.atomic_write(self.path, data)
        except (OSError, pickle.PicklingError):
            pass


def enabled() -> bool:
    return os.environ.get("SOBCTL_NO_CACHE", "") in ("", "0")


def _stamp() -> tuple[Any, ...]:
    """What a cached parse depends on besides the file: this code, the libraries' versions and the
    language (diagnostics hold their messages translated; transactions compare them)."""
    import pydantic

    from sobctl.i18n import LOCALE_DIR, language

    package = Path(__file__).resolve().parent.parent
    sources = []
    for folder in ("model", "repo", "checks"):
        for source in sorted((package / folder).glob("*.py")):
            info = source.stat()
            sources.append((source.name, info.st_size, info.st_mtime_ns))
    catalogue = LOCALE_DIR / language() / "LC_MESSAGES" / "sobctl.mo"
    if catalogue.exists():
        info = catalogue.stat()
        sources.append((catalogue.name, info.st_size, info.st_mtime_ns))
    return (FORMAT, sys.version, pydantic.VERSION, language(), tuple(sources))


def _unpickle(data: bytes) -> Any:
    """pickle.loads without the cyclic garbage collector rescanning every object it creates."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)
    finally:
        if was_enabled:
            gc.enable()


def open_cache(git_dir: Path) -> LoadCache:
    path = git_dir / "sobctl-cache" / "workspace.pickle"
    cache = LoadCache(path)
    stamp = _stamp()
    try:
        saved, entries = _unpickle(path.read_bytes())
        if saved == stamp:
            cache.entries, cache.loaded = entries, True
    except Exception:  # missing, unreadable or from another version: start afresh
        pass
    try:
        saved, findings = _unpickle(path.with_name("findings.pickle").read_bytes())
        if saved == stamp:
            cache.findings = findings
    except Exception:
        pass
    return cache


def _parse(cache: LoadCache, root: Path, relpath: str, model: Any) -> tuple[Any, list[Diagnostic], bool]:
    """(document or None, diagnostics, whether the file exists at all) for one file, from the cache if possible."""
    path = root / relpath
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None, [], False
    except OSError:
        info = None
    if info is None or not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SIZE:
        raw, problem = _read_file(root, relpath)
        if problem is not None or raw is None:
            return None, [problem or diagnostic("SOB007", _("unreadable"), relpath)], True
        document, problems = parse_document(relpath, raw, model)
        cache.digests[relpath] = hashlib.sha1(raw).hexdigest()
        return document, problems, True
    key: Key = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    entry = cache.entries.get(relpath)
    if entry is not None and entry.key == key and not entry.racy:
        cache.digests[relpath] = entry.digest
        return entry.document, list(entry.diagnostics), True
    raw, problem = _read_file(root, relpath)
    if problem is not None or raw is None:
        return None, [problem or diagnostic("SOB007", _("unreadable"), relpath)], True
    digest = hashlib.sha1(raw).hexdigest()
    racy = max(info.st_mtime_ns, info.st_ctime_ns) >= time.time_ns() - RACY_NS
    if entry is not None and entry.digest == digest:
        if entry.key != key or entry.racy != racy:
            cache.entries[relpath] = Entry(key, racy, digest, entry.document, entry.diagnostics)
            cache.dirty = cache.dirty or not racy
        cache.digests[relpath] = digest
        return entry.document, list(entry.diagnostics), True
    document, problems = parse_document(relpath, raw, model)
    cache.entries[relpath] = Entry(key, racy, digest, document, list(problems))
    cache.digests[relpath] = digest
    cache.misses += 1
    return document, problems, True


def load_workspace_cached(root: Path, cache: LoadCache) -> Workspace:
    """``load_workspace(root)``, taking unchanged files' parse results from ``cache``."""
    workspace = Workspace(root=root)
    diagnostics = workspace.load_diagnostics
    config, problems, exists = _parse(cache, root, CONFIG_FILE, Config)
    workspace.files += 1 if exists else 0
    if not exists:
        diagnostics.append(missing_config())
    else:
        diagnostics.extend(problems)
        workspace.config = config if isinstance(config, Config) else None

    found, problems = discover(root)
    diagnostics.extend(problems)
    workspace.files += len(found) + len(problems)
    targets: dict[str, dict[str, Any]] = {
        "program": workspace.programs, "unit": workspace.units,
        "person": workspace.people, "agreement": workspace.agreements,
    }
    present = {relpath for relpath, _ in found} | {CONFIG_FILE}
    for relpath, folder in found:
        document, problems, exists = _parse(cache, root, relpath, folder.model)
        if not exists:
            diagnostics.append(diagnostic("SOB007", _("not a regular file"), relpath))
            continue
        diagnostics.extend(problems)
        if document is None:
            continue
        ident = getattr(document, folder.id_field)
        mismatch = file_name_problem(relpath, folder, ident)
        if mismatch is not None:
            diagnostics.append(mismatch)
            continue
        targets[folder.kind][ident] = document
    for gone in set(cache.entries) - present:  # deleted files leave the cache
        del cache.entries[gone]
        cache.dirty = True
    return workspace
