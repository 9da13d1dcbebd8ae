"""Copyright records of programs: ``waiver add`` (an act) and ``waiver check`` (a report).

Every contributor of a program (author, illustrator, narrator, …) needs a waiver,
assignment or licence record in force; every third-party asset a valid SPDX licence
expression or an agreement in force. A designer or utgivare of the program's publishing
unit records them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sobctl.errors import Refused, UsageError
from sobctl.i18n import _
from sobctl.model.diagnostic import Diagnostic, Severity, Summary
from sobctl.model.entities import CopyrightKind, ProgramStatus, Role
from sobctl.ops.edit import edit_file, to_commented
from sobctl.ops.programs import get_program
from sobctl.ops.replay import Trailers, replayer
from sobctl.ops.session import Session
from sobctl.ops.transaction import Act
from sobctl.repo.trailers import one_line
from sobctl.repo.workspace import path_of


def waiver_add(session: Session, program_id: str, *, contributor: str, role: str, kind: str, document: str,
               date: dt.date, expires: dt.date | None = None, reason: str | None = None) -> Act:
    """Add a copyright record to a contributor of the program (adding the contributor if new)."""
    program = get_program(session, program_id)
    ws = session.workspace
    actor = session.require_actor()
    acting_as = next((r for r in (Role.DESIGNER, Role.UTGIVARE)
                      if ws.holds(actor.hsa_id, r, program.publishing_unit, session.today)), None)
    if acting_as is None:
        raise Refused(_("{name} ({person}) may not record copyright of {program}: the role designer "
                        "or utgivare on {unit} is missing").format(
                          name=actor.name, person=actor.hsa_id, program=program_id, unit=program.publishing_unit),
                      rule="role:designer")
    if program.status is ProgramStatus.RETIRED:
        raise Refused(_("{program} is retired; its records are closed").format(program=program_id),
                      rule="transition:waiver")
    try:
        kind_value = CopyrightKind(kind)
    except ValueError:
        raise UsageError(_("--kind: '{kind}' is not one of waiver, assignment, licence").format(kind=kind)) from None
    contributor, role, document = one_line(contributor, 300), one_line(role, 300), one_line(document, 300)
    if not contributor or not role or not document:
        raise UsageError(_("--contributor, --role and --document need text"))
    if expires is not None and expires < date:
        raise UsageError(_("--expires {expires} is before --date {date}").format(expires=expires, date=date))
    if date > session.today:
        raise UsageError(_("--date {date} is in the future; record a document once it is signed").format(date=date))
    index = next((i for i, c in enumerate(program.contributors) if c.name == contributor and c.role == role), None)
    record: dict[str, Any] = {"kind": str(kind_value), "document": document, "date": date, "expires": expires}
    trailers = [("Sob-Action", "waiver-add"), ("Sob-Actor", actor.hsa_id), ("Sob-Role", str(acting_as)),
                ("Sob-Program", program_id),
                ("Sob-Contributor", contributor), ("Sob-Contributor-Role", role), ("Sob-Kind", str(kind_value)),
                ("Sob-Document", document), ("Sob-Record-Date", date.isoformat()),
                ("Sob-Expires", expires.isoformat() if expires else ""), ("Sob-Date", session.today.isoformat())]
    subject = f"{kind_value} of {contributor} ({role}) for {program_id}"
    if index is not None and any(r.kind is kind_value and r.document == document and r.date == date
                                 and r.expires == expires for r in program.contributors[index].records):
        return Act("waiver-add", subject, trailers,
                   already=_("{contributor} has the record {document} already").format(
                       contributor=contributor, document=document))

    def mutate(data: Any) -> None:
        if index is not None:
            item = data["contributors"][index]
            if "records" not in item:
                item["records"] = to_commented([])
            item["records"].append(to_commented(record))
            return
        entry = to_commented({"name": contributor, "role": role, "records": [record]})
        if "contributors" in data:
            data["contributors"].append(entry)
        else:
            keys = list(data)
            after = next((k for k in ("content", "history", "version") if k in keys), keys[-1])
            data.insert(keys.index(after) + 1, "contributors", to_commented([entry]))

    change = edit_file(session.root, path_of("program", program_id), mutate)
    return Act("waiver-add", subject, trailers, [change], reason)


@replayer("waiver-add")
def _replay_waiver_add(session: Session, t: Trailers, reason: str | None) -> Act:
    expires = t.get("Sob-Expires")
    return waiver_add(session, t["Sob-Program"], contributor=t["Sob-Contributor"], role=t["Sob-Contributor-Role"],
                      kind=t["Sob-Kind"], document=t["Sob-Document"],
                      date=dt.date.fromisoformat(t["Sob-Record-Date"]),
                      expires=dt.date.fromisoformat(expires) if expires else None, reason=reason)


def waiver_check(root: Path, today: dt.date, program_id: str | None = None) -> tuple[list[Diagnostic], Summary]:
    """Copyright findings of one program, or of every program that is not retired, located and sorted.

    Unlike ``validate`` (which holds only published programs to them), every program is
    checked here so gaps show before anyone tries to publish: as errors for published and
    deprecated programs, as warnings for drafts and programs in review.
    """
    from sobctl.checks.publishing import copyright_findings
    from sobctl.model.entities import Policy
    from sobctl.repo.workspace import load_workspace, resolve_locations

    ws = load_workspace(root)
    policy = ws.config.policy if ws.config else Policy()
    if program_id is not None:
        if program_id not in ws.programs:
            raise Refused(_("no program {program} in catalogue/").format(program=program_id), rule="unknown-program")
        programs = [ws.programs[program_id]]
    else:
        programs = [p for _, p in sorted(ws.programs.items()) if p.status is not ProgramStatus.RETIRED]
    found: list[Diagnostic] = []
    for program in programs:
        findings = list(copyright_findings(ws, program, today, policy, every_status=True))
        if program.status not in (ProgramStatus.PUBLISHED, ProgramStatus.DEPRECATED):
            # Not yet published: a gap is work to do before publishing, not a breach.
            for finding in findings:
                if finding.severity is Severity.ERROR:
                    finding.severity = Severity.WARNING
                    finding.message += " " + _("(needed before {program} is published)").format(program=program.id)
        found.extend(findings)
    resolve_locations(root, found)
    found.sort(key=Diagnostic.sort_key)
    return found, Summary.of(found, len(programs))
