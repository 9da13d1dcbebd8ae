"""Replaying acts from their commit trailers, so history can be verified (``sobctl audit verify``).

Every act's module registers a replayer for each ``Sob-Action`` it writes: a function that,
given a session on the parent commit's content and the commit's trailers and reason,
rebuilds the same ``Act``. Verifying a commit is then: replay, and compare the act's
changes with the commit's, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable

from sobctl.ops.session import Session
from sobctl.ops.transaction import Act

Trailers = dict[str, str]
Replayer = Callable[[Session, Trailers, str | None], Act]
REPLAYERS: dict[str, Replayer] = {}


def replayer(action: str) -> Callable[[Replayer], Replayer]:
    """Register the function that rebuilds acts whose ``Sob-Action`` is ``action``."""

    def register(function: Replayer) -> Replayer:
        REPLAYERS[action] = function
        return function

    return register


def load_all() -> dict[str, Replayer]:
    """Import every module that registers replayers and return the registry."""
    import importlib

    for module in ("units", "roles", "people", "programs", "agreements", "copyright"):
        try:
            importlib.import_module(f"sobctl.ops.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"sobctl.ops.{module}":
                raise
    return REPLAYERS
