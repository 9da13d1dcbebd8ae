"""Progress for long work, on stderr and only when stderr is a terminal.

    with progress(_("Writing pages"), total=len(pages)) as bar:
        for page in pages:
            ...
            bar.advance()

    for commit in track(commits, _("Reading the history")):   # the same, for a loop
        ...

Nothing is ever written to stdout, and nothing at all when stderr is a pipe or a file (CI logs,
``2>file``), so data on stdout and captured output stay clean. ``total=None`` shows a spinner.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Sized
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Progress(Protocol):
    def advance(self, steps: int = 1) -> None: ...

    def update(self, *, total: int | None = None, description: str | None = None) -> None: ...


class _Silent:
    """What ``progress`` yields when nothing may be shown: every call does nothing."""

    def advance(self, steps: int = 1) -> None:
        return None

    def update(self, *, total: int | None = None, description: str | None = None) -> None:
        return None


class _Shown:
    def __init__(self, bar: Any, task: Any) -> None:
        self._bar = bar
        self._task = task

    def advance(self, steps: int = 1) -> None:
        self._bar.advance(self._task, steps)

    def update(self, *, total: int | None = None, description: str | None = None) -> None:
        changes: dict[str, Any] = {}
        if total is not None:
            changes["total"] = total
        if description is not None:
            changes["description"] = description
        self._bar.update(self._task, **changes)


def enabled(stream: Any = None) -> bool:
    """Whether progress may be shown: stderr is a terminal and SOBCTL_NO_PROGRESS is not set."""
    target = sys.stderr if stream is None else stream
    if os.environ.get("SOBCTL_NO_PROGRESS"):
        return False
    isatty = getattr(target, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


@contextmanager
def progress(description: str, total: int | None = None) -> Iterator[Progress]:
    """Show a transient progress bar (or a spinner without ``total``) on a terminal's stderr."""
    if not enabled():
        yield _Silent()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    console = Console(file=sys.stderr, stderr=True)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with RichProgress(*columns, console=console, transient=True, refresh_per_second=8) as bar:
        task = bar.add_task(description, total=total)
        yield _Shown(bar, task)


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Yield ``items`` while showing how far the loop has come (a spinner when the length is unknown)."""
    if total is None and isinstance(items, Sized):
        total = len(items)
    with progress(description, total=total) as bar:
        for item in items:
            yield item
            bar.advance()
