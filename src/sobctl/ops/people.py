"""People: registering a person (HSA-id, name, e-mails) in roles/ so they can be granted roles.

A care-provider administrator or any unit's permission administrator may add a person.
"""

from __future__ import annotations

import re

from sobctl.errors import Refused, UsageError
from sobctl.i18n import _
from sobctl.model.entities import Role
from sobctl.ops.edit import new_file
from sobctl.ops.replay import Trailers, replayer
from sobctl.ops.session import Session
from sobctl.ops.transaction import Act
from sobctl.ops.units import clean
from sobctl.repo.trailers import one_line
from sobctl.repo.workspace import path_of

# The model's pattern, without commas (the Sob-Email trailer lists the addresses comma-separated).
_EMAIL_RE = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")


def add(session: Session, hsa_id: str, *, name: str, emails: list[str], decision: str | None = None,
        reason: str | None = None) -> Act:
    """Register a new person; refused when the HSA-id or any of the e-mails is already known."""
    ws = session.workspace
    actor = session.require_actor()
    is_admin = ws.holds(actor.hsa_id, Role.VARDGIVARADMINISTRATOR, session.provider_id, session.today)
    is_permission_admin = any(
        g.role is Role.BEHORIGHETSADMINISTRATOR and g.in_force(session.today) for g in actor.grants
    )
    if not (is_admin or is_permission_admin):
        raise Refused(_("{name} ({person}) may not add people: the role vardgivaradministrator "
                        "or behorighetsadministrator is missing").format(name=actor.name, person=actor.hsa_id),
                      rule="role:behorighetsadministrator")
    if not name.strip() or one_line(name, 300) != name:
        raise UsageError(_("--name: {name} must be one line of 1-300 printable characters without outer spaces")
                         .format(name=repr(name)))
    wanted = list(dict.fromkeys(email.strip() for email in emails if email.strip()))
    if not wanted:
        raise UsageError(_("a person needs at least one e-mail (--email)"))
    for email in wanted:
        if not _EMAIL_RE.match(email):
            raise UsageError(_("--email: '{email}' is not an e-mail address (name@example.se)").format(email=email))
    decision, reason = clean(decision, "--decision", 300), clean(reason, "--reason", 2000)
    trailers = [("Sob-Action", "person-add"), ("Sob-Actor", actor.hsa_id), ("Sob-Date", session.today.isoformat()),
                ("Sob-Person", hsa_id), ("Sob-Name", name), ("Sob-Email", ", ".join(wanted)),
                ("Sob-Decision", decision or "")]
    subject = f"add person {hsa_id} ({name})"
    relpath = path_of("person", hsa_id)
    existing = ws.people.get(hsa_id)
    if existing is not None:
        if existing.name == name and [e.lower() for e in existing.emails] == [e.lower() for e in wanted]:
            return Act("person-add", subject, trailers,
                       already=_("{person} is already registered as {name}").format(person=hsa_id, name=name))
        raise Refused(_("a person {person} already exists ({name})").format(person=hsa_id, name=existing.name),
                      rule="person-exists",
                      hint=f"sobctl show person {hsa_id}")
    if (session.root / relpath).exists():
        raise Refused(_("{path} exists already (and does not validate; run sobctl validate)").format(path=relpath),
                      rule="person-exists")
    for email in wanted:
        holder = ws.person_by_email.get(email.lower())
        if holder is not None:
            raise Refused(_("the e-mail {email} already belongs to {name} ({person})").format(
                email=email, name=holder.name, person=holder.hsa_id),
                          rule="email-exists")
    change = new_file(relpath, {"hsa_id": hsa_id, "name": name, "emails": wanted}, "person.schema.json")
    return Act("person-add", subject, trailers, [change], reason)


@replayer("person-add")
def _replay_add(session: Session, trailers: Trailers, reason: str | None) -> Act:
    emails = [e.strip() for e in trailers.get("Sob-Email", "").split(",")]
    return add(session, trailers["Sob-Person"], name=trailers["Sob-Name"], emails=emails,
               decision=trailers.get("Sob-Decision"), reason=reason)
