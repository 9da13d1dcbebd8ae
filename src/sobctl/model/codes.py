"""Every diagnostic code sobctl can emit, with its severity and a one-line description.

Codes are stable: a code, once released, keeps its meaning. ``sobctl rules`` lists this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from sobctl.model.diagnostic import Severity

E, W = Severity.ERROR, Severity.WARNING


@dataclass(frozen=True, slots=True)
class RuleInfo:
    code: str
    name: str
    severity: Severity
    description: str


_RULES = [
    # files and syntax
    RuleInfo("SOB001", "yaml-syntax", E, "The file is not valid YAML."),
    RuleInfo("SOB002", "duplicate-key", E, "A mapping has the same key twice."),
    RuleInfo("SOB003", "not-a-mapping", E, "The document is empty or not a mapping of keys."),
    RuleInfo("SOB004", "bad-encoding", E, "The file is not UTF-8 text (binary data or bad bytes)."),
    RuleInfo("SOB005", "file-too-large", E, "The file is larger than sobctl reads (1 MiB)."),
    RuleInfo("SOB006", "alias-limit", E, "YAML aliases expand beyond the limit (alias bomb)."),
    RuleInfo("SOB007", "bad-file-type", E, "A symlink out of the repository, or not a regular file."),
    RuleInfo("SOB008", "not-yaml", E, "A file in a content folder that is not a .yaml document."),
    RuleInfo("SOB009", "id-mismatch", E, "The file name differs from the id inside the file."),
    RuleInfo("SOB010", "missing-field", E, "A required field is missing."),
    RuleInfo("SOB011", "unknown-field", E, "A field the format does not know (misspelt?)."),
    RuleInfo("SOB012", "invalid-value", E, "A field has a value of the wrong type or form."),
    RuleInfo("SOB013", "no-config", E, "sobctl.yaml is missing: this is not a region repository."),
    # references
    RuleInfo("SOB101", "unknown-parent", E, "A unit's parent is not a unit in units/."),
    RuleInfo("SOB102", "unknown-program", E, "A reference to a program not in catalogue/."),
    RuleInfo("SOB103", "unknown-person", E, "A reference to a person not in roles/."),
    RuleInfo("SOB104", "unknown-unit", E, "A reference to a unit not in units/."),
    RuleInfo("SOB105", "wrong-unit-type", E, "A unit reference of the wrong type (e.g. not a publishing unit)."),
    RuleInfo("SOB106", "unknown-agreement", E, "A reference to an agreement not in agreements/."),
    RuleInfo("SOB107", "wrong-role-scope", E, "A role granted on a scope it does not apply to."),
    RuleInfo("SOB108", "parent-cycle", E, "Units whose parents form a cycle."),
    RuleInfo("SOB109", "wrong-agreement-kind", E, "An agreement of the wrong kind for its use."),
    # roles and policy
    RuleInfo("SOB201", "no-admin", E, "No care-provider administrator (vårdgivaradministratör) holds the role."),
    RuleInfo("SOB202", "few-admins", W, "Fewer care-provider administrators than the policy asks."),
    RuleInfo("SOB203", "contact-person", E, "Not exactly one contact person (kontaktperson)."),
    RuleInfo("SOB204", "few-permission-admins", W, "An active unit with fewer permission administrators than asked."),
    RuleInfo("SOB205", "self-grant", E, "A person granted or revoked a role of their own."),
    RuleInfo("SOB206", "few-publishing-staff", W, "A publishing unit with fewer than two people in a role."),
    RuleInfo("SOB207", "duplicate-email", E, "One e-mail address listed for two people."),
    # unit and activation lifecycle
    RuleInfo("SOB301", "inactive-unit-runs", E, "A program activated on a unit that is not active."),
    RuleInfo("SOB302", "unpublished-activation", E, "An activation of a program that is not published."),
    RuleInfo("SOB303", "no-medical-approval", E, "The approver holds no medically-responsible role at the unit."),
    RuleInfo("SOB304", "needs-reactivation", W, "An activation at an older major version: it needs re-activation."),
    RuleInfo("SOB305", "no-care-agreement", E, "A private provider's activation not covered by its care agreement."),
    RuleInfo("SOB306", "hsa-expired", E, "An active unit whose HSA validity has ended."),
    RuleInfo("SOB307", "status-history", E, "A unit's status does not match its latest status change."),
    RuleInfo("SOB308", "duplicate-activation", E, "The same program activated twice on a unit."),
    RuleInfo("SOB309", "future-major", E, "An activation at a major version the program does not have."),
    # agreements
    RuleInfo("SOB401", "expired-agreement", E, "Something in force depends on an agreement that has expired."),
    RuleInfo("SOB402", "agreement-expiring", W, "An agreement expires within the policy's warning window."),
    RuleInfo("SOB403", "review-overdue", W, "An agreement's yearly review is overdue."),
    RuleInfo("SOB404", "agreement-dates", E, "An agreement ends before it starts."),
    # publishing, copyright, risk
    RuleInfo("SOB501", "missing-copyright", E, "A published program's contributor lacks a copyright record in force."),
    RuleInfo("SOB502", "copyright-expiring", W, "A copyright record expires within the policy's warning window."),
    RuleInfo("SOB503", "asset-unlicensed", E, "A third-party asset without a valid licence or agreement in force."),
    RuleInfo("SOB504", "no-risk-analysis", E, "A published program without a risk analysis."),
    RuleInfo("SOB505", "no-publisher", E, "A published program without a responsible publisher holding the role."),
    # versions and approvals
    RuleInfo("SOB601", "stale-approval", E, "A published program whose approvals do not match its current content."),
    RuleInfo("SOB602", "changed-without-bump", E, "A published program's content changed without a version bump."),
    RuleInfo("SOB603", "version-history", E, "The version is missing from the history or the history goes backwards."),
    RuleInfo("SOB604", "unapproved-version", E, "A published program whose current version has no approval."),
    RuleInfo("SOB605", "treatment-unapproved", E, "Treatment program published without medical approval."),
    RuleInfo("SOB606", "minor-changes-structure", E, "A MINOR version changes the structure: it must be a MAJOR."),
    RuleInfo("SOB607", "approval-outdated", W, "An approval of a version under review is of other content than now."),
]

RULES: dict[str, RuleInfo] = {rule.code: rule for rule in _RULES}


def severity_of(code: str) -> Severity:
    return RULES[code].severity
