"""A session: the repository, its loaded workspace, the acting person and "today"."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sobctl.errors import Refused
from sobctl.i18n import _
from sobctl.model.entities import Person, Role
from sobctl.repo import git
from sobctl.repo.workspace import Workspace, load_workspace

if TYPE_CHECKING:
    from sobctl.repo.cache import Current


@dataclass
class Session:
    root: Path
    workspace: Workspace
    today: dt.date
    email: str | None
    actor: Person | None
    current: Current | None = None  # the tree's verdict and dependency record (None without the cache)
    git_dir: Path | None = None
    # The verdict after the act being applied: (files, (diagnostics, summary), record, parse results)
    landing: tuple[Any, ...] | None = None

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
def open_session(root: Path, today: dt.date, *, lock: bool = True, probe: Any = None) -> Iterator[Session]:
    """Lock the checkout (for changes), load it, and find who is acting.

    With the validation cache (see :mod:`sobctl.repo.cache`), the session starts from the
    tree's cached verdict and reads documents only as the command looks them up; an act then
    judges only what its change concerns (see :mod:`sobctl.checks.incremental`). Without it
    (``SOBCTL_NO_CACHE=1``, or a folder git cannot vouch for) the whole repository is loaded.
    ``probe``: a look at the work tree started earlier (``sobctl.repo.cache.start_probe``).
    """
    from sobctl.repo import cache

    paths = git.repository_paths(root)
    if paths is None:
        git.require_repository(root)  # raises the refusal with its hint
        raise AssertionError("unreachable")
    top, directory = paths
    if top.resolve() != root.resolve():
        root = root.resolve()

    def load() -> Session:
        current = cache.current(root, today, directory, probe)
        if current is None:
            workspace = load_workspace(root)
        else:
            from sobctl.checks import incremental

            stores = current.stores
            files = current.state.files

            def remember(relpath: str, prepared: tuple[object, ...]) -> None:
                content_id = files.get(relpath)
                if content_id is not None:
                    current.fresh[content_id] = prepared

            workspace = incremental.view(root, files, current.record, stores, remember)
        # The workspace lives as long as the command: keep the cyclic garbage collector from
        # rescanning its (many) objects on every later collection.
        gc.freeze()
        email = git.config_value(root, "user.email")
        actor = workspace.person_by_email.get(email.lower()) if email else None
        return Session(root, workspace, today, email, actor, current, directory)

    session: Session | None = None
    try:
        if not lock:
            session = load()
            yield session
            return
        with git.repository_lock(root, directory=directory):
            session = load()
            yield session
    finally:
        if session is not None and session.current is not None:
            session.current.close()
        gc.unfreeze()
