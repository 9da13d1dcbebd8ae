"""Programs through their lifecycle: new, submit, approve, publish, deprecate, retire, bump.

Statuses and who moves them (DOMAIN.md, "Lifecycles" and "Roles"):

- ``program new`` (designer at the publishing unit) writes a draft at version ``1.0``: the
  first version units will run is major 1, so no MAJOR re-activation is needed when it is
  first published.
- ``submit`` draft → in-review, ``approve`` (in-review), ``publish`` in-review → published,
  ``deprecate`` published → deprecated, ``retire`` deprecated → retired (or a never-published
  draft straight to retired): the utgivare of the publishing unit.
- ``approve`` records ``{by, role, at, fingerprint}`` on the current version's history
  entry. The utgivare approves as utgivare; a treatment program also needs an approval by
  medicinskt-ansvarig or verksamhetschef held at the program's owning unit or publishing
  unit, or at a unit above either of them (e.g. the care provider's chief medical officer).
- ``bump`` on a published program starts the next version's entry and sets the status to
  draft; the previous version stays published (``published_entry()``), so units keep
  running it and new assignments still get it until the new version is published. A bump
  --major of a pending (draft or in-review, never published) version renumbers that version
  instead and sets it back to draft, dropping its approvals.
- A MAJOR is needed when the structure (``model.fingerprint.structure``) differs from the
  last published version's. ``publish`` stores the structure's fingerprint on the entry
  (``structure: sha256:…``), so the next version is compared with it; for entries
  published before that field existed, the program file's content at the commit where its
  content fingerprint was the published one is used.
"""

from __future__ import annotations

from typing import Any

from sobctl.errors import Refused, UsageError
from sobctl.i18n import N_, _
from sobctl.model.entities import (
    APPROVER_ROLES,
    Area,
    Person,
    Policy,
    ProducerKind,
    Program,
    ProgramKind,
    ProgramStatus,
    Role,
    UnitType,
    VersionEntry,
)
from sobctl.model.fingerprint import describe_structure_change, fingerprint, structure, structure_fingerprint
from sobctl.model.ids import parse_agreement_id, parse_hsa_id, parse_slug
from sobctl.ops.edit import edit_file, new_file, to_commented
from sobctl.ops.replay import Trailers, replayer
from sobctl.ops.session import Session
from sobctl.ops.transaction import Act
from sobctl.repo.trailers import one_line
from sobctl.repo.workspace import path_of

INITIAL_VERSION = "1.0"


def quoted(value: object) -> Any:
    """A version (or other string YAML would read as a number) written in double quotes."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    return DoubleQuotedScalarString(str(value))


def get_program(session: Session, program_id: str) -> Program:
    program = session.workspace.programs.get(program_id)
    if program is None:
        path = path_of("program", program_id) if "/" not in program_id and program_id else None
        if path is not None and (session.root / path).is_file():
            raise Refused(_("{path} could not be read as a program").format(path=path), rule="invalid-file",
                          hint=_("sobctl validate shows what is wrong with it"))
        raise Refused(_("no program {program} in catalogue/").format(program=program_id), rule="unknown-program",
                      hint=_("the file name in catalogue/ is the program id"))
    return program


def _require_status(program: Program, action: str, *allowed: ProgramStatus) -> None:
    if program.status not in allowed:
        wanted = _(" or ").join(str(s) for s in allowed)
        raise Refused(_("{action} needs status {wanted}; {program} is {status}").format(
                          action=action, wanted=wanted, program=program.id, status=program.status),
                      rule=f"transition:{action}")


def _current_index(program: Program) -> int:
    index = next((i for i, e in enumerate(program.history) if e.version == program.version), None)
    if index is None:
        raise Refused(_("version {version} of {program} has no entry in history; run sobctl validate").format(
                          version=program.version, program=program.id),
                      rule="version-history")
    return index


def _trailers(action: str, actor: Person, session: Session, program: str, version: object,
              *extra: tuple[str, str], decision: str | None = None) -> list[tuple[str, str]]:
    role = ROLE_OF_ACTION.get(action)
    return [("Sob-Action", action), ("Sob-Actor", actor.hsa_id), *((("Sob-Role", str(role)),) if role else ()),
            ("Sob-Program", program), ("Sob-Version", str(version)), *extra,
            ("Sob-Date", session.today.isoformat()), ("Sob-Decision", decision or "")]


#: The role each act is done in (approve names its own: utgivare or the medical role).
ROLE_OF_ACTION = {
    "program-new": Role.DESIGNER,
    "program-submit": Role.UTGIVARE,
    "program-publish": Role.UTGIVARE,
    "program-deprecate": Role.UTGIVARE,
    "program-retire": Role.UTGIVARE,
    "program-bump": Role.UTGIVARE,
}


def _publisher(session: Session, program: Program, action: str) -> Person:
    return session.require_role(Role.UTGIVARE, [program.publishing_unit],
                                _(PUBLISHER_ACTIONS[action]).format(program=program.id))


#: What the utgivare does, for "may not …" refusals.
PUBLISHER_ACTIONS = {
    "submit": N_("submit {program}"),
    "publish": N_("publish {program}"),
    "deprecate": N_("deprecate {program}"),
    "retire": N_("retire {program}"),
    "bump": N_("bump the version of {program}"),
}


def medical_scopes(session: Session, program: Program) -> list[str]:
    """Where medicinskt-ansvarig or verksamhetschef counts for a treatment program's approval."""
    ws = session.workspace
    scopes: list[str] = []
    for unit in (program.owning_unit, program.publishing_unit):
        for scope in ws.ancestors(unit):
            if scope not in scopes:
                scopes.append(scope)
    return scopes


# --- new ---------------------------------------------------------------------------------------


def new_program(session: Session, program_id: str, *, title: str, kind: str, area: str, target_group: str,
                publishing_unit: str, owning_unit: str | None = None, producer: str = "own",
                producer_agreement: str | None = None, note: str = "First version.",
                decision: str | None = None, reason: str | None = None) -> Act:
    """A new program as a draft at version 1.0 (designer at the publishing unit)."""
    ws = session.workspace
    try:
        program_id = parse_slug(program_id)
        publishing_unit = parse_hsa_id(publishing_unit)
        owning_unit = parse_hsa_id(owning_unit) if owning_unit else publishing_unit
        kind_value = ProgramKind(kind)
        area_value = Area(area)
        producer_value = ProducerKind(producer)
        if producer_agreement is not None:
            producer_agreement = parse_agreement_id(producer_agreement)
    except ValueError as exc:
        raise UsageError(str(exc).removeprefix("Value error, ")) from None
    unit = ws.units.get(publishing_unit)
    if unit is None:
        raise Refused(_("no unit {unit} in units/").format(unit=publishing_unit), rule="unknown-unit")
    if unit.type is not UnitType.PUBLISHING_UNIT:
        raise Refused(_("{unit} is a {type}, not a publishing unit").format(unit=publishing_unit, type=unit.type),
                      rule="publishing-unit")
    if owning_unit not in ws.units:
        raise Refused(_("no unit {unit} in units/").format(unit=owning_unit), rule="unknown-unit")
    actor = session.require_role(Role.DESIGNER, [publishing_unit],
                                  _("create program drafts at {unit}").format(unit=publishing_unit))
    path = path_of("program", program_id)
    if program_id in ws.programs or (session.root / path).exists():
        raise Refused(_("program {program} exists already ({path})").format(program=program_id, path=path),
                      rule="program-exists")
    if producer_value in (ProducerKind.EXTERNAL, ProducerKind.REGION) and producer_agreement is None:
        raise Refused(_("a program produced by '{producer}' needs --producer-agreement").format(
            producer=producer_value), rule="agreement")
    if producer_agreement is not None and producer_agreement not in ws.agreements:
        raise Refused(_("no agreement {agreement} in agreements/").format(agreement=producer_agreement),
                      rule="unknown-agreement")
    title, target_group, note = one_line(title, 300), one_line(target_group, 300), one_line(note, 2000)
    data: dict[str, Any] = {
        "id": program_id,
        "title": title,
        "kind": str(kind_value),
        "area": str(area_value),
        "target_group": target_group,
        "open": False,
        "owning_unit": owning_unit,
        "publishing_unit": publishing_unit,
        "producer": {"kind": str(producer_value), "agreement": producer_agreement},
        "status": str(ProgramStatus.DRAFT),
        "version": quoted(INITIAL_VERSION),
        "history": [{"version": quoted(INITIAL_VERSION), "date": session.today, "note": note}],
        "content": {"modules": []},
    }
    trailers = _trailers("program-new", actor, session, program_id, INITIAL_VERSION,
                         ("Sob-Title", title), ("Sob-Kind", str(kind_value)), ("Sob-Area", str(area_value)),
                         ("Sob-Target-Group", target_group), ("Sob-Unit", publishing_unit),
                         ("Sob-Owning-Unit", owning_unit), ("Sob-Producer", str(producer_value)),
                         ("Sob-Agreement", producer_agreement or ""), ("Sob-Note", note), decision=decision)
    change = new_file(path, data, "program.schema.json")
    return Act("program-new", f"new program {program_id} (draft {INITIAL_VERSION})", trailers, [change], reason)


@replayer("program-new")
def _replay_new(session: Session, t: Trailers, reason: str | None) -> Act:
    return new_program(session, t["Sob-Program"], title=t["Sob-Title"], kind=t["Sob-Kind"], area=t["Sob-Area"],
                       target_group=t["Sob-Target-Group"], publishing_unit=t["Sob-Unit"],
                       owning_unit=t.get("Sob-Owning-Unit"), producer=t.get("Sob-Producer", "own"),
                       producer_agreement=t.get("Sob-Agreement"), note=t["Sob-Note"],
                       decision=t.get("Sob-Decision"), reason=reason)


# --- status transitions --------------------------------------------------------------------------


def _set_status(session: Session, program: Program, status: ProgramStatus) -> Any:
    def mutate(data: Any) -> None:
        data["status"] = str(status)

    return edit_file(session.root, path_of("program", program.id), mutate)


def submit(session: Session, program_id: str, *, decision: str | None = None,
           reason: str | None = None) -> Act:
    """draft → in-review."""
    program = get_program(session, program_id)
    actor = _publisher(session, program, "submit")
    _require_status(program, "submit", ProgramStatus.DRAFT)
    _current_index(program)
    if not program.content.modules:
        raise Refused(_("submit needs content; {program} has no modules").format(program=program_id),
                      rule="transition:submit")
    trailers = _trailers("program-submit", actor, session, program_id, program.version, decision=decision)
    change = _set_status(session, program, ProgramStatus.IN_REVIEW)
    return Act("program-submit", f"submit {program_id} {program.version} for review", trailers, [change], reason)


@replayer("program-submit")
def _replay_submit(session: Session, t: Trailers, reason: str | None) -> Act:
    return submit(session, t["Sob-Program"], decision=t.get("Sob-Decision"), reason=reason)


def approve(session: Session, program_id: str, *, role: str | None = None, decision: str | None = None,
            reason: str | None = None) -> Act:
    """Record the actor's approval of the current content on the current version (in-review)."""
    program = get_program(session, program_id)
    actor = session.require_actor()
    ws = session.workspace
    medical = medical_scopes(session, program)
    held: list[Role] = []
    if ws.holds(actor.hsa_id, Role.UTGIVARE, program.publishing_unit, session.today):
        held.append(Role.UTGIVARE)
    for medical_role in (Role.MEDICINSKT_ANSVARIG, Role.VERKSAMHETSCHEF):
        if any(ws.holds(actor.hsa_id, medical_role, scope, session.today) for scope in medical):
            held.append(medical_role)
    if role is not None:
        try:
            wanted = Role(role)
        except ValueError:
            raise UsageError(_("--role: '{role}' is not utgivare, medicinskt-ansvarig or verksamhetschef").format(
                role=role)) from None
        if wanted not in (Role.UTGIVARE, *APPROVER_ROLES):
            raise UsageError(_("--role: programs are approved as utgivare, medicinskt-ansvarig or "
                               "verksamhetschef, not {role}").format(role=wanted))
        if wanted not in held:
            where = program.publishing_unit if wanted is Role.UTGIVARE else _("{unit} (or above)").format(
                unit=program.owning_unit)
            raise Refused(_("{name} ({person}) may not approve {program} as {role}: "
                            "the role {role} on {scope} is missing").format(
                              name=actor.name, person=actor.hsa_id, program=program_id, role=wanted, scope=where),
                          rule=f"role:{wanted}")
        approving_role = wanted
    elif held:
        approving_role = held[0]
    else:
        raise Refused(_("{name} ({person}) may not approve {program}: it needs utgivare on "
                        "{unit}, or medicinskt-ansvarig/verksamhetschef on {owning_unit}").format(
                          name=actor.name, person=actor.hsa_id, program=program_id, unit=program.publishing_unit,
                          owning_unit=program.owning_unit),
                      rule="role:utgivare")
    _require_status(program, "approve", ProgramStatus.IN_REVIEW)
    index = _current_index(program)
    entry = program.history[index]
    current = fingerprint(program)
    trailers = _trailers("program-approve", actor, session, program_id, program.version,
                         ("Sob-Role", str(approving_role)), ("Sob-Fingerprint", current), decision=decision)
    subject = f"approve {program_id} {program.version} as {approving_role}"
    if any(a.by == actor.hsa_id and a.role is approving_role and a.fingerprint == current for a in entry.approvals):
        return Act("program-approve", subject, trailers,
                   already=_("{person} approved this content of {program} as {role} already").format(
                       person=actor.hsa_id, program=program_id, role=approving_role))
    replace = next((i for i, a in enumerate(entry.approvals) if a.by == actor.hsa_id and a.role is approving_role),
                   None)
    record = {"by": actor.hsa_id, "role": str(approving_role), "at": session.today, "fingerprint": current}

    def mutate(data: Any) -> None:
        item = data["history"][index]
        if "approvals" not in item:
            item["approvals"] = to_commented([])
        if replace is not None:  # the same person's earlier approval, of other content
            item["approvals"][replace] = to_commented(record)
        else:
            item["approvals"].append(to_commented(record))

    change = edit_file(session.root, path_of("program", program_id), mutate)
    return Act("program-approve", subject, trailers, [change], reason)


@replayer("program-approve")
def _replay_approve(session: Session, t: Trailers, reason: str | None) -> Act:
    return approve(session, t["Sob-Program"], role=t.get("Sob-Role"), decision=t.get("Sob-Decision"), reason=reason)


def published_structure(session: Session, program: Program, entry: VersionEntry) -> tuple[object, ...] | None:
    """The structure of a published version: from the current content when it still is that
    version's, else from the program file at the newest commit whose content fingerprint
    was the published one. None when it cannot be found."""
    if entry.fingerprint is None:
        return None
    if fingerprint(program) == entry.fingerprint:
        return structure(program)
    from sobctl.repo import git
    from sobctl.repo.workspace import parse_document

    path = path_of("program", program.id)
    for commit in git.commits_touching(session.root, path):
        raw = git.show_file(session.root, commit, path)
        if raw is None:
            continue
        old, _ = parse_document(path, raw, Program)
        if isinstance(old, Program) and fingerprint(old) == entry.fingerprint:
            return structure(old)
    return None


def _structure_problem(session: Session, program: Program, index: int) -> str | None:
    """Why the current content cannot be a MINOR of the last published version, if it cannot."""
    previous = next((program.history[i] for i in range(index - 1, -1, -1)
                     if program.history[i].published is not None), None)
    if previous is None or previous.version.major != program.version.major:
        return None
    return _structure_problem_against(session, program, previous)


def _structure_problem_against(session: Session, program: Program, published: VersionEntry) -> str | None:
    """Why the current content does not keep the structure of ``published``, or None."""
    if published.structure is not None and structure_fingerprint(program) == published.structure:
        return None
    before = published_structure(session, program, published)
    now = structure(program)
    if before is None:
        if published.structure is None:
            return None
        return _("the structure changed since {version}").format(version=published.version)
    if before == now and published.structure is None:
        return None
    return _("{change} since {version}").format(change=describe_structure_change(before, now),
                                                version=published.version)


def publish(session: Session, program_id: str, *, decision: str | None = None,
            reason: str | None = None) -> Act:
    """in-review → published, when approvals cover the current content and the records are complete."""
    from sobctl.checks.publishing import copyright_findings
    from sobctl.model.diagnostic import Severity

    ws = session.workspace
    program = get_program(session, program_id)
    actor = _publisher(session, program, "publish")
    _require_status(program, "publish", ProgramStatus.IN_REVIEW)
    index = _current_index(program)
    entry = program.history[index]
    current = fingerprint(program)
    valid = [a for a in entry.approvals if a.fingerprint == current]
    stale = [a for a in entry.approvals if a.fingerprint != current]
    stale_note = (_("; the approvals by {people} are of other content").format(
        people=", ".join(f"{a.by} ({a.role})" for a in stale)) if stale else "")
    if not any(a.role is Role.UTGIVARE for a in valid):
        raise Refused(_("publish needs an approval by utgivare of the current content of {program} "
                        "({fingerprint}…)").format(program=program_id, fingerprint=current[:19]) + stale_note,
                      rule="approval", hint=f"sobctl program approve {program_id}")
    if program.kind is ProgramKind.TREATMENT and not any(a.role in APPROVER_ROLES for a in valid):
        raise Refused(_("publish of the treatment program {program} needs an approval of the current content "
                        "by medicinskt-ansvarig or verksamhetschef").format(program=program_id) + stale_note,
                      rule="medical-approval",
                      hint=_("{command} (as the medically responsible)").format(
                          command=f"sobctl program approve {program_id}"))
    problem = _structure_problem(session, program, index)
    if problem is not None:
        raise Refused(_("version {version} of {program} must be a MAJOR: {problem}").format(
                          version=program.version, program=program_id, problem=problem),
                      rule="major-version", hint=f"sobctl program bump {program_id} --major --note …")
    gaps = [d for d in copyright_findings(ws, program, session.today, ws.config.policy if ws.config else Policy(),
                                          every_status=True) if d.severity is Severity.ERROR]
    if gaps:
        raise Refused(_("publish needs complete copyright records: {gaps}").format(
                          gaps="; ".join(d.message for d in gaps)),
                      rule="copyright", hint=f"sobctl waiver check {program_id}")
    agreement = ws.agreements.get(program.producer.agreement or "")
    if program.producer.agreement is not None and (agreement is None or not agreement.in_force(session.today)):
        raise Refused(_("publish needs the producer agreement {agreement} in force on {date}").format(
                          agreement=program.producer.agreement, date=session.today), rule="agreement")
    if program.risk_analysis is None:
        raise Refused(_("publish needs a risk analysis; {program} has none").format(program=program_id),
                      rule="risk-analysis",
                      hint=_("add {field} to the program file").format(field="risk_analysis: {reference: …, date: …}"))
    set_publisher = program.responsible_publisher is None or not ws.holds(
        program.responsible_publisher, Role.UTGIVARE, program.publishing_unit, session.today)
    shape = structure_fingerprint(program)

    def mutate(data: Any) -> None:
        data["status"] = str(ProgramStatus.PUBLISHED)
        if set_publisher:
            if "responsible_publisher" in data:
                data["responsible_publisher"] = actor.hsa_id
            else:
                data.insert(list(data).index("publishing_unit") + 1, "responsible_publisher", actor.hsa_id)
        item = data["history"][index]
        item["published"] = session.today
        item["fingerprint"] = current
        item["structure"] = shape

    trailers = _trailers("program-publish", actor, session, program_id, program.version,
                         ("Sob-Fingerprint", current), decision=decision)
    change = edit_file(session.root, path_of("program", program_id), mutate)
    return Act("program-publish", f"publish {program_id} {program.version}", trailers, [change], reason)


@replayer("program-publish")
def _replay_publish(session: Session, t: Trailers, reason: str | None) -> Act:
    return publish(session, t["Sob-Program"], decision=t.get("Sob-Decision"), reason=reason)


def deprecate(session: Session, program_id: str, *, decision: str | None = None,
              reason: str | None = None) -> Act:
    """published → deprecated: units keep running it, no new unit gets it."""
    program = get_program(session, program_id)
    actor = _publisher(session, program, "deprecate")
    _require_status(program, "deprecate", ProgramStatus.PUBLISHED)
    trailers = _trailers("program-deprecate", actor, session, program_id, program.version, decision=decision)
    change = _set_status(session, program, ProgramStatus.DEPRECATED)
    return Act("program-deprecate", f"deprecate {program_id}", trailers, [change], reason)


@replayer("program-deprecate")
def _replay_deprecate(session: Session, t: Trailers, reason: str | None) -> Act:
    return deprecate(session, t["Sob-Program"], decision=t.get("Sob-Decision"), reason=reason)


def units_behind(session: Session, program_id: str) -> list[tuple[str, int]]:
    """Units running an older major than the published one: (unit, major), to re-activate."""
    program = get_program(session, program_id)
    published = program.published_entry()
    if published is None:
        return []
    return sorted((unit_id, a.major) for unit_id, unit in session.workspace.units.items()
                  for a in unit.programs if a.program == program_id and a.major < published.version.major)


def running_units(session: Session, program_id: str) -> list[str]:
    return sorted(unit_id for unit_id, unit in session.workspace.units.items()
                  if any(a.program == program_id for a in unit.programs))


def retire(session: Session, program_id: str, *, decision: str | None = None,
           reason: str | None = None) -> Act:
    """deprecated → retired (or a never-published draft → retired), once no unit runs it."""
    program = get_program(session, program_id)
    actor = _publisher(session, program, "retire")
    if program.published_entry() is None:
        _require_status(program, "retire", ProgramStatus.DRAFT, ProgramStatus.IN_REVIEW)
    else:
        _require_status(program, "retire", ProgramStatus.DEPRECATED)
    units = running_units(session, program_id)
    if units:
        raise Refused(_("retire needs {program} withdrawn from every unit first; it still runs on {units}").format(
                          program=program_id, units=", ".join(units)), rule="transition:retire",
                      hint=_("{command} (as vardgivaradministrator)").format(
                          command=f"sobctl unassign {program_id} UNIT"))
    trailers = _trailers("program-retire", actor, session, program_id, program.version, decision=decision)
    change = _set_status(session, program, ProgramStatus.RETIRED)
    return Act("program-retire", f"retire {program_id}", trailers, [change], reason)


@replayer("program-retire")
def _replay_retire(session: Session, t: Trailers, reason: str | None) -> Act:
    return retire(session, t["Sob-Program"], decision=t.get("Sob-Decision"), reason=reason)


# --- versions -------------------------------------------------------------------------------------


def bump(session: Session, program_id: str, *, major: bool, note: str, decision: str | None = None,
         reason: str | None = None) -> Act:
    """Start the next version of a published program (status → draft; the published one keeps running).

    A bump --major of a pending version (draft or in review, never published) renumbers that
    version to the next major and sets it back to draft; its approvals are dropped.
    """
    program = get_program(session, program_id)
    actor = _publisher(session, program, "bump")
    index = _current_index(program)
    entry = program.history[index]
    note = one_line(note, 2000)
    if not note:
        raise UsageError(_("--note: say what the new version changes"))
    last = program.published_entry()
    if program.status is ProgramStatus.PUBLISHED:
        renumber = False
        new_version = program.version.bump(major=major)
    elif program.status in (ProgramStatus.DRAFT, ProgramStatus.IN_REVIEW) and entry.published is None \
            and last is not None:
        if not major or entry.version.major > last.version.major:
            text = (_("version {version} of {program} is not published yet; change it as it is") if major else
                    _("version {version} of {program} is not published yet; change it as it is, or bump --major "
                      "if its structure changed"))
            raise Refused(text.format(version=program.version, program=program_id), rule="transition:bump")
        renumber = True
        new_version = last.version.bump(major=True)
    else:
        text = (_("bump needs status published; {program} is {status} and was never published") if last is None
                else _("bump needs status published; {program} is {status}"))
        raise Refused(text.format(program=program_id, status=program.status), rule="transition:bump")
    if not major and not renumber:
        problem = _structure_problem_against(session, program, entry)
        if problem is not None:
            raise Refused(_("a MINOR version must keep the structure: {problem}").format(problem=problem),
                          rule="major-version",
                          hint=f"sobctl program bump {program_id} --major --note …")
    record = {"version": quoted(new_version), "date": session.today, "note": note}
    kind = "major" if major else "minor"
    trailers = _trailers("program-bump", actor, session, program_id, new_version, ("Sob-Bump", kind),
                         ("Sob-Note", note), decision=decision)

    def mutate(data: Any) -> None:
        data["version"] = quoted(new_version)
        data["status"] = str(ProgramStatus.DRAFT)
        if renumber:
            data["history"][index] = to_commented(record)
        else:
            data["history"].append(to_commented(record))

    change = edit_file(session.root, path_of("program", program_id), mutate)
    subject = f"bump {program_id} to {new_version} ({kind})"
    return Act("program-bump", subject, trailers, [change], reason)


@replayer("program-bump")
def _replay_bump(session: Session, t: Trailers, reason: str | None) -> Act:
    return bump(session, t["Sob-Program"], major=t.get("Sob-Bump") == "major", note=t["Sob-Note"],
                decision=t.get("Sob-Decision"), reason=reason)


# --- show -------------------------------------------------------------------------------------------


def describe(session: Session, program_id: str) -> dict[str, Any]:
    """Everything ``program show`` prints, as plain data (JSON-ready)."""
    program = get_program(session, program_id)
    ws = session.workspace
    current = fingerprint(program)
    published = program.published_entry()

    def name(person_id: str | None) -> str | None:
        person = ws.people.get(person_id or "")
        return person.name if person else None

    history = []
    for entry in program.history:
        bound = entry.fingerprint if entry.published is not None and entry.fingerprint else current
        history.append({
            "version": str(entry.version),
            "date": entry.date.isoformat(),
            "note": entry.note,
            "published": entry.published.isoformat() if entry.published else None,
            "fingerprint": entry.fingerprint,
            "structure": entry.structure,
            "content_matches": (entry.fingerprint == current) if entry.fingerprint else None,
            "approvals": [{
                "by": a.by, "name": name(a.by), "role": str(a.role), "at": a.at.isoformat(),
                "fingerprint": a.fingerprint,
                "covers": "published content" if entry.published and a.fingerprint == bound
                else "current content" if a.fingerprint == current else "other content (stale)",
            } for a in entry.approvals],
        })
    return {
        "id": program.id,
        "title": program.title,
        "kind": str(program.kind),
        "area": str(program.area),
        "status": str(program.status),
        "version": str(program.version),
        "published_version": str(published.version) if published else None,
        "runnable": program.runnable(),
        "publishing_unit": program.publishing_unit,
        "owning_unit": program.owning_unit,
        "responsible_publisher": program.responsible_publisher,
        "fingerprint": current,
        "units": running_units(session, program_id),
        "history": history,
    }
