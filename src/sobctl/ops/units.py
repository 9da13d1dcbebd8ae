"""Units and the programs on them: activate, deactivate, archive, assign, unassign."""

from __future__ import annotations

from typing import Any

from sobctl.errors import Refused
from sobctl.model.entities import APPROVER_ROLES, Ownership, ProgramStatus, Role, Unit, UnitStatus
from sobctl.ops.edit import edit_file, to_commented
from sobctl.ops.replay import Trailers, replayer
from sobctl.ops.session import Session
from sobctl.ops.transaction import Act
from sobctl.repo.workspace import path_of


def _unit(session: Session, unit_id: str) -> Unit:
    unit = session.workspace.units.get(unit_id)
    if unit is None:
        raise Refused(f"no unit {unit_id} in units/", rule="unknown-unit",
                      hint="sobctl show unit ID, or list units/ to find its HSA-id")
    return unit


def assign(session: Session, program_id: str, unit_id: str, *, approved_by: str,
           decision: str | None = None, reason: str | None = None) -> Act:
    """Activate a program on a unit (or record approval of its new major version there)."""
    ws = session.workspace
    actor = session.require_role(Role.VARDGIVARADMINISTRATOR, [session.provider_id], "assign programs to units")
    unit = _unit(session, unit_id)
    program = ws.programs.get(program_id)
    if program is None:
        raise Refused(f"no program {program_id} in catalogue/", rule="unknown-program")
    if unit.status is not UnitStatus.ACTIVE:
        raise Refused(f"unit {unit_id} is {unit.status}; programs are assigned only to active units",
                      rule="unit-active", hint=f"sobctl unit activate {unit_id}")
    existing = next((i for i, a in enumerate(unit.programs) if a.program == program_id), None)
    if not program.runnable() or (program.status is ProgramStatus.DEPRECATED and existing is None):
        raise Refused(f"program {program_id} is {program.status}; only published programs are assigned",
                      rule="program-published")
    published = program.published_entry()
    major = published.version.major if published else program.version.major
    if approved_by not in ws.people:
        raise Refused(f"approver {approved_by} is not a person in roles/", rule="unknown-person")
    scopes = ws.ancestors(unit_id)
    if not any(ws.holds(approved_by, role, scope, session.today) for role in APPROVER_ROLES for scope in scopes):
        raise Refused(f"{approved_by} does not hold medicinskt-ansvarig or verksamhetschef at {unit_id}",
                      rule="medical-approval",
                      hint=f"sobctl role grant medicinskt-ansvarig {approved_by} --scope {unit_id}")
    owner_id, ownership = ws.ownership_of(unit_id)
    if ownership is not None and ownership.kind is Ownership.PRIVATE:
        agreement = ws.agreements.get(ownership.care_agreement or "")
        if agreement is None or not agreement.in_force(session.today):
            raise Refused(f"the care agreement of private provider {owner_id} is not in force",
                          rule="care-agreement")
        if not agreement.covers_program(program_id, program.area):
            raise Refused(f"care agreement {agreement.id} does not cover {program_id} (area {program.area})",
                          rule="care-agreement")
    trailers = [("Sob-Action", "assign"), ("Sob-Actor", actor.hsa_id), ("Sob-Unit", unit_id),
                ("Sob-Program", program_id), ("Sob-Version", f"{major}"), ("Sob-Approved-By", approved_by),
                ("Sob-Date", session.today.isoformat()), ("Sob-Decision", decision or "")]
    subject = f"assign {program_id} to {unit_id}"
    if existing is not None and unit.programs[existing].major >= major:
        return Act("assign", subject, trailers, already=f"{program_id} already runs on {unit_id} at major {major}")
    entry: dict[str, Any] = {"program": program_id, "major": major, "activated": session.today,
                             "by": actor.hsa_id, "approved_by": approved_by, "decision": decision}

    def mutate(data: Any) -> None:
        programs = data.setdefault("programs", to_commented([]))
        if existing is not None:
            programs[existing] = to_commented(entry)
        else:
            programs.append(to_commented(entry))

    if existing is not None:
        subject = f"re-activate {program_id} major {major} on {unit_id}"
    change = edit_file(session.root, path_of("unit", unit_id), mutate)
    return Act("assign", subject, trailers, [change], reason)


@replayer("assign")
def _replay_assign(session: Session, trailers: Trailers, reason: str | None) -> Act:
    return assign(session, trailers["Sob-Program"], trailers["Sob-Unit"], approved_by=trailers["Sob-Approved-By"],
                  decision=trailers.get("Sob-Decision"), reason=reason)
