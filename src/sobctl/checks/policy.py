"""The administration's policy on roles: how many of whom, and nobody granting themselves."""

from __future__ import annotations

from collections.abc import Iterator

from sobctl.checks import Context, rule
from sobctl.model.diagnostic import Diagnostic
from sobctl.model.entities import PUBLISHING_ROLES, Role, UnitStatus, UnitType
from sobctl.repo.workspace import CONFIG_FILE, diagnostic, path_of


@rule
def care_provider_roles(ctx: Context) -> Iterator[Diagnostic]:
    ws = ctx.workspace
    provider = ws.provider_id
    if provider is None:
        return
    admins = ws.holders(Role.VARDGIVARADMINISTRATOR, provider, ctx.today)
    wanted = ctx.policy.min_care_provider_admins
    if not admins:
        yield diagnostic(
            "SOB201",
            "nobody holds the role vardgivaradministrator",
            CONFIG_FILE,
            ("care_provider",),
            hint=f"sobctl role grant vardgivaradministrator PERSON --scope {provider}",
        )
    elif len(admins) < wanted:
        yield diagnostic(
            "SOB202",
            f"{len(admins)} care-provider administrator(s); the policy asks for {wanted}",
            CONFIG_FILE,
            ("care_provider",),
            hint=f"sobctl role grant vardgivaradministrator PERSON --scope {provider}",
        )
    contacts = ws.holders(Role.KONTAKTPERSON, provider, ctx.today)
    if len(contacts) != 1:
        names = ", ".join(p.hsa_id for p in contacts) or "nobody"
        yield diagnostic(
            "SOB203",
            f"exactly one contact person (kontaktperson) is needed; found {names}",
            CONFIG_FILE,
            ("care_provider",),
        )


@rule
def unit_staffing(ctx: Context) -> Iterator[Diagnostic]:
    ws = ctx.workspace
    wanted = ctx.policy.min_permission_admins_per_unit
    for unit_id, unit in ws.units.items():
        if unit.status is not UnitStatus.ACTIVE:
            continue
        path = path_of("unit", unit_id)
        if unit.type in (UnitType.CARE_UNIT, UnitType.LINKED_UNIT) and wanted:
            count = len(ws.holders(Role.BEHORIGHETSADMINISTRATOR, unit_id, ctx.today))
            if count < wanted:
                yield diagnostic(
                    "SOB204",
                    f"{count} permission administrator(s) on an active unit; the policy asks for {wanted}",
                    path,
                    ("status",),
                    hint=f"sobctl role grant behorighetsadministrator PERSON --scope {unit_id}",
                )
        if unit.type is UnitType.PUBLISHING_UNIT:
            for role in sorted(PUBLISHING_ROLES):
                count = len(ws.holders(role, unit_id, ctx.today))
                if count < 2:
                    yield diagnostic(
                        "SOB206", f"{count} {role} in the publishing unit; two are recommended", path, ("type",)
                    )


@rule
def self_grants(ctx: Context) -> Iterator[Diagnostic]:
    for person_id, person in ctx.workspace.people.items():
        for g, grant in enumerate(person.grants):
            if grant.granted_by == person_id:
                yield diagnostic(
                    "SOB205",
                    f"{person_id} granted {grant.role} to themselves",
                    path_of("person", person_id),
                    ("grants", g, "granted_by"),
                )
            if grant.revoked_by == person_id:
                yield diagnostic(
                    "SOB205",
                    f"{person_id} revoked their own {grant.role}",
                    path_of("person", person_id),
                    ("grants", g, "revoked_by"),
                )
