"""What a change means for the administration: two workspaces in, a :class:`ChangeReport` out.

Pure: no git, no files. ``sobctl diff`` loads the workspaces at two revisions and renders the
report; the same two workspaces always give the same report (everything is sorted).
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sobctl.i18n import N_, _, ngettext
from sobctl.model.entities import (
    Activation,
    Agreement,
    Contributor,
    Grant,
    Module,
    Person,
    Program,
    ProgramStatus,
    Unit,
    UnitStatus,
)
from sobctl.repo.workspace import Workspace, path_of

#: Sections in the order they are shown, with their headings.
SECTIONS: dict[str, str] = {
    "files": N_("Files sobctl cannot read"),
    "programs": N_("Programs"),
    "versions": N_("Versions"),
    "content": N_("Content"),
    "copyright": N_("Contributors and copyright"),
    "activations": N_("Activations"),
    "units": N_("Units"),
    "roles": N_("Roles"),
    "agreements": N_("Agreements"),
    "config": N_("Configuration"),
}


@dataclass(frozen=True)
class Entry:
    """One change: in which section, about which object, what kind of change, and in words."""

    section: str
    subject: str
    change: str
    detail: str
    facts: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"section": self.section, "subject": self.subject, "change": self.change, "detail": self.detail,
                "facts": dict(self.facts)}


@dataclass
class ChangeReport:
    base: str
    head: str
    entries: list[Entry] = field(default_factory=list)
    #: A readable name for each subject (program title, unit or person name, agreement title).
    labels: dict[str, str] = field(default_factory=dict)

    def section(self, name: str) -> list[Entry]:
        return [e for e in self.entries if e.section == name]

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(e.section for e in self.entries)
        return {name: counted[name] for name in SECTIONS if counted[name]}

    def as_dict(self) -> dict[str, Any]:
        return {"base": self.base, "head": self.head, "counts": self.counts,
                "changes": [{**e.as_dict(), "label": self.labels.get(e.subject, "")} for e in self.entries]}


class _Collector:
    def __init__(self) -> None:
        self.entries: list[Entry] = []

    def add(self, section: str, subject: str, change: str, detail: str, **facts: object) -> None:
        pairs = tuple(sorted((k, "" if v is None else str(v)) for k, v in facts.items()))
        self.entries.append(Entry(section, subject, change, detail, pairs))


def compare(before: Workspace, after: Workspace, *, base: str = "", head: str = "") -> ChangeReport:
    """The change from ``before`` to ``after`` in administration terms."""
    out = _Collector()
    _programs(out, before.programs, after.programs)
    _units(out, before, after)
    _people(out, before.people, after.people)
    _agreements(out, before.agreements, after.agreements)
    if before.config != after.config and before.config is not None and after.config is not None:
        for key, (old, new) in _field_changes(before.config.policy.model_dump(), after.config.policy.model_dump()):
            out.add("config", "policy", "policy-changed", _("policy {field}: {old} → {new}").format(
                field=key, old=old, new=new), field=key, old=old, new=new)
        if before.config.care_provider != after.config.care_provider:
            out.add("config", "care_provider", "provider-changed", _("care provider details changed"))
    _unreadable(out, before, after)
    order = {name: position for position, name in enumerate(SECTIONS)}
    # A stable sort keeps the generated order within one object (modules, steps in reading order).
    entries = sorted(enumerate(out.entries), key=lambda pair: (order[pair[1].section], pair[1].subject, pair[0]))
    kept = [entry for _, entry in entries]
    return ChangeReport(base, head, kept, _labels({e.subject for e in kept}, before, after))


def _labels(subjects: set[str], before: Workspace, after: Workspace) -> dict[str, str]:
    labels: dict[str, str] = {}
    for workspace in (before, after):  # the head's names win
        for ident, program in workspace.programs.items():
            labels[ident] = program.title
        for ident, unit in workspace.units.items():
            labels[ident] = unit.name
        for ident, person in workspace.people.items():
            labels[ident] = person.name
        for ident, agreement in workspace.agreements.items():
            labels[ident] = agreement.title
    return {subject: labels[subject] for subject in sorted(subjects) if subject in labels}


_KIND_OF_SECTION = {"programs": "program", "versions": "program", "content": "program", "copyright": "program",
                    "activations": "unit", "units": "unit", "roles": "person", "agreements": "agreement"}


def _unreadable(out: _Collector, before: Workspace, after: Workspace) -> None:
    """A file that cannot be read on either side is reported as such; what its absence from the
    model would suggest (a removed unit, withdrawn activations) is not claimed."""
    bad: dict[str, str] = {}
    for side, workspace in (("base", before), ("head", after)):
        for item in workspace.load_diagnostics:
            bad.setdefault(item.path, (_("at base: {problem}") if side == "base" else _("at head: {problem}")).format(
                problem=item.message))
    if not bad:
        return
    kept = []
    for entry in out.entries:
        kind = _KIND_OF_SECTION.get(entry.section)
        if kind is None or path_of(kind, entry.subject) not in bad:
            kept.append(entry)
    out.entries = kept
    for path in sorted(bad):
        out.add("files", path, "unreadable", _("{problem} (run sobctl validate)").format(problem=bad[path]))


def _field_changes(old: dict[str, Any], new: dict[str, Any]) -> Iterable[tuple[str, tuple[Any, Any]]]:
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            yield key, (old.get(key), new.get(key))


# --- programs ---------------------------------------------------------------------------------


def _programs(out: _Collector, old: dict[str, Program], new: dict[str, Program]) -> None:
    for pid in sorted(set(old) | set(new)):
        before, after = old.get(pid), new.get(pid)
        if before is None and after is not None:
            out.add("programs", pid, "added", _("new program '{title}' ({status}, version {version})").format(
                        title=after.title, status=after.status, version=after.version),
                    status=after.status, version=after.version, title=after.title)
            _contributors(out, pid, [], after.contributors)
            continue
        if after is None and before is not None:
            out.add("programs", pid, "removed", _("program '{title}' removed from the catalogue "
                    "(was {status}; programs are retired, not removed)").format(
                        title=before.title, status=before.status), status=before.status)
            continue
        assert before is not None and after is not None
        if before.status != after.status:
            change = "retired" if after.status is ProgramStatus.RETIRED else "status"
            out.add("programs", pid, change, f"{before.status} → {after.status}", old=before.status, new=after.status)
        if before.title != after.title:
            out.add("programs", pid, "retitled", _("title '{old}' → '{new}'").format(old=before.title, new=after.title))
        for name in ("owning_unit", "publishing_unit", "responsible_publisher", "medically_responsible", "area",
                     "kind", "target_group", "open"):
            if getattr(before, name) != getattr(after, name):
                out.add("programs", pid, "field-changed", _("{field}: {old} → {new}").format(
                            field=name, old=getattr(before, name), new=getattr(after, name)),
                        field=name, old=getattr(before, name), new=getattr(after, name))
        if before.producer != after.producer:
            out.add("programs", pid, "producer-changed", _("producer {old} → {new}").format(
                old=f"{before.producer.kind}/{before.producer.agreement or '-'}",
                new=f"{after.producer.kind}/{after.producer.agreement or '-'}"))
        if before.risk_analysis != after.risk_analysis:
            ref = after.risk_analysis.reference if after.risk_analysis else _("none")
            out.add("programs", pid, "risk-analysis", _("risk analysis now {reference}").format(reference=ref))
        _versions(out, pid, before, after)
        _content(out, pid, before.content.modules, after.content.modules)
        _contributors(out, pid, before.contributors, after.contributors)
        old_assets = {a.name: a for a in before.assets}
        new_assets = {a.name: a for a in after.assets}
        for name in sorted(set(old_assets) | set(new_assets)):
            a, b = old_assets.get(name), new_assets.get(name)
            if a is None and b is not None:
                out.add("copyright", pid, "asset-added", _("asset '{name}' ({terms})").format(
                    name=name, terms=b.licence or b.agreement or _("no licence")))
            elif b is None:
                out.add("copyright", pid, "asset-removed", _("asset '{name}' removed").format(name=name))
            elif a != b:
                out.add("copyright", pid, "asset-changed", _("asset '{name}' now {terms}").format(
                    name=name, terms=b.licence or b.agreement or "-"))


def _versions(out: _Collector, pid: str, before: Program, after: Program) -> None:
    if before.version != after.version:
        level = "major" if after.version.major != before.version.major else "minor"
        entry = after.entry(after.version)
        note = entry.note if entry else ""
        shown = (_("{old} → {new} (major): {note}") if level == "major" else _("{old} → {new} (minor): {note}"))
        out.add("versions", pid, "bumped", shown.format(old=before.version, new=after.version, note=note).rstrip(": "),
                old=before.version, new=after.version, level=level, note=note)
    old_entries = {str(e.version): e for e in before.history}
    for entry in after.history:
        key = str(entry.version)
        previous = old_entries.get(key)
        old_approvals = {(a.by, a.role, a.fingerprint) for a in previous.approvals} if previous else set()
        for approval in entry.approvals:
            if (approval.by, approval.role, approval.fingerprint) not in old_approvals:
                out.add("versions", pid, "approved", _("version {version} approved by {person} ({role})").format(
                            version=key, person=approval.by, role=approval.role),
                        version=key, by=approval.by, role=approval.role)
        if entry.published is not None and (previous is None or previous.published is None):
            out.add("versions", pid, "published", _("version {version} published {date}").format(
                        version=key, date=entry.published),
                    version=key, date=entry.published)
        if previous is not None and previous.note != entry.note:
            out.add("versions", pid, "note-changed", _("note of version {version}: {note}").format(
                version=key, note=entry.note), version=key)
    new_keys = {str(e.version) for e in after.history}
    for key in sorted(set(old_entries) - new_keys):
        out.add("versions", pid, "history-removed", _("version {version} removed from the history").format(
            version=key), version=key)


def _content(out: _Collector, pid: str, old: list[Module], new: list[Module]) -> None:
    old_by_id = {m.id: m for m in old}
    new_by_id = {m.id: m for m in new}
    for module in new:
        if module.id not in old_by_id:
            steps = sum(len(s.steps) for s in module.sections)
            out.add("content", pid, "module-added",
                    ngettext("module {module} '{title}' added ({steps} step)",
                             "module {module} '{title}' added ({steps} steps)", steps).format(
                        module=module.id, title=module.title, steps=steps),
                    module=module.id)
    for module in old:
        if module.id not in new_by_id:
            out.add("content", pid, "module-removed", _("module {module} '{title}' removed").format(
                module=module.id, title=module.title), module=module.id)
    for module in new:
        previous = old_by_id.get(module.id)
        if previous is None:
            continue
        if previous.title != module.title:
            out.add("content", pid, "module-retitled", _("module {module}: '{old}' → '{new}'").format(
                        module=module.id, old=previous.title, new=module.title),
                    module=module.id)
        _sections(out, pid, module.id, previous, module)
    if [m.id for m in old if m.id in new_by_id] != [m.id for m in new if m.id in old_by_id]:
        out.add("content", pid, "modules-reordered", _("modules reordered: {order}").format(
            order=", ".join(m.id for m in new)))


def _align(old: list[str], new: list[str]) -> Iterable[tuple[str, list[int], list[int]]]:
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        yield tag, list(range(i1, i2)), list(range(j1, j2))


def _sections(out: _Collector, pid: str, mid: str, old: Module, new: Module) -> None:
    old_steps = [(s.title, step) for s in old.sections for step in s.steps]
    new_steps = [(s.title, step) for s in new.sections for step in s.steps]
    old_titles = [s.title for s in old.sections]
    new_titles = [s.title for s in new.sections]
    for tag, olds, news in _align(old_titles, new_titles):
        if tag == "equal":
            continue
        pairs = _pair_renamed(olds, news, old_titles, new_titles)
        for i, j in pairs:
            out.add("content", pid, "section-retitled", _("{module}: section '{old}' → '{new}'").format(
                        module=mid, old=old_titles[i], new=new_titles[j]),
                    module=mid)
        for i in sorted(set(olds) - {i for i, _j in pairs}):
            out.add("content", pid, "section-removed", _("{module}: section '{title}' removed").format(
                module=mid, title=old_titles[i]), module=mid)
        for j in sorted(set(news) - {j for _i, j in pairs}):
            out.add("content", pid, "section-added", _("{module}: section '{title}' added").format(
                module=mid, title=new_titles[j]), module=mid)
    a = [f"{step.title}" for _title, step in old_steps]
    b = [f"{step.title}" for _title, step in new_steps]
    for tag, olds, news in _align(a, b):
        if tag == "equal":
            for i, j in zip(olds, news, strict=True):
                before, after = old_steps[i][1], new_steps[j][1]
                if before.kind != after.kind:
                    out.add("content", pid, "step-kind", _("{module}: step '{title}' {old} → {new}").format(
                                module=mid, title=after.title, old=before.kind, new=after.kind),
                            module=mid, step=after.title)
                if before.text != after.text:
                    out.add("content", pid, "step-text", _("{module}: text of step '{title}' changed").format(
                                module=mid, title=after.title),
                            module=mid, step=after.title)
        else:
            pairs = _pair_renamed(olds, news, a, b)
            paired_old = {i for i, _j in pairs}
            paired_new = {j for _i, j in pairs}
            for i, j in pairs:
                out.add("content", pid, "step-retitled", _("{module}: step '{old}' → '{new}'").format(
                    module=mid, old=a[i], new=b[j]), module=mid, step=b[j])
            for i in olds:
                if i not in paired_old:
                    out.add("content", pid, "step-removed",
                            _("{module}: step '{title}' removed (section '{section}')").format(
                                module=mid, title=a[i], section=old_steps[i][0]), module=mid, step=a[i])
            for j in news:
                if j not in paired_new:
                    out.add("content", pid, "step-added",
                            _("{module}: step '{title}' ({kind}) added (section '{section}')").format(
                                module=mid, title=b[j], kind=new_steps[j][1].kind, section=new_steps[j][0]),
                            module=mid, step=b[j])


def _pair_renamed(olds: list[int], news: list[int], a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """In a replaced block, the old items that were retitled: all of them pairwise when the counts
    match, otherwise those whose new title is close (in order)."""
    if len(olds) == len(news):
        return list(zip(olds, news, strict=True))
    pairs: list[tuple[int, int]] = []
    start = 0
    for i in olds:
        for position in range(start, len(news)):
            j = news[position]
            if difflib.SequenceMatcher(a=a[i].lower(), b=b[j].lower()).ratio() >= 0.6:
                pairs.append((i, j))
                start = position + 1
                break
    return pairs


def _contributors(out: _Collector, pid: str, old: list[Contributor], new: list[Contributor]) -> None:
    old_by = {(c.name, c.role): c for c in old}
    new_by = {(c.name, c.role): c for c in new}
    for key in sorted(set(old_by) | set(new_by)):
        name, role = key
        a, b = old_by.get(key), new_by.get(key)
        if a is None:
            out.add("copyright", pid, "contributor-added", _("contributor {name} ({role}) added").format(
                name=name, role=role), name=name, role=role)
        elif b is None:
            out.add("copyright", pid, "contributor-removed", _("contributor {name} ({role}) removed").format(
                name=name, role=role), name=name, role=role)
        old_records = {(r.kind, r.document, r.date, r.expires) for r in (a.records if a else [])}
        new_records = {(r.kind, r.document, r.date, r.expires) for r in (b.records if b else [])}
        for kind, document, date, expires in sorted(new_records - old_records, key=str):
            added = (_("{kind} {document} ({date}, until {expires}) for {name}") if expires
                     else _("{kind} {document} ({date}) for {name}"))
            out.add("copyright", pid, "record-added", added.format(
                        kind=kind, document=document, date=date, expires=expires, name=name),
                    name=name, kind=kind, document=document)
        for kind, document, date, _expires in sorted(old_records - new_records, key=str):
            out.add("copyright", pid, "record-removed", _("{kind} {document} ({date}) for {name} removed").format(
                        kind=kind, document=document, date=date, name=name),
                    name=name, kind=kind, document=document)


# --- units and activations --------------------------------------------------------------------

_STATUS_CHANGE = {UnitStatus.ACTIVE: "activated", UnitStatus.DEACTIVATED: "deactivated",
                  UnitStatus.ARCHIVED: "archived", UnitStatus.INACTIVE: "inactivated"}


def _published_majors(ws: Workspace) -> dict[str, int | None]:
    """Each program's major version that units run (once per workspace: activations number 150,000)."""
    majors: dict[str, int | None] = {}
    for program_id, program in ws.programs.items():
        entry = program.published_entry()
        majors[program_id] = entry.version.major if entry else None
    return majors


def _units(out: _Collector, before: Workspace, after: Workspace) -> None:
    majors = (_published_majors(before), _published_majors(after))
    for uid in sorted(set(before.units) | set(after.units)):
        a, b = before.units.get(uid), after.units.get(uid)
        if a is None and b is not None:
            out.add("units", uid, "added", _("unit '{name}' ({type}, {status}) added").format(
                name=b.name, type=b.type, status=b.status), status=b.status)
        elif b is None and a is not None:
            out.add("units", uid, "removed", _("unit '{name}' removed (units are archived, not removed)").format(
                name=a.name))
        if a is not None and b is not None:
            if a.status != b.status:
                latest = b.status_history[-1] if b.status_history else None
                current = latest is not None and latest.status == b.status
                decision = (_(", decision {decision}").format(decision=latest.decision)
                            if current and latest and latest.decision else "")
                out.add("units", uid, _STATUS_CHANGE[b.status], _("'{name}': {old} → {new}").format(
                            name=b.name, old=a.status, new=b.status) + decision,
                        old=a.status, new=b.status)
            for name in ("name", "type", "parent", "hsa_valid_to", "ownership"):
                if getattr(a, name) != getattr(b, name):
                    out.add("units", uid, "field-changed", _("{field}: {old} → {new}").format(
                                field=name, old=getattr(a, name), new=getattr(b, name)),
                            field=name)
        _activations(out, uid, majors, a, b)


def _activations(out: _Collector, uid: str, majors: tuple[dict[str, int | None], dict[str, int | None]],
                 a: Unit | None, b: Unit | None) -> None:
    old: dict[str, Activation] = {x.program: x for x in (a.programs if a else [])}
    new: dict[str, Activation] = {x.program: x for x in (b.programs if b else [])}
    for pid in sorted(set(old) | set(new)):
        x, y = old.get(pid), new.get(pid)
        if x is None and y is not None:
            activated = (_("{program} major {major} activated (approved by {person}, decision {decision})")
                         if y.decision else _("{program} major {major} activated (approved by {person})"))
            out.add("activations", uid, "added", activated.format(
                program=pid, major=y.major, person=y.approved_by, decision=y.decision), program=pid, major=y.major)
        elif y is None and x is not None:
            out.add("activations", uid, "withdrawn", _("{program} withdrawn").format(program=pid), program=pid)
        elif x is not None and y is not None and x != y:
            if y.major != x.major:
                out.add("activations", uid, "re-activated",
                        _("{program} re-activated at major {major} (was {old})").format(
                            program=pid, major=y.major, old=x.major),
                        program=pid, major=y.major)
            else:
                out.add("activations", uid, "changed", _("{program} activation record changed").format(program=pid),
                        program=pid)
        if y is not None:
            now = majors[1].get(pid)
            then = majors[0].get(pid)
            lag_now = now is not None and y.major < now
            lag_then = x is not None and then is not None and x.major < then
            if lag_now and not lag_then:
                out.add("activations", uid, "needs-reactivation",
                        _("{program} runs major {major} but major {published} is published: "
                          "re-activation needed").format(program=pid, major=y.major, published=now),
                        program=pid, major=y.major, published=now)


# --- people and roles -------------------------------------------------------------------------


def _grant_key(grant: Grant) -> tuple[str, str, str]:
    return (grant.role.value, grant.scope, grant.granted_at.isoformat())


def _people(out: _Collector, old: dict[str, Person], new: dict[str, Person]) -> None:
    for hid in sorted(set(old) | set(new)):
        a, b = old.get(hid), new.get(hid)
        if a is None and b is not None:
            out.add("roles", hid, "person-added", _("{name} added ({emails})").format(
                name=b.name, emails=", ".join(b.emails)))
        elif b is None and a is not None:
            out.add("roles", hid, "person-removed", _("{name} removed (people are kept, their grants revoked)").format(
                name=a.name))
        holder = b or a
        name = holder.name if holder else hid
        old_grants = {_grant_key(g): g for g in (a.grants if a else [])}
        new_grants = {_grant_key(g): g for g in (b.grants if b else [])}
        for key in sorted(set(old_grants) | set(new_grants)):
            x, y = old_grants.get(key), new_grants.get(key)
            role, scope = key[0], key[1]
            if x is None and y is not None:
                decision = _(", decision {decision}").format(decision=y.decision) if y.decision else ""
                until = _(", until {date}").format(date=y.valid_to) if y.valid_to else ""
                out.add("roles", hid, "granted",
                        _("{name}: {role} at {scope} granted by {person}").format(
                            name=name, role=role, scope=scope, person=y.granted_by) + until + decision,
                        role=role, scope=scope, by=y.granted_by)
            elif y is None and x is not None:
                out.add("roles", hid, "grant-removed",
                        _("{name}: grant {role} at {scope} deleted from the history").format(
                            name=name, role=role, scope=scope),
                        role=role, scope=scope)
            elif x is not None and y is not None:
                if y.revoked_at is not None and x.revoked_at is None:
                    out.add("roles", hid, "revoked", _("{name}: {role} at {scope} revoked {date} by {person}").format(
                                name=name, role=role, scope=scope, date=y.revoked_at, person=y.revoked_by),
                            role=role, scope=scope, by=y.revoked_by)
                elif x != y:
                    out.add("roles", hid, "grant-changed", _("{name}: grant {role} at {scope} changed").format(
                                name=name, role=role, scope=scope),
                            role=role, scope=scope)
        if a is not None and b is not None:
            for email in sorted(set(b.emails) - set(a.emails)):
                out.add("roles", hid, "email-added", _("{name}: e-mail {email} added").format(name=name, email=email))
            for email in sorted(set(a.emails) - set(b.emails)):
                out.add("roles", hid, "email-removed", _("{name}: e-mail {email} removed").format(
                    name=name, email=email))
            old_keys = {(k.type, k.key) for k in a.signing_keys}
            new_keys = {(k.type, k.key) for k in b.signing_keys}
            for kind, key_text in sorted(new_keys - old_keys):
                out.add("roles", hid, "key-added", _("{name}: {kind} signing key added ({key})").format(
                    name=name, kind=kind, key=key_text[:40]))
            for kind, key_text in sorted(old_keys - new_keys):
                out.add("roles", hid, "key-removed", _("{name}: {kind} signing key removed ({key})").format(
                    name=name, kind=kind, key=key_text[:40]))
            if a.name != b.name:
                out.add("roles", hid, "renamed", f"{a.name} → {b.name}")


# --- agreements -------------------------------------------------------------------------------


def _agreements(out: _Collector, old: dict[str, Agreement], new: dict[str, Agreement]) -> None:
    for aid in sorted(set(old) | set(new)):
        a, b = old.get(aid), new.get(aid)
        if a is None and b is not None:
            summary = (_("{kind} agreement '{title}' with {counterparty}, from {start} to {end}") if b.valid_to
                       else _("{kind} agreement '{title}' with {counterparty}, from {start}"))
            out.add("agreements", aid, "added", summary.format(
                kind=b.kind, title=b.title, counterparty=b.counterparty.name, start=b.valid_from, end=b.valid_to),
                kind=b.kind)
            continue
        if b is None and a is not None:
            out.add("agreements", aid, "removed",
                    _("agreement '{title}' removed (agreements are ended, not removed)").format(title=a.title))
            continue
        assert a is not None and b is not None
        if a.valid_to != b.valid_to:
            renewed = b.valid_to is None or (a.valid_to is not None and b.valid_to > a.valid_to)
            out.add("agreements", aid, "renewed" if renewed else "shortened",
                    _("valid to {old} → {new}").format(old=a.valid_to or _("open"), new=b.valid_to or _("open")),
                    old=a.valid_to, new=b.valid_to)
        if a.ended != b.ended:
            out.add("agreements", aid, "ended" if b.ended else "end-undone",
                    _("ended {date}").format(date=b.ended) if b.ended else _("end date {date} removed").format(
                        date=a.ended))
        if a.last_review != b.last_review and b.last_review is not None:
            out.add("agreements", aid, "reviewed", _("reviewed {date}").format(date=b.last_review))
        if a.covers != b.covers:
            added = sorted(set(b.covers.programs) - set(a.covers.programs)) + sorted(
                str(x) for x in set(b.covers.areas) - set(a.covers.areas))
            removed = sorted(set(a.covers.programs) - set(b.covers.programs)) + sorted(
                str(x) for x in set(a.covers.areas) - set(b.covers.areas))
            out.add("agreements", aid, "coverage", _("coverage") + (f" +{', '.join(added)}" if added else "")
                    + (f" -{', '.join(removed)}" if removed else ""))
        for name in ("title", "kind", "counterparty", "valid_from", "contact"):
            if getattr(a, name) != getattr(b, name):
                out.add("agreements", aid, "field-changed", _("{field} changed").format(field=name), field=name)
