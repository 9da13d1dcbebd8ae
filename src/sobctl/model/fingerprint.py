"""The canonical fingerprints of a program: of its content (what approvals bind to) and of its structure.

``fingerprint`` covers what residents meet and how the program is classified — title, kind,
area, target group, openness and the module/section/step tree with its texts — and is
computed from the validated model as sorted-key JSON, so key order, comments, quoting and
YAML formatting (flow or block style) never change it, while any change of a value does.
Administrative records (status, version history, contributors, assets, risk analysis) are
outside it: adding a copyright record does not invalidate an approval of the content.

``structure_fingerprint`` covers what a MINOR version must keep (see :func:`structure`):
it is stored on a version entry when the version is published, so the next version can be
compared with it although the file only ever holds the newest content.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sobctl.model.entities import Program

FINGERPRINTED_FIELDS = frozenset({"title", "kind", "area", "target_group", "open", "content"})


def _digest(payload: object) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_content(program: Program) -> dict[str, Any]:
    return program.model_dump(mode="json", include=set(FINGERPRINTED_FIELDS))


def fingerprint(program: Program) -> str:
    """sha256 of the program's content, independent of how the YAML is written."""
    return _digest(canonical_content(program))


def structure(program: Program) -> tuple[object, ...]:
    """What a MINOR version must keep: the kind, the area, the modules (by id, in order), the
    sections of each module and the steps of each section with their kind.

    Adding, removing or reordering modules, sections or steps, or changing a step from (say)
    text to questionnaire, changes the treatment and needs a MAJOR version; changing titles
    and texts does not.
    """
    return (
        str(program.kind),
        str(program.area),
        tuple(
            (module.id, tuple(tuple(str(step.kind) for step in section.steps) for section in module.sections))
            for module in program.content.modules
        ),
    )


def structure_fingerprint(program: Program) -> str:
    """sha256 of :func:`structure`, as stored on a published version entry."""
    return _digest(structure(program))


def describe_structure_change(before: tuple[object, ...], after: tuple[object, ...]) -> str:
    """A short phrase saying what changed between two structures (for refusals and findings)."""
    from sobctl.i18n import _

    changes: list[str] = []
    if before[0] != after[0]:
        changes.append(_("kind {old} → {new}").format(old=before[0], new=after[0]))
    if before[1] != after[1]:
        changes.append(_("area {old} → {new}").format(old=before[1], new=after[1]))
    old_modules = dict(before[2])  # type: ignore[call-overload]
    new_modules = dict(after[2])  # type: ignore[call-overload]
    added = [m for m in new_modules if m not in old_modules]
    removed = [m for m in old_modules if m not in new_modules]
    if added:
        changes.append(_("modules added: {modules}").format(modules=", ".join(added)))
    if removed:
        changes.append(_("modules removed: {modules}").format(modules=", ".join(removed)))
    changed = [m for m in new_modules if m in old_modules and new_modules[m] != old_modules[m]]
    if changed:
        changes.append(_("sections or steps changed in: {modules}").format(modules=", ".join(changed)))
    if not changes and list(old_modules) != list(new_modules):
        changes.append(_("modules reordered"))
    return "; ".join(changes) or _("structure changed")
