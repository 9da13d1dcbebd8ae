"""Renderers of a :class:`~sobctl.ops.semantic_diff.ChangeReport`: text, markdown (jinja2) and JSON.

Each returns a string; the same report always renders to the same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from itertools import groupby
from pathlib import Path

from sobctl.i18n import _, ngettext
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
    text = env.get_template("diff.md.j2").render(report=report, sections=_sections(), collapse_over=COLLAPSE_OVER)
    return text.rstrip("\n") + "\n"


def _sections() -> dict[str, str]:
    """The section headings in the current language."""
    return {name: _(title) for name, title in SECTIONS.items()}


def render_text(report: ChangeReport) -> str:
    lines = [_("changes {range}").format(range=f"{report.base[:10]}..{report.head[:10]}")]
    if not report.entries:
        lines.append(_("no change to the administration"))
    for name, title in _sections().items():
        entries = report.section(name)
        if not entries:
            continue
        lines.append("")
        lines.append(f"{title} ({len(entries)})")
        for subject, items in groupby(entries, key=lambda e: e.subject):
            label = report.labels.get(subject)
            lines.append(f"  {subject} ({label})" if label else f"  {subject}")
            lines.extend(f"    {e.change}: {e.detail}" for e in items)
    return "\n".join(lines) + "\n"


def render_json(report: ChangeReport) -> str:
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


RENDERERS: dict[str, Callable[[ChangeReport], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}
