"""Agreements: dates that make sense, expiry ahead, yearly reviews, and what depends on them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sobctl.checks import Context, rule
from sobctl.model.diagnostic import Diagnostic
from sobctl.model.entities import ProgramStatus
from sobctl.repo.workspace import diagnostic, path_of

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
        if end is None or end < ctx.today or not agreement.in_force(ctx.today):
            if end is None or end >= ctx.today:
                pass  # not yet started: nothing to warn about
            continue
        if end - ctx.today <= window:
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


@rule
def program_agreements(ctx: Context) -> Iterator[Diagnostic]:
    ws = ctx.workspace
    for program_id, program in ws.programs.items():
        if program.status not in LIVE:
            continue
        path = path_of("program", program_id)
        agreement = ws.agreements.get(program.producer.agreement or "")
        if agreement is not None and not agreement.in_force(ctx.today):
            yield diagnostic(
                "SOB401",
                f"the published program depends on agreement '{agreement.id}', which is not in force on {ctx.today}",
                path,
                ("producer", "agreement"),
                hint=f"sobctl agreement renew {agreement.id} --valid-to DATE",
            )
