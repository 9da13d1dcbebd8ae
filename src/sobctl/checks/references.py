"""References that must point somewhere: units, people, programs, agreements."""

from __future__ import annotations

from collections.abc import Iterator

from sobctl.checks import Context, rule
from sobctl.i18n import N_, _
from sobctl.model.diagnostic import Diagnostic, Pointer
from sobctl.model.entities import PROVIDER_ROLES, PUBLISHING_ROLES, AgreementKind, UnitType
from sobctl.repo.workspace import diagnostic, path_of


def _person(ctx: Context, person_id: str | None, path: str, pointer: Pointer, what: str) -> Iterator[Diagnostic]:
    if person_id is not None and person_id not in ctx.workspace.people:
        yield _no_person(person_id, path, pointer, what)


def _no_person(person_id: str, path: str, pointer: Pointer, what: str) -> Diagnostic:
    """SOB103: ``person_id`` (named by the field ``what``) is not a person in roles/."""
    return diagnostic(
        "SOB103",
        _("{what} '{person}' is not a person in roles/").format(what=_(what), person=person_id),
        path,
        pointer,
        hint=_("add them with: sobctl person add {person} --name … --email …").format(person=person_id),
    )


#: What the fields that name people are called in messages (translated when a message is made).
STATUS_CHANGED_BY = N_("status changed by")
ACTIVATED_BY = N_("activated by")
APPROVER = N_("approver")
GRANTER = N_("granter")
REVOKER = N_("revoker")


def _agreement(
    ctx: Context, agreement_id: str | None, path: str, pointer: Pointer, kinds: tuple[AgreementKind, ...]
) -> Iterator[Diagnostic]:
    if agreement_id is None:
        return
    agreement = ctx.workspace.agreements.get(agreement_id)
    if agreement is None:
        yield diagnostic(
            "SOB106", _("agreement '{agreement}' is not in agreements/").format(agreement=agreement_id), path, pointer
        )
    elif agreement.kind not in kinds:
        wanted = (
            _("{first} or {second}").format(first=kinds[0], second=kinds[1]) if len(kinds) == 2 else str(kinds[0])
        )
        yield diagnostic(
            "SOB109",
            _("agreement '{agreement}' is a {kind} agreement; {wanted} expected").format(
                agreement=agreement_id, kind=agreement.kind, wanted=wanted
            ),
            path,
            pointer,
        )


@rule
def unit_references(ctx: Context) -> Iterator[Diagnostic]:
    ws = ctx.workspace
    people = ws.people
    programs = ws.programs
    unit_head = ws.unit_head
    ancestors = ws.ancestors
    for unit_id, unit in ctx.each("unit"):
        parent = unit.parent
        if parent is not None:
            if unit_head(parent) is None:
                yield diagnostic(
                    "SOB101",
                    _("parent '{parent}' is not a unit in units/").format(parent=parent),
                    path_of("unit", unit_id),
                    ("parent",),
                )
            elif unit_id in ancestors(parent):
                yield diagnostic(
                    "SOB108", _("the unit's parents lead back to itself"), path_of("unit", unit_id), ("parent",)
                )
        if unit.ownership is not None:
            yield from _agreement(
                ctx,
                unit.ownership.care_agreement,
                path_of("unit", unit_id),
                ("ownership", "care_agreement"),
                (AgreementKind.CARE,),
            )
        for i, change in enumerate(unit.status_history):
            by = change.by
            if by is not None and by not in people:
                yield _no_person(by, path_of("unit", unit_id), ("status_history", i, "by"), STATUS_CHANGED_BY)
        for i, activation in enumerate(unit.programs):
            if activation.program not in programs:
                yield diagnostic(
                    "SOB102",
                    _("program '{program}' is not in catalogue/").format(program=activation.program),
                    path_of("unit", unit_id),
                    ("programs", i, "program"),
                )
            by = activation.by
            if by is not None and by not in people:
                yield _no_person(by, path_of("unit", unit_id), ("programs", i, "by"), ACTIVATED_BY)
            by = activation.approved_by
            if by is not None and by not in people:
                yield _no_person(by, path_of("unit", unit_id), ("programs", i, "approved_by"), APPROVER)


@rule
def program_references(ctx: Context) -> Iterator[Diagnostic]:
    ws = ctx.workspace
    for program_id, program in ctx.each("program"):
        path = path_of("program", program_id)
        for field in ("owning_unit", "publishing_unit"):
            target = getattr(program, field)
            unit = ws.unit_head(target)
            if unit is None:
                message = (
                    _("owning unit '{unit}' is not a unit in units/")
                    if field == "owning_unit"
                    else _("publishing unit '{unit}' is not a unit in units/")
                )
                yield diagnostic("SOB104", message.format(unit=target), path, (field,))
            elif field == "publishing_unit" and unit.type is not UnitType.PUBLISHING_UNIT:
                yield diagnostic(
                    "SOB105",
                    _("'{unit}' is a {type}, not a publishing unit").format(unit=target, type=unit.type),
                    path,
                    (field,),
                )
        yield from _person(
            ctx, program.responsible_publisher, path, ("responsible_publisher",), N_("responsible publisher")
        )
        yield from _person(
            ctx, program.medically_responsible, path, ("medically_responsible",), N_("medically responsible")
        )
        yield from _agreement(
            ctx,
            program.producer.agreement,
            path,
            ("producer", "agreement"),
            (AgreementKind.CONTENT_PROVIDER, AgreementKind.INTER_REGIONAL),
        )
        for a, asset in enumerate(program.assets):
            yield from _agreement(
                ctx,
                asset.agreement,
                path,
                ("assets", a, "agreement"),
                (AgreementKind.CONTENT_PROVIDER, AgreementKind.INTER_REGIONAL),
            )
        for h, entry in enumerate(program.history):
            for p, approval in enumerate(entry.approvals):
                yield from _person(ctx, approval.by, path, ("history", h, "approvals", p, "by"), N_("approver"))


@rule
def person_references(ctx: Context) -> Iterator[Diagnostic]:
    ws = ctx.workspace
    people = ws.people
    unit_head = ws.unit_head
    provider = ws.provider_id
    for person_id, person in ctx.each("person"):
        path = path_of("person", person_id)
        for e, email in enumerate(person.emails):
            # The first file listing an address owns it; later ones are told whose it is.
            other = ws.people_with_email(email)[0]
            if other != person_id:
                yield diagnostic(
                    "SOB207",
                    _("e-mail '{email}' is also listed for {person}").format(email=email, person=other),
                    path,
                    ("emails", e),
                )
        for g, grant in enumerate(person.grants):
            by = grant.granted_by
            if by is not None and by not in people:
                yield _no_person(by, path, ("grants", g, "granted_by"), GRANTER)
            by = grant.revoked_by
            if by is not None and by not in people:
                yield _no_person(by, path, ("grants", g, "revoked_by"), REVOKER)
            unit = unit_head(grant.scope)
            if grant.role in PROVIDER_ROLES:
                if provider is not None and grant.scope != provider:
                    yield diagnostic(
                        "SOB107",
                        _("{role} is granted on the care provider ({provider}), not on '{scope}'").format(
                            role=grant.role, provider=provider, scope=grant.scope
                        ),
                        path,
                        ("grants", g, "scope"),
                    )
            elif unit is None:
                yield diagnostic(
                    "SOB104",
                    _("role scope '{scope}' is not a unit in units/").format(scope=grant.scope),
                    path,
                    ("grants", g, "scope"),
                )
            elif grant.role in PUBLISHING_ROLES and unit.type is not UnitType.PUBLISHING_UNIT:
                yield diagnostic(
                    "SOB107",
                    _("{role} is a publishing-unit role; '{scope}' is a {type}").format(
                        role=grant.role, scope=grant.scope, type=unit.type
                    ),
                    path,
                    ("grants", g, "scope"),
                )


@rule
def agreement_references(ctx: Context) -> Iterator[Diagnostic]:
    ws = ctx.workspace
    for agreement_id, agreement in ctx.each("agreement"):
        path = path_of("agreement", agreement_id)
        yield from _person(ctx, agreement.contact, path, ("contact",), N_("contact"))
        for i, program_id in enumerate(agreement.covers.programs):
            if program_id not in ws.programs:
                yield diagnostic(
                    "SOB102",
                    _("covered program '{program}' is not in catalogue/").format(program=program_id),
                    path,
                    ("covers", "programs", i),
                )
