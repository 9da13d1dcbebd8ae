"""Rendering of the reports: plain-text tables, CSV, JSON, Markdown and HTML (jinja2 templates).

Every function returns text (or, for the catalogue site, a mapping of file names to bytes);
nothing here prints or writes. Words for people go through ``sobctl.i18n`` so the reports come
out in the chosen language; JSON keys and codes stay stable in English.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, is_dataclass
from typing import Any

from sobctl.i18n import N_, _, language, ngettext, rule_description
from sobctl.ops.reports import (
    Catalogue,
    RevisionReport,
    StatusReport,
    UsageReport,
)

AREAS: dict[str, str] = {
    "adhd": N_("ADHD"),
    "early-interventions": N_("Early interventions for children and young people"),
    "anxiety-depression": N_("Anxiety and depression"),
    "schizophrenia": N_("Schizophrenia"),
    "self-harm": N_("Self-harm"),
    "addiction": N_("Addiction"),
}
KINDS: dict[str, str] = {
    "treatment": N_("treatment"),
    "support": N_("support"),
    "education": N_("education"),
    "self-assessment": N_("self-assessment"),
}
STATUSES: dict[str, str] = {
    "draft": N_("draft"),
    "in-review": N_("in review"),
    "published": N_("published"),
    "deprecated": N_("deprecated"),
    "retired": N_("retired"),
}
AGREEMENT_KINDS: dict[str, str] = {
    "content-provider": N_("content-provider agreement"),
    "care": N_("care agreement"),
    "customer": N_("customer agreement"),
    "inter-regional": N_("inter-regional agreement"),
}
PRODUCERS: dict[str, str] = {
    "own": N_("own production"),
    "national": N_("national"),
    "external": N_("external content provider"),
    "region": N_("another region"),
}
TOPICS: dict[str, str] = {
    "agreements-expiring": N_("Agreements expiring"),
    "agreements-expired": N_("Agreements no longer in force that something depends on"),
    "reviews-overdue": N_("Yearly agreement reviews overdue"),
    "hsa-ended": N_("Active units whose HSA validity has ended"),
    "needs-reactivation": N_("Programs needing re-activation on units (new major version)"),
    "missing-copyright": N_("Missing copyright records"),
    "few-admins": N_("Fewer care-provider administrators (vårdgivaradministratör) than the policy asks"),
}


def label(table: dict[str, str], key: str) -> str:
    """The translated label of a code (the code itself when unknown)."""
    return _(table[key]) if key in table else key


def yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table with aligned columns (no colour; fit for pipes and terminals)."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]) + "\n"


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# --- usage -------------------------------------------------------------------------------------


def _usage_headers() -> list[str]:
    return [
        _("Unit"),
        _("Unit name"),
        _("Private provider"),
        _("Program"),
        _("Area"),
        _("Activated"),
        _("Major"),
        _("Published major"),
        _("Needs re-activation"),
    ]


def _usage_cells(report: UsageReport, *, area_labels: bool) -> list[list[str]]:
    return [
        [
            row.unit_id,
            row.unit_name,
            yes_no(row.private),
            row.program_id,
            label(AREAS, row.area) if area_labels else row.area,
            row.since.isoformat(),
            str(row.major),
            "" if row.published_major is None else str(row.published_major),
            yes_no(row.needs_reactivation),
        ]
        for row in report.rows
    ]


def _usage_totals(report: UsageReport) -> tuple[list[str], list[list[str]], list[str], list[list[str]]]:
    area_rows = [[label(AREAS, area), str(count)] for area, count in report.per_area.items()]
    unit_rows = [
        [t.unit_id, t.unit_name + (" " + _("(private)") if t.private else ""), str(t.activations),
         str(t.needs_reactivation)]
        for t in report.per_unit
    ]
    return (
        [_("Area"), _("Activations")],
        area_rows,
        [_("Unit"), _("Unit name"), _("Activations"), _("Needs re-activation")],
        unit_rows,
    )


#: Above this many programs the units × programs grid is too wide to read and is left out.
MATRIX_MAX_PROGRAMS = 20


def _usage_matrix(report: UsageReport) -> tuple[list[str], list[list[str]]] | None:
    """Units × programs: the major version a unit runs, with * where it needs re-activation."""
    if not report.rows or len(report.programs) > MATRIX_MAX_PROGRAMS:
        return None
    cells: dict[tuple[str, str], str] = {
        (row.unit_id, row.program_id): f"{row.major}{'*' if row.needs_reactivation else ''}" for row in report.rows
    }
    units = list(dict.fromkeys(row.unit_id for row in report.rows))
    return [_("Unit"), *report.programs], [[u, *(cells.get((u, p), "") for p in report.programs)] for u in units]


def _matrix_note() -> str:
    return _("Major version run on each unit; * needs re-activation.")


def _usage_summary(report: UsageReport) -> str:
    units = len({row.unit_id for row in report.rows})
    text = _("Activations: {activations}; programs: {programs}; units: {units}; needing re-activation: {stale}.")
    return text.format(
        activations=report.total, programs=len(report.programs), units=units, stale=report.needs_reactivation
    )


def usage_table(report: UsageReport) -> str:
    area_h, area_rows, unit_h, unit_rows = _usage_totals(report)
    matrix = _usage_matrix(report)
    parts = [
        _("Program usage per unit, {date}").format(date=report.as_of.isoformat()) + "\n\n",
        (_table(_usage_headers(), _usage_cells(report, area_labels=True)) if report.rows
         else _("No activations.") + "\n"),
        ("\n" + _("Units × programs") + "\n" + _table(*matrix) + _matrix_note() + "\n") if matrix else "",
        "\n" + _("Totals per area") + "\n",
        _table(area_h, [*area_rows, [_("Total"), str(report.total)]]),
        "\n" + _("Totals per unit") + "\n",
        _table(unit_h, unit_rows),
        "\n" + _usage_summary(report) + "\n",
    ]
    return "".join(parts)


def usage_markdown(report: UsageReport) -> str:
    area_h, area_rows, unit_h, unit_rows = _usage_totals(report)
    matrix = _usage_matrix(report)
    return "".join(
        [
            "# " + _("Program usage per unit, {date}").format(date=report.as_of.isoformat()) + "\n\n",
            _md_table(_usage_headers(), _usage_cells(report, area_labels=True)) if report.rows
            else _("No activations.") + "\n",
            ("\n## " + _("Units × programs") + "\n\n" + _md_table(*matrix) + "\n" + _matrix_note() + "\n")
            if matrix else "",
            "\n## " + _("Totals per area") + "\n\n",
            _md_table(area_h, [*area_rows, [_("Total"), str(report.total)]]),
            "\n## " + _("Totals per unit") + "\n\n",
            _md_table(unit_h, unit_rows),
            "\n" + _usage_summary(report) + "\n",
        ]
    )


def usage_csv(report: UsageReport) -> str:
    """One row per activation; the area as its code so spreadsheets can group on it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_usage_headers())
    writer.writerows(_usage_cells(report, area_labels=False))
    return buffer.getvalue()


def usage_json(report: UsageReport) -> str:
    payload = {
        "version": 1,
        "as_of": report.as_of.isoformat(),
        "activations": [_jsonable(row) for row in report.rows],
        "totals": {
            "activations": report.total,
            "needs_reactivation": report.needs_reactivation,
            "per_area": report.per_area,
            "per_unit": [_jsonable(t) for t in report.per_unit],
        },
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


USAGE_FORMATS: dict[str, Callable[[UsageReport], str]] = {
    "table": usage_table,
    "csv": usage_csv,
    "json": usage_json,
    "md": usage_markdown,
}


# --- templates ---------------------------------------------------------------------------------


def environment(autoescape: bool) -> Any:
    """A jinja2 environment over the packaged templates, with the i18n callables installed."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sobctl", "templates"),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(_, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        area=lambda key: label(AREAS, key),
        kind=lambda key: label(KINDS, key),
        status=lambda key: label(STATUSES, key),
        agreement_kind=lambda key: label(AGREEMENT_KINDS, key),
        producer=lambda key: label(PRODUCERS, key),
        yes_no=yes_no,
        lang=language(),
    )
    return env


# --- yearly revision ---------------------------------------------------------------------------


def revision_markdown(report: RevisionReport) -> str:
    return str(environment(False).get_template("reports/revision.md").render(r=report))


def revision_html(report: RevisionReport) -> str:
    return str(environment(True).get_template("reports/revision.html").render(r=report))


def revision_json(report: RevisionReport) -> str:
    payload = {"version": 1, **_jsonable(report)}
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


REVISION_FORMATS: dict[str, Callable[[RevisionReport], str]] = {
    "md": revision_markdown,
    "html": revision_html,
    "json": revision_json,
}


# --- the catalogue site ------------------------------------------------------------------------


def catalogue_pages(catalogue: Catalogue) -> dict[str, str]:
    """File name (relative to the output folder) → HTML, one index and one page per program."""
    env = environment(True)
    pages = {"index.html": env.get_template("site/index.html").render(c=catalogue)}
    page = env.get_template("site/program.html")
    for entry in catalogue.entries:
        pages[f"program/{entry.program_id}.html"] = page.render(c=catalogue, p=entry)
    return pages


# --- status ------------------------------------------------------------------------------------

#: How many findings of one kind ``status`` lists before saying how many more there are.
STATUS_SHOWN = 3


def status_text(report: StatusReport) -> str:
    lines = [_("What needs attention on {date}").format(date=report.as_of.isoformat()), ""]
    for item in report.items:
        mark = "!" if item.count else "✓"
        lines.append(f"{mark} {_(TOPICS[item.topic])}: {item.count}")
        for finding in item.findings[:STATUS_SHOWN]:
            lines.append(f"    {finding.path}: {finding.message}")
            lines.append("      " + _("fix: {command}").format(command=item.fix_for(finding)))
        if item.count > STATUS_SHOWN:
            more = item.count - STATUS_SHOWN
            lines.append("    " + ngettext("… and {n} more", "… and {n} more", more).format(n=more)
                         + " (sobctl validate)")
    lines.append("")
    if report.other_errors or report.other_warnings:
        lines.append(
            _("Other findings: errors {errors}, warnings {warnings}; see sobctl validate").format(
                errors=report.other_errors, warnings=report.other_warnings
            )
        )
    total = report.attention
    if total:
        lines.append(ngettext("{n} thing needs attention.", "{n} things need attention.", total).format(n=total))
    else:
        lines.append(_("Nothing needs attention."))
    return "\n".join(lines) + "\n"


def status_json(report: StatusReport) -> str:
    payload = {
        "version": 1,
        "as_of": report.as_of.isoformat(),
        "items": [
            {
                "topic": item.topic,
                "title": _(TOPICS[item.topic]),
                "count": item.count,
                "codes": sorted({d.code for d in item.findings}),
                "fixes": item.fixes,
                "findings": [d.as_dict() for d in item.findings],
            }
            for item in report.items
        ],
        "other": {"errors": report.other_errors, "warnings": report.other_warnings},
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def rules_text(rules: Sequence[Any]) -> str:
    """``sobctl rules``: every code with its severity and its description in the current language."""
    return "".join(f"{r.code}  {r.severity:<7}  {r.name:<30} {rule_description(r.code)}\n" for r in rules)
