"""What happens before a command runs: the click command for this argv, and its parameters' values.

Two costs of typer 0.29 are avoided here, each without changing what any command accepts,
prints or answers:

* **The command tree.** ``typer.main.get_command`` turns every registered command into a click
  command, evaluating every signature's annotations (about 40 commands). :func:`command_for`
  builds only the command the arguments name (and the groups on its path) when that is
  certain; the root help, an unknown command and anything unusual get the whole tree.
* **Parameter values.** typer builds a pydantic ``TypeAdapter`` for every parameter it converts
  (even for a plain string), which imports pydantic's schema machinery at start-up. :func:`install`
  lets the plain cases convert directly (:mod:`sobctl.cli.values`).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

import typer
import typer.core
from typer.main import get_command_name
from typer.models import DefaultPlaceholder

if TYPE_CHECKING:
    from typer._click import Command
    from typer.models import CommandInfo, TyperInfo

#: Options of sobctl's root callback that may stand before the command's name: flags, and
#: options taking one value. Any other token there (``--help``, ``--version``, a typo, ``--``)
#: makes :func:`command_for` build the whole tree, so click answers it as always.
ROOT_FLAGS: Final = frozenset({"--debug"})
ROOT_VALUED: Final = frozenset({"--lang"})


# --- the command tree ----------------------------------------------------------------------------


def command_for(app: typer.Typer, argv: Sequence[str]) -> Command:
    """The click command for ``argv``: only the invoked command's branch when the arguments name it."""
    index = _command_index(argv, ROOT_FLAGS, ROOT_VALUED)
    pruned = _only(app, argv[index], list(argv[index + 1:])) if index is not None else None
    return typer.main.get_command(pruned if pruned is not None else app)


def _command_index(argv: Sequence[str], flags: frozenset[str], valued: frozenset[str]) -> int | None:
    """Where the first argument stands that can only be a command's name (None: not certain)."""
    index = 0
    while index < len(argv):
        token = argv[index]
        if token in flags:
            index += 1
        elif token in valued:
            index += 2
        elif token.startswith("--") and token.split("=", 1)[0] in valued and "=" in token:
            index += 1
        elif token.startswith("-"):
            return None
        else:
            return index
    return None


def _registered_name(command: CommandInfo) -> str | None:
    if command.name:
        return command.name
    return get_command_name(command.callback.__name__) if command.callback is not None else None


def _group_name(group: TyperInfo) -> str | None:
    return group.name if isinstance(group.name, str) and group.name else None


def _only(app: typer.Typer, name: str, rest: list[str]) -> typer.Typer | None:
    """A copy of ``app`` holding only the command or group called ``name`` (None: not certain)."""
    if app.registered_callback is None:  # without its callback, one command would become the root
        return None
    commands = [c for c in app.registered_commands if _registered_name(c) == name]
    groups = [g for g in app.registered_groups if _group_name(g) == name]
    if len(commands) + len(groups) != 1 or any(
        _registered_name(c) is None for c in app.registered_commands
    ) or any(_group_name(g) is None for g in app.registered_groups):
        return None
    if groups:
        groups = [_only_group(groups[0], rest)]
    pruned = copy.copy(app)
    pruned.registered_commands = commands
    pruned.registered_groups = groups
    return pruned


def _only_group(group: TyperInfo, rest: list[str]) -> TyperInfo:
    """The group, with only the sub-command ``rest`` names when it has no options of its own."""
    sub = group.typer_instance
    if (
        sub is None
        or sub.registered_callback is not None
        or not isinstance(sub.info.callback, DefaultPlaceholder | type(None))
        or not isinstance(group.callback, DefaultPlaceholder | type(None))
        or sub.registered_groups
        or not rest
        or rest[0].startswith("-")
    ):
        return group
    commands = [c for c in sub.registered_commands if _registered_name(c) == rest[0]]
    if len(commands) != 1:
        return group
    pruned_sub = copy.copy(sub)
    pruned_sub.registered_commands = commands
    pruned = copy.copy(group)
    pruned.typer_instance = pruned_sub
    return pruned


# --- parameter values ------------------------------------------------------------------------------


def install() -> None:
    """Let typer convert plain parameter values without pydantic (idempotent).

    Only with the typer internals :mod:`sobctl.cli.values` was written against (typer 0.29);
    with another typer, typer converts every value itself, as before.
    """
    try:
        from sobctl.cli.values import runtime_param
    except ImportError:
        return
    if hasattr(typer.core, "build_runtime_param"):
        typer.core.build_runtime_param = runtime_param
