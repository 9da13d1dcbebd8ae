"""Administration commands: units, program assignment, roles, people."""

from __future__ import annotations

from typing import Annotated

import typer

from sobctl.cli.acts import DecisionOption, DryRunOption, ReasonOption, SignOption, run_act
from sobctl.cli.app import app
from sobctl.cli.common import AsOfOption, RepoOption


@app.command(rich_help_panel="Administration")
def assign(
    program: Annotated[str, typer.Argument(help="Program id, e.g. kbt-depression.")],
    unit: Annotated[str, typer.Argument(help="HSA-id of an active unit.")],
    approved_by: Annotated[
        str,
        typer.Option("--approved-by", metavar="PERSON", help="HSA-id of the medically responsible who approved it."),
    ],
    reason: ReasonOption = None,
    decision: DecisionOption = None,
    dry_run: DryRunOption = False,
    sign: SignOption = False,
    repo: RepoOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Activate PROGRAM on UNIT (or re-activate it at a new major version), as one commit.

    Needs the role vardgivaradministrator, an active unit, a published program, an approver
    holding medicinskt-ansvarig or verksamhetschef at the unit, and for a private provider a
    care agreement in force covering the program's area.

    Example: sobctl assign kbt-depression SE2321000016-A2G8 --approved-by SE2321000016-P001
    --decision "RS 2026/114"
    """
    from sobctl.ops.units import assign as assign_op

    run_act(
        repo,
        as_of,
        lambda s: assign_op(s, program, unit, approved_by=approved_by, decision=decision, reason=reason),
        dry_run=dry_run,
        sign=sign,
    )
