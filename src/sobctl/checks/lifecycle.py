"""Unit and activation lifecycle: who may run what, where, at which version."""

from __future__ import annotations

from collections.abc import Iterator

from sobctl.checks import Context, rule
from sobctl.i18n import _
from sobctl.model.diagnostic import Diagnostic
from sobctl.model.entities import APPROVER_ROLES, Agreement, Grant, Ownership, UnitStatus
from sobctl.repo.workspace import diagnostic, path_of


@rule
def unit_status(ctx: Context) -> Iterator[Diagnostic]:
    for unit_id, unit in ctx.each("unit"):
        if unit.status_history and unit.status_history[-1].status is not unit.status:
            yield diagnostic(
                "SOB307",
                _("status is '{status}' but the latest change says '{latest}'").format(
                    status=unit.status, latest=unit.status_history[-1].status
                ),
                path_of("unit", unit_id),
                ("status",),
            )
        if unit.status is UnitStatus.ACTIVE and unit.hsa_valid_to is not None and unit.hsa_valid_to < ctx.today:
            yield diagnostic(
                "SOB306",
                _("the unit is active but its HSA validity ended {date}").format(date=unit.hsa_valid_to),
                path_of("unit", unit_id),
                ("hsa_valid_to",),
                hint=f"sobctl unit deactivate {unit_id} --withdraw-programs",
            )


@rule
def activations(ctx: Context) -> Iterator[Diagnostic]:
    ws = ctx.workspace
    today = ctx.today
    tracker = ws.tracker
    program_facts = ctx.program
    known = ctx.programs  # the memo behind ctx.program, read directly on the hot path when nothing is noted
    lineage = ws.lineage
    grants_in = ws.grants_in
    active_status = UnitStatus.ACTIVE
    private_kind = Ownership.PRIVATE
    for unit_id, unit in ctx.each("unit"):
        chain, owner_id, ownership = lineage(unit_id)
        if not unit.programs:
            continue
        active = unit.status is active_status
        private = active and ownership is not None and ownership.kind is private_kind
        care: Agreement | None = None
        care_looked_up = False
        care_in_force = False
        approvers: dict[str, list[Grant]] = {}  # approver → their approver-role grants on this unit's chain
        seen: set[str] = set()
        for i, activation in enumerate(unit.programs):
            program_id = activation.program
            if program_id in seen:
                yield diagnostic(
                    "SOB308",
                    _("'{program}' is activated twice").format(program=program_id),
                    path_of("unit", unit_id),
                    ("programs", i, "program"),
                )
            seen.add(program_id)
            if not active:
                yield diagnostic(
                    "SOB301",
                    _("'{program}' runs on a unit that is {status}").format(program=program_id, status=unit.status),
                    path_of("unit", unit_id),
                    ("programs", i, "program"),
                    hint=f"sobctl unassign {program_id} {unit_id}",
                )
            approver = activation.approved_by
            grants = approvers.get(approver)
            if grants is None:
                grants = approvers[approver] = [g for g in grants_in(approver, APPROVER_ROLES) if g.scope in chain]
            on = activation.activated
            for grant in grants:
                if grant.in_force(on):
                    break
            else:
                yield diagnostic(
                    "SOB303",
                    _(
                        "approver '{person}' did not hold medicinskt-ansvarig or verksamhetschef at the unit on {date}"
                    ).format(person=approver, date=on),
                    path_of("unit", unit_id),
                    ("programs", i, "approved_by"),
                )
            facts = known.get(program_id) if tracker is None else None
            if facts is None:
                facts = program_facts(program_id)
            program, runnable, current_major = facts
            if program is None:
                continue
            if not runnable:
                yield diagnostic(
                    "SOB302",
                    _("'{program}' is {status}; only published programs run on units").format(
                        program=program.id, status=program.status
                    ),
                    path_of("unit", unit_id),
                    ("programs", i, "program"),
                )
            major = activation.major
            if major < current_major:
                yield diagnostic(
                    "SOB304",
                    _("'{program}' runs at major {major}; version {current} needs re-activation here").format(
                        program=program.id, major=major, current=current_major
                    ),
                    path_of("unit", unit_id),
                    ("programs", i, "major"),
                    hint=_("sobctl assign {program} {unit} --approved-by PERSON").format(
                        program=program.id, unit=unit_id
                    ),
                )
            elif major > current_major:
                yield diagnostic(
                    "SOB309",
                    _("'{program}' has no published major version {major}").format(program=program.id, major=major),
                    path_of("unit", unit_id),
                    ("programs", i, "major"),
                )
            if private:
                assert ownership is not None
                if not care_looked_up:  # one lookup per unit: the unit is the subject throughout
                    care = ws.agreements.get(ownership.care_agreement or "")
                    care_in_force = care is not None and care.in_force(today)
                    care_looked_up = True
                if care is None:
                    continue  # reported as a reference problem on the unit that declares it
                if not care_in_force:
                    yield diagnostic(
                        "SOB401",
                        _("care agreement '{agreement}' of {owner} is not in force; '{program}' depends on it").format(
                            agreement=care.id, owner=owner_id, program=program.id
                        ),
                        path_of("unit", unit_id),
                        ("programs", i, "program"),
                    )
                elif not care.covers_program(program.id, program.area):
                    yield diagnostic(
                        "SOB305",
                        _("care agreement '{agreement}' does not cover '{program}' (area {area})").format(
                            agreement=care.id, program=program.id, area=program.area
                        ),
                        path_of("unit", unit_id),
                        ("programs", i, "program"),
                    )
