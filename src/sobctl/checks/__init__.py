"""Rules over a loaded workspace. Each rule yields diagnostics; ``run_checks`` runs them all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sobctl.model.diagnostic import Diagnostic, Summary
from sobctl.model.entities import Policy
from sobctl.repo.workspace import CONFIG_FILE, FOLDER_BY_KIND, Workspace


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

    @property
    def policy(self) -> Policy:
        config = self.workspace.config
        return config.policy if config else Policy()

    def each(self, kind: str) -> Iterator[tuple[str, Any]]:
        """(id, document) of every document of ``kind`` to judge, each made the current subject."""
        tracker = self.workspace.tracker
        documents = self.workspace.documents(kind)
        folder = FOLDER_BY_KIND[kind].name
        if self.focus is None:
            part, parts = self.share if kind not in self.whole else (0, 1)
            items: Iterable[tuple[str, Any]] = list(documents.items())[part::parts]
        else:
            chosen = self.chosen.get(kind)
            if chosen is None:
                prefix = folder + "/"
                chosen = self.chosen[kind] = sorted(p[len(prefix) : -5] for p in self.focus if p.startswith(prefix))
            found = ((ident, documents.get(ident)) for ident in chosen)
            items = [(ident, document) for ident, document in found if document is not None]
        for ident, document in items:
            if tracker is not None:
                tracker.begin(f"{folder}/{ident}.yaml")
            yield ident, document
        if tracker is not None:
            tracker.end()

    def config_subject(self) -> bool:
        """Whether sobctl.yaml is to be judged (then it is the current subject until the next one)."""
        if (self.focus is not None and CONFIG_FILE not in self.focus) or self.share[0] != 0:
            return False
        if self.workspace.tracker is not None:
            self.workspace.tracker.begin(CONFIG_FILE)
        return True


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
