"""Shared CLI plumbing: options, the repository root, dates, output streams."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from sobctl.errors import Refused, UsageError
from sobctl.i18n import _

RepoOption = Annotated[
    Path | None,
    typer.Option(
        "--repo",
        help="The region repository (default: the nearest folder upwards holding sobctl.yaml, or $SOBCTL_REPO).",
        show_default=False,
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", metavar="DATE", help="Take DATE (YYYY-MM-DD) as today, for reproducible results."),
]


def find_repo(explicit: Path | None) -> Path:
    """The repository root: --repo, $SOBCTL_REPO, or the nearest folder upwards with sobctl.yaml."""
    if explicit is not None or os.environ.get("SOBCTL_REPO"):
        root = Path(explicit or os.environ["SOBCTL_REPO"]).expanduser()
        if not root.is_dir():
            raise Refused(_("{path}: no such folder").format(path=root), rule="repository")
        return root.resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "sobctl.yaml").is_file():
            return candidate
    raise Refused(
        _("no sobctl.yaml here or in any parent folder"),
        rule="repository",
        hint=_("cd into a region repository, pass --repo PATH, or create one with sobctl init"),
    )


def parse_date(value: str | None, option: str = "--as-of") -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(
            _("{option}: '{value}' is not a date (YYYY-MM-DD)").format(option=option, value=value)
        ) from None


def out(text: str) -> None:
    """Data to stdout, exactly as rendered."""
    sys.stdout.write(text)
    sys.stdout.flush()


def err(text: str) -> None:
    """Talk to stderr."""
    sys.stderr.write(text if text.endswith("\n") else text + "\n")
