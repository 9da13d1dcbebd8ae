"""Swedish and English: every message has a Swedish translation, the compiled catalogues are current,
and the language is chosen by --lang, $SOBCTL_LANG or the locale."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from babel.messages import frontend
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from conftest import PROJECT, TODAY, run_cli

LOCALE = PROJECT / "src" / "sobctl" / "locale"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)s")


def extracted() -> dict[tuple[str | None, str], str]:
    """Every marked message of the sources and templates, as ``make translations`` extracts them."""
    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with (PROJECT / "babel.cfg").open() as config:
        method_map, options_map = parse(config)
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found: dict[tuple[str | None, str], str] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(PROJECT), method_map, options_map, keywords=keywords
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found[(context, msgid)] = f"{filename}:{lineno}"
    return found


def catalogue(language: str) -> object:
    with (LOCALE / language / "LC_MESSAGES" / "sobctl.po").open("rb") as stream:
        return read_po(stream, locale=language)


def test_every_message_has_a_swedish_translation() -> None:
    messages = extracted()
    assert len(messages) > 150
    assert any(context == "SOB001" for context, _ in messages)  # rule descriptions are extracted by code
    sv = catalogue("sv")
    problems = []
    for (context, msgid), where in sorted(messages.items(), key=lambda item: item[1]):
        entry = sv.get(msgid, context=context)  # type: ignore[attr-defined]
        strings = entry.string if entry is not None and isinstance(entry.string, tuple) else (
            (entry.string,) if entry is not None else ())
        if entry is None or entry.fuzzy or not all(strings):
            problems.append(f"{where}: {msgid!r} has no Swedish translation")
            continue
        wanted = set(PLACEHOLDER.findall(msgid if isinstance(msgid, str) else msgid[0]))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"{where}: {msgid!r}: placeholders differ in {text!r}")
    assert not problems, "run `make translations` and translate:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_compiled_catalogues_match_their_po_files(language: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, catalogue(language))  # type: ignore[arg-type]
    committed = (LOCALE / language / "LC_MESSAGES" / "sobctl.mo").read_bytes()
    assert compiled.getvalue() == committed, f"{language}/sobctl.mo is stale: run `make translations`"


def test_language_from_option_environment_and_locale(region: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("SOBCTL_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)

    def heading() -> str:
        return run_cli("report", "usage", "--as-of", TODAY, cwd=region).stdout.splitlines()[0]

    assert heading().startswith("Program usage per unit")
    monkeypatch.setenv("LANG", "sv_SE.UTF-8")
    assert heading().startswith("Användning av moment per enhet")
    monkeypatch.setenv("LC_ALL", "en_GB.UTF-8")  # LC_ALL wins over LANG
    assert heading().startswith("Program usage per unit")
    monkeypatch.setenv("SOBCTL_LANG", "sv")  # $SOBCTL_LANG wins over the locale
    assert heading().startswith("Användning av moment per enhet")
    english = run_cli("--lang", "en", "report", "usage", "--as-of", TODAY, cwd=region)  # --lang wins over all
    assert english.stdout.startswith("Program usage per unit")
    bad = run_cli("--lang", "fi", "report", "usage", cwd=region)
    assert bad.code == 2 and "--lang: 'fi'" in bad.stderr


def test_validate_summary_line_in_both_languages(region: Path) -> None:
    english = run_cli("--lang", "en", "validate", "--as-of", TODAY, cwd=region)
    swedish = run_cli("--lang", "sv", "validate", "--as-of", TODAY, cwd=region)
    match = re.fullmatch(r"(\d+) errors?, (\d+) warnings? in (\d+) files?", english.stdout.splitlines()[-1])
    assert match, english.stdout
    errors, warnings, files = (int(n) for n in match.groups())
    assert swedish.stdout.splitlines()[-1] == (
        f"{errors} fel, {warnings} {'varning' if warnings == 1 else 'varningar'} i "
        f"{files} {'fil' if files == 1 else 'filer'}"
    )
    # The same findings at the same places, with the messages and hints in Swedish.
    def places(text: str) -> list[str]:
        return [line.split("]: ", 1)[0] if not line.startswith("  ") else line.split(":", 1)[0]
                for line in text.splitlines()[:-1]]

    assert [p.replace("  tips", "  hint") for p in places(swedish.stdout)] == places(english.stdout)
    assert swedish.code == english.code


def test_rules_are_described_in_swedish() -> None:
    from sobctl.model.codes import RULES

    sv = catalogue("sv")
    swedish = run_cli("--lang", "sv", "rules")
    english = run_cli("--lang", "en", "rules")
    assert swedish.code == english.code == 0
    for rule in RULES.values():
        translated = sv.get(rule.description, context=rule.code)  # type: ignore[attr-defined]
        assert translated is not None and translated.string, rule.code
        assert translated.string in swedish.stdout
        assert rule.description in english.stdout
    assert "Filen är inte giltig YAML." in swedish.stdout
    described = json.loads(run_cli("--lang", "sv", "rules", "--format", "json").stdout)
    assert described[0]["description"] == "Filen är inte giltig YAML."


def test_error_prefixes_in_swedish(tmp_path: Path) -> None:
    refused = run_cli("--lang", "sv", "validate", cwd=tmp_path)
    assert refused.code == 4
    assert refused.stderr.startswith("sobctl: nekad [repository]: ")
    assert "  tips: " in refused.stderr


def test_help_in_swedish() -> None:
    swedish = run_cli("--lang", "sv", "report", "usage", "--help")
    assert swedish.code == 0
    assert "Vilket moment som används på vilken enhet" in swedish.stdout
    assert "Regionens förråd" in swedish.stdout
    english = run_cli("report", "usage", "--help")
    assert "Which program runs on which unit" in english.stdout
    top = run_cli("--lang", "sv", "--help")
    assert "Språk för meddelanden och rapporter" in top.stdout
