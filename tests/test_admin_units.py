"""Unit lifecycle and program assignment through the CLI: commits, trailers, refusals, repeats."""

from __future__ import annotations

from pathlib import Path

import pytest

from admin_support import (
    P001,
    P002,
    P004,
    P010,
    P012,
    PROGRAM,
    PROVIDER,
    U100,
    U200,
    U300,
    V2,
    act,
    assert_refused,
    busy,
    changed_in_head,
    head_subject,
    head_trailers,
)
from conftest import TODAY, git, snapshot


def unit_file(root: Path, unit: str) -> str:
    return (root / "units" / f"{unit}.yaml").read_text()


def test_activate_writes_status_history_and_one_commit(region: Path) -> None:
    before = git(region, "rev-parse", "HEAD").strip()
    result = act(region, "unit", "activate", U300, "--decision", "RS 2026/120", "--reason", "Opens in January")
    assert result.code == 0, result.stderr
    assert git(region, "rev-parse", "HEAD~1").strip() == before
    assert head_subject(region) == f"activate unit {U300}"
    assert changed_in_head(region) == [f"units/{U300}.yaml"]
    assert head_trailers(region) == [
        ("Sob-Action", "unit-activate"), ("Sob-Actor", P001), ("Sob-Date", TODAY), ("Sob-Unit", U300),
        ("Sob-Decision", "RS 2026/120"),
    ]
    assert "Reason: Opens in January" in git(region, "log", "-1", "--format=%b")
    text = unit_file(region, U300)
    assert "status: active\n" in text
    assert (f"status_history:\n  - status: active\n    date: {TODAY}\n    by: {P001}\n"
            "    decision: RS 2026/120\n    reason: Opens in January\n") in text
    assert git(region, "status", "--porcelain") == ""


def test_full_lifecycle_and_idempotent_repeats(region: Path) -> None:
    assert act(region, "unit", "activate", U300).code == 0
    head = git(region, "rev-parse", "HEAD")
    again = act(region, "unit", "activate", U300)
    assert again.code == 0 and "already active" in again.stderr
    assert git(region, "rev-parse", "HEAD") == head
    assert act(region, "unit", "deactivate", U300).code == 0
    assert act(region, "unit", "deactivate", U300).code == 0
    assert act(region, "unit", "archive", U300).code == 0
    assert head_trailers(region)[0] == ("Sob-Action", "unit-archive")
    head = git(region, "rev-parse", "HEAD")
    assert "already archived" in act(region, "unit", "archive", U300).stderr
    assert git(region, "rev-parse", "HEAD") == head
    statuses = [line.split(": ")[1] for line in unit_file(region, U300).splitlines() if "- status:" in line]
    assert statuses == ["active", "deactivated", "archived"]


def test_deactivate_with_withdraw_programs_removes_activations_in_the_same_commit(region: Path) -> None:
    result = act(region, "unit", "deactivate", U200, "--withdraw-programs")
    assert result.code == 0, result.stderr
    text = unit_file(region, U200)
    assert "programs:" not in text and "status: deactivated" in text
    assert ("Sob-Withdraw-Programs", "yes") in head_trailers(region)
    assert changed_in_head(region) == [f"units/{U200}.yaml"]


@pytest.mark.parametrize(
    ("rule", "args"),
    [
        ("programs-running", ("unit", "deactivate", U200)),
        ("archive-needs-deactivated", ("unit", "archive", U200)),
        ("archive-needs-deactivated", ("unit", "archive", U300)),
        ("unit-lifecycle", ("unit", "deactivate", U300)),
        ("unknown-unit", ("unit", "activate", "SE2321000016-X999")),
        ("unknown-unit", ("assign", PROGRAM, "SE2321000016-X999", "--approved-by", P010)),
        ("unknown-program", ("assign", "no-such-program", U200, "--approved-by", P010)),
        ("unit-active", ("assign", PROGRAM, U300, "--approved-by", P010)),
        ("unknown-person", ("assign", PROGRAM, U100, "--approved-by", "SE2321000016-P999")),
        ("medical-approval", ("assign", PROGRAM, U100, "--approved-by", P002)),
        ("unknown-unit", ("unassign", PROGRAM, "SE2321000016-X999")),
        ("unknown-program", ("unassign", "no-such-program", U200)),
    ],
)
def test_refusals_change_nothing(region: Path, rule: str, args: tuple[str, ...]) -> None:
    busy(region)
    assert_refused(region, rule, *args)


@pytest.mark.parametrize(
    "args",
    [
        ("unit", "activate", U300),
        ("unit", "deactivate", U200, "--withdraw-programs"),
        ("unit", "archive", U300),
        ("assign", PROGRAM, U200, "--approved-by", P010),
        ("unassign", PROGRAM, U200),
    ],
)
def test_only_care_provider_administrators_administer_units(region: Path, args: tuple[str, ...]) -> None:
    result = assert_refused(region, "role:vardgivaradministrator", *args, person=P004)
    assert "vardgivaradministrator" in result.stderr and P004 in result.stderr


def test_unknown_actor_is_refused_with_a_hint(region: Path) -> None:
    git(region, "config", "user.email", "stranger@example.org")
    before = snapshot(region)
    result = act(region, "unit", "activate", U300)
    assert result.code == 4 and "[actor]" in result.stderr and "sobctl person add" in result.stderr
    assert snapshot(region) == before


def test_activate_refused_when_hsa_validity_ended(region: Path) -> None:
    path = region / "units" / f"{U300}.yaml"
    path.write_text(path.read_text() + "hsa_valid_to: 2025-01-01\n")
    git(region, "commit", "-qam", "HSA validity ended")
    assert_refused(region, "hsa-validity", "unit", "activate", U300)


def private_unit(region: Path, unit: str, agreement: str) -> None:
    """A private provider's unit whose care agreement is ``agreement``, with an approver."""
    (region / "units" / f"{unit}.yaml").write_text(
        f"hsa_id: {unit}\nname: Privat enhet\ntype: care-unit\nparent: {PROVIDER}\n"
        f"ownership:\n  kind: private\n  care_agreement: {agreement}\nstatus: active\n"
    )
    grants = (region / "roles" / f"{P012}.yaml")
    grants.write_text(grants.read_text() + f"  - role: medicinskt-ansvarig\n    scope: {unit}\n"
                      f"    granted_by: {P004}\n    granted_at: 2024-01-10\n")


def test_assign_to_private_unit_needs_a_care_agreement_covering_the_area(region: Path) -> None:
    agreement = region / "agreements" / "vardavtal-lugna-sinnen.yaml"
    agreement.write_text(agreement.read_text().replace("anxiety-depression", "adhd"))
    git(region, "commit", "-qam", "agreement covers adhd only")
    assert_refused(region, "care-agreement", "assign", PROGRAM, V2, "--approved-by", P012)
    git(region, "revert", "--no-edit", "HEAD")
    expired = region / "agreements" / "vardavtal-lugna-sinnen.yaml"
    expired.write_text(expired.read_text().replace("valid_to: 2028-12-31", "valid_to: 2025-12-31"))
    private_unit(region, "SE5566778899-V9", "vardavtal-lugna-sinnen")
    git(region, "add", "-A")
    git(region, "commit", "-qm", "expired agreement, new private unit")
    assert_refused(region, "care-agreement", "assign", PROGRAM, "SE5566778899-V9", "--approved-by", P012)


def test_assign_commit_and_trailers(region: Path) -> None:
    assert act(region, "unassign", PROGRAM, U200).code == 0
    assert head_subject(region) == f"unassign {PROGRAM} from {U200}"
    assert head_trailers(region) == [("Sob-Action", "unassign"), ("Sob-Actor", P001), ("Sob-Date", TODAY),
                                     ("Sob-Unit", U200), ("Sob-Program", PROGRAM)]
    result = act(region, "assign", PROGRAM, U200, "--approved-by", P010, "--decision", "RS 2026/114")
    assert result.code == 0, result.stderr
    assert head_subject(region) == f"assign {PROGRAM} to {U200}"
    assert head_trailers(region) == [
        ("Sob-Action", "assign"), ("Sob-Actor", P001), ("Sob-Date", TODAY), ("Sob-Unit", U200),
        ("Sob-Program", PROGRAM), ("Sob-Version", "1.0"), ("Sob-Approved-By", P010), ("Sob-Decision", "RS 2026/114"),
    ]
    assert (f"  - program: {PROGRAM}\n    major: 1\n    activated: {TODAY}\n    by: {P001}\n"
            f"    approved_by: {P010}\n    decision: RS 2026/114\n") in unit_file(region, U200)


def test_repeated_assign_and_unassign_say_so_and_commit_nothing(region: Path) -> None:
    head = git(region, "rev-parse", "HEAD")
    result = act(region, "assign", PROGRAM, U200, "--approved-by", P010)
    assert result.code == 0 and "nothing to do" in result.stderr and "already runs" in result.stderr
    assert act(region, "unassign", PROGRAM, U200).code == 0
    head = git(region, "rev-parse", "HEAD")
    result = act(region, "unassign", PROGRAM, U200)
    assert result.code == 0 and "does not run" in result.stderr
    assert git(region, "rev-parse", "HEAD") == head


def test_dry_run_prints_diff_and_message_and_writes_nothing(region: Path) -> None:
    busy(region)
    before = snapshot(region)
    result = act(region, "unit", "deactivate", U200, "--withdraw-programs", "--dry-run", "--decision", "RS 9")
    assert result.code == 0, result.stderr
    assert snapshot(region) == before
    assert f"--- a/units/{U200}.yaml" in result.stdout
    assert "-status: active\n+status: deactivated\n" in result.stdout
    assert "-  - program: kbt-depression" in result.stdout
    assert "Sob-Action: unit-deactivate" in result.stdout and "Sob-Decision: RS 9" in result.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("unit", "activate", "U300"), "not an HSA-id"),
        (("unit", "activate", "SE2321000017-U300"), "Luhn"),
        (("assign", "Not_A_Slug", U200, "--approved-by", P010), "not a program id"),
        (("assign", PROGRAM, U200, "--approved-by", "nobody"), "--approved-by"),
        (("assign", PROGRAM, U200), "--approved-by"),
        (("unit", "activate", U300, "--decision", "x" * 301), "--decision: at most 300"),
        (("unassign", PROGRAM, U200, "--reason", "x" * 2001), "--reason: at most 2000"),
    ],
)
def test_bad_arguments_are_usage_errors_without_traceback(region: Path, args: tuple[str, ...], needle: str) -> None:
    before = snapshot(region)
    result = act(region, *args)
    assert result.code == 2, (result.code, result.stderr)
    assert needle in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert snapshot(region) == before


def test_show_unit_and_program(region: Path) -> None:
    import json

    result = act(region, "show", "unit", U200, "--format", "json")
    data = json.loads(result.stdout)
    assert data["status"] == "active" and data["programs"][0]["program"] == PROGRAM
    assert {r["person"] for r in data["roles"]} >= {P010, P004}
    text = act(region, "show", "unit", U200).stdout
    assert "Psykiatrimottagning Norr" in text and PROGRAM in text
    program = json.loads(act(region, "show", "program", PROGRAM, "--format", "json").stdout)
    assert {"unit": U200, "major": 1} in program["units"]
    assert act(region, "show", "unit", "SE2321000016-X999").code == 4
    assert act(region, "show", "program", PROGRAM, "--format", "xml").code == 2


@pytest.mark.parametrize("status", ["retired", "deprecated"])
def test_assign_needs_a_published_program(region: Path, status: str) -> None:
    program = region / "catalogue" / f"{PROGRAM}.yaml"
    program.write_text(program.read_text().replace("status: published", f"status: {status}"))
    git(region, "commit", "-qam", f"program {status}")
    assert act(region, "unassign", PROGRAM, U200).code == 0
    assert_refused(region, "program-published", "assign", PROGRAM, U200, "--approved-by", P010)


def test_archived_unit_cannot_be_activated_again(region: Path) -> None:
    for verb in ("activate", "deactivate", "archive"):
        assert act(region, "unit", verb, U300).code == 0
    assert_refused(region, "unit-lifecycle", "unit", "activate", U300)
    assert_refused(region, "unit-archived", "role", "grant", "behorighetsadministrator", P004, "--scope", U300)


def test_without_git_user_email_the_actor_is_unknown(region: Path) -> None:
    git(region, "config", "--unset", "user.email")
    before = snapshot(region)
    result = act(region, "unit", "activate", U300)
    assert result.code == 4 and "[actor]" in result.stderr and "git config user.email" in result.stderr
    assert snapshot(region) == before


def test_an_invalid_sobctl_yaml_refuses_acts(region: Path) -> None:
    (region / "sobctl.yaml").write_text("care_provider: nonsense\n")
    git(region, "commit", "-qam", "broken config")
    assert_refused(region, "config", "unit", "activate", U300)
