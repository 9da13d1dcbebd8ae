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
from sobctl.i18n import _, ngettext
from sobctl.model.diagnostic import Diagnostic
from sobctl.model.entities import Agreement, Program, ProgramStatus
from sobctl.repo.workspace import Workspace, diagnostic, path_of

LIVE = (ProgramStatus.PUBLISHED, ProgramStatus.DEPRECATED)


@rule
def agreement_dates(ctx: Context) -> Iterator[Diagnostic]:
    window = dt.timedelta(days=ctx.policy.agreement_warning_days)
    review_every = dt.timedelta(days=ctx.policy.review_interval_days)
    for agreement_id, agreement in ctx.each("agreement"):
        path = path_of("agreement", agreement_id)
        end = agreement.end_date()
        if agreement.valid_to is not None and agreement.valid_to < agreement.valid_from:
            yield diagnostic(
                "SOB404",
                _("valid_to {valid_to} is before valid_from {valid_from}").format(
                    valid_to=agreement.valid_to, valid_from=agreement.valid_from
                ),
                path,
                ("valid_to",),
            )
            continue
        if agreement.ended is not None and agreement.ended < agreement.valid_from:
            yield diagnostic(
                "SOB404",
                _("ended {ended} is before valid_from {valid_from}").format(
                    ended=agreement.ended, valid_from=agreement.valid_from
                ),
                path,
                ("ended",),
            )
            continue
        if not agreement.in_force(ctx.today):
            continue  # ended, expired or not yet started: nothing to warn about ahead
        if end is not None and end - ctx.today <= window:
            yield diagnostic(
                "SOB402",
                ngettext(
                    "expires {end} (in {days} day)", "expires {end} (in {days} days)", (end - ctx.today).days
                ).format(end=end, days=(end - ctx.today).days),
                path,
                ("ended" if agreement.ended == end else "valid_to",),
                hint=_("sobctl agreement renew {agreement} --valid-to DATE").format(agreement=agreement_id),
            )
        reviewed = agreement.last_review or agreement.valid_from
        if ctx.today - reviewed > review_every:
            yield diagnostic(
                "SOB403",
                _("yearly review overdue (last {reviewed})").format(reviewed=reviewed),
                path,
                ("last_review",) if agreement.last_review else ("valid_from",),
                hint=_("sobctl agreement review {agreement}").format(agreement=agreement_id),
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
    for program_id, program in ctx.each("program"):
        if program.status not in LIVE:
            continue
        agreement = producer_agreement_lapsed(ws, program, ctx.today)
        if agreement is not None:
            yield diagnostic(
                "SOB401",
                _("the published program depends on agreement '{agreement}', which is not in force on {date}").format(
                    agreement=agreement.id, date=ctx.today
                ),
                path_of("program", program_id),
                ("producer", "agreement"),
                hint=_("sobctl agreement renew {agreement} --valid-to DATE").format(agreement=agreement.id),
            )


def _lapsed_producer(ctx: Context, program_id: str) -> tuple[Program, Agreement] | None:
    """A program units may run, with its producer agreement when that is not in force today."""
    program, runnable, _major = ctx.program(program_id)
    if program is None or not runnable:
        return None
    agreement = ctx.producer_lapsed(program)
    return (program, agreement) if agreement is not None else None


@rule
def activation_agreements(ctx: Context) -> Iterator[Diagnostic]:
    """A unit must not run a program whose producer agreement is no longer in force."""
    # Untracked, one memo answers per program; under a tracker every activation asks again,
    # so each unit notes what its verdict rests on.
    known: dict[str, tuple[Program, Agreement] | None] | None = {} if ctx.workspace.tracker is None else None
    for unit_id, unit in ctx.each("unit"):
        for i, activation in enumerate(unit.programs):
            program_id = activation.program
            if known is not None and program_id in known:
                found = known[program_id]
            else:
                found = _lapsed_producer(ctx, program_id)
                if known is not None:
                    known[program_id] = found
            if found is not None:
                program, agreement = found
                yield diagnostic(
                    "SOB401",
                    _(
                        "'{program}' runs here but its producer agreement '{agreement}' is not in force on {date}"
                    ).format(program=program.id, agreement=agreement.id, date=ctx.today),
                    path_of("unit", unit_id),
                    ("programs", i, "program"),
                    hint=_(
                        "sobctl agreement renew {agreement} --valid-to DATE, or sobctl unassign {program} {unit}"
                    ).format(agreement=agreement.id, program=program.id, unit=unit_id),
                )
