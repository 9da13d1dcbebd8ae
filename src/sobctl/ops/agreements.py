"""Agreements as acts: add, renew, end, review. Only a vårdgivaradministratör manages them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sobctl.errors import Refused, UsageError
from sobctl.i18n import N_, _
from sobctl.model.entities import Agreement, AgreementKind, Area, Person, Role
from sobctl.model.ids import parse_agreement_id, parse_orgnr, parse_slug
from sobctl.ops.edit import edit_file, new_file
from sobctl.ops.replay import Trailers, replayer
from sobctl.ops.session import Session
from sobctl.ops.transaction import Act
from sobctl.repo.trailers import one_line
from sobctl.repo.workspace import path_of


def _admin(session: Session, what: str) -> Person:
    return session.require_role(Role.VARDGIVARADMINISTRATOR, [session.provider_id], _(what))


def _agreement(session: Session, agreement_id: str) -> Agreement:
    agreement = session.workspace.agreements.get(agreement_id)
    if agreement is None:
        raise Refused(_("no agreement {agreement} in agreements/").format(agreement=agreement_id),
                      rule="unknown-agreement")
    return agreement


def _trailers(action: str, actor: Person, session: Session, agreement_id: str,
              *extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [("Sob-Action", action), ("Sob-Actor", actor.hsa_id), ("Sob-Role", str(Role.VARDGIVARADMINISTRATOR)),
            ("Sob-Agreement", agreement_id), *extra,
            ("Sob-Date", session.today.isoformat())]


def _quoted(value: str) -> Any:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    return DoubleQuotedScalarString(value)


def add(session: Session, agreement_id: str, *, kind: str, title: str, counterparty: str, orgnr: str,
        valid_from: dt.date, valid_to: dt.date | None = None, programs: list[str] | None = None,
        areas: list[str] | None = None, contact: str | None = None, reason: str | None = None) -> Act:
    """A new agreement file."""
    ws = session.workspace
    actor = _admin(session, N_("manage agreements"))
    try:
        agreement_id = parse_agreement_id(agreement_id)
        kind_value = AgreementKind(kind)
        digits = parse_orgnr(orgnr)
        program_ids = [parse_slug(p) for p in programs or []]
        area_values = [str(Area(a)) for a in areas or []]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    path = path_of("agreement", agreement_id)
    if agreement_id in ws.agreements or (session.root / path).exists():
        raise Refused(_("agreement {agreement} exists already ({path})").format(agreement=agreement_id, path=path),
                      rule="agreement-exists",
                      hint=f"sobctl agreement renew {agreement_id} --valid-to DATE")
    if valid_to is not None and valid_to < valid_from:
        raise UsageError(_("--valid-to {valid_to} is before --valid-from {valid_from}").format(
            valid_to=valid_to, valid_from=valid_from))
    unknown = [p for p in program_ids if p not in ws.programs]
    if unknown:
        raise Refused(_("no program {program} in catalogue/").format(program=", ".join(unknown)),
                      rule="unknown-program")
    if contact is not None and contact not in ws.people:
        raise Refused(_("contact {person} is not a person in roles/").format(person=contact), rule="unknown-person")
    title, counterparty = one_line(title, 300), one_line(counterparty, 300)
    if not title or not counterparty:
        raise UsageError(_("--title and --counterparty need text"))
    formatted = f"{digits[:6]}-{digits[6:]}"
    covers: dict[str, Any] = {}
    if program_ids:
        covers["programs"] = program_ids
    if area_values:
        covers["areas"] = area_values
    data: dict[str, Any] = {
        "id": agreement_id,
        "kind": str(kind_value),
        "title": title,
        "counterparty": {"name": counterparty, "org_number": _quoted(formatted)},
        "valid_from": valid_from,
        "valid_to": valid_to,
        "covers": covers or None,
        "contact": contact,
    }
    trailers = _trailers(
        "agreement-add", actor, session, agreement_id, ("Sob-Kind", str(kind_value)), ("Sob-Title", title),
        ("Sob-Counterparty", counterparty), ("Sob-Org-Number", formatted), ("Sob-Valid-From", valid_from.isoformat()),
        ("Sob-Valid-To", valid_to.isoformat() if valid_to else ""), ("Sob-Covers-Programs", ",".join(program_ids)),
        ("Sob-Covers-Areas", ",".join(area_values)), ("Sob-Contact", contact or ""),
        *(("Sob-Program", p) for p in program_ids),
    )
    change = new_file(path, data, "agreement.schema.json")
    return Act("agreement-add", f"add agreement {agreement_id} with {counterparty}", trailers, [change], reason)


@replayer("agreement-add")
def _replay_add(session: Session, t: Trailers, reason: str | None) -> Act:
    valid_to = t.get("Sob-Valid-To")
    return add(session, t["Sob-Agreement"], kind=t["Sob-Kind"], title=t["Sob-Title"],
               counterparty=t["Sob-Counterparty"], orgnr=t["Sob-Org-Number"],
               valid_from=dt.date.fromisoformat(t["Sob-Valid-From"]),
               valid_to=dt.date.fromisoformat(valid_to) if valid_to else None,
               programs=[p for p in t.get("Sob-Covers-Programs", "").split(",") if p],
               areas=[a for a in t.get("Sob-Covers-Areas", "").split(",") if a],
               contact=t.get("Sob-Contact") or None, reason=reason)


def renew(session: Session, agreement_id: str, *, valid_to: dt.date, reason: str | None = None) -> Act:
    """Extend an agreement that has not been ended to a later ``valid_to``."""
    actor = _admin(session, N_("manage agreements"))
    agreement = _agreement(session, agreement_id)
    if agreement.ended is not None:
        raise Refused(_("agreement {agreement} was ended {date}; a new agreement needs its own record").format(
                          agreement=agreement_id, date=agreement.ended),
                      rule="agreement-ended", hint="sobctl agreement add NEW-ID …")
    trailers = _trailers("agreement-renew", actor, session, agreement_id, ("Sob-Valid-To", valid_to.isoformat()))
    subject = f"renew agreement {agreement_id} to {valid_to}"
    if agreement.valid_to == valid_to:
        return Act("agreement-renew", subject, trailers,
                   already=_("{agreement} is valid to {date} already").format(agreement=agreement_id, date=valid_to))
    if agreement.valid_to is None:
        raise Refused(_("agreement {agreement} has no end date; there is nothing to renew").format(
            agreement=agreement_id), rule="agreement-renew")
    if valid_to < agreement.valid_to:
        raise Refused(_("renew extends an agreement: {date} is before its valid_to {valid_to}; "
                        "use sobctl agreement end to shorten it").format(date=valid_to, valid_to=agreement.valid_to),
                      rule="agreement-renew")

    def mutate(data: Any) -> None:
        data["valid_to"] = valid_to

    change = edit_file(session.root, path_of("agreement", agreement_id), mutate)
    return Act("agreement-renew", subject, trailers, [change], reason)


@replayer("agreement-renew")
def _replay_renew(session: Session, t: Trailers, reason: str | None) -> Act:
    return renew(session, t["Sob-Agreement"], valid_to=dt.date.fromisoformat(t["Sob-Valid-To"]), reason=reason)


def end(session: Session, agreement_id: str, *, date: dt.date | None = None, reason: str | None = None) -> Act:
    """End an agreement on ``date`` (default today): its last day in force."""
    actor = _admin(session, N_("manage agreements"))
    agreement = _agreement(session, agreement_id)
    day = date or session.today
    trailers = _trailers("agreement-end", actor, session, agreement_id, ("Sob-Ended", day.isoformat()))
    subject = f"end agreement {agreement_id} on {day}"
    if agreement.ended == day:
        return Act("agreement-end", subject, trailers,
                   already=_("{agreement} ended {date} already").format(agreement=agreement_id, date=day))
    if agreement.ended is not None:
        raise Refused(_("agreement {agreement} was ended {date} already").format(
            agreement=agreement_id, date=agreement.ended), rule="agreement-ended")
    if day < agreement.valid_from:
        raise UsageError(_("--date {date} is before the agreement's valid_from {valid_from}").format(
            date=day, valid_from=agreement.valid_from))

    def mutate(data: Any) -> None:
        keys = list(data)
        after = "valid_to" if "valid_to" in keys else "valid_from"
        data.insert(keys.index(after) + 1, "ended", day)

    change = edit_file(session.root, path_of("agreement", agreement_id), mutate)
    return Act("agreement-end", subject, trailers, [change], reason)


@replayer("agreement-end")
def _replay_end(session: Session, t: Trailers, reason: str | None) -> Act:
    return end(session, t["Sob-Agreement"], date=dt.date.fromisoformat(t["Sob-Ended"]), reason=reason)


def review(session: Session, agreement_id: str, *, reason: str | None = None) -> Act:
    """Record today's yearly review of an agreement (``last_review``)."""
    actor = _admin(session, N_("manage agreements"))
    agreement = _agreement(session, agreement_id)
    trailers = _trailers("agreement-review", actor, session, agreement_id)
    subject = f"review agreement {agreement_id}"
    if agreement.last_review == session.today:
        return Act("agreement-review", subject, trailers,
                   already=_("{agreement} was reviewed today already").format(agreement=agreement_id))

    def mutate(data: Any) -> None:
        data["last_review"] = session.today

    change = edit_file(session.root, path_of("agreement", agreement_id), mutate)
    return Act("agreement-review", subject, trailers, [change], reason)


@replayer("agreement-review")
def _replay_review(session: Session, t: Trailers, reason: str | None) -> Act:
    return review(session, t["Sob-Agreement"], reason=reason)
