"""``sobctl log``: the audit trail read back from real Git histories.

Acts are made through the CLI (``sobctl assign``) or committed with the message sobctl builds
(``build_message``); manual edits are plain git commits. Every expectation is checked against
what git itself has, and a larger generated history is compared with an independent reading
(messages parsed in the test, paths from ``git log --name-only``).
"""

from __future__ import annotations

import csv
import datetime
import importlib.util
import io
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ADMIN_EMAIL, PROJECT, TODAY, git, run_cli
from sobctl.render.log import FIELDS
from sobctl.repo.trailers import build_message, one_line, parse_trailers

PROVIDER = "SE2321000016-0000"
ADMIN = "SE2321000016-P001"
ADMIN_2 = "SE2321000016-P002"
APPROVER = "SE2321000016-P010"
U200 = "SE2321000016-U200"
U300 = "SE2321000016-U300"
PROGRAM = "kbt-depression"
HAND_EMAIL = "erik.hand@exempelland.se"


# --------------------------------------------------------------------------- helpers


def commit(root: Path, message: str, *, when: str, email: str = ADMIN_EMAIL, name: str = "Anna Lindqvist",
           files: dict[str, str] | None = None) -> str:
    """Commit ``files`` (path → text appended, or written when new) with ``message`` at ``when``."""
    for path, text in (files or {}).items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(text)
        git(root, "add", path)
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_EMAIL": email,
           "GIT_COMMITTER_EMAIL": email, "GIT_AUTHOR_NAME": name, "GIT_COMMITTER_NAME": name}
    args = ["commit", "-q", "--cleanup=verbatim", "-F", "-"]
    if not files:
        args.insert(1, "--allow-empty")
    subprocess.run(["git", "-C", str(root), *args], input=message, text=True, env=env, check=True)
    return git(root, "rev-parse", "HEAD").strip()


def act(root: Path, action: str, subject: str, trailers: list[tuple[str, str]], *, when: str,
        actor: str = ADMIN, reason: str | None = None, touch: str = "units/SE2321000016-U200.yaml") -> str:
    """An act committed with exactly the message sobctl builds (its file change is a comment line)."""
    message = build_message(subject, [("Sob-Action", action), ("Sob-Actor", actor), *trailers,
                                      ("Sob-Date", when[:10])], reason)
    return commit(root, message, when=when, files={touch: f"# {subject}\n"})


def log(root: Path, *args: str) -> list[dict[str, object]]:
    result = run_cli("log", "--repo", str(root), "--format", "json", *args)
    assert result.code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    return rows


def commits_of(rows: list[dict[str, object]]) -> list[object]:
    return [row["commit"] for row in rows]


@pytest.fixture
def history(region: Path) -> dict[str, str]:
    """The demo region plus a small history of acts and manual edits on different days."""
    made = {"initial": git(region, "rev-parse", "HEAD").strip()}
    made["assign"] = act(region, "assign", f"assign {PROGRAM} to {U200}",
                         [("Sob-Unit", U200), ("Sob-Program", PROGRAM), ("Sob-Version", "1"),
                          ("Sob-Approved-By", APPROVER), ("Sob-Decision", "RS 2026/0101")],
                         when="2026-03-02T09:15:00+01:00",
                         reason="Beslut i ledningsgruppen. Sob-Unit: SE2321000016-FAKE\nSob-Program: fake")
    made["grant"] = act(region, "role-grant", f"grant behandlare to {APPROVER} at {U300}",
                        [("Sob-Person", APPROVER), ("Sob-Role", "behandlare"), ("Sob-Unit", U300),
                         ("Sob-Decision", "RS 2026/0102")],
                        when="2026-04-10T23:30:00+02:00", actor=ADMIN_2, touch=f"roles/{APPROVER}.yaml")
    made["readme"] = commit(region, "Describe the repository\n", when="2026-05-01T08:00:00+02:00",
                            email=HAND_EMAIL, name="Erik Hand", files={"README.md": "Region Exempelland\n"})
    made["hand"] = commit(region, f"Fix the name of {U300}\n\nSob-Unit: {U200}\n", when="2026-05-02T08:00:00+02:00",
                          email=HAND_EMAIL, name="Erik Hand", files={f"units/{U300}.yaml": "# checked\n"})
    made["config"] = commit(region, "Tighten the policy\n", when="2026-06-01T12:00:00+02:00",
                            files={"sobctl.yaml": "# reviewed\n"})
    made["deactivate"] = act(region, "unit-deactivate", f"deactivate unit {U300}",
                             [("Sob-Unit", U300), ("Sob-Decision", "RS 2026/0200")],
                             when="2026-11-23T10:00:00+01:00", touch=f"units/{U300}.yaml")
    return made


# --------------------------------------------------------------------------- rows and order


def test_rows_newest_first_with_acts_and_manual_edits(history: dict[str, str], region: Path) -> None:
    rows = log(region)
    order = ["deactivate", "config", "hand", "grant", "assign", "initial"]
    assert commits_of(rows) == [history[name] for name in order]  # the README-only commit is not content
    assert [row["action"] for row in rows] == ["unit-deactivate", "manual-edit", "manual-edit", "role-grant",
                                               "assign", "manual-edit"]
    assert all(list(row) == list(FIELDS) for row in rows)  # stable keys, stable order
    assign = rows[4]
    assert assign == {
        "commit": history["assign"], "when": "2026-03-02T09:15:00+01:00", "action": "assign", "manual": False,
        "actor": ADMIN, "actor_name": "Anna Lindqvist", "author_email": ADMIN_EMAIL, "unit": U200,
        "program": PROGRAM, "person": None, "role": None, "agreement": None, "version": "1", "config": False,
        "decision": "RS 2026/0101", "subject": f"assign {PROGRAM} to {U200}",
    }
    grant = rows[3]
    assert (grant["actor"], grant["person"], grant["role"], grant["unit"]) == (ADMIN_2, APPROVER, "behandlare", U300)
    assert grant["actor_name"] and grant["actor_name"] != "Anna Lindqvist"


def test_manual_edits_are_flagged_with_author_and_changed_objects(history: dict[str, str], region: Path) -> None:
    rows = {row["commit"]: row for row in log(region)}
    hand = rows[history["hand"]]
    # The body's "Sob-Unit:" line is no trailer of an act: the objects come from the changed file.
    assert (hand["action"], hand["manual"], hand["author_email"], hand["unit"]) == (
        "manual-edit", True, HAND_EMAIL, U300)
    assert hand["actor"] is None and hand["decision"] is None  # nobody in roles/ has that e-mail
    config = rows[history["config"]]
    assert (config["config"], config["actor"], config["actor_name"]) == (True, ADMIN, "Anna Lindqvist")
    initial = rows[history["initial"]]
    assert initial["manual"] is True and U200 in str(initial["unit"]) and PROGRAM in str(initial["program"])
    assert history["readme"] not in rows


def test_assign_made_through_the_cli_is_read_back(region: Path) -> None:
    """A real act: make U300 assignable by hand (itself a manual edit), then assign through sobctl."""
    unit = region / "units" / f"{U300}.yaml"
    unit.write_text(unit.read_text(encoding="utf-8").replace("status: inactive", "status: active"), encoding="utf-8")
    person = region / "roles" / f"{APPROVER}.yaml"
    person.write_text(person.read_text(encoding="utf-8") + f"  - role: medicinskt-ansvarig\n    scope: {U300}\n"
                      f"    granted_by: {ADMIN}\n    granted_at: 2026-11-01\n    decision: RS 2026/0300\n",
                      encoding="utf-8")
    setup = commit(region, "Activate U300 by hand\n", when="2026-11-01T08:00:00+01:00",
                   files={f"units/{U300}.yaml": "", f"roles/{APPROVER}.yaml": ""})
    done = run_cli("assign", PROGRAM, U300, "--approved-by", APPROVER, "--decision", "RS 2026/0301",
                   "--reason", "Sob-Unit: SE2321000016-FAKE", "--as-of", TODAY, "--repo", str(region))
    assert done.code == 0, done.stderr
    head = git(region, "rev-parse", "HEAD").strip()
    rows = log(region)
    assert commits_of(rows)[:2] == [head, setup]
    assert rows[0]["action"] == "assign" and rows[0]["unit"] == U300 and rows[0]["program"] == PROGRAM
    assert (rows[0]["actor"], rows[0]["decision"], rows[0]["manual"]) == (ADMIN, "RS 2026/0301", False)
    assert rows[1]["action"] == "manual-edit" and rows[1]["unit"] == U300 and rows[1]["person"] == APPROVER
    assert log(region, "--unit", "SE2321000016-FAKE") == []
    assert commits_of(log(region, "--unit", U300, "--action", "assign")) == [head]
    table = run_cli("log", "--repo", str(region), "-n", "1")
    assert table.code == 0
    assert head[:12] in table.stdout and head not in table.stdout
    assert f"{ADMIN} (Anna Lindqvist)" in table.stdout and f"unit={U300}" in table.stdout


# --------------------------------------------------------------------------- filters


def test_unit_filter(history: dict[str, str], region: Path) -> None:
    # The initial import wrote every unit file: a manual edit of each unit.
    assert commits_of(log(region, "--unit", U300)) == [history["deactivate"], history["hand"], history["grant"],
                                                       history["initial"]]
    assert commits_of(log(region, "--unit", U200)) == [history["assign"], history["initial"]]
    assert commits_of(log(region, "--unit", U300, "--action", "role-grant")) == [history["grant"]]


def test_trailer_text_in_a_body_never_matches(history: dict[str, str], region: Path) -> None:
    """The reason says "Sob-Unit: SE2321000016-FAKE"; the hand edit's body says "Sob-Unit: U200"."""
    for extra in ([], ["--action", "assign"], ["--action", "manual-edit"]):
        assert log(region, "--unit", "SE2321000016-FAKE", *extra) == []
        assert log(region, "--program", "fake", *extra) == []
    assert history["hand"] not in commits_of(log(region, "--unit", U200))
    # A value is matched whole, not as a prefix or a substring.
    assert log(region, "--unit", "SE2321000016-U20") == []
    assert log(region, "--unit", "SE2321000016-U20", "--action", "assign") == []


def test_program_filter(history: dict[str, str], region: Path) -> None:
    assert commits_of(log(region, "--program", PROGRAM)) == [history["assign"], history["initial"]]
    assert commits_of(log(region, "--program", PROGRAM, "--action", "assign")) == [history["assign"]]


def test_person_filter_matches_actor_object_and_hand_edits(history: dict[str, str], region: Path) -> None:
    assert commits_of(log(region, "--person", ADMIN_2)) == [history["grant"], history["initial"]]
    assert commits_of(log(region, "--person", APPROVER)) == [history["grant"], history["initial"]]
    # Anna acted (deactivate, assign) and hand-edited sobctl.yaml and the initial import with her e-mail.
    assert commits_of(log(region, "--person", ADMIN)) == [
        history["deactivate"], history["config"], history["assign"], history["initial"]]
    assert commits_of(log(region, "--person", ADMIN, "--action", "assign")) == [history["assign"]]


def test_action_filter(history: dict[str, str], region: Path) -> None:
    assert commits_of(log(region, "--action", "role-grant")) == [history["grant"]]
    assert commits_of(log(region, "--action", "manual-edit")) == [history["config"], history["hand"],
                                                                  history["initial"]]
    assert log(region, "--action", "assign-") == []
    assert log(region, "--action", "sign") == []  # a substring of "assign" is not that action


def test_date_filters_are_inclusive_days_of_the_commit_date(history: dict[str, str], region: Path) -> None:
    # The grant was committed late on 2026-04-10 at +02:00 (already 04-10 21:30 UTC): its own day counts.
    assert commits_of(log(region, "--since", "2026-04-10", "--until", "2026-04-10")) == [history["grant"]]
    assert commits_of(log(region, "--since", "2026-04-11", "--until", "2026-06-01")) == [history["config"],
                                                                                       history["hand"]]
    # The fixture's initial commit carries the newest date of all, behind older ones: still found.
    assert commits_of(log(region, "--since", "2026-11-23")) == [history["deactivate"], history["initial"]]
    assert commits_of(log(region, "--until", "2026-03-02")) == [history["assign"]]
    assert log(region, "--since", "2027-01-01") == []


def test_limit_counts_rows_after_filtering(history: dict[str, str], region: Path) -> None:
    assert commits_of(log(region, "-n", "2")) == [history["deactivate"], history["config"]]
    assert commits_of(log(region, "--unit", U300, "-n", "2")) == [history["deactivate"], history["hand"]]
    assert commits_of(log(region, "--action", "manual-edit", "-n", "1")) == [history["config"]]
    assert len(log(region, "-n", "100")) == 6


# --------------------------------------------------------------------------- formats


def test_csv_reads_back_as_the_json_rows(history: dict[str, str], region: Path) -> None:
    result = run_cli("log", "--repo", str(region), "--format", "csv")
    assert result.code == 0, result.stderr
    reader = csv.DictReader(io.StringIO(result.stdout))
    assert tuple(reader.fieldnames or ()) == FIELDS
    from_csv = list(reader)

    def as_text(value: object) -> str:
        return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)

    assert from_csv == [{key: as_text(value) for key, value in row.items()} for row in log(region)]


def test_table_has_one_line_per_row(history: dict[str, str], region: Path) -> None:
    result = run_cli("log", "--repo", str(region))
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["WHEN", "WHO", "ACTION", "OBJECTS", "DECISION", "COMMIT"]
    assert len(lines) == 1 + 6
    assert lines[1].startswith("2026-11-23 10:00") and "unit-deactivate" in lines[1]
    assert HAND_EMAIL in lines[3] and "manual-edit" in lines[3]
    assert "sobctl.yaml" in lines[2]


# --------------------------------------------------------------------------- edges


def test_repository_without_commits_prints_nothing(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "sobctl.yaml").write_text("care_provider: {}\n")
    assert run_cli("log", "--repo", str(tmp_path)).stdout == ""
    assert json.loads(run_cli("log", "--repo", str(tmp_path), "--format", "json").stdout) == []
    result = run_cli("log", "--repo", str(tmp_path), "--format", "csv")
    assert result.code == 0 and result.stdout == ",".join(FIELDS) + "\n"
    plain = run_cli("log", cwd=tmp_path)  # found through sobctl.yaml
    assert (plain.code, plain.stdout) == (0, "")


def test_not_a_git_repository_is_refused(tmp_path: Path) -> None:
    (tmp_path / "sobctl.yaml").write_text("care_provider: {}\n")
    result = run_cli("log", "--repo", str(tmp_path))
    assert result.code == 4
    assert "not inside a git repository" in result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "xml"], "--format"),
    (["-n", "0"], "-n"),
    (["--since", "2026-13-01"], "--since"),
    (["--until", "yesterday"], "--until"),
    (["--since", "2026-05-01", "--until", "2026-04-01"], "after"),
    (["--unit", ""], "--unit"),
])
def test_bad_options_are_usage_errors(region: Path, args: list[str], message: str) -> None:
    result = run_cli("log", "--repo", str(region), *args)
    assert result.code == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_clean_merges_are_skipped_and_edits_inside_a_merge_are_manual_edits(region: Path) -> None:
    git(region, "checkout", "-q", "-b", "pr")
    on_branch = act(region, "role-grant", "grant behandlare", [("Sob-Person", APPROVER), ("Sob-Unit", U200)],
                    when="2026-07-01T10:00:00+02:00", touch=f"roles/{APPROVER}.yaml")
    git(region, "checkout", "-q", "main")
    on_main = commit(region, "Hand edit on main\n", when="2026-07-02T10:00:00+02:00",
                     files={f"units/{U300}.yaml": "# x\n"})
    git(region, "merge", "-q", "--no-ff", "-m", "Merge pr", "pr")
    clean = git(region, "rev-parse", "HEAD").strip()
    found = commits_of(log(region))
    assert on_main in found and on_branch in found
    assert clean not in found
    assert len(found) == len(set(found))
    # A second branch whose merge slips in a change of its own (and resolves nothing else).
    git(region, "checkout", "-q", "-b", "pr2", on_main)
    commit(region, "Note on U300\n", when="2026-07-03T10:00:00+02:00", files={"README.md": "x\n"})
    git(region, "checkout", "-q", "main")
    git(region, "merge", "-q", "--no-ff", "--no-commit", "pr2")
    (region / "agreements" / "vardavtal-lugna-sinnen.yaml").write_text(
        (region / "agreements" / "vardavtal-lugna-sinnen.yaml").read_text(encoding="utf-8") + "# slipped in\n",
        encoding="utf-8")
    git(region, "add", "agreements")
    git(region, "commit", "-q", "-m", "Merge pr2")
    evil = git(region, "rev-parse", "HEAD").strip()
    rows = log(region, "--action", "manual-edit", "-n", "1")
    assert commits_of(rows) == [evil]
    assert (rows[0]["agreement"], rows[0]["unit"]) == ("vardavtal-lugna-sinnen", None)


def test_region_in_a_folder_of_a_larger_repository(tmp_path: Path, region_template: Path) -> None:
    import shutil

    outer = tmp_path / "outer"
    shutil.copytree(region_template, outer / "region", ignore=shutil.ignore_patterns(".git"))
    (outer / "units").mkdir()
    (outer / "units" / "elsewhere.yaml").write_text("x: 1\n")
    git(outer, "init", "-q")
    first = commit(outer, "Everything\n", when="2026-01-01T10:00:00+01:00",
                   files={"region/units/SE2321000016-U300.yaml": "", "units/elsewhere.yaml": ""})
    outside = commit(outer, "Outside the region\n", when="2026-01-02T10:00:00+01:00",
                     files={"units/elsewhere.yaml": "y: 2\n"})
    inside = commit(outer, "Inside the region\n", when="2026-01-03T10:00:00+01:00",
                    files={f"region/units/{U300}.yaml": "# z\n"})
    rows = log(outer / "region")
    assert commits_of(rows) == [inside, first]
    assert outside not in commits_of(rows)
    assert rows[0]["unit"] == U300
    assert (rows[0]["actor"], rows[0]["actor_name"]) == (ADMIN, "Anna Lindqvist")  # from region/roles/


# --------------------------------------------------------------------------- a generated history


def _bench_module() -> object:
    spec = importlib.util.spec_from_file_location("bench_log", PROJECT / "benchmarks" / "bench_log.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _independent_reading(root: Path) -> Iterator[tuple[str, str, str]]:
    """(commit, action, unit) per row, from full messages and --name-only, parsed in the test."""
    messages = git(root, "log", "--no-merges", "--format=%x1e%H%x00%B").split("\x1e")[1:]
    listing = git(root, "log", "--no-merges", "--name-only", "--format=%x1e%H", "--",
                  "sobctl.yaml", "catalogue", "units", "roles", "agreements").split("\x1e")[1:]
    touched = {chunk.split("\n", 1)[0]: chunk.split("\n", 1)[1].split() for chunk in listing}
    for chunk in messages:
        commit_id, _, message = chunk.partition("\0")
        trailers = dict(parse_trailers(message))
        if "Sob-Action" in trailers:
            yield commit_id, trailers["Sob-Action"], trailers.get("Sob-Unit", "")
        elif touched.get(commit_id):
            units = [p.split("/")[1].removesuffix(".yaml") for p in touched[commit_id] if p.startswith("units/")]
            yield commit_id, "manual-edit", ", ".join(units)


def test_generated_history_matches_an_independent_reading(tmp_path: Path) -> None:
    bench = _bench_module()
    root = tmp_path / "generated"
    bench.build_repository(root, 900)  # type: ignore[attr-defined]
    expected = list(_independent_reading(root))
    assert sum(1 for _, action, _ in expected if action == "manual-edit") > 5  # a few, spread over batches
    rows = log(root)
    assert [(row["commit"], row["action"], row["unit"] or "") for row in rows] == expected
    # Every first page is a prefix of the whole, across the batches of manual-edit candidates.
    for limit in (1, 50, 63, 64, 65, 300, 899):
        assert commits_of(log(root, "-n", str(limit))) == [c for c, _, _ in expected][:limit]
    unit = bench.unit_id(17)  # type: ignore[attr-defined]
    assert commits_of(log(root, "--unit", unit)) == [c for c, _, u in expected if unit in u.split(", ")]
    assigns = [c for c, action, u in expected if action == "assign" and u == unit]
    assert commits_of(log(root, "--unit", unit, "--action", "assign")) == assigns


def test_text_with_quotes_and_non_ascii_survives_every_format(region: Path) -> None:
    subject = 'Rätta "Vårdcentral Söder" \\ enhetens namn, igen; ok'
    made = commit(region, subject + "\n", when="2026-08-01T10:00:00+02:00", email=HAND_EMAIL,
                  files={f"units/{U300}.yaml": "# å\n"})
    decision = 'RS 2026/7 "brådskande", §4'
    acted = act(region, "assign", f"assign {PROGRAM} to {U200}", [("Sob-Unit", U200), ("Sob-Decision", decision)],
                when="2026-08-02T10:00:00+02:00")
    rows = log(region, "-n", "2")
    assert [(row["commit"], row["subject"]) for row in rows] == [
        (acted, f"assign {PROGRAM} to {U200}"), (made, subject)]
    assert rows[0]["decision"] == decision
    result = run_cli("log", "--repo", str(region), "-n", "2", "--format", "csv")
    back = list(csv.DictReader(io.StringIO(result.stdout)))
    assert (back[0]["decision"], back[1]["subject"]) == (decision, subject)


def test_hand_written_trailers_are_read_as_git_reads_them(region: Path) -> None:
    """A folded value and a missing blank after the colon: git's trailer parser accepts both, and so
    does every filter, whether or not its value is pushed into git as a grep."""
    message = (f"assign by hand\n\nSob-Action: assign\nSob-Actor: {ADMIN}\nSob-Unit:\n  {U300}\n"
               f"Sob-Program:{PROGRAM}\n")
    made = commit(region, message, when="2026-09-01T10:00:00+02:00", files={f"units/{U300}.yaml": "# h\n"})
    for extra in ([], ["--action", "assign"]):
        rows = log(region, "--unit", U300, "--program", PROGRAM, *extra)
        assert commits_of(rows)[:1] == [made], extra
        assert (rows[0]["action"], rows[0]["unit"], rows[0]["program"]) == ("assign", U300, PROGRAM)


def test_filters_are_pushed_into_git_only_when_no_manual_edit_can_match() -> None:
    from sobctl.repo.history import LogQuery, git_log_args

    acts_only = git_log_args(LogQuery(unit=U200, action="assign", person=ADMIN))
    assert {"--fixed-strings", "--all-match", f"--grep={U200}", "--grep=assign", f"--grep={ADMIN}"} <= set(acts_only)
    for query in (LogQuery(unit=U200), LogQuery(unit=U200, action="manual-edit")):
        assert not any(arg.startswith("--grep") for arg in git_log_args(query))
    dated = git_log_args(LogQuery(since=datetime.date(2026, 1, 1)))
    assert any(arg.startswith("--since-as-filter=@") for arg in dated)  # not --since: it stops at skewed dates
    assert not any(arg.startswith("--since=") for arg in dated)


def test_a_subject_holding_the_record_separators_cannot_hide_a_commit(region: Path) -> None:
    subject = "Quiet\x1e change\x1f here"
    made = commit(region, subject + "\n", when="2026-08-01T10:00:00+02:00", email=HAND_EMAIL,
                  files={f"units/{U300}.yaml": "# q\n"})
    after = act(region, "assign", "assign after", [("Sob-Unit", U200)], when="2026-08-02T10:00:00+02:00")
    rows = log(region, "-n", "3")
    assert commits_of(rows)[:2] == [after, made]
    assert (rows[1]["subject"], rows[1]["action"], rows[1]["unit"]) == (subject, "manual-edit", U300)


FAKE = "SE2321000016-FAKE"
_TRICKY = st.lists(st.sampled_from([*"abcÅäö \t\n\r\"\\,;:-", "\x1e", "\x1f", "\u2028", "\ufeff", "Sob-Unit: ",
                                    "Sob-Action: assign\n", "\n\n", FAKE]), max_size=30).map("".join)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reason=_TRICKY, decision=_TRICKY)
def test_no_reason_or_decision_text_makes_a_row_match_or_breaks_the_output(region: Path, reason: str,
                                                                          decision: str) -> None:
    made = act(region, "assign", f"assign {PROGRAM} to {U200}",
               [("Sob-Unit", U200), ("Sob-Program", PROGRAM), ("Sob-Decision", decision)],
               when="2026-08-02T10:00:00+02:00", reason=reason)
    rows = log(region, "-n", "1")
    assert commits_of(rows) == [made] and (rows[0]["unit"], rows[0]["program"]) == (U200, PROGRAM)
    assert rows[0]["decision"] == (one_line(decision) or None)
    for extra in ([], ["--action", "assign"]):
        assert log(region, "--unit", FAKE, *extra) == []
