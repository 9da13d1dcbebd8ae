"""Acts as transactions: round-trip edits, validation, staging area, dirty targets, locks, hooks,
signatures and the commit message's trailers, all against real git."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from admin_support import (
    P001,
    P003,
    P006,
    P010,
    PROGRAM,
    PROVIDER,
    U200,
    U300,
    act,
    busy,
    changed_in_head,
    head_trailers,
)
from conftest import TODAY, git, snapshot
from sobctl.repo.trailers import build_message, one_line

ODD_UNIT = """\
# yaml-language-server: $schema=../schemas/unit.schema.json
# Psykiatrin norr: see RS 2024/0012 for the decision.
hsa_id: "SE2321000016-U200"   # double quoted on purpose
name:    'Psykiatrimottagning Norr'
type: care-unit
parent: SE2321000016-0000
status: active  # since 2024
status_history:
- status: active
  date: 2024-01-15
  by:   SE2321000016-P001
  decision: "RS 2024/0012"
# activations below
"""


def test_round_trip_edit_changes_only_the_lines_it_must(region: Path) -> None:
    path = region / "units" / f"{U200}.yaml"
    path.write_text(ODD_UNIT)
    git(region, "commit", "-qam", "unusual formatting")
    result = act(region, "assign", PROGRAM, U200, "--approved-by", P010)
    assert result.code == 0, result.stderr
    after = path.read_text()
    assert after.startswith(ODD_UNIT)  # every byte of the original, comments and quoting included
    added = after[len(ODD_UNIT):]
    assert added == (f"programs:\n- program: {PROGRAM}\n  major: 1\n  activated: {TODAY}\n  by: {P001}\n"
                     f"  approved_by: {P010}\n")
    assert act(region, "unassign", PROGRAM, U200).code == 0
    assert path.read_text() == ODD_UNIT


def test_a_change_that_adds_errors_is_refused_with_diagnostics(region: Path) -> None:
    busy(region)
    before = snapshot(region)
    result = act(region, "role", "revoke", "kontaktperson", P003, "--scope", PROVIDER)
    assert result.code == 3
    assert "sobctl.yaml:" in result.stderr and "error[SOB203]" in result.stderr
    assert snapshot(region) == before


def test_errors_already_there_do_not_block_an_unrelated_act(region: Path) -> None:
    broken = region / "agreements" / "broken.yaml"
    broken.write_text("id: broken\nkind: nonsense\n")
    git(region, "add", "-A")
    git(region, "commit", "-qm", "a broken agreement")
    assert act(region, "validate").code == 1
    result = act(region, "unit", "activate", U300)
    assert result.code == 0, result.stderr


def test_staged_unstaged_and_untracked_work_elsewhere_survives(region: Path) -> None:
    busy(region)
    index_before = {line.split("\t")[1]: line for line in git(region, "ls-files", "-s").splitlines()}
    cached_diff = git(region, "diff", "--cached")
    worktree_diff = git(region, "diff")
    files_before = snapshot(region)[3]
    result = act(region, "unassign", PROGRAM, U200)
    assert result.code == 0, result.stderr
    assert changed_in_head(region) == [f"units/{U200}.yaml"]
    index_after = {line.split("\t")[1]: line for line in git(region, "ls-files", "-s").splitlines()}
    target = f"units/{U200}.yaml"
    assert {k: v for k, v in index_after.items() if k != target} == {
        k: v for k, v in index_before.items() if k != target}
    assert git(region, "diff", "--cached") == cached_diff
    assert git(region, "diff") == worktree_diff
    files_after = snapshot(region)[3]
    assert {k: v for k, v in files_after.items() if k != target} == {
        k: v for k, v in files_before.items() if k != target}
    assert git(region, "status", "--porcelain", "--", target) == ""


@pytest.mark.parametrize("how", ["unstaged", "staged", "staged-and-reverted"])
def test_a_target_with_uncommitted_changes_is_refused(region: Path, how: str) -> None:
    path = region / "units" / f"{U200}.yaml"
    original = path.read_bytes()
    path.write_bytes(original + b"# local note\n")
    if how != "unstaged":
        git(region, "add", str(path))
    if how == "staged-and-reverted":
        path.write_bytes(original)
    before = snapshot(region)
    result = act(region, "unassign", PROGRAM, U200)
    assert result.code == 4 and "[dirty-target]" in result.stderr
    assert snapshot(region) == before


def hook(region: Path, name: str, body: str) -> None:
    path = region / ".git" / "hooks" / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def failing_gpg(region: Path) -> None:
    script = region.parent / "fake-gpg-fails"
    script.write_text("#!/bin/sh\necho 'gpg: signing failed: no secret key' >&2\nexit 1\n")
    script.chmod(0o755)
    git(region, "config", "gpg.program", str(script))


@pytest.mark.parametrize("failure", ["pre-commit", "commit-msg", "signature", "policy-signature"])
def test_a_failing_commit_leaves_tree_index_and_head_as_before(region: Path, failure: str) -> None:
    extra: tuple[str, ...] = ()
    if failure in ("pre-commit", "commit-msg"):
        hook(region, failure, "echo 'hook says no' >&2; exit 1")
    elif failure == "signature":
        failing_gpg(region)
        extra = ("--sign",)
    else:
        config = region / "sobctl.yaml"
        config.write_text(config.read_text().replace("require_signed_commits: false", "require_signed_commits: true"))
        git(region, "commit", "-qam", "policy: signed commits")
        failing_gpg(region)
    busy(region)
    before = snapshot(region)
    result = act(region, "unassign", PROGRAM, U200, *extra)
    assert result.code == 5, (result.code, result.stderr)
    assert "git commit was refused" in result.stderr
    if failure != "pre-commit" and failure != "commit-msg":
        assert "gpg" in result.stderr
    assert snapshot(region) == before
    assert not list(region.rglob(".*.tmp"))


def test_sign_produces_a_signed_commit(region: Path) -> None:
    script = region.parent / "fake-gpg"
    script.write_text(
        "#!/bin/sh\ncat >/dev/null\n"
        "echo '[GNUPG:] SIG_CREATED D 1 8 00 1700000000 FAKE' >&2\n"
        "printf -- '-----BEGIN PGP SIGNATURE-----\\n\\nZmFrZQ==\\n-----END PGP SIGNATURE-----\\n'\n"
    )
    script.chmod(0o755)
    git(region, "config", "gpg.program", str(script))
    git(region, "config", "user.signingkey", "FAKE")
    assert act(region, "unit", "activate", U300).code == 0
    assert "gpgsig" not in git(region, "cat-file", "commit", "HEAD")
    assert act(region, "unit", "deactivate", U300, "--sign").code == 0
    assert "gpgsig -----BEGIN PGP SIGNATURE-----" in git(region, "cat-file", "commit", "HEAD")


def _spawn(region: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "sobctl", *args, "--repo", str(region), "--as-of", TODAY],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))


def test_two_concurrent_processes_serialise_on_the_lock(region: Path) -> None:
    start = git(region, "rev-parse", "HEAD").strip()
    busy(region)
    first = _spawn(region, "unit", "activate", U300, "--decision", "A")
    second = _spawn(region, "role", "grant", "behorighetsadministrator", P006, "--scope", U200, "--decision", "B")
    third = _spawn(region, "unit", "activate", U300, "--decision", "A")
    results = [(p.wait(60), *p.communicate()) for p in (first, second, third)]
    assert [code for code, _, _ in results] == [0, 0, 0], results
    log = git(region, "log", "--format=%s", f"{start}..HEAD").splitlines()
    assert sorted(log) == sorted([f"activate unit {U300}", f"grant behorighetsadministrator on {U200} to {P006}"])
    assert sum("already active" in stderr for _, _, stderr in results) == 1
    assert "status: active" in (region / "units" / f"{U300}.yaml").read_text()
    assert f"scope: {U200}" in (region / "roles" / f"{P006}.yaml").read_text()
    status = git(region, "status", "--porcelain").splitlines()
    assert sorted(status) == sorted(["M  agreements/vardavtal-lugna-sinnen.yaml",
                                     f" M catalogue/{PROGRAM}.yaml", "?? notes.txt"])


def test_a_held_lock_refuses_cleanly_after_the_timeout(region: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fcntl

    monkeypatch.setenv("SOBCTL_LOCK_TIMEOUT", "0.3")
    lock_path = Path(git(region, "rev-parse", "--absolute-git-dir").strip()) / "sobctl.lock"
    before = snapshot(region)
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        result = act(region, "unit", "activate", U300)
    assert result.code == 4 and "[lock]" in result.stderr
    assert snapshot(region) == before


def git_parse(message: str) -> list[tuple[str, str]]:
    parsed = subprocess.run(["git", "interpret-trailers", "--parse"], input=message, capture_output=True,
                            text=True, check=True).stdout
    return [(key, value) for key, _, value in (line.partition(": ") for line in parsed.splitlines())]


NASTY = [
    "RS 1\nSob-Actor: SE2321000016-P999",
    "line\n\nSob-Action: person-add\n",
    "---\nSob-Unit: x",
    "--- \ndiff --git a/x b/x",
    "a\u2028Sob-Actor: x\u2029b\u0085c",
    "tab\there\x00nul\x1bescape\x7f\rcr",
    "# comment\nSob-Decision: forged",
    "Sob-Actor: x",
    "   ",
    "trailing \\",
    "(cherry picked from commit abc)",
    "Signed-off-by: Someone <s@x>",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reason=st.one_of(st.sampled_from(NASTY), st.text()), decision=st.one_of(st.sampled_from(NASTY), st.text()))
def test_no_reason_or_decision_text_can_break_or_add_to_the_trailer_block(reason: str, decision: str) -> None:
    trailers = [("Sob-Action", "assign"), ("Sob-Actor", P001), ("Sob-Unit", U200), ("Sob-Decision", decision)]
    message = build_message(f"assign {PROGRAM} to {U200}", trailers, reason)
    expected = [(key, one_line(value)) for key, value in trailers if one_line(value)]
    assert git_parse(message) == expected
    assert message.splitlines()[0] == f"assign {PROGRAM} to {U200}"


def test_trailers_of_a_real_commit_read_back_unchanged(region: Path) -> None:
    decision = "RS 2026/1\nSob-Actor: SE2321000016-P999\n---"
    result = act(region, "unit", "activate", U300, "--decision", decision, "--reason", "Sob-Unit: forged\n\nx")
    assert result.code == 0, result.stderr
    trailers = head_trailers(region)
    assert trailers == [("Sob-Action", "unit-activate"), ("Sob-Actor", P001), ("Sob-Date", TODAY),
                        ("Sob-Unit", U300), ("Sob-Decision", "RS 2026/1 Sob-Actor: SE2321000016-P999 ---")]
    only = git(region, "log", "-1", "--format=%(trailers:only,unfold)").strip().splitlines()
    assert only == [f"{k}: {v}" for k, v in trailers]
    # the same, cleaned text is what the file records
    assert "decision: 'RS 2026/1 Sob-Actor: SE2321000016-P999 ---'" in (region / "units" / f"{U300}.yaml").read_text()


REPLAYED = [
    ("unit", "activate", U300, "--decision", "RS 1", "--reason", "many\nlines"),
    ("unit", "deactivate", U200, "--withdraw-programs"),
    ("unassign", PROGRAM, U200),
    ("assign", PROGRAM, U200, "--approved-by", P010, "--decision", "RS 2026/114", "--reason", "Ny \u2028rad"),
    ("role", "grant", "behorighetsadministrator", P006, "--scope", U200, "--valid-to", "2027-06-30"),
    ("role", "revoke", "vardgivaradministrator", "SE2321000016-P002", "--scope", PROVIDER, "--decision", "RS 5"),
    ("person", "add", "SE2321000016-P820", "--name", "Sara Berg", "--email", "s@x.se", "--email", "t@x.se"),
]


@pytest.mark.parametrize("args", REPLAYED, ids=lambda a: "-".join(a[:2]))
def test_every_act_replays_from_its_trailers_to_the_same_bytes(region: Path, args: tuple[str, ...]) -> None:
    from sobctl.ops.replay import load_all
    from sobctl.ops.session import Session
    from sobctl.repo.trailers import reason_of
    from sobctl.repo.workspace import load_workspace

    if args[0] == "role" and args[1] == "revoke":  # keep two administrators after the revocation
        assert act(region, "role", "grant", "vardgivaradministrator", P006, "--scope", PROVIDER).code == 0
    if args[0] == "assign":
        assert act(region, "unassign", PROGRAM, U200).code == 0
    result = act(region, *args)
    assert result.code == 0, result.stderr
    commit = git(region, "rev-parse", "HEAD").strip()
    message = git(region, "log", "-1", "--format=%B")
    trailers = dict(head_trailers(region))
    git(region, "checkout", "-q", "HEAD~1")
    workspace = load_workspace(region)
    session = Session(region, workspace, dt.date.fromisoformat(trailers["Sob-Date"]), None,
                      workspace.people[trailers["Sob-Actor"]])
    replayed = load_all()[trailers["Sob-Action"]](session, trailers, reason_of(message))
    assert replayed.already is None
    assert replayed.trailers and dict((k, v) for k, v in replayed.trailers if v) == trailers
    for change in replayed.changes:
        shown = subprocess.run(["git", "-C", str(region), "show", f"{commit}:{change.path}"],
                               capture_output=True, check=True).stdout
        assert change.after == shown
    assert sorted(c.path for c in replayed.changes) == sorted(
        git(region, "diff-tree", "--no-commit-id", "--name-only", "-r", commit).split())


def test_an_unfinished_merge_refuses_acts(region: Path) -> None:
    agreement = region / "agreements" / "vardavtal-lugna-sinnen.yaml"
    git(region, "checkout", "-q", "-b", "other")
    agreement.write_text(agreement.read_text() + "# other side\n")
    git(region, "commit", "-qam", "other side")
    git(region, "checkout", "-q", "main")
    agreement.write_text(agreement.read_text() + "# this side\n")
    git(region, "commit", "-qam", "this side")
    git(region, "merge", "-q", "other", check=False)  # conflicts
    assert "UU agreements/" in git(region, "status", "--porcelain")
    before = snapshot(region)
    result = act(region, "unit", "activate", U300)
    assert result.code == 4 and "[git-in-progress]" in result.stderr and "a merge" in result.stderr
    assert snapshot(region) == before


def test_an_act_lands_while_the_user_has_conflict_free_staged_deletions_and_renames(region: Path) -> None:
    git(region, "mv", "catalogue/kbt-depression.yaml", "catalogue/kbt-depression.yml")
    git(region, "mv", "catalogue/kbt-depression.yml", "catalogue/kbt-depression.yaml")
    git(region, "rm", "-q", "--cached", "agreements/vardavtal-lugna-sinnen.yaml")
    staged = git(region, "diff", "--cached", "--name-status")
    result = act(region, "unit", "activate", U300)
    assert result.code == 0, result.stderr
    assert git(region, "diff", "--cached", "--name-status") == staged
    assert changed_in_head(region) == [f"units/{U300}.yaml"]
