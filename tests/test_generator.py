"""The benchmark generator: a small national repository is valid, deterministic, and its
injected errors are exactly the ones it announces."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from benchmarks.generate import generate

from conftest import TODAY, git, run_cli

SMALL = {"units": 300, "programs": 40, "people": 300, "activations": 1200}


@pytest.fixture(scope="session")
def small_valid(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("national") / "valid"
    generate(root, seed=7, **SMALL)
    return root


def codes(root: Path) -> tuple[int, Counter[str], dict[str, object]]:
    result = run_cli("validate", "--repo", str(root), "--as-of", TODAY, "--format", "json", "--no-cache")
    report = json.loads(result.stdout)
    return result.code, Counter(d["code"] for d in report["diagnostics"]), report


def test_generated_repository_is_valid_under_every_rule(small_valid: Path) -> None:
    code, found, report = codes(small_valid)
    assert code == 0
    assert found == Counter(), found
    summary = json.loads((small_valid / "expected-diagnostics.json").read_text())
    assert summary["units"] == 300
    assert summary["programs"] == 40
    assert summary["activations"] > 1000
    assert report["summary"]["files"] == 1 + 300 + 40 + summary["people"] + summary["agreements"]  # type: ignore[index]


def test_generated_repository_is_one_commit_and_clean(small_valid: Path) -> None:
    assert git(small_valid, "rev-list", "--count", "HEAD").strip() == "1"
    assert git(small_valid, "status", "--porcelain") == ""


def test_same_seed_same_repository_other_seed_other(tmp_path: Path, small_valid: Path) -> None:
    generate(tmp_path / "again", seed=7, **SMALL)
    generate(tmp_path / "other", seed=8, **SMALL)
    tree = git(small_valid, "rev-parse", "HEAD^{tree}")
    assert git(tmp_path / "again", "rev-parse", "HEAD^{tree}") == tree
    assert git(tmp_path / "other", "rev-parse", "HEAD^{tree}") != tree


def test_injected_errors_are_exactly_the_announced_ones(tmp_path: Path) -> None:
    root = tmp_path / "broken"
    summary = generate(root, seed=3, errors=120, **SMALL)
    expected = Counter(summary["expected"])  # type: ignore[arg-type]
    assert sum(expected.values()) == 120
    assert len(expected) >= 40, "every kind of problem is represented"
    code, found, _ = codes(root)
    assert code == 1
    assert found == expected


def test_generator_refuses_a_non_empty_target(tmp_path: Path, small_valid: Path) -> None:
    target = tmp_path / "full"
    shutil.copytree(small_valid / "units", target)
    with pytest.raises(SystemExit):
        generate(target, **SMALL)
