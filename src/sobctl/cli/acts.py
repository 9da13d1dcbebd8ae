"""Running an act from the command line: the shared options, the transaction, the report."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

# sobctl uses no pydantic plugins; looking for them scans every installed distribution's
# entry points, which costs an act on a fast machine a sixth of its time.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from sobctl.cli.common import err, find_repo, out, parse_date
from sobctl.i18n import _

if TYPE_CHECKING:
    from sobctl.ops.session import Session
    from sobctl.ops.transaction import Act
    from sobctl.repo.cache import Probe

ReasonOption = Annotated[str | None, typer.Option("--reason", help="Why: goes into the commit body.")]
DecisionOption = Annotated[
    str | None, typer.Option("--decision", metavar="REF", help="The decision's registry number (diarienummer).")
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show the change as a diff and the commit message; write nothing.")
]
SignOption = Annotated[bool, typer.Option("--sign", help="Sign the commit (always, when sobctl.yaml demands it).")]


def early_probe(repo: Path | None) -> Probe | None:
    """Start git's look at the work tree (``sobctl.repo.cache.start_probe``) before anything else,
    so it runs while this process imports; never fails (run_act says what is wrong, in order)."""
    from sobctl.errors import SobError
    from sobctl.repo import cache

    try:
        return cache.start_probe(find_repo(repo))
    except (SobError, OSError):
        return None


def run_act(
    repo: Path | None, as_of: str | None, build: Callable[[Session], Act], *, dry_run: bool = False, sign: bool = False,
    probe: Probe | None = None,
) -> None:
    """Open a locked session, build the act, apply it as one commit, and report. ``probe``: see
    :func:`early_probe` (started here otherwise)."""
    from sobctl.repo import cache

    try:
        root = find_repo(repo)
        today = parse_date(as_of)
        # git starts proving that the tree is the one the cache knows now, and looks at the files
        # while this process imports the models and the act (see sobctl.repo.cache.start_probe).
        if probe is None or probe.root != root:
            if probe is not None:
                probe.close()
            probe = cache.start_probe(root)
        from sobctl.ops.session import open_session
        from sobctl.ops.transaction import InvalidContent, apply

        with open_session(root, today, lock=not dry_run, probe=probe) as session:
            act = build(session)
            try:
                outcome = apply(session, act, dry_run=dry_run, sign=sign)
            except InvalidContent as exc:
                from sobctl.model.diagnostic import Summary
                from sobctl.render.diagnostics import render_text

                err(render_text(exc.diagnostics, Summary.of(exc.diagnostics, len({d.path for d in exc.diagnostics}))))
                raise
    finally:
        if probe is not None:
            probe.close()
    if act.already is not None:
        err(_("nothing to do: {reason}").format(reason=act.already))
        return
    if outcome.dry_run:
        out(outcome.diff)
        out("\n--- " + _("commit message (dry run: nothing written)") + " ---\n" + act.message())
        return
    err(f"[{(outcome.commit or '')[:12]}] {act.subject}")
