"""Messages in Swedish and English: gettext catalogues compiled into ``sobctl/locale``.

Source strings are English. The language is chosen once per command by ``--lang``
(root option), else ``$SOBCTL_LANG``, else the locale (``LC_ALL``, ``LC_MESSAGES``,
``LANG`` starting with ``sv`` → Swedish), else English. Runtime needs only the standard
library: the compiled ``.mo`` files are committed; Babel is needed only to extract and
compile (``make translations``).

Mark strings with ``_("…")``, plurals with ``ngettext``; strings defined before the language
is known (tables of labels) with ``N_("…")`` and translate them when used.
Rule descriptions of ``model/codes.py`` are looked up by code (``rule_description``): the
catalogues carry them with the code as message context, extracted by ``extract_rules``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import gettext as _gettext

DOMAIN = "sobctl"
LANGUAGES = ("sv", "en")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_current: str = "en"


def default_language(environ: dict[str, str] | None = None) -> str:
    """The language from $SOBCTL_LANG or the locale variables (``sv…`` → sv), else en."""
    env = os.environ if environ is None else environ
    chosen = env.get("SOBCTL_LANG", "").strip().lower()
    if chosen:
        return "sv" if chosen.startswith("sv") else "en"
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(variable, "")
        if value:
            return "sv" if value.lower().startswith("sv") else "en"
    return "en"


@cache
def _catalogue(language: str) -> _gettext.NullTranslations:
    import gettext as _gettext  # imported when the first message is translated, not at start-up

    return _gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[language], fallback=True)


def set_language(language: str | None) -> str:
    """Choose the language for what follows (None: the default from the environment)."""
    global _current
    chosen = default_language() if language is None else language
    if chosen not in LANGUAGES:
        from sobctl.errors import UsageError

        raise UsageError(f"--lang: '{language}' is not one of {', '.join(LANGUAGES)}")
    _current = chosen
    return chosen


def language() -> str:
    return _current


def _(message: str) -> str:
    """The message in the current language."""
    return _catalogue(_current).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Singular or plural form of the message for ``n``, in the current language."""
    return _catalogue(_current).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _catalogue(_current).pgettext(context, message)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


def rule_description(code: str) -> str:
    """The one-line description of a diagnostic code in the current language."""
    from sobctl.model.codes import RULES

    info = RULES.get(code)
    if info is None:
        return code
    return pgettext(code, info.description)


def extract_rules(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    """Babel extractor for ``model/codes.py``: each ``RuleInfo(code, name, severity, description)``
    becomes a message with the code as its context (used in babel.cfg)."""
    import ast

    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "RuleInfo"
            and len(node.args) >= 4
            and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in (node.args[0], node.args[3]))
        ):
            code = node.args[0].value  # type: ignore[attr-defined]
            description = node.args[3].value  # type: ignore[attr-defined]
            yield node.lineno, "pgettext", (code, description), [f"rule {code}"]


def language_from_argv(argv: list[str]) -> str | None:
    """The root option ``--lang`` when given before the sub-command (None: not given)."""
    for index, arg in enumerate(argv):
        if arg == "--lang":
            return argv[index + 1] if index + 1 < len(argv) else None
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
        if not arg.startswith("-"):
            return None
    return None


def translate_help(command: Any) -> None:
    """Translate the help of a click command tree in place: commands' and groups' help texts
    (docstrings), and every option's and argument's help. Untranslated texts stay English."""
    if _current == "en":
        return
    for attribute in ("help", "short_help"):
        text = getattr(command, attribute, None)
        if isinstance(text, str) and text:
            setattr(command, attribute, _(text))
    for param in getattr(command, "params", ()):
        text = getattr(param, "help", None)
        if isinstance(text, str) and text:
            param.help = _(text)
    for sub in getattr(command, "commands", {}).values():
        translate_help(sub)


def extract_cli(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[Any, ...]]:
    """Babel extractor for the CLI modules: the ``_()`` calls as usual, plus what ``--help`` shows —
    the docstrings of command functions and every ``help="…"`` argument (used in babel.cfg)."""
    import ast
    import inspect
    import io

    from babel.messages.extract import extract_python

    data = fileobj.read()
    yield from extract_python(io.BytesIO(data), keywords, comment_tags, options)
    tree = ast.parse(data)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "help" and isinstance(keyword.value, ast.Constant) and keyword.value.value:
                    yield keyword.value.lineno, None, str(keyword.value.value), ["command-line help"]
        elif isinstance(node, ast.FunctionDef) and any(
            isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in ("command", "callback")
            for d in node.decorator_list
        ):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                yield node.lineno, None, inspect.cleandoc(doc), ["command-line help"]
