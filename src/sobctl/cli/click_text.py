"""The words typer's bundled click prints itself, in sobctl's language.

typer (0.29) bundles its own copy of click, whose usage line, help option and usage errors are
English text in the code. sobctl translates them at the edge: usage errors are rendered here
(:func:`usage_error`), and :func:`install` gives the help formatter, the help option and typer's
own gettext look-ups ("Options", "Commands", "Arguments") sobctl's catalogue. Everything here is
presentation; English output stays exactly click's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sobctl.i18n import N_, _

#: typer's own gettext look-ups, so that they are extracted into sobctl's catalogue.
TYPER_WORDS = (N_("Options"), N_("Commands"), N_("Arguments"), N_("[required]"), N_("[default: {}]"),
               N_("Aborted!"), N_("Missing command."), N_("No such command {name!r}."))

#: click's usage-error messages (as it formats them) → sobctl's message with named placeholders.
_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^No such option: (?P<option>\S+)(?: \(Possible options: (?P<choices>.+)\))?$"),
     N_("No such option: {option}")),
    (re.compile(r"^No such command '(?P<command>.+)'\.$"), N_("No such command '{command}'.")),
    (re.compile(r"^Missing argument '(?P<name>.+)'\.$"), N_("Missing argument '{name}'.")),
    (re.compile(r"^Missing option '(?P<name>.+)'\.$"), N_("Missing option '{name}'.")),
    (re.compile(r"^Missing command\.$"), N_("Missing command.")),
    (re.compile(r"^Option '(?P<option>.+)' requires an argument\.$"), N_("Option '{option}' requires an argument.")),
    (re.compile(r"^Option '(?P<option>.+)' does not take a value\.$"), N_("Option '{option}' does not take a value.")),
    (re.compile(r"^Got unexpected extra arguments? \((?P<arguments>.+)\)$"),
     N_("Got unexpected extra arguments ({arguments})")),
    (re.compile(r"^Invalid value for (?P<parameter>.+?): (?P<detail>.+)$"),
     N_("Invalid value for {parameter}: {detail}")),
)
_SUGGESTION = N_("(Possible options: {choices})")


def translate_message(message: str) -> str:
    """One of click's usage-error messages in the current language (unknown ones as they are)."""
    for pattern, template in _MESSAGES:
        match = pattern.match(message)
        if match is not None:
            values = match.groupdict()
            choices = values.pop("choices", None)
            text = _(template).format(**values)
            return f"{text} {_(_SUGGESTION).format(choices=choices)}" if choices else text
    return message


def usage_error(exc: Any) -> str:
    """What click's ``UsageError.show`` prints (usage line, help hint, error), translated."""
    lines: list[str] = []
    context = getattr(exc, "ctx", None)
    if context is not None:
        lines.append(context.get_usage())
        if context.command.get_help_option(context) is not None:
            lines.append(_("Try '{command} {option}' for help.").format(
                command=context.command_path, option=context.help_option_names[0]))
        lines.append("")
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    lines.append(_("Error: {message}").format(message=translate_message(message)))
    return "\n".join(lines) + "\n"


def install() -> None:
    """Point typer's bundled click at sobctl's catalogue (idempotent)."""
    import typer.core
    from typer._click import core as click_core
    from typer._click import formatting

    typer.core._ = _  # type: ignore[attr-defined]  # typer looks "Options", "Commands" … up with gettext
    if getattr(formatting.HelpFormatter.write_usage, "_sobctl", False):
        return
    write_usage: Callable[..., None] = formatting.HelpFormatter.write_usage
    get_help_option: Callable[..., Any] = click_core.Command.get_help_option

    def translated_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, _("Usage: ") if prefix is None else prefix)

    def translated_help_option(self: Any, ctx: Any) -> Any:
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = _("Show this message and exit.")
        return option

    translated_usage._sobctl = True  # type: ignore[attr-defined]
    formatting.HelpFormatter.write_usage = translated_usage  # type: ignore[method-assign]
    click_core.Command.get_help_option = translated_help_option  # type: ignore[method-assign]
