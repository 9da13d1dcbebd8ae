"""The audit trail command: ``sobctl log``."""

import contextlib
import os
import sys
from typing import Annotated

import typer

from sobctl.cli.app import app
from sobctl.cli.common import RepoOption, find_repo, parse_date
from sobctl.cli.progress import progress
from sobctl.errors import UsageError
from sobctl.i18n import _


@app.command("log", rich_help_panel="Audit")
def log_command(
    unit: Annotated[str | None, typer.Option("--unit", metavar="HSA_ID", help="Only acts on this unit.")] = None,
    program: Annotated[str | None, typer.Option("--program", metavar="ID", help="Only acts on this program.")] = None,
    person: Annotated[
        str | None, typer.Option("--person", metavar="HSA_ID", help="Only acts by or on this person.")
    ] = None,
    action: Annotated[
        str | None, typer.Option("--action", metavar="A", help="Only this action (e.g. assign, manual-edit).")
    ] = None,
    since: Annotated[str | None, typer.Option("--since", metavar="DATE", help="From this day (YYYY-MM-DD).")] = None,
    until: Annotated[
        str | None, typer.Option("--until", metavar="DATE", help="Up to and including this day (YYYY-MM-DD).")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("-n", "--max-count", metavar="N", help="At most N entries (after filtering).")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="table | json | csv")] = "table",
    repo: RepoOption = None,
) -> None:
    """The audit trail from Git history, newest first: one row per act (when, who, action,
    objects, decision, commit). Commits that changed content without sobctl trailers are
    listed too, as action manual-edit with the author's e-mail.

    The day of a row is its commit date. --person matches whoever acted and the person acted
    on. A manual edit matches --unit, --program and --person by the files it changed, and
    --person also by its author's e-mail (as listed in roles/). A merge appears only when it
    changed content itself. JSON and CSV carry the full commit id and the same keys for
    every row.

    Examples: sobctl log -n 20 · sobctl log --unit SE2321000016-U200 --since 2026-01-01 ·
    sobctl log --action manual-edit · sobctl log --format csv > audit.csv
    """
    from sobctl.render.log import RENDERERS
    from sobctl.repo import git
    from sobctl.repo.history import LogQuery, read_log

    if output_format not in RENDERERS:
        raise UsageError(_("{option}: '{value}' is not one of {choices}").format(
            option="--format", value=output_format, choices=", ".join(RENDERERS)))
    if limit is not None and limit < 1:
        raise UsageError(_("-n: {limit} is not a positive number of entries").format(limit=limit))
    for option, value in (("--unit", unit), ("--program", program), ("--person", person), ("--action", action)):
        if value is not None and (not value.strip() or value != value.strip()):
            raise UsageError(_("{option}: '{value}' is empty or has blanks around it").format(
                option=option, value=value))
    query = LogQuery(unit=unit, program=program, person=person, action=action,
                     since=parse_date(since, "--since") if since else None,
                     until=parse_date(until, "--until") if until else None, limit=limit)
    if query.since and query.until and query.since > query.until:
        raise UsageError(_("--since {since} is after --until {until}").format(since=query.since, until=query.until))
    root = find_repo(repo)  # may be a folder inside a larger work tree: content paths are relative to it
    head = git.head_of_work_tree(root)
    chunks = RENDERERS[output_format](read_log(root, query, check_head=False) if head else iter(()))
    write = sys.stdout.write
    # An export to a file or pipe shows that it is working on a terminal's stderr; on a terminal
    # the rows themselves are the progress.
    exporting = not sys.stdout.isatty()
    try:
        with progress(_("Reading the history")) if exporting else contextlib.nullcontext():
            for chunk in chunks:
                write(chunk)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (e.g. `| head`) has what it wanted: stop git, and let the rest go nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:
        chunks.close()
