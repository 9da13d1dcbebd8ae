"""The cheaper proof that the work tree is a tree state seen before (index checksum + git's look at
the work tree) and the dependency record kept as base + delta: every verdict reached through them
must equal an uncached run, whatever happened to the files, the index or the cache files."""

from __future__ import annotations

from pathlib import Path

import pytest

from admin_support import P006, P010, PROGRAM, U200, U300, act
from conftest import TODAY, git, run_cli, snapshot

CACHE = Path(".git") / "sobctl-cache"


def validate(root: Path, *extra: str) -> str:
    result = run_cli("validate", "--repo", str(root), "--as-of", TODAY, "--format", "json", *extra)
    assert result.code in (0, 1), result.stderr
    return result.stdout


def listed_in_full(trace: Path) -> bool:
    """Whether a traced run listed every index entry (``git ls-files -s``) rather than proving the tree."""
    return any("ls-files" in line and " -s " in line for line in trace.read_text().splitlines()) if trace.exists() \
        else False


@pytest.fixture
def traced(region: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    trace = region.parent / "trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    return trace


def test_acts_in_a_row_prove_the_tree_instead_of_listing_it(region: Path, traced: Path) -> None:
    assert act(region, "unit", "activate", U300).code == 0
    assert (region / CACHE / "tree").is_file()
    traced.unlink(missing_ok=True)
    assert act(region, "role", "grant", "behorighetsadministrator", P006, "--scope", U200).code == 0
    assert not listed_in_full(traced)
    traced.unlink(missing_ok=True)
    assert validate(region) == validate(region, "--no-cache")
    assert not listed_in_full(traced)


@pytest.mark.parametrize("change", ["edited", "edited-and-staged", "untracked", "deleted", "stat-only",
                                    "staged-elsewhere", "index-refreshed"])
def test_whatever_changes_after_an_act_the_verdict_is_the_uncached_one(region: Path, change: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert act(region, "unit", "activate", U300).code == 0
    unit = region / "units" / f"{U300}.yaml"
    if change in ("edited", "edited-and-staged"):
        unit.write_text(unit.read_text().replace("status: active", "status: bogus"))
        if change == "edited-and-staged":
            git(region, "add", str(unit))
    elif change == "untracked":
        (region / "units" / "SE2321000016-U999.yaml").write_text("hsa_id: nonsense\n")
    elif change == "deleted":
        (region / "units" / f"{U200}.yaml").unlink()
    elif change == "stat-only":
        unit.write_bytes(unit.read_bytes())
    elif change == "staged-elsewhere":
        program = region / "catalogue" / f"{PROGRAM}.yaml"
        program.write_text(program.read_text() + "# a note\n")
        git(region, "add", str(program))
        program.write_text(program.read_text().replace("# a note\n", ""))
    else:
        git(region, "update-index", "--refresh")
    assert validate(region) == validate(region, "--no-cache")
    cached = act(region, "assign", PROGRAM, U300, "--approved-by", P010, "--dry-run")
    monkeypatch.setenv("SOBCTL_NO_CACHE", "1")
    assert act(region, "assign", PROGRAM, U300, "--approved-by", P010, "--dry-run") == cached


def test_an_edit_after_an_act_is_judged_by_the_next_act(region: Path) -> None:
    assert act(region, "unit", "activate", U300).code == 0
    # The committed file is edited behind sobctl's back: the next act on it must see a dirty target.
    unit = region / "units" / f"{U300}.yaml"
    unit.write_text(unit.read_text() + "# local note\n")
    result = act(region, "unit", "deactivate", U300)
    assert result.code == 4 and "[dirty-target]" in result.stderr


@pytest.mark.parametrize("damage", ["garbled", "foreign", "truncated"])
def test_a_damaged_tree_proof_is_ignored(region: Path, damage: str) -> None:
    assert act(region, "unit", "activate", U300).code == 0
    proof = region / CACHE / "tree"
    data = bytearray(proof.read_bytes())
    if damage == "garbled":
        data[-3] ^= 0xFF
    elif damage == "foreign":
        data[20] ^= 0x01  # the key: another index, another repository or another sobctl
    else:
        data = data[: len(data) // 2]
    proof.write_bytes(bytes(data))
    unit = region / "units" / f"{U300}.yaml"
    unit.write_text(unit.read_text().replace("status: active", "status: bogus"))
    assert validate(region) == validate(region, "--no-cache")


def test_the_record_is_kept_as_a_delta_after_an_act_and_read_back_whole(region: Path) -> None:
    assert act(region, "unit", "activate", U300).code == 0
    assert act(region, "role", "grant", "behorighetsadministrator", P006, "--scope", U200).code == 0
    delta = region / CACHE / "record-delta"
    assert delta.is_file() and delta.stat().st_size < (region / CACHE / "record").stat().st_size
    unit = region / "units" / f"{U200}.yaml"
    unit.write_text(unit.read_text().replace("status: active", "status: bogus"))
    assert validate(region) == validate(region, "--no-cache")


@pytest.mark.parametrize("damage", ["garbled delta", "delta of another base", "base gone"])
def test_a_damaged_or_orphaned_record_delta_is_ignored(region: Path, damage: str) -> None:
    assert act(region, "unit", "activate", U300).code == 0
    assert act(region, "role", "grant", "behorighetsadministrator", P006, "--scope", U200).code == 0
    delta = region / CACHE / "record-delta"
    base = region / CACHE / "record"
    if damage == "garbled delta":
        data = bytearray(delta.read_bytes())
        data[-2] ^= 0xFF
        delta.write_bytes(bytes(data))
    elif damage == "delta of another base":
        old = delta.read_bytes()
        base.unlink()
        other = region / "units" / f"{U200}.yaml"
        other.write_text(other.read_text() + "# changed\n")
        validate(region)  # a new base, made by a full run
        assert not delta.exists()
        delta.write_bytes(old)  # a well-framed delta of the base that is gone
    else:
        base.unlink()
    unit = region / "units" / f"{U300}.yaml"
    unit.write_text(unit.read_text().replace("status: active", "status: bogus"))
    assert validate(region) == validate(region, "--no-cache")
    assert act(region, "unit", "deactivate", U200, "--withdraw-programs", "--dry-run").code in (0, 3, 4)


def test_the_early_look_at_the_tree_changes_no_refusal(region: Path, tmp_path: Path) -> None:
    """assign starts git's look at the work tree before it checks its arguments: a bad argument
    or folder is still refused first, as before, and changes nothing."""
    assert act(region, "unassign", PROGRAM, U200).code == 0  # leaves a proof: the look starts
    before = snapshot(region)
    bad_id = run_cli("assign", PROGRAM, "not-an-hsa-id", "--approved-by", P010, "--repo", str(region),
                     "--as-of", TODAY)
    assert bad_id.code == 2 and "HSA_ID" in bad_id.stderr
    missing = run_cli("assign", PROGRAM, U200, "--approved-by", P010, "--repo", str(tmp_path / "nowhere"),
                      "--as-of", TODAY)
    assert missing.code == 4 and "no such folder" in missing.stderr
    assert snapshot(region) == before
    assert act(region, "assign", PROGRAM, U200, "--approved-by", P010).code == 0
    assert validate(region) == validate(region, "--no-cache")
