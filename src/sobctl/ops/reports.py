"""What the reports say, computed from a loaded workspace: pure functions returning dataclasses.

``usage_report`` (which program runs where), ``revision_report`` (the yearly report on external
content providers), ``catalogue_listing`` (the published catalogue for the intranet page) and
``status_report`` (what needs attention, grouped from the validate diagnostics). No I/O, no text
for people: rendering and translation happen in ``render/reports.py``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sobctl.model.diagnostic import Diagnostic, Severity
from sobctl.model.entities import (
    Agreement,
    AgreementKind,
    Ownership,
    Program,
    ProgramStatus,
    Role,
    UnitStatus,
    UnitType,
)
from sobctl.repo.workspace import Workspace

# --- usage -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UsageRow:
    """One program activated on one unit."""

    unit_id: str
    unit_name: str
    unit_status: str
    private: bool
    provider_id: str
    program_id: str
    program_title: str
    area: str
    since: dt.date
    major: int
    published_major: int | None
    needs_reactivation: bool
    decision: str | None


@dataclass(frozen=True, slots=True)
class UnitTotal:
    unit_id: str
    unit_name: str
    private: bool
    activations: int
    needs_reactivation: int


@dataclass(frozen=True, slots=True)
class UsageReport:
    as_of: dt.date
    rows: list[UsageRow]
    per_area: dict[str, int]
    per_unit: list[UnitTotal]
    programs: list[str]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def needs_reactivation(self) -> int:
        return sum(1 for row in self.rows if row.needs_reactivation)


def published_major(program: Program) -> int | None:
    """The major version units should run: the latest published one (None: never published)."""
    entry = program.published_entry()
    if entry is not None:
        return entry.version.major
    return program.version.major if program.status in (ProgramStatus.PUBLISHED, ProgramStatus.DEPRECATED) else None


def is_private(ws: Workspace, unit_id: str) -> tuple[bool, str]:
    """Whether the unit belongs to a private provider, and which unit declares the ownership."""
    owner, info = ws.ownership_of(unit_id)
    private = info is not None and info.kind is Ownership.PRIVATE
    return private, owner if private else (ws.provider_id or owner)


def usage_report(ws: Workspace, as_of: dt.date) -> UsageReport:
    rows: list[UsageRow] = []
    for unit_id in sorted(ws.units):
        unit = ws.units[unit_id]
        private, provider = is_private(ws, unit_id)
        for activation in sorted(unit.programs, key=lambda a: a.program):
            program = ws.programs.get(activation.program)
            major = published_major(program) if program else None
            rows.append(
                UsageRow(
                    unit_id=unit_id,
                    unit_name=unit.name,
                    unit_status=str(unit.status),
                    private=private,
                    provider_id=provider,
                    program_id=activation.program,
                    program_title=program.title if program else activation.program,
                    area=str(program.area) if program else "",
                    since=activation.activated,
                    major=activation.major,
                    published_major=major,
                    needs_reactivation=major is not None and activation.major < major,
                    decision=activation.decision,
                )
            )
    per_area = dict(sorted(Counter(row.area for row in rows).items()))
    per_unit: list[UnitTotal] = []
    for unit_id in sorted(ws.units):
        unit = ws.units[unit_id]
        mine = [row for row in rows if row.unit_id == unit_id]
        runs_care = unit.type in (UnitType.CARE_UNIT, UnitType.LINKED_UNIT) and unit.status is UnitStatus.ACTIVE
        if mine or runs_care:
            per_unit.append(
                UnitTotal(
                    unit_id,
                    unit.name,
                    is_private(ws, unit_id)[0],
                    len(mine),
                    sum(1 for row in mine if row.needs_reactivation),
                )
            )
    programs = sorted({row.program_id for row in rows})
    return UsageReport(as_of, rows, per_area, per_unit, programs)


# --- yearly revision ---------------------------------------------------------------------------

REVISION_KINDS = (AgreementKind.CONTENT_PROVIDER, AgreementKind.INTER_REGIONAL)


@dataclass(frozen=True, slots=True)
class CoveredProgram:
    program_id: str
    title: str
    status: str


@dataclass(frozen=True, slots=True)
class AgreementLine:
    agreement_id: str
    kind: str
    title: str
    valid_from: dt.date
    ends: dt.date | None
    areas: list[str]
    programs: list[CoveredProgram]
    last_review: dt.date | None
    contact: str | None


@dataclass(frozen=True, slots=True)
class ProviderLine:
    name: str
    org_number: str
    agreements: list[AgreementLine]


@dataclass(frozen=True, slots=True)
class ReviewLine:
    agreement_id: str
    counterparty: str
    last_review: dt.date | None
    due: dt.date


@dataclass(frozen=True, slots=True)
class Signer:
    hsa_id: str
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class RevisionReport:
    year: int
    as_of: dt.date
    care_provider: str
    care_provider_org: str
    providers: list[ProviderLine]
    expiring: list[AgreementLine]
    reviews_done: list[ReviewLine]
    reviews_overdue: list[ReviewLine]
    signers: list[Signer]
    window_days: int

    @property
    def agreements(self) -> int:
        return sum(len(p.agreements) for p in self.providers)


def _in_force_during(agreement: Agreement, start: dt.date, end: dt.date) -> bool:
    ends = agreement.end_date()
    return agreement.valid_from <= end and (ends is None or ends >= start)


def _line(ws: Workspace, agreement: Agreement) -> AgreementLine:
    covered: dict[str, Program] = {}
    for program_id in agreement.covers.programs:
        if program_id in ws.programs:
            covered[program_id] = ws.programs[program_id]
    for program in ws.programs.values():
        if program.producer.agreement == agreement.id or any(a.agreement == agreement.id for a in program.assets):
            covered[program.id] = program
    programs = [
        CoveredProgram(p.id, p.title, str(p.status)) for p in sorted(covered.values(), key=lambda p: p.id)
    ]
    missing = [CoveredProgram(pid, pid, "") for pid in agreement.covers.programs if pid not in ws.programs]
    return AgreementLine(
        agreement_id=agreement.id,
        kind=str(agreement.kind),
        title=agreement.title,
        valid_from=agreement.valid_from,
        ends=agreement.end_date(),
        areas=[str(a) for a in agreement.covers.areas],
        programs=programs + missing,
        last_review=agreement.last_review,
        contact=agreement.contact,
    )


def revision_report(ws: Workspace, year: int, as_of: dt.date) -> RevisionReport:
    """The year's report: reviews are judged on the year's last day, or on ``as_of`` if earlier."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    on = min(end, as_of)
    policy = ws.config.policy if ws.config else None
    window = policy.agreement_warning_days if policy else 90
    interval = dt.timedelta(days=policy.review_interval_days if policy else 365)
    chosen = sorted(
        (a for a in ws.agreements.values() if a.kind in REVISION_KINDS and _in_force_during(a, start, end)),
        key=lambda a: (a.counterparty.name.casefold(), a.id),
    )
    by_party: dict[str, list[AgreementLine]] = {}
    names: dict[str, str] = {}
    expiring: list[AgreementLine] = []
    done: list[ReviewLine] = []
    overdue: list[ReviewLine] = []
    for agreement in chosen:
        line = _line(ws, agreement)
        by_party.setdefault(agreement.counterparty.org_number, []).append(line)
        names.setdefault(agreement.counterparty.org_number, agreement.counterparty.name)
        ends = agreement.end_date()
        if ends is not None and start <= ends <= end + dt.timedelta(days=window):
            expiring.append(line)
        reviewed = agreement.last_review or agreement.valid_from
        due = reviewed + interval
        if agreement.last_review is not None and start <= agreement.last_review <= end:
            done.append(ReviewLine(agreement.id, agreement.counterparty.name, agreement.last_review, due))
        elif agreement.in_force(on) and on > due:
            overdue.append(ReviewLine(agreement.id, agreement.counterparty.name, agreement.last_review, due))
    providers = [ProviderLine(names[org], _org(org), lines) for org, lines in by_party.items()]
    provider_id = ws.provider_id or ""
    signers = [
        Signer(p.hsa_id, p.name, p.emails[0])
        for p in sorted(ws.holders(Role.KONTAKTPERSON, provider_id, on), key=lambda p: p.hsa_id)
    ]
    expiring.sort(key=lambda line: (line.ends or end, line.agreement_id))
    return RevisionReport(
        year=year,
        as_of=on,
        care_provider=ws.config.care_provider.name if ws.config else "",
        care_provider_org=_org(ws.config.care_provider.org_number) if ws.config else "",
        providers=providers,
        expiring=expiring,
        reviews_done=done,
        reviews_overdue=overdue,
        signers=signers,
        window_days=window,
    )


# --- the catalogue page ------------------------------------------------------------------------

CATALOGUE_STATUSES = (ProgramStatus.PUBLISHED, ProgramStatus.DEPRECATED)


@dataclass(frozen=True, slots=True)
class CatalogueModule:
    title: str
    sections: list[tuple[str, int]]


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    program_id: str
    title: str
    area: str
    kind: str
    status: str
    target_group: str
    open: bool
    version: str
    published: dt.date | None
    publisher_name: str | None
    publishing_unit: str
    producer: str
    units: list[str]
    modules: list[CatalogueModule]


@dataclass(frozen=True, slots=True)
class Catalogue:
    care_provider: str
    as_of: dt.date
    entries: list[CatalogueEntry]
    areas: list[str] = field(default_factory=list)


def catalogue_listing(ws: Workspace, as_of: dt.date) -> Catalogue:
    """Every published (or deprecated, still running) program, with the active units running it."""
    running: dict[str, list[str]] = {}
    for unit in ws.units.values():
        if unit.status is not UnitStatus.ACTIVE:
            continue
        for activation in unit.programs:
            running.setdefault(activation.program, []).append(unit.name)
    entries: list[CatalogueEntry] = []
    for program in sorted(ws.programs.values(), key=lambda p: (p.title.casefold(), p.id)):
        if program.status not in CATALOGUE_STATUSES:
            continue
        entry = program.published_entry()
        publisher = ws.people.get(program.responsible_publisher or "")
        publishing = ws.units.get(program.publishing_unit)
        entries.append(
            CatalogueEntry(
                program_id=program.id,
                title=program.title,
                area=str(program.area),
                kind=str(program.kind),
                status=str(program.status),
                target_group=program.target_group,
                open=program.open,
                version=str(entry.version if entry else program.version),
                published=entry.published if entry else None,
                publisher_name=publisher.name if publisher else program.responsible_publisher,
                publishing_unit=publishing.name if publishing else program.publishing_unit,
                producer=str(program.producer.kind),
                units=sorted(running.get(program.id, []), key=str.casefold),
                modules=[
                    CatalogueModule(m.title, [(s.title, len(s.steps)) for s in m.sections])
                    for m in program.content.modules
                ],
            )
        )
    areas = sorted({e.area for e in entries})
    provider = ws.config.care_provider.name if ws.config else ""
    return Catalogue(provider, as_of, entries, areas)


# --- status ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Topic:
    """A kind of thing that needs attention: the validate codes behind it and how to fix it."""

    key: str
    codes: tuple[str, ...]
    fix: str


#: What ``sobctl status`` shows, in order. ``fix`` is the command when a finding carries no hint.
TOPICS: tuple[Topic, ...] = (
    Topic("agreements-expiring", ("SOB402",), "sobctl agreement renew AGREEMENT --valid-to DATE"),
    Topic("agreements-expired", ("SOB401",), "sobctl agreement renew AGREEMENT --valid-to DATE"),
    Topic("reviews-overdue", ("SOB403",), "sobctl agreement review AGREEMENT"),
    Topic("hsa-ended", ("SOB306",), "sobctl unit deactivate UNIT --withdraw-programs"),
    Topic("needs-reactivation", ("SOB304",), "sobctl assign PROGRAM UNIT --approved-by PERSON"),
    Topic("missing-copyright", ("SOB501",), "sobctl waiver add PROGRAM --contributor NAME …"),
    Topic("few-admins", ("SOB201", "SOB202"), "sobctl role grant vardgivaradministrator PERSON --scope PROVIDER"),
)


@dataclass(frozen=True, slots=True)
class StatusItem:
    topic: str
    count: int
    findings: list[Diagnostic]
    fixes: list[str]
    default_fix: str

    def fix_for(self, finding: Diagnostic) -> str:
        """The command that fixes one finding: its own hint, else the topic's general command."""
        return finding.hint or self.default_fix


@dataclass(frozen=True, slots=True)
class StatusReport:
    as_of: dt.date
    items: list[StatusItem]
    other_errors: int
    other_warnings: int
    files: int

    @property
    def attention(self) -> int:
        return sum(item.count for item in self.items)


def status_report(diagnostics: list[Diagnostic], as_of: dt.date, files: int) -> StatusReport:
    """Group validate's findings by topic; everything else is counted as other findings."""
    items: list[StatusItem] = []
    used: set[int] = set()
    for topic in TOPICS:
        found = [d for d in diagnostics if d.code in topic.codes]
        used.update(id(d) for d in found)
        fixes = list(dict.fromkeys(d.hint for d in found if d.hint)) or [topic.fix]
        items.append(StatusItem(topic.key, len(found), found, fixes, topic.fix))
    rest = [d for d in diagnostics if id(d) not in used]
    errors = sum(1 for d in rest if d.severity is Severity.ERROR)
    return StatusReport(as_of, items, errors, len(rest) - errors, files)


def _org(number: str) -> str:
    """An organisation number as people write it: 232100-0016."""
    return f"{number[:6]}-{number[6:]}" if len(number) == 10 and number.isdigit() else number
