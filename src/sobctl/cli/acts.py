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

ReasonOption = Annotated[str | None, typer.Option("--reason", help="Why: goes into the commit body.")]
DecisionOption = Annotated[
    str | None, typer.Option("--decision", metavar="REF", help="The decision's registry number (diarienummer).")
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show the change as a diff and the commit message; write nothing.")
]
SignOption = Annotated[bool, typer.Option("--sign", help="Sign the commit (always, when sobctl.yaml demands it).")]


def run_act(
    repo: Path | None, as_of: str | None, build: Callable[[Session], Act], *, dry_run: bool = False, sign: bool = False
) -> None:
    """Open a locked session, build the act, apply it as one commit, and report."""
    from sobctl.repo import cache

    root = find_repo(repo)
    today = parse_date(as_of)
    # git starts proving that the tree is the one the cache knows now, and looks at the files
    # while this process imports the models and the act (see sobctl.repo.cache.start_probe).
    probe = cache.start_probe(root)
    try:
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
