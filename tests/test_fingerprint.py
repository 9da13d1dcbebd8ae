"""The content fingerprint: the same for every way of writing the same program in YAML (key
order, comments, flow or block style, quoting), different after any change of content."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sobctl.model.entities import Area, Program, ProgramKind, StepKind
from sobctl.model.fingerprint import fingerprint, structure_fingerprint
from sobctl.repo.workspace import parse_document

TEXT = st.text(
    alphabet=st.characters(categories=["L", "N", "P", "S", "Zs"], exclude_characters="\ufeff"),
    min_size=1,
    max_size=12,
)
SLUG = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?", fullmatch=True)


@st.composite
def programs(draw: st.DrawFn) -> dict[str, Any]:
    steps = st.builds(
        lambda title, kind, text: {"title": title, "kind": kind, **({"text": text} if text else {})},
        TEXT, st.sampled_from([str(k) for k in StepKind]), st.none() | TEXT,
    )
    sections = st.builds(lambda title, s: {"title": title, "steps": s}, TEXT, st.lists(steps, min_size=1, max_size=3))
    module_ids = draw(st.lists(SLUG, max_size=3, unique=True))
    modules = [
        {"id": module_id, "title": draw(TEXT), "sections": draw(st.lists(sections, min_size=1, max_size=2))}
        for module_id in module_ids
    ]
    return {
        "id": "kbt-test",
        "title": draw(TEXT),
        "kind": draw(st.sampled_from([str(k) for k in ProgramKind])),
        "area": draw(st.sampled_from([str(a) for a in Area])),
        "target_group": draw(TEXT),
        "open": draw(st.booleans()),
        "owning_unit": "SE2321000016-U100",
        "publishing_unit": "SE2321000016-U100",
        "producer": {"kind": "own"},
        "status": "draft",
        "version": "1.0",
        "content": {"modules": modules},
    }


# --- a YAML writer with every freedom the format allows ------------------------------------------


def _scalar(value: Any, rng: random.Random) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    assert isinstance(value, str)
    if rng.random() < 0.5:
        return json.dumps(value, ensure_ascii=rng.random() < 0.5)
    return "'" + value.replace("'", "''") + "'"


def _key(key: str, rng: random.Random) -> str:
    return key if rng.random() < 0.7 else _scalar(key, rng)


def _flow(value: Any, rng: random.Random) -> str:
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return "{" + ", ".join(f"{_key(k, rng)}: {_flow(value[k], rng)}" for k in keys) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(item, rng) for item in value) + "]"
    return _scalar(value, rng)


def _comment(rng: random.Random) -> str:
    return "  # anteckning: " + rng.choice(["ändrad", "key: value", "- x", "'"]) if rng.random() < 0.3 else ""


def _block(value: Any, indent: int, rng: random.Random) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        for key in keys:
            if rng.random() < 0.15:
                lines.append(f"{pad}# {rng.choice(['kommentar', 'title: x', '---'])}")
            item = value[key]
            if isinstance(item, dict | list) and item and rng.random() < 0.7:
                lines.append(f"{pad}{_key(key, rng)}:{_comment(rng)}")
                lines.extend(_block(item, indent + rng.choice([2, 4]) if isinstance(item, dict) else indent, rng))
            else:
                lines.append(f"{pad}{_key(key, rng)}: {_flow(item, rng)}{_comment(rng)}")
        return lines
    assert isinstance(value, list)
    for item in value:
        if isinstance(item, dict | list) and item and rng.random() < 0.7:
            lines.append(f"{pad}-{_comment(rng)}")
            lines.extend(_block(item, indent + 2, rng))
        else:
            lines.append(f"{pad}- {_flow(item, rng)}{_comment(rng)}")
    return lines


def render(data: dict[str, Any], rng: random.Random) -> bytes:
    if rng.random() < 0.2:
        return _flow(data, rng).encode("utf-8")
    return ("\n".join(_block(data, 0, rng)) + "\n").encode("utf-8")


def parsed(raw: bytes) -> Program:
    program, problems = parse_document("catalogue/kbt-test.yaml", raw, Program)
    assert isinstance(program, Program), (problems, raw.decode())
    return program


# --- properties ------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.randoms(use_true_random=False), st.randoms(use_true_random=False))
def test_fingerprint_ignores_how_the_yaml_is_written(data: dict[str, Any], one: random.Random,
                                                     two: random.Random) -> None:
    expected = fingerprint(Program.model_validate(data))
    first, second = render(data, one), render(data, two)
    assert fingerprint(parsed(first)) == expected
    assert fingerprint(parsed(second)) == expected


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list):
        return [leaf for i, item in enumerate(value) for leaf in _leaves(item, (*path, i))]
    return [path]


FINGERPRINTED = ("title", "kind", "area", "target_group", "open", "content")


def _changed(value: Any, path: tuple[Any, ...]) -> Any:
    if path[-1] == "kind" and len(path) == 1:
        return next(str(k) for k in ProgramKind if str(k) != value)
    if path[-1] == "kind":
        return next(str(k) for k in StepKind if str(k) != value)
    if path[-1] == "area":
        return next(str(a) for a in Area if str(a) != value)
    if path[-1] == "id":
        return value + "-b"
    if isinstance(value, bool):
        return not value
    return value + "x"


@settings(max_examples=150, deadline=None)
@given(programs(), st.data(), st.randoms(use_true_random=False))
def test_any_content_change_changes_the_fingerprint(data: dict[str, Any], choice: st.DataObject,
                                                    rng: random.Random) -> None:
    leaves = [leaf for leaf in _leaves(data) if leaf[0] in FINGERPRINTED]
    path = choice.draw(st.sampled_from(leaves))
    changed = copy.deepcopy(data)
    holder = changed
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = _changed(holder[path[-1]], path)
    assert fingerprint(parsed(render(changed, rng))) != fingerprint(Program.model_validate(data))


@settings(max_examples=60, deadline=None)
@given(programs(), st.data())
def test_adding_or_removing_a_step_changes_content_and_structure(data: dict[str, Any],
                                                                 choice: st.DataObject) -> None:
    if not data["content"]["modules"]:
        data["content"]["modules"].append({"id": "m", "title": "M", "sections": [
            {"title": "S", "steps": [{"title": "a", "kind": "text"}]}]})
    before = Program.model_validate(data)
    changed = copy.deepcopy(data)
    module = choice.draw(st.sampled_from(changed["content"]["modules"]))
    section = choice.draw(st.sampled_from(module["sections"]))
    if len(section["steps"]) > 1 and choice.draw(st.booleans()):
        section["steps"].pop()
    else:
        section["steps"].append({"title": "ny", "kind": "exercise"})
    after = Program.model_validate(changed)
    assert fingerprint(after) != fingerprint(before)
    assert structure_fingerprint(after) != structure_fingerprint(before)


def test_text_changes_keep_the_structure_and_records_stay_outside() -> None:
    data = {
        "id": "kbt-test", "title": "A", "kind": "treatment", "area": "adhd", "target_group": "B",
        "owning_unit": "SE2321000016-U100", "publishing_unit": "SE2321000016-U100", "producer": {"kind": "own"},
        "status": "draft", "version": "1.0",
        "content": {"modules": [{"id": "m", "title": "M", "sections": [
            {"title": "S", "steps": [{"title": "a", "kind": "text", "text": "t"}]}]}]},
    }
    program = Program.model_validate(data)
    retitled = copy.deepcopy(data)
    retitled["content"]["modules"][0]["sections"][0]["steps"][0]["text"] = "ny text"
    assert structure_fingerprint(Program.model_validate(retitled)) == structure_fingerprint(program)
    assert fingerprint(Program.model_validate(retitled)) != fingerprint(program)
    recorded = copy.deepcopy(data)
    recorded["contributors"] = [{"name": "Per", "role": "author"}]
    recorded["status"] = "in-review"
    assert fingerprint(Program.model_validate(recorded)) == fingerprint(program)


def test_the_demo_program_still_matches_its_published_fingerprint() -> None:
    from pathlib import Path

    raw = (Path(__file__).resolve().parent.parent / "catalogue" / "kbt-depression.yaml").read_bytes()
    program = parsed(raw)
    entry = program.published_entry()
    assert entry is not None and entry.fingerprint == fingerprint(program)
