"""audit verify on real histories made with sobctl, then tampered with by hand."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest

from conftest import git, run_cli
from history import (
    ADMIN,
    ADMIN_EMAIL,
    APPROVER,
    DESIGNER_EMAIL,
    DRAFT,
    UNIT,
    UNIT2,
    amend,
    assign,
    commit_as,
    draft_yaml,
    message,
    seed,
    verify,
)

SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture
def history(region: Path) -> Path:
    seed(region)
    return region


def codes(stdout: str) -> list[str]:
    return [f["code"] for f in json.loads(stdout)["findings"]]


def verify_json(root: Path, *args: str) -> tuple[int, list[dict[str, str]]]:
    code, stdout, _ = verify(root, *args, "--format", "json")
    return code, json.loads(stdout)["findings"]


# --- honest histories pass ----------------------------------------------------------------------


def test_honest_history_passes(history: Path) -> None:
    assign(history)
    assign(history, UNIT2)
    (history / "README.md").write_text("Notes\n")
    commit_as(history, ADMIN_EMAIL, "Anna", "Notes", "README.md")  # touches no content: not checked
    (history / f"catalogue/{DRAFT}.yaml").write_text(draft_yaml(steps=("Om sömn", "Sömnhygien")), encoding="utf-8")
    commit_as(history, DESIGNER_EMAIL, "Fredrik Lund", "Rework the sleep step", f"catalogue/{DRAFT}.yaml")
    code, stdout, _ = verify(history)
    assert code == 0, stdout
    assert "history verified: 3 commit(s) checked" in stdout
    code, findings = verify_json(history, "HEAD~2..HEAD")
    assert code == 0 and findings == []


def test_only_the_range_is_checked(history: Path) -> None:
    assign(history)
    amend(history, author="Someone <someone@example.com>")
    assign(history, UNIT2)
    assert verify(history, "HEAD~1..HEAD")[0] == 0
    code, findings = verify_json(history, "HEAD~2..HEAD")
    assert code == 1 and [f["code"] for f in findings] == ["AUD009"]


# --- tampered trailers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (f"Sob-Approved-By: {APPROVER}", f"Sob-Approved-By: {ADMIN}", "AUD003"),  # not an approver
        ("Sob-Date: 2026-11-23", "Sob-Date: 23/11/2026", "AUD002"),
        ("Sob-Action: assign", "Sob-Action: assign-everything", "AUD002"),
        (f"Sob-Actor: {ADMIN}\n", "", "AUD002"),
        (f"Sob-Actor: {ADMIN}", "Sob-Actor: admin", "AUD002"),
        (f"Sob-Approved-By: {APPROVER}\n", "", "AUD002"),  # assign needs it
        (f"Sob-Actor: {ADMIN}", "Sob-Actor: SE2321000016-P999", "AUD008"),
        ("Sob-Date: 2026-11-23", "Sob-Date: 2026-11-22", "AUD006"),  # the activation date differs
        ("Sob-Decision: RS 2026/0101", "Sob-Decision: RS 2026/9999", "AUD006"),
        ("Sob-Version: 1", "Sob-Version: 2", "AUD002"),
        ("Sob-Date: 2026-11-23", "Sob-Date: 2027-01-01", "AUD014"),  # the act records major 1
        ("Sob-Program: kbt-depression", "Sob-Program: kbt-depression\nSob-Extra: yes", "AUD002"),
    ],
)
def test_edited_trailer_is_caught(history: Path, old: str, new: str, expected: str) -> None:
    assign(history)
    original = message(history)
    assert old in original
    amend(history, message_text=original.replace(old, new))
    code, findings = verify_json(history)
    assert code == 1
    assert expected in [f["code"] for f in findings]
    assert all(f["subject"] == f"assign kbt-depression to {UNIT}" for f in findings)


def test_trailer_naming_another_unit_is_caught(history: Path) -> None:
    assign(history)
    amend(history, message_text=message(history).replace(f"Sob-Unit: {UNIT}", f"Sob-Unit: {UNIT2}"))
    code, findings = verify_json(history)
    assert code == 1
    by_code = {(f["code"], f["path"]) for f in findings}
    assert ("AUD004", f"units/{UNIT}.yaml") in by_code
    assert ("AUD005", f"units/{UNIT2}.yaml") in by_code


def test_duplicated_trailer_is_caught(history: Path) -> None:
    assign(history)
    amend(history, message_text=message(history).rstrip("\n") + f"\nSob-Unit: {UNIT2}\n")
    code, findings = verify_json(history)
    assert code == 1 and findings[0]["code"] == "AUD002" and "more than once" in findings[0]["message"]


# --- riding along -------------------------------------------------------------------------------


def test_extra_file_in_an_assign_commit_is_caught(history: Path) -> None:
    assign(history)
    person = history / f"roles/{APPROVER}.yaml"
    person.write_text(person.read_text().replace("Maja Berg", "Maja Bergström"))
    amend(history, extra=[f"roles/{APPROVER}.yaml"])
    code, stdout, _ = verify(history)
    assert code == 1
    assert "AUD004" in stdout and f"roles/{APPROVER}.yaml is changed but the act does not change it" in stdout
    assert f"assign kbt-depression to {UNIT}" in stdout


def test_extra_line_in_an_assign_commit_is_caught(history: Path) -> None:
    assign(history)
    unit = history / f"units/{UNIT}.yaml"
    unit.write_text(unit.read_text() + "  - program: extra-program\n    major: 1\n    activated: 2026-11-23\n"
                    f"    by: {ADMIN}\n    approved_by: {APPROVER}\n")
    amend(history, extra=[f"units/{UNIT}.yaml"])
    code, findings = verify_json(history)
    assert code == 1
    assert [f["code"] for f in findings] == ["AUD006"]
    assert findings[0]["path"] == f"units/{UNIT}.yaml"
    assert "program: extra-program' is extra" in findings[0]["message"]


def test_missing_change_is_caught(history: Path) -> None:
    """The message of an assign, but the commit carries another file instead of the unit's."""
    assign(history)
    text = message(history)
    git(history, "reset", "-q", "--hard", "HEAD~1")
    (history / "NOTES.md").write_text("x\n")
    commit_as(history, ADMIN_EMAIL, "Anna Lindqvist", "placeholder", "NOTES.md")
    amend(history, message_text=text)
    code, findings = verify_json(history)
    assert code == 1
    assert {(f["code"], f["path"]) for f in findings} == {("AUD004", "NOTES.md"), ("AUD005", f"units/{UNIT}.yaml")}


# --- who did it ---------------------------------------------------------------------------------


def test_actor_without_the_role_is_caught(history: Path) -> None:
    assign(history)
    designer = "SE2321000016-P006"
    amend(history, message_text=message(history).replace(f"Sob-Actor: {ADMIN}", f"Sob-Actor: {designer}"),
          author=f"Fredrik Lund <{DESIGNER_EMAIL}>")
    code, findings = verify_json(history)
    assert code == 1
    assert [f["code"] for f in findings] == ["AUD007"]
    assert "vardgivaradministrator" in findings[0]["message"]


def test_author_email_not_the_actors_is_caught(history: Path) -> None:
    assign(history)
    amend(history, author="Mallory <mallory@example.com>")
    code, stdout, _ = verify(history)
    assert code == 1
    assert "AUD009" in stdout and "mallory@example.com" in stdout


def test_plain_edit_of_a_published_program_is_caught(history: Path) -> None:
    program = history / "catalogue/kbt-depression.yaml"
    program.write_text(program.read_text().replace("Vad är depression?", "Vad är nedstämdhet?"))
    commit_as(history, DESIGNER_EMAIL, "Fredrik Lund", "Tweak a title", "catalogue/kbt-depression.yaml")
    code, findings = verify_json(history)
    assert code == 1 and [f["code"] for f in findings] == ["AUD001"]


def test_plain_draft_edit_by_someone_not_a_designer_is_caught(history: Path) -> None:
    (history / f"catalogue/{DRAFT}.yaml").write_text(draft_yaml(title="Bättre sömn"), encoding="utf-8")
    commit_as(history, ADMIN_EMAIL, "Anna", "Retitle", f"catalogue/{DRAFT}.yaml")
    code, findings = verify_json(history)
    assert code == 1 and [f["code"] for f in findings] == ["AUD007"]


def test_hand_edit_of_a_unit_is_caught(history: Path) -> None:
    unit = history / f"units/{UNIT}.yaml"
    unit.write_text(unit.read_text().replace("Mottagning Väst", "Mottagning Syd"))
    commit_as(history, ADMIN_EMAIL, "Anna", "Rename", f"units/{UNIT}.yaml")
    code, findings = verify_json(history)
    assert code == 1 and [f["code"] for f in findings] == ["AUD001"]


# --- signatures ---------------------------------------------------------------------------------


def _ssh_key(tmp_path: Path, name: str) -> Path:
    key = tmp_path / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key


@pytest.fixture
def signing(history: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    """Signed commits required; Anna's ssh key listed; git set up to sign with it."""
    own, other = _ssh_key(tmp_path, "anna"), _ssh_key(tmp_path, "other")
    person = history / f"roles/{ADMIN}.yaml"
    public = own.with_suffix(".pub").read_text().strip()
    keys = f"signing_keys:\n  - type: ssh\n    key: {public}\ngrants:"
    person.write_text(person.read_text().replace("grants:", keys))
    config = history / "sobctl.yaml"
    config.write_text(config.read_text().replace("require_signed_commits: false", "require_signed_commits: true"))
    assert "require_signed_commits: true" in config.read_text()
    git(history, "add", "-A")
    git(history, "commit", "-q", "--amend", "--no-edit")
    git(history, "config", "gpg.format", "ssh")
    git(history, "config", "user.signingkey", str(own))
    return history, own, other


def test_signed_acts_pass(signing: tuple[Path, Path, Path]) -> None:
    root, _, _ = signing
    assign(root)  # sobctl signs by itself under the policy
    assert verify(root)[0] == 0


def test_unsigned_commit_where_signing_is_required_is_caught(signing: tuple[Path, Path, Path]) -> None:
    root, _, _ = signing
    assign(root)
    amend(root, sign=False)
    code, findings = verify_json(root)
    assert code == 1 and [f["code"] for f in findings] == ["AUD010"]


def test_commit_signed_with_an_unlisted_key_is_caught(signing: tuple[Path, Path, Path]) -> None:
    root, _, other = signing
    assign(root)
    git(root, "config", "user.signingkey", str(other))
    amend(root, sign=True)
    code, findings = verify_json(root)
    assert code == 1 and [f["code"] for f in findings] == ["AUD011"]


# --- merges -------------------------------------------------------------------------------------


def _branch_with_two_acts(root: Path) -> None:
    git(root, "checkout", "-q", "-b", "feature")
    assign(root)
    assign(root, UNIT2)
    git(root, "checkout", "-q", "main")


def test_merge_commit_of_honest_branch_passes(history: Path) -> None:
    _branch_with_two_acts(history)
    git(history, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    code, stdout, _ = verify(history)
    assert code == 0, stdout
    assert "3 commit(s) checked" in stdout


def test_merge_with_changes_of_its_own_is_caught(history: Path) -> None:
    _branch_with_two_acts(history)
    git(history, "merge", "-q", "--no-ff", "--no-commit", "feature")
    unit = history / f"units/{UNIT}.yaml"
    unit.write_text(unit.read_text() + "# slipped in\n")
    git(history, "add", "-A")
    git(history, "commit", "-q", "-m", "Merge feature")
    code, findings = verify_json(history)
    assert code == 1 and [(f["code"], f["path"]) for f in findings] == [("AUD013", f"units/{UNIT}.yaml")]


def test_squash_merge_is_reported_with_a_hint(history: Path) -> None:
    _branch_with_two_acts(history)
    git(history, "merge", "-q", "--squash", "feature")
    git(history, "commit", "-q", "--no-edit")  # git's own squash message quotes both acts
    code, stdout, _ = verify(history)
    assert code == 1
    assert "AUD012" in stdout and "squash" in stdout and "rebase-merge" in stdout


def test_squash_merge_with_a_fresh_message_is_reported(history: Path) -> None:
    _branch_with_two_acts(history)
    git(history, "merge", "-q", "--squash", "feature")
    git(history, "commit", "-q", "-m", "Two programs for the new units (#12)")
    code, findings = verify_json(history)
    assert code == 1
    assert [f["code"] for f in findings] == ["AUD012"]
    assert "squash" in (findings[0]["hint"] or "")
    assert f"units/{UNIT}.yaml" in findings[0]["message"]


# --- output formats -----------------------------------------------------------------------------


def test_formats(history: Path) -> None:
    assign(history)
    amend(history, author="Mallory <mallory@example.com>")
    code, github, _ = verify(history, "--format", "github")
    assert code == 1
    assert github.startswith("::error file=roles/SE2321000016-P001.yaml,title=AUD009 ")
    code, sarif, _ = verify(history, "--format", "sarif")
    document = json.loads(sarif)
    jsonschema.validate(document, json.loads(SARIF_SCHEMA.read_text()))
    assert [r["ruleId"] for r in document["runs"][0]["results"]] == ["AUD009"]
    assert verify(history, "--format", "yaml")[0] == 2
    assert verify(history, "nosuch..HEAD")[0] == 4


def test_sarif_without_findings_validates(history: Path) -> None:
    assign(history)
    code, sarif, _ = verify(history, "--format", "sarif")
    assert code == 0
    jsonschema.validate(json.loads(sarif), json.loads(SARIF_SCHEMA.read_text()))


def test_unsigned_plain_edit_where_signing_is_required_is_caught(signing: tuple[Path, Path, Path]) -> None:
    root, _, _ = signing
    (root / f"catalogue/{DRAFT}.yaml").write_text(draft_yaml(title="Bättre sömn"), encoding="utf-8")
    commit_as(root, DESIGNER_EMAIL, "Fredrik Lund", "Retitle", f"catalogue/{DRAFT}.yaml")
    code, findings = verify_json(root)
    assert code == 1 and [f["code"] for f in findings] == ["AUD010"]


def test_shallow_clone_is_refused(history: Path, tmp_path: Path) -> None:
    assign(history)
    assign(history, UNIT2)
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{history}", str(clone))
    code, _, stderr = verify(clone)
    assert code == 4 and "shallow" in stderr and "fetch-depth: 0" in stderr


def test_codes_are_listed() -> None:
    result = run_cli("audit", "codes", "--format", "json")
    listed = {c["code"] for c in json.loads(result.stdout)}
    assert result.code == 0 and {"AUD001", "AUD004", "AUD012"} <= listed
    assert all(code.startswith("AUD") for code in listed)


def test_backdated_act_is_caught(history: Path) -> None:
    assign(history)
    result = run_cli("assign", "kbt-depression", UNIT2, "--approved-by", APPROVER, "--as-of", "2026-01-05",
                     "--repo", str(history))
    assert result.code == 0, result.stderr
    code, findings = verify_json(history)
    assert code == 1 and [f["code"] for f in findings] == ["AUD015"]
    assert "2026-01-05" in findings[0]["message"]
