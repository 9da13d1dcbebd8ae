"""The validation cache never changes a verdict: cached and uncached runs give identical
diagnostics on the same tree through edits, renames, deletions, checkouts and a new sobctl
version; damaged or foreign cache files are ignored; a stale result is never served."""

from __future__ import annotations

import json
import marshal
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from benchmarks.generate import generate

from conftest import git, run_cli
from conftest import validate_json as validate
from sobctl.repo.table import Table

SMALL = {"units": 200, "programs": 40, "people": 150, "activations": 600}
MAGIC = b"SOBCTL-CACHE\n"


@pytest.fixture(scope="session")
def national_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cache") / "national"
    generate(root, seed=11, errors=50, **SMALL)
    return root


@pytest.fixture
def repo(national_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "national"
    shutil.copytree(national_template, target, symlinks=True)
    return target


def same_both_ways(root: Path) -> dict[str, object]:
    """Validate with the cache twice (filling it, then reading it) and without; all must agree."""
    fresh = validate(root, "--no-cache")
    assert validate(root) == fresh
    assert validate(root) == fresh
    report: dict[str, object] = json.loads(fresh)
    return report


def codes(report: dict[str, object]) -> list[tuple[str, str]]:
    return sorted((d["code"], d["path"]) for d in report["diagnostics"])  # type: ignore[attr-defined]


def cache_dir(root: Path) -> Path:
    return root / ".git" / "sobctl-cache"


def unit_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "units").glob("*-E*.yaml"))


def frame(key: bytes, payload: bytes) -> bytes:
    return MAGIC + key + b"\n" + struct.pack(">QI", len(payload), zlib.crc32(payload)) + payload


def poison_result(root: Path, key: bytes | None = None) -> None:
    """Rewrite the stored result with one invented finding, correctly framed (under ``key``)."""
    path = cache_dir(root) / "result"
    data = path.read_bytes()
    stored_key, _, rest = data[len(MAGIC) :].partition(b"\n")
    document = json.loads(rest[12:])
    document["diagnostics"].append({**document["diagnostics"][0], "message": "INVENTED"})
    path.write_bytes(frame(key or stored_key, json.dumps(document).encode()))


def test_cold_and_warm_runs_equal_an_uncached_run(repo: Path) -> None:
    report = same_both_ways(repo)
    assert report["summary"]["errors"] > 40  # type: ignore[index]
    assert (cache_dir(repo) / "result").is_file()
    assert (cache_dir(repo) / "blobs").is_file()
    assert git(repo, "status", "--porcelain") == "", "the cache lives under .git, never in the work tree"


def test_the_stored_result_is_what_a_warm_run_returns(repo: Path) -> None:
    """Proof that the warm path really reads the cache (so the tests below can fail)."""
    validate(repo)
    poison_result(repo)
    assert "INVENTED" in validate(repo)
    assert "INVENTED" not in validate(repo, "--no-cache")


def test_uncommitted_edits_are_validated_from_their_current_bytes(repo: Path) -> None:
    before = same_both_ways(repo)
    target = unit_files(repo)[0]
    original = target.read_bytes()
    target.write_bytes(original.replace(b"type: care-unit", b"type: hospital", 1).replace(
        b"type: linked-unit", b"type: hospital", 1))
    edited = same_both_ways(repo)
    rel = target.relative_to(repo).as_posix()
    assert ("SOB012", rel) in codes(edited)
    assert ("SOB012", rel) not in codes(before)
    git(repo, "add", rel)  # staged, then changed again in the work tree
    target.write_bytes(original)
    assert same_both_ways(repo) == before
    target.write_bytes(original + b"colour: red\n")  # same file, the index still holds the staged bytes
    assert ("SOB011", rel) in codes(same_both_ways(repo))


def test_same_size_edit_is_seen(repo: Path) -> None:
    validate(repo)
    target = unit_files(repo)[1]
    data = target.read_bytes()
    assert b"status: active" in data
    target.write_bytes(data.replace(b"status: active", b"status: zctive", 1))  # same length
    rel = target.relative_to(repo).as_posix()
    assert ("SOB012", rel) in codes(same_both_ways(repo))


def test_renames_deletions_and_new_files(repo: Path) -> None:
    validate(repo)
    units = unit_files(repo)
    git(repo, "mv", units[2].relative_to(repo).as_posix(), "units/SE2321000016-MOVED1.yaml")
    renamed = same_both_ways(repo)
    assert ("SOB009", "units/SE2321000016-MOVED1.yaml") in codes(renamed)
    units[3].unlink()
    same_both_ways(repo)
    (repo / "units" / "new.yml").write_text("hsa_id: x\n")
    (repo / "catalogue" / "empty.yaml").write_text("")
    report = same_both_ways(repo)
    assert ("SOB008", "units/new.yml") in codes(report)
    assert ("SOB003", "catalogue/empty.yaml") in codes(report)
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-qm", "changes")
    assert same_both_ways(repo) == report


def test_edits_inside_a_folder_git_does_not_track_yet_are_seen(repo: Path) -> None:
    """A content folder none of whose files is committed yet (git names the folder, not its
    files): an edit of a file in it is a new tree all the same, and so is a new empty folder."""
    git(repo, "rm", "-rq", "--cached", "agreements")
    git(repo, "-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-qm", "agreements not yet")
    first = same_both_ways(repo)
    agreement = sorted((repo / "agreements").glob("*.yaml"))[0]
    agreement.write_text(agreement.read_text(encoding="utf-8") + "unknown_field: 1\n", encoding="utf-8")
    report = same_both_ways(repo)
    assert report != first
    assert ("SOB011", f"agreements/{agreement.name}") in codes(report)
    (repo / "agreements" / "drafts").mkdir()
    assert same_both_ways(repo) != report


def test_checkout_of_another_commit(repo: Path) -> None:
    first = same_both_ways(repo)
    for target in unit_files(repo)[:5]:
        target.write_bytes(target.read_bytes() + b"unknown_key: 1\n")
    git(repo, "-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-qam", "break five units")
    second = same_both_ways(repo)
    sob011 = [code for code, _ in codes(second) if code == "SOB011"]
    assert len(sob011) == len([code for code, _ in codes(first) if code == "SOB011"]) + 5
    git(repo, "checkout", "-q", "HEAD~1")
    assert same_both_ways(repo) == first
    git(repo, "checkout", "-q", "-")
    assert same_both_ways(repo) == second


def test_a_new_sobctl_version_does_not_reuse_results(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sobctl

    validate(repo)
    poison_result(repo)
    assert "INVENTED" in validate(repo)
    monkeypatch.setattr(sobctl, "__version__", sobctl.__version__ + ".post1")
    assert validate(repo) == validate(repo, "--no-cache")
    assert "INVENTED" not in validate(repo)


def test_a_different_as_of_day_is_another_result(repo: Path) -> None:
    validate(repo)
    poison_result(repo)
    other = run_cli("validate", "--repo", str(repo), "--as-of", "2026-11-24", "--format", "json")
    assert "INVENTED" not in other.stdout


@pytest.mark.parametrize(
    ("name", "damage"),
    [("result", "truncate"), ("result", "garbage"), ("result", "wrong-key"), ("blobs", "empty"),
     ("blobs", "truncate"), ("blobs", "bad-crc"), ("blobs-delta", "garbage")],
)
def test_damaged_or_foreign_cache_files_are_ignored(repo: Path, name: str, damage: str) -> None:
    validate(repo)
    # make the next run use the blobs file: change one unit so the stored result no longer applies
    target = unit_files(repo)[4]
    target.write_bytes(target.read_bytes() + b"# touched\n")
    fresh = validate(repo, "--no-cache")
    validate(repo)
    path = cache_dir(repo) / name
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x00\xff garbage " * 1000)
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "wrong-key":
        _, _, rest = data[len(MAGIC) :].partition(b"\n")
        path.write_bytes(MAGIC + b"0" * 64 + b"\n" + rest)
    else:
        tampered = bytearray(data)
        tampered[-3] ^= 0x01
        path.write_bytes(bytes(tampered))
    if name == "result" and damage in ("wrong-key",):
        poison_result(repo, key=b"0" * 64)
    assert validate(repo) == fresh
    assert validate(repo) == fresh


@pytest.mark.parametrize("own_key", [True, False])
def test_blobs_are_used_only_under_their_own_key(repo: Path, own_key: bool) -> None:
    validate(repo)
    path = cache_dir(repo) / "blobs"
    data = path.read_bytes()
    key = data[len(MAGIC) : data.index(b"\n", len(MAGIC))] if own_key else b"f" * 64
    index_offset, index_length, _ = struct.unpack(">QQI", data[-20:])
    body = data[data.index(b"\n", len(MAGIC)) + 1 : -20]
    index = dict(Table(marshal.loads(body[index_offset : index_offset + index_length])).items())
    # a well-formed store that claims every file parses to what one unit file holds (valid, but
    # another file's content: a failing parse would be read again from disk, a valid one is trusted)
    unit = next(row for row in index.values()
                if row[0] == "json" and b'"type":"care-unit"' in body[row[1] : row[1] + row[2]])
    payload = body[unit[1] : unit[1] + unit[2]]
    forged_index = marshal.dumps(Table.of({cid: ("json", 0, len(payload), zlib.crc32(payload))
                                           for cid in index}).dump())
    path.write_bytes(MAGIC + key + b"\n" + payload + forged_index
                     + struct.pack(">QQI", len(payload), len(forged_index), zlib.crc32(forged_index)))
    (cache_dir(repo) / "result").unlink()
    # under its own key the (forged) store is trusted: proof that the stored parse results are used
    assert (validate(repo) == validate(repo, "--no-cache")) is not own_key


def test_disabled_by_option_or_environment(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    validate(repo, "--no-cache")
    assert not cache_dir(repo).exists()
    monkeypatch.setenv("SOBCTL_NO_CACHE", "1")
    validate(repo)
    assert not cache_dir(repo).exists()


def test_a_folder_that_is_not_a_git_repository_still_validates(repo: Path, tmp_path: Path) -> None:
    expected = validate(repo, "--no-cache")
    plain = tmp_path / "plain"
    shutil.copytree(repo, plain, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    assert validate(plain) == expected
    assert not (plain / ".git").exists()


def test_parallel_parsing_gives_the_same_verdict(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sobctl.repo.workspace as workspace

    serial = validate(repo, "--no-cache")
    monkeypatch.setattr(workspace, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setenv("SOBCTL_JOBS", "2")
    assert validate(repo, "--no-cache") == serial


@pytest.mark.parametrize(
    "text",
    [
        "decision: 2024-01-01\n",
        "name: 2024-01-01\n",
        "version: 1.10\n",
        "version: .inf\n",
        "1: one\n",
        "granted_at: 2024-1-5\n",
        "dates: {valid_to: 2024-01-01}\n",
        "text: |\n  date: 2024-01-01\n",
        "valid_to: 2024-01-01T10:00:00\n",
        "major: 99999999999999999999999\n",
        "open: 1e400\n",
        "parent: .nan\n",
        "parent: null\n",
        "open: yes\n",
    ],
)
def test_json_hand_off_gives_the_python_verdict(text: str) -> None:
    """A parsed file is handed to pydantic as JSON only where that cannot change the verdict."""
    from sobctl.model.entities import Program, Unit
    from sobctl.repo.workspace import parse_document, prepare, validate_prepared

    for model in (Unit, Program):
        raw = ("hsa_id: SE2321000016-U1\nname: x\ntype: care-unit\n" + text).encode()
        expected = parse_document("units/x.yaml", raw, model)
        got = validate_prepared("units/x.yaml", prepare(raw), model, lambda raw=raw: raw)  # failures are re-read
        assert [(d.code, d.message, d.pointer) for d in got[1]] == [(d.code, d.message, d.pointer) for d in expected[1]]
        assert (got[0] is None) == (expected[0] is None)


def test_files_behind_a_linked_folder_are_never_served_from_the_cache(repo: Path, tmp_path: Path) -> None:
    # inside the repository (a content folder linked outside it is refused: SOB007)
    real = repo / "data" / "units"
    real.parent.mkdir()
    shutil.move(repo / "units", real)
    (repo / "units").symlink_to(Path("data") / "units", target_is_directory=True)
    assert validate(repo) == validate(repo, "--no-cache")
    target = sorted(real.glob("*-E*.yaml"))[0]
    target.write_bytes(target.read_bytes() + b"colour: red\n")
    after = validate(repo)
    assert after == validate(repo, "--no-cache")
    assert ("SOB011", f"units/{target.name}") in codes(json.loads(after))


def test_a_damaged_stored_document_is_read_from_disk_and_the_cache_dropped(repo: Path) -> None:
    validate(repo)
    target = unit_files(repo)[4]
    target.write_bytes(target.read_bytes() + b"# touched\n")  # the next run reads the parse cache
    path = cache_dir(repo) / "blobs"
    data = bytearray(path.read_bytes())
    start = data.index(b"\n", len(MAGIC)) + 1
    for offset in range(start + 10, start + 200_000, 997):  # a byte in many stored documents
        data[offset] ^= 0x20
    path.write_bytes(bytes(data))
    expected = validate(repo, "--no-cache")
    assert validate(repo) == expected
    assert not path.exists()  # a damaged store is not kept
    assert validate(repo) == expected
    assert validate(repo) == expected
