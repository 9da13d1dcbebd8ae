"""Unit and activation lifecycle: who may run what, where, at which version."""

from __future__ import annotations

from collections.abc import Iterator

from sobctl.checks import Context, rule
from sobctl.i18n import _
from sobctl.model.diagnostic import Diagnostic
from sobctl.model.entities import APPROVER_ROLES, Ownership, UnitStatus
from sobctl.repo.workspace import diagnostic, path_of


@rule
def unit_status(ctx: Context) -> Iterator[Diagnostic]:
    for unit_id, unit in ctx.each("unit"):
        path = path_of("unit", unit_id)
        if unit.status_history and unit.status_history[-1].status is not unit.status:
            yield diagnostic(
                "SOB307",
                _("status is '{status}' but the latest change says '{latest}'").format(
                    status=unit.status, latest=unit.status_history[-1].status
                ),
                path,
                ("status",),
            )
        if unit.status is UnitStatus.ACTIVE and unit.hsa_valid_to is not None and unit.hsa_valid_to < ctx.today:
            yield diagnostic(
                "SOB306",
                _("the unit is active but its HSA validity ended {date}").format(date=unit.hsa_valid_to),
                path,
                ("hsa_valid_to",),
                hint=f"sobctl unit deactivate {unit_id} --withdraw-programs",
            )


@rule
def activations(ctx: Context) -> Iterator[Diagnostic]:
    ws = ctx.workspace
    majors: dict[str, int] = {}  # program id → the major units must run (computed once per program)
    for unit_id, unit in ctx.each("unit"):
        path = path_of("unit", unit_id)
        seen: set[str] = set()
        approver_scopes = ws.ancestors(unit_id)
        owner_id, ownership = ws.ownership_of(unit_id)
        for i, activation in enumerate(unit.programs):
            where = ("programs", i)
            if activation.program in seen:
                yield diagnostic(
                    "SOB308",
                    _("'{program}' is activated twice").format(program=activation.program),
                    path,
                    (*where, "program"),
                )
            seen.add(activation.program)
            if unit.status is not UnitStatus.ACTIVE:
                yield diagnostic(
                    "SOB301",
                    _("'{program}' runs on a unit that is {status}").format(
                        program=activation.program, status=unit.status
                    ),
                    path,
                    (*where, "program"),
                    hint=f"sobctl unassign {activation.program} {unit_id}",
                )
            if not ws.holds_any(activation.approved_by, APPROVER_ROLES, approver_scopes, activation.activated):
                yield diagnostic(
                    "SOB303",
                    _(
                        "approver '{person}' did not hold medicinskt-ansvarig or verksamhetschef at the unit on {date}"
                    ).format(person=activation.approved_by, date=activation.activated),
                    path,
                    (*where, "approved_by"),
                )
            program = ws.programs.get(activation.program)
            if program is None:
                continue
            if not program.runnable():
                yield diagnostic(
                    "SOB302",
                    _("'{program}' is {status}; only published programs run on units").format(
                        program=program.id, status=program.status
                    ),
                    path,
                    (*where, "program"),
                )
            current_major = majors.get(program.id)
            if current_major is None:
                published = program.published_entry()
                current_major = majors[program.id] = published.version.major if published else program.version.major
            if activation.major < current_major:
                yield diagnostic(
                    "SOB304",
                    _("'{program}' runs at major {major}; version {current} needs re-activation here").format(
                        program=program.id, major=activation.major, current=current_major
                    ),
                    path,
                    (*where, "major"),
                    hint=_("sobctl assign {program} {unit} --approved-by PERSON").format(
                        program=program.id, unit=unit_id
                    ),
                )
            elif activation.major > current_major:
                yield diagnostic(
                    "SOB309",
                    _("'{program}' has no published major version {major}").format(
                        program=program.id, major=activation.major
                    ),
                    path,
                    (*where, "major"),
                )
            if ownership is not None and ownership.kind is Ownership.PRIVATE and unit.status is UnitStatus.ACTIVE:
                agreement = ws.agreements.get(ownership.care_agreement or "")
                if agreement is None:
                    continue  # reported as a reference problem on the unit that declares it
                if not agreement.in_force(ctx.today):
                    yield diagnostic(
                        "SOB401",
                        _("care agreement '{agreement}' of {owner} is not in force; '{program}' depends on it").format(
                            agreement=agreement.id, owner=owner_id, program=program.id
                        ),
                        path,
                        (*where, "program"),
                    )
                elif not agreement.covers_program(program.id, program.area):
                    yield diagnostic(
                        "SOB305",
                        _("care agreement '{agreement}' does not cover '{program}' (area {area})").format(
                            agreement=agreement.id, program=program.id, area=program.area
                        ),
                        path,
                        (*where, "program"),
                    )
