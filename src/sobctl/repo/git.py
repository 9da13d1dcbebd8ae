"""The only module that runs git.

Plain ``git`` subprocesses keep the hot paths (a commit, ``log``) fast; every call goes
through :func:`run` so failures become :class:`~sobctl.errors.GitFailed` with git's words.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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


def tree_listing(root: Path, paths: Sequence[str]) -> TreeListing | None:
    """Index entries, work-tree changes and untracked files under ``paths`` (relative to ``root``),
    or None when ``root`` is not in a git work tree. The four git calls run concurrently."""
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
