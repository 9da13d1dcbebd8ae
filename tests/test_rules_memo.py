"""The rules' per-run memos answer and note exactly what walking the unit tree does.

``Workspace.lineage`` builds a unit's ancestor chain from its parent's and memoises it for the
run; ``ancestors`` and ``ownership_of`` read it. Here random unit trees — with cycles of every
length, units below cycles, parents that do not exist, units that are their own parent and
ownership declared anywhere — are asked in random orders, in a loaded workspace and in the
incremental run's lazy one, and every answer and every noted key is compared with a plain walk
up the tree (what the workspace did before it memoised anything).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from sobctl.checks.incremental import LazyWorkspace
from sobctl.model.entities import Ownership, OwnershipInfo, Unit, UnitType
from sobctl.repo.table import Table
from sobctl.repo.workspace import Folder, Tracker, UnitHead, Workspace


def _walk(units: dict[str, Unit], unit_id: str) -> tuple[list[str], tuple[str, Any]]:
    """The ancestor chain and nearest ownership by walking parent links one by one."""
    chain: list[str] = []
    current: str | None = unit_id
    while current is not None and current not in chain:
        chain.append(current)
        unit = units.get(current)
        current = unit.parent if unit else None
    for ancestor in chain:
        unit = units.get(ancestor)
        if unit is not None and unit.ownership is not None:
            return chain, (ancestor, unit.ownership)
    return chain, (unit_id, None)


def _random_units(rng: random.Random, count: int) -> dict[str, Unit]:
    ids = [f"U{n:03d}" for n in range(count)]
    units: dict[str, Unit] = {}
    for position, unit_id in enumerate(ids):
        draw = rng.random()
        if draw < 0.1:
            parent = None
        elif draw < 0.15:
            parent = f"GONE{rng.randrange(3)}"  # no such unit
        elif draw < 0.2:
            parent = unit_id  # its own parent
        elif draw < 0.75 and position:
            parent = ids[rng.randrange(position)]  # above it in the file order
        else:
            parent = rng.choice(ids)  # anywhere: cycles of any length
        ownership = None
        if rng.random() < 0.2:
            kind = rng.choice([Ownership.REGION, Ownership.PRIVATE])
            ownership = OwnershipInfo.model_construct(
                kind=kind, care_agreement="vardavtal-x" if kind is Ownership.PRIVATE else None
            )
        units[unit_id] = Unit.model_construct(
            hsa_id=unit_id, name=unit_id, type=UnitType.CARE_UNIT, parent=parent, ownership=ownership
        )
    return units


def _lazy(units: dict[str, Unit], tracker: Tracker | None) -> Workspace:
    heads = Table.of({unit_id: UnitHead.of(unit).dump() for unit_id, unit in units.items()})

    def loader(folder: Folder, ident: str) -> Any:
        return units.get(ident) if folder.kind == "unit" else None

    return LazyWorkspace(Path("."), loader, tracker, Table(), Table(), heads)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("lazy", [False, True], ids=["loaded", "lazy"])
def test_lineage_answers_and_notes_what_a_walk_does(seed: int, lazy: bool) -> None:
    rng = random.Random(seed)
    units = _random_units(rng, rng.randrange(1, 60))
    asked = [*units, "GONE0", "NOWHERE"]
    for tracked in (False, True):
        tracker = Tracker() if tracked else None
        if lazy:
            workspace = _lazy(units, tracker)
        else:
            workspace = Workspace(root=Path("."), units=dict(units))
            if tracker is not None:
                workspace = workspace.tracked(tracker)
        workspace.forget()
        questions = [*asked * 2]
        rng.shuffle(questions)
        expected_notes: dict[str, set[str]] = {}
        for number, unit_id in enumerate(questions):
            subject = f"units/Q{number}.yaml"
            if tracker is not None:
                tracker.begin(subject)
            chain, owner = _walk(units, unit_id)
            if rng.random() < 0.5:
                assert list(workspace.ancestors(unit_id)) == chain
            else:
                assert workspace.ownership_of(unit_id) == owner
            expected_notes[subject] = {"unit-head:" + member for member in chain}
        if tracker is not None:
            tracker.end()
            noted: dict[str, set[str]] = {}
            for key in tracker.readers:
                for number in tracker.packed(key):
                    noted.setdefault(tracker.subjects[number], set()).add(key)
            assert noted == expected_notes


def test_a_rule_run_starts_with_no_memo() -> None:
    """Documents replaced between two runs on one workspace are seen by the second run."""
    import datetime as dt

    from sobctl.checks import run_checks

    units = _random_units(random.Random(1), 20)
    workspace = Workspace(root=Path("."), units=units)
    before = workspace.ancestors("U010")
    units["U010"] = units["U010"].model_copy(update={"parent": None})
    assert workspace.ancestors("U010") == before  # memoised until the next run
    run_checks(workspace, dt.date(2026, 11, 23))
    assert workspace.ancestors("U010") == ("U010",)
