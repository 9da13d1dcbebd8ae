"""Role grants and revocations, authorised per DOMAIN.md's roles table.

- Care-provider roles (vardgivaradministrator, kontaktperson) and unit permission
  administrators (behorighetsadministrator) are granted and revoked only by a
  care-provider administrator.
- A unit's staff roles are granted and revoked only by a permission administrator of that unit.
- Nobody grants or revokes their own roles.

A revocation is recorded on the grant (revoked_at, revoked_by, revoke_decision); grants are
never deleted, so the files keep who held what, when and on which decision.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sobctl.errors import Refused
from sobctl.i18n import N_, _
from sobctl.model.entities import (
    PROVIDER_ROLES,
    PUBLISHING_ROLES,
    UNIT_STAFF_ROLES,
    Grant,
    Person,
    Role,
    UnitStatus,
    UnitType,
)
from sobctl.ops.edit import edit_file, to_commented
from sobctl.ops.replay import Trailers, replayer
from sobctl.ops.session import Session
from sobctl.ops.transaction import Act
from sobctl.ops.units import clean, get_unit
from sobctl.repo.workspace import Workspace, path_of

#: Roles only a care-provider administrator grants and revokes.
ADMINISTERED_BY_PROVIDER = frozenset({*PROVIDER_ROLES, Role.BEHORIGHETSADMINISTRATOR})


#: What is refused, for "may not …" messages: granting or revoking a role (on a unit).
VERBS = {"grant": N_("grant {role}"), "revoke": N_("revoke {role}")}
VERBS_ON = {"grant": N_("grant {role} on {scope}"), "revoke": N_("revoke {role} on {scope}")}
OWN = {"grant": N_("{name} ({person}) may not grant their own roles"),
       "revoke": N_("{name} ({person}) may not revoke their own roles")}


def get_person(session: Session, person_id: str) -> Person:
    person = session.workspace.people.get(person_id)
    if person is None:
        raise Refused(_("no person {person} in roles/").format(person=person_id), rule="unknown-person",
                      hint=_("register them first: {command}").format(
                          command=f"sobctl person add {person_id} --name NAME --email EMAIL"))
    return person


def authorise(session: Session, role: Role, person_id: str, scope: str, verb: str) -> Person:
    """The actor, if they may ``verb`` (grant/revoke) ``role`` on ``scope`` to ``person_id``."""
    if role in ADMINISTERED_BY_PROVIDER:
        actor = session.require_provider_admin(_(VERBS[verb]).format(role=role))
    else:
        get_unit(session, scope)
        actor = session.require_role(Role.BEHORIGHETSADMINISTRATOR, [scope],
                                      _(VERBS_ON[verb]).format(role=role, scope=scope))
    if actor.hsa_id == person_id:
        raise Refused(_(OWN[verb]).format(name=actor.name, person=actor.hsa_id), rule="self-grant",
                      hint=_("ask another administrator to do it"))
    return actor


def check_scope(session: Session, role: Role, scope: str) -> None:
    """The scope must fit the role: the care provider for provider roles, a fitting unit otherwise."""
    provider = session.provider_id
    if role in PROVIDER_ROLES:
        if scope != provider:
            raise Refused(_("{role} is held on the care provider {provider}, not on {scope}").format(
                role=role, provider=provider, scope=scope), rule="role-scope",
                          hint=f"--scope {provider}")
        return
    unit = get_unit(session, scope)
    if role in PUBLISHING_ROLES and unit.type is not UnitType.PUBLISHING_UNIT:
        raise Refused(_("{role} is held on a publishing unit; {scope} is a {type}").format(
            role=role, scope=scope, type=unit.type), rule="role-scope")
    if role not in UNIT_STAFF_ROLES | {Role.BEHORIGHETSADMINISTRATOR}:  # pragma: no cover - every role is covered
        raise Refused(_("{role} cannot be granted on a unit").format(role=role), rule="role-scope")
    if unit.status is UnitStatus.ARCHIVED:
        raise Refused(_("unit {unit} is archived; no roles are granted there").format(unit=scope), rule="unit-archived")


def grant(session: Session, role: Role, person_id: str, scope: str, *, valid_to: dt.date | None = None,
          decision: str | None = None, reason: str | None = None) -> Act:
    """Grant ``role`` on ``scope`` to a person, from today until ``valid_to`` (open-ended if None)."""
    actor = authorise(session, role, person_id, scope, "grant")
    person = get_person(session, person_id)
    check_scope(session, role, scope)
    if valid_to is not None and valid_to < session.today:
        raise Refused(_("--valid-to {date} is before today ({today})").format(date=valid_to, today=session.today),
                      rule="valid-to")
    decision, reason = clean(decision, "--decision", 300), clean(reason, "--reason", 2000)
    trailers = [("Sob-Action", "role-grant"), ("Sob-Actor", actor.hsa_id), ("Sob-Date", session.today.isoformat()),
                ("Sob-Person", person_id), ("Sob-Role", role.value), ("Sob-Unit", scope),
                ("Sob-Valid-To", valid_to.isoformat() if valid_to else ""), ("Sob-Decision", decision or "")]
    subject = f"grant {role} on {scope} to {person_id}"
    current = [g for g in person.grants if g.role is role and g.scope == scope and g.in_force(session.today)]
    if current:
        if any(g.valid_to == valid_to for g in current):
            already = (_("{person} already holds {role} on {scope} until {date}") if valid_to
                       else _("{person} already holds {role} on {scope}"))
            return Act("role-grant", subject, trailers,
                       already=already.format(person=person_id, role=role, scope=scope, date=valid_to))
        held = ", ".join(_("until {date}").format(date=g.valid_to) if g.valid_to else _("without end")
                         for g in current)
        raise Refused(_("{person} already holds {role} on {scope} ({held})").format(
                          person=person_id, role=role, scope=scope, held=held), rule="grant-exists",
                      hint=_("to change its end, revoke it and grant it again"))
    entry: dict[str, Any] = {"role": role.value, "scope": scope, "granted_by": actor.hsa_id,
                             "granted_at": session.today, "valid_to": valid_to, "decision": decision}

    def mutate(data: Any) -> None:
        grants = data.get("grants")
        if grants is None:
            grants = data["grants"] = to_commented([])
        grants.append(to_commented(entry))

    change = edit_file(session.root, path_of("person", person_id), mutate)
    return Act("role-grant", subject, trailers, [change], reason)


def revoke(session: Session, role: Role, person_id: str, scope: str, *, decision: str | None = None,
           reason: str | None = None) -> Act:
    """Revoke ``role`` on ``scope`` from a person as of today, recording it on the grant."""
    actor = authorise(session, role, person_id, scope, "revoke")
    person = get_person(session, person_id)
    decision, reason = clean(decision, "--decision", 300), clean(reason, "--reason", 2000)
    trailers = [("Sob-Action", "role-revoke"), ("Sob-Actor", actor.hsa_id), ("Sob-Date", session.today.isoformat()),
                ("Sob-Person", person_id), ("Sob-Role", role.value), ("Sob-Unit", scope),
                ("Sob-Decision", decision or "")]
    subject = f"revoke {role} on {scope} from {person_id}"
    matching = [i for i, g in enumerate(person.grants) if g.role is role and g.scope == scope]
    if not matching:
        raise Refused(_("{person} was never granted {role} on {scope}").format(
                          person=person_id, role=role, scope=scope), rule="no-grant",
                      hint=f"sobctl role list --person {person_id}")
    # Grants in force today, and ones that would start later: both end now.
    live = [i for i in matching if _not_ended(person.grants[i], session.today)]
    if not live:
        return Act("role-revoke", subject, trailers,
                   already=_("{person} no longer holds {role} on {scope}").format(person=person_id, role=role,
                                                                                  scope=scope))

    def mutate(data: Any) -> None:
        for position in live:
            item = data["grants"][position]
            item["revoked_at"] = session.today
            item["revoked_by"] = actor.hsa_id
            if decision:
                item["revoke_decision"] = decision

    change = edit_file(session.root, path_of("person", person_id), mutate)
    return Act("role-revoke", subject, trailers, [change], reason)


def _not_ended(item: Grant, today: dt.date) -> bool:
    return item.revoked_at is None and (item.valid_to is None or item.valid_to >= today)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@replayer("role-grant")
def _replay_grant(session: Session, trailers: Trailers, reason: str | None) -> Act:
    return grant(session, Role(trailers["Sob-Role"]), trailers["Sob-Person"], trailers["Sob-Unit"],
                 valid_to=_date(trailers.get("Sob-Valid-To")), decision=trailers.get("Sob-Decision"), reason=reason)


@replayer("role-revoke")
def _replay_revoke(session: Session, trailers: Trailers, reason: str | None) -> Act:
    return revoke(session, Role(trailers["Sob-Role"]), trailers["Sob-Person"], trailers["Sob-Unit"],
                  decision=trailers.get("Sob-Decision"), reason=reason)


def grant_rows(ws: Workspace, today: dt.date, role: Role | None, scope: str | None, person: str | None,
               include_all: bool) -> list[dict[str, Any]]:
    """Role grants as rows for ``role list`` and ``show``: in force only, or every grant with its state."""
    rows: list[dict[str, Any]] = []
    for holder in sorted(ws.people.values(), key=lambda p: p.hsa_id):
        if person is not None and holder.hsa_id != person:
            continue
        for item in holder.grants:
            if (role is not None and item.role is not role) or (scope is not None and item.scope != scope):
                continue
            state = item.state(today)
            if state != "active" and not include_all:
                continue
            rows.append({
                "person": holder.hsa_id, "name": holder.name, "role": item.role.value, "scope": item.scope,
                "granted_at": item.granted_at.isoformat(), "granted_by": item.granted_by,
                "valid_to": item.valid_to.isoformat() if item.valid_to else None, "decision": item.decision,
                "state": state, "revoked_at": item.revoked_at.isoformat() if item.revoked_at else None,
                "revoked_by": item.revoked_by,
            })
    rows.sort(key=lambda r: (r["scope"], r["role"], r["person"], r["granted_at"]))
    return rows
