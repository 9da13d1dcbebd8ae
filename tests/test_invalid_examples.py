"""Every invalid example yields its diagnostics at their file, line and column; together they cover every code."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import TODAY, run_cli
from examples import Case, all_cases, build

CASES = all_cases()


def _matches(expected: dict[str, Any], actual: dict[str, Any]) -> bool:
    if (actual["code"], actual["path"], actual["line"]) != (expected["code"], expected["path"], expected["line"]):
        return False
    if "column" in expected and actual["column"] != expected["column"]:
        return False
    if "message" in expected and expected["message"] not in actual["message"]:
        return False
    return "hint" not in expected or expected["hint"] in (actual["hint"] or "")


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_invalid_example(case: Case, region_template: Path, tmp_path: Path) -> None:
    root = build(case, region_template, tmp_path / "region")
    result = run_cli("validate", "--repo", str(root), "--format", "json", "--as-of", TODAY)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert result.code == case.exit, f"{case.name}: exit {result.code}\n{result.stdout}{result.stderr}"
    report = json.loads(result.stdout)
    actual = report["diagnostics"]
    for expected in case.diagnostics:
        if not any(_matches(expected, item) for item in actual):
            same_file = [
                f"{d['path']}:{d['line']}:{d['column']}: {d['code']}: {d['message']}"
                for d in actual
                if d["path"] == expected["path"]
            ]
            pytest.fail(f"{case.name}: expected {expected}\nfound in that file:\n" + "\n".join(same_file))
    assert report["summary"]["errors"] == sum(1 for d in actual if d["severity"] == "error")


def test_examples_locate_in_files_they_write() -> None:
    """An expected line must come from the case's own files, never from the (growing) demo region."""
    for case in CASES:
        assert case.diagnostics, case.name
        for expected in case.diagnostics:
            path = expected["path"]
            removed = any(fnmatch.fnmatch(path, pattern) for pattern in case.remove)
            assert path in case.written or removed, f"{case.name}: {path} is not written by the case"
            assert isinstance(expected["line"], int) and expected["line"] >= 1, case.name


def test_examples_cover_every_code() -> None:
    listed = json.loads(run_cli("rules", "--format", "json").stdout)
    codes = {rule["code"] for rule in listed}
    covered = {expected["code"] for case in CASES for expected in case.diagnostics}
    assert codes - covered == set(), f"codes without an invalid example: {sorted(codes - covered)}"
    assert covered <= codes, f"examples expect codes sobctl does not list: {sorted(covered - codes)}"


def test_syntax_and_schema_examples_give_columns() -> None:
    for case in CASES:
        for expected in case.diagnostics:
            if expected["code"] in {"SOB001", "SOB002", "SOB004", "SOB010", "SOB011", "SOB012"}:
                assert "column" in expected, f"{case.name}: {expected['code']} needs a column"
