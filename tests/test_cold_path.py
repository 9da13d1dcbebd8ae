"""The cold validation path: files read whole, parse results stored and read back unchanged."""

from __future__ import annotations

import os
from pathlib import Path

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
        assert set(store.entries) == set(documents)
        for content_id, prepared in documents.items():
            got = store.entries[content_id]
            if prepared[0] == "json":
                assert got[0] == "json" and bytes(got[1]) == prepared[1]
            else:
                assert got == prepared
    finally:
        store.close()
    # One flipped byte anywhere in the body and nothing is trusted.
    path = state.cache_dir / "blobs"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    assert load_blobs(state).entries == {}
