"""The only module that runs git.

Plain ``git`` subprocesses keep the hot paths (a commit, ``log``) fast; every call goes
through :func:`run` so failures become :class:`~sobctl.errors.GitFailed` with git's words.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

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
                 git_directory: Path | None = None) -> str:
    """Commit exactly ``paths`` (as they are in the work tree) on top of HEAD.

    A temporary index built from HEAD carries the commit, so whatever the user has staged
    or changed elsewhere is neither committed nor disturbed. ``git commit`` itself runs,
    so the repository's pre-commit and commit-msg hooks and its signing apply; if any of
    them fails, HEAD and the user's index are untouched and GitFailed is raised.
    Returns the new commit id.

    With ``git_directory``, the temporary index starts as a copy of the user's index
    re-read from HEAD (``read-tree -m`` keeps the cached file stats of entries that match
    HEAD), so ``git commit`` need not re-hash every file of a large repository.
    """
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
    listing = run(root, "ls-tree", "-r", "-z", "--full-tree", revision).stdout
    paths: list[str] = []
    objects: list[str] = []
    for entry in listing.split("\0"):
        if not entry:
            continue
        meta, path = entry.split("\t", 1)
        mode, kind, obj = meta.split()
        if kind != "blob" or mode == "120000" or (content_only and not is_content_path(path)):
            continue
        paths.append(path)
        objects.append(obj)
    return dict(zip(paths, read_blobs(root, objects), strict=True))


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
