"""Role grants, revocations and listings through the CLI, with the authorisation table of DOMAIN.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from admin_support import (
    EMAIL,
    P001,
    P002,
    P003,
    P004,
    P006,
    P008,
    P010,
    PROVIDER,
    U100,
    U200,
    U300,
    act,
    act_as,
    assert_refused,
    busy,
    changed_in_head,
    head_subject,
    head_trailers,
)
from conftest import TODAY, git, run_cli, snapshot


def roles_file(root: Path, person: str) -> str:
    return (root / "roles" / f"{person}.yaml").read_text()


def test_admin_grants_permission_administrator_with_valid_to(region: Path) -> None:
    result = act(region, "role", "grant", "behorighetsadministrator", P006, "--scope", U200,
                 "--valid-to", "2027-12-31", "--decision", "RS 2026/160")
    assert result.code == 0, result.stderr
    assert head_subject(region) == f"grant behorighetsadministrator on {U200} to {P006}"
    assert changed_in_head(region) == [f"roles/{P006}.yaml"]
    assert head_trailers(region) == [
        ("Sob-Action", "role-grant"), ("Sob-Actor", P001), ("Sob-Date", TODAY), ("Sob-Person", P006),
        ("Sob-Role", "behorighetsadministrator"), ("Sob-Unit", U200), ("Sob-Valid-To", "2027-12-31"),
        ("Sob-Decision", "RS 2026/160"),
    ]
    assert (f"  - role: behorighetsadministrator\n    scope: {U200}\n    granted_by: {P001}\n"
            f"    granted_at: {TODAY}\n    valid_to: 2027-12-31\n    decision: RS 2026/160\n"
            ) in roles_file(region, P006)
    head = git(region, "rev-parse", "HEAD")
    again = act(region, "role", "grant", "behorighetsadministrator", P006, "--scope", U200, "--valid-to", "2027-12-31")
    assert again.code == 0 and "already holds" in again.stderr
    assert git(region, "rev-parse", "HEAD") == head


def test_permission_administrator_grants_and_revokes_staff_roles_on_their_unit(region: Path) -> None:
    result = act_as(region, P004, "role", "grant", "behandlare", P006, "--scope", U200)
    assert result.code == 0, result.stderr
    assert head_trailers(region)[1] == ("Sob-Actor", P004)
    before_revoke = roles_file(region, P006)
    result = act_as(region, P004, "role", "revoke", "behandlare", P006, "--scope", U200, "--decision", "RS 7")
    assert result.code == 0, result.stderr
    assert head_subject(region) == f"revoke behandlare on {U200} from {P006}"
    after = roles_file(region, P006)
    assert after.startswith(before_revoke.rstrip("\n"))  # the grant stays; revocation is added to it
    assert f"    revoked_at: {TODAY}\n    revoked_by: {P004}\n    revoke_decision: RS 7\n" in after
    assert ("Sob-Action", "role-revoke") in head_trailers(region)
    head = git(region, "rev-parse", "HEAD")
    again = act_as(region, P004, "role", "revoke", "behandlare", P006, "--scope", U200)
    assert again.code == 0 and "no longer holds" in again.stderr
    assert git(region, "rev-parse", "HEAD") == head


def test_revoked_role_no_longer_authorises(region: Path) -> None:
    assert act(region, "role", "revoke", "behorighetsadministrator", P004, "--scope", U200).code == 0
    assert_refused(region, "role:behorighetsadministrator", "role", "grant", "behandlare", P006, "--scope", U200,
                   person=P004)


@pytest.mark.parametrize(
    ("person", "rule", "args"),
    [
        # only a care-provider administrator grants provider roles and permission administrators
        (P004, "role:vardgivaradministrator", ("role", "grant", "vardgivaradministrator", P006, "--scope", PROVIDER)),
        (P004, "role:vardgivaradministrator", ("role", "grant", "kontaktperson", P006, "--scope", PROVIDER)),
        (P004, "role:vardgivaradministrator", ("role", "grant", "behorighetsadministrator", P006, "--scope", U200)),
        (P004, "role:vardgivaradministrator", ("role", "revoke", "vardgivaradministrator", P002, "--scope", PROVIDER)),
        # a permission administrator grants staff roles only on their own unit
        (P004, "role:behorighetsadministrator", ("role", "grant", "designer", P010, "--scope", U100)),
        (P001, "role:behorighetsadministrator", ("role", "grant", "behandlare", P006, "--scope", U200)),
        (P006, "role:behorighetsadministrator", ("role", "revoke", "medicinskt-ansvarig", P010, "--scope", U200)),
        # nobody grants or revokes their own roles
        (P001, "self-grant", ("role", "grant", "behorighetsadministrator", P001, "--scope", U200)),
        (P001, "self-grant", ("role", "revoke", "vardgivaradministrator", P001, "--scope", PROVIDER)),
        (P004, "self-grant", ("role", "grant", "behandlare", P004, "--scope", U200)),
        # scopes, people, dates
        (P001, "role-scope", ("role", "grant", "vardgivaradministrator", P006, "--scope", U200)),
        (P004, "role-scope", ("role", "grant", "designer", P006, "--scope", U200)),
        (P001, "unknown-person", ("role", "grant", "behorighetsadministrator", "SE2321000016-P999", "--scope", U200)),
        (P001, "unknown-unit", ("role", "grant", "behorighetsadministrator", P006, "--scope", "SE2321000016-X9")),
        (P001, "valid-to", ("role", "grant", "behorighetsadministrator", P006, "--scope", U200,
                            "--valid-to", "2020-01-01")),
        (P001, "grant-exists", ("role", "grant", "behorighetsadministrator", P004, "--scope", U200,
                                "--valid-to", "2030-01-01")),
        (P001, "no-grant", ("role", "revoke", "behorighetsadministrator", P006, "--scope", U200)),
    ],
)
def test_refusals_change_nothing(region: Path, person: str, rule: str, args: tuple[str, ...]) -> None:
    busy(region)
    assert_refused(region, rule, *args, person=person)


def test_revoking_the_contact_person_is_refused_as_invalid_content(region: Path) -> None:
    """Exactly one kontaktperson is required: revoking the only one would add an error (exit 3)."""
    before = snapshot(region)
    result = act(region, "role", "revoke", "kontaktperson", P003, "--scope", PROVIDER)
    assert result.code == 3, result.stderr
    assert "SOB203" in result.stderr and "nothing was written" in result.stderr
    assert snapshot(region) == before


def test_unknown_role_and_bad_ids_are_usage_errors(region: Path) -> None:
    for args in (("role", "grant", "kung", P006, "--scope", U200),
                 ("role", "grant", "behandlare", "P006", "--scope", U200),
                 ("role", "grant", "behandlare", P006, "--scope", U200, "--valid-to", "31/12/2027"),
                 ("role", "list", "--role", "kung")):
        result = act(region, *args)
        assert result.code == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert "one of: vardgivaradministrator" in act(region, "role", "grant", "kung", P006, "--scope", U200).stderr


def test_role_list_filters_and_formats(region: Path) -> None:
    rows = json.loads(act(region, "role", "list", "--scope", U200, "--format", "json").stdout)
    assert {(r["person"], r["role"]) for r in rows} >= {(P004, "behorighetsadministrator"),
                                                          (P010, "medicinskt-ansvarig")}
    assert all(r["scope"] == U200 for r in rows)
    admins = json.loads(act(region, "role", "list", "--role", "vardgivaradministrator", "--format", "json").stdout)
    assert {r["person"] for r in admins} >= {P001, P002}
    table = act(region, "role", "list", "--person", P004).stdout
    lines = table.splitlines()
    assert lines[0].split()[:4] == ["person", "name", "role", "scope"]
    assert all(P004 in line for line in lines[1:]) and len(lines) == 3
    assert act(region, "role", "revoke", "behorighetsadministrator", P004, "--scope", U200).code == 0
    assert len(act(region, "role", "list", "--person", P004).stdout.splitlines()) == 2
    empty = act(region, "role", "list", "--scope", "SE2321000016-X999")
    assert empty.code == 0 and empty.stdout.split() == ["person", "name", "role", "scope", "granted_at",
                                                        "valid_to", "decision"]
    assert json.loads(act(region, "role", "list", "--scope", "SE2321000016-X999", "--format", "json").stdout) == []
    everything = json.loads(act(region, "role", "list", "--person", P004, "--all", "--format", "json").stdout)
    assert sorted(r["state"] for r in everything) == ["active", "revoked"]


def test_show_person(region: Path) -> None:
    data = json.loads(act(region, "show", "person", P008, "--format", "json").stdout)
    assert data["hsa_id"] == P008 and data["grants"][0]["role"] == "utgivare"
    assert "utgivare" in act(region, "show", "person", P008).stdout
    assert act(region, "show", "person", "SE2321000016-P999").code == 4


def test_grant_to_unit_staff_on_inactive_unit_by_admin_granted_permission_admin(region: Path) -> None:
    """The chain of authority: the administrator makes someone permission administrator of U300,
    who then grants staff roles there."""
    assert act(region, "role", "grant", "behorighetsadministrator", P006, "--scope", U300).code == 0
    result = act_as(region, P006, "role", "grant", "verksamhetschef", P010, "--scope", U300)
    assert result.code == 0, result.stderr
    assert EMAIL[P006] and head_trailers(region)[1] == ("Sob-Actor", P006)


@pytest.mark.parametrize(
    "args",
    [
        ("show", "unit", "U200"),
        ("show", "person", "nobody"),
        ("show", "program", "Bad_Id"),
        ("show", "unit", U200, "--format", "yaml"),
        ("role", "list", "--person", "P004"),
        ("role", "list", "--scope", "x"),
        ("role", "list", "--format", "csv"),
    ],
)
def test_read_commands_reject_bad_input_with_usage_errors(region: Path, args: tuple[str, ...]) -> None:
    result = act(region, *args)
    assert result.code == 2, (args, result.code, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_a_bad_as_of_date_is_a_usage_error(region: Path) -> None:
    before = snapshot(region)
    result = run_cli("unit", "activate", U300, "--repo", str(region), "--as-of", "yesterday")
    assert result.code == 2 and "--as-of" in result.stderr
    assert snapshot(region) == before
