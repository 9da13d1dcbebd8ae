"""Incremental validation never changes a verdict.

Random sequences of edits — units moved in the tree, statuses changed, activations and grants
added and removed, e-mails shared, agreements ended or deleted, programs retired, files broken,
renamed, deleted and restored, the policy changed — each followed by a cached run that judges
only what the change concerns, compared with a full run without the cache.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml_rs
from ruamel.yaml import YAML

from conftest import TODAY, git
from conftest import validate_json as validate

STATUSES = ["inactive", "active", "deactivated", "archived"]
ROLES = ["vardgivaradministrator", "behorighetsadministrator", "medicinskt-ansvarig", "verksamhetschef",
         "designer", "utgivare", "kontaktperson", "behandlare"]


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml_rs.loads(path.read_text(encoding="utf-8"))
    return data


def dump(path: Path, data: dict[str, Any]) -> None:
    stream = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.dump(data, stream)
    path.write_text(stream.getvalue(), encoding="utf-8")


def parent_of(path: Path) -> str | None:
    try:
        parent = load(path).get("parent")
    except (yaml_rs.YAMLDecodeError, AttributeError):
        return None  # a file the generator broke on purpose
    return parent if isinstance(parent, str) else None


def ids(root: Path, folder: str) -> list[str]:
    return sorted(p.stem for p in (root / folder).glob("*.yaml"))


class Editor:
    """Random edits of the kinds that move verdicts between documents."""

    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.rng = random.Random(seed)

    def pick(self, folder: str) -> Path | None:
        choices = sorted((self.root / folder).glob("*.yaml"))
        return self.rng.choice(choices) if choices else None

    def any_id(self, folder: str) -> str:
        known = ids(self.root, folder)
        return self.rng.choice(known) if known and self.rng.random() < 0.85 else "SE2321000016-ZZZ9"

    def edit(self) -> str:
        name = self.rng.choice([m for m in dir(self) if m.startswith("do_")])
        method = getattr(self, name)
        return f"{name}: {method()}"

    def do_move_unit(self) -> str:
        path = self.pick("units")
        if path is None:
            return "none"
        data = load(path)
        data["parent"] = self.any_id("units")
        dump(path, data)
        return f"{path.name} parent {data['parent']}"

    def do_unit_status(self) -> str:
        path = self.pick("units")
        if path is None:
            return "none"
        data = load(path)
        data["status"] = self.rng.choice(STATUSES)
        dump(path, data)
        return f"{path.name} {data['status']}"

    def do_activation(self) -> str:
        path = self.pick("units")
        if path is None:
            return "none"
        data = load(path)
        programs = data.setdefault("programs", [])
        if programs and self.rng.random() < 0.5:
            programs.pop(self.rng.randrange(len(programs)))
            change = "removed"
        else:
            people = ids(self.root, "roles")
            programs.append({"program": self.rng.choice(ids(self.root, "catalogue") or ["x"]),
                             "major": self.rng.choice([0, 1, 2]), "activated": dt.date(2025, 3, 1),
                             "by": self.rng.choice(people), "approved_by": self.rng.choice(people)})
            change = "added"
        dump(path, data)
        return f"{path.name} activation {change}"

    def do_ownership(self) -> str:
        path = self.pick("units")
        if path is None:
            return "none"
        data = load(path)
        agreements = ids(self.root, "agreements") or ["none"]
        data["ownership"] = {"kind": "private", "care_agreement": self.rng.choice(agreements)}
        dump(path, data)
        return f"{path.name} private"

    def do_grant(self) -> str:
        path = self.pick("roles")
        if path is None:
            return "none"
        data = load(path)
        grants = data.setdefault("grants", [])
        if grants and self.rng.random() < 0.5:
            grants.pop(self.rng.randrange(len(grants)))
            change = "revoked"
        else:
            grants.append({"role": self.rng.choice(ROLES), "scope": self.any_id("units"),
                           "granted_by": self.any_id("roles"), "granted_at": dt.date(2024, 1, 1)})
            change = "granted"
        dump(path, data)
        return f"{path.name} grant {change}"

    def do_share_email(self) -> str:
        first, second = self.pick("roles"), self.pick("roles")
        if first is None or second is None:
            return "none"
        data = load(first)
        data["emails"] = [*data["emails"], self.rng.choice(load(second)["emails"])]
        dump(first, data)
        return f"{first.name} shares with {second.name}"

    def do_end_agreement(self) -> str:
        path = self.pick("agreements")
        if path is None:
            return "none"
        data = load(path)
        data["valid_to"] = self.rng.choice([dt.date(2025, 1, 1), dt.date(2026, 12, 1), dt.date(2030, 1, 1)])
        dump(path, data)
        return f"{path.name} valid_to {data['valid_to']}"

    def do_program(self) -> str:
        path = self.pick("catalogue")
        if path is None:
            return "none"
        data = load(path)
        choice = self.rng.randrange(3)
        if choice == 0:
            data["status"] = self.rng.choice(["draft", "published", "deprecated", "retired"])
        elif choice == 1:
            data["producer"] = {"kind": "external", "agreement": self.any_id("agreements")}
        else:
            data["publishing_unit"] = self.any_id("units")
        dump(path, data)
        return f"{path.name} change {choice}"

    def do_delete(self) -> str:
        path = self.pick(self.rng.choice(["units", "roles", "agreements", "catalogue"]))
        if path is None:
            return "none"
        path.unlink()
        return f"deleted {path.parent.name}/{path.name}"

    def do_break(self) -> str:
        path = self.pick(self.rng.choice(["units", "roles", "agreements", "catalogue"]))
        if path is None:
            return "none"
        path.write_text("name: [unclosed\n", encoding="utf-8")
        return f"broke {path.name}"

    def do_rename(self) -> str:
        path = self.pick(self.rng.choice(["units", "roles"]))
        if path is None:
            return "none"
        target = path.with_name(path.stem + "X.yaml")
        path.rename(target)
        if self.rng.random() < 0.5:  # also change the id inside: a new document under a new id
            data = load(target)
            data["hsa_id"] = target.stem
            dump(target, data)
        return f"renamed {path.name}"

    def do_restore(self) -> str:
        git(self.root, "checkout", "-q", "--", ".")
        git(self.root, "clean", "-qfd", "--", "units", "roles", "agreements", "catalogue")
        return "restored"

    def do_policy(self) -> str:
        path = self.root / "sobctl.yaml"
        data = load(path)
        data.setdefault("policy", {})["min_permission_admins_per_unit"] = self.rng.choice([0, 1, 2, 3])
        dump(path, data)
        return "policy"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_runs_equal_full_runs_through_random_edits(repo: Path, seed: int) -> None:
    editor = Editor(repo, seed)
    assert validate(repo) == validate(repo, "--no-cache")
    history: list[str] = []
    for _step in range(24):
        for _edit in range(editor.rng.choice([1, 1, 2, 3])):
            history.append(editor.edit())
        expected = validate(repo, "--no-cache")
        assert validate(repo) == expected, history
        assert validate(repo) == expected, history


def test_a_small_change_is_judged_incrementally(repo: Path) -> None:
    """After a record exists, one changed unit is judged without a full run, and the verdict of the
    units below it (whose parent chain runs through it) follows the change."""
    from sobctl.checks import incremental
    from sobctl.repo import cache

    validate(repo)
    units = sorted((repo / "units").glob("*.yaml"))
    units[3].write_text(units[3].read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    validate(repo)  # a full run from the parse cache, which keeps a record
    state = cache.tree_state(repo, dt.date.fromisoformat(TODAY))
    assert state is not None
    record = incremental.load_record(state, dt.date.fromisoformat(TODAY))
    assert record is not None and record.files == state.files

    parents = {p.stem: parent_of(p) for p in units}
    middle = next(u for u, parent in parents.items() if parent and any(q == u for q in parents.values()))
    children = [u for u, parent in parents.items() if parent == middle]
    path = repo / "units" / f"{middle}.yaml"
    data = load(path)
    data["parent"] = middle  # a unit that is its own parent: its children's chains now loop too
    dump(path, data)
    state = cache.tree_state(repo, dt.date.fromisoformat(TODAY))
    assert state is not None
    base = cache.load_blobs(state)
    stores = cache.Stores(base)
    outcome = incremental.incremental_run(repo, dt.date.fromisoformat(TODAY), state.files, record, stores,
                                          lambda _path, _prepared: None)
    base.close()
    assert outcome is not None
    found, _summary, updated, _settled = outcome
    assert updated.files == state.files
    report = json.loads(validate(repo, "--no-cache"))
    full = sorted((d["code"], d["path"], d["message"]) for d in report["diagnostics"])
    assert sorted((d.code, d.path, d.message) for d in found) == full
    assert any(d.code == "SOB108" and d.path == f"units/{middle}.yaml" for d in found)
    assert children


def test_a_damaged_record_is_ignored(repo: Path) -> None:
    validate(repo)
    units = sorted((repo / "units").glob("*.yaml"))
    units[1].write_text(units[1].read_text(encoding="utf-8") + "# a\n", encoding="utf-8")
    validate(repo)
    record = repo / ".git" / "sobctl-cache" / "record"
    data = bytearray(record.read_bytes())
    data[-5] ^= 0xFF
    record.write_bytes(bytes(data))
    units[2].write_text("status: [broken\n", encoding="utf-8")
    expected = validate(repo, "--no-cache")
    assert validate(repo) == expected
    assert validate(repo) == expected


def test_rules_shared_with_a_forked_child_give_the_same_verdict_and_record(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Full runs of large repositories judge every other document in a forked child: the
    findings, and the record that later incremental runs start from, are the same."""
    import sobctl.checks.split as split

    serial = validate(repo, "--no-cache")
    monkeypatch.setattr(split, "SPLIT_MIN_DOCUMENTS", 1)
    monkeypatch.setenv("SOBCTL_JOBS", "2")
    assert validate(repo, "--no-cache") == serial
    assert validate(repo) == serial  # cold, shared out
    editor = Editor(repo, 7)
    for _step in range(8):
        editor.do_move_unit()
        editor.do_grant()
        (repo / ".git" / "sobctl-cache" / "record").unlink(missing_ok=True)  # a full tracked run, shared out
        expected = validate(repo, "--no-cache")
        assert validate(repo) == expected
        editor.do_activation()
        editor.do_share_email()
        assert validate(repo) == validate(repo, "--no-cache")  # incremental, from the shared-out record
