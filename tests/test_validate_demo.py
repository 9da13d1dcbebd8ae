"""The bundled demo region validates, through the CLI, in every output format."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import TODAY, run_cli


def test_demo_region_has_no_errors(region: Path) -> None:
    result = run_cli("validate", "--repo", str(region), "--as-of", TODAY, "--format", "json")
    report = json.loads(result.stdout)
    assert result.code == 0, result.stdout
    assert report["summary"]["errors"] == 0
    assert report["summary"]["files"] > 10


def test_missing_config_is_reported_not_raised(tmp_path: Path) -> None:
    result = run_cli("validate", "--repo", str(tmp_path))
    assert result.code == 1
    assert "error[SOB013]" in result.stdout
