"""Rules over a loaded workspace. Each rule yields diagnostics; ``run_checks`` runs them all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from sobctl.model.diagnostic import Diagnostic, Summary
from sobctl.model.entities import Agreement, Policy, Program
from sobctl.repo.workspace import CONFIG_FILE, FOLDER_BY_KIND, Tracker, Workspace


@dataclass(frozen=True, slots=True)
class Context:
    """What rules see: the workspace, the day, and which documents to judge.

    Rules judge documents only through :meth:`each` and :meth:`config_subject`, and every
    finding is about the document being judged (its path). That makes each document a
    *subject*: with ``focus`` only those subjects are judged, and a ``tracker`` on the
    workspace learns what each subject's verdict looked up (see ``checks.incremental``).
    """

    workspace: Workspace
    today: dt.date
    focus: frozenset[str] | None = None
    chosen: dict[str, list[str]] = field(default_factory=dict)  # with ``focus``: the ids to judge, by kind
    share: tuple[int, int] = (0, 1)  # (part, parts): judge every parts-th document from the part-th on
    whole: frozenset[str] = frozenset()  # kinds the workspace holds only its part of: judge all it holds
    #: Per-run memos of per-program facts, shared by the rules (see :meth:`program` and :meth:`producer_lapsed`).
    programs: dict[str, ProgramFacts] = field(default_factory=dict)
    lapsed: dict[str, Agreement | None] = field(default_factory=dict)

    @property
    def policy(self) -> Policy:
        config = self.workspace.config
        return config.policy if config else Policy()

    def each(self, kind: str) -> Iterable[tuple[str, Any]]:
        """(id, document) of every document of ``kind`` to judge, each made the current subject."""
        tracker = self.workspace.tracker
        documents = self.workspace.documents(kind)
        folder = FOLDER_BY_KIND[kind].name
        items: list[tuple[str, Any]]
        if self.focus is None:
            part, parts = self.share if kind not in self.whole else (0, 1)
            items = list(documents.items())[part::parts]
        else:
            chosen = self.chosen.get(kind)
            if chosen is None:
                prefix = folder + "/"
                chosen = self.chosen[kind] = sorted(p[len(prefix) : -5] for p in self.focus if p.startswith(prefix))
            found = ((ident, documents.get(ident)) for ident in chosen)
            items = [(ident, document) for ident, document in found if document is not None]
        if tracker is None:
            return items  # nothing to note: a plain list iterates fastest
        return _as_subjects(items, folder, tracker)

    def program(self, program_id: str) -> ProgramFacts:
        """What the rules ask of a program units run: the program (None if there is none), whether
        units may run it, and the major they must run. Memoised per run; every call notes the
        lookup (``program:ID``), as looking the program up does."""
        facts = self.programs.get(program_id)
        if facts is None:
            program = self.workspace.programs.get(program_id)
            if program is None:
                facts = NO_PROGRAM
            else:
                published = program.published_entry()
                major = published.version.major if published else program.version.major
                facts = ProgramFacts(program, program.runnable(), major)
            self.programs[program_id] = facts
        elif self.workspace.tracker is not None:
            self.workspace.tracker.note("program:" + program_id)
        return facts

    def producer_lapsed(self, program: Program) -> Agreement | None:
        """The agreement ``program`` is produced under when it is not in force today (see
        ``agreements.producer_agreement_lapsed``). Memoised per run; every call notes the
        agreement's lookup (``agreement:ID``)."""
        if program.id in self.lapsed:
            tracker = self.workspace.tracker
            if tracker is not None:
                tracker.note("agreement:" + (program.producer.agreement or ""))
            return self.lapsed[program.id]
        from sobctl.checks.agreements import producer_agreement_lapsed

        found = self.lapsed[program.id] = producer_agreement_lapsed(self.workspace, program, self.today)
        return found

    def config_subject(self) -> bool:
        """Whether sobctl.yaml is to be judged (then it is the current subject until the next one)."""
        if (self.focus is not None and CONFIG_FILE not in self.focus) or self.share[0] != 0:
            return False
        if self.workspace.tracker is not None:
            self.workspace.tracker.begin(CONFIG_FILE)
        return True


def _as_subjects(items: list[tuple[str, Any]], folder: str, tracker: Tracker) -> Iterator[tuple[str, Any]]:
    """``items``, each document made the tracker's current subject while the rule judges it."""
    for ident, document in items:
        tracker.begin(f"{folder}/{ident}.yaml")
        yield ident, document
    tracker.end()


class ProgramFacts(NamedTuple):
    """See :meth:`Context.program`."""

    program: Program | None
    runnable: bool
    major: int  # the major units must run: the latest published version's, else the current one's


NO_PROGRAM = ProgramFacts(None, False, 0)

Rule = Callable[[Context], Iterator[Diagnostic]]
REGISTRY: list[Rule] = []


def rule(function: Rule) -> Rule:
    """Register a rule function."""
    REGISTRY.append(function)
    return function


def run_checks(
    workspace: Workspace,
    today: dt.date,
    focus: frozenset[str] | None = None,
    share: tuple[int, int] = (0, 1),
    whole: frozenset[str] = frozenset(),
) -> list[Diagnostic]:
    """Every rule over the workspace (load problems not included); with ``focus``, only the
    findings about those documents (paths); with ``share`` (part, parts), only that part's
    (of every kind but those in ``whole``, which the workspace holds only its part of)."""
    from sobctl.checks import agreements, lifecycle, policy, publishing, references  # noqa: F401

    workspace.forget()
    context = Context(workspace, today, focus, share=share, whole=whole)
    found: list[Diagnostic] = []
    tracker = workspace.tracker
    for check in REGISTRY:
        if tracker is None:
            found.extend(check(context))
            continue
        for item in check(context):
            # A finding about another document than the current subject would escape the
            # dependency record, and a later incremental run could miss its change.
            if tracker.subject != item.path:
                raise AssertionError(f"{check.__name__} reported on {item.path} outside its subject")
            found.append(item)
        tracker.end()
    return found


def validate_repository(
    root: Path, today: dt.date, overlay: dict[str, bytes | None] | None = None
) -> tuple[list[Diagnostic], Summary]:
    """Load, check and locate: every finding of the repository at ``root``, sorted by place.

    With ``overlay``, the repository is checked as it would be with those files changed.
    """
    from sobctl.repo.workspace import load_workspace, resolve_locations

    workspace = load_workspace(root, overlay)
    found = workspace.load_diagnostics + run_checks(workspace, today)
    resolve_locations(root, found, overlay)
    found.sort(key=Diagnostic.sort_key)
    return found, Summary.of(found, workspace.files)
