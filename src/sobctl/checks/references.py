"""References that must point somewhere: units, people, programs, agreements."""

from __future__ import annotations

from collections.abc import Iterator

from sobctl.checks import Context, rule
from sobctl.model.diagnostic import Diagnostic, Pointer
from sobctl.model.entities import PROVIDER_ROLES, PUBLISHING_ROLES, AgreementKind, UnitType
from sobctl.repo.workspace import diagnostic, path_of


def _person(ctx: Context, person_id: str | None, path: str, pointer: Pointer, what: str) -> Iterator[Diagnostic]:
    if person_id is not None and person_id not in ctx.workspace.people:
        yield diagnostic(
            "SOB103",
            f"{what} '{person_id}' is not a person in roles/",
            path,
            pointer,
            hint=f"add them with: sobctl person add {person_id} --name … --email …",
        )


def _agreement(
    ctx: Context, agreement_id: str | None, path: str, pointer: Pointer, kinds: tuple[AgreementKind, ...]
) -> Iterator[Diagnostic]:
    if agreement_id is None:
        return
    agreement = ctx.workspace.agreements.get(agreement_id)
    if agreement is None:
        yield diagnostic("SOB106", f"agreement '{agreement_id}' is not in agreements/", path, pointer)
    elif agreement.kind not in kinds:
        wanted = " or ".join(str(k) for k in kinds)
        yield diagnostic(
            "SOB109", f"agreement '{agreement_id}' is a {agreement.kind} agreement; {wanted} expected", path, pointer
        )


@rule
def unit_references(ctx: Context) -> Iterator[Diagnostic]:
    ws = ctx.workspace
    for unit_id, unit in ws.units.items():
        path = path_of("unit", unit_id)
        if unit.parent is not None and unit.parent not in ws.units:
            yield diagnostic("SOB101", f"parent '{unit.parent}' is not a unit in units/", path, ("parent",))
        elif unit.parent is not None and unit_id in ws.ancestors(unit.parent):
            yield diagnostic("SOB108", "the unit's parents lead back to itself", path, ("parent",))
        if unit.ownership is not None:
            yield from _agreement(
                ctx, unit.ownership.care_agreement, path, ("ownership", "care_agreement"), (AgreementKind.CARE,)
            )
        for i, change in enumerate(unit.status_history):
            yield from _person(ctx, change.by, path, ("status_history", i, "by"), "status changed by")
        for i, activation in enumerate(unit.programs):
            if activation.program not in ws.programs:
                yield diagnostic(
                    "SOB102", f"program '{activation.program}' is not in catalogue/", path, ("programs", i, "program")
                )
            yield from _person(ctx, activation.by, path, ("programs", i, "by"), "activated by")
            yield from _person(ctx, activation.approved_by, path, ("programs", i, "approved_by"), "approver")


@rule
def program_references(ctx: Context) -> Iterator[Diagnostic]:
    ws = ctx.workspace
    for program_id, program in ws.programs.items():
        path = path_of("program", program_id)
        for field in ("owning_unit", "publishing_unit"):
            target = getattr(program, field)
            unit = ws.units.get(target)
            if unit is None:
                yield diagnostic(
                    "SOB104", f"{field.replace('_', ' ')} '{target}' is not a unit in units/", path, (field,)
                )
            elif field == "publishing_unit" and unit.type is not UnitType.PUBLISHING_UNIT:
                yield diagnostic("SOB105", f"'{target}' is a {unit.type}, not a publishing unit", path, (field,))
        yield from _person(
            ctx, program.responsible_publisher, path, ("responsible_publisher",), "responsible publisher"
        )
        yield from _person(
            ctx, program.medically_responsible, path, ("medically_responsible",), "medically responsible"
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
                yield from _person(ctx, approval.by, path, ("history", h, "approvals", p, "by"), "approver")


@rule
def person_references(ctx: Context) -> Iterator[Diagnostic]:
    ws = ctx.workspace
    provider = ws.provider_id
    owners: dict[str, str] = {}
    for person_id, person in ws.people.items():
        path = path_of("person", person_id)
        for e, email in enumerate(person.emails):
            other = owners.setdefault(email.lower(), person_id)
            if other != person_id:
                yield diagnostic("SOB207", f"e-mail '{email}' is also listed for {other}", path, ("emails", e))
        for g, grant in enumerate(person.grants):
            yield from _person(ctx, grant.granted_by, path, ("grants", g, "granted_by"), "granter")
            yield from _person(ctx, grant.revoked_by, path, ("grants", g, "revoked_by"), "revoker")
            unit = ws.units.get(grant.scope)
            if grant.role in PROVIDER_ROLES:
                if provider is not None and grant.scope != provider:
                    yield diagnostic(
                        "SOB107",
                        f"{grant.role} is granted on the care provider ({provider}), not on '{grant.scope}'",
                        path,
                        ("grants", g, "scope"),
                    )
            elif unit is None:
                yield diagnostic(
                    "SOB104", f"role scope '{grant.scope}' is not a unit in units/", path, ("grants", g, "scope")
                )
            elif grant.role in PUBLISHING_ROLES and unit.type is not UnitType.PUBLISHING_UNIT:
                yield diagnostic(
                    "SOB107",
                    f"{grant.role} is a publishing-unit role; '{grant.scope}' is a {unit.type}",
                    path,
                    ("grants", g, "scope"),
                )


@rule
def agreement_references(ctx: Context) -> Iterator[Diagnostic]:
    ws = ctx.workspace
    for agreement_id, agreement in ws.agreements.items():
        path = path_of("agreement", agreement_id)
        yield from _person(ctx, agreement.contact, path, ("contact",), "contact")
        for i, program_id in enumerate(agreement.covers.programs):
            if program_id not in ws.programs:
                yield diagnostic(
                    "SOB102", f"covered program '{program_id}' is not in catalogue/", path, ("covers", "programs", i)
                )
