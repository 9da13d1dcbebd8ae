"""The command line in Swedish: refusals, tables and `program show` speak Swedish with --lang sv,
while everything written into the repository (commit subjects, trailers, YAML) stays the same
bytes whatever the language."""

from __future__ import annotations

from pathlib import Path

from conftest import TODAY, git, run_cli, snapshot

PROVIDER = "SE2321000016-0000"
ACTIVE_UNIT = "SE2321000016-U200"
INACTIVE_UNIT = "SE2321000016-U300"
MEDICAL = "SE2321000016-P010"


def test_refusal_in_swedish_names_the_rule_and_changes_nothing(region: Path) -> None:
    before = snapshot(region)
    refused = run_cli("--lang", "sv", "assign", "kbt-depression", INACTIVE_UNIT, "--approved-by", MEDICAL,
                      "--as-of", TODAY, cwd=region)
    assert refused.code == 4
    assert refused.stderr.startswith(
        f"sobctl: nekad [unit-active]: enheten {INACTIVE_UNIT} har status inactive; "
        "moment tilldelas bara aktiva enheter\n"
    ), refused.stderr
    assert f"  tips: sobctl unit activate {INACTIVE_UNIT}" in refused.stderr
    assert snapshot(region) == before
    english = run_cli("assign", "kbt-depression", INACTIVE_UNIT, "--approved-by", MEDICAL, "--as-of", TODAY,
                      cwd=region)
    assert english.code == 4
    assert "programs are assigned only to active units" in english.stderr


def test_missing_role_and_usage_errors_in_swedish(region: Path) -> None:
    git(region, "config", "user.email", "nobody@exempelland.se")
    unknown = run_cli("--lang", "sv", "unit", "activate", INACTIVE_UNIT, "--as-of", TODAY, cwd=region)
    assert unknown.code == 4
    assert "sobctl: nekad [actor]: ingen person i roles/ har e-postadressen nobody@exempelland.se" in unknown.stderr
    assert "tips: be en administratör att köra: sobctl person add" in unknown.stderr
    bad_date = run_cli("--lang", "sv", "role", "list", "--as-of", "23/11", cwd=region)
    assert bad_date.code == 2
    assert "sobctl: fel: --as-of: '23/11' är inget datum (ÅÅÅÅ-MM-DD)" in bad_date.stderr


def test_role_list_headings_and_states_in_swedish(region: Path) -> None:
    swedish = run_cli("--lang", "sv", "role", "list", "--all", "--as-of", TODAY, cwd=region)
    english = run_cli("--lang", "en", "role", "list", "--all", "--as-of", TODAY, cwd=region)
    assert swedish.code == english.code == 0
    assert swedish.stdout.split()[:8] == ["person", "namn", "roll", "område", "tilldelad", "giltig", "till",
                                          "beslut"]
    assert english.stdout.split()[:8] == ["person", "name", "role", "scope", "granted_at", "valid_to", "decision",
                                          "state"]
    assert " gäller" in swedish.stdout and " active" not in swedish.stdout
    # The data stays as it is in the files: JSON keys and values are the same in both languages.
    assert (run_cli("--lang", "sv", "role", "list", "--format", "json", "--as-of", TODAY, cwd=region).stdout
            == run_cli("role", "list", "--format", "json", "--as-of", TODAY, cwd=region).stdout)


def test_program_show_in_swedish(region: Path) -> None:
    swedish = run_cli("--lang", "sv", "program", "show", "kbt-depression", "--as-of", TODAY, cwd=region)
    assert swedish.code == 0, swedish.stderr
    lines = swedish.stdout.splitlines()
    assert lines[0].startswith("kbt-depression: ")
    assert lines[1].startswith("  status published, version ")
    assert "; utgivarenhet SE2321000016-U100, ägande enhet " in lines[2]
    assert lines[3].startswith("  ansvarig utgivare: ")
    assert lines[4].startswith("  innehållets fingeravtryck: sha256:")
    assert lines[5].startswith("  används på: ")
    assert "historik:" in lines
    assert "publicerat 20" in swedish.stdout
    english = run_cli("program", "show", "kbt-depression", "--as-of", TODAY, cwd=region)
    assert "history:" in english.stdout.splitlines() and "historik:" not in english.stdout
    assert len(english.stdout.splitlines()) == len(lines)
    shown = run_cli("--lang", "sv", "show", "program", "kbt-depression", "--as-of", TODAY, cwd=region)
    assert "  utgivarenhet: SE2321000016-U100" in shown.stdout.splitlines()
    assert "  används på:" in shown.stdout.splitlines()


def test_show_unit_in_swedish(region: Path) -> None:
    shown = run_cli("--lang", "sv", "show", "unit", ACTIVE_UNIT, "--as-of", TODAY, cwd=region)
    assert shown.code == 0
    lines = shown.stdout.splitlines()
    assert "  status: active" in lines
    assert "  moment:" in lines and "  roller:" in lines
    assert any(line.startswith("    kbt-depression huvudversion ") and " godkänt av " in line for line in lines)


def _acts(unit_reason: str) -> list[list[str]]:
    return [
        ["unit", "activate", INACTIVE_UNIT, "--decision", "RS 2026/120", "--reason", unit_reason],
        ["role", "grant", "vardgivaradministrator", "SE2321000016-P004", "--scope", PROVIDER,
         "--valid-to", "2027-12-31", "--decision", "RS 2026/121"],
        ["unit", "deactivate", ACTIVE_UNIT, "--withdraw-programs", "--decision", "RS 2026/122"],
    ]


def _run_acts(region: Path, *lang: str) -> list[tuple[str, str]]:
    """Each act's commit message and the bytes of the files it changed."""
    done = []
    for act in _acts("Öppnar i januari"):
        result = run_cli(*lang, *act, "--as-of", TODAY, cwd=region)
        assert result.code == 0, result.stderr
        message = git(region, "log", "-1", "--format=%B")
        changed = git(region, "show", "--format=", "--name-only", "HEAD").split()
        done.append((message, "".join((region / path).read_text() for path in changed)))
    return done


def test_commit_messages_and_files_do_not_depend_on_the_language(region: Path) -> None:
    start = git(region, "rev-parse", "HEAD").strip()
    swedish = _run_acts(region, "--lang", "sv")
    swedish_head = git(region, "rev-parse", "HEAD^{tree}").strip()
    git(region, "reset", "-q", "--hard", start)
    english = _run_acts(region, "--lang", "en")
    assert swedish == english
    assert git(region, "rev-parse", "HEAD^{tree}").strip() == swedish_head
    assert swedish[0][0].startswith(f"activate unit {INACTIVE_UNIT}\n\nReason: Öppnar i januari\n")
    assert "Sob-Action: unit-activate\n" in swedish[0][0]
    # A dry run in Swedish shows the same (English) commit message, under a Swedish heading.
    git(region, "reset", "-q", "--hard", start)
    dry = run_cli("--lang", "sv", *_acts("Öppnar i januari")[0], "--dry-run", "--as-of", TODAY, cwd=region)
    assert dry.code == 0
    heading = "\n--- incheckningens meddelande (provkörning: inget skrevs) ---\n"
    assert heading in dry.stdout
    assert dry.stdout.split(heading, 1)[1].rstrip("\n") == swedish[0][0].rstrip("\n")
    # Acts done in Swedish replay as recorded.
    for args in _acts("Öppnar i januari"):
        assert run_cli("--lang", "sv", *args, "--as-of", TODAY, cwd=region).code == 0
    verified = run_cli("--lang", "sv", "audit", "verify", f"{start}..HEAD", cwd=region)
    assert verified.code == 0, verified.stdout + verified.stderr


def test_nothing_to_do_in_swedish(region: Path) -> None:
    again = run_cli("--lang", "sv", "unit", "activate", ACTIVE_UNIT, "--as-of", TODAY, cwd=region)
    assert again.code == 0
    assert again.stderr == f"inget att göra: enheten {ACTIVE_UNIT} har redan status active\n"


def test_switching_language_between_acts_keeps_known_errors_known(region: Path) -> None:
    """The parse cache keeps diagnostics with their messages: an error already in the repository,
    reported in English by the last act, must not count as new when the next act runs in Swedish."""
    (region / "roles" / "SE2321000016-P099.yaml").write_text(
        (region / "roles" / "SE2321000016-P003.yaml").read_text()
    )
    git(region, "add", "-A")
    git(region, "commit", "-q", "-m", "A person file under the wrong name")
    first = run_cli("--lang", "en", "unit", "activate", INACTIVE_UNIT, "--as-of", TODAY, cwd=region)
    assert first.code == 0, first.stderr
    second = run_cli("--lang", "sv", "unit", "deactivate", INACTIVE_UNIT, "--as-of", TODAY, cwd=region)
    assert second.code == 0, second.stderr
    third = run_cli("--lang", "en", "unit", "archive", INACTIVE_UNIT, "--as-of", TODAY, cwd=region)
    assert third.code == 0, third.stderr


def test_help_of_commands_in_swedish() -> None:
    retire = run_cli("--lang", "sv", "program", "retire", "--help")  # its help is set from an N_() string
    assert retire.code == 0
    assert "Avveckla PROGRAM: fasas ut → avvecklat (utgivare)." in retire.stdout
    grant = run_cli("--lang", "sv", "role", "grant", "--help")
    assert "Tilldela PERSON rollen ROLE på ett område från i dag, som en incheckning." in grant.stdout
    assert "Sista dagen rollen gäller" in grant.stdout
    assert "Grant ROLE on a scope" in run_cli("role", "grant", "--help").stdout


def test_usage_errors_and_help_speak_the_chosen_language(region: Path) -> None:
    """click's own words (usage line, help option, section titles, usage errors) follow --lang."""
    swedish = run_cli("--lang", "sv", "validate", "--bogus", cwd=region)
    assert swedish.code == 2 and swedish.stdout == ""
    assert swedish.stderr.splitlines() == [
        "Användning: sobctl validate [OPTIONS]",
        "Prova 'sobctl validate -h' för hjälp.",
        "",
        "Fel: Flaggan finns inte: --bogus",
    ]
    missing = run_cli("--lang", "sv", "assign", cwd=region)
    assert missing.code == 2 and "Fel: Argumentet 'program' saknas." in missing.stderr
    helped = run_cli("--lang", "sv", "--help", cwd=region)
    assert helped.code == 0
    for words in ("Användning: sobctl", "Flaggor:", "Kommandon:", "Visa det här meddelandet och avsluta."):
        assert words in helped.stdout
    assert "Usage:" not in helped.stdout and "Show this message" not in helped.stdout

    english = run_cli("--lang", "en", "validate", "--bogus", cwd=region)
    assert english.code == 2
    assert english.stderr.splitlines() == [
        "Usage: sobctl validate [OPTIONS]",
        "Try 'sobctl validate -h' for help.",
        "",
        "Error: No such option: --bogus",
    ]
