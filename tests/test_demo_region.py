"""The bundled demo region (Region Exempelland): complete, consistent, and as the README describes it."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from conftest import PROJECT, TODAY, run_cli
from sobctl.model.entities import (
    PROVIDER_ROLES,
    AgreementKind,
    Area,
    Ownership,
    ProducerKind,
    Program,
    ProgramKind,
    ProgramStatus,
    Role,
    StepKind,
    UnitStatus,
    UnitType,
)
from sobctl.repo.workspace import Workspace, load_workspace

README = PROJECT / "README.md"
ON = dt.date.fromisoformat(TODAY)
#: The warnings the demo carries on purpose (README, "Deliberate warnings").
DELIBERATE = {
    ("SOB304", "units/SE2321000016-U251.yaml"),
    ("SOB402", "agreements/innehallsavtal-rorligbild.yaml"),
}
SCHEMA_OF_FOLDER = {
    "catalogue": "program",
    "units": "unit",
    "roles": "person",
    "agreements": "agreement",
}
RULES_BEGIN = "<!-- BEGIN rules table: generated from `sobctl rules --format json` -->"
RULES_END = "<!-- END rules table -->"


def demo_files() -> list[str]:
    files = ["sobctl.yaml"]
    for folder in SCHEMA_OF_FOLDER:
        files += sorted(f"{folder}/{p.name}" for p in (PROJECT / folder).iterdir())
    return files


@pytest.fixture(scope="module")
def workspace() -> Workspace:
    loaded = load_workspace(PROJECT)
    assert not loaded.load_diagnostics, [str(d.message) for d in loaded.load_diagnostics]
    return loaded


def readme_section(heading: str) -> str:
    """The README's text under ``heading`` up to the next heading of the same or a higher level."""
    level = len(heading.split(" ", 1)[0])
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index(heading) + 1
    in_code = False
    for end in range(start, len(lines)):
        line = lines[end]
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and re.match(rf"#{{1,{level}}} ", line):
            return "\n".join(lines[start:end])
    return "\n".join(lines[start:])


# --- validation ---------------------------------------------------------------------------------


def test_demo_has_no_errors_and_exactly_the_deliberate_warnings(region: Path) -> None:
    result = run_cli("validate", "--repo", str(region), "--as-of", TODAY, "--format", "json")
    report = json.loads(result.stdout)
    assert result.code == 0, result.stdout
    assert report["summary"]["errors"] == 0, report["diagnostics"]
    warnings = {(d["code"], d["path"]) for d in report["diagnostics"] if d["severity"] == "warning"}
    assert warnings == DELIBERATE
    assert report["summary"]["warnings"] == len(DELIBERATE)


def test_strict_validation_fails_only_on_the_deliberate_warnings(region: Path) -> None:
    result = run_cli("validate", "--repo", str(region), "--as-of", TODAY, "--strict")
    assert result.code == 1
    assert result.stdout.count("warning[") == len(DELIBERATE)
    assert "error[" not in result.stdout
    summary = f"0 errors, {len(DELIBERATE)} warnings in {len(demo_files())} files"
    assert result.stdout.rstrip().endswith(summary)


def test_readme_lists_exactly_the_deliberate_warnings() -> None:
    section = readme_section("### Deliberate warnings")
    listed = set(re.findall(r"^\| (SOB\d{3}) \| `([^`]+)` \|", section, flags=re.MULTILINE))
    assert listed == DELIBERATE


def test_a_broken_demo_file_is_reported(region: Path) -> None:
    """The validation above can fail: an approval that no longer matches the content is an error."""
    path = region / "catalogue" / "somn-i-balans.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Sömn i balans", "title: Sömn i obalans"))
    result = run_cli("validate", "--repo", str(region), "--as-of", TODAY)
    assert result.code == 1
    assert "catalogue/somn-i-balans.yaml" in result.stdout and "error[SOB602]" in result.stdout


# --- breadth ------------------------------------------------------------------------------------


def test_programs_cover_every_area_kind_status_and_producer(workspace: Workspace) -> None:
    programs = workspace.programs.values()
    assert len(workspace.programs) >= 12
    assert {p.area for p in programs} == set(Area)
    assert {p.kind for p in programs} == set(ProgramKind)
    assert {p.status for p in programs} == set(ProgramStatus)
    assert {p.producer.kind for p in programs} == set(ProducerKind)
    published = [p for p in programs if p.status is ProgramStatus.PUBLISHED]
    assert len(published) > len(workspace.programs) / 2
    def step_kinds(program: Program) -> set[StepKind]:
        return {step.kind for m in program.content.modules for sec in m.sections for step in sec.steps}

    structured = [p for p in programs if len(p.content.modules) >= 3 and len(step_kinds(p)) >= 3]
    assert len(structured) >= 12
    assert all(p.contributors for p in programs)


def test_units_cover_every_type_and_status(workspace: Workspace) -> None:
    units = workspace.units.values()
    assert len(workspace.units) >= 20
    assert {u.type for u in units} == set(UnitType)
    assert {u.status for u in units} == set(UnitStatus)
    private = [u for u in units if u.ownership is not None and u.ownership.kind is Ownership.PRIVATE]
    assert private and all(workspace.agreements[u.ownership.care_agreement or ""].kind is AgreementKind.CARE
                           for u in private if u.ownership)


def test_every_role_is_held_and_ended_grants_are_kept(workspace: Workspace) -> None:
    assert len(workspace.people) >= 25
    grants = [g for person in workspace.people.values() for g in person.grants]
    assert {g.role for g in grants if g.in_force(ON)} == set(Role)
    assert any(g.revoked_at is not None for g in grants)
    assert any(g.valid_to is not None and g.valid_to < ON for g in grants)
    provider = workspace.provider_id or ""
    assert len(workspace.holders(Role.VARDGIVARADMINISTRATOR, provider, ON)) >= 2
    assert len(workspace.holders(Role.KONTAKTPERSON, provider, ON)) == 1
    for unit_id, unit in workspace.units.items():
        if unit.status is UnitStatus.ACTIVE and unit.type in (UnitType.CARE_UNIT, UnitType.LINKED_UNIT):
            assert len(workspace.holders(Role.BEHORIGHETSADMINISTRATOR, unit_id, ON)) >= 2, unit_id


def test_agreements_of_every_kind(workspace: Workspace) -> None:
    assert {a.kind for a in workspace.agreements.values()} == set(AgreementKind)


def test_ids_other_work_relies_on_are_kept(workspace: Workspace) -> None:
    people = {f"SE2321000016-P{n:03d}" for n in (*range(1, 11), 12)}
    assert people <= set(workspace.people)
    assert workspace.people["SE2321000016-P001"].emails == ["anna.lindqvist@exempelland.se"]
    assert workspace.units["SE2321000016-U100"].type is UnitType.PUBLISHING_UNIT
    assert workspace.units["SE2321000016-U200"].status is UnitStatus.ACTIVE
    assert workspace.units["SE2321000016-U300"].status is UnitStatus.INACTIVE
    assert {"SE5566778899-V1", "SE5566778899-V2"} <= set(workspace.units)
    assert "kbt-depression" in workspace.programs
    assert "vardavtal-lugna-sinnen" in workspace.agreements


# --- internal consistency beyond what validate checks ------------------------------------------


def test_every_act_in_the_demo_was_done_by_someone_holding_the_role(workspace: Workspace) -> None:
    """Grants, revocations, status changes, activations and approvals are made by people entitled to them."""
    provider = workspace.provider_id or ""

    def admin(person: str, on: dt.date) -> bool:
        return workspace.holds(person, Role.VARDGIVARADMINISTRATOR, provider, on)

    def may_grant(person: str, role: Role, scope: str, on: dt.date) -> bool:
        if role in PROVIDER_ROLES or role is Role.BEHORIGHETSADMINISTRATOR:
            return admin(person, on)
        return admin(person, on) or workspace.holds(person, Role.BEHORIGHETSADMINISTRATOR, scope, on)

    problems: list[str] = []
    for person in workspace.people.values():
        for grant in person.grants:
            if not may_grant(grant.granted_by, grant.role, grant.scope, grant.granted_at):
                problems.append(f"{person.hsa_id}: {grant.role} granted by {grant.granted_by}")
            if grant.revoked_by and grant.revoked_at and not may_grant(
                grant.revoked_by, grant.role, grant.scope, grant.revoked_at
            ):
                problems.append(f"{person.hsa_id}: {grant.role} revoked by {grant.revoked_by}")
    for unit in workspace.units.values():
        problems += [f"{unit.hsa_id}: status by {c.by}" for c in unit.status_history if not admin(c.by, c.date)]
        problems += [f"{unit.hsa_id}: {a.program} by {a.by}" for a in unit.programs if not admin(a.by, a.activated)]
    for program in workspace.programs.values():
        for entry in program.history:
            for approval in entry.approvals:
                scopes = {g.scope for g in workspace.people[approval.by].grants}
                if not any(workspace.holds(approval.by, approval.role, s, approval.at) for s in scopes):
                    problems.append(f"{program.id} {entry.version}: approval by {approval.by}")
    assert problems == []


def test_activations_happen_after_publication_and_unit_activation(workspace: Workspace) -> None:
    for unit in workspace.units.values():
        active_since = next((c.date for c in unit.status_history if c.status is UnitStatus.ACTIVE), None)
        for activation in unit.programs:
            program = workspace.programs[activation.program]
            first_published = min(e.published for e in program.history if e.published is not None)
            assert active_since is not None and active_since <= activation.activated, unit.hsa_id
            assert first_published <= activation.activated, (unit.hsa_id, program.id)


# --- files and editor support -------------------------------------------------------------------


@pytest.mark.parametrize("relpath", demo_files())
def test_every_demo_file_starts_with_its_schema_line(relpath: str) -> None:
    first = (PROJECT / relpath).read_text(encoding="utf-8").splitlines()[0]
    if relpath == "sobctl.yaml":
        assert first == "# yaml-language-server: $schema=schemas/config.schema.json"
        return
    kind = SCHEMA_OF_FOLDER[relpath.split("/", 1)[0]]
    assert first == f"# yaml-language-server: $schema=../schemas/{kind}.schema.json"
    assert (PROJECT / "schemas" / f"{kind}.schema.json").is_file()


def test_schemas_are_current_on_the_demo(region: Path) -> None:
    assert run_cli("schema", "export", "--check", "--repo", str(region)).code == 0
    (region / "schemas" / "program.schema.json").write_text("{}\n")
    stale = run_cli("schema", "export", "--check", "--repo", str(region))
    assert stale.code == 1 and "program.schema.json" in stale.stderr


# --- README ---------------------------------------------------------------------------------------


def rules_table() -> str:
    """The README's rules table, rendered from ``sobctl rules --format json``."""
    result = run_cli("rules", "--format", "json")
    assert result.code == 0
    rows = [
        f"| {r['code']} | {r['severity']} | {r['name']} | {r['description']} |" for r in json.loads(result.stdout)
    ]
    return "\n".join(["| code | severity | name | what it finds |", "|---|---|---|---|", *rows])


def test_readme_rules_table_is_what_sobctl_rules_says() -> None:
    text = README.read_text(encoding="utf-8")
    begin, end = text.index(RULES_BEGIN) + len(RULES_BEGIN), text.index(RULES_END)
    expected = rules_table()
    assert text[begin:end].strip() == expected, (
        "README's rules table is stale; replace the lines between the markers with:\n" + expected
    )


def test_readme_documents_every_field_of_every_file_kind() -> None:
    from sobctl.repo.schemas import SCHEMA_FILES

    section = readme_section("## The repository format")
    missing: list[str] = []
    for model in SCHEMA_FILES.values():
        schema = model.model_json_schema(mode="validation")
        for definition in [schema, *schema.get("$defs", {}).values()]:
            missing += [f"{model.__name__}.{name}" for name in definition.get("properties", {})
                        if f"`{name}`" not in section]
    assert missing == []
