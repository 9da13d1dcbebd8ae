"""Shared fixtures: isolated git, a copy of the demo region as a real repository, a CLI runner."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
REGION_PARTS = ("sobctl.yaml", "catalogue", "units", "roles", "agreements", "schemas")
#: The demo region's day of reference: tests fix "today" so results never drift.
TODAY = "2026-11-23"
ADMIN_EMAIL = "anna.lindqvist@exempelland.se"


@pytest.fixture(autouse=True, scope="session")
def isolated_git(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No user or system git config leaks in; fixed identities and dates."""
    home = tmp_path_factory.mktemp("home")
    saved = dict(os.environ)
    os.environ.update({
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_DATE": "2026-11-23T10:00:00+01:00",
        "GIT_COMMITTER_DATE": "2026-11-23T10:00:00+01:00",
        "NO_COLOR": "1",
        "SOBCTL_LANG": "en",  # messages in English whatever the developer's locale; tests pass --lang sv
    })
    os.environ.pop("SOBCTL_REPO", None)
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n")
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    """Each test starts in English: a ``--lang sv`` run in an earlier test (in this process) does not leak."""
    from sobctl.i18n import set_language

    set_language("en")
    yield
    set_language("en")


def git(root: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout


@pytest.fixture(scope="session")
def region_template(tmp_path_factory: pytest.TempPathFactory, isolated_git: None) -> Path:
    """The demo region committed once in a real repository; tests copy it."""
    root = tmp_path_factory.mktemp("template") / "region"
    root.mkdir()
    for part in REGION_PARTS:
        source = PROJECT / part
        if source.is_dir():
            shutil.copytree(source, root / part)
        else:
            shutil.copy2(source, root / part)
    git(root, "init", "-q")
    git(root, "config", "user.name", "Anna Lindqvist")
    git(root, "config", "user.email", ADMIN_EMAIL)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Demo region")
    return root


@pytest.fixture
def region(region_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo region repository, acting as a care-provider administrator."""
    target = tmp_path / "region"
    shutil.copytree(region_template, target, symlinks=True)
    return target


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory, isolated_git: None) -> Path:
    """A small generated national repository with a finding of every kind the generator can
    provoke (copied by ``repo``; never changed itself)."""
    from benchmarks.generate import generate

    root = tmp_path_factory.mktemp("national") / "national"
    generate(root, seed=5, errors=1, units=150, programs=30, people=120, activations=450)
    return root


@pytest.fixture
def repo(template: Path, tmp_path: Path) -> Path:
    """A fresh copy of ``template`` to change."""
    target = tmp_path / "national"
    shutil.copytree(template, target, symlinks=True)
    return target


def run_cli(*args: str, cwd: Path | None = None) -> Result:
    """Run sobctl in-process exactly as the console script does (error handling included)."""
    from sobctl.cli.app import main

    stdout, stderr = io.StringIO(), io.StringIO()
    saved_argv, saved_cwd = sys.argv, Path.cwd()
    sys.argv = ["sobctl", *args]
    code = 0
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                main()
            except SystemExit as exc:
                code = int(exc.code or 0)
    finally:
        sys.argv = saved_argv
        os.chdir(saved_cwd)
    return Result(code, stdout.getvalue(), stderr.getvalue())


def validate_json(root: Path, *extra: str) -> str:
    """``sobctl validate --format json`` on ``root`` at TODAY; findings allowed, anything else fails."""
    result = run_cli("validate", "--repo", str(root), "--as-of", TODAY, "--format", "json", *extra)
    assert result.code in (0, 1), result.stderr
    return result.stdout


@pytest.fixture
def cli() -> object:
    return run_cli


def snapshot(root: Path) -> tuple[str, str, str, dict[str, bytes]]:
    """HEAD, index, status and every file's bytes: to prove a refusal changed nothing."""
    files = {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }
    return (git(root, "rev-parse", "HEAD"), git(root, "ls-files", "-s"),
            git(root, "status", "--porcelain"), files)
