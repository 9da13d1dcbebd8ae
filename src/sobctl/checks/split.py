"""Every rule over a large workspace on two cores: a forked child judges every other subject.

Rules judge one document at a time (see :class:`sobctl.checks.Context`), so the subjects of a
full run can be shared out: the child, which shares the parent's loaded workspace through
``fork``, judges every other document of each kind and sends its findings (and, under a tracker, what its subjects
looked up) back through a pipe; the parent judges the other half meanwhile. The result is
the same list of findings in another order (callers sort it), and a child that fails costs
time, never a finding: the parent then judges that half itself.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
from array import array
from typing import Any

from sobctl.model.diagnostic import Diagnostic
from sobctl.repo.workspace import FOLDERS, Workspace, jobs

#: Below this many documents forking costs more than the second core saves.
SPLIT_MIN_DOCUMENTS = 3000


def run_checks_split(workspace: Workspace, today: dt.date) -> list[Diagnostic]:
    """``run_checks(workspace, today)``, on two cores when the workspace is large."""
    from sobctl.checks import run_checks

    documents = sum(len(workspace.documents(folder.kind)) for folder in FOLDERS)
    if documents < SPLIT_MIN_DOCUMENTS or jobs() < 2 or not hasattr(os, "fork"):
        return run_checks(workspace, today)
    mine, theirs = (0, 2), (1, 2)
    reader, writer = os.pipe()
    try:
        child = os.fork()
    except OSError:
        os.close(reader)
        os.close(writer)
        return run_checks(workspace, today)
    if child == 0:  # pragma: no cover - runs in the forked child, which reports through the pipe
        os.close(reader)
        status = 1
        try:
            found = run_checks(workspace, today, share=theirs)
            tracker = workspace.tracker
            reads = None
            if tracker is not None:
                reads = ({key: tracker.packed(key).tobytes() for key in tracker.readers}, tracker.subjects)
            data = pickle.dumps((found, reads), protocol=pickle.HIGHEST_PROTOCOL)
            view = memoryview(data)
            while view:
                view = view[os.write(writer, view) :]
            status = 0
        finally:
            os._exit(status)
    os.close(writer)
    try:
        found = run_checks(workspace, today, share=mine)
        received = _read_all(reader)
        _pid, status = os.waitpid(child, 0)
        child = 0
        outcome: Any = pickle.loads(received) if status == 0 and received else None
    except BaseException:
        if child:
            os.kill(child, 9)
            os.waitpid(child, 0)
        raise
    finally:
        os.close(reader)
    if outcome is None:  # the child failed: judge its half here
        return found + run_checks(workspace, today, share=theirs)
    their_findings, reads = outcome
    if reads is not None and workspace.tracker is not None:
        workspace.tracker.absorb(reads[1], {key: array("I", packed) for key, packed in reads[0].items()})
    return found + list(their_findings)


def _read_all(descriptor: int) -> bytes:
    pieces: list[bytes] = []
    while True:
        piece = os.read(descriptor, 1 << 20)
        if not piece:
            return b"".join(pieces)
        pieces.append(piece)
