"""Plain command-line values converted directly, to exactly what typer's pydantic adapter returns.

typer 0.29 converts each parameter's value through a pydantic ``TypeAdapter`` built for it on
first use, even for a plain string, which costs the import of pydantic's schema machinery at
every start. :func:`runtime_param` takes the direct way for ``str``, ``bool``, ``int``, ``Path``
and ``list[str]`` values that typer's adapter would accept unchanged; every other type, and every
value that would be refused or needs pydantic's reading (``"05"``, ``"2.0"``, bytes), goes
through typer's own adapter, so what a command receives and every error message stay typer's.
``tests/test_startup.py`` compares both ways for every parameter of every command.

Written against typer 0.29's internals (``typer._coercion``); :func:`sobctl.cli.startup.install`
leaves typer alone when they are not there.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, get_args, get_origin

from typer._coercion import RuntimeParam, TypeDescriptor
from typer._coercion import build_runtime_param as typer_runtime_param
from typer._param_types import coerce_cli_path

if TYPE_CHECKING:
    from typer._click import Context
    from typer.core import _TyperParameter

SLOW: Final = object()  # "let typer's adapter decide"
_INTEGER: Final = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")  # what int() and pydantic read alike


def runtime_param(descriptor: TypeDescriptor) -> RuntimeParam:
    """typer's conversion of one parameter, taking the direct way where there is one."""
    if descriptor.file_annotation is None and descriptor.parameter_info.parser is None:
        return DirectRuntimeParam(annotation=descriptor.annotation, parameter_info=descriptor.parameter_info,
                                  descriptor=descriptor)
    return typer_runtime_param(descriptor)


@dataclass(frozen=True)
class DirectRuntimeParam(RuntimeParam):
    """Plain values converted directly; anything else handed to typer's own conversion."""

    descriptor: TypeDescriptor

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        result = direct_value(self.descriptor, value)
        if result is SLOW:
            return typer_runtime_param(self.descriptor)._coerce_value(value, param=param, ctx=ctx)
        return result


def direct_value(descriptor: TypeDescriptor, value: Any) -> Any:
    """The value typer's adapter would return for these plain cases, else ``SLOW``."""
    annotation: Any = descriptor.annotation
    info = descriptor.parameter_info
    if annotation is str or annotation is bool:
        return value if type(value) is annotation else SLOW
    if annotation is int:
        if info.min is not None or info.max is not None or info.clamp:
            return SLOW
        if type(value) is int:
            return value
        return int(value) if type(value) is str and _INTEGER.fullmatch(value) else SLOW
    if annotation is Path:
        return _path(descriptor, value)
    if (get_origin(annotation) is list and get_args(annotation) == (str,) and isinstance(value, list | tuple)
            and all(type(item) is str for item in value)):
        return list(value)
    return SLOW


def _path(descriptor: TypeDescriptor, value: Any) -> Any:
    """A ``Path`` option: typer's own checks, given the ``Path`` pydantic would have made."""
    info = descriptor.parameter_info
    if type(value) is not str or info.path_type is not None or info.allow_dash:
        return SLOW
    path = Path(value)
    if os.fspath(path) != value:  # "a/", "./a": messages would show typer's spelling of the path
        return SLOW
    try:
        return coerce_cli_path(path, info, path_type=Path)
    except Exception:  # refused, or an odd path (NUL): typer's adapter words the error
        return SLOW
