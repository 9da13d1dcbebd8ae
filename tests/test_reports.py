"""sobctl report usage / revision and sobctl status, checked against the demo region's files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conftest import TODAY, run_cli, snapshot
from reports_support import enrich, in_year, published_major, read_all


@pytest.fixture
def rich_region(region: Path) -> Path:
    enrich(region)
    return region


def expected_usage(root: Path) -> list[dict[str, object]]:
    """One entry per activation, straight from the YAML files."""
    programs = read_all(root, "catalogue")
    units = read_all(root, "units")

    def private(unit_id: str) -> bool:
        seen = set()
        while unit_id in units and unit_id not in seen:
            seen.add(unit_id)
            ownership = units[unit_id].get("ownership")
            if ownership:
                return bool(ownership["kind"] == "private")
            unit_id = units[unit_id].get("parent")
        return False

    rows = []
    for unit_id, unit in units.items():
        for activation in unit.get("programs", []):
            program = programs[activation["program"]]
            rows.append({
                "unit": unit_id,
                "program": activation["program"],
                "area": program["area"],
                "major": activation["major"],
                "stale": activation["major"] < published_major(program),
                "private": private(unit_id),
                "since": activation["activated"].isoformat(),
            })
    return rows


@pytest.mark.parametrize("enriched", [False, True])
def test_usage_json_adds_up(region: Path, enriched: bool) -> None:
    if enriched:
        enrich(region)
    result = run_cli("report", "usage", "--format", "json", "--as-of", TODAY, cwd=region)
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    expected = expected_usage(region)
    got = {(r["unit_id"], r["program_id"]): r for r in data["activations"]}
    assert set(got) == {(e["unit"], e["program"]) for e in expected}
    for e in expected:
        row = got[(e["unit"], e["program"])]
        assert (row["major"], row["needs_reactivation"], row["private"], row["area"], row["since"]) == (
            e["major"], e["stale"], e["private"], e["area"], e["since"])
    totals = data["totals"]
    assert totals["activations"] == len(expected)
    assert sum(totals["per_area"].values()) == len(expected)
    assert totals["per_area"] == dict(Counter(str(e["area"]) for e in expected))
    assert sum(u["activations"] for u in totals["per_unit"]) == len(expected)
    assert totals["needs_reactivation"] == sum(1 for e in expected if e["stale"])
    assert sum(u["needs_reactivation"] for u in totals["per_unit"]) == totals["needs_reactivation"]
    if enriched:
        assert totals["needs_reactivation"] >= 1
        assert len(totals["per_area"]) >= 3


def test_usage_csv_reads_back(rich_region: Path) -> None:
    result = run_cli("report", "usage", "--format", "csv", "--as-of", TODAY, cwd=rich_region)
    assert result.code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Unit", "Unit name", "Private provider", "Program"]
    expected = expected_usage(rich_region)
    assert len(body) == len(expected)
    by_key = {(r[0], r[3]): r for r in body}
    for e in expected:
        row = by_key[(str(e["unit"]), str(e["program"]))]
        assert row[4] == e["area"]
        assert row[6] == str(e["major"])
        assert row[8] == ("yes" if e["stale"] else "no")
        assert row[2] == ("yes" if e["private"] else "no")


def test_usage_table_and_markdown_in_swedish(rich_region: Path) -> None:
    table = run_cli("--lang", "sv", "report", "usage", "--as-of", TODAY, cwd=rich_region)
    assert table.code == 0, table.stderr
    assert "Användning av moment per enhet, 2026-11-23" in table.stdout
    assert "Summa per område" in table.stdout and "Summa per enhet" in table.stdout
    assert "Ångest och depression" in table.stdout and "(privat)" in table.stdout
    assert "Totals" not in table.stdout
    total = len(expected_usage(rich_region))
    summa = next(line for line in table.stdout.splitlines() if line.split()[:1] == ["Summa"] and line[-1].isdigit())
    assert summa.split()[-1] == str(total)
    md = run_cli("--lang", "en", "report", "usage", "--format", "md", "--as-of", TODAY, cwd=rich_region)
    assert md.code == 0
    assert md.stdout.startswith("# Program usage per unit, 2026-11-23\n")
    assert "| Anxiety and depression |" in md.stdout
    # the units × programs grid: the major each unit runs, * where it needs re-activation
    grid = md.stdout.split("## Units × programs\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    programs = grid[0][2:-2].split(" | ")[1:]
    cells = {(line[2:-2].split(" | ")[0], p): c for line in grid[2:]
             for p, c in zip(programs, line[2:-2].split(" | ")[1:], strict=True)}
    for e in expected_usage(rich_region):
        assert cells[(str(e["unit"]), str(e["program"]))] == f"{e['major']}{'*' if e['stale'] else ''}"
    assert sum(1 for c in cells.values() if c) == total
    sv_csv = run_cli("--lang", "sv", "report", "usage", "--format", "csv", "--as-of", TODAY, cwd=rich_region)
    assert sv_csv.stdout.splitlines()[0].startswith("Enhet,Enhetens namn,Privat vårdgivare,Moment")


def test_usage_bad_format_and_no_repo(region: Path, tmp_path: Path) -> None:
    bad = run_cli("report", "usage", "--format", "xml", cwd=region)
    assert bad.code == 2 and "--format: 'xml'" in bad.stderr and bad.stdout == ""
    sv = run_cli("--lang", "sv", "report", "usage", "--format", "xml", cwd=region)
    assert sv.code == 2 and "sobctl: fel: --format: 'xml' är inte något av table, csv, json, md" in sv.stderr
    nowhere = run_cli("--lang", "sv", "report", "usage", cwd=tmp_path)
    assert nowhere.code == 4 and nowhere.stderr.startswith("sobctl: nekad [repository]:")


def agreement_end(agreement: dict[str, Any]) -> dt.date | None:
    """The earlier of expiry and an early end: the last day the agreement held."""
    ends = [d if isinstance(d, dt.date) else dt.date.fromisoformat(d)
            for d in (agreement.get("valid_to"), agreement.get("ended")) if d is not None]
    return min(ends) if ends else None


def revision_expectations(root: Path, year: int) -> dict[str, object]:
    agreements = read_all(root, "agreements")
    chosen = {
        aid: a for aid, a in agreements.items()
        if a["kind"] in ("content-provider", "inter-regional") and in_year(a["valid_from"], agreement_end(a), year)
    }
    return {"ids": set(chosen), "orgs": {a["counterparty"]["org_number"] for a in chosen.values()}}


def test_revision_json_lists_providers_reviews_and_signer(rich_region: Path) -> None:
    result = run_cli("report", "revision", "--year", "2026", "--format", "json", "--as-of", TODAY, cwd=rich_region)
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    want = revision_expectations(rich_region, 2026)
    got_ids = {a["agreement_id"] for p in data["providers"] for a in p["agreements"]}
    assert got_ids == want["ids"]
    assert {"innehall-kbtforlaget", "region-norr-delning"} <= got_ids
    assert {p["org_number"].replace("-", "") for p in data["providers"]} == {
        o.replace("-", "") for o in want["orgs"]}  # type: ignore[attr-defined]
    kbt = next(a for p in data["providers"] for a in p["agreements"] if a["agreement_id"] == "innehall-kbtforlaget")
    assert [c["program_id"] for c in kbt["programs"]] == ["adhd-vardag"]
    norr = next(a for p in data["providers"] for a in p["agreements"] if a["agreement_id"] == "region-norr-delning")
    assert norr["areas"] == ["self-harm"] and [c["program_id"] for c in norr["programs"]] == ["sjalvskada-unga"]
    # ends 2027-01-31: within 90 days after the year's end
    # (the demo region's own agreements may appear too: only this test's are pinned)
    expiring = [a["agreement_id"] for a in data["expiring"]]
    assert "innehall-kbtforlaget" in expiring and "region-norr-delning" not in expiring
    done = [r["agreement_id"] for r in data["reviews_done"]]
    assert "innehall-kbtforlaget" in done and "region-norr-delning" not in done
    overdue = [r["agreement_id"] for r in data["reviews_overdue"]]
    assert "region-norr-delning" in overdue and "innehall-kbtforlaget" not in overdue
    roles = read_all(rich_region, "roles")
    contacts = [pid for pid, p in roles.items() if any(g["role"] == "kontaktperson" for g in p.get("grants", []))]
    assert [s["hsa_id"] for s in data["signers"]] == contacts


def test_revision_of_an_earlier_year(rich_region: Path) -> None:
    result = run_cli("report", "revision", "--year", "2024", "--format", "json", "--as-of", TODAY, cwd=rich_region)
    data = json.loads(result.stdout)
    got = {a["agreement_id"] for p in data["providers"] for a in p["agreements"]}
    assert got == revision_expectations(rich_region, 2024)["ids"]
    assert "innehall-gammalt" in got
    assert data["as_of"] == "2024-12-31"


def test_revision_markdown_and_html_in_both_languages(rich_region: Path) -> None:
    sv = run_cli("--lang", "sv", "report", "revision", "--year", "2026", "--as-of", TODAY, cwd=rich_region)
    assert sv.code == 0, sv.stderr
    assert sv.stdout.startswith("# Årlig revisionsrapport 2026: externa innehållsleverantörer\n")
    for text in ("KBT-förlaget AB (556036-0793)", "Region Norrland (232100-0024)", "avtal med innehållsleverantör",
                 "avtal mellan regioner", "upphör 2027-01-31", "Kontaktperson: Cecilia Holm",
                 "Självskadebeteende", "ADHD i vardagen (adhd-vardag)"):
        assert text in sv.stdout, text
    assert "Gamla Förlaget" not in sv.stdout
    html = run_cli("report", "revision", "--year", "2026", "--format", "html", "--as-of", TODAY, cwd=rich_region)
    assert html.code == 0
    assert '<html lang="en">' in html.stdout and "<h1>Yearly revision report 2026" in html.stdout
    assert "Contact person (kontaktperson): Cecilia Holm" in html.stdout
    sv_html = run_cli("--lang", "sv", "report", "revision", "--format", "html", "--as-of", TODAY, cwd=rich_region)
    assert '<html lang="sv">' in sv_html.stdout and "Underskrift" in sv_html.stdout


def test_revision_without_contact_person_warns(rich_region: Path) -> None:
    (rich_region / "roles" / "SE2321000016-P003.yaml").unlink()
    result = run_cli("--lang", "sv", "report", "revision", "--as-of", TODAY, cwd=rich_region)
    assert result.code == 0
    assert "ingen har rollen kontaktperson" in result.stderr
    assert "Ingen har rollen kontaktperson: utse en innan rapporten skickas." in result.stdout


def test_revision_bad_year(region: Path) -> None:
    result = run_cli("report", "revision", "--year", "0", cwd=region)
    assert result.code == 2 and "--year" in result.stderr


# --- status ------------------------------------------------------------------------------------


def test_status_clean_demo(region: Path) -> None:
    before = snapshot(region)
    result = run_cli("status", "--as-of", TODAY, cwd=region)
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("What needs attention on 2026-11-23\n")
    assert snapshot(region) == before


def test_status_groups_validate_findings_with_fixes(rich_region: Path) -> None:
    root = rich_region
    # an active unit whose HSA validity ended, an agreement near its end, one admin fewer
    unit = root / "units" / "SE2321000016-U200.yaml"
    unit.write_text(unit.read_text().replace("status: active\n", "hsa_valid_to: 2026-10-01\nstatus: active\n", 1))
    (root / "roles" / "SE2321000016-P002.yaml").unlink()
    as_json = run_cli("status", "--format", "json", "--as-of", TODAY, cwd=root)
    assert as_json.code == 0, as_json.stderr
    data = {item["topic"]: item for item in json.loads(as_json.stdout)["items"]}
    validate = json.loads(run_cli("validate", "--format", "json", "--as-of", TODAY, cwd=root).stdout)
    codes = Counter(d["code"] for d in validate["diagnostics"])
    assert data["agreements-expiring"]["count"] == codes["SOB402"] >= 1
    assert data["reviews-overdue"]["count"] == codes["SOB403"] >= 1
    assert data["hsa-ended"]["count"] == codes["SOB306"] == 1
    assert data["needs-reactivation"]["count"] == codes["SOB304"] >= 1
    assert data["few-admins"]["count"] == codes["SOB201"] + codes["SOB202"] == 1
    assert data["missing-copyright"]["count"] == codes["SOB501"]
    assert "sobctl unit deactivate SE2321000016-U200 --withdraw-programs" in data["hsa-ended"]["fixes"]
    assert any(f.startswith("sobctl assign stod-oro SE2321000016-U200") for f in data["needs-reactivation"]["fixes"])
    text = run_cli("--lang", "sv", "status", "--as-of", TODAY, cwd=root)
    assert text.code == 0
    assert "! Aktiva enheter vars giltighet i HSA har upphört: 1" in text.stdout
    assert "åtgärd: sobctl unit deactivate SE2321000016-U200 --withdraw-programs" in text.stdout
    assert "! Färre vårdgivaradministratörer än riktlinjen kräver: 1" in text.stdout
    assert "saker behöver åtgärdas." in text.stdout


def test_status_refuses_without_a_readable_repository(tmp_path: Path, region: Path) -> None:
    assert run_cli("status", cwd=tmp_path).code == 4
    (region / "sobctl.yaml").write_text("care_provider: [unclosed\n")
    broken = run_cli("status", "--as-of", TODAY, cwd=region)
    assert broken.code == 4 and "sobctl.yaml" in broken.stderr


def test_status_date_is_used(region: Path) -> None:
    later = (dt.date.fromisoformat(TODAY) + dt.timedelta(days=400)).isoformat()
    result = run_cli("status", "--format", "json", "--as-of", later, cwd=region)
    items = {i["topic"]: i["count"] for i in json.loads(result.stdout)["items"]}
    assert items["reviews-overdue"] >= 1


def test_reports_go_on_past_unreadable_files(rich_region: Path) -> None:
    (rich_region / "units" / "SE2321000016-U300.yaml").write_text("hsa_id: [broken\n")
    result = run_cli("report", "usage", "--format", "json", "--as-of", TODAY, cwd=rich_region)
    assert result.code == 0
    assert "one file could not be read" in result.stderr
    assert json.loads(result.stdout)["totals"]["activations"] == len(expected_usage_without(rich_region, "U300"))


def expected_usage_without(root: Path, unit_suffix: str) -> list[dict[str, object]]:
    broken = root / "units" / f"SE2321000016-{unit_suffix}.yaml"
    saved = broken.read_text()
    broken.unlink()
    try:
        return expected_usage(root)
    finally:
        broken.write_text(saved)


def test_status_stays_on_one_screen(region: Path) -> None:
    units = read_all(region, "units")
    active = [uid for uid, u in units.items() if u["status"] == "active"]
    for unit_id in active:
        path = region / "units" / f"{unit_id}.yaml"
        path.write_text(path.read_text().replace("status: active\n", "hsa_valid_to: 2026-01-01\nstatus: active\n", 1))
    result = run_cli("status", "--as-of", TODAY, cwd=region)
    assert result.code == 0
    assert f"! Active units whose HSA validity has ended: {len(active)}" in result.stdout
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "HSA validity has ended" in line)
    block = lines[start + 1:start + 8]
    assert [line.startswith("      fix: sobctl unit deactivate ") for line in block[1:6:2]] == [True] * 3
    assert block[6] == f"    … and {len(active) - 3} more (sobctl validate)"
    assert len(lines) < 40
