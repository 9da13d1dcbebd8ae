"""The administration's policy on roles: how many of whom, and nobody granting themselves."""

from __future__ import annotations

from collections.abc import Iterator

from sobctl.checks import Context, rule
from sobctl.i18n import _, ngettext
from sobctl.model.diagnostic import Diagnostic
from sobctl.model.entities import PUBLISHING_ROLES, Role, UnitStatus, UnitType
from sobctl.repo.workspace import CONFIG_FILE, diagnostic, path_of


@rule
def care_provider_roles(ctx: Context) -> Iterator[Diagnostic]:
    ws = ctx.workspace
    provider = ws.provider_id
    if provider is None or not ctx.config_subject():
        return
    admins = ws.holders(Role.VARDGIVARADMINISTRATOR, provider, ctx.today)
    wanted = ctx.policy.min_care_provider_admins
    if not admins:
        yield diagnostic(
            "SOB201",
            _("nobody holds the role vardgivaradministrator"),
            CONFIG_FILE,
            ("care_provider",),
            hint=f"sobctl role grant vardgivaradministrator PERSON --scope {provider}",
        )
    elif len(admins) < wanted:
        yield diagnostic(
            "SOB202",
            ngettext(
                "{count} care-provider administrator; the policy asks for {wanted}",
                "{count} care-provider administrators; the policy asks for {wanted}",
                len(admins),
            ).format(count=len(admins), wanted=wanted),
            CONFIG_FILE,
            ("care_provider",),
            hint=f"sobctl role grant vardgivaradministrator PERSON --scope {provider}",
        )
    contacts = ws.holders(Role.KONTAKTPERSON, provider, ctx.today)
    if len(contacts) != 1:
        names = ", ".join(p.hsa_id for p in contacts) or _("nobody")
        yield diagnostic(
            "SOB203",
            _("exactly one contact person (kontaktperson) is needed; found {names}").format(names=names),
            CONFIG_FILE,
            ("care_provider",),
        )


@rule
def unit_staffing(ctx: Context) -> Iterator[Diagnostic]:
    ws = ctx.workspace
    holders = ws.holders
    today = ctx.today
    wanted = ctx.policy.min_permission_admins_per_unit
    active = UnitStatus.ACTIVE
    staffed = (UnitType.CARE_UNIT, UnitType.LINKED_UNIT)
    permission_admin = Role.BEHORIGHETSADMINISTRATOR
    for unit_id, unit in ctx.each("unit"):
        if unit.status is not active:
            continue
        if unit.type in staffed and wanted:
            count = len(holders(permission_admin, unit_id, today))
            if count < wanted:
                yield diagnostic(
                    "SOB204",
                    ngettext(
                        "{count} permission administrator on an active unit; the policy asks for {wanted}",
                        "{count} permission administrators on an active unit; the policy asks for {wanted}",
                        count,
                    ).format(count=count, wanted=wanted),
                    path_of("unit", unit_id),
                    ("status",),
                    hint=f"sobctl role grant behorighetsadministrator PERSON --scope {unit_id}",
                )
        if unit.type is UnitType.PUBLISHING_UNIT:
            for role in sorted(PUBLISHING_ROLES):
                count = len(ws.holders(role, unit_id, ctx.today))
                if count < 2:
                    yield diagnostic(
                        "SOB206",
                        _("{count} {role} in the publishing unit; two are recommended").format(count=count, role=role),
                        path_of("unit", unit_id),
                        ("type",),
                    )


@rule
def self_grants(ctx: Context) -> Iterator[Diagnostic]:
    for person_id, person in ctx.each("person"):
        for g, grant in enumerate(person.grants):
            if grant.granted_by == person_id:
                yield diagnostic(
                    "SOB205",
                    _("{person} granted {role} to themselves").format(person=person_id, role=grant.role),
                    path_of("person", person_id),
                    ("grants", g, "granted_by"),
                )
            if grant.revoked_by == person_id:
                yield diagnostic(
                    "SOB205",
                    _("{person} revoked their own {role}").format(person=person_id, role=grant.role),
                    path_of("person", person_id),
                    ("grants", g, "revoked_by"),
                )
