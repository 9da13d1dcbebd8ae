"""The cold validation path: files read whole."""

from __future__ import annotations

import os
from pathlib import Path

from sobctl.repo.workspace import _read_all


def test_a_file_is_read_to_its_end_whatever_size_was_seen(tmp_path: Path) -> None:
    path = tmp_path / "unit.yaml"
    data = bytes(range(256)) * 1000  # larger than one read of the size seen below
    path.write_bytes(data)
    for seen in (0, 1, 255, len(data) - 1, len(data), len(data) + 10):
        assert _read_all(os.fspath(path), seen) == data, seen
    (tmp_path / "empty.yaml").write_bytes(b"")
    assert _read_all(os.fspath(tmp_path / "empty.yaml"), 0) == b""
