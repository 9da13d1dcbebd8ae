"""Findings in Swedish: validate's diagnostics and hints, the change summary of sobctl diff and
the findings of audit verify follow --lang; the English texts stay as they were."""

from __future__ import annotations

from pathlib import Path

from conftest import TODAY, git, run_cli

UNIT = "SE2321000016-U200"
ADMIN_EMAIL = "anna.lindqvist@exempelland.se"


def _break(region: Path) -> None:
    """A unit under an unknown parent, approved by an unknown person; a .yml file; a field of the wrong type."""
    unit = region / "units" / f"{UNIT}.yaml"
    text = unit.read_text(encoding="utf-8")
    assert "parent: SE2321000016-0000" in text and "approved_by: SE2321000016-P010" in text
    text = text.replace("parent: SE2321000016-0000", "parent: SE2321000016-U999")
    unit.write_text(text.replace("approved_by: SE2321000016-P010", "approved_by: SE2321000016-P999", 1),
                    encoding="utf-8")
    (region / "roles" / "notes.yml").write_text("a: 1\n", encoding="utf-8")
    (region / "units" / "SE2321000016-U998.yaml").write_text(
        "hsa_id: SE2321000016-U998\nname: [a, b]\ntype: care-unit\nparent: SE2321000016-0000\nstatus: inactive\n",
        encoding="utf-8",
    )


def test_validate_in_swedish(region: Path) -> None:
    _break(region)
    swedish = run_cli("--lang", "sv", "validate", "--as-of", TODAY, cwd=region)
    english = run_cli("--lang", "en", "validate", "--as-of", TODAY, cwd=region)
    assert swedish.code == english.code == 1
    where = "error[SOB101]: "
    assert where + "den överordnade enheten 'SE2321000016-U999' finns inte i units/" in swedish.stdout
    assert where + "parent 'SE2321000016-U999' is not a unit in units/" in english.stdout
    assert "error[SOB103]: godkännare 'SE2321000016-P999' finns inte som person i roles/" in swedish.stdout
    assert "  tips: lägg till personen med: sobctl person add SE2321000016-P999 --name … --email …" in swedish.stdout
    assert "  hint: add them with: sobctl person add SE2321000016-P999" in english.stdout
    assert "error[SOB008]: 'notes.yml' är inte ett .yaml-dokument\n  tips: byt namn till .yaml" in swedish.stdout
    assert "name: förväntade text, hittade en lista" in swedish.stdout
    assert "name: expected text, found a list" in english.stdout
    assert " hint: " not in swedish.stdout and " is not " not in swedish.stdout


def test_identifier_and_schema_messages_in_swedish(region: Path) -> None:
    unit = region / "units" / f"{UNIT}.yaml"
    text = unit.read_text(encoding="utf-8").replace("program: kbt-depression", "program: KBT_depression", 1)
    unit.write_text(text.replace("type: care-unit", "type: vardenhet"), encoding="utf-8")
    (region / "catalogue" / "ny.yaml").write_text("id: ny\nversion: 1.10\n", encoding="utf-8")
    swedish = run_cli("--lang", "sv", "validate", "--as-of", TODAY, cwd=region)
    assert "'KBT_depression' är inte ett moment-id (gemena bokstäver" in swedish.stdout
    assert "type: ska vara 'care-provider', 'care-unit', 'linked-unit' eller 'publishing-unit'; hittade texten " \
           "'vardenhet'" in swedish.stdout
    assert 'version: versionen 1.10 måste stå inom citattecken: YAML läser en version utan citattecken som ett tal ' \
           '(1.10 blir 1.1); skriv "1.10"' in swedish.stdout
    assert "fältet 'title' saknas" in swedish.stdout
    english = run_cli("validate", "--as-of", TODAY, cwd=region)
    assert "'KBT_depression' is not a program id (lower-case letters" in english.stdout
    assert "type: Input should be 'care-provider', 'care-unit', 'linked-unit' or 'publishing-unit'; found the text " \
           "'vardenhet'" in english.stdout
    assert 'version: version 1.10 must be quoted' in english.stdout and 'write "1.10"' in english.stdout


def _rename_unit(region: Path) -> None:
    unit = region / "units" / f"{UNIT}.yaml"
    unit.write_text(unit.read_text(encoding="utf-8").replace("name: Psykiatrimottagning Norr",
                                                             "name: Psykiatrimottagning Syd"), encoding="utf-8")
    git(region, "add", "--", f"units/{UNIT}.yaml")
    git(region, "-c", f"user.email={ADMIN_EMAIL}", "-c", "user.name=Anna", "commit", "-q", "-m", "Rename")


def test_diff_markdown_in_swedish(region: Path) -> None:
    _rename_unit(region)
    swedish = run_cli("--lang", "sv", "diff", "HEAD~1..HEAD", "--format", "markdown", cwd=region)
    assert swedish.code == 0, swedish.stderr
    assert swedish.stdout.startswith("## sobctl: vad ändringen gör\n")
    assert "### Enheter (1)" in swedish.stdout
    assert "  - ändrat fält: name: Psykiatrimottagning Norr → Psykiatrimottagning Syd" in swedish.stdout
    assert "<sub>Skapad av sobctl diff från förrådets filer" in swedish.stdout
    english = run_cli("--lang", "en", "diff", "HEAD~1..HEAD", "--format", "markdown", cwd=region)
    assert english.stdout.startswith("## sobctl: what this change does\n") and "### Units (1)" in english.stdout
    assert "  - field-changed: name: Psykiatrimottagning Norr → Psykiatrimottagning Syd" in english.stdout
    text = run_cli("--lang", "sv", "diff", "HEAD~1..HEAD", cwd=region).stdout
    assert text.startswith("ändringar ") and "\nEnheter (1)\n" in text
    (region / "README.md").write_text("hej\n", encoding="utf-8")
    git(region, "add", "README.md")
    git(region, "commit", "-q", "-m", "readme")
    nothing = run_cli("--lang", "sv", "diff", "HEAD~1..HEAD", "--format", "markdown", cwd=region).stdout
    assert "Ingen ändring i förvaltningen mellan `" in nothing


def test_audit_finding_in_swedish(region: Path) -> None:
    _rename_unit(region)
    swedish = run_cli("--lang", "sv", "audit", "verify", "HEAD~1..HEAD", cwd=region)
    assert swedish.code == 1
    assert f"error[AUD001]: ändrar units/{UNIT}.yaml utan sobctl-trailers; bara utkast i catalogue/" in swedish.stdout
    assert "  tips: gör ändringen med det sobctl-kommando som registrerar den" in swedish.stdout
    assert swedish.stdout.splitlines()[-1] == "1 fynd: 1 incheckning(ar) kontrollerade i HEAD~1..HEAD"
    english = run_cli("--lang", "en", "audit", "verify", "HEAD~1..HEAD", cwd=region)
    assert f"changes units/{UNIT}.yaml without sobctl trailers" in english.stdout
    codes = run_cli("--lang", "sv", "audit", "codes").stdout
    assert "AUD001  missing-trailers     En incheckning ändrar innehåll utan sobctl-trailers" in codes


def test_an_error_already_there_does_not_block_an_act_in_the_other_language(region: Path) -> None:
    """The parse cache remembers findings in the language they were made in; another language starts afresh."""
    from admin_support import U300, act

    unit = region / "units" / f"{UNIT}.yaml"
    unit.write_text(unit.read_text(encoding="utf-8").replace("parent: SE2321000016-0000", "parent: SE2321000016-U999"),
                    encoding="utf-8")
    git(region, "add", "-A")
    git(region, "commit", "-qm", "an unknown parent")
    assert act(region, "unit", "activate", U300).code == 0  # English findings of this state are remembered
    result = run_cli("--lang", "sv", "unit", "deactivate", U300, "--reason", "test", "--as-of", TODAY, cwd=region)
    assert result.code == 0, result.stderr
    swedish = run_cli("--lang", "sv", "validate", "--as-of", TODAY, cwd=region)
    assert "den överordnade enheten 'SE2321000016-U999' finns inte i units/" in swedish.stdout
