"""Rules over a loaded workspace. Each rule yields diagnostics; ``run_checks`` runs them all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sobctl.model.diagnostic import Diagnostic, Summary
from sobctl.model.entities import Policy
from sobctl.repo.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Context:
    workspace: Workspace
    today: dt.date

    @property
    def policy(self) -> Policy:
        config = self.workspace.config
        return config.policy if config else Policy()


Rule = Callable[[Context], Iterator[Diagnostic]]
REGISTRY: list[Rule] = []


def rule(function: Rule) -> Rule:
    """Register a rule function."""
    REGISTRY.append(function)
    return function


def run_checks(workspace: Workspace, today: dt.date) -> list[Diagnostic]:
    """Every rule over the workspace (load problems not included)."""
    from sobctl.checks import agreements, lifecycle, policy, publishing, references  # noqa: F401

    context = Context(workspace, today)
    found: list[Diagnostic] = []
    for check in REGISTRY:
        found.extend(check(context))
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
