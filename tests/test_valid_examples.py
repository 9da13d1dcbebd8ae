"""Every valid example repository validates without a single finding, even with --strict."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import TODAY, run_cli
from examples import VALID

CASES = sorted(folder for folder in VALID.iterdir() if (folder / "sobctl.yaml").is_file())


@pytest.mark.parametrize("folder", CASES, ids=[folder.name for folder in CASES])
def test_valid_example(folder: Path, tmp_path: Path) -> None:
    root = tmp_path / folder.name
    shutil.copytree(folder, root)
    result = run_cli("validate", "--repo", str(root), "--as-of", TODAY, "--format", "json", "--strict")
    assert result.code == 0, result.stdout
    assert json.loads(result.stdout)["diagnostics"] == []


def test_there_are_valid_examples() -> None:
    assert CASES
