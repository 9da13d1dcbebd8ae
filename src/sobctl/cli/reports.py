"""Reports and status: ``sobctl report usage|revision|catalogue`` and ``sobctl status``."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sobctl.cli.app import app
from sobctl.cli.common import AsOfOption, RepoOption, err, find_repo, out, parse_date

if TYPE_CHECKING:
    import datetime as dt

    from sobctl.repo.workspace import Workspace

report_app = typer.Typer(
    help="Reports for the administration: usage, the yearly revision, the catalogue page.", no_args_is_help=True
)
app.add_typer(report_app, name="report", rich_help_panel="Reports")


def _load(repo: Path | None) -> "Workspace":
    """The workspace, refusing (exit 4) when the repository's configuration cannot be read."""
    from sobctl.cli.progress import progress
    from sobctl.errors import Refused
    from sobctl.i18n import _
    from sobctl.repo.workspace import load_workspace

    root = find_repo(repo)
    with progress(_("Reading the repository")):
        workspace = load_workspace(root)
    if workspace.config is None:
        raise Refused(
            _("sobctl.yaml cannot be read"), rule="repository", hint=_("run sobctl validate to see why")
        )
    problems = sum(1 for d in workspace.load_diagnostics if d.severity == "error")
    if problems:
        err(
            _("warning: {n} files could not be read and are left out; run sobctl validate").format(n=problems)
            if problems != 1
            else _("warning: one file could not be read and is left out; run sobctl validate")
        )
    return workspace


def _choice(value: str, choices: dict[str, object], option: str = "--format") -> None:
    from sobctl.errors import UsageError
    from sobctl.i18n import _

    if value not in choices:
        raise UsageError(
            _("{option}: '{value}' is not one of {choices}").format(
                option=option, value=value, choices=", ".join(choices)
            )
        )


@report_app.command("usage")
def usage(
    output_format: Annotated[str, typer.Option("--format", "-f", help="table | csv | json | md")] = "table",
    repo: RepoOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Which program runs on which unit, since when, at which major version, and where a new major
    needs re-activation; totals per area and per unit; private providers marked.

    Examples: sobctl report usage · sobctl report usage --format csv > usage.csv
    """
    from sobctl.ops.reports import usage_report
    from sobctl.render.reports import USAGE_FORMATS

    _choice(output_format, dict(USAGE_FORMATS))
    today = parse_date(as_of)
    out(USAGE_FORMATS[output_format](usage_report(_load(repo), today)))


@report_app.command("revision")
def revision(
    year: Annotated[int | None, typer.Option("--year", help="The year reported on (default: this year).")] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="md | html | json")] = "md",
    repo: RepoOption = None,
    as_of: AsOfOption = None,
) -> None:
    """The yearly revision report for the national administration: external content providers with
    agreements in force during the year, what they cover, agreements expiring, yearly reviews done
    and overdue, and the contact person (kontaktperson) who signs it.

    Examples: sobctl report revision --year 2026 --format html > revision-2026.html
    """
    from sobctl.errors import UsageError
    from sobctl.i18n import _
    from sobctl.ops.reports import revision_report
    from sobctl.render.reports import REVISION_FORMATS

    _choice(output_format, dict(REVISION_FORMATS))
    today = parse_date(as_of)
    chosen = today.year if year is None else year
    if not 1900 <= chosen <= 9998:
        raise UsageError(_("--year: '{year}' is not a year").format(year=chosen))
    report = revision_report(_load(repo), chosen, today)
    if not report.signers:
        err(_("warning: nobody holds the role kontaktperson; the report has no one to sign it"))
    out(REVISION_FORMATS[output_format](report))


@report_app.command("catalogue")
def catalogue(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write the site into.")],
    repo: RepoOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Write the catalogue as a static site for the intranet: an index of every published program
    with a filter by area and a text search that work from the file system, and a page per program.

    Example: sobctl report catalogue --output site/ && open site/index.html
    """
    from sobctl.cli.progress import track
    from sobctl.errors import Refused
    from sobctl.i18n import _
    from sobctl.ops.reports import catalogue_listing
    from sobctl.render.reports import catalogue_pages
    from sobctl.repo.files import atomic_write, remove

    target = output.expanduser()
    if target.exists() and not target.is_dir():
        raise Refused(_("{path}: exists and is not a folder").format(path=target), rule="output")
    listing = catalogue_listing(_load(repo), parse_date(as_of))
    pages = catalogue_pages(listing)
    for name, html in track(list(pages.items()), _("Writing the catalogue pages")):
        atomic_write(target / name, html.encode("utf-8"))
    program_dir = target / "program"
    for stale in sorted(program_dir.glob("*.html")) if program_dir.is_dir() else []:
        if f"program/{stale.name}" not in pages:
            remove(stale)
    err(
        _("wrote the catalogue ({n} programs) to {path}").format(
            n=len(listing.entries), path=target / "index.html"
        )
    )


@app.command(rich_help_panel="Reports")
def status(
    output_format: Annotated[str, typer.Option("--format", "-f", help="text | json")] = "text",
    repo: RepoOption = None,
    as_of: AsOfOption = None,
) -> None:
    """One screen of what needs attention: agreements expiring, yearly reviews overdue, units whose
    HSA validity has ended, programs needing re-activation, missing copyright records, too few
    care-provider administrators — with counts and the command that fixes each.

    Exit 0 (status informs); 4 when there is no repository. Use sobctl validate for every finding.
    """
    from sobctl.checks import validate_repository
    from sobctl.cli.progress import progress
    from sobctl.i18n import _
    from sobctl.ops.reports import status_report
    from sobctl.render.reports import status_json, status_text

    formats = {"text": status_text, "json": status_json}
    _choice(output_format, dict(formats))
    root = find_repo(repo)
    today: dt.date = parse_date(as_of)
    with progress(_("Checking the repository")):
        diagnostics, summary = validate_repository(root, today)
    out(formats[output_format](status_report(diagnostics, today, summary.files)))
    unreadable = [d for d in diagnostics if d.path == "sobctl.yaml" and d.code < "SOB100"]
    if unreadable:
        from sobctl.errors import Refused

        raise Refused(
            _("sobctl.yaml cannot be read: {message}").format(message=unreadable[0].message),
            rule="repository",
            hint=_("run sobctl validate to see why"),
        )
