"""Helpers shared by the administration tests: run an act, read HEAD's trailers, prove refusals."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import TODAY, Result, git, run_cli, snapshot

PROVIDER = "SE2321000016-0000"
U100, U200, U300 = "SE2321000016-U100", "SE2321000016-U200", "SE2321000016-U300"
V1, V2 = "SE5566778899-V1", "SE5566778899-V2"
P001, P002, P003, P004, P005 = (f"SE2321000016-P00{i}" for i in range(1, 6))
P006, P008, P010, P012 = "SE2321000016-P006", "SE2321000016-P008", "SE2321000016-P010", "SE2321000016-P012"
EMAIL = {
    P001: "anna.lindqvist@exempelland.se",
    P002: "bjorn.svensson@exempelland.se",
    P003: "cecilia.holm@exempelland.se",
    P004: "david.ek@exempelland.se",
    P006: "fredrik.lund@exempelland.se",
    P010: "johanna.strom@exempelland.se",
}
PROGRAM = "kbt-depression"


def act(root: Path, *args: str) -> Result:
    """Run a sobctl command on ``root`` with today fixed."""
    return run_cli(*args, "--repo", str(root), "--as-of", TODAY)


def act_as(root: Path, person: str, *args: str) -> Result:
    """Run a command with git's user.email set to ``person``'s address."""
    git(root, "config", "user.email", EMAIL[person])
    try:
        return act(root, *args)
    finally:
        git(root, "config", "user.email", EMAIL[P001])


def head_trailers(root: Path) -> list[tuple[str, str]]:
    """HEAD's trailers as git itself parses them."""
    message = git(root, "log", "-1", "--format=%B")
    parsed = subprocess.run(["git", "interpret-trailers", "--parse"], input=message, capture_output=True,
                            text=True, check=True).stdout
    return [tuple(line.split(": ", 1)) for line in parsed.splitlines()]  # type: ignore[misc]


def head_subject(root: Path) -> str:
    return git(root, "log", "-1", "--format=%s").strip()


def changed_in_head(root: Path) -> list[str]:
    return git(root, "diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD").split()


def assert_refused(root: Path, rule: str, *args: str, person: str = P001, code: int = 4) -> Result:
    """The command is refused with ``code``, names ``rule``, and changes nothing at all."""
    before = snapshot(root)
    result = act_as(root, person, *args)
    assert result.code == code, (result.code, result.stdout, result.stderr)
    assert f"[{rule}]" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(root) == before
    return result


def busy(root: Path) -> None:
    """Unrelated work in progress: a staged edit, an unstaged edit, an untracked file."""
    staged = root / "agreements" / "vardavtal-lugna-sinnen.yaml"
    staged.write_bytes(staged.read_bytes() + b"# staged note\n")
    git(root, "add", str(staged))
    unstaged = root / "catalogue" / f"{PROGRAM}.yaml"
    unstaged.write_bytes(unstaged.read_bytes() + b"# unstaged note\n")
    (root / "notes.txt").write_text("untracked\n")
