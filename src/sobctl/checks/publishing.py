"""What a published program needs: copyright, licences, risk analysis, a publisher, approvals
bound to the exact content published, and versions that follow the MAJOR/MINOR rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import lru_cache
from itertools import pairwise

from sobctl.checks import Context, rule
from sobctl.i18n import _, ngettext
from sobctl.model.diagnostic import Diagnostic
from sobctl.model.entities import (
    APPROVER_ROLES,
    CopyrightRecord,
    Policy,
    Program,
    ProgramKind,
    ProgramStatus,
    Role,
    VersionEntry,
)
from sobctl.model.fingerprint import fingerprint, structure_fingerprint
from sobctl.repo.workspace import Workspace, diagnostic, path_of

LIVE = (ProgramStatus.PUBLISHED, ProgramStatus.DEPRECATED)


@lru_cache(maxsize=4096)
def licence_problem(expression: str) -> str | None:
    """Why an SPDX licence expression is not valid, or None; checked against the SPDX list."""
    result = _licensing().validate(expression, strict=True)  # type: ignore[attr-defined]
    if result.errors:
        return "; ".join(result.errors)
    return None


@lru_cache(maxsize=1)
def _licensing() -> object:
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def record_in_force(record: CopyrightRecord, on: dt.date) -> bool:
    return record.date <= on and (record.expires is None or record.expires >= on)


def copyright_findings(
    ws: Workspace, program: Program, today: dt.date, policy: Policy, *, every_status: bool = False
) -> Iterator[Diagnostic]:
    """Copyright and licence findings of one program.

    Validate (``every_status=False``) holds only published and deprecated programs to the
    contributor and agreement rules; ``sobctl waiver check`` and ``program publish``
    (``every_status=True``) hold every program to them, so gaps show before publishing.
    """
    program_id = program.id
    path = path_of("program", program_id)
    strict = every_status or program.status in LIVE
    window = dt.timedelta(days=policy.copyright_warning_days)
    for c, contributor in enumerate(program.contributors):
        in_force = [r for r in contributor.records if record_in_force(r, today)]
        if strict and not in_force:
            expired = [r for r in contributor.records if r.expires is not None and r.expires < today]
            future = [r for r in contributor.records if r.date > today]
            if expired:
                last = max(expired, key=lambda r: r.expires or r.date)
                message = _(
                    "contributor '{name}' ({role}) has only expired copyright records (last {document}, "
                    "expired {expires})"
                ).format(name=contributor.name, role=contributor.role, document=last.document, expires=last.expires)
                where: tuple[str | int, ...] = (
                    "contributors", c, "records", contributor.records.index(last), "expires")
            elif future:
                message = _(
                    "contributor '{name}' ({role}) has no copyright record in force (the earliest is dated {date})"
                ).format(name=contributor.name, role=contributor.role, date=min(r.date for r in future))
                where = ("contributors", c, "records")
            else:
                message = _("contributor '{name}' ({role}) has no copyright record").format(
                    name=contributor.name, role=contributor.role
                )
                where = ("contributors", c, "name")
            yield diagnostic(
                "SOB501",
                message,
                path,
                where,
                hint=_(
                    "sobctl waiver add {program} --contributor '{name}' --role {role} --kind waiver --document REF "
                    "--date DATE"
                ).format(program=program_id, name=contributor.name, role=contributor.role),
            )
        for r, record in enumerate(contributor.records):
            if (
                record.expires is not None
                and record_in_force(record, today)
                and record.expires <= today + window
                and not any(o.expires is None or o.expires > record.expires for o in in_force if o is not record)
            ):
                yield diagnostic(
                    "SOB502",
                    ngettext(
                        "copyright record {document} of '{name}' expires {expires} (in {days} day)",
                        "copyright record {document} of '{name}' expires {expires} (in {days} days)",
                        (record.expires - today).days,
                    ).format(
                        document=record.document,
                        name=contributor.name,
                        expires=record.expires,
                        days=(record.expires - today).days,
                    ),
                    path,
                    ("contributors", c, "records", r, "expires"),
                    hint=_("sobctl waiver add {program} --contributor '{name}' … with a new record").format(
                        program=program_id, name=contributor.name
                    ),
                )
    for a, asset in enumerate(program.assets):
        pointer = ("assets", a)
        if asset.licence is not None:
            problem = licence_problem(asset.licence)
            if problem is not None:
                yield diagnostic(
                    "SOB503",
                    _("asset '{asset}': licence '{licence}' is not a valid SPDX expression ({problem})").format(
                        asset=asset.name, licence=asset.licence, problem=problem
                    ),
                    path,
                    (*pointer, "licence"),
                    hint=_(
                        "use an identifier or expression from the SPDX list, e.g. CC-BY-4.0 "
                        "(https://spdx.org/licenses/); for other terms record the agreement instead (agreement: ID)"
                    ),
                )
            continue
        if asset.agreement is None:
            yield diagnostic(
                "SOB503",
                _("asset '{asset}' has neither a licence nor an agreement").format(asset=asset.name),
                path,
                (*pointer, "name"),
            )
            continue
        agreement = ws.agreements.get(asset.agreement)
        if agreement is None:
            if every_status:  # validate reports unknown agreements as SOB106 already
                yield diagnostic(
                    "SOB503",
                    _("asset '{asset}': agreement '{agreement}' is not in agreements/").format(
                        asset=asset.name, agreement=asset.agreement
                    ),
                    path,
                    (*pointer, "agreement"),
                )
        elif strict and not agreement.in_force(today):
            yield diagnostic(
                "SOB503",
                _("asset '{asset}': agreement '{agreement}' is not in force on {date}").format(
                    asset=asset.name, agreement=agreement.id, date=today
                ),
                path,
                (*pointer, "agreement"),
                hint=_("sobctl agreement renew {agreement} --valid-to DATE").format(agreement=agreement.id),
            )


@rule
def copyright_and_assets(ctx: Context) -> Iterator[Diagnostic]:
    ws = ctx.workspace
    for program_id, program in ctx.each("program"):
        if program.status is ProgramStatus.RETIRED:
            continue
        yield from copyright_findings(ws, program, ctx.today, ctx.policy)
        if program.status not in LIVE:
            continue
        path = path_of("program", program_id)
        if program.risk_analysis is None:
            yield diagnostic(
                "SOB504",
                _("published without a risk analysis"),
                path,
                ("status",),
                hint=_("add risk_analysis: {{reference: …, date: …}}").format(),
            )
        publisher = program.responsible_publisher
        if publisher is None or not ws.holds(publisher, Role.UTGIVARE, program.publishing_unit, ctx.today):
            yield diagnostic(
                "SOB505",
                _("the responsible publisher must hold utgivare at the publishing unit"),
                path,
                ("responsible_publisher",) if publisher else ("publishing_unit",),
            )


def last_published_before(program: Program, index: int) -> tuple[int, VersionEntry] | None:
    """The newest published entry before ``history[index]``, with its index."""
    for i in range(index - 1, -1, -1):
        if program.history[i].published is not None:
            return i, program.history[i]
    return None


def _published_entry_findings(program: Program, h: int, entry: VersionEntry) -> Iterator[Diagnostic]:
    path = path_of("program", program.id)
    if not entry.approvals:
        yield diagnostic(
            "SOB604",
            _("version {version} was published without an approval").format(version=entry.version),
            path,
            ("history", h, "published"),
            hint=f"sobctl program approve {program.id}",
        )
        return
    if not any(a.role is Role.UTGIVARE for a in entry.approvals):
        yield diagnostic(
            "SOB604",
            _("version {version} was published without an approval by utgivare").format(version=entry.version),
            path,
            ("history", h, "approvals"),
        )
    if program.kind is ProgramKind.TREATMENT and not any(a.role in APPROVER_ROLES for a in entry.approvals):
        yield diagnostic(
            "SOB605",
            _(
                "treatment program version {version} needs an approval by medicinskt-ansvarig or verksamhetschef"
            ).format(version=entry.version),
            path,
            ("history", h, "approvals"),
        )
    if entry.fingerprint is None:
        return
    for a, approval in enumerate(entry.approvals):
        if approval.fingerprint != entry.fingerprint:
            yield diagnostic(
                "SOB601",
                _(
                    "approval by {person} ({role}, {at}) is of other content than version {version} published "
                    "({approved}… ≠ {published}…)"
                ).format(
                    person=approval.by,
                    role=approval.role,
                    at=approval.at,
                    version=entry.version,
                    approved=approval.fingerprint[:15],
                    published=entry.fingerprint[:15],
                ),
                path,
                ("history", h, "approvals", a, "fingerprint"),
                hint=_("the version must be approved again and republished as a new version"),
            )


@rule
def approvals(ctx: Context) -> Iterator[Diagnostic]:
    for program_id, program in ctx.each("program"):
        path = path_of("program", program_id)
        versions = [entry.version for entry in program.history]
        if any(later <= earlier for earlier, later in pairwise(versions)):
            yield diagnostic("SOB603", _("the version history must go strictly upwards"), path, ("history",))
        for h, entry in enumerate(program.history):
            if entry.published is not None:
                yield from _published_entry_findings(program, h, entry)
        index = next((i for i, e in enumerate(program.history) if e.version == program.version), None)
        if index is None:
            if program.status is not ProgramStatus.DRAFT or program.history:
                yield diagnostic(
                    "SOB603",
                    _("version {version} has no entry in history").format(version=program.version),
                    path,
                    ("version",),
                )
            continue
        entry = program.history[index]
        if program.status is ProgramStatus.RETIRED:
            continue
        current = fingerprint(program)
        if program.status in LIVE and entry.published is None:
            yield diagnostic(
                "SOB604",
                _("the program is {status} but version {version} was never published").format(
                    status=program.status, version=program.version
                ),
                path,
                ("status",),
                hint=f"sobctl program publish {program_id}",
            )
        if entry.published is not None:
            if entry.fingerprint is not None and entry.fingerprint != current:
                yield diagnostic(
                    "SOB602",
                    _("the content changed after version {version} was published; bump the version").format(
                        version=program.version
                    ),
                    path,
                    ("content",),
                    hint=f"sobctl program bump {program_id} --minor|--major --note …",
                )
            elif entry.fingerprint is None:
                # Published before fingerprints were recorded on the entry: its approvals are the binding.
                for a, approval in enumerate(entry.approvals):
                    if approval.fingerprint != current:
                        yield diagnostic(
                            "SOB601",
                            _("approval by {person} is of other content than the program holds now").format(
                                person=approval.by
                            ),
                            path,
                            ("history", index, "approvals", a, "fingerprint"),
                        )
        elif program.status is ProgramStatus.IN_REVIEW or program.status is ProgramStatus.DRAFT:
            for a, approval in enumerate(entry.approvals):
                if approval.fingerprint != current:
                    yield diagnostic(
                        "SOB607",
                        _(
                            "approval by {person} ({role}, {at}) is of other content than version {version} holds "
                            "now; it does not count for publishing"
                        ).format(person=approval.by, role=approval.role, at=approval.at, version=program.version),
                        path,
                        ("history", index, "approvals", a, "fingerprint"),
                        hint=f"sobctl program approve {program_id}",
                    )
        yield from _structure_findings(program, index, entry)


def _structure_findings(program: Program, index: int, entry: VersionEntry) -> Iterator[Diagnostic]:
    """A version with the major of the version published before it must keep that structure."""
    previous = last_published_before(program, index)
    if previous is None:
        return
    before = previous[1]
    if before.structure is None or before.version.major != entry.version.major:
        return
    now = entry.structure if entry.published is not None and entry.structure else structure_fingerprint(program)
    if entry.published is not None and entry.structure is None:
        return
    if now != before.structure:
        yield diagnostic(
            "SOB606",
            _(
                "version {version} changes the structure published in {before} "
                "(modules, sections, steps, kind or area); that needs a MAJOR version"
            ).format(version=entry.version, before=before.version),
            path_of("program", program.id),
            ("version",) if entry.version == program.version else ("history", index, "version"),
            hint=f"sobctl program bump {program.id} --major --note …",
        )
