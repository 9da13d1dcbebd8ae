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
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from sobctl.errors import GitFailed, Refused

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
        raise GitFailed("git is not installed or not on PATH") from None
    if check and process.returncode != 0:
        detail = (process.stderr or process.stdout).strip()
        raise GitFailed(f"git {args[0]} failed: {detail}")
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
        raise GitFailed(f"git {args[0]} failed: {stderr.strip()}")


def toplevel(root: Path) -> Path | None:
    process = run(root, "rev-parse", "--show-toplevel", check=False)
    return Path(process.stdout.strip()) if process.returncode == 0 else None


def require_repository(root: Path) -> Path:
    """The work tree's top folder, or a refusal saying this is not a git repository."""
    top = toplevel(root)
    if top is None:
        raise Refused(f"{root} is not inside a git repository", rule="repository",
                      hint="run 'git init' there, or create a region with sobctl init")
    return top


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


def show_file(root: Path, revision: str, path: str) -> bytes | None:
    """A file's bytes at a revision, or None when it does not exist there."""
    process = subprocess.run(["git", "-C", str(root), "show", f"{revision}:{path}"], capture_output=True,
                             env={**os.environ, **_BASE_ENV}, check=False)
    return process.stdout if process.returncode == 0 else None


def commit_paths(root: Path, paths: Sequence[str], message: str, *, sign: bool) -> str:
    """Commit exactly ``paths`` (as they are in the work tree) on top of HEAD.

    A temporary index built from HEAD carries the commit, so whatever the user has staged
    or changed elsewhere is neither committed nor disturbed. ``git commit`` itself runs,
    so the repository's pre-commit and commit-msg hooks and its signing apply; if any of
    them fails, HEAD and the user's index are untouched and GitFailed is raised.
    Returns the new commit id.
    """
    parent = head(root)
    with tempfile.TemporaryDirectory(prefix="sobctl-index-") as scratch:
        index_env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        if parent is not None:
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
            raise GitFailed(f"git commit was refused: {detail}")
    new_head = head(root)
    if new_head is None or new_head == parent:
        raise GitFailed("git commit did not create a commit")
    # The user's index still holds the old blobs of the touched paths: bring just those up to HEAD.
    run(root, "reset", "--quiet", new_head, "--", *paths, check=False)
    return new_head


@contextmanager
def repository_lock(root: Path, timeout: float = 30.0) -> Iterator[None]:
    """Serialise sobctl processes that change one checkout (a lock file under .git/)."""
    import fcntl
    import time

    lock_path = git_dir(root) / "sobctl.lock"
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise Refused("another sobctl is changing this repository; try again", rule="lock") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


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
