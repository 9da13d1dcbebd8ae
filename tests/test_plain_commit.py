"""Acts commit through git's plumbing when nothing needs ``git commit`` (no hook, no signing):
the commit, the reflog, the index and the message file must be exactly what ``git commit`` leaves,
and whenever a hook, signing or an unusual file is involved the porcelain runs as before."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from admin_support import P010, PROGRAM, U200, U300, act, busy
from conftest import git, snapshot
from sobctl.errors import GitFailed
from sobctl.repo import git as sob_git


def traced(region: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Record every git command sobctl runs (GIT_TRACE) into a file; returns the file."""
    trace = region.parent / f"{region.name}.trace"
    trace.unlink(missing_ok=True)
    monkeypatch.setenv("GIT_TRACE", str(trace))
    return trace


def commands(trace: Path) -> list[str]:
    """The git subcommands in a trace, in order (``commit``, ``commit-tree``, ``update-ref`` …)."""
    found = []
    for line in trace.read_text().splitlines() if trace.exists() else []:
        if "trace: built-in: git " in line:
            words = line.split("trace: built-in: git ", 1)[1].split()
            found.append(next((w for w in words if not w.startswith("-") and not w.startswith("/")), ""))
    return found


def hook(region: Path, name: str, body: str, *, folder: Path | None = None) -> None:
    path = (folder or region / ".git" / "hooks") / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def twin(region: Path) -> Path:
    """A second copy of the region (same commits, same config) whose acts take the porcelain path:
    a post-commit hook that does nothing."""
    other = region.parent / "porcelain"
    shutil.copytree(region, other, symlinks=True)
    hook(other, "post-commit", "exit 0")
    return other


def state(root: Path) -> dict[str, str]:
    """What a commit leaves: the commit object, the reflogs, the index, the status, the message file."""
    return {
        "commit": git(root, "cat-file", "commit", "HEAD"),
        "head": git(root, "rev-parse", "HEAD"),
        "reflog HEAD": git(root, "reflog", "-1", "--format=%gs", "HEAD"),
        "reflog main": git(root, "reflog", "-1", "--format=%gs", "main"),
        "index": git(root, "ls-files", "-s"),
        "staged": git(root, "diff", "--cached"),
        "unstaged": git(root, "diff"),
        "status": git(root, "status", "--porcelain", "--untracked-files=all"),
        "message file": (root / ".git" / "COMMIT_EDITMSG").read_text(),
    }


ACTS = [
    ("assign", PROGRAM, U200, "--approved-by", P010, "--decision", "RS 2026/114", "--reason", "Ny  rad\n\n  två"),
    ("unit", "activate", U300, "--decision", "RS 1"),
    ("person", "add", "SE2321000016-P820", "--name", "Sara Berg", "--email", "s@x.se"),
    ("role", "grant", "behorighetsadministrator", "SE2321000016-P006", "--scope", U200),
]


@pytest.mark.parametrize("args", ACTS, ids=lambda a: "-".join(a[:2]))
def test_the_plain_commit_is_the_commit_git_commit_makes(region: Path, monkeypatch: pytest.MonkeyPatch,
                                                        args: tuple[str, ...]) -> None:
    if args[0] == "assign":
        assert act(region, "unassign", PROGRAM, U200).code == 0
    busy(region)
    porcelain = twin(region)
    trace = traced(region, monkeypatch)
    assert act(region, *args).code == 0
    plain_commands = commands(trace)
    trace = traced(porcelain, monkeypatch)
    result = act(porcelain, *args)
    assert result.code == 0, result.stderr
    porcelain_commands = commands(trace)
    assert "commit-tree" in plain_commands and "commit" not in plain_commands
    assert "commit" in porcelain_commands and "commit-tree" not in porcelain_commands
    assert state(region) == state(porcelain)
    assert snapshot(region)[3] == snapshot(porcelain)[3]


def test_successive_plain_acts_keep_the_index_and_the_cache_exact(region: Path) -> None:
    porcelain = twin(region)
    for root in (region, porcelain):
        for args in ACTS[1:]:
            result = act(root, *args)
            assert result.code == 0, result.stderr
        assert act(root, "validate").code == 0
    assert state(region) == state(porcelain)
    assert git(region, "log", "--format=%H %s") == git(porcelain, "log", "--format=%H %s")
    # the index matches HEAD and the work tree: nothing shows as staged or changed
    assert git(region, "status", "--porcelain") == ""


@pytest.mark.parametrize("where", ["hooks folder", "core.hooksPath"])
@pytest.mark.parametrize("name", ["pre-commit", "commit-msg", "post-commit"])
def test_a_hook_makes_git_commit_run_it(region: Path, monkeypatch: pytest.MonkeyPatch, where: str, name: str) -> None:
    marker = region.parent / f"{name}.ran"
    folder = None
    if where == "core.hooksPath":
        folder = region.parent / "shared-hooks"
        git(region, "config", "core.hooksPath", str(folder))
    hook(region, name, f"echo ran > '{marker}'", folder=folder)
    trace = traced(region, monkeypatch)
    assert act(region, "unit", "activate", U300).code == 0
    assert marker.exists()
    assert "commit" in commands(trace)


def test_a_hook_file_git_would_not_run_does_not_force_the_porcelain(region: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = region / ".git" / "hooks" / "pre-commit"
    path.write_text("#!/bin/sh\nexit 1\n")  # not executable: git ignores it
    trace = traced(region, monkeypatch)
    assert act(region, "unit", "activate", U300).code == 0
    assert "commit-tree" in commands(trace) and "commit" not in commands(trace)


def test_signing_from_git_config_goes_through_git_commit(region: Path) -> None:
    script = region.parent / "fake-gpg-fails"
    script.write_text("#!/bin/sh\necho 'gpg: signing failed: no secret key' >&2\nexit 1\n")
    script.chmod(0o755)
    git(region, "config", "gpg.program", str(script))
    git(region, "config", "commit.gpgSign", "true")
    before = snapshot(region)
    result = act(region, "unit", "activate", U300)
    assert result.code == 5 and "gpg" in result.stderr
    assert snapshot(region) == before


def test_an_executable_target_goes_through_git_add(region: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = region / "units" / f"{U300}.yaml"
    target.chmod(0o755)
    git(region, "commit", "-qam", "executable by mistake")
    trace = traced(region, monkeypatch)
    assert act(region, "unit", "activate", U300).code == 0
    assert "commit" in commands(trace)
    assert git(region, "ls-files", "-s", f"units/{U300}.yaml").startswith("100755 ")


def test_an_ignored_new_file_is_refused_as_git_add_refuses_it(region: Path) -> None:
    (region / ".gitignore").write_text("roles/SE2321000016-P820.yaml\n")
    git(region, "add", ".gitignore")
    git(region, "commit", "-qm", "ignore a person")
    before = snapshot(region)
    result = act(region, "person", "add", "SE2321000016-P820", "--name", "Sara Berg", "--email", "s@x.se")
    assert result.code == 5 and "ignored" in result.stderr
    assert snapshot(region) == before


def test_a_commit_landing_meanwhile_makes_the_act_fail_and_keeps_both(region: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process commits between the moment the act reads HEAD and the moment it moves it:
    HEAD must not be moved over that commit; the act fails as a refused commit, restoring its file."""
    real = shutil.which("git")
    assert real is not None
    wrappers = region.parent / "bin"
    wrappers.mkdir()
    concurrent = region.parent / "concurrent.txt"
    (wrappers / "git").write_text(
        "#!/bin/sh\n"
        f'if [ "$3" = "commit-tree" ] && [ ! -e "{concurrent}" ]; then\n'
        f'  out=$("{real}" "$@") || exit $?\n'
        f'  tree=$("{real}" -C "$2" rev-parse "HEAD^{{tree}}")\n'
        f'  other=$(echo "commit from elsewhere" | "{real}" -C "$2" commit-tree "$tree" -p HEAD)\n'
        f'  "{real}" -C "$2" update-ref -m "commit: elsewhere" HEAD "$other"\n'
        f'  echo "$other" > "{concurrent}"\n'
        '  echo "$out"\n'
        "  exit 0\n"
        "fi\n"
        f'exec "{real}" "$@"\n'
    )
    (wrappers / "git").chmod(0o755)
    busy(region)
    before = snapshot(region)
    monkeypatch.setenv("PATH", f"{wrappers}{os.pathsep}{os.environ['PATH']}")
    result = act(region, "unit", "activate", U300)
    assert result.code == 5, (result.code, result.stderr)
    assert "git commit was refused" in result.stderr
    other = concurrent.read_text().strip()
    assert git(region, "rev-parse", "HEAD").strip() == other  # the other commit stays where it landed
    assert git(region, "log", "-1", "--format=%s", other).strip() == "commit from elsewhere"
    after = snapshot(region)
    assert after[1:] == before[1:]  # the index, the status and every file as they were
    assert git(region, "rev-parse", "HEAD~1").strip() == before[0].strip()


def _commit_both_ways(region: Path, paths: list[str], message: str) -> tuple[Path, str, str]:
    porcelain = twin(region)
    for root in (region, porcelain):
        directory = Path(git(root, "rev-parse", "--absolute-git-dir").strip())
        sob_git.commit_paths(root, paths, message, sign=False, git_directory=directory)
    return porcelain, git(region, "rev-parse", "HEAD").strip(), git(porcelain, "rev-parse", "HEAD").strip()


def test_deletions_new_folders_and_several_folders_commit_alike(region: Path) -> None:
    (region / "agreements" / "vardavtal-lugna-sinnen.yaml").unlink()
    (region / "catalogue" / "deep" / "er").mkdir(parents=True)
    (region / "catalogue" / "deep" / "er" / "new.yaml").write_text("id: new\n")
    unit = region / "units" / f"{U300}.yaml"
    unit.write_text(unit.read_text() + "# changed\n")
    paths = ["agreements/vardavtal-lugna-sinnen.yaml", "catalogue/deep/er/new.yaml", f"units/{U300}.yaml"]
    porcelain, plain_head, porcelain_head = _commit_both_ways(region, paths, "change three folders\n\nReason: x\n")
    assert plain_head == porcelain_head
    assert state(region) == state(porcelain)


def test_a_folder_emptied_by_a_deletion_disappears_alike(region: Path) -> None:
    agreements = sorted((region / "agreements").glob("*.yaml"))
    for path in agreements:
        path.unlink()
    paths = [p.relative_to(region).as_posix() for p in agreements]
    porcelain, plain_head, porcelain_head = _commit_both_ways(region, paths, "no agreements\n")
    assert state(region) == state(porcelain)
    assert plain_head == porcelain_head
    assert "agreements" not in git(region, "ls-tree", "--name-only", "HEAD")


def test_nothing_to_commit_fails_as_git_commit_fails(region: Path) -> None:
    directory = Path(git(region, "rev-parse", "--absolute-git-dir").strip())
    head = git(region, "rev-parse", "HEAD")
    with pytest.raises(GitFailed):
        sob_git.commit_paths(region, [f"units/{U300}.yaml"], "nothing\n", sign=False, git_directory=directory)
    assert git(region, "rev-parse", "HEAD") == head


def test_a_detached_head_moves_alone(region: Path) -> None:
    git(region, "checkout", "-q", "--detach")
    main = git(region, "rev-parse", "main")
    assert act(region, "unit", "activate", U300).code == 0
    assert git(region, "rev-parse", "main") == main
    assert git(region, "rev-parse", "HEAD~1") == main
    assert git(region, "reflog", "-1", "--format=%gs", "HEAD").strip() == f"commit: activate unit {U300}"


def test_a_region_in_a_folder_of_a_larger_repository_commits_through_git_commit(
        region_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outer = tmp_path / "outer"
    shutil.copytree(region_template, outer / "region", symlinks=True, ignore=shutil.ignore_patterns(".git"))
    git(outer, "init", "-q")
    git(outer, "config", "user.name", "Anna Lindqvist")
    git(outer, "config", "user.email", "anna.lindqvist@exempelland.se")
    git(outer, "add", "-A")
    git(outer, "commit", "-qm", "a region in a folder")
    trace = traced(outer, monkeypatch)
    assert act(outer / "region", "unit", "activate", U300).code == 0
    assert "commit" in commands(trace)
    assert git(outer, "diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD").split() == [
        f"region/units/{U300}.yaml"]
    assert git(outer, "status", "--porcelain") == ""
    from conftest import TODAY, run_cli

    root = outer / "region"
    cached = run_cli("validate", "--repo", str(root), "--as-of", TODAY, "--format", "json")
    monkeypatch.setenv("SOBCTL_NO_CACHE", "1")
    assert run_cli("validate", "--repo", str(root), "--as-of", TODAY, "--format", "json") == cached
