"""Acts as transactions: validate the result, write atomically, commit only the touched paths,
and put everything back exactly as it was if any step fails."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from sobctl.errors import ExitCode, Refused, SobError
from sobctl.i18n import _, ngettext
from sobctl.model.diagnostic import Diagnostic, Severity
from sobctl.ops.session import Session
from sobctl.repo import files, git
from sobctl.repo.trailers import build_message
from sobctl.repo.workspace import Overlay, load_workspace, resolve_locations


@dataclass
class Change:
    path: str
    before: bytes | None
    after: bytes | None


@dataclass
class Act:
    """What a command wants to do: the file changes and the commit that records them."""

    action: str
    subject: str
    trailers: list[tuple[str, str]]
    changes: list[Change] = field(default_factory=list)
    reason: str | None = None
    already: str | None = None  # set when the act is already in effect: nothing to do

    def message(self) -> str:
        return build_message(self.subject, self.trailers, self.reason)


@dataclass
class Outcome:
    act: Act
    commit: str | None = None
    diff: str = ""
    dry_run: bool = False


class InvalidContent(SobError):
    """The change would leave the repository with new errors."""

    exit_code = ExitCode.INVALID_CONTENT

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(ngettext("the change would introduce {n} error; nothing was written",
                                  "the change would introduce {n} errors; nothing was written",
                                  len(diagnostics)).format(n=len(diagnostics)))
        self.diagnostics = diagnostics


def unified_diff(changes: list[Change]) -> str:
    chunks: list[str] = []
    for change in changes:
        before = (change.before or b"").decode("utf-8", "replace").splitlines(keepends=True)
        after = (change.after or b"").decode("utf-8", "replace").splitlines(keepends=True)
        chunks.extend(difflib.unified_diff(
            before, after,
            fromfile=f"a/{change.path}" if change.before is not None else "/dev/null",
            tofile=f"b/{change.path}" if change.after is not None else "/dev/null",
        ))
    return "".join(chunks)


def _error_keys(diagnostics: list[Diagnostic]) -> set[tuple[str, str, str]]:
    return {(d.code, d.path, d.message) for d in diagnostics if d.severity is Severity.ERROR}


def new_errors(session: Session, act: Act) -> list[Diagnostic]:
    """Errors the change would add to the repository (ones already there do not block it).

    With the cache, the tree's verdict is known and the change is judged incrementally (only
    the documents it concerns); the verdict after it is kept for when the act lands. Otherwise,
    or when the change touches sobctl.yaml, the repository is checked as it is and as it would be.
    """
    from sobctl.checks import run_checks

    overlay: Overlay = {change.path: change.after for change in act.changes}
    current = session.current
    before: list[Diagnostic] | None = current.found if current is not None else None
    after: list[Diagnostic] | None = None
    if current is not None:
        from sobctl.checks import incremental
        from sobctl.repo.cache import blob_id

        files = dict(current.state.files)
        for relpath, data in overlay.items():
            if data is None:
                files.pop(relpath, None)
            else:
                files[relpath] = blob_id(data)
        fresh: dict[str, tuple[Any, ...]] = {}

        def remember(relpath: str, prepared: tuple[Any, ...]) -> None:
            content_id = files.get(relpath)
            if content_id is not None:
                fresh[content_id] = prepared

        outcome = incremental.incremental_run(session.root, session.today, files, current.record, current.stores,
                                              remember, overlay)
        if outcome is not None:
            after = outcome[0]
            session.landing = (files, (outcome[0], outcome[1]), outcome[2], fresh)
    if before is None:
        workspace = load_workspace(session.root)
        before = workspace.load_diagnostics + run_checks(workspace, session.today)
    if after is None:
        after_workspace = load_workspace(session.root, overlay)
        after = after_workspace.load_diagnostics + run_checks(after_workspace, session.today)
    known = _error_keys(before)
    found = [d for d in after if d.severity is Severity.ERROR and (d.code, d.path, d.message) not in known]
    resolve_locations(session.root, [d for d in found if d.line is None], overlay)
    found.sort(key=Diagnostic.sort_key)
    return found


def apply(session: Session, act: Act, *, dry_run: bool = False, sign: bool = False) -> Outcome:
    """Check, validate, then (unless a dry run) write and commit; on any failure restore every byte.

    Order: a target with uncommitted changes is refused (exit 4); a result with new errors is
    refused with its diagnostics (exit 3); only then are files written (atomically) and the
    touched paths committed through a temporary index. If the commit fails (a hook, signing,
    anything), the files get their old bytes back and HEAD and the index were never touched.
    """
    if act.already is not None or not act.changes:
        return Outcome(act)
    paths = [change.path for change in act.changes]
    ongoing = git.operation_in_progress(session.git_dir or git.git_dir(session.root))
    if ongoing is not None:
        raise Refused(_("the checkout is in the middle of {operation}; finish or abort it first").format(
                          operation=ongoing),
                      rule="git-in-progress", hint=_("git status shows what is going on"))
    # The cache's listing proves a clean target cheaply; anything else is for git status to judge.
    known = session.current.state.uncommitted(session.root, paths) if session.current is not None else None
    dirty = git.dirty_paths(session.root, paths) if known is None or known else []
    if dirty:
        raise Refused(_("uncommitted changes in {paths}; commit or stash them first").format(paths=", ".join(dirty)),
                      rule="dirty-target", hint=f"git diff -- {' '.join(dirty)}")
    problems = new_errors(session, act)
    if problems:
        raise InvalidContent(problems)
    diff = unified_diff(act.changes)
    if dry_run:
        return Outcome(act, diff=diff, dry_run=True)
    config = session.workspace.config
    sign = sign or bool(config and config.policy.require_signed_commits)
    written: list[Change] = []
    staged: dict[str, Any] = {}
    try:
        for change in act.changes:
            target = session.root / change.path
            written.append(change)
            if change.after is None:
                files.remove(target)
            else:
                files.atomic_write(target, change.after)
        commit = git.commit_paths(session.root, paths, act.message(), sign=sign, git_directory=session.git_dir,
                                  staged=staged)
    except BaseException:
        _restore(session, written)
        raise
    try:
        if session.current is not None and session.landing is not None:
            # the next command starts from the verdict after the act
            landed_files, found, record, fresh = session.landing
            session.current.keep(landed_files, found, record, fresh, staged=staged)
    finally:
        if "finish" in staged:
            staged["finish"]()  # the user's index catches up with the commit (it did meanwhile)
    return Outcome(act, commit=commit, diff=diff)


def _restore(session: Session, written: list[Change]) -> None:
    for change in reversed(written):
        target = session.root / change.path
        if change.before is None:
            files.remove(target)
        else:
            files.atomic_write(target, change.before)
