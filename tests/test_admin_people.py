"""Registering people: who may, what is refused, and the file and commit it makes."""

from __future__ import annotations

from pathlib import Path

import pytest

from admin_support import P001, P004, P006, act, act_as, assert_refused, busy, changed_in_head, head_trailers
from conftest import TODAY, git, snapshot

NEW = "SE2321000016-P820"


def test_person_add_writes_a_valid_file_and_one_commit(region: Path) -> None:
    result = act(region, "person", "add", NEW, "--name", "Sara Berg", "--email", "sara.berg@exempelland.se",
                 "--email", "sara.berg@privat.example", "--decision", "RS 2026/180")
    assert result.code == 0, result.stderr
    assert changed_in_head(region) == [f"roles/{NEW}.yaml"]
    assert head_trailers(region) == [
        ("Sob-Action", "person-add"), ("Sob-Actor", P001), ("Sob-Date", TODAY), ("Sob-Person", NEW),
        ("Sob-Name", "Sara Berg"), ("Sob-Email", "sara.berg@exempelland.se, sara.berg@privat.example"),
        ("Sob-Decision", "RS 2026/180"),
    ]
    assert (region / "roles" / f"{NEW}.yaml").read_text() == (
        "# yaml-language-server: $schema=../schemas/person.schema.json\n"
        f"hsa_id: {NEW}\nname: Sara Berg\nemails:\n  - sara.berg@exempelland.se\n  - sara.berg@privat.example\n"
    )
    assert act(region, "validate").code == 0
    head = git(region, "rev-parse", "HEAD")
    again = act(region, "person", "add", NEW, "--name", "Sara Berg", "--email", "sara.berg@exempelland.se",
                "--email", "sara.berg@privat.example")
    assert again.code == 0 and "already registered" in again.stderr
    assert git(region, "rev-parse", "HEAD") == head


def test_a_permission_administrator_may_add_people_and_the_new_person_can_then_act(region: Path) -> None:
    assert act_as(region, P004, "person", "add", NEW, "--name", "Sara Berg", "--email", "sara@x.se").code == 0
    assert act(region, "role", "grant", "vardgivaradministrator", NEW, "--scope", "SE2321000016-0000").code == 0
    git(region, "config", "user.email", "SARA@x.se")
    result = act(region, "unit", "activate", "SE2321000016-U300")
    assert result.code == 0, result.stderr
    assert ("Sob-Actor", NEW) in head_trailers(region)


@pytest.mark.parametrize(
    ("person", "rule", "args"),
    [
        (P006, "role:behorighetsadministrator", (NEW, "--name", "Sara Berg", "--email", "sara@x.se")),
        (P001, "person-exists", (P006, "--name", "Someone Else", "--email", "else@x.se")),
        (P001, "email-exists", (NEW, "--name", "Sara Berg", "--email", "Anna.Lindqvist@exempelland.se")),
    ],
)
def test_refusals_change_nothing(region: Path, person: str, rule: str, args: tuple[str, ...]) -> None:
    busy(region)
    assert_refused(region, rule, "person", "add", *args, person=person)


@pytest.mark.parametrize(
    "args",
    [
        ("P020", "--name", "Sara Berg", "--email", "sara@x.se"),
        (NEW, "--name", "Sara\nBerg", "--email", "sara@x.se"),
        (NEW, "--name", "Sara Berg", "--email", "not-an-address"),
        (NEW, "--name", "Sara Berg", "--email", "a@b.se,c@d.se"),
        (NEW, "--name", "Sara Berg"),
    ],
)
def test_bad_input_is_a_usage_error(region: Path, args: tuple[str, ...]) -> None:
    before = snapshot(region)
    result = act(region, "person", "add", *args)
    assert result.code == 2, (result.code, result.stderr)
    assert "Traceback" not in result.stderr
    assert snapshot(region) == before


def test_an_existing_but_invalid_person_file_is_not_overwritten(region: Path) -> None:
    (region / "roles" / f"{NEW}.yaml").write_text("hsa_id: [broken\n")
    git(region, "add", "-A")
    git(region, "commit", "-qm", "a broken person file")
    assert_refused(region, "person-exists", "person", "add", NEW, "--name", "Sara Berg", "--email", "sara@x.se")
