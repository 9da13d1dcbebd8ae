"""The parse cache under .git/ gives exactly what a fresh load gives, and never misses an edit."""

from __future__ import annotations

import os
from pathlib import Path

from admin_support import P003, PROVIDER, U200, U300, act
from conftest import git, snapshot
from sobctl.ops.cache import load_workspace_cached, open_cache
from sobctl.repo.workspace import Workspace, load_workspace


def summary(ws: Workspace) -> tuple[object, ...]:
    diagnostics = sorted((d.code, d.path, d.message) for d in ws.load_diagnostics)
    return (ws.config, ws.programs, ws.units, ws.people, ws.agreements, diagnostics, ws.files)


def cached(root: Path) -> Workspace:
    cache = open_cache(root / ".git")
    workspace = load_workspace_cached(root, cache)
    cache.save()
    return workspace


def test_cached_load_equals_a_fresh_load_with_errors_and_odd_files(region: Path) -> None:
    (region / "agreements" / "broken.yaml").write_text("id: broken\nkind: nonsense\n")
    (region / "units" / "SE2321000016-U999.yaml").write_text("hsa_id: SE2321000016-U998\nname: x\ntype: care-unit\n")
    (region / "units" / "notes.txt").write_text("not yaml\n")
    (region / "roles" / "bad.yaml").write_text("{unclosed: [\n")
    for _ in range(3):  # empty cache, then from the cache file, then again
        assert summary(cached(region)) == summary(load_workspace(region))
    assert (region / ".git" / "sobctl-cache" / "workspace.pickle").is_file()


def test_an_edit_with_the_same_size_and_a_forged_modification_time_is_seen(region: Path) -> None:
    path = region / "units" / f"{U300}.yaml"
    cached(region)
    info = path.stat()
    text = path.read_text()
    path.write_text(text.replace("Vårdcentral Söder", "Vårdcentral Södra"))  # same length
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size
    assert cached(region).units[U300].name == "Vårdcentral Södra"


def test_deleted_and_added_files_are_seen(region: Path) -> None:
    cached(region)
    (region / "units" / f"{U300}.yaml").unlink()
    assert U300 not in cached(region).units
    assert summary(cached(region)) == summary(load_workspace(region))


def test_remembered_findings_follow_the_repository_state(region: Path) -> None:
    assert act(region, "unit", "activate", U300).code == 0  # remembers the findings of the new state
    broken = region / "agreements" / "broken.yaml"
    broken.write_text("id: broken\nkind: nonsense\n")
    git(region, "add", "-A")
    git(region, "commit", "-qm", "a broken agreement")
    result = act(region, "unit", "deactivate", U300)
    assert result.code == 0, result.stderr  # the error was there before: it does not block
    broken.unlink()
    git(region, "commit", "-qam", "fixed")
    before = snapshot(region)
    result = act(region, "role", "revoke", "kontaktperson", P003, "--scope", PROVIDER)
    assert result.code == 3 and "SOB203" in result.stderr
    assert snapshot(region) == before
    assert act(region, "unassign", "kbt-depression", U200).code == 0


def test_without_the_cache_acts_behave_the_same(region: Path, monkeypatch: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setenv("SOBCTL_NO_CACHE", "1")
    assert act(region, "unit", "activate", U300).code == 0
    assert not (region / ".git" / "sobctl-cache").exists()


def test_a_racily_recent_file_is_rehashed(region: Path) -> None:
    path = region / "units" / f"{U300}.yaml"
    path.write_text(path.read_text())  # just written: cached as racy
    cached(region)
    path.write_text(path.read_text().replace("Vårdcentral Söder", "Vårdcentral Södra"))
    assert cached(region).units[U300].name == "Vårdcentral Södra"
