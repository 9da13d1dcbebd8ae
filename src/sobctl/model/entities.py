"""The repository's documents as pydantic v2 models: unknown keys are rejected everywhere."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints, model_validator

from sobctl.model.ids import AgreementId, HsaId, OrgNumber, ProgramId, Version

Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=300)]
Email = Annotated[
    str,
    StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254),
]


class Strict(BaseModel):
    """Base of every document part: unknown keys are errors, values are never coerced from str."""

    model_config = ConfigDict(extra="forbid", frozen=False, validate_default=False)


# --- enumerations -----------------------------------------------------------------------------


class Role(StrEnum):
    """Roles of DOMAIN.md, by the Swedish names users know (ASCII slugs)."""

    VARDGIVARADMINISTRATOR = "vardgivaradministrator"
    BEHORIGHETSADMINISTRATOR = "behorighetsadministrator"
    MEDICINSKT_ANSVARIG = "medicinskt-ansvarig"
    VERKSAMHETSCHEF = "verksamhetschef"
    DESIGNER = "designer"
    UTGIVARE = "utgivare"
    KONTAKTPERSON = "kontaktperson"
    BEHANDLARE = "behandlare"
    INVANARADMINISTRATOR = "invanaradministrator"
    DATAADMINISTRATOR = "dataadministrator"


#: Roles scoped to the care provider itself rather than to a unit.
PROVIDER_ROLES = frozenset({Role.VARDGIVARADMINISTRATOR, Role.KONTAKTPERSON})
#: Roles scoped to a publishing unit.
PUBLISHING_ROLES = frozenset({Role.DESIGNER, Role.UTGIVARE})
#: A unit's staff roles, granted by the unit's permission administrators.
UNIT_STAFF_ROLES = frozenset(
    {
        Role.MEDICINSKT_ANSVARIG,
        Role.VERKSAMHETSCHEF,
        Role.BEHANDLARE,
        Role.INVANARADMINISTRATOR,
        Role.DATAADMINISTRATOR,
        Role.DESIGNER,
        Role.UTGIVARE,
    }
)
#: Roles whose holder may approve that a program is offered at a unit.
APPROVER_ROLES = frozenset({Role.MEDICINSKT_ANSVARIG, Role.VERKSAMHETSCHEF})


class ProgramKind(StrEnum):
    TREATMENT = "treatment"
    SUPPORT = "support"
    EDUCATION = "education"
    SELF_ASSESSMENT = "self-assessment"


class Area(StrEnum):
    """The six national care and intervention programs (vård- och insatsprogram)."""

    ADHD = "adhd"
    EARLY_INTERVENTIONS = "early-interventions"
    ANXIETY_DEPRESSION = "anxiety-depression"
    SCHIZOPHRENIA = "schizophrenia"
    SELF_HARM = "self-harm"
    ADDICTION = "addiction"


class ProgramStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in-review"
    PUBLISHED = "published"
    DEPRECATED = "deprecated"
    RETIRED = "retired"


class ProducerKind(StrEnum):
    OWN = "own"
    NATIONAL = "national"
    EXTERNAL = "external"
    REGION = "region"


class StepKind(StrEnum):
    TEXT = "text"
    VIDEO = "video"
    AUDIO = "audio"
    EXERCISE = "exercise"
    QUESTIONNAIRE = "questionnaire"
    DIARY = "diary"
    MESSAGE = "message"


class CopyrightKind(StrEnum):
    WAIVER = "waiver"
    ASSIGNMENT = "assignment"
    LICENCE = "licence"


class UnitType(StrEnum):
    CARE_PROVIDER = "care-provider"
    CARE_UNIT = "care-unit"
    LINKED_UNIT = "linked-unit"
    PUBLISHING_UNIT = "publishing-unit"


class UnitStatus(StrEnum):
    INACTIVE = "inactive"
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    ARCHIVED = "archived"


class Ownership(StrEnum):
    REGION = "region"
    PRIVATE = "private"


class AgreementKind(StrEnum):
    CONTENT_PROVIDER = "content-provider"
    CARE = "care"
    CUSTOMER = "customer"
    INTER_REGIONAL = "inter-regional"


# --- sobctl.yaml -------------------------------------------------------------------------------


class CareProvider(Strict):
    name: ShortText
    hsa_id: HsaId
    org_number: OrgNumber


class Policy(Strict):
    min_care_provider_admins: StrictInt = Field(default=2, ge=1, le=20)
    min_permission_admins_per_unit: StrictInt = Field(default=2, ge=0, le=20)
    agreement_warning_days: StrictInt = Field(default=90, ge=0, le=3650)
    copyright_warning_days: StrictInt = Field(default=60, ge=0, le=3650)
    review_interval_days: StrictInt = Field(default=365, ge=1, le=3650)
    require_signed_commits: StrictBool = False


class Config(Strict):
    """``sobctl.yaml``: the care provider this repository administers and its policy."""

    care_provider: CareProvider
    policy: Policy = Field(default_factory=Policy)


# --- catalogue/<program-id>.yaml ---------------------------------------------------------------


class Step(Strict):
    title: ShortText
    kind: StepKind
    text: Text | None = None


class Section(Strict):
    title: ShortText
    steps: list[Step] = Field(min_length=1)


class Module(Strict):
    id: ProgramId
    title: ShortText
    sections: list[Section] = Field(min_length=1)


class Content(Strict):
    modules: list[Module] = Field(default_factory=list)


class Approval(Strict):
    by: HsaId
    role: Role
    at: dt.date
    fingerprint: Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")]


class VersionEntry(Strict):
    """One version of a program: its note, its approvals and, once published, what was published."""

    version: Version
    date: dt.date
    note: Text
    approvals: list[Approval] = Field(default_factory=list)
    published: dt.date | None = None
    fingerprint: Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")] | None = None
    #: Fingerprint of the structure (modules, sections, steps, kind, area) that was published,
    #: so the next version can be checked for a MAJOR change without the old content.
    structure: Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")] | None = None


class CopyrightRecord(Strict):
    kind: CopyrightKind
    document: ShortText
    date: dt.date
    expires: dt.date | None = None


class Contributor(Strict):
    name: ShortText
    role: ShortText
    records: list[CopyrightRecord] = Field(default_factory=list)


class Asset(Strict):
    name: ShortText
    licence: ShortText | None = None
    agreement: AgreementId | None = None


class Producer(Strict):
    kind: ProducerKind
    agreement: AgreementId | None = None

    @model_validator(mode="after")
    def _agreement_when_bought(self) -> Producer:
        if self.kind in (ProducerKind.EXTERNAL, ProducerKind.REGION) and self.agreement is None:
            from sobctl.i18n import _

            raise ValueError(_("a producer of kind '{kind}' needs an 'agreement'").format(kind=self.kind))
        return self


class RiskAnalysis(Strict):
    reference: ShortText
    date: dt.date


class Program(Strict):
    """A program (moment) in the catalogue."""

    id: ProgramId
    title: ShortText
    kind: ProgramKind
    area: Area
    target_group: ShortText
    open: StrictBool = False
    owning_unit: HsaId
    publishing_unit: HsaId
    responsible_publisher: HsaId | None = None
    medically_responsible: HsaId | None = None
    producer: Producer
    status: ProgramStatus
    version: Version
    history: list[VersionEntry] = Field(default_factory=list)
    content: Content = Field(default_factory=Content)
    contributors: list[Contributor] = Field(default_factory=list)
    assets: list[Asset] = Field(default_factory=list)
    risk_analysis: RiskAnalysis | None = None

    def entry(self, version: Version) -> VersionEntry | None:
        return next((e for e in self.history if e.version == version), None)

    def published_entry(self) -> VersionEntry | None:
        """The latest version that was published (what units run), if any."""
        published = [e for e in self.history if e.published is not None]
        return max(published, key=lambda e: e.version) if published else None

    def runnable(self) -> bool:
        """Units may run it: a version was published and the program is not retired."""
        if self.status is ProgramStatus.RETIRED:
            return False
        if self.status in (ProgramStatus.PUBLISHED, ProgramStatus.DEPRECATED):
            return True
        return self.published_entry() is not None


# --- units/<HSA-id>.yaml -----------------------------------------------------------------------


class OwnershipInfo(Strict):
    kind: Ownership
    care_agreement: AgreementId | None = None

    @model_validator(mode="after")
    def _private_needs_agreement(self) -> OwnershipInfo:
        if self.kind is Ownership.PRIVATE and self.care_agreement is None:
            from sobctl.i18n import _

            raise ValueError(_("a private provider needs its 'care_agreement'"))
        return self


class StatusChange(Strict):
    status: UnitStatus
    date: dt.date
    by: HsaId
    decision: ShortText | None = None
    reason: Text | None = None


class Activation(Strict):
    program: ProgramId
    major: StrictInt = Field(ge=0)
    activated: dt.date
    by: HsaId
    approved_by: HsaId
    decision: ShortText | None = None


class Unit(Strict):
    """An organisation node: care provider, care unit, linked unit or publishing unit."""

    hsa_id: HsaId
    name: ShortText
    type: UnitType
    parent: HsaId | None = None
    ownership: OwnershipInfo | None = None
    hsa_valid_to: dt.date | None = None
    status: UnitStatus = UnitStatus.INACTIVE
    status_history: list[StatusChange] = Field(default_factory=list)
    programs: list[Activation] = Field(default_factory=list)


# --- roles/<person-HSA-id>.yaml ----------------------------------------------------------------


class SigningKey(Strict):
    type: Annotated[str, StringConstraints(pattern=r"^(ssh|gpg)$")]
    key: ShortText


class Grant(Strict):
    role: Role
    scope: HsaId
    granted_by: HsaId
    granted_at: dt.date
    valid_to: dt.date | None = None
    decision: ShortText | None = None
    revoked_at: dt.date | None = None
    revoked_by: HsaId | None = None
    revoke_decision: ShortText | None = None

    def state(self, on: dt.date) -> str:
        """active, revoked, expired or future, on the given day."""
        if self.revoked_at is not None and self.revoked_at <= on:
            return "revoked"
        if self.valid_to is not None and self.valid_to < on:
            return "expired"
        return "future" if self.granted_at > on else "active"

    def in_force(self, on: dt.date) -> bool:
        if self.granted_at > on:
            return False
        if self.valid_to is not None and on > self.valid_to:
            return False
        return not (self.revoked_at is not None and on >= self.revoked_at)


class Person(Strict):
    hsa_id: HsaId
    name: ShortText
    emails: list[Email] = Field(min_length=1)
    signing_keys: list[SigningKey] = Field(default_factory=list)
    grants: list[Grant] = Field(default_factory=list)


# --- agreements/<id>.yaml ----------------------------------------------------------------------


class Counterparty(Strict):
    name: ShortText
    org_number: OrgNumber


class Coverage(Strict):
    programs: list[ProgramId] = Field(default_factory=list)
    areas: list[Area] = Field(default_factory=list)


class Agreement(Strict):
    id: AgreementId
    kind: AgreementKind
    title: ShortText
    counterparty: Counterparty
    valid_from: dt.date
    valid_to: dt.date | None = None
    ended: dt.date | None = None
    covers: Coverage = Field(default_factory=Coverage)
    contact: HsaId | None = None
    last_review: dt.date | None = None

    def end_date(self) -> dt.date | None:
        """The day after which the agreement no longer holds (the earlier of end and expiry)."""
        ends = [d for d in (self.valid_to, self.ended) if d is not None]
        return min(ends) if ends else None

    def in_force(self, on: dt.date) -> bool:
        end = self.end_date()
        return self.valid_from <= on and (end is None or on <= end)

    def covers_program(self, program_id: str, area: Area) -> bool:
        return program_id in self.covers.programs or area in self.covers.areas
