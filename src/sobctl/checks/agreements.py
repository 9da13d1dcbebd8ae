"""Agreements: dates that make sense, expiry ahead, yearly reviews, and what depends on them.

Care agreements behind private providers' activations are checked with the activations
(checks/lifecycle.py); here: the agreements themselves, the content-provider and
inter-regional agreements that published programs are produced under, and the units that
run such a program after its agreement has ended.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sobctl.checks import Context, rule
from sobctl.model.diagnostic import Diagnostic
from sobctl.model.entities import Agreement, Program, ProgramStatus
from sobctl.repo.workspace import Workspace, diagnostic, path_of

LIVE = (ProgramStatus.PUBLISHED, ProgramStatus.DEPRECATED)


@rule
def agreement_dates(ctx: Context) -> Iterator[Diagnostic]:
    window = dt.timedelta(days=ctx.policy.agreement_warning_days)
    review_every = dt.timedelta(days=ctx.policy.review_interval_days)
    for agreement_id, agreement in ctx.workspace.agreements.items():
        path = path_of("agreement", agreement_id)
        end = agreement.end_date()
        if agreement.valid_to is not None and agreement.valid_to < agreement.valid_from:
            yield diagnostic(
                "SOB404",
                f"valid_to {agreement.valid_to} is before valid_from {agreement.valid_from}",
                path,
                ("valid_to",),
            )
            continue
        if agreement.ended is not None and agreement.ended < agreement.valid_from:
            yield diagnostic(
                "SOB404",
                f"ended {agreement.ended} is before valid_from {agreement.valid_from}",
                path,
                ("ended",),
            )
            continue
        if not agreement.in_force(ctx.today):
            continue  # ended, expired or not yet started: nothing to warn about ahead
        if end is not None and end - ctx.today <= window:
            yield diagnostic(
                "SOB402",
                f"expires {end} (in {(end - ctx.today).days} days)",
                path,
                ("ended" if agreement.ended == end else "valid_to",),
                hint=f"sobctl agreement renew {agreement_id} --valid-to DATE",
            )
        reviewed = agreement.last_review or agreement.valid_from
        if ctx.today - reviewed > review_every:
            yield diagnostic(
                "SOB403",
                f"yearly review overdue (last {reviewed})",
                path,
                ("last_review",) if agreement.last_review else ("valid_from",),
                hint=f"sobctl agreement review {agreement_id}",
            )


def producer_agreement_lapsed(ws: Workspace, program: Program, on: dt.date) -> Agreement | None:
    """The agreement a program is produced under, when it is not in force on ``on``."""
    agreement = ws.agreements.get(program.producer.agreement or "")
    if agreement is not None and not agreement.in_force(on):
        return agreement
    return None


@rule
def program_agreements(ctx: Context) -> Iterator[Diagnostic]:
    ws = ctx.workspace
    for program_id, program in ws.programs.items():
        if program.status not in LIVE:
            continue
        agreement = producer_agreement_lapsed(ws, program, ctx.today)
        if agreement is not None:
            yield diagnostic(
                "SOB401",
                f"the published program depends on agreement '{agreement.id}', which is not in force on {ctx.today}",
                path_of("program", program_id),
                ("producer", "agreement"),
                hint=f"sobctl agreement renew {agreement.id} --valid-to DATE",
            )


@rule
def activation_agreements(ctx: Context) -> Iterator[Diagnostic]:
    """A unit must not run a program whose producer agreement is no longer in force."""
    ws = ctx.workspace
    for unit_id, unit in ws.units.items():
        for i, activation in enumerate(unit.programs):
            program = ws.programs.get(activation.program)
            if program is None or not program.runnable():
                continue
            agreement = producer_agreement_lapsed(ws, program, ctx.today)
            if agreement is not None:
                yield diagnostic(
                    "SOB401",
                    f"'{program.id}' runs here but its producer agreement '{agreement.id}' "
                    f"is not in force on {ctx.today}",
                    path_of("unit", unit_id),
                    ("programs", i, "program"),
                    hint=f"sobctl agreement renew {agreement.id} --valid-to DATE, or sobctl unassign "
                    f"{program.id} {unit_id}",
                )
