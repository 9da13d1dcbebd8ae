"""The only module that runs git.

Plain ``git`` subprocesses keep the hot paths (a commit, ``log``) fast; every call goes
through :func:`run` so failures become :class:`~sobctl.errors.GitFailed` with git's words.
"""

from __future__ import annotations

import contextlib
import os
import queue
import stat
import subprocess
import tempfile
import threading
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sobctl.errors import GitFailed, Refused
from sobctl.i18n import N_, _

_BASE_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


def run(root: Path, *args: str, env: Mapping[str, str] | None = None, input_text: str | None = None,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``git -C root args…`` and return the finished process (text mode)."""
    full_env = {**os.environ, **_BASE_ENV, **(env or {})}
    try:
        process = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, env=full_env,
            input=input_text, check=False,
        )
    except FileNotFoundError:
        raise GitFailed(_("git is not installed or not on PATH")) from None
    if check and process.returncode != 0:
        detail = (process.stderr or process.stdout).strip()
        raise GitFailed(_("git {command} failed: {detail}").format(command=args[0], detail=detail))
    return process


def stream(root: Path, *args: str) -> Iterator[str]:
    """Yield the lines of a git command's output as it produces them (for ``git log``)."""
    process = subprocess.Popen(
        ["git", "-C", str(root), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, encoding="utf-8", errors="replace", env={**os.environ, **_BASE_ENV},
    )
    assert process.stdout is not None
    try:
        yield from process.stdout
    finally:
        process.stdout.close()
        stderr = process.stderr.read() if process.stderr else ""
        code = process.wait()
        if process.stderr:
            process.stderr.close()
    if code != 0:
        raise GitFailed(_("git {command} failed: {detail}").format(command=args[0], detail=stderr.strip()))


def toplevel(root: Path) -> Path | None:
    process = run(root, "rev-parse", "--show-toplevel", check=False)
    return Path(process.stdout.strip()) if process.returncode == 0 else None


def require_repository(root: Path) -> Path:
    """The work tree's top folder, or a refusal saying this is not a git repository."""
    top = toplevel(root)
    if top is None:
        raise Refused(_("{path} is not inside a git repository").format(path=root), rule="repository",
                      hint=_("run 'git init' there, or create a region with sobctl init"))
    return top


def repository_paths(root: Path) -> tuple[Path, Path] | None:
    """(work tree top folder, absolute git dir) in one git call, or None outside a repository."""
    process = run(root, "rev-parse", "--show-toplevel", "--absolute-git-dir", check=False)
    lines = process.stdout.splitlines()
    if process.returncode != 0 or len(lines) != 2:
        return None
    return Path(lines[0]), Path(lines[1])


def git_dir(root: Path) -> Path:
    return Path(run(root, "rev-parse", "--absolute-git-dir").stdout.strip())


def head(root: Path) -> str | None:
    """The commit HEAD points at, or None in a repository without commits."""
    process = run(root, "rev-parse", "--verify", "-q", "HEAD", check=False)
    return process.stdout.strip() or None


def config_value(root: Path, key: str) -> str | None:
    process = run(root, "config", "--get", key, check=False)
    return process.stdout.strip() or None


def dirty_paths(root: Path, paths: Sequence[str]) -> list[str]:
    """Those of ``paths`` with uncommitted changes (staged, unstaged or untracked)."""
    if not paths:
        return []
    process = run(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths)
    entries = [entry for entry in process.stdout.split("\0") if entry]
    return sorted({entry[3:] for entry in entries if len(entry) > 3})


def blobs_at_head(root: Path, paths: Sequence[str]) -> dict[str, str] | None:
    """The blob ids of ``paths`` in HEAD (absent paths are left out), or None if git cannot tell
    (e.g. before the first commit)."""
    process = run(root, "ls-tree", "-z", "--full-tree", "HEAD", "--", *paths, check=False)
    if process.returncode != 0:
        return None
    blobs: dict[str, str] = {}
    for entry in process.stdout.split("\0"):
        meta, _, relpath = entry.partition("\t")
        parts = meta.split(" ")
        if len(parts) == 3 and parts[1] == "blob":
            blobs[relpath] = parts[2]
    return blobs


def show_file(root: Path, revision: str, path: str) -> bytes | None:
    """A file's bytes at a revision, or None when it does not exist there."""
    process = subprocess.run(["git", "-C", str(root), "show", f"{revision}:{path}"], capture_output=True,
                             env={**os.environ, **_BASE_ENV}, check=False)
    return process.stdout if process.returncode == 0 else None


def commits_touching(root: Path, path: str, limit: int = 200) -> list[str]:
    """The newest ``limit`` commits (newest first) that changed ``path``; empty without commits."""
    if head(root) is None:
        return []
    process = run(root, "log", f"--max-count={limit}", "--format=%H", "--", path, check=False)
    return process.stdout.split() if process.returncode == 0 else []


def commit_paths(root: Path, paths: Sequence[str], message: str, *, sign: bool,
                 git_directory: Path | None = None, staged: dict[str, Any] | None = None) -> str:
    """Commit exactly ``paths`` (as they are in the work tree) on top of HEAD.

    A temporary index built from HEAD carries the commit, so whatever the user has staged
    or changed elsewhere is neither committed nor disturbed. ``git commit`` itself runs,
    so the repository's pre-commit and commit-msg hooks and its signing apply; if any of
    them fails, HEAD and the user's index are untouched and GitFailed is raised.
    Returns the new commit id.

    With ``git_directory``, the temporary index starts as a copy of the user's index
    re-read from HEAD (``read-tree -m`` keeps the cached file stats of entries that match
    HEAD), so ``git commit`` need not re-hash every file of a large repository.

    When nothing needs ``git commit`` (see :func:`_commit_plumbing`), plumbing makes the same
    commit. Then, with ``staged``, the user's index is brought up to date while the caller goes
    on: ``staged["finish"]()`` (which the caller must call) waits for it, and then ``staged``
    holds what the index became: ``blobs`` (each touched path's blob id, None for a removed one)
    and the index's ``before`` and ``after`` ids (:func:`index_id`) around that one change.
    """
    if not sign and git_directory is not None:
        made = _commit_plumbing(root, paths, message, git_directory, staged)
        if made is not None:
            return made
    parent = head(root)
    with tempfile.TemporaryDirectory(prefix="sobctl-index-") as scratch:
        temporary_index = Path(scratch) / "index"
        index_env = {"GIT_INDEX_FILE": str(temporary_index)}
        if parent is not None and not _seed_index(root, parent, temporary_index, git_directory, index_env):
            temporary_index.unlink(missing_ok=True)
            run(root, "read-tree", parent, env=index_env)
        run(root, "add", "--all", "--", *paths, env=index_env)
        message_file = Path(scratch) / "message"
        message_file.write_text(message, encoding="utf-8")
        args = ["commit", "--quiet", "--no-edit", "--cleanup=verbatim", "-F", str(message_file)]
        if parent is None:
            args.append("--allow-empty")
        if sign:
            args.append("-S")
        process = run(root, *args, env=index_env, check=False)
        if process.returncode != 0:
            detail = (process.stderr + process.stdout).strip() or f"exit {process.returncode}"
            raise GitFailed(_("git commit was refused: {detail}").format(detail=detail))
    new_head = head(root)
    if new_head is None or new_head == parent:
        raise GitFailed(_("git commit did not create a commit"))
    # The user's index still holds the old blobs of the touched paths: bring just those up to HEAD.
    run(root, "reset", "--quiet", new_head, "--", *paths, check=False)
    return new_head


# --- committing without porcelain ----------------------------------------------------------------
#
# ``git commit`` through a temporary index costs a national repository ~0.2 s: the index of
# 41,000 entries is built, refreshed and written. When nothing needs the porcelain (no hook would
# run, no signing, no sparse checkout), the same commit is made from git's plumbing instead: the
# touched files become blobs, only their folders' trees are rewritten, ``commit-tree`` makes the
# same commit object ``git commit`` would (identity, dates, encoding and message from the same
# code), and ``update-ref`` moves HEAD only if it still points at the parent (compare and swap).

_TREE = b"40000"
_REGULAR = b"100644"
_ZERO_ID = "0" * 40


_PLAIN_SETTINGS = r"^(commit\.gpgsign|core\.sparsecheckout|maintenance\.auto)$"


def _spawn(root: Path, *args: str) -> subprocess.Popen[str] | None:
    """Start ``git -C root args…`` (text output), to be read with :func:`_collect`; None if it cannot start."""
    try:
        return subprocess.Popen(["git", "-C", str(root), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env={**os.environ, **_BASE_ENV})
    except OSError:
        return None


def _collect(process: subprocess.Popen[str] | None) -> tuple[int, str]:
    """(exit code, output) of a process from :func:`_spawn` (-1 when it did not start)."""
    if process is None:
        return -1, ""
    out, _err = process.communicate()
    return process.returncode, out


def _plain_settings(hooks: Path, config: tuple[int, str]) -> dict[str, str | None] | None:
    """The settings a plain commit reads, or None when ``git commit`` would do more than commit: a
    hook would run, it would sign, the checkout is sparse, or git's configuration is unclear.
    ``config``: what ``git config -z --get-regexp _PLAIN_SETTINGS`` said."""
    try:
        with os.scandir(hooks) as entries:
            for entry in entries:
                if not entry.name.endswith(".sample") and entry.is_file() and os.access(entry.path, os.X_OK):
                    return None
    except FileNotFoundError:
        pass
    except OSError:
        return None
    code, output = config
    if code not in (0, 1):
        return None
    settings: dict[str, str | None] = {}
    for item in output.split("\0"):
        if item:
            key, newline, value = item.partition("\n")
            settings[key.lower()] = value if newline else None  # a key without "=" is true
    for key in ("commit.gpgsign", "core.sparsecheckout"):
        if key in settings and _config_true(settings[key]) is not False:
            return None  # true, or a value git might read otherwise than we do
    return settings


def _config_true(value: str | None) -> bool | None:
    """A git boolean: True, False, or None when it is none git spells."""
    if value is None:
        return True
    word = value.strip().lower()
    if word in ("true", "yes", "on"):
        return True
    if word in ("false", "no", "off", ""):
        return False
    try:
        return int(word, 0) != 0
    except ValueError:
        return None


def _read_trees(root: Path, names: Sequence[str]) -> list[bytes | None] | None:
    """The raw tree objects named ``rev:path`` (None for a path that is not there), or None if a
    name is not a tree or git cannot tell."""
    request = "".join(f"{name}\n" for name in names).encode()
    process = subprocess.run(["git", "-C", str(root), "cat-file", "--batch"], input=request, capture_output=True,
                             env={**os.environ, **_BASE_ENV}, check=False)
    if process.returncode != 0:
        return None
    data = process.stdout
    trees: list[bytes | None] = []
    position = 0
    for _name in names:
        header_end = data.find(b"\n", position)
        if header_end < 0:
            return None
        header = data[position:header_end]
        if header.endswith(b" missing"):
            trees.append(None)
            position = header_end + 1
            continue
        fields = header.split(b" ")
        if len(fields) != 3 or fields[1] != b"tree":
            return None
        size = int(fields[2])
        start = header_end + 1
        trees.append(data[start:start + size])
        position = start + size + 1
    return trees


def _tree_entries(data: bytes) -> list[tuple[bytes, bytes, bytes]]:
    """(mode, name, 20-byte id) of every entry of a raw tree object, in its order."""
    entries = []
    position, size, index = 0, len(data), data.index
    while position < size:
        end = index(b"\0", position)
        mode, _, name = data[position:end].partition(b" ")
        entries.append((mode, name, data[end + 1:end + 21]))
        position = end + 21
    return entries


def _tree_order(entry: tuple[bytes, bytes, bytes]) -> bytes:
    """git's order of tree entries: a folder sorts as if its name ended in '/'."""
    mode, name, _ = entry
    return name + b"/" if mode == _TREE else name


def _object_id(kind: bytes, data: bytes) -> str:
    import hashlib

    return hashlib.sha1(kind + b" %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _new_tree(old: bytes | None, changes: dict[bytes, tuple[bytes, str | None]], added: list[bytes]) -> bytes | None:
    """``old`` (a raw tree, or None for a new folder) with entries set to (mode, id) or removed (mode,
    None); None when that is not a plain change of regular files (a file that is not there to remove,
    a file becoming a folder, an executable or a link): then ``git add`` decides. Files new to the
    tree are listed in ``added``."""
    if old is not None and len(changes) == 1:
        # One entry changing in place (an act edits one file per folder): find it by walking the
        # entries, and swap its id.
        ((name, change),) = changes.items()
        position, size, index = 0, len(old), old.index
        while position < size:
            end = index(b"\0", position)
            space = index(b" ", position)
            if old[space + 1:end] == name:
                if change[1] is None or old[position:space] != change[0]:
                    break  # removed, or another mode: the general way below
                return old[:end + 1] + bytes.fromhex(change[1]) + old[end + 21:]
            position = end + 21
    entries = {name: (mode, object_id) for mode, name, object_id in _tree_entries(old)} if old is not None else {}
    for name, change in changes.items():
        before = entries.get(name)
        mode, object_id = change
        if (before is not None and before[0] != mode) or (before is None and object_id is None):
            return None
        if object_id is None:
            del entries[name]
        else:
            if before is None and mode != _TREE:
                added.append(name)
            entries[name] = (mode, bytes.fromhex(object_id))
    if not entries:
        return b""
    ordered = sorted(((mode, name, object_id) for name, (mode, object_id) in entries.items()), key=_tree_order)
    return b"".join(mode + b" " + name + b"\0" + object_id for mode, name, object_id in ordered)


def _commit_plumbing(root: Path, paths: Sequence[str], message: str, git_directory: Path,
                     staged: dict[str, Any] | None = None) -> str | None:
    """Commit ``paths`` as ``git commit`` would, through plumbing; None (having changed nothing that
    matters: at most unreferenced objects were written) when the porcelain must do it."""
    # The two questions go to git at the same time.
    asked = _spawn(root, "config", "-z", "--get-regexp", _PLAIN_SETTINGS)
    located = _collect(_spawn(root, "rev-parse", "--git-path", "hooks", "--show-prefix", "--verify", "-q", "HEAD"))
    config = _collect(asked)
    lines = located[1].split("\n")
    if located[0] != 0 or len(lines) != 4 or lines[3]:
        return None  # no commit yet, or git cannot tell: the porcelain makes the first one
    if lines[1]:
        return None  # the region is a folder inside the work tree: paths and trees are git add's business
    hooks, parent = root / lines[0], lines[2]
    if len(parent) != 40:
        return None  # raw trees below are read with SHA-1's 20-byte ids
    settings = _plain_settings(hooks, config)
    if settings is None:
        return None
    # Which paths are files to commit and which are gone; anything else (a folder, a link, an
    # executable file, a path outside the work tree) is for git add to judge.
    present: list[str] = []
    for relpath in paths:
        parts = relpath.split("/")
        if relpath.startswith("/") or "" in parts or "." in parts or ".." in parts or parts[0] == ".git":
            return None
        try:
            info = os.lstat(root / relpath)
        except FileNotFoundError:
            continue
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o111:
            return None
        present.append(relpath)
    # The files become blobs while the trees above them are read.
    hashing = _spawn(root, "hash-object", "-w", "--", *present) if present else None
    # Every folder above a touched path, deepest first.
    folders = sorted({"/".join(relpath.split("/")[:depth]) for relpath in paths
                      for depth in range(relpath.count("/") + 1)}, key=lambda f: (-f.count("/") - bool(f), f))
    olds = _read_trees(root, [f"{parent}:{folder}" for folder in folders])
    blobs: dict[str, str] = {}
    if present:
        code, output = _collect(hashing)
        ids = output.split()
        if code != 0 or len(ids) != len(present):
            return None
        blobs = dict(zip(present, ids, strict=True))
    if olds is None or olds[-1] is None:
        return None
    old_trees = dict(zip(folders, olds, strict=True))
    if any(relpath not in blobs and old_trees.get(relpath.rpartition("/")[0]) is None for relpath in paths):
        return None  # a path gone from a folder HEAD does not have
    changes: dict[str, dict[bytes, tuple[bytes, str | None]]] = {folder: {} for folder in folders}
    for relpath in paths:
        folder, _slash, name = relpath.rpartition("/")
        changes[folder][os.fsencode(name)] = (_REGULAR, blobs.get(relpath))
    written: dict[str, bytes] = {}
    added: list[str] = []
    tree_id = ""
    for folder in folders:
        new_names: list[bytes] = []
        content = _new_tree(old_trees[folder], changes[folder], new_names)
        if content is None:
            return None
        added += [f"{folder}/{os.fsdecode(name)}" if folder else os.fsdecode(name) for name in new_names]
        if folder and content == b"":
            change: tuple[bytes, str | None] = (_TREE, None)  # git keeps no empty folders
        else:
            tree_id = _object_id(b"tree", content)
            written[tree_id] = content
            change = (_TREE, tree_id)
        if folder:
            above, _slash, name = folder.rpartition("/")
            if old_trees[folder] is None and change[1] is None:
                continue  # a new folder that stays empty
            changes[above][os.fsencode(name)] = change
    if added and run(root, "check-ignore", "-q", "--", *added, check=False).returncode != 1:
        return None  # git add refuses ignored files (or cannot tell): let it say so
    if not _write_trees(root, written):
        return None
    if old_trees[""] is not None and _object_id(b"tree", old_trees[""]) == tree_id:
        return None  # nothing changed: git commit says so in its own words
    made = _run_bytes(root, ("commit-tree", tree_id, "-p", parent), message.encode())
    commit = made.stdout.decode("ascii", "replace").strip()
    if made.returncode != 0 or len(commit) < 40:
        detail = (made.stderr + made.stdout).decode("utf-8", "replace").strip() or f"exit {made.returncode}"
        raise GitFailed(_("git commit was refused: {detail}").format(detail=detail))
    # The reflog says what git commit would: "commit: <first line>" (or $GIT_REFLOG_ACTION's word).
    subject = message.split("\n", 1)[0]
    action = os.environ.get("GIT_REFLOG_ACTION", "commit")
    moved = run(root, "update-ref", "-m", f"{action}: {subject}", "HEAD", commit, parent, check=False)
    if moved.returncode != 0:
        raise GitFailed(_("git commit was refused: {detail}").format(
            detail=moved.stderr.strip() or f"update-ref: exit {moved.returncode}"))  # git says HEAD moved
    # What git commit leaves besides the commit: its message file, and the user's index with the
    # touched paths at their new blobs (everything else the user staged stays as it was).
    with contextlib.suppress(OSError):
        from sobctl.repo.files import atomic_stream

        with atomic_stream(git_directory / "COMMIT_EDITMSG", durable=False) as stream:
            stream.write(message.encode())
    entries = b"".join(
        (b"100644 %s\t" % blobs[relpath].encode() if relpath in blobs else b"0 %s\t" % _ZERO_ID.encode())
        + os.fsencode(relpath) + b"\n"
        for relpath in paths
    )
    before = index_id(git_directory)
    maintain = _config_true(settings.get("maintenance.auto", "true")) is not False
    try:
        updating: subprocess.Popen[bytes] | None = subprocess.Popen(
            ["git", "-C", str(root), "update-index", "--index-info"], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **_BASE_ENV})
        assert updating is not None and updating.stdin is not None
        updating.stdin.write(entries)
        updating.stdin.close()
    except OSError:
        updating = None

    def finish() -> None:
        """Wait for the index update (it runs while the caller keeps its cache), then maintain."""
        nonlocal updating
        if updating is None:
            return
        code = updating.wait()
        updating = None
        if staged is not None and code == 0:
            staged.update(blobs={relpath: blobs.get(relpath) for relpath in paths}, before=before,
                          after=index_id(git_directory))
        if maintain:
            run(root, "maintenance", "run", "--auto", "--quiet", check=False)  # as git commit does

    if staged is None:
        finish()
    else:
        staged["finish"] = finish
    return commit


def _run_bytes(root: Path, args: Sequence[str], data: bytes) -> subprocess.CompletedProcess[bytes]:
    """``git -C root args…`` with ``data`` on its standard input; output as bytes, never raising."""
    try:
        return subprocess.run(["git", "-C", str(root), *args], input=data, capture_output=True,
                              env={**os.environ, **_BASE_ENV}, check=False)
    except FileNotFoundError:
        raise GitFailed(_("git is not installed or not on PATH")) from None


def _write_trees(root: Path, trees: dict[str, bytes]) -> bool:
    """Write raw tree objects into the object store; True when git filed each under its id."""
    if not trees:
        return True
    with tempfile.TemporaryDirectory(prefix="sobctl-trees-") as scratch:
        names = []
        for number, content in enumerate(trees.values()):
            name = Path(scratch) / str(number)
            name.write_bytes(content)
            names.append(str(name))
        process = run(root, "hash-object", "-w", "-t", "tree", "--no-filters", "--stdin-paths",
                      input_text="".join(f"{name}\n" for name in names), check=False)
    return process.returncode == 0 and process.stdout.split() == list(trees)


_IN_PROGRESS = {
    "MERGE_HEAD": N_("a merge"), "CHERRY_PICK_HEAD": N_("a cherry-pick"), "REVERT_HEAD": N_("a revert"),
    "rebase-merge": N_("a rebase"), "rebase-apply": N_("a rebase or git am"),
}


def operation_in_progress(git_directory: Path) -> str | None:
    """Which unfinished git operation (merge, rebase, …) the checkout is in, if any.

    A commit made then would become part of it (a merge commit would conclude the user's merge).
    """
    for name, what in _IN_PROGRESS.items():
        if (git_directory / name).exists():
            return _(what)
    return None


def _seed_index(root: Path, parent: str, temporary_index: Path, git_directory: Path | None,
                index_env: Mapping[str, str]) -> bool:
    """Fill ``temporary_index`` with HEAD's tree and the user's cached stats; False if that cannot be done."""
    import shutil

    if git_directory is None:
        return False
    user_index = Path(os.environ.get("GIT_INDEX_FILE") or git_directory / "index")
    try:
        shutil.copyfile(user_index, temporary_index)
    except OSError:
        return False
    return run(root, "read-tree", "-m", parent, env=index_env, check=False).returncode == 0


@contextmanager
def repository_lock(root: Path, timeout: float | None = None, *, directory: Path | None = None) -> Iterator[None]:
    """Serialise sobctl processes that change one checkout (a lock file under .git/).

    A second process waits for the first; after ``timeout`` seconds (default
    $SOBCTL_LOCK_TIMEOUT, else 30) it gives up with a refusal, having changed nothing.
    """
    import fcntl
    import time

    if timeout is None:
        try:
            timeout = float(os.environ.get("SOBCTL_LOCK_TIMEOUT", "30"))
        except ValueError:
            timeout = 30.0

    lock_path = (directory or git_dir(root)) / "sobctl.lock"
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise Refused(_("another sobctl is changing this repository; try again"), rule="lock") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


# --- reading history (diff, audit verify) -------------------------------------------------------

CONTENT_PREFIXES = ("catalogue/", "units/", "roles/", "agreements/")
CONTENT_FILE = "sobctl.yaml"


def is_content_path(path: str) -> bool:
    """A file whose bytes are part of the region's administration (sobctl.yaml or a content folder)."""
    return path == CONTENT_FILE or path.startswith(CONTENT_PREFIXES)


def resolve(root: Path, revision: str) -> str:
    """The full commit id of a revision, or a refusal naming the revision that is not there."""
    process = run(root, "rev-parse", "--verify", "-q", f"{revision}^{{commit}}", check=False)
    commit = process.stdout.strip()
    if process.returncode != 0 or not commit:
        raise Refused(_("no commit '{revision}' in this repository").format(revision=revision), rule="revision",
                      hint=_("fetch it first (in CI: actions/checkout with fetch-depth: 0)"))
    return commit


def read_blobs(root: Path, objects: Sequence[str]) -> list[bytes]:
    """The contents of many blobs in one ``git cat-file --batch`` run, in the order asked."""
    if not objects:
        return []
    try:
        request = "\n".join(objects).encode() + b"\n"
        process = subprocess.run(["git", "-C", str(root), "cat-file", "--batch"], input=request,
                                 capture_output=True, env={**os.environ, **_BASE_ENV}, check=False)
    except FileNotFoundError:
        raise GitFailed(_("git is not installed or not on PATH")) from None
    if process.returncode != 0:
        raise GitFailed(_("git {command} failed: {detail}").format(
            command="cat-file", detail=process.stderr.decode("utf-8", "replace").strip()))
    data = process.stdout
    result: list[bytes] = []
    position = 0
    for _object in objects:
        header_end = data.index(b"\n", position)
        header = data[position:header_end].split()
        if len(header) < 3 or header[1] == b"missing":
            raise GitFailed(_("git cat-file: object {object} is missing").format(object=header[0].decode()))
        size = int(header[2])
        start = header_end + 1
        result.append(data[start:start + size])
        position = start + size + 1
    return result


def tree_files(root: Path, revision: str, *, content_only: bool = True) -> dict[str, bytes]:
    """Every file (by default only the region's content files) at a revision: path → bytes.

    Symlinks and submodules are left out: the loader refuses them on disk too.
    """
    blobs = tree_blobs(root, revision, content_only=content_only)
    return dict(zip(blobs, read_blobs(root, list(blobs.values())), strict=True))


def tree_blobs(root: Path, revision: str, *, content_only: bool = True) -> dict[str, str]:
    """``tree_files`` without the bytes: path → blob id."""
    listing = run(root, "ls-tree", "-r", "-z", "--full-tree", revision).stdout
    blobs: dict[str, str] = {}
    for entry in listing.split("\0"):
        if not entry:
            continue
        meta, path = entry.split("\t", 1)
        mode, kind, obj = meta.split()
        if kind != "blob" or mode == "120000" or (content_only and not is_content_path(path)):
            continue
        blobs[path] = obj
    return blobs


@dataclass(frozen=True)
class CommitInfo:
    """One commit as the audit sees it."""

    commit: str
    parents: tuple[str, ...]
    author_email: str
    author_date: str  # ISO 8601
    subject: str
    message: str
    signature_status: str  # %G?: G good, B bad, U good but unknown validity, N none, E cannot check, …
    signing_key: str  # %GK
    signing_fingerprint: str  # %GF

    @property
    def short(self) -> str:
        return self.commit[:10]


def is_shallow(root: Path) -> bool:
    """A clone with cut-off history (its oldest commits look parentless)."""
    return run(root, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"


def commits(root: Path, revision_range: str) -> list[str]:
    """The commits of a range (``A..B`` or a single revision for its whole history), oldest first."""
    process = run(root, "rev-list", "--reverse", "--topo-order", revision_range, check=False)
    if process.returncode != 0:
        raise Refused(_("not a revision range here: {range} ({detail})").format(
                          range=revision_range, detail=process.stderr.strip()), rule="revision",
                      hint=_("fetch the base first (in CI: actions/checkout with fetch-depth: 0)"))
    return [line for line in process.stdout.split() if line]


def commit_info(root: Path, commit: str, env: Mapping[str, str] | None = None) -> CommitInfo:
    """Parents, author e-mail, message and signature facts of a commit."""
    separator = "\x1f"
    fields = ["%H", "%P", "%ae", "%aI", "%G?", "%GK", "%GF", "%s", "%B"]
    out = run(root, "show", "-s", f"--format={separator.join(fields)}", commit, env=env).stdout
    parts = out.split(separator, 8)
    if len(parts) < 9:
        raise GitFailed(_("git show: unexpected output for {commit}").format(commit=commit))
    full, parents, email, date, status, key, fingerprint, subject, message = parts
    return CommitInfo(full, tuple(parents.split()), email.strip(), date.strip(), subject,
                      message.rstrip("\n") + "\n",
                      status.strip() or "N", key.strip(), fingerprint.strip())


def changed_paths(root: Path, parent: str | None, commit: str) -> list[str]:
    """Paths that differ between a parent (None: the empty tree) and a commit, renames as delete + add."""
    if parent is None:
        process = run(root, "ls-tree", "-r", "-z", "--name-only", "--full-tree", commit)
        return sorted(p for p in process.stdout.split("\0") if p)
    process = run(root, "diff-tree", "-r", "-z", "--no-renames", "--name-only", parent, commit)
    return sorted(p for p in process.stdout.split("\0") if p)


def materialise(root: Path, revision: str, destination: Path) -> None:
    """Check a revision's tree out into ``destination`` (not a work tree of the repository).

    A temporary index keeps the repository's own index and work tree untouched.
    """
    with tempfile.TemporaryDirectory(prefix="sobctl-index-") as scratch:
        index_env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        run(root, "read-tree", revision, env=index_env)
        prefix = str(destination).rstrip("/") + "/"
        run(root, "checkout-index", "--all", "--force", f"--prefix={prefix}", env=index_env)


def init_repository(root: Path) -> None:
    run(root, "init", "--quiet")


def commit_all(root: Path, message: str) -> str:
    """Stage everything in a fresh work tree and make its first commit."""
    run(root, "add", "--all")
    process = run(root, "commit", "--quiet", "--no-verify", "-m", message, check=False)
    if process.returncode != 0:
        detail = (process.stderr + process.stdout).strip()
        raise GitFailed(_("git commit was refused: {detail}").format(detail=detail),
                        hint=_("git needs user.name and user.email: git config --global user.email you@region.example"))
    return head(root) or ""

def stream_records(root: Path, *args: str, separator: bytes = b"\x1e",
                   chunk_size: int = 1 << 16) -> Generator[str, None, None]:
    """Yield the ``separator``-delimited records of a git command's output as they arrive.

    Records are decoded as UTF-8 (bad bytes replaced) one block at a time; the separator never
    occurs inside a multi-byte character, so splitting the bytes first is safe. Closing the
    generator early (e.g. after the first page) stops git at once instead of letting it finish.
    """
    try:
        process = subprocess.Popen(
            ["git", "-C", str(root), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**os.environ, **_BASE_ENV},
        )
    except FileNotFoundError:
        raise GitFailed("git is not installed or not on PATH") from None
    assert process.stdout is not None and process.stderr is not None
    finished = False
    try:
        fd = process.stdout.fileno()
        pending = b""
        while chunk := os.read(fd, chunk_size):
            block, found, rest = chunk.rpartition(separator)
            if not found:
                pending += chunk
                continue
            text = (pending + block).decode("utf-8", "replace")
            pending = rest
            yield from filter(None, text.split(separator.decode()))
        if pending:
            yield pending.decode("utf-8", "replace")
        finished = True
    finally:
        if not finished and process.poll() is None:
            process.kill()  # our own child: the reader has what it wanted
        process.stdout.close()
        stderr = process.stderr.read().decode("utf-8", "replace")
        process.stderr.close()
        code = process.wait()
    if code != 0:
        raise GitFailed(f"git {args[0]} failed: {stderr.strip()}")


class ChangedPaths:
    """One long-running ``git diff-tree --stdin``: which paths under ``pathspecs`` commits changed.

    Batches of commit ids are submitted (a writer thread feeds git, so neither side can block
    the other) and their results collected in the same order; a batch can be in flight while the
    caller does other work. Git echoes a line that is not an object id and flushes its output:
    that echo marks the end of each batch. Paths are relative to ``root`` (which may be a folder
    inside the work tree); commits that changed nothing there are left out. For a merge, only the
    paths it changed itself count (its combined diff: different from every parent), so a clean
    merge changed nothing while a hand-resolved conflict or an edit slipped into a merge shows.
    """

    _END = b"\x1esobctl-batch-end\n"

    def __init__(self, root: Path, pathspecs: Sequence[str]) -> None:
        self.root = root
        self.pathspecs = list(pathspecs)
        self._process: subprocess.Popen[bytes] | None = None
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._buffer = b""
        self._submitted = 0

    def _start(self) -> subprocess.Popen[bytes]:
        try:
            process = subprocess.Popen(
                ["git", "-C", str(self.root), "diff-tree", "--stdin", "--root", "-r", "-c", "--no-renames",
                 "--name-only", "-z", "--relative", "--format=%x1e%H", "--", *self.pathspecs],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **_BASE_ENV},
            )
        except FileNotFoundError:
            raise GitFailed("git is not installed or not on PATH") from None
        self._writer = threading.Thread(target=self._feed, args=(process,), daemon=True)
        self._writer.start()
        return process

    def _feed(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdin is not None
        try:
            while (data := self._queue.get()) is not None:
                process.stdin.write(data)
                process.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # git ended early; collect() reports why
        finally:
            with contextlib.suppress(OSError):
                process.stdin.close()

    def submit(self, commits: Sequence[str]) -> None:
        if self._process is None:
            self._process = self._start()
        self._queue.put("".join(f"{commit}\n" for commit in commits).encode() + self._END)
        self._submitted += 1

    def collect(self) -> dict[str, list[str]]:
        """The result of the oldest submitted batch that has not been collected yet."""
        process = self._process
        if process is None or self._submitted == 0:
            raise ValueError("no batch was submitted")
        assert process.stdout is not None
        while (end := self._buffer.find(self._END)) < 0:
            chunk = os.read(process.stdout.fileno(), 1 << 16)
            if not chunk:
                assert process.stderr is not None
                detail = process.stderr.read().decode("utf-8", "replace").strip()
                raise GitFailed(f"git diff-tree failed: {detail or f'exit {process.wait()}'}")
            self._buffer += chunk
        block, self._buffer = self._buffer[:end], self._buffer[end + len(self._END):]
        self._submitted -= 1
        result: dict[str, list[str]] = {}
        for record in block.decode("utf-8", "replace").split("\x1e"):
            commit, _, names = record.partition("\0")
            paths = [name for name in names.removeprefix("\n").split("\0") if name]
            if commit and paths:
                result[commit] = paths
        return result

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        self._queue.put(None)
        if process.poll() is None and self._submitted:
            process.kill()  # our own child, still busy with batches nobody will collect
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        process.stderr.close()
        process.wait()
        if self._writer is not None:
            self._writer.join()

    def __enter__(self) -> ChangedPaths:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def head_of_work_tree(root: Path) -> str | None:
    """HEAD's commit (None before the first commit), with one git process; a refusal saying so
    when ``root`` is not inside a git work tree."""
    process = run(root, "rev-parse", "--show-toplevel", "--verify", "-q", "HEAD", check=False)
    lines = process.stdout.split()
    if process.returncode not in (0, 1) or not lines:
        raise Refused(f"{root} is not inside a git repository", rule="repository",
                      hint="run 'git init' there, or create a region with sobctl init")
    return lines[1] if process.returncode == 0 and len(lines) > 1 else None


@dataclass(frozen=True, slots=True)
class TreeListing:
    """What git knows about some paths of the work tree, from one round of concurrent calls."""

    git_dir: Path
    index: dict[str, tuple[str, str, str]]
    """``path → (tag, mode, blob id)``; ``tag`` is ``git ls-files -v``'s letter (``H`` for an ordinary
    entry; others mark assume-unchanged or skip-worktree entries), ``U`` for a merge conflict."""
    changed: set[str]
    """Index entries whose work-tree file differs from the index (``git diff-files``)."""
    untracked: list[str]
    """Paths git does not track (ignored ones included; a folder ends in ``/``)."""


def tree_listing(
    root: Path, paths: Sequence[str], meanwhile: Callable[[], None] | None = None
) -> TreeListing | None:
    """Index entries, work-tree changes and untracked files under ``paths`` (relative to ``root``),
    or None when ``root`` is not in a git work tree. The four git calls run concurrently, and
    ``meanwhile`` (if given) runs in this process while they do."""
    commands = (
        ("rev-parse", "--absolute-git-dir"),
        ("ls-files", "-s", "-v", "-z", "--", *paths),
        ("diff-files", "--name-only", "--relative", "-z", "--", *paths),
        ("ls-files", "-o", "--directory", "-z", "--", *paths),
    )
    env = {**os.environ, **_BASE_ENV}
    try:
        processes = [
            subprocess.Popen(["git", "-C", str(root), *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             env=env)
            for args in commands
        ]
    except OSError:
        return None
    if meanwhile is not None:
        meanwhile()
    outputs = []
    failed = False
    for process in processes:
        out, _ = process.communicate()
        failed = failed or process.returncode != 0
        outputs.append(out.decode("utf-8", "surrogateescape"))
    if failed:
        return None
    index: dict[str, tuple[str, str, str]] = {}
    for record in outputs[1].split("\0"):
        if record:
            meta, _, path = record.partition("\t")
            tag, mode, blob, stage = meta.split(" ")
            index[path] = (tag if stage == "0" else "U", mode, blob)
    return TreeListing(
        git_dir=Path(outputs[0].strip()),
        index=index,
        changed={path for path in outputs[2].split("\0") if path},
        untracked=[path for path in outputs[3].split("\0") if path],
    )


class WorktreeChanges:
    """The work-tree side of :func:`tree_listing` alone, started now and read later (so git looks
    at the files while the caller does other work): index entries under ``paths`` whose file
    differs from the index, and untracked paths. Both calls run concurrently."""

    def __init__(self, root: Path, paths: Sequence[str]) -> None:
        commands = (
            ("diff-files", "--name-only", "--relative", "-z", "--", *paths),
            ("ls-files", "-o", "--directory", "-z", "--", *paths),
        )
        env = {**os.environ, **_BASE_ENV}
        self.processes: list[subprocess.Popen[bytes]] = []
        try:
            for args in commands:
                self.processes.append(subprocess.Popen(
                    ["git", "-C", str(root), *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env))
        except OSError:
            self.close()

    def result(self) -> tuple[set[str], list[str]] | None:
        """(changed, untracked), or None when git could not tell."""
        if len(self.processes) != 2:
            return None
        outputs = []
        failed = False
        for process in self.processes:
            out, _ = process.communicate()
            failed = failed or process.returncode != 0
            outputs.append(out.decode("utf-8", "surrogateescape"))
        self.processes = []
        if failed:
            return None
        return ({path for path in outputs[0].split("\0") if path}, [path for path in outputs[1].split("\0") if path])

    def close(self) -> None:
        """Stop git if its answer is no longer wanted."""
        for process in self.processes:
            if process.poll() is None:
                process.kill()  # our own child
            process.communicate()
        self.processes = []


_REDIRECTING_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR")


def index_id(git_directory: Path) -> bytes | None:
    """What identifies the index's whole content: its file's last 32 bytes, which end in git's
    checksum of everything before. None when git keeps no checksum (``index.skipHash``), there is
    no index, or the environment points git at another index or repository."""
    if any(os.environ.get(name) for name in _REDIRECTING_ENV):
        return None
    try:
        fd = os.open(git_directory / "index", os.O_RDONLY)
    except OSError:
        return None
    try:
        size = os.fstat(fd).st_size
        tail = os.pread(fd, 32, size - 32) if size >= 64 else b""
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(tail) != 32 or not tail[-20:].strip(b"\0"):
        return None
    return tail
