"""What a command keeps until its process ends, when the process ends right after the command.

A national repository's loaded documents are millions of objects; freeing them one by one when
a validation returns costs about a tenth of a second, just before the process would end and the
system take all its memory back at once. The console command (``sobctl.cli.app.run``) marks its
process as ending; code that drops a large structure hands it here instead, and the command ends
the process without freeing it (after flushing its output). In-process callers (tests, other
programs) never mark theirs, so nothing is kept for them.

Work that only the next command needs (filling the parse cache after a cold validation) is left
here too: the console command does it in a detached process once its output is out, as git
leaves its automatic housekeeping to a detached process; anyone else's does it at once.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable

_kept: list[object] = []
_later: list[Callable[[], None]] = []
_ending = False


def mark_ending() -> None:
    """This process ends when its command returns (only ``sobctl.cli.app.run`` says so)."""
    global _ending
    _ending = True


def keep(value: object) -> None:
    """Hold ``value`` until the process ends, if it ends with the command; otherwise let it go."""
    if _ending:
        _kept.append(value)


def kept() -> bool:
    """Whether anything is held (then the process should end without freeing it)."""
    return bool(_kept) or bool(_later)


def after_output(task: Callable[[], None]) -> None:
    """Run ``task`` once the command's answer is out: after this process's output, in a process
    of its own that nobody waits for, when the process ends with the command; otherwise now.
    ``task`` must not print, and what it raises is dropped."""
    if _ending:
        _later.append(task)
    else:
        task()


def finish_detached() -> None:
    """Start the tasks left by :func:`after_output` in a detached process (its own session, no
    terminal, output to nowhere). The console command calls this after flushing its output, just
    before it ends; where no process can be forked, the tasks run here."""
    if not _later:
        return
    tasks = list(_later)
    _later.clear()
    try:
        child = os.fork()
    except OSError:
        _run(tasks)
        return
    if child == 0:  # pragma: no cover - the detached process; it never returns
        try:
            os.setsid()
            null = os.open(os.devnull, os.O_RDWR)
            for descriptor in (0, 1, 2):
                os.dup2(null, descriptor)
            with contextlib.suppress(OSError):
                os.nice(19)  # housekeeping: whatever runs next comes first
            _run(tasks)
        finally:
            os._exit(0)


def _run(tasks: list[Callable[[], None]]) -> None:
    for task in tasks:
        with contextlib.suppress(Exception):
            task()
