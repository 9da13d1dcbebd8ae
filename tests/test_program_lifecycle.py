"""A program from draft to retired, through the CLI, in a real repository: roles, approvals
bound to content, MINOR and MAJOR versions, units flagged for re-activation, and every
illegal transition refused with nothing changed."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from conftest import TODAY, Result, git, run_cli, snapshot
from sobctl.repo.trailers import parse_trailers

ADMIN = "anna.lindqvist@exempelland.se"  # P001 vardgivaradministrator
DESIGNER = "fredrik.lund@exempelland.se"  # P006 designer at U100
PUBLISHER = "hanna.sjoberg@exempelland.se"  # P008 utgivare at U100
MEDICAL = "johanna.strom@exempelland.se"  # P010 medicinskt-ansvarig at U200 (U100 granted below)
U100, U200 = "SE2321000016-U100", "SE2321000016-U200"
P010 = "SE2321000016-P010"
PROGRAM = "kbt-somn"
PATH = f"catalogue/{PROGRAM}.yaml"


def act(root: Path, email: str, *args: str) -> Result:
    """Run sobctl as the person with ``email``."""
    git(root, "config", "user.email", email)
    return run_cli(*args, "--repo", str(root), "--as-of", TODAY)


def ok(result: Result) -> Result:
    assert result.code == 0, result.stderr + result.stdout
    return result


def refused(root: Path, email: str, *args: str, rule: str, text: str = "") -> Result:
    """The act is refused (exit 4), names the rule, and changes nothing."""
    git(root, "config", "user.email", email)
    before = snapshot(root)
    result = run_cli(*args, "--repo", str(root), "--as-of", TODAY)
    assert result.code == 4, result.stderr + result.stdout
    assert f"[{rule}]" in result.stderr, result.stderr
    assert text in result.stderr, result.stderr
    assert snapshot(root) == before
    return result


def head_trailers(root: Path) -> dict[str, str]:
    return dict(parse_trailers(git(root, "log", "-1", "--format=%B")))


def load(root: Path, relpath: str) -> Any:
    return YAML(typ="rt").load((root / relpath).read_text(encoding="utf-8"))


def edit(root: Path, relpath: str, change: Callable[[Any], None], email: str, message: str) -> None:
    """A hand edit of one file, committed by the person with ``email`` (as a pull request would)."""
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    data = yaml.load((root / relpath).read_text(encoding="utf-8"))
    change(data)
    with (root / relpath).open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)
    git(root, "config", "user.email", email)
    git(root, "add", relpath)
    git(root, "commit", "-q", "-m", message)


def module(module_id: str, steps: int = 2) -> dict[str, Any]:
    return {"id": module_id, "title": module_id.capitalize(), "sections": [{
        "title": f"Avsnitt i {module_id}",
        "steps": [{"title": f"Steg {n}", "kind": "text", "text": f"Text {n}."} for n in range(1, steps + 1)],
    }]}


def verify_replays(root: Path, scratch: Path) -> int:
    """Every act commit is rebuilt byte for byte by its registered replayer, from its parent's
    content, its trailers and its reason, acting as the person in Sob-Actor on Sob-Date."""
    import datetime as dt

    from sobctl.ops.replay import load_all
    from sobctl.ops.session import open_session
    from sobctl.repo.trailers import reason_of
    from sobctl.repo.workspace import load_workspace

    replayers = load_all()
    clone = scratch / "replay"
    git(scratch, "clone", "-q", str(root), str(clone))
    verified = 0
    for commit in git(root, "rev-list", "--reverse", "HEAD").split():
        message = git(root, "log", "-1", "--format=%B", commit)
        trailers = dict(parse_trailers(message))
        if "Sob-Action" not in trailers or trailers["Sob-Action"] == "assign":
            continue
        git(clone, "checkout", "-q", "--detach", f"{commit}^")
        actor = load_workspace(clone).people[trailers["Sob-Actor"]]
        git(clone, "config", "user.email", actor.emails[0])
        with open_session(clone, dt.date.fromisoformat(trailers["Sob-Date"]), lock=False) as session:
            rebuilt = replayers[trailers["Sob-Action"]](session, trailers, reason_of(message))
        assert rebuilt.message().rstrip("\n") == message.rstrip("\n")
        touched = set(git(root, "diff-tree", "--no-commit-id", "--name-only", "-r", commit).split())
        assert {change.path for change in rebuilt.changes} == touched
        for change in rebuilt.changes:
            shown = subprocess.run(["git", "-C", str(root), "show", f"{commit}:{change.path}"],
                                   capture_output=True, check=True).stdout
            assert change.after == shown, change.path
        verified += 1
    return verified


def validate(root: Path) -> dict[str, Any]:
    result = run_cli("validate", "--repo", str(root), "--as-of", TODAY, "--format", "json")
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def codes(report: dict[str, Any], path: str | None = None) -> list[str]:
    return [d["code"] for d in report["diagnostics"] if path is None or d["path"] == path]


def grant_medical_on_publishing_unit(root: Path) -> None:
    def add(data: Any) -> None:
        data["grants"].append({"role": "medicinskt-ansvarig", "scope": U100, "granted_by": "SE2321000016-P004",
                               "granted_at": "2026-11-01", "decision": "RS 2026/0900"})

    edit(root, f"roles/{P010}.yaml", add, ADMIN, "Grant P010 medicinskt-ansvarig on the publishing unit")


def new_draft(root: Path) -> None:
    ok(act(root, DESIGNER, "program", "new", PROGRAM, "--title", "KBT vid sömnproblem", "--kind", "treatment",
           "--area", "anxiety-depression", "--target-group", "Vuxna med sömnproblem",
           "--publishing-unit", U100, "--decision", "RS 2026/1001"))

    def content(data: Any) -> None:
        data["content"]["modules"] = [module("introduktion"), module("somnvanor")]
        data["contributors"] = [{"name": "Per Berg", "role": "author"}]

    edit(root, PATH, content, DESIGNER, "Content of kbt-somn")


def approve_all(root: Path) -> None:
    ok(act(root, PUBLISHER, "program", "approve", PROGRAM))
    ok(act(root, MEDICAL, "program", "approve", PROGRAM))


def test_new_draft_is_a_commit_with_trailers(region: Path) -> None:
    ok(act(region, DESIGNER, "program", "new", PROGRAM, "--title", "KBT vid sömnproblem", "--kind", "treatment",
           "--area", "anxiety-depression", "--target-group", "Vuxna med sömnproblem",
           "--publishing-unit", U100, "--decision", "RS 2026/1001"))
    data = load(region, PATH)
    assert data["status"] == "draft"
    assert data["version"] == "1.0"
    assert data["owning_unit"] == U100
    assert data["history"][0]["note"] == "First version."
    assert '"1.0"' in (region / PATH).read_text()
    trailers = head_trailers(region)
    assert trailers["Sob-Action"] == "program-new"
    assert trailers["Sob-Actor"] == "SE2321000016-P006"
    assert trailers["Sob-Role"] == "designer"
    assert trailers["Sob-Program"] == PROGRAM
    assert trailers["Sob-Version"] == "1.0"
    assert trailers["Sob-Decision"] == "RS 2026/1001"
    assert trailers["Sob-Date"] == TODAY
    assert git(region, "status", "--porcelain") == ""
    assert validate(region)["summary"]["errors"] == 0


def test_whole_lifecycle_from_draft_to_retired(region: Path, tmp_path: Path) -> None:
    new_draft(region)
    grant_medical_on_publishing_unit(region)

    refused(region, PUBLISHER, "program", "publish", PROGRAM, rule="transition:publish",
            text="publish needs status in-review; kbt-somn is draft")
    refused(region, PUBLISHER, "program", "approve", PROGRAM, rule="transition:approve")
    refused(region, DESIGNER, "program", "submit", PROGRAM, rule="role:utgivare")
    ok(act(region, PUBLISHER, "program", "submit", PROGRAM))
    assert load(region, PATH)["status"] == "in-review"
    refused(region, PUBLISHER, "program", "submit", PROGRAM, rule="transition:submit")

    refused(region, PUBLISHER, "program", "publish", PROGRAM, rule="approval")
    ok(act(region, PUBLISHER, "program", "approve", PROGRAM))
    trailers = head_trailers(region)
    assert trailers["Sob-Role"] == "utgivare"
    assert trailers["Sob-Fingerprint"].startswith("sha256:")
    refused(region, PUBLISHER, "program", "publish", PROGRAM, rule="medical-approval")
    refused(region, DESIGNER, "program", "approve", PROGRAM, rule="role:utgivare")
    ok(act(region, MEDICAL, "program", "approve", PROGRAM))
    approvals = load(region, PATH)["history"][0]["approvals"]
    assert [(a["by"], a["role"]) for a in approvals] == [
        ("SE2321000016-P008", "utgivare"), (P010, "medicinskt-ansvarig")]
    assert approvals[0]["fingerprint"] == approvals[1]["fingerprint"]
    # approving the same content twice changes nothing
    before = snapshot(region)
    result = ok(act(region, MEDICAL, "program", "approve", PROGRAM))
    assert "nothing to do" in result.stderr
    assert snapshot(region) == before

    refused(region, PUBLISHER, "program", "publish", PROGRAM, rule="copyright", text="Per Berg")
    refused(region, MEDICAL, "waiver", "add", PROGRAM, "--contributor", "Per Berg", "--role", "author",
            "--kind", "waiver", "--document", "RS 2026/1002", "--date", "2026-11-20", rule="role:designer")
    ok(act(region, DESIGNER, "waiver", "add", PROGRAM, "--contributor", "Per Berg", "--role", "author",
           "--kind", "waiver", "--document", "RS 2026/1002", "--date", "2026-11-20"))
    refused(region, PUBLISHER, "program", "publish", PROGRAM, rule="risk-analysis")

    def risk(data: Any) -> None:
        data["risk_analysis"] = {"reference": "RA 2026/011", "date": "2026-11-15"}

    edit(region, PATH, risk, DESIGNER, "Risk analysis of kbt-somn")
    ok(act(region, PUBLISHER, "program", "publish", PROGRAM, "--reason", "Beslut i programrådet"))
    data = load(region, PATH)
    entry = data["history"][0]
    assert data["status"] == "published"
    assert data["responsible_publisher"] == "SE2321000016-P008"
    assert str(entry["published"]) == TODAY
    assert entry["fingerprint"] == entry["approvals"][0]["fingerprint"]
    assert entry["structure"].startswith("sha256:")
    assert head_trailers(region)["Sob-Action"] == "program-publish"
    assert "Reason: Beslut i programrådet" in git(region, "log", "-1", "--format=%B")
    assert validate(region)["summary"]["errors"] == 0

    # the administrator runs it on a care unit
    ok(act(region, ADMIN, "assign", PROGRAM, U200, "--approved-by", P010))

    # a MINOR: text only; it flows to the unit as it is
    ok(act(region, PUBLISHER, "program", "bump", PROGRAM, "--minor", "--note", "Språkgranskning"))
    data = load(region, PATH)
    assert (data["version"], data["status"]) == ("1.1", "draft")
    assert [e["version"] for e in data["history"]] == ["1.0", "1.1"]

    def retext(data: Any) -> None:
        data["content"]["modules"][0]["sections"][0]["steps"][0]["text"] = "Ny text."

    edit(region, PATH, retext, DESIGNER, "Clearer text")
    ok(act(region, PUBLISHER, "program", "submit", PROGRAM))
    approve_all(region)
    ok(act(region, PUBLISHER, "program", "publish", PROGRAM))
    report = validate(region)
    assert report["summary"]["errors"] == 0, report
    assert not [d for d in report["diagnostics"] if d["code"] == "SOB304" and PROGRAM in d["message"]]

    # a MAJOR: a module added; the unit must re-activate it
    ok(act(region, PUBLISHER, "program", "bump", PROGRAM, "--major", "--note", "Ny modul om stress"))
    assert load(region, PATH)["version"] == "2.0"

    def add_module(data: Any) -> None:
        data["content"]["modules"].append(module("stress", 3))

    edit(region, PATH, add_module, DESIGNER, "Module on stress")
    ok(act(region, PUBLISHER, "program", "submit", PROGRAM))
    approve_all(region)
    published = ok(act(region, PUBLISHER, "program", "publish", PROGRAM))
    assert f"{U200} runs {PROGRAM} at major 1: re-activate it" in published.stderr
    report = validate(region)
    assert report["summary"]["errors"] == 0, report
    flagged = [d for d in report["diagnostics"] if d["code"] == "SOB304" and PROGRAM in d["message"]]
    assert [d["path"] for d in flagged] == [f"units/{U200}.yaml"]
    ok(act(region, ADMIN, "assign", PROGRAM, U200, "--approved-by", P010))
    assert head_trailers(region)["Sob-Version"] == "2.0"
    activation = next(a for a in load(region, f"units/{U200}.yaml")["programs"] if a["program"] == PROGRAM)
    assert activation["major"] == 2
    assert not [d for d in validate(region)["diagnostics"] if d["code"] == "SOB304" and PROGRAM in d["message"]]

    shown = json.loads(ok(act(region, PUBLISHER, "program", "show", PROGRAM, "--format", "json")).stdout)
    assert [h["version"] for h in shown["history"]] == ["1.0", "1.1", "2.0"]
    assert [h["note"] for h in shown["history"]] == ["First version.", "Språkgranskning", "Ny modul om stress"]
    assert all(len(h["approvals"]) == 2 for h in shown["history"])
    assert shown["units"] == [U200]
    text = ok(act(region, PUBLISHER, "program", "show", PROGRAM)).stdout
    assert "Ny modul om stress" in text and "approved by SE2321000016-P010 (Johanna Ström)" in text

    # deprecate, then retire once no unit runs it
    refused(region, PUBLISHER, "program", "retire", PROGRAM, rule="transition:retire", text="deprecated")
    ok(act(region, PUBLISHER, "program", "deprecate", PROGRAM))
    refused(region, PUBLISHER, "program", "deprecate", PROGRAM, rule="transition:deprecate")
    refused(region, PUBLISHER, "program", "bump", PROGRAM, "--minor", "--note", "x", rule="transition:bump")
    refused(region, PUBLISHER, "program", "retire", PROGRAM, rule="transition:retire", text=U200)

    def withdraw(data: Any) -> None:
        data["programs"] = [a for a in data["programs"] if a["program"] != PROGRAM]

    edit(region, f"units/{U200}.yaml", withdraw, ADMIN, "Withdraw kbt-somn from U200")
    ok(act(region, PUBLISHER, "program", "retire", PROGRAM))
    assert load(region, PATH)["status"] == "retired"
    assert head_trailers(region)["Sob-Action"] == "program-retire"
    refused(region, PUBLISHER, "program", "deprecate", PROGRAM, rule="transition:deprecate")
    assert validate(region)["summary"]["errors"] == 0

    actions = [line for line in git(region, "log", "--format=%(trailers:key=Sob-Action,valueonly)").split("\n")
               if line]
    assert actions.count("program-publish") == 3
    assert actions.count("program-approve") == 6
    assert verify_replays(region, tmp_path) == len(actions) - actions.count("assign")


def test_minor_that_changes_structure_needs_major(region: Path, tmp_path: Path) -> None:
    new_draft(region)
    grant_medical_on_publishing_unit(region)
    ok(act(region, DESIGNER, "waiver", "add", PROGRAM, "--contributor", "Per Berg", "--role", "author",
           "--kind", "assignment", "--document", "RS 2026/1002", "--date", "2026-11-20"))
    edit(region, PATH, lambda d: d.update(risk_analysis={"reference": "RA 1", "date": "2026-11-01"}), DESIGNER,
         "Risk analysis")
    ok(act(region, PUBLISHER, "program", "submit", PROGRAM))
    approve_all(region)
    ok(act(region, PUBLISHER, "program", "publish", PROGRAM))
    ok(act(region, PUBLISHER, "program", "bump", PROGRAM, "--minor", "--note", "Fler steg"))

    def more_steps(data: Any) -> None:
        data["content"]["modules"][1]["sections"][0]["steps"].append({"title": "Dagbok", "kind": "diary"})

    edit(region, PATH, more_steps, DESIGNER, "A diary step")
    report = validate(region)
    assert "SOB606" in codes(report, PATH)
    ok(act(region, PUBLISHER, "program", "submit", PROGRAM))
    approve_all(region)
    refused(region, PUBLISHER, "program", "publish", PROGRAM, rule="major-version",
            text="sections or steps changed in: somnvanor")
    # the publisher renumbers the pending version as a MAJOR; it goes back to draft without approvals
    refused(region, PUBLISHER, "program", "bump", PROGRAM, "--minor", "--note", "x", rule="transition:bump")
    ok(act(region, PUBLISHER, "program", "bump", PROGRAM, "--major", "--note", "Dagbok i sömnvanor"))
    data = load(region, PATH)
    assert [e["version"] for e in data["history"]] == ["1.0", "2.0"]
    assert (data["version"], data["status"]) == ("2.0", "draft")
    assert "approvals" not in data["history"][1]
    assert "SOB606" not in codes(validate(region))
    ok(act(region, PUBLISHER, "program", "submit", PROGRAM))
    approve_all(region)
    ok(act(region, PUBLISHER, "program", "publish", PROGRAM))
    assert verify_replays(region, tmp_path) == 15


def test_bump_minor_refused_when_published_structure_already_changed(region: Path) -> None:
    """The demo's version 1.0 carries no structure fingerprint: the file's history supplies it."""

    def add_module(data: Any) -> None:
        data["content"]["modules"].append(module("aterfall"))

    edit(region, "catalogue/kbt-depression.yaml", add_module, DESIGNER, "Edit without a bump")
    assert "SOB602" in codes(validate(region), "catalogue/kbt-depression.yaml")
    refused(region, PUBLISHER, "program", "bump", "kbt-depression", "--minor", "--note", "x",
            rule="major-version", text="modules added: aterfall since 1.0")
    ok(act(region, PUBLISHER, "program", "bump", "kbt-depression", "--major", "--note", "Återfallsprevention"))
    assert "SOB602" not in codes(validate(region))


def test_stale_approval_blocks_publish(region: Path) -> None:
    new_draft(region)
    grant_medical_on_publishing_unit(region)
    ok(act(region, PUBLISHER, "program", "submit", PROGRAM))
    approve_all(region)

    def retitle(data: Any) -> None:
        data["title"] = "KBT vid sömnbesvär"

    edit(region, PATH, retitle, DESIGNER, "New title during review")
    outdated = [d for d in validate(region)["diagnostics"] if d["code"] == "SOB607"]
    assert len(outdated) == 2 and all(d["severity"] == "warning" and d["path"] == PATH for d in outdated)
    result = refused(region, PUBLISHER, "program", "publish", PROGRAM, rule="approval")
    assert "SE2321000016-P008 (utgivare)" in result.stderr and "other content" in result.stderr
    shown = json.loads(ok(act(region, PUBLISHER, "program", "show", PROGRAM, "--format", "json")).stdout)
    assert {a["covers"] for a in shown["history"][0]["approvals"]} == {"other content (stale)"}
    # a new approval replaces the person's stale one
    ok(act(region, PUBLISHER, "program", "approve", PROGRAM))
    approvals = load(region, PATH)["history"][0]["approvals"]
    assert len(approvals) == 2
    assert [d["message"] for d in validate(region)["diagnostics"] if d["code"] == "SOB607"] == [
        f"approval by {P010} (medicinskt-ansvarig, {TODAY}) is of other content than version 1.0 holds now; "
        "it does not count for publishing"]


def test_validate_reports_stale_approval_and_change_without_bump(region: Path) -> None:
    path = "catalogue/kbt-depression.yaml"

    def forge(data: Any) -> None:
        data["history"][0]["approvals"][1]["fingerprint"] = "sha256:" + "0" * 64

    edit(region, path, forge, PUBLISHER, "Tampered approval")
    report = validate(region)
    stale = [d for d in report["diagnostics"] if d["code"] == "SOB601"]
    assert len(stale) == 1 and "SE2321000016-P010" in stale[0]["message"]
    assert stale[0]["line"] > 1
    git(region, "reset", "-q", "--hard", "HEAD~1")

    def retext(data: Any) -> None:
        data["content"]["modules"][0]["sections"][0]["steps"][0]["title"] = "Vad är en depression?"

    edit(region, path, retext, DESIGNER, "Edited without a bump")
    assert codes(validate(region), path) == ["SOB602"]


def test_every_illegal_transition_is_refused(region: Path) -> None:
    new_draft(region)
    refused(region, DESIGNER, "program", "new", PROGRAM, "--title", "X", "--kind", "support", "--area", "adhd",
            "--target-group", "Alla", "--publishing-unit", U100, rule="program-exists")
    refused(region, PUBLISHER, "program", "new", "annat", "--title", "X", "--kind", "support", "--area", "adhd",
            "--target-group", "Alla", "--publishing-unit", U100, rule="role:designer")
    refused(region, DESIGNER, "program", "new", "annat", "--title", "X", "--kind", "support", "--area", "adhd",
            "--target-group", "Alla", "--publishing-unit", U200, rule="publishing-unit")
    refused(region, PUBLISHER, "program", "approve", PROGRAM, rule="transition:approve",
            text="approve needs status in-review; kbt-somn is draft")
    refused(region, PUBLISHER, "program", "deprecate", PROGRAM, rule="transition:deprecate")
    refused(region, PUBLISHER, "program", "bump", PROGRAM, "--major", "--note", "x", rule="transition:bump",
            text="never published")
    refused(region, PUBLISHER, "program", "submit", "finns-inte", rule="unknown-program")
    refused(region, PUBLISHER, "program", "submit", "kbt-depression", rule="transition:submit")
    refused(region, PUBLISHER, "program", "publish", "kbt-depression", rule="transition:publish")
    refused(region, MEDICAL, "program", "approve", "kbt-depression", rule="role:utgivare")
    refused(region, ADMIN, "program", "retire", "kbt-depression", rule="role:utgivare")
    # a never-published draft may be retired directly
    ok(act(region, PUBLISHER, "program", "retire", PROGRAM))
    refused(region, PUBLISHER, "program", "submit", PROGRAM, rule="transition:submit")


@pytest.mark.parametrize(
    "args",
    [
        ["program", "new", "x", "--title", "X", "--kind", "therapy", "--area", "adhd", "--target-group", "A",
         "--publishing-unit", U100],
        ["program", "new", "Bad_Id", "--title", "X", "--kind", "support", "--area", "adhd", "--target-group", "A",
         "--publishing-unit", U100],
        ["program", "new", "x", "--title", "X", "--kind", "support", "--area", "adhd", "--publishing-unit", U100],
        ["program", "approve", "kbt-depression", "--role", "behandlare"],
        ["program", "show", "kbt-depression", "--format", "yaml"],
    ],
)
def test_usage_errors(region: Path, args: list[str]) -> None:
    before = snapshot(region)
    result = act(region, DESIGNER, *args)
    assert result.code == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(region) == before


def test_show_unknown_program_is_refused(region: Path) -> None:
    result = act(region, DESIGNER, "program", "show", "finns-inte")
    assert result.code == 4 and "[unknown-program]" in result.stderr


@pytest.mark.parametrize("args", [["--minor", "--major"], []])
def test_bump_needs_exactly_one_of_minor_major(region: Path, args: list[str]) -> None:
    before = snapshot(region)
    result = act(region, PUBLISHER, "program", "bump", "kbt-depression", *args, "--note", "x")
    assert result.code == 2
    assert snapshot(region) == before


def test_bump_changes_only_the_lines_it_must(region: Path) -> None:
    path = "catalogue/kbt-depression.yaml"
    ok(act(region, PUBLISHER, "program", "bump", "kbt-depression", "--minor", "--note", "Språkgranskning"))
    diff = git(region, "show", "--format=", "--unified=0", "HEAD", "--", path)
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == [
        "-status: published",
        '-version: "1.0"',
        "+status: draft",
        '+version: "1.1"',
        '+  - version: "1.1"',
        "+    date: 2026-11-23",
        "+    note: Språkgranskning",
    ]


def test_dry_run_shows_the_change_and_writes_nothing(region: Path) -> None:
    before = snapshot(region)
    result = ok(act(region, PUBLISHER, "program", "bump", "kbt-depression", "--major", "--note", "Ny struktur",
                    "--dry-run"))
    assert '+version: "2.0"' in result.stdout
    assert "Sob-Action: program-bump" in result.stdout and "Sob-Bump: major" in result.stdout
    assert snapshot(region) == before


def test_a_broken_program_file_is_named(region: Path) -> None:
    (region / "catalogue" / "trasig.yaml").write_text("id: trasig\ntitle: [unclosed\n", encoding="utf-8")
    git(region, "add", "-A")
    git(region, "commit", "-q", "-m", "Broken file")
    refused(region, PUBLISHER, "program", "submit", "trasig", rule="invalid-file", text="catalogue/trasig.yaml")
