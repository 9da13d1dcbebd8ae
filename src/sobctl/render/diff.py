"""Renderers of a :class:`~sobctl.ops.semantic_diff.ChangeReport`: text, markdown (jinja2) and JSON.

Each returns a string; the same report always renders to the same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from itertools import groupby
from pathlib import Path

from sobctl.i18n import _, ngettext, pgettext
from sobctl.ops.semantic_diff import SECTIONS, ChangeReport

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
#: Sections with more entries than this are collapsed in markdown.
COLLAPSE_OVER = 8
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#~])")


def _md(value: object) -> str:
    """Text made safe for a markdown list item (no HTML, no formatting from content)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def render_markdown(report: ChangeReport) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=False, undefined=StrictUndefined,
                      keep_trailing_newline=True, trim_blocks=False, lstrip_blocks=False,
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(_, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["md"] = _md
    labels = change_labels()
    env.filters["change"] = lambda code: labels.get(code, code)
    text = env.get_template("diff.md.j2").render(report=report, sections=_sections(), collapse_over=COLLAPSE_OVER)
    return text.rstrip("\n") + "\n"


def change_labels() -> dict[str, str]:
    """The kinds of change (the ``change`` of each entry) as shown in text and markdown; JSON keeps the codes."""
    return {
        "activated": pgettext("change", "activated"),
        "added": pgettext("change", "added"),
        "approved": pgettext("change", "approved"),
        "archived": pgettext("change", "archived"),
        "asset-added": pgettext("change", "asset-added"),
        "asset-changed": pgettext("change", "asset-changed"),
        "asset-removed": pgettext("change", "asset-removed"),
        "bumped": pgettext("change", "bumped"),
        "changed": pgettext("change", "changed"),
        "contributor-added": pgettext("change", "contributor-added"),
        "contributor-removed": pgettext("change", "contributor-removed"),
        "coverage": pgettext("change", "coverage"),
        "deactivated": pgettext("change", "deactivated"),
        "email-added": pgettext("change", "email-added"),
        "email-removed": pgettext("change", "email-removed"),
        "end-undone": pgettext("change", "end-undone"),
        "ended": pgettext("change", "ended"),
        "field-changed": pgettext("change", "field-changed"),
        "grant-changed": pgettext("change", "grant-changed"),
        "grant-removed": pgettext("change", "grant-removed"),
        "granted": pgettext("change", "granted"),
        "history-removed": pgettext("change", "history-removed"),
        "inactivated": pgettext("change", "inactivated"),
        "key-added": pgettext("change", "key-added"),
        "key-removed": pgettext("change", "key-removed"),
        "module-added": pgettext("change", "module-added"),
        "module-removed": pgettext("change", "module-removed"),
        "module-retitled": pgettext("change", "module-retitled"),
        "modules-reordered": pgettext("change", "modules-reordered"),
        "needs-reactivation": pgettext("change", "needs-reactivation"),
        "note-changed": pgettext("change", "note-changed"),
        "person-added": pgettext("change", "person-added"),
        "person-removed": pgettext("change", "person-removed"),
        "policy-changed": pgettext("change", "policy-changed"),
        "producer-changed": pgettext("change", "producer-changed"),
        "provider-changed": pgettext("change", "provider-changed"),
        "published": pgettext("change", "published"),
        "re-activated": pgettext("change", "re-activated"),
        "record-added": pgettext("change", "record-added"),
        "record-removed": pgettext("change", "record-removed"),
        "removed": pgettext("change", "removed"),
        "renamed": pgettext("change", "renamed"),
        "renewed": pgettext("change", "renewed"),
        "retired": pgettext("change", "retired"),
        "retitled": pgettext("change", "retitled"),
        "reviewed": pgettext("change", "reviewed"),
        "revoked": pgettext("change", "revoked"),
        "risk-analysis": pgettext("change", "risk-analysis"),
        "section-added": pgettext("change", "section-added"),
        "section-removed": pgettext("change", "section-removed"),
        "section-retitled": pgettext("change", "section-retitled"),
        "shortened": pgettext("change", "shortened"),
        "status": pgettext("change", "status"),
        "step-added": pgettext("change", "step-added"),
        "step-kind": pgettext("change", "step-kind"),
        "step-removed": pgettext("change", "step-removed"),
        "step-retitled": pgettext("change", "step-retitled"),
        "step-text": pgettext("change", "step-text"),
        "unreadable": pgettext("change", "unreadable"),
        "withdrawn": pgettext("change", "withdrawn"),
    }


def _sections() -> dict[str, str]:
    """The section headings in the current language."""
    return {name: _(title) for name, title in SECTIONS.items()}


def render_text(report: ChangeReport) -> str:
    lines = [_("changes {range}").format(range=f"{report.base[:10]}..{report.head[:10]}")]
    if not report.entries:
        lines.append(_("no change to the administration"))
    labels = change_labels()
    for name, title in _sections().items():
        entries = report.section(name)
        if not entries:
            continue
        lines.append("")
        lines.append(f"{title} ({len(entries)})")
        for subject, items in groupby(entries, key=lambda e: e.subject):
            label = report.labels.get(subject)
            lines.append(f"  {subject} ({label})" if label else f"  {subject}")
            lines.extend(f"    {labels.get(e.change, e.change)}: {e.detail}" for e in items)
    return "\n".join(lines) + "\n"


def render_json(report: ChangeReport) -> str:
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


RENDERERS: dict[str, Callable[[ChangeReport], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}
