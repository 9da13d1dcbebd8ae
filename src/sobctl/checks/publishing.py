"""What a published program needs: copyright, licences, risk analysis, a publisher, approvals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import lru_cache
from itertools import pairwise

from sobctl.checks import Context, rule
from sobctl.model.diagnostic import Diagnostic
from sobctl.model.entities import APPROVER_ROLES, ProgramKind, ProgramStatus, Role
from sobctl.model.fingerprint import fingerprint
from sobctl.repo.workspace import diagnostic, path_of

LIVE = (ProgramStatus.PUBLISHED, ProgramStatus.DEPRECATED)


@lru_cache(maxsize=4096)
def licence_problem(expression: str) -> str | None:
    """Why an SPDX licence expression is not valid, or None; checked against the SPDX list."""
    result = _licensing().validate(expression, strict=True)  # type: ignore[attr-defined]
    if result.errors:
        return "; ".join(result.errors)
    return None


@lru_cache(maxsize=1)
def _licensing() -> object:
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


@rule
def copyright_and_assets(ctx: Context) -> Iterator[Diagnostic]:
    ws = ctx.workspace
    window = dt.timedelta(days=ctx.policy.copyright_warning_days)
    for program_id, program in ws.programs.items():
        path = path_of("program", program_id)
        live = program.status in LIVE
        for c, contributor in enumerate(program.contributors):
            in_force = [
                r for r in contributor.records if r.date <= ctx.today and (r.expires is None or r.expires >= ctx.today)
            ]
            if live and not in_force:
                expired = any(r.expires is not None and r.expires < ctx.today for r in contributor.records)
                yield diagnostic(
                    "SOB501",
                    f"contributor '{contributor.name}' ({contributor.role}) has "
                    f"{'only expired' if expired else 'no'} copyright records",
                    path,
                    ("contributors", c, "records" if contributor.records else "name"),
                    hint=f"sobctl waiver add {program_id} --contributor '{contributor.name}' …",
                )
            for r, record in enumerate(contributor.records):
                if (
                    record.expires is not None
                    and ctx.today <= record.expires <= ctx.today + window
                    and not any(o.expires is None or o.expires > record.expires for o in in_force if o is not record)
                ):
                    yield diagnostic(
                        "SOB502",
                        f"copyright record {record.document} of '{contributor.name}' expires {record.expires}",
                        path,
                        ("contributors", c, "records", r, "expires"),
                    )
        for a, asset in enumerate(program.assets):
            pointer = ("assets", a)
            if asset.licence is not None:
                problem = licence_problem(asset.licence)
                if problem is not None:
                    yield diagnostic(
                        "SOB503",
                        f"asset '{asset.name}': licence '{asset.licence}' is not a valid SPDX expression ({problem})",
                        path,
                        (*pointer, "licence"),
                    )
                continue
            agreement = ws.agreements.get(asset.agreement or "")
            if asset.agreement is None:
                yield diagnostic(
                    "SOB503", f"asset '{asset.name}' has neither a licence nor an agreement", path, (*pointer, "name")
                )
            elif live and agreement is not None and not agreement.in_force(ctx.today):
                yield diagnostic(
                    "SOB503",
                    f"asset '{asset.name}': agreement '{agreement.id}' is not in force",
                    path,
                    (*pointer, "agreement"),
                )
        if not live:
            continue
        if program.risk_analysis is None:
            yield diagnostic(
                "SOB504",
                "published without a risk analysis",
                path,
                ("status",),
                hint="add risk_analysis: {reference: …, date: …}",
            )
        publisher = program.responsible_publisher
        if publisher is None or not ws.holds(publisher, Role.UTGIVARE, program.publishing_unit, ctx.today):
            yield diagnostic(
                "SOB505",
                "the responsible publisher must hold utgivare at the publishing unit",
                path,
                ("responsible_publisher",) if publisher else ("publishing_unit",),
            )


@rule
def approvals(ctx: Context) -> Iterator[Diagnostic]:
    for program_id, program in ctx.workspace.programs.items():
        path = path_of("program", program_id)
        versions = [entry.version for entry in program.history]
        if any(later <= earlier for earlier, later in pairwise(versions)):
            yield diagnostic("SOB603", "the version history must go strictly upwards", path, ("history",))
        index = next((i for i, e in enumerate(program.history) if e.version == program.version), None)
        if index is None:
            if program.status is not ProgramStatus.DRAFT or program.history:
                yield diagnostic("SOB603", f"version {program.version} has no entry in history", path, ("version",))
            continue
        entry = program.history[index]
        current = fingerprint(program)
        if program.status in LIVE:
            if not entry.approvals or entry.published is None:
                yield diagnostic(
                    "SOB604",
                    f"version {program.version} is published without an approval",
                    path,
                    ("history", index),
                    hint=f"sobctl program approve {program_id}",
                )
            elif entry.fingerprint is not None and entry.fingerprint != current:
                yield diagnostic(
                    "SOB602",
                    f"the content changed after version {program.version} was published; bump the version",
                    path,
                    ("content",),
                    hint=f"sobctl program bump {program_id} --minor|--major --note …",
                )
            if (
                program.kind is ProgramKind.TREATMENT
                and entry.approvals
                and not any(a.role in APPROVER_ROLES for a in entry.approvals)
            ):
                yield diagnostic(
                    "SOB605",
                    "a treatment program needs an approval by medicinskt-ansvarig",
                    path,
                    ("history", index, "approvals"),
                )
        bound = entry.fingerprint if entry.fingerprint is not None else current
        for a, approval in enumerate(entry.approvals):
            if approval.fingerprint != bound:
                yield diagnostic(
                    "SOB601",
                    f"approval by {approval.by} is of other content than "
                    f"{'was published' if entry.fingerprint else 'the program holds now'}",
                    path,
                    ("history", index, "approvals", a, "fingerprint"),
                )
