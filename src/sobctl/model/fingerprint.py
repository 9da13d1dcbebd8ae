"""The canonical fingerprint of a program's content, to which approvals are bound.

It covers what residents meet and how the program is classified — title, kind, area,
target group, openness and the module/section/step structure with its texts — and is
computed from the validated model as sorted-key JSON, so key order, comments, quoting
and YAML formatting never change it. Administrative records (status, version history,
contributors, assets, risk analysis) are outside it: adding a copyright record does not
invalidate an approval of the content.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sobctl.model.entities import Program

FINGERPRINTED_FIELDS = frozenset({"title", "kind", "area", "target_group", "open", "content"})


def canonical_content(program: Program) -> dict[str, Any]:
    return program.model_dump(mode="json", include=set(FINGERPRINTED_FIELDS))


def fingerprint(program: Program) -> str:
    payload = json.dumps(canonical_content(program), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


def structure(program: Program) -> tuple[object, ...]:
    """What a MINOR version must keep: kind, area, modules and the steps in each section."""
    return (
        program.kind,
        program.area,
        tuple(
            (module.id, tuple(len(section.steps) for section in module.sections))
            for module in program.content.modules
        ),
    )
