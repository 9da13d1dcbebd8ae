"""Unit and activation lifecycle: who may run what, where, at which version."""

from __future__ import annotations

from collections.abc import Iterator

from sobctl.checks import Context, rule
from sobctl.model.diagnostic import Diagnostic
from sobctl.model.entities import APPROVER_ROLES, Ownership, UnitStatus
from sobctl.repo.workspace import diagnostic, path_of


@rule
def unit_status(ctx: Context) -> Iterator[Diagnostic]:
    for unit_id, unit in ctx.workspace.units.items():
        path = path_of("unit", unit_id)
        if unit.status_history and unit.status_history[-1].status is not unit.status:
            yield diagnostic(
                "SOB307",
                f"status is '{unit.status}' but the latest change says '{unit.status_history[-1].status}'",
                path,
                ("status",),
            )
        if unit.status is UnitStatus.ACTIVE and unit.hsa_valid_to is not None and unit.hsa_valid_to < ctx.today:
            yield diagnostic(
                "SOB306",
                f"the unit is active but its HSA validity ended {unit.hsa_valid_to}",
                path,
                ("hsa_valid_to",),
                hint=f"sobctl unit deactivate {unit_id} --withdraw-programs",
            )


@rule
def activations(ctx: Context) -> Iterator[Diagnostic]:
    ws = ctx.workspace
    majors: dict[str, int] = {}  # program id → the major units must run (computed once per program)
    for unit_id, unit in ws.units.items():
        path = path_of("unit", unit_id)
        seen: set[str] = set()
        approver_scopes = ws.ancestors(unit_id)
        owner_id, ownership = ws.ownership_of(unit_id)
        for i, activation in enumerate(unit.programs):
            where = ("programs", i)
            if activation.program in seen:
                yield diagnostic("SOB308", f"'{activation.program}' is activated twice", path, (*where, "program"))
            seen.add(activation.program)
            if unit.status is not UnitStatus.ACTIVE:
                yield diagnostic(
                    "SOB301",
                    f"'{activation.program}' runs on a unit that is {unit.status}",
                    path,
                    (*where, "program"),
                    hint=f"sobctl unassign {activation.program} {unit_id}",
                )
            if not ws.holds_any(activation.approved_by, APPROVER_ROLES, approver_scopes, activation.activated):
                yield diagnostic(
                    "SOB303",
                    f"approver '{activation.approved_by}' did not hold medicinskt-ansvarig "
                    f"or verksamhetschef at the unit on {activation.activated}",
                    path,
                    (*where, "approved_by"),
                )
            program = ws.programs.get(activation.program)
            if program is None:
                continue
            if not program.runnable():
                yield diagnostic(
                    "SOB302",
                    f"'{program.id}' is {program.status}; only published programs run on units",
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
                    f"'{program.id}' runs at major {activation.major}; version "
                    f"{current_major} needs re-activation here",
                    path,
                    (*where, "major"),
                    hint=f"sobctl assign {program.id} {unit_id} --approved-by PERSON",
                )
            elif activation.major > current_major:
                yield diagnostic(
                    "SOB309",
                    f"'{program.id}' has no published major version {activation.major}",
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
                        f"care agreement '{agreement.id}' of {owner_id} is not in force; '{program.id}' depends on it",
                        path,
                        (*where, "program"),
                    )
                elif not agreement.covers_program(program.id, program.area):
                    yield diagnostic(
                        "SOB305",
                        f"care agreement '{agreement.id}' does not cover '{program.id}' (area {program.area})",
                        path,
                        (*where, "program"),
                    )
