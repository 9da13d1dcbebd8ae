"""What a command keeps until its process ends, when the process ends right after the command.

A national repository's loaded documents are millions of objects; freeing them one by one when
a validation returns costs about a tenth of a second, just before the process would end and the
system take all its memory back at once. The console command (``sobctl.cli.app.run``) marks its
process as ending; code that drops a large structure hands it here instead, and the command ends
the process without freeing it (after flushing its output). In-process callers (tests, other
programs) never mark theirs, so nothing is kept for them.
"""

from __future__ import annotations

_kept: list[object] = []
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
    return bool(_kept)
