"""Acts as transactions: validate the result, write atomically, commit only the touched paths,
and put everything back exactly as it was if any step fails."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from sobctl.errors import ExitCode, Refused, SobError
from sobctl.model.diagnostic import Diagnostic, Severity
from sobctl.ops.session import Session
from sobctl.repo import files, git
from sobctl.repo.trailers import build_message


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
        super().__init__(f"the change would introduce {len(diagnostics)} error(s); nothing was written")
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
    """Errors the change would add to the repository (ones already there do not block it)."""
    from sobctl.checks import validate_repository

    overlay = {change.path: change.after for change in act.changes}
    before, _ = validate_repository(session.root, session.today)
    after, _ = validate_repository(session.root, session.today, overlay)
    known = _error_keys(before)
    return [d for d in after if d.severity is Severity.ERROR and (d.code, d.path, d.message) not in known]


def apply(session: Session, act: Act, *, dry_run: bool = False, sign: bool = False) -> Outcome:
    """Validate, then (unless a dry run) write and commit; on any failure restore every byte."""
    if act.already is not None or not act.changes:
        return Outcome(act)
    problems = new_errors(session, act)
    if problems:
        raise InvalidContent(problems)
    diff = unified_diff(act.changes)
    if dry_run:
        return Outcome(act, diff=diff, dry_run=True)
    paths = [change.path for change in act.changes]
    dirty = git.dirty_paths(session.root, paths)
    if dirty:
        raise Refused(f"uncommitted changes in {', '.join(dirty)}; commit or stash them first",
                      rule="dirty-target")
    config = session.workspace.config
    sign = sign or bool(config and config.policy.require_signed_commits)
    written: list[Change] = []
    try:
        for change in act.changes:
            target = session.root / change.path
            written.append(change)
            if change.after is None:
                files.remove(target)
            else:
                files.atomic_write(target, change.after)
        commit = git.commit_paths(session.root, paths, act.message(), sign=sign)
    except BaseException:
        _restore(session, written)
        raise
    return Outcome(act, commit=commit, diff=diff)


def _restore(session: Session, written: list[Change]) -> None:
    for change in reversed(written):
        target = session.root / change.path
        if change.before is None:
            files.remove(target)
        else:
            files.atomic_write(target, change.before)
