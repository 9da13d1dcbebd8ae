"""sobctl diff: a range of real commits in administration terms, in three formats."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from conftest import git, run_cli
from history import ADMIN, APPROVER, DRAFT, UNIT, assign, seed


def edit(root: Path, relpath: str, change: Callable[[Any], None]) -> None:
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    path = root / relpath
    data = yaml.load(path.read_text(encoding="utf-8"))
    change(data)
    stream = io.StringIO()
    yaml.dump(data, stream)
    path.write_text(stream.getvalue(), encoding="utf-8")


def commit(root: Path, text: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", text)


def diff(root: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli("diff", *args, "--repo", str(root))
    return result.code, result.stdout, result.stderr


def changes(root: Path, revision_range: str) -> set[tuple[str, str, str]]:
    code, stdout, _ = diff(root, revision_range, "--format", "json")
    assert code == 0
    return {(c["section"], c["subject"], c["change"]) for c in json.loads(stdout)["changes"]}


@pytest.fixture
def history(region: Path) -> Path:
    seed(region)
    return region


def test_assign_shows_as_an_activation(history: Path) -> None:
    assign(history)
    code, text, _ = diff(history, "HEAD~1..HEAD")
    assert code == 0
    assert f"Activations (1)\n  {UNIT} (Mottagning Väst)\n    added: kbt-depression major 1 activated" in text
    code, markdown, _ = diff(history, "HEAD~1..HEAD", "--format", "markdown")
    assert code == 0
    assert markdown.startswith("## sobctl: what this change does\n")
    assert f"- **{UNIT}** Mottagning Väst\n  - added: kbt-depression major 1 activated" in markdown
    assert "<details>" not in markdown
    assert changes(history, "HEAD~1..HEAD") == {("activations", UNIT, "added")}


def test_no_change(history: Path) -> None:
    (history / "README.md").write_text("hello\n")
    commit(history, "readme")
    code, markdown, _ = diff(history, "HEAD~1..HEAD", "--format", "markdown")
    assert code == 0 and "No change to the administration" in markdown


def _big_change(root: Path) -> None:
    """One commit that touches every kind of thing the diff knows."""
    today = dt.date(2026, 11, 23)

    def program(data: Any) -> None:
        data["version"] = "2.0"
        entry = dict(data["history"][0])
        entry.update({"version": "2.0", "date": today, "note": "Ny modul om återfall.", "published": today})
        data["history"].append(entry)
        modules = data["content"]["modules"]
        steps = modules[0]["sections"][0]["steps"]
        steps[1]["title"] = "Din vecka"
        steps.append({"title": "Sömn och humör", "kind": "text"})
        modules.append({"id": "aterfall", "title": "Återfall",
                        "sections": [{"title": "Planen", "steps": [{"title": "Min plan", "kind": "exercise"}]}]})
        data["contributors"].append({"name": "Per Nilsson", "role": "illustrator", "records": [
            {"kind": "assignment", "document": "RS 2026/0500", "date": today}]})

    edit(root, "catalogue/kbt-depression.yaml", program)
    edit(root, f"catalogue/{DRAFT}.yaml", lambda d: d.update({"status": "in-review"}))

    def activate(data: Any) -> None:
        data["status"] = "active"
        data["status_history"] = [{"status": "active", "date": today, "by": ADMIN, "decision": "RS 2026/0777"}]

    edit(root, "units/SE2321000016-U300.yaml", activate)
    edit(root, f"roles/{APPROVER}.yaml", lambda d: d["grants"].append(
        {"role": "verksamhetschef", "scope": UNIT, "granted_by": ADMIN, "granted_at": today}))
    edit(root, "roles/SE2321000016-P006.yaml", lambda d: d["grants"][0].update(
        {"revoked_at": today, "revoked_by": ADMIN}))
    edit(root, "agreements/vardavtal-lugna-sinnen.yaml", lambda d: d.update(
        {"valid_to": dt.date(2030, 12, 31), "last_review": today}))
    agreement = (root / "agreements/vardavtal-lugna-sinnen.yaml").read_text(encoding="utf-8")
    (root / "agreements/vardavtal-nytt.yaml").write_text(
        agreement.replace("id: vardavtal-lugna-sinnen", "id: vardavtal-nytt"), encoding="utf-8")
    edit(root, "units/SE2321000016-U200.yaml", lambda d: d.update({"status": "deactivated"}))
    commit(root, "Many changes")


def test_every_kind_of_change(history: Path) -> None:
    assign(history)  # U900 runs kbt-depression major 1
    _big_change(history)
    found = changes(history, "HEAD~1..HEAD")
    expected = {
        ("versions", "kbt-depression", "bumped"),
        ("versions", "kbt-depression", "published"),
        ("versions", "kbt-depression", "approved"),
        ("content", "kbt-depression", "module-added"),
        ("content", "kbt-depression", "step-retitled"),
        ("content", "kbt-depression", "step-added"),
        ("copyright", "kbt-depression", "contributor-added"),
        ("copyright", "kbt-depression", "record-added"),
        ("programs", DRAFT, "status"),
        ("units", "SE2321000016-U300", "activated"),
        ("activations", UNIT, "needs-reactivation"),
        ("roles", APPROVER, "granted"),
        ("roles", "SE2321000016-P006", "revoked"),
        ("agreements", "vardavtal-lugna-sinnen", "renewed"),
        ("agreements", "vardavtal-lugna-sinnen", "reviewed"),
        ("agreements", "vardavtal-nytt", "added"),
        ("units", "SE2321000016-U200", "deactivated"),
    }
    assert expected <= found, expected - found
    _, stdout, _ = diff(history, "HEAD~1..HEAD", "--format", "json")
    report = json.loads(stdout)
    bump = next(c for c in report["changes"] if c["change"] == "bumped")
    assert bump["facts"] == {"level": "major", "new": "2.0", "note": "Ny modul om återfall.", "old": "1.0"}
    assert report["counts"]["content"] >= 3
    _, markdown, _ = diff(history, "HEAD~1..HEAD", "--format", "markdown")
    assert "### Versions" in markdown and "1.0 → 2.0 (major): Ny modul om återfall." in markdown
    assert "### Activations (" in markdown and "re-activation needed" in markdown


def test_reverse_direction_reads_as_undoing(history: Path) -> None:
    assign(history)
    _big_change(history)
    found = changes(history, "HEAD..HEAD~1")
    assert ("content", "kbt-depression", "module-removed") in found
    assert ("units", "SE2321000016-U300", "inactivated") in found
    assert ("roles", APPROVER, "grant-removed") in found
    assert ("agreements", "vardavtal-lugna-sinnen", "shortened") in found
    assert ("agreements", "vardavtal-nytt", "removed") in found
    assert changes(history, "HEAD~2..HEAD~1") == {("activations", UNIT, "added")}
    assert ("activations", UNIT, "withdrawn") in changes(history, "HEAD~1..HEAD~2")


def test_output_is_byte_identical_and_large_sections_collapse(history: Path) -> None:
    def many(data: Any) -> None:
        steps = data["content"]["modules"][0]["sections"][0]["steps"]
        steps.extend({"title": f"Steg {n}", "kind": "text"} for n in range(12))

    edit(history, f"catalogue/{DRAFT}.yaml", many)
    commit(history, "many steps")
    outputs = {fmt: [diff(history, "HEAD~1..HEAD", "--format", fmt)[1] for _ in range(2)]
               for fmt in ("text", "markdown", "json")}
    for first, second in outputs.values():
        assert first == second and first.endswith("\n")
    markdown = outputs["markdown"][0]
    assert "<details><summary>12 changes in content</summary>" in markdown
    assert markdown.count("step-added") == 12


def test_markdown_escapes_content(history: Path) -> None:
    edit(history, f"catalogue/{DRAFT}.yaml", lambda d: d["content"]["modules"][0]["sections"][0]["steps"].append(
        {"title": "<script>x</script> **bold** | pipe", "kind": "text"}))
    commit(history, "odd title")
    _, markdown, _ = diff(history, "HEAD~1..HEAD", "--format", "markdown")
    assert "<script>" not in markdown
    assert r"\<script\>x\</script\> \*\*bold\*\* \| pipe" in markdown


def test_bad_input(history: Path) -> None:
    assert diff(history, "HEAD")[0] == 2
    assert diff(history, "HEAD...HEAD")[0] == 2
    assert diff(history, "HEAD..HEAD", "--format", "html")[0] == 2
    code, _, stderr = diff(history, "nosuch..HEAD")
    assert code == 4 and "nosuch" in stderr


def test_agreement_ended_and_unit_archived(history: Path) -> None:
    edit(history, "agreements/vardavtal-lugna-sinnen.yaml", lambda d: d.update({"ended": dt.date(2026, 11, 23)}))
    edit(history, "units/SE2321000016-U300.yaml", lambda d: d.update({"status": "archived"}))
    edit(history, "catalogue/kbt-depression.yaml", lambda d: d.update({"status": "retired"}))
    commit(history, "Wind down")
    assert changes(history, "HEAD~1..HEAD") == {
        ("agreements", "vardavtal-lugna-sinnen", "ended"),
        ("units", "SE2321000016-U300", "archived"),
        ("programs", "kbt-depression", "retired"),
    }


def test_documents_from_the_parse_cache_give_the_same_report(history: Path) -> None:
    """diff loads the documents validate has parsed before from the parse cache (by blob id),
    and reads and parses only the rest: the report is the same with the cache, without it,
    with a broken file in one revision and with a damaged cache."""
    assign(history)
    _big_change(history)
    unit = history / "units" / "SE2321000016-U200.yaml"
    unit.write_text(unit.read_text(encoding="utf-8") + "status: [broken\n", encoding="utf-8")
    commit(history, "A broken unit")
    ranges = ["HEAD~2..HEAD~1", "HEAD~1..HEAD", "HEAD~2..HEAD", "HEAD..HEAD~2"]
    cache = history / ".git" / "sobctl-cache"
    shutil.rmtree(cache)  # the acts above kept their verdicts there
    without = {rng: diff(history, rng, "--format", "json") for rng in ranges}
    assert all(code == 0 for code, _out, _err in without.values())
    assert "broken" not in without["HEAD~2..HEAD~1"][1] and without["HEAD~1..HEAD"] != without["HEAD~2..HEAD~1"]
    for revision in ("HEAD~2", "HEAD~1", "HEAD"):  # the cache then holds documents of every revision
        git(history, "checkout", "-q", revision, "--", "units", "catalogue", "roles", "agreements")
        run_cli("validate", "--repo", str(history), "--as-of", "2026-11-23")
    assert (cache / "blobs").is_file()
    assert {rng: diff(history, rng, "--format", "json") for rng in ranges} == without
    blobs = cache / "blobs"
    data = bytearray(blobs.read_bytes())
    for offset in range(200, len(data) // 2, 997):  # damage documents, not the index
        data[offset] ^= 0x55
    blobs.write_bytes(bytes(data))
    assert {rng: diff(history, rng, "--format", "json") for rng in ranges} == without
