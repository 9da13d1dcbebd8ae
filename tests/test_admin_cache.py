"""Acts start from the validation cache and judge their change incrementally: the documents a
session reads are exactly what a fresh load reads, no edit is missed, and the verdict an act
leaves behind is the verdict a full run gives."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from admin_support import P003, PROVIDER, U200, U300, act
from conftest import TODAY, git, snapshot
from conftest import validate_json as validate
from sobctl.ops.session import open_session
from sobctl.repo.workspace import Workspace, load_workspace


def summary(ws: Workspace) -> tuple[object, ...]:
    return (ws.config, dict(ws.programs.items()), dict(ws.units.items()), dict(ws.people.items()),
            dict(ws.agreements.items()), ws.files)


def session_view(root: Path) -> tuple[object, ...]:
    with open_session(root, dt.date.fromisoformat(TODAY), lock=False) as session:
        assert session.current is not None  # the cache is in use
        return summary(session.workspace)


def test_a_session_reads_what_a_fresh_load_reads_with_errors_and_odd_files(region: Path) -> None:
    (region / "agreements" / "broken.yaml").write_text("id: broken\nkind: nonsense\n")
    (region / "units" / "SE2321000016-U999.yaml").write_text("hsa_id: SE2321000016-U998\nname: x\ntype: care-unit\n")
    (region / "units" / "notes.txt").write_text("not yaml\n")
    (region / "roles" / "bad.yaml").write_text("{unclosed: [\n")
    for _ in range(3):  # empty cache, then from the cache files, then again
        assert session_view(region) == summary(load_workspace(region))
    assert (region / ".git" / "sobctl-cache" / "record").is_file()


def test_an_edit_with_the_same_size_and_a_forged_modification_time_is_seen(region: Path) -> None:
    path = region / "units" / f"{U300}.yaml"
    session_view(region)
    info = path.stat()
    text = path.read_text()
    path.write_text(text.replace("Vårdcentral Söder", "Vårdcentral Södra"))  # same length
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size
    assert session_view(region) == summary(load_workspace(region))
    with open_session(region, dt.date.fromisoformat(TODAY), lock=False) as session:
        assert session.workspace.units[U300].name == "Vårdcentral Södra"


def test_deleted_and_added_files_are_seen(region: Path) -> None:
    session_view(region)
    (region / "units" / f"{U300}.yaml").unlink()
    (region / "units" / "SE2321000016-U777.yaml").write_text(
        "hsa_id: SE2321000016-U777\nname: Ny enhet\ntype: care-unit\nparent: SE2321000016-0000\n")
    assert session_view(region) == summary(load_workspace(region))
    with open_session(region, dt.date.fromisoformat(TODAY), lock=False) as session:
        assert U300 not in session.workspace.units
        assert "SE2321000016-U777" in session.workspace.units


def test_the_verdict_an_act_leaves_is_a_full_runs_verdict(region: Path) -> None:
    assert act(region, "unit", "activate", U300).code == 0
    assert validate(region) == validate(region, "--no-cache")
    assert act(region, "assign", "kbt-depression", U300, "--approved-by", "SE2321000016-P010").code in (0, 3, 4)
    assert validate(region) == validate(region, "--no-cache")
    assert act(region, "unit", "deactivate", U300, "--withdraw-programs").code == 0
    assert validate(region) == validate(region, "--no-cache")


def test_errors_already_there_do_not_block_and_new_ones_do(region: Path) -> None:
    assert act(region, "unit", "activate", U300).code == 0
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
    assert result.code == 3 and "SOB203" in result.stderr  # judged on sobctl.yaml, through the record
    assert snapshot(region) == before
    assert act(region, "unassign", "kbt-depression", U200).code == 0


def test_without_the_cache_acts_behave_the_same(region: Path, monkeypatch: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setenv("SOBCTL_NO_CACHE", "1")
    assert act(region, "unit", "activate", U300).code == 0
    before = snapshot(region)
    result = act(region, "role", "revoke", "kontaktperson", P003, "--scope", PROVIDER)
    assert result.code == 3 and "SOB203" in result.stderr
    assert snapshot(region) == before
    assert not (region / ".git" / "sobctl-cache").exists()


def test_a_damaged_record_costs_only_time(region: Path) -> None:
    assert act(region, "unit", "activate", U300).code == 0
    record = region / ".git" / "sobctl-cache" / "record"
    data = bytearray(record.read_bytes())
    data[len(data) // 2] ^= 0xFF
    record.write_bytes(bytes(data))
    before = snapshot(region)
    result = act(region, "role", "revoke", "kontaktperson", P003, "--scope", PROVIDER)
    assert result.code == 3 and "SOB203" in result.stderr
    assert snapshot(region) == before
    assert validate(region) == validate(region, "--no-cache")


def test_a_session_after_a_first_validate_starts_from_the_cache(region: Path) -> None:
    """A cold validate keeps no dependency record; the first act makes one instead of loading
    everything (and every later act starts from the one the previous act left)."""
    validate(region)
    assert not (region / ".git" / "sobctl-cache" / "record").exists()
    assert session_view(region) == summary(load_workspace(region))
    assert act(region, "unit", "activate", U300).code == 0
    assert session_view(region) == summary(load_workspace(region))


def test_the_actor_is_the_same_with_and_without_the_cache_when_an_address_is_shared(
    region: Path, monkeypatch: object
) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    other = region / "roles" / f"{P003}.yaml"
    text = other.read_text()
    other.write_text(text.replace("emails:\n", "emails:\n  - anna.lindqvist@exempelland.se\n", 1))
    assert other.read_text() != text
    git(region, "commit", "-qam", "a shared address (SOB207)")

    def actor() -> str | None:
        with open_session(region, dt.date.fromisoformat(TODAY), lock=False) as session:
            return session.actor.hsa_id if session.actor is not None else None

    cached = actor()
    monkeypatch.setenv("SOBCTL_NO_CACHE", "1")
    assert actor() == cached == P003  # the last file listing the address, with the cache or without
