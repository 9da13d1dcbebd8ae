"""The ``sobctl`` command: the Typer app, its sub-commands, and the one error handler."""

import atexit
import contextlib
import gc
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from sobctl import __version__
from sobctl.cli.common import AsOfOption, RepoOption, err, find_repo, out, parse_date
from sobctl.errors import ExitCode, SobError
from sobctl.i18n import _, ngettext

app = typer.Typer(
    name="sobctl",
    help="Keep a region's administration of Stöd och behandling as YAML files in Git: "
    "validate the catalogue, administer units, programs and roles as audited commits.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
schema_app = typer.Typer(help="JSON Schemas of the repository's files.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")


def _version(value: bool) -> None:
    if value:
        out(f"sobctl {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
    lang: Annotated[
        str | None,
        typer.Option("--lang", metavar="sv|en", help="Language of messages and reports (default: $SOBCTL_LANG, "
                     "else the locale)."),
    ] = None,
) -> None:
    """sobctl — the regional administration's tool for Stöd och behandling."""
    from sobctl.i18n import set_language

    set_language(lang)
    if debug:
        os.environ["SOBCTL_DEBUG"] = "1"


@app.command()
def validate(
    repo: RepoOption = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text | json | github | sarif | junit")] = "text",
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    as_of: AsOfOption = None,
    no_cache: Annotated[
        bool,
        typer.Option("--no-cache", help="Read and check everything afresh; neither use nor update the cache "
                     "(also: SOBCTL_NO_CACHE=1)."),
    ] = False,
) -> None:
    """Read every file of the repository and report every problem, each at its file, line and column.

    Exit 0 when there are no errors (warnings allowed unless --strict), 1 when there are.
    Results are cached under .git/sobctl-cache/ by git blob id; an unchanged tree is answered at once.

    Examples: sobctl validate · sobctl validate --format sarif > sobctl.sarif ·
    sobctl validate --as-of 2026-01-01 --strict
    """
    from sobctl.errors import UsageError
    from sobctl.render.diagnostics import RENDERERS
    from sobctl.repo.cache import validate as validate_cached

    if output_format not in RENDERERS:
        raise UsageError(_("{option}: '{value}' is not one of {choices}").format(
            option="--format", value=output_format, choices=", ".join(RENDERERS)))
    from sobctl.cli.progress import progress

    root_dir = find_repo(repo)
    today = parse_date(as_of)
    with progress(_("Validating the repository")):  # on a terminal's stderr only
        diagnostics, summary = validate_cached(root_dir, today, use_cache=not no_cache)
    out(RENDERERS[output_format](diagnostics, summary))
    failed = summary.errors > 0 or (strict and summary.warnings > 0)
    raise typer.Exit(ExitCode.FINDINGS if failed else ExitCode.OK)


@app.command()
def rules(
    output_format: Annotated[str, typer.Option("--format", "-f", help="text | json")] = "text",
) -> None:
    """List every diagnostic code with its severity and a one-line description."""
    import json

    from sobctl.errors import UsageError
    from sobctl.i18n import rule_description
    from sobctl.model.codes import RULES

    if output_format not in ("text", "json"):
        raise UsageError(_("{option}: '{value}' is not one of {choices}").format(
            option="--format", value=output_format, choices="text, json"))
    if output_format == "json":
        out(
            json.dumps(
                [
                    {
                        "code": r.code,
                        "name": r.name,
                        "severity": str(r.severity),
                        "description": rule_description(r.code),
                    }
                    for r in RULES.values()
                ],
                indent=2,
            )
            + "\n"
        )
        return
    from sobctl.render.reports import rules_text

    out(rules_text(list(RULES.values())))


@schema_app.command("export")
def schema_export(
    repo: RepoOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder (default: schemas/ in the repository).")
    ] = None,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 when the folder is stale.")] = False,
) -> None:
    """Write JSON Schemas generated from the models (for editors and CI)."""
    from sobctl.repo.files import atomic_write
    from sobctl.repo.schemas import render_schemas

    folder = output if output is not None else find_repo(repo) / "schemas"
    stale = []
    for name, data in render_schemas().items():
        target = folder / name
        if not target.is_file() or target.read_bytes() != data:
            stale.append(name)
            if not check:
                atomic_write(target, data)
    if check:
        if stale:
            err(_("schemas are stale in {path}: {files}").format(path=folder, files=", ".join(stale)) + "\n"
                + _("  hint: {hint}").format(hint=_("run sobctl schema export")))
            raise typer.Exit(ExitCode.FINDINGS)
        err(_("schemas in {path} are up to date").format(path=folder))
        return
    err(ngettext("wrote {n} schema file to {path}", "wrote {n} schema files to {path}", len(stale)).format(
        n=len(stale), path=folder) if stale else _("schemas in {path} were up to date").format(path=folder))


_FREEZE_AT_EXIT = False


def run() -> None:
    """The console command: ``main`` in a process that ends with the command (see
    ``sobctl.lifetime``: what a command held is not freed one object at a time)."""
    from sobctl import lifetime

    # The collector stays off to the end: turned on again after a large load, its first
    # collection would walk every object loaded (~0.27 s after a national validation).
    gc.disable()
    lifetime.mark_ending()
    main()


def main() -> None:
    """Entry point: run the app and map every failure to its exit code.

    sobctl runs one command and ends, so the cyclic garbage collector is paused meanwhile:
    what a command builds (the models, a loaded workspace) holds no garbage cycles worth
    collecting, while every collection would walk it all again (about a tenth of an act's
    time; peak memory measured the same either way). At exit everything still alive is
    frozen, so that the interpreter's last collection does not walk it once more.
    """
    global _FREEZE_AT_EXIT
    if not _FREEZE_AT_EXIT:
        atexit.register(gc.freeze)
        _FREEZE_AT_EXIT = True
    collecting = gc.isenabled()
    gc.disable()
    try:
        code = _run()
    finally:
        if collecting:
            gc.enable()
    from sobctl import lifetime

    if lifetime.kept():
        # End now, without freeing what was kept (the system takes the memory back at once),
        # once the output is out and what only the next command needs has been handed on.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more can be said
                stream.flush()
        lifetime.finish_detached()
        os._exit(code)
    sys.exit(code)


def _run() -> int:
    """The command's exit code, every failure mapped to its own."""
    from sobctl.i18n import _, language_from_argv, set_language, translate_help

    try:
        set_language(None)  # the environment's language, so that even a bad --lang is answered in it
        set_language(language_from_argv(sys.argv[1:]))
        from sobctl.cli import click_text, startup

        click_text.install()  # click's own words (usage line, help option, "Options") in the chosen language
        startup.install()  # plain option values without a pydantic validator each
        command = startup.command_for(app, sys.argv[1:])  # only the invoked command's branch
        translate_help(command)  # --help in the chosen language
        code = command(standalone_mode=False)
    except SobError as exc:
        rule = getattr(exc, "rule", None)
        err(
            _("sobctl: refused [{rule}]: {message}").format(rule=rule, message=exc.message)
            if rule
            else _("sobctl: error: {message}").format(message=exc.message)
        )
        if exc.hint:
            err(_("  hint: {hint}").format(hint=exc.hint))
        code = exc.exit_code
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.TyperException as exc:  # usage errors: bad option, missing argument
        from sobctl.cli.click_text import usage_error

        sys.stderr.write(usage_error(exc))
        code = ExitCode.USAGE
    except (KeyboardInterrupt, typer.Abort):
        err(_("sobctl: interrupted"))
        code = ExitCode.INTERRUPTED
    except BrokenPipeError:
        code = ExitCode.OK
    except Exception as exc:
        if os.environ.get("SOBCTL_DEBUG"):
            raise
        err(
            _("sobctl: internal error: {error}").format(error=f"{type(exc).__name__}: {exc}")
            + "\n"
            + _("  hint: {hint}").format(hint=_("rerun with --debug for a traceback"))
        )
        code = ExitCode.INTERNAL
    return int(code or 0)


# Command modules register themselves on ``app``; imported last so they can import it.
from sobctl.cli import admin, log, programs, reports, review  # noqa: E402,F401
