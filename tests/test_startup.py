"""Start-up shortcuts change nothing a user sees: the branch built for one command is the whole
tree's, plain option values convert to what typer's own adapter returns (and refused values are
worded by typer), and ``--help`` of a command loads neither pydantic, rich nor the domain."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_origin

import pytest
import typer
from typer._click import Command, Context
from typer._coercion import build_runtime_param as typer_runtime_param
from typer.core import TyperGroup as Group

from conftest import PROJECT, TODAY, run_cli
from sobctl.cli import click_text, startup, values
from sobctl.cli.app import app
from sobctl.i18n import set_language, translate_help


def _commands(command: Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Command]]:
    yield path, command
    if isinstance(command, Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))


def _at(command: Command, path: tuple[str, ...]) -> Command:
    for name in path:
        assert isinstance(command, Group)
        command = command.commands[name]
    return command


def _whole_tree() -> Command:
    return typer.main.get_command(app)


PATHS = [path for path, _ in _commands(_whole_tree())]


def _typed(descriptor: Any) -> Any:
    if descriptor is None:
        return None
    info = sorted((key, repr(value)) for key, value in vars(descriptor.parameter_info).items())
    return (descriptor.annotation, descriptor.file_annotation, info)


def _described(command: Command) -> tuple[Any, ...]:
    """Everything about one command that parsing and its help depend on."""
    params = tuple(
        (p.name, tuple(p.opts), tuple(p.secondary_opts), getattr(p, "help", None), p.required, p.default,
         p.metavar, p.nargs, p.multiple, getattr(p, "is_flag", None), p.is_eager, p.envvar,
         type(p).__name__, _typed(getattr(p, "type_descriptor", None)))
        for p in command.params
    )
    return (command.name, command.help, command.short_help, command.hidden, command.deprecated,
            command.no_args_is_help, command.options_metavar, command.context_settings, params,
            sorted(command.commands) if isinstance(command, Group) else None)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "(root)")
def test_the_branch_built_for_a_command_is_the_whole_trees(path: tuple[str, ...]) -> None:
    whole = _whole_tree()
    for argv in ([*path, "--help"], [*path, "X", "--as-of", TODAY], ["--lang", "sv", "--debug", *path, "-h"]):
        built = startup.command_for(app, argv)
        for depth in range(len(path)):  # the root and the groups on the way: the same but for their other commands
            assert _described(_at(built, path[:depth]))[:-1] == _described(_at(whole, path[:depth]))[:-1]
        assert _described(_at(built, path)) == _described(_at(whole, path))


def test_only_the_named_branch_is_built_and_anything_uncertain_gets_the_whole_tree() -> None:
    whole = set(_whole_tree().commands)  # type: ignore[attr-defined]

    def names(*argv: str) -> set[str]:
        return set(startup.command_for(app, list(argv)).commands)  # type: ignore[attr-defined]

    assert names("assign", "kbt-depression") == {"assign"}
    assert names("--lang", "sv", "--debug", "unit", "activate", "X") == {"unit"}
    assert names("--lang=sv", "role", "list") == {"role"}
    unit = startup.command_for(app, ["unit", "activate", "X"]).commands["unit"]  # type: ignore[attr-defined]
    assert set(unit.commands) == {"activate"}
    unit_help = startup.command_for(app, ["unit", "--help"]).commands["unit"]  # type: ignore[attr-defined]
    assert set(unit_help.commands) == {"activate", "deactivate", "archive"}
    for argv in ([], ["--help"], ["-h"], ["--version"], ["asign"], ["--bogus", "assign"], ["--lang"],
                 ["--", "assign"], ["-", "assign"], ["--lang", "assign"], ["--debug=1", "assign"]):
        assert names(*argv) == whole, argv


def test_the_root_options_known_to_the_shortcut_are_the_roots() -> None:
    """Flags and valued options that may stand before a command's name, as the root defines them;
    eager ones (--help, --version) end the command line and must make the whole tree be built."""
    root = _whole_tree()
    flags = {opt for p in root.params if getattr(p, "is_flag", False) and not p.is_eager for opt in p.opts}
    valued = {opt for p in root.params if not getattr(p, "is_flag", False) and not p.is_eager for opt in p.opts}
    assert flags == set(startup.ROOT_FLAGS)
    assert valued == set(startup.ROOT_VALUED)
    assert all(not p.secondary_opts for p in root.params)


@pytest.mark.parametrize("language", ["en", "sv"])
def test_help_of_every_command_reads_as_from_the_whole_tree(language: str) -> None:
    """What ``--help`` prints through the built branch equals what click prints from the whole tree."""
    for path in PATHS:
        got = run_cli("--lang", language, *path, "--help")
        assert got.code == 0 and got.stderr == "", (path, got.stderr)
        set_language(language)
        click_text.install()
        whole = _whole_tree()
        translate_help(whole)
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), contextlib.suppress(typer.Exit, SystemExit):
            whole.main(["--lang", language, *path, "--help"], prog_name="sobctl", standalone_mode=False)
        set_language("en")
        assert got.stdout == buffer.getvalue(), path


def test_usage_errors_are_typers_own(region: Path) -> None:
    bad_count = run_cli("log", "-n", "abc", cwd=region)
    assert bad_count.code == 2 and bad_count.stdout == ""
    assert bad_count.stderr.splitlines() == [
        "Usage: sobctl log [OPTIONS]",
        "Try 'sobctl log -h' for help.",
        "",
        "Error: Invalid value for '-n' / '--max-count': Input should be a valid integer, unable to parse string "
        "as an integer",
    ]
    fraction = run_cli("--lang", "sv", "log", "-n", "2.5", cwd=region)
    assert fraction.code == 2
    assert fraction.stderr.splitlines()[-1] == (
        "Fel: Ogiltigt värde för '-n' / '--max-count': Input should be a valid integer, unable to parse string as "
        "an integer")
    missing = run_cli("--lang", "sv", "unit", "activate", cwd=region)
    assert missing.code == 2
    assert missing.stderr.splitlines() == [
        "Användning: sobctl unit activate [OPTIONS] {HSA_ID}",
        "Prova 'sobctl unit activate -h' för hjälp.",
        "",
        "Fel: Argumentet 'HSA_ID' saknas.",
    ]
    typo = run_cli("asign", cwd=region)
    assert typo.code == 2
    assert typo.stderr.splitlines()[-1] == "Error: No such command 'asign'. Did you mean 'assign', 'unassign'?"
    unknown = run_cli("unit", "activat", cwd=region)
    assert unknown.code == 2
    assert unknown.stderr.splitlines()[-1].startswith("Error: No such command 'activat'.")
    bad_lang = run_cli("--lang", "xx", "assign", cwd=region)
    assert bad_lang.code == 2 and "--lang: 'xx' is not one of sv, en" in bad_lang.stderr


def test_plain_values_reach_the_commands(region: Path) -> None:
    """A repeated option, a count, a path and the flags arrive as the command expects them."""
    added = run_cli("person", "add", "SE2321000016-P099", "--name", "Sara Berg", "--email", "a@b.se", "--email",
                    "c@d.se", "--dry-run", "--as-of", TODAY, "--repo", str(region))
    assert added.code == 0, added.stderr
    assert "+emails:\n+  - a@b.se\n+  - c@d.se\n" in added.stdout
    assert "Sob-Email: a@b.se, c@d.se" in added.stdout
    logged = run_cli("log", "-n", "1", "--format", "json", "--repo", f"{region}/")
    assert logged.code == 0, logged.stderr
    assert logged.stdout.count('"commit"') == 1
    nowhere = run_cli("validate", "--repo", str(region / "missing"))
    assert nowhere.code == 4 and "missing: no such folder" in nowhere.stderr


# --- plain values: the direct conversion equals typer's adapter --------------------------------------

SAMPLES: dict[str, list[Any]] = {
    "str": ["x", "", " spaced ", "åäö", "-", "--as-of", 5, b"bytes", None],
    "bool": [True, False, "true", "no", "", "maybe", 1, None],
    "int": ["0", "7", "-3", "05", "+5", " 8", "8 ", "2.0", "2.5", "abc", "1_000", "", "-0",
            "123456789012345678", "99999999999999999999999", 5, True, None],
    "Path": [".", "", "./", "a/", "./a", "a//b", "relative/file", "/", "a\x00b", "~", None],
    "list[str]": [["a", "b"], ("a",), [], ["a", 1], "a", None],
}


def _kind(annotation: Any) -> str:
    return str(annotation) if get_origin(annotation) is not None else annotation.__name__


def _outcome(build: Callable[[Any], Any], descriptor: Any, value: Any, param: Any, context: Context) -> tuple[Any, ...]:
    """What one way of converting makes of ``value``: the value and its type, or the refusal's words."""
    try:
        value = build(descriptor).coerce(value, param=param, ctx=context)
    except Exception as exc:
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        return ("refused", type(exc).__name__, message)
    return ("value", type(value), value)


def test_every_parameter_converts_like_typers_adapter(tmp_path: Path) -> None:
    existing_file = tmp_path / "file.txt"
    existing_file.write_text("x")
    paths = [*SAMPLES["Path"], str(tmp_path), str(existing_file), str(tmp_path / "absent"), f"{tmp_path}/"]
    seen: set[str] = set()
    checked = 0
    for path, command in _commands(_whole_tree()):
        for param in command.params:
            descriptor = getattr(param, "type_descriptor", None)
            if descriptor is None:
                continue
            kind = _kind(descriptor.annotation)
            seen.add(kind)
            context = Context(command, info_name=" ".join(path) or "sobctl")
            for value in paths if kind == "Path" else SAMPLES.get(kind, []):
                direct = _outcome(values.runtime_param, descriptor, value, param, context)
                typers = _outcome(typer_runtime_param, descriptor, value, param, context)
                assert direct == typers, (path, param.name, value)
                checked += 1
    assert seen <= set(SAMPLES), f"a parameter type without samples here: {seen - set(SAMPLES)}"
    assert {"str", "bool", "int", "Path", "list[str]"} <= seen and checked > 1000


# --- what --help loads ---------------------------------------------------------------------------------


def _modules_loaded(*argv: str) -> set[str]:
    script = (
        "import sys\n"
        f"sys.argv = ['sobctl', *{list(argv)!r}]\n"
        "from sobctl.cli.app import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(' '.join(sorted(sys.modules)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    return set(done.stderr.split())


@pytest.mark.parametrize("argv", [("--help",), ("assign", "--help"), ("--lang", "sv", "validate", "-h"),
                                  ("unit", "activate", "--help"), ("role", "list", "--help")])
def test_help_loads_neither_pydantic_rich_nor_the_domain(argv: tuple[str, ...]) -> None:
    loaded = _modules_loaded(*argv)
    assert "sobctl.cli.app" in loaded
    heavy = {m for m in loaded if m.split(".")[0] in ("pydantic", "pydantic_core", "rich", "ruamel", "git",
                                                        "jinja2", "yaml_rs", "orjson")}
    domain = {m for m in loaded if m.startswith(("sobctl.ops", "sobctl.repo", "sobctl.checks", "sobctl.model",
                                                 "sobctl.render"))}
    assert not heavy and not domain, sorted(heavy | domain)


def test_the_collector_is_paused_only_while_a_command_runs(region: Path) -> None:
    """main() pauses the cyclic garbage collector for the command and gives it back as it was."""
    import gc

    assert gc.isenabled()
    assert run_cli("validate", "--as-of", TODAY, cwd=region).code == 0
    assert run_cli("validate", "--bogus", cwd=region).code == 2
    assert gc.isenabled()
    gc.disable()
    try:
        assert run_cli("rules").code == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
