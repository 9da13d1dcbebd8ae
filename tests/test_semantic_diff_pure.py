"""The pure parts: a workspace read from a commit equals the one read from disk, and compares equal to itself."""

from __future__ import annotations

from pathlib import Path

from sobctl.ops.semantic_diff import compare
from sobctl.repo import git as sgit
from sobctl.repo.workspace import load_workspace, load_workspace_from_files


def test_loader_from_a_commit_matches_the_disk(region: Path) -> None:
    on_disk = load_workspace(region)
    from_commit = load_workspace_from_files(sgit.tree_files(region, "HEAD"), region)
    assert from_commit.programs == on_disk.programs
    assert from_commit.units == on_disk.units
    assert from_commit.people == on_disk.people
    assert from_commit.agreements == on_disk.agreements
    assert from_commit.config == on_disk.config
    assert compare(on_disk, from_commit).entries == []


def test_bad_documents_become_diagnostics(region: Path) -> None:
    files = sgit.tree_files(region, "HEAD")
    files["units/SE2321000016-U200.yaml"] = b"hsa_id: [\n"
    files["units/not-a-yaml.txt"] = b"x"
    workspace = load_workspace_from_files(files)
    assert "SE2321000016-U200" not in workspace.units
    assert [d.path for d in workspace.load_diagnostics] == ["units/SE2321000016-U200.yaml"]
    report = compare(load_workspace_from_files(sgit.tree_files(region, "HEAD")), workspace)
    assert [(e.section, e.subject, e.change) for e in report.entries] == [
        ("files", "units/SE2321000016-U200.yaml", "unreadable")]


def test_tree_files_reads_only_content(region: Path) -> None:
    files = sgit.tree_files(region, "HEAD")
    assert "sobctl.yaml" in files and not any(p.startswith("schemas/") for p in files)
    assert files["sobctl.yaml"] == (region / "sobctl.yaml").read_bytes()
    everything = sgit.tree_files(region, "HEAD", content_only=False)
    assert any(p.startswith("schemas/") for p in everything)
