"""Units and the programs on them: activate, deactivate, archive, assign, unassign.

Only a care-provider administrator (vardgivaradministrator) does any of these. Each function
checks the preconditions of DOMAIN.md's lifecycles, raising ``Refused(rule=…)`` naming the
one that failed, and returns an ``Act`` whose trailers carry every argument its replayer needs.
"""

from __future__ import annotations

from typing import Any

from sobctl.errors import Refused, UsageError
from sobctl.i18n import N_, _, ngettext
from sobctl.model.entities import APPROVER_ROLES, Ownership, ProgramStatus, Unit, UnitStatus
from sobctl.ops.edit import edit_file, to_commented
from sobctl.ops.replay import Trailers, replayer
from sobctl.ops.session import Session
from sobctl.ops.transaction import Act
from sobctl.repo.trailers import one_line
from sobctl.repo.workspace import path_of

#: Which status each lifecycle act moves a unit to, and from which statuses it may do so.
TRANSITIONS: dict[str, tuple[UnitStatus, frozenset[UnitStatus]]] = {
    "activate": (UnitStatus.ACTIVE, frozenset({UnitStatus.INACTIVE, UnitStatus.DEACTIVATED})),
    "deactivate": (UnitStatus.DEACTIVATED, frozenset({UnitStatus.ACTIVE})),
    "archive": (UnitStatus.ARCHIVED, frozenset({UnitStatus.DEACTIVATED})),
}


#: What each lifecycle act is, for "may not …" refusals.
VERB_UNITS = {"activate": N_("activate units"), "deactivate": N_("deactivate units"), "archive": N_("archive units")}


def clean(text: str | None, option: str, limit: int) -> str | None:
    """Free text as it will read back from the commit message: one line, or None when empty.

    Acts write the cleaned text into files too, so a replay from the commit reproduces the
    bytes. Text longer than ``limit`` is refused rather than silently cut.
    """
    if text is None:
        return None
    cleaned = one_line(text, limit + 1)
    if len(cleaned) > limit:
        raise UsageError(_("{option}: at most {limit} characters").format(option=option, limit=limit))
    return cleaned or None


def get_unit(session: Session, unit_id: str) -> Unit:
    unit = session.workspace.units.get(unit_id)
    if unit is None:
        raise Refused(_("no unit {unit} in units/").format(unit=unit_id), rule="unknown-unit",
                      hint=_("sobctl show unit ID shows a unit; its file is units/<HSA-id>.yaml"))
    return unit


def _base_trailers(action: str, session: Session, actor_id: str) -> list[tuple[str, str]]:
    return [("Sob-Action", action), ("Sob-Actor", actor_id), ("Sob-Date", session.today.isoformat())]


def change_status(session: Session, verb: str, unit_id: str, *, decision: str | None = None,
                  reason: str | None = None, withdraw_programs: bool = False) -> Act:
    """Move a unit along its lifecycle: ``verb`` is activate, deactivate or archive."""
    target, allowed = TRANSITIONS[verb]
    actor = session.require_provider_admin(_(VERB_UNITS[verb]))
    unit = get_unit(session, unit_id)
    decision, reason = clean(decision, "--decision", 300), clean(reason, "--reason", 2000)
    action = f"unit-{verb}"
    trailers = [*_base_trailers(action, session, actor.hsa_id), ("Sob-Unit", unit_id)]
    if verb == "deactivate" and withdraw_programs:
        trailers.append(("Sob-Withdraw-Programs", "yes"))
    trailers.append(("Sob-Decision", decision or ""))
    subject = f"{verb} unit {unit_id}"
    if unit.status is target:
        return Act(action, subject, trailers,
                   already=_("unit {unit} is already {status}").format(unit=unit_id, status=target))
    if unit.status not in allowed:
        if verb == "archive":
            raise Refused(_("unit {unit} is {status}; a unit must be deactivated before it is archived").format(
                unit=unit_id, status=unit.status),
                          rule="archive-needs-deactivated", hint=f"sobctl unit deactivate {unit_id}")
        raise Refused(_("unit {unit} is {status}; it cannot be {target} from there "
                        "(inactive → active → deactivated → archived)").format(
                          unit=unit_id, status=unit.status, target=target), rule="unit-lifecycle")
    if verb == "activate" and unit.hsa_valid_to is not None and unit.hsa_valid_to < session.today:
        raise Refused(_("unit {unit}'s HSA validity ended {date}; it cannot be activated").format(
                      unit=unit_id, date=unit.hsa_valid_to),
                      rule="hsa-validity")
    running = [a.program for a in unit.programs]
    if verb == "deactivate" and running and not withdraw_programs:
        raise Refused(ngettext("unit {unit} still runs {n} program: {programs}",
                               "unit {unit} still runs {n} programs: {programs}", len(running)).format(
                          unit=unit_id, n=len(running), programs=", ".join(running)),
                      rule="programs-running",
                      hint=_("withdraw them in the same commit: {command}").format(
                          command=f"sobctl unit deactivate {unit_id} --withdraw-programs"))
    entry = {"status": target.value, "date": session.today, "by": actor.hsa_id, "decision": decision,
             "reason": reason}

    def mutate(data: Any) -> None:
        data["status"] = target.value
        history = data.setdefault("status_history", to_commented([]))
        history.append(to_commented(entry))
        if verb == "deactivate" and running and "programs" in data:
            del data["programs"]

    if verb == "deactivate" and running:
        subject += f" and withdraw {len(running)} program(s)"
    change = edit_file(session.root, path_of("unit", unit_id), mutate)
    return Act(action, subject, trailers, [change], reason)


def activate(session: Session, unit_id: str, *, decision: str | None = None, reason: str | None = None) -> Act:
    """Activate a unit in Stöd och behandling (from inactive or deactivated)."""
    return change_status(session, "activate", unit_id, decision=decision, reason=reason)


def deactivate(session: Session, unit_id: str, *, decision: str | None = None, reason: str | None = None,
               withdraw_programs: bool = False) -> Act:
    """Deactivate an active unit; its programs must be withdrawn, in the same commit if asked."""
    return change_status(session, "deactivate", unit_id, decision=decision, reason=reason,
                         withdraw_programs=withdraw_programs)


def archive(session: Session, unit_id: str, *, decision: str | None = None, reason: str | None = None) -> Act:
    """Archive a deactivated unit (kept forever, as HSA keeps it)."""
    return change_status(session, "archive", unit_id, decision=decision, reason=reason)


def assign(session: Session, program_id: str, unit_id: str, *, approved_by: str,
           decision: str | None = None, reason: str | None = None) -> Act:
    """Activate a program on a unit (or record approval of its new major version there)."""
    ws = session.workspace
    actor = session.require_provider_admin(_("assign programs to units"))
    unit = get_unit(session, unit_id)
    program = ws.programs.get(program_id)
    if program is None:
        raise Refused(_("no program {program} in catalogue/").format(program=program_id), rule="unknown-program",
                      hint=_("the file is catalogue/<program-id>.yaml"))
    decision, reason = clean(decision, "--decision", 300), clean(reason, "--reason", 2000)
    if unit.status is not UnitStatus.ACTIVE:
        raise Refused(_("unit {unit} is {status}; programs are assigned only to active units").format(
                      unit=unit_id, status=unit.status),
                      rule="unit-active", hint=f"sobctl unit activate {unit_id}")
    existing = next((i for i, a in enumerate(unit.programs) if a.program == program_id), None)
    if not program.runnable() or (program.status is ProgramStatus.DEPRECATED and existing is None):
        raise Refused(_("program {program} is {status}; only published programs are assigned").format(
                      program=program_id, status=program.status),
                      rule="program-published")
    published = program.published_entry()
    version = published.version if published else program.version
    major = version.major
    if approved_by not in ws.people:
        raise Refused(_("approver {person} is not a person in roles/").format(person=approved_by),
                      rule="unknown-person")
    scopes = ws.ancestors(unit_id)
    if not any(ws.holds(approved_by, role, scope, session.today) for role in APPROVER_ROLES for scope in scopes):
        raise Refused(_("{person} does not hold medicinskt-ansvarig or verksamhetschef at {unit}").format(
                      person=approved_by, unit=unit_id),
                      rule="medical-approval",
                      hint=_("a permission administrator of the unit: {command}").format(
                          command=f"sobctl role grant medicinskt-ansvarig {approved_by} --scope {unit_id}"))
    owner_id, ownership = ws.ownership_of(unit_id)
    if ownership is not None and ownership.kind is Ownership.PRIVATE:
        agreement = ws.agreements.get(ownership.care_agreement or "")
        if agreement is None or not agreement.in_force(session.today):
            raise Refused(_("the care agreement of private provider {provider} is not in force").format(
                              provider=owner_id),
                          rule="care-agreement")
        if not agreement.covers_program(program_id, program.area):
            raise Refused(_("care agreement {agreement} does not cover {program} (area {area})").format(
                              agreement=agreement.id, program=program_id, area=program.area),
                          rule="care-agreement")
    trailers = [*_base_trailers("assign", session, actor.hsa_id), ("Sob-Unit", unit_id),
                ("Sob-Program", program_id), ("Sob-Version", str(version)), ("Sob-Approved-By", approved_by),
                ("Sob-Decision", decision or "")]
    subject = f"assign {program_id} to {unit_id}"
    if existing is not None and unit.programs[existing].major >= major:
        return Act("assign", subject, trailers, already=_("{program} already runs on {unit} at major {major}").format(
            program=program_id, unit=unit_id, major=major))
    entry: dict[str, Any] = {"program": program_id, "major": major, "activated": session.today,
                             "by": actor.hsa_id, "approved_by": approved_by, "decision": decision}

    def mutate(data: Any) -> None:
        programs = data.get("programs")
        if programs is None:
            programs = data["programs"] = to_commented([])
        if existing is not None:
            programs[existing] = to_commented(entry)
        else:
            programs.append(to_commented(entry))

    if existing is not None:
        subject = f"re-activate {program_id} major {major} on {unit_id}"
    change = edit_file(session.root, path_of("unit", unit_id), mutate)
    return Act("assign", subject, trailers, [change], reason)


def unassign(session: Session, program_id: str, unit_id: str, *, decision: str | None = None,
             reason: str | None = None) -> Act:
    """Withdraw a program from a unit (the activation leaves the file; Git keeps its history)."""
    actor = session.require_provider_admin(_("withdraw programs from units"))
    unit = get_unit(session, unit_id)
    decision, reason = clean(decision, "--decision", 300), clean(reason, "--reason", 2000)
    trailers = [*_base_trailers("unassign", session, actor.hsa_id), ("Sob-Unit", unit_id),
                ("Sob-Program", program_id), ("Sob-Decision", decision or "")]
    subject = f"unassign {program_id} from {unit_id}"
    positions = [i for i, a in enumerate(unit.programs) if a.program == program_id]
    if not positions:
        if program_id not in session.workspace.programs:
            raise Refused(_("no program {program} in catalogue/ and none such on {unit}").format(
                              program=program_id, unit=unit_id),
                          rule="unknown-program")
        return Act("unassign", subject, trailers,
                   already=_("{program} does not run on {unit}").format(program=program_id, unit=unit_id))

    def mutate(data: Any) -> None:
        programs = data["programs"]
        for position in reversed(positions):
            del programs[position]
        if not programs:
            del data["programs"]

    change = edit_file(session.root, path_of("unit", unit_id), mutate)
    return Act("unassign", subject, trailers, [change], reason)


@replayer("unit-activate")
def _replay_activate(session: Session, trailers: Trailers, reason: str | None) -> Act:
    return activate(session, trailers["Sob-Unit"], decision=trailers.get("Sob-Decision"), reason=reason)


@replayer("unit-deactivate")
def _replay_deactivate(session: Session, trailers: Trailers, reason: str | None) -> Act:
    return deactivate(session, trailers["Sob-Unit"], decision=trailers.get("Sob-Decision"), reason=reason,
                      withdraw_programs=trailers.get("Sob-Withdraw-Programs") == "yes")


@replayer("unit-archive")
def _replay_archive(session: Session, trailers: Trailers, reason: str | None) -> Act:
    return archive(session, trailers["Sob-Unit"], decision=trailers.get("Sob-Decision"), reason=reason)


@replayer("assign")
def _replay_assign(session: Session, trailers: Trailers, reason: str | None) -> Act:
    return assign(session, trailers["Sob-Program"], trailers["Sob-Unit"], approved_by=trailers["Sob-Approved-By"],
                  decision=trailers.get("Sob-Decision"), reason=reason)


@replayer("unassign")
def _replay_unassign(session: Session, trailers: Trailers, reason: str | None) -> Act:
    return unassign(session, trailers["Sob-Program"], trailers["Sob-Unit"], decision=trailers.get("Sob-Decision"),
                    reason=reason)
