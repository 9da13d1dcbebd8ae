"""The cold validation path: files read whole, parsing shared out between processes without
changing a verdict, parse results stored and read back unchanged."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from benchmarks.generate import generate

from conftest import validate_json as validate
from sobctl.repo.cache import BlobWriter, TreeState, load_blobs
from sobctl.repo.files import atomic_stream
from sobctl.repo.workspace import _read_all


def test_a_file_is_read_to_its_end_whatever_size_was_seen(tmp_path: Path) -> None:
    path = tmp_path / "unit.yaml"
    data = bytes(range(256)) * 1000  # larger than one read of the size seen below
    path.write_bytes(data)
    for seen in (0, 1, 255, len(data) - 1, len(data), len(data) + 10):
        assert _read_all(os.fspath(path), seen) == data, seen
    (tmp_path / "empty.yaml").write_bytes(b"")
    assert _read_all(os.fspath(tmp_path / "empty.yaml"), 0) == b""


def test_blob_store_gives_back_every_document_across_write_pieces(tmp_path: Path) -> None:
    """More than a few write pieces' worth of documents, with failures and repeated ids between."""
    state = TreeState(cache_dir=tmp_path / "cache", files={}, key="k", base="base-key")
    documents: dict[str, tuple[object, ...]] = {}
    for number in range(3000):
        payload = b'{"n":%d,"pad":"%s"}' % (number, b"x" * (number % 3000))
        documents[f"{number:040x}"] = ("json", payload)
        if number % 97 == 0:
            documents[f"f{number:039x}"] = ("fail", "SOB001", f"bad {number}", number, None)
    assert sum(len(item[1]) for item in documents.values() if item[0] == "json") > 3 * BlobWriter.PIECE
    with atomic_stream(state.cache_dir / "blobs", durable=False) as stream:
        writer = BlobWriter(stream, state.base)
        for content_id, prepared in documents.items():
            writer.add(content_id, prepared)
            writer.add(content_id, ("json", b"{}"))  # an id already written is kept as first written
        writer.add("y" * 40, ("yaml", b"a: 1\n"))  # YAML hand-offs are not stored
        writer.finish()
    store = load_blobs(state)
    try:
        assert {content_id for content_id, _item in store.items()} == set(documents)
        for content_id, prepared in documents.items():
            got = store.get(content_id)
            if prepared[0] == "json":
                assert got[0] == "json" and bytes(got[1]) == prepared[1]
            else:
                assert got == prepared
        assert not store.damaged
    finally:
        store.close()
    # One flipped byte in a document: that document reads as nothing (so the file is read from
    # disk instead) and the store is marked damaged; every other document still reads true.
    path = state.cache_dir / "blobs"
    data = bytearray(path.read_bytes())
    first = len(b"SOBCTL-CACHE\n" + state.base.encode() + b"\n")
    data[first + 5] ^= 0x01  # inside the first document
    path.write_bytes(bytes(data))
    store = load_blobs(state)
    try:
        damaged = store.get(f"{0:040x}")
        assert damaged is not None and bytes(damaged[1]) == b"" and store.damaged
        assert bytes(store.get(f"{1:040x}")[1]) == documents[f"{1:040x}"][1]
    finally:
        store.close()
    # One flipped byte in the index (or the trailer): nothing is trusted.
    data[first + 5] ^= 0x01
    data[-20] ^= 0x01
    path.write_bytes(bytes(data))
    assert load_blobs(state).empty


# --- work shared out between this process and forked workers ---------------------------------------


def test_every_item_comes_back_exactly_once() -> None:
    from sobctl.repo.parallel import share_out

    for count, workers, chunk in [(0, 1, 4), (1, 1, 4), (7, 1, 3), (1000, 1, 16), (1000, 3, 7), (50, 4, 100)]:
        got = list(share_out(count, lambda index: (index * index, f"item {index}"), workers, chunk))
        assert sorted(index for index, _ in got) == list(range(count))
        assert all(result == (index * index, f"item {index}") for index, result in got)


def test_both_this_process_and_the_workers_do_work() -> None:
    from sobctl.repo.parallel import share_out

    here = os.getpid()

    def slow(index: int) -> int:
        time.sleep(0.001)
        return os.getpid()

    by = [pid for _, pid in share_out(300, slow, 1, 10)]
    assert here in by and any(pid != here for pid in by)


def test_a_worker_that_dies_costs_no_result() -> None:
    from sobctl.repo.parallel import share_out

    here = os.getpid()

    def fragile(index: int) -> int:
        if index == 40 and os.getpid() != here:
            os.kill(os.getpid(), signal.SIGKILL)
        return index * 3

    got = dict(share_out(400, fragile, 2, 8))
    assert got == {index: index * 3 for index in range(400)}


def test_workers_are_gone_when_the_caller_stops_early() -> None:
    from sobctl.repo.parallel import share_out

    def slow(index: int) -> int:
        time.sleep(0.002)
        return os.getpid()

    stream = share_out(10_000, slow, 2, 4)
    workers: set[int] = set()
    for _, pid in stream:
        if pid != os.getpid():
            workers.add(pid)
            break
    stream.close()
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cold") / "national"
    generate(root, seed=5, errors=40, units=250, programs=30, people=200, activations=800)
    return root


@pytest.mark.parametrize("processes", ["2", "3"])
def test_shared_out_loading_gives_the_serial_verdict_cold_warm_and_after_edits(
    national: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: str
) -> None:
    """Files validated as the workers and this process finish them, in whatever order, give the
    diagnostics of one process reading them in order: without the cache, filling it, and with
    part of the files from the cache after edits."""
    import sobctl.repo.workspace as workspace

    repo = tmp_path / "national"
    shutil.copytree(national, repo, symlinks=True)
    serial = validate(repo, "--no-cache")
    assert json.loads(serial)["summary"]["errors"] > 0
    monkeypatch.setattr(workspace, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setenv("SOBCTL_JOBS", processes)
    assert validate(repo, "--no-cache") == serial
    assert validate(repo) == serial  # cold: parsed in parallel, stored
    assert (repo / ".git" / "sobctl-cache" / "blobs").stat().st_size > 100_000
    assert validate(repo) == serial  # warm
    units = sorted((repo / "units").glob("*.yaml"))
    for path in units[::25]:
        path.write_bytes(path.read_bytes().replace(b"status: active", b"status: activ", 1))
    (units[3]).write_bytes(b"hsa_id: [\n")
    edited = validate(repo)
    monkeypatch.setenv("SOBCTL_JOBS", "1")
    assert edited == validate(repo, "--no-cache")
    assert edited != serial


def test_pending_changes_are_loaded_alike_serially_and_shared_out(
    national: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change validated before it is written (an overlay of new bytes and deletions) loads to
    the same workspace whichever way the untouched files are parsed."""
    import sobctl.repo.workspace as workspace

    units = sorted((national / "units").glob("*.yaml"))
    overlay: dict[str, bytes | None] = {
        f"units/{units[1].name}": None,
        f"units/{units[2].name}": units[2].read_bytes().replace(b"status: active", b"status: gone", 1),
        "units/SE2321000016-X999.yaml": b"hsa_id: SE2321000016-X999\nname: [\n",
    }

    def load() -> tuple[list[tuple[str, str, int | None]], list[str], list[str]]:
        loaded = workspace.load_workspace(national, overlay)
        found = [(d.code, d.path, d.line) for d in loaded.load_diagnostics]
        return found, list(loaded.units), list(loaded.people)

    monkeypatch.setenv("SOBCTL_JOBS", "1")
    serial = load()
    assert any(path == "units/SE2321000016-X999.yaml" for _, path, _ in serial[0])
    assert units[1].stem not in serial[1]
    monkeypatch.setattr(workspace, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setenv("SOBCTL_JOBS", "2")
    assert load() == serial
