"""A full load of a large repository in two halves, one per core, never changes a verdict.

Each half reads, parses and validates its own half of the files and judges its half of the
documents; the halves exchange only unit heads and the parsed programs, people and agreements.
Compared here with the serial load (``SOBCTL_JOBS=1``) on a repository that carries findings of
every kind the generator can provoke, before and after random edits; with and without the cache;
and with a child that dies.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import validate_json as validate
from test_incremental import Editor


def serial(root: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> str:
    with monkeypatch.context() as patch:
        patch.setenv("SOBCTL_JOBS", "1")
        return validate(root, "--no-cache", *extra)


def in_halves(monkeypatch: pytest.MonkeyPatch) -> None:
    import sobctl.checks.split as split

    monkeypatch.setattr(split, "SPLIT_MIN_DOCUMENTS", 1)
    monkeypatch.setenv("SOBCTL_JOBS", "2")


def test_halves_give_the_serial_verdict_with_and_without_the_cache(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = serial(repo, monkeypatch)
    assert '"errors": 0' not in expected  # the generator's findings are there to be found
    in_halves(monkeypatch)
    assert validate(repo, "--no-cache") == expected
    assert validate(repo) == expected  # cold: the halves keep the parse cache and the verdict
    cache = repo / ".git" / "sobctl-cache"
    assert (cache / "result").is_file() and (cache / "blobs").is_file()
    assert validate(repo) == expected  # warm, from what the halves kept
    editor = Editor(repo, 1)
    history: list[str] = []
    for _step in range(10):
        for _edit in range(editor.rng.choice([1, 1, 2, 3])):
            history.append(editor.edit())
        shutil.rmtree(cache, ignore_errors=True)
        expected = serial(repo, monkeypatch)
        assert validate(repo, "--no-cache") == expected, history
        assert validate(repo) == expected, history  # cold
        assert validate(repo) == expected, history  # warm
        # The parse cache the halves kept serves the full run that makes another day's record.
        assert validate(repo, "--as-of", "2026-11-24") == serial(repo, monkeypatch, "--as-of", "2026-11-24"), history


def record_as_sets(root: Path) -> dict[str, object]:
    """The dependency record the cache holds for ``root`` at TODAY, as plain values (each key's
    readers as a set of subject paths, whatever order the run numbered its subjects in)."""
    import datetime as dt
    from array import array

    from conftest import TODAY
    from sobctl.checks import incremental
    from sobctl.repo import cache

    day = dt.date.fromisoformat(TODAY)
    state = cache.tree_state(root, day)
    assert state is not None
    record = incremental.load_record(state, day)
    assert record is not None
    subjects = record.subjects
    return {
        "files": record.files, "failed": record.failed, "load": record.load, "rules": record.rules,
        "readers": {key: {subjects[i] for i in array("I", packed)} for key, packed in record.readers.items()},
        "scope_people": dict(record.scope_people.items()), "email_people": dict(record.email_people.items()),
        "heads": dict(record.heads.items()), "discovery": record.discovery, "subjects": set(subjects),
    }


def test_the_record_the_halves_make_after_the_answer_is_the_serial_runs(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a cold run in halves, the dependency record they made (both halves' rules run again
    under a tracker) is the one a serial tracked run makes of the same tree, lookup for lookup;
    the next run after an edit judges from it and gives the serial verdict."""
    cache = repo / ".git" / "sobctl-cache"
    with monkeypatch.context() as patch:
        patch.setenv("SOBCTL_JOBS", "1")
        validate(repo)  # a serial cold run: no record yet
        (repo / "units" / "stray.txt").write_text("x", encoding="utf-8")
        validate(repo)  # the tree changed: the record is made from the parse cache, serially
        (repo / "units" / "stray.txt").unlink()
        shutil.rmtree(cache)
        validate(repo)
        (repo / "units" / "stray.txt").write_text("x", encoding="utf-8")
        validate(repo)
        serial_record = record_as_sets(repo)
    shutil.rmtree(cache)
    in_halves(monkeypatch)
    validate(repo)  # cold, in halves: the record comes after the answer (at once, in-process)
    assert record_as_sets(repo) == serial_record
    editor = Editor(repo, 3)
    history = [editor.edit() for _ in range(4)]
    expected = serial(repo, monkeypatch)
    assert validate(repo) == expected, history


def test_a_child_that_dies_costs_time_never_a_finding(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sobctl.checks.split as split

    expected = serial(repo, monkeypatch)
    in_halves(monkeypatch)
    monkeypatch.setattr(split, "_child_half", lambda *args, **kwargs: os._exit(1))
    assert validate(repo, "--no-cache") == expected
    assert validate(repo) == expected
    assert validate(repo) == expected  # and what it kept is right


def test_a_child_that_dies_while_judging_costs_time_never_a_finding(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child dies after the halves exchanged what they read (so the parent has already kept
    both halves' parse results): the parent loads and judges serially, and what it kept is right."""
    import sobctl.checks.split as split

    expected = serial(repo, monkeypatch)
    in_halves(monkeypatch)
    judge = split._judge

    def dying(half: object, today: object, part: int) -> object:
        if part == 1:
            os._exit(1)
        return judge(half, today, part)  # type: ignore[arg-type]

    monkeypatch.setattr(split, "_judge", dying)
    assert validate(repo) == expected  # cold: the parse cache is written through the failure
    monkeypatch.setattr(split, "_judge", judge)
    assert validate(repo) == expected  # warm
    (repo / ".git" / "sobctl-cache" / "result").unlink()
    assert validate(repo, "--as-of", "2026-11-24") == serial(repo, monkeypatch, "--as-of", "2026-11-24")


def test_a_tree_that_cannot_be_vouched_for_is_listed_again(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files the git listing names but the halves do not read (a dot-file) and files changed
    since the last commit still give the serial verdict, cold and warm."""
    (repo / "units" / ".keep").write_text("", encoding="utf-8")
    unit = sorted((repo / "units").glob("*.yaml"))[3]
    unit.write_text(unit.read_text(encoding="utf-8").replace("status: active", "status: archived"), encoding="utf-8")
    expected = serial(repo, monkeypatch)
    in_halves(monkeypatch)
    assert validate(repo) == expected
    assert validate(repo) == expected


def test_a_file_changed_while_the_halves_read_is_not_cached_under_the_old_tree(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A unit edited by someone else between the listing and its reading, then edited back: the
    verdict on its changed bytes must not be kept as the verdict of the tree that was listed."""
    import sobctl.repo.workspace as workspace

    unit = sorted((repo / "units").glob("*.yaml"))[5]
    relpath = f"units/{unit.name}"
    original = unit.read_bytes()
    expected = serial(repo, monkeypatch)
    in_halves(monkeypatch)
    reading = workspace.read_and_validate

    def concurrent_edit(root: Path, path: str, *args: object) -> object:
        if path == relpath:  # another editor breaks the file just before it is read
            unit.write_bytes(b"status: [broken\n")
        return reading(root, path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(workspace, "read_and_validate", concurrent_edit)
    assert validate(repo) != expected  # the run saw the broken bytes
    monkeypatch.setattr(workspace, "read_and_validate", reading)
    unit.write_bytes(original)
    assert validate(repo) == expected


def test_bytes_read_before_a_change_the_listing_saw_are_never_kept(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A unit read as it was, then changed before git listed it: listing the tree again would
    give the same (new) tree, so the verdict on the old bytes must not be kept at all."""
    import sobctl.repo.workspace as workspace

    unit = sorted((repo / "units").glob("*.yaml"))[7]
    relpath = f"units/{unit.name}"
    old = unit.read_bytes()
    in_halves(monkeypatch)
    reading = workspace.read_and_validate
    unit.write_bytes(old.replace(b"status: active", b"status: [broken"))  # what the listing sees
    with monkeypatch.context() as patch:
        expected = serial(repo, patch)

    def read_before_the_change(root: Path, path: str, *args: object) -> object:
        if path == relpath:  # the run read the bytes as they were a moment before
            unit.write_bytes(old)
            try:
                return reading(root, path, *args)  # type: ignore[arg-type]
            finally:
                unit.write_bytes(old.replace(b"status: active", b"status: [broken"))
        return reading(root, path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(workspace, "read_and_validate", read_before_the_change)
    assert validate(repo) != expected  # this run judged the old bytes
    assert not (repo / ".git" / "sobctl-cache" / "result").exists()
    monkeypatch.setattr(workspace, "read_and_validate", reading)
    assert validate(repo) == expected


def test_the_console_command_ends_without_freeing_and_says_everything(repo: Path) -> None:
    """The console command ends its process without freeing the loaded documents one by one
    (``sobctl.lifetime``); its output and exit code are whole all the same, in both formats."""
    import json
    import subprocess
    import sys

    from conftest import TODAY

    env = {**os.environ, "SOBCTL_JOBS": "2"}
    command = [sys.executable, "-m", "sobctl", "validate", "--repo", str(repo), "--as-of", TODAY, "--no-cache"]
    as_json = subprocess.run([*command, "--format", "json"], capture_output=True, text=True, env=env, check=False)
    assert as_json.returncode == 1, as_json.stderr  # the generator's findings
    assert json.loads(as_json.stdout)["summary"]["errors"] > 0
    text = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert text.returncode == 1 and text.stdout.rstrip().splitlines()[-1].startswith(
        f"{json.loads(as_json.stdout)['summary']['errors']} error"
    )
    assert text.stderr == ""
    # A reader that stops early: no traceback, the exit code of the findings or of the closed pipe.
    shell = subprocess.run(" ".join(command) + " | head -c 10 >/dev/null; echo ${PIPESTATUS[0]}", shell=True,
                           executable="/bin/bash", capture_output=True, text=True, env=env, check=False)
    assert "Traceback" not in shell.stderr and shell.stdout.strip() in {"0", "1", "141"}


def same_document(first: object, second: object) -> bool:
    """Equal, and every model in them (nested ones too) with the same fields set."""
    from pydantic import BaseModel

    if isinstance(first, BaseModel):
        return (
            isinstance(second, BaseModel) and first == second and first.model_fields_set == second.model_fields_set
            and all(same_document(getattr(first, name), getattr(second, name)) for name in first.model_fields_set)
        )
    if isinstance(first, list):
        return isinstance(second, list) and len(first) == len(second) and all(map(same_document, first, second))
    return bool(first == second)


def test_json_made_from_a_valid_document_reads_back_as_the_same_document(template: Path) -> None:
    """A valid document's JSON is written without the checks a mere parse needs: from the parsed
    mapping (a serial load) or from the model (the halves' fill of the parse cache). JSON mode
    must read exactly the document Python mode read, every field set as it was, for every
    document of a repository with findings, the demo region's and one that takes a timestamp."""
    from sobctl.checks.split import _json_of
    from sobctl.repo.workspace import FOLDERS, read_and_validate

    demo = Path(__file__).resolve().parents[1]
    compared = 0
    for root in (template, demo):
        for folder in FOLDERS:
            for path in sorted((root / folder.name).glob("*.yaml")):
                prepared, _raw, (document, _problems) = read_and_validate(
                    root, f"{folder.name}/{path.name}", folder.model, True
                )
                if document is None:
                    continue
                assert same_document(folder.model.model_validate_json(_json_of(document)), document), path
                if prepared is not None and prepared[0] == "json":
                    assert same_document(folder.model.model_validate_json(prepared[1]), document), path
                compared += 1
    assert compared > 380


def test_the_console_command_leaves_the_parse_cache_to_a_detached_process(repo: Path) -> None:
    """A cold console run in halves answers first, then fills the parse cache from a process of
    its own (the verdict itself is kept before the answer). The cache it fills holds every valid
    document under the id of its bytes, reading back as the document; the next run after an
    edit makes its record from it and gives the serial verdict; a run that needs it meanwhile
    waits for it."""
    import json
    import subprocess
    import sys

    from conftest import TODAY
    from sobctl.repo import cache
    from sobctl.repo.files import wait_for_lock
    from sobctl.repo.workspace import FOLDERS, read_and_validate

    patched = ("import sys, sobctl.checks.split as split; split.SPLIT_MIN_DOCUMENTS = 1; "
               "from sobctl.cli.app import run; sys.argv[0] = 'sobctl'; run()")
    command = [sys.executable, "-c", patched, "validate", "--repo", str(repo), "--as-of", TODAY, "--format", "json"]
    env = {**os.environ, "SOBCTL_JOBS": "2"}
    with pytest.MonkeyPatch.context() as patch:
        expected = serial(repo, patch)
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 1 and done.stdout == expected and done.stderr == ""
    store = repo / ".git" / "sobctl-cache"
    assert (store / "result").is_file()
    assert wait_for_lock(store / cache.FILLING, 60) and wait_for_lock(store / cache.RECORDING, 60)
    stores = cache.parse_store(repo)
    assert stores is not None
    kept = 0
    for folder in FOLDERS:
        for path in sorted((repo / folder.name).glob("*.yaml")):
            _prepared, raw, (document, _problems) = read_and_validate(repo, f"{folder.name}/{path.name}",
                                                                       folder.model, False)
            stored = stores.get(cache.blob_id(raw)) if raw is not None else None
            if document is None or document.model_dump().get(folder.id_field) != path.stem:
                assert stored is None, path  # invalid or misnamed: read again next time
                continue
            assert stored is not None and stored[0] == "json", path
            assert same_document(folder.model.model_validate_json(bytes(stored[1])), document), path
            kept += 1
    stores.close()
    assert kept > 250
    # The next run after an edit, started at once after another cold one, waits for the fill
    # and makes its record from it.
    shutil.rmtree(store)
    assert subprocess.run(command, capture_output=True, text=True, env=env, check=False).stdout == expected
    editor = Editor(repo, 7)
    history = [editor.edit() for _ in range(3)]
    with pytest.MonkeyPatch.context() as patch:
        expected = serial(repo, patch)
    again = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert again.stdout == expected, history
    assert json.loads(again.stdout)["summary"]["errors"] > 0
    assert (store / "record").is_file()  # made from the parse cache: the run was not another cold one


def test_no_model_takes_a_float_or_a_free_form_mapping() -> None:
    """What makes a valid document's JSON safe to write unchecked (see ``_json_of_valid``): no
    float that JSON would write as null, no mapping whose keys JSON would turn into strings."""
    from sobctl.repo.workspace import FOLDERS

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            assert node.get("type") != "number", where
            if node.get("type") == "object":
                assert node.get("additionalProperties") is False, where
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    for folder in FOLDERS:
        schema = folder.model.model_json_schema()
        walk(schema, folder.name)
        assert schema["properties"], folder.name


def test_a_midnight_timestamp_in_a_date_field_is_kept_as_yaml(tmp_path: Path) -> None:
    """A date field takes a timestamp at midnight in Python mode; JSON would carry it as a
    date-time, so the document's preparation stays its YAML bytes (read again the same way)."""
    from sobctl.model.entities import Unit
    from sobctl.repo.workspace import read_and_validate, validate_prepared

    (tmp_path / "units").mkdir()
    text = (
        "hsa_id: SE2321000016-U1\nname: Enhet\ntype: care-unit\nparent: SE2321000016-0000\n"
        "hsa_valid_to: 2030-01-01 00:00:00\n"
    )
    (tmp_path / "units" / "SE2321000016-U1.yaml").write_text(text, encoding="utf-8")
    prepared, raw, (document, problems) = read_and_validate(tmp_path, "units/SE2321000016-U1.yaml", Unit, True)
    assert document is not None and problems == [] and str(document.hsa_valid_to) == "2030-01-01"
    assert prepared is not None and prepared[0] == "yaml" and prepared[1] == raw
    again, again_problems = validate_prepared("units/SE2321000016-U1.yaml", prepared, Unit)
    assert again == document and again_problems == []


def test_a_lock_held_by_a_filling_process_is_waited_for_and_let_go(tmp_path: Path) -> None:
    """The locks the filling process holds: taken once, seen as held by anyone else (a command
    that needs what it fills waits, at most its time limit), free once let go."""
    import subprocess
    import sys
    import time

    from sobctl.repo.files import hold_lock, wait_for_lock

    path = tmp_path / "cache" / "filling"
    assert wait_for_lock(path, 0)  # no such file: nothing is being filled
    lock = hold_lock(path)
    assert lock is not None and hold_lock(path) is None
    assert not wait_for_lock(path, 0.05)
    os.close(lock)
    assert wait_for_lock(path, 0)
    # Held by another process for a moment: waited for, then free.
    holder = subprocess.Popen([sys.executable, "-c", (
        "import os, sys, time; from sobctl.repo.files import hold_lock; "
        f"lock = hold_lock(__import__('pathlib').Path({str(path)!r})); print(lock is not None, flush=True); "
        "time.sleep(0.4)")], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "True"
    started = time.monotonic()
    assert wait_for_lock(path, 30)
    assert time.monotonic() - started > 0.1
    holder.wait()
