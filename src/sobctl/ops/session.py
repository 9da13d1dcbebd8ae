"""A session: the repository, its loaded workspace, the acting person and "today"."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sobctl.errors import Refused
from sobctl.i18n import _
from sobctl.model.entities import Person, Role
from sobctl.repo import git
from sobctl.repo.workspace import Workspace, load_workspace

if TYPE_CHECKING:
    from sobctl.ops.cache import LoadCache


@dataclass
class Session:
    root: Path
    workspace: Workspace
    today: dt.date
    email: str | None
    actor: Person | None
    cache: LoadCache | None = None
    git_dir: Path | None = None

    def require_actor(self) -> Person:
        """The person acting, from ``git config user.email``; refused when nobody is listed."""
        if self.actor is not None:
            return self.actor
        if self.email is None:
            raise Refused(_("git has no user.email, so sobctl cannot tell who is acting"), rule="actor",
                          hint="git config user.email you@region.example")
        raise Refused(_("no person in roles/ lists the e-mail {email}").format(email=self.email), rule="actor",
                      hint=_("ask an administrator to run: {command}").format(
                          command=f"sobctl person add HSA_ID --name 'Your Name' --email {self.email}"))

    def require_role(self, role: Role, scopes: list[str], action: str) -> Person:
        """Refuse unless the actor holds ``role`` on one of ``scopes`` today (``action``: translated text)."""
        actor = self.require_actor()
        if any(self.workspace.holds(actor.hsa_id, role, scope, self.today) for scope in scopes):
            return actor
        where = scopes[0] if scopes else "?"
        raise Refused(_("{name} ({person}) may not {action}: the role {role} on {scope} is missing").format(
                          name=actor.name, person=actor.hsa_id, action=action, role=role, scope=where),
                      rule=f"role:{role}")

    def require_provider_admin(self, action: str) -> Person:
        """Refuse unless the actor is a care-provider administrator (vardgivaradministrator) today."""
        return self.require_role(Role.VARDGIVARADMINISTRATOR, [self.provider_id], action)

    @property
    def provider_id(self) -> str:
        provider = self.workspace.provider_id
        if provider is None:
            raise Refused(_("sobctl.yaml is missing or invalid; run sobctl validate"), rule="config")
        return provider


@contextmanager
def open_session(root: Path, today: dt.date, *, lock: bool = True) -> Iterator[Session]:
    """Lock the checkout (for changes), load it, and find who is acting.

    Sessions load through the parse cache under .git/ (see :mod:`sobctl.ops.cache`); a
    locked session saves what it learnt when it ends.
    """
    from sobctl.ops import cache as parse_cache

    paths = git.repository_paths(root)
    if paths is None:
        git.require_repository(root)  # raises the refusal with its hint
        raise AssertionError("unreachable")
    top, directory = paths
    if top.resolve() != root.resolve():
        root = root.resolve()

    def load(cache: parse_cache.LoadCache | None) -> Session:
        workspace = load_workspace(root) if cache is None else parse_cache.load_workspace_cached(root, cache)
        # The workspace lives as long as the command: keep the cyclic garbage collector from
        # rescanning its (many) objects on every later collection.
        gc.freeze()
        email = git.config_value(root, "user.email")
        actor = workspace.person_by_email.get(email.lower()) if email else None
        return Session(root, workspace, today, email, actor, cache, directory)

    try:
        if not lock:  # a dry run or a read: the cache helps, but only locked sessions write it
            yield load(parse_cache.open_cache(directory) if parse_cache.enabled() else None)
            return
        with git.repository_lock(root, directory=directory):
            cache = parse_cache.open_cache(directory) if parse_cache.enabled() else None
            try:
                yield load(cache)
            finally:
                if cache is not None:
                    cache.save()
    finally:
        gc.unfreeze()
