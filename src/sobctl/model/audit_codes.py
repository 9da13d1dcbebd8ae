"""Codes of ``sobctl audit verify`` findings (AUDxxx), kept apart from validate's SOBxxx codes.

Codes are stable: a code, once released, keeps its meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

from sobctl.i18n import N_, _


@dataclass(frozen=True, slots=True)
class AuditCode:
    code: str
    name: str
    text: str
    """The description in English, as marked for translation."""

    @property
    def description(self) -> str:
        """The one-line description in the current language."""
        return _(self.text)


_CODES = [
    AuditCode("AUD001", "missing-trailers",
              N_("A commit changes content without sobctl trailers and is not a plain edit the policy allows.")),
    AuditCode("AUD002", "malformed-trailers",
              N_("Trailers are malformed: unknown Sob-Action, a required trailer missing or repeated, "
              "Sob-Actor not an HSA-id, Sob-Date not a date.")),
    AuditCode("AUD003", "replay-refused", N_("Replaying the declared act on the parent commit was refused or had no "
              "effect.")),
    AuditCode("AUD004", "extra-file", N_("The commit changes a file that its act does not change.")),
    AuditCode("AUD005", "missing-file", N_("The act changes a file that the commit does not change.")),
    AuditCode("AUD006", "differing-content", N_("A file's bytes differ from what replaying the act writes.")),
    AuditCode("AUD007", "role-missing", N_("The actor did not hold the role the act needs at the parent commit.")),
    AuditCode("AUD008", "unknown-actor", N_("The Sob-Actor (or the author of a plain edit) is not a person in roles/ "
              "at the parent commit.")),
    AuditCode("AUD009", "author-not-actor", N_("The commit's author e-mail is not one of the actor's e-mails.")),
    AuditCode("AUD010", "unsigned", N_("sobctl.yaml demands signed commits and the commit has no good signature.")),
    AuditCode("AUD011", "foreign-key", N_("The commit is signed with a key not listed in the actor's signing_keys.")),
    AuditCode("AUD012", "squash-merge", N_("A squash merge folded several acts into one commit and lost their "
              "trailers.")),
    AuditCode("AUD013", "merge-changes", N_("A merge commit carries changes of its own (files that match neither "
              "parent).")),
    AuditCode("AUD014", "future-date", N_("Sob-Date is later than the day the commit was authored.")),
    AuditCode("AUD015", "backdated", N_("Sob-Date is earlier than the Sob-Date of the act before it (roles are "
              "judged on that day, so backdating could dodge a revocation).")),
]

AUDIT_CODES: dict[str, AuditCode] = {c.code: c for c in _CODES}
