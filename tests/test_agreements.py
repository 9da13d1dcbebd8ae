"""Agreements through the CLI: add, renew, end, review as commits; validate's expiry, review
and dependency findings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import TODAY, git, run_cli, snapshot
from test_program_lifecycle import (
    ADMIN,
    DESIGNER,
    PUBLISHER,
    U200,
    act,
    codes,
    edit,
    head_trailers,
    load,
    ok,
    refused,
    verify_replays,
)

AGREEMENT = "avtal-2026-kbtforlaget"
PATH = f"agreements/{AGREEMENT}.yaml"


def add(root: Path, *extra: str, agreement: str = AGREEMENT) -> Any:
    return act(root, ADMIN, "agreement", "add", agreement, "--kind", "content-provider", "--title",
               "Innehåll KBT", "--counterparty", "KBT-förlaget AB", "--orgnr", "5560360793",
               "--valid-from", "2026-01-01", *extra)


def report(root: Path, as_of: str = TODAY) -> Any:
    import json

    result = run_cli("validate", "--repo", str(root), "--as-of", as_of, "--format", "json")
    return json.loads(result.stdout)


def test_add_writes_the_file_and_the_commit(region: Path) -> None:
    ok(add(region, "--valid-to", "2028-12-31", "--program", "kbt-depression", "--area", "adhd",
           "--contact", "SE2321000016-P003", "--reason", "Upphandling 2025"))
    data = load(region, PATH)
    assert data["counterparty"]["org_number"] == "556036-0793"
    assert data["covers"] == {"programs": ["kbt-depression"], "areas": ["adhd"]}
    assert str(data["valid_to"]) == "2028-12-31"
    trailers = head_trailers(region)
    assert trailers["Sob-Action"] == "agreement-add"
    assert trailers["Sob-Agreement"] == AGREEMENT
    assert trailers["Sob-Program"] == "kbt-depression"
    assert trailers["Sob-Actor"] == "SE2321000016-P001"
    assert git(region, "status", "--porcelain") == ""
    assert report(region)["summary"]["errors"] == 0


@pytest.mark.parametrize(
    ("email", "extra", "code", "text"),
    [
        (DESIGNER, [], 4, "[role:vardgivaradministrator]"),
        (PUBLISHER, [], 4, "[role:vardgivaradministrator]"),
        (ADMIN, ["--program", "finns-inte"], 4, "[unknown-program]"),
        (ADMIN, ["--contact", "SE2321000016-P999"], 4, "[unknown-person]"),
        (ADMIN, ["--valid-to", "2025-01-01"], 2, "before"),
        (ADMIN, ["--area", "cardiology"], 2, "cardiology"),
    ],
)
def test_add_refusals_change_nothing(region: Path, email: str, extra: list[str], code: int, text: str) -> None:
    git(region, "config", "user.email", email)
    before = snapshot(region)
    result = run_cli("agreement", "add", AGREEMENT, "--kind", "content-provider", "--title", "T",
                     "--counterparty", "C AB", "--orgnr", "556036-0793", "--valid-from", "2026-01-01", *extra,
                     "--repo", str(region), "--as-of", TODAY)
    assert result.code == code, result.stderr
    assert text in result.stderr
    assert snapshot(region) == before


def test_bad_orgnr_and_existing_id(region: Path) -> None:
    git(region, "config", "user.email", ADMIN)
    before = snapshot(region)
    result = run_cli("agreement", "add", "x", "--kind", "care", "--title", "T", "--counterparty", "C",
                     "--orgnr", "556036-0794", "--valid-from", "2026-01-01", "--repo", str(region), "--as-of", TODAY)
    assert result.code == 2 and "Luhn" in result.stderr
    assert snapshot(region) == before
    refused(region, ADMIN, "agreement", "add", "vardavtal-lugna-sinnen", "--kind", "care", "--title", "T",
            "--counterparty", "C", "--orgnr", "556036-0793", "--valid-from", "2026-01-01", rule="agreement-exists")


def test_expiry_warning_then_renew(region: Path, tmp_path: Path) -> None:
    ok(add(region, "--valid-to", "2027-01-31"))
    warnings = [d for d in report(region)["diagnostics"] if d["path"] == PATH]
    assert [(d["code"], d["message"]) for d in warnings] == [("SOB402", "expires 2027-01-31 (in 69 days)")]
    refused(region, ADMIN, "agreement", "renew", AGREEMENT, "--valid-to", "2026-12-31", rule="agreement-renew")
    ok(act(region, ADMIN, "agreement", "renew", AGREEMENT, "--valid-to", "2029-01-31"))
    assert str(load(region, PATH)["valid_to"]) == "2029-01-31"
    assert head_trailers(region)["Sob-Valid-To"] == "2029-01-31"
    assert codes(report(region), PATH) == []
    assert verify_replays(region, tmp_path) == 2


def test_review_overdue_then_reviewed(region: Path, tmp_path: Path) -> None:
    ok(act(region, ADMIN, "agreement", "add", AGREEMENT, "--kind", "content-provider", "--title", "T",
           "--counterparty", "C AB", "--orgnr", "556036-0793", "--valid-from", "2025-06-01"))
    overdue = [d for d in report(region)["diagnostics"] if d["path"] == PATH]
    assert [d["code"] for d in overdue] == ["SOB403"]  # no end date, yet a review is due every year
    ok(act(region, ADMIN, "agreement", "review", AGREEMENT))
    assert str(load(region, PATH)["last_review"]) == TODAY
    assert codes(report(region), PATH) == []
    before = snapshot(region)
    assert "nothing to do" in ok(act(region, ADMIN, "agreement", "review", AGREEMENT)).stderr
    assert snapshot(region) == before
    refused(region, DESIGNER, "agreement", "review", AGREEMENT, rule="role:vardgivaradministrator")
    refused(region, ADMIN, "agreement", "review", "finns-inte", rule="unknown-agreement")
    assert verify_replays(region, tmp_path) == 2


def produced_under(root: Path, agreement: str) -> None:
    def change(data: Any) -> None:
        data["producer"] = {"kind": "external", "agreement": agreement}

    edit(root, "catalogue/kbt-depression.yaml", change, PUBLISHER, "Produced under a content agreement")


def test_published_program_and_activation_on_an_expired_agreement(region: Path) -> None:
    ok(add(region, "--valid-to", "2028-12-31", "--program", "kbt-depression"))
    produced_under(region, AGREEMENT)
    assert report(region)["summary"]["errors"] == 0
    later = report(region, as_of="2029-02-01")
    expired = {d["path"] for d in later["diagnostics"] if d["code"] == "SOB401" and AGREEMENT in d["message"]}
    running = {f"units/{unit}" for unit in ("SE2321000016-U200.yaml", "SE5566778899-V2.yaml")
               if "kbt-depression" in (region / "units" / unit).read_text()}
    assert f"units/{U200}.yaml" in running
    assert expired == {"catalogue/kbt-depression.yaml", *running}


def test_ending_an_agreement_that_a_published_program_needs_is_blocked(region: Path, tmp_path: Path) -> None:
    ok(add(region, "--valid-to", "2028-12-31", "--program", "kbt-depression"))
    produced_under(region, AGREEMENT)
    git(region, "config", "user.email", ADMIN)
    before = snapshot(region)
    result = run_cli("agreement", "end", AGREEMENT, "--date", "2026-11-01", "--repo", str(region), "--as-of", TODAY)
    assert result.code == 3, result.stderr
    assert "SOB401" in result.stderr
    assert snapshot(region) == before
    # ending it ahead of time is recorded; the expiry then warns
    ok(act(region, ADMIN, "agreement", "end", AGREEMENT, "--date", "2026-12-31", "--reason", "Uppsagt"))
    assert str(load(region, PATH)["ended"]) == "2026-12-31"
    assert head_trailers(region)["Sob-Ended"] == "2026-12-31"
    assert codes(report(region), PATH) == ["SOB402"]
    refused(region, ADMIN, "agreement", "renew", AGREEMENT, "--valid-to", "2030-01-01", rule="agreement-ended")
    refused(region, ADMIN, "agreement", "end", AGREEMENT, "--date", "2026-12-30", rule="agreement-ended")
    assert verify_replays(region, tmp_path) == 2
