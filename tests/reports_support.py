"""Test data for the report tests: extra programs, activations and agreements written into a copied
demo region, and a plain reader of the region's YAML to compute what the reports must say."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

FP = "sha256:" + "ab" * 32
DRAFT_HISTORY = "  - version: \"0.1\"\n    date: 2026-01-01\n    note: Utkast.\n"


def read_all(root: Path, folder: str) -> dict[str, dict[str, Any]]:
    """Every document of a folder, by file stem, as plain data."""
    yaml = YAML(typ="safe", pure=True)
    return {p.stem: yaml.load(p.read_text(encoding="utf-8")) for p in sorted((root / folder).glob("*.yaml"))}


def _program(pid: str, title: str, area: str, version: str, *, kind: str = "support", status: str = "published",
             producer: str = "kind: own", history: str | None = None) -> str:
    history = history or f"""  - version: "{version}"
    date: 2025-01-01
    note: Version {version}.
    published: 2025-01-10
    fingerprint: {FP}
"""
    return f"""id: {pid}
title: {title}
kind: {kind}
area: {area}
target_group: Unga vuxna med {title.lower()}
owning_unit: SE2321000016-U100
publishing_unit: SE2321000016-U100
responsible_publisher: SE2321000016-P008
producer:
  {producer}
status: {status}
version: "{version}"
history:
{history}"""


def _agreement(aid: str, kind: str, name: str, org: str, valid_from: str, valid_to: str | None,
               *, programs: tuple[str, ...] = (), areas: tuple[str, ...] = (), last_review: str | None = None) -> str:
    text = f"""id: {aid}
kind: {kind}
title: Avtal {name}
counterparty:
  name: {name}
  org_number: "{org}"
valid_from: {valid_from}
"""
    if valid_to:
        text += f"valid_to: {valid_to}\n"
    if programs or areas:
        text += "covers:\n"
        if programs:
            text += "  programs:\n" + "".join(f"    - {p}\n" for p in programs)
        if areas:
            text += "  areas:\n" + "".join(f"    - {a}\n" for a in areas)
    text += "contact: SE2321000016-P003\n"
    if last_review:
        text += f"last_review: {last_review}\n"
    return text


def add_activation(root: Path, unit_id: str, program: str, major: int, activated: str) -> None:
    path = root / "units" / f"{unit_id}.yaml"
    text = path.read_text(encoding="utf-8")
    if "\nprograms:\n" not in text:
        text += "programs:\n"
    text += f"""  - program: {program}
    major: {major}
    activated: {activated}
    by: SE2321000016-P001
    approved_by: SE2321000016-P010
"""
    path.write_text(text, encoding="utf-8")


def enrich(root: Path) -> None:
    """More programs in more areas, a program whose major moved on, external content providers."""
    two_majors = f"""  - version: "1.0"
    date: 2024-01-01
    note: Första.
    published: 2024-01-10
    fingerprint: {FP}
  - version: "2.0"
    date: 2026-06-01
    note: Nya moduler.
    published: 2026-06-10
    fingerprint: {FP}
"""
    files = {
        "catalogue/stod-oro.yaml": _program("stod-oro", "Stöd vid oro", "anxiety-depression", "2.0",
                                            history=two_majors),
        "catalogue/adhd-vardag.yaml": _program(
            "adhd-vardag", "ADHD i vardagen", "adhd", "1.2", kind="education",
            producer="kind: external\n  agreement: innehall-kbtforlaget",
        ),
        "catalogue/sjalvskada-unga.yaml": _program(
            "sjalvskada-unga", "Självskada hos unga", "self-harm", "1.0", kind="treatment",
            producer="kind: region\n  agreement: region-norr-delning",
        ),
        "catalogue/utkast-somn.yaml": _program("utkast-somn", "Sömnskola", "adhd", "0.1", status="draft",
                                               history=DRAFT_HISTORY),
        "agreements/innehall-kbtforlaget.yaml": _agreement(
            "innehall-kbtforlaget", "content-provider", "KBT-förlaget AB", "556036-0793", "2023-01-01",
            "2027-01-31", programs=("adhd-vardag",), last_review="2026-02-01"),
        "agreements/region-norr-delning.yaml": _agreement(
            "region-norr-delning", "inter-regional", "Region Norrland", "232100-0024", "2022-05-01",
            "2029-12-31", areas=("self-harm",), last_review="2025-03-01"),
        "agreements/innehall-gammalt.yaml": _agreement(
            "innehall-gammalt", "content-provider", "Gamla Förlaget AB", "556036-0793", "2020-01-01",
            "2025-06-30", areas=("addiction",)),
    }
    for relpath, text in files.items():
        (root / relpath).write_text(text, encoding="utf-8")
    add_activation(root, "SE2321000016-U200", "stod-oro", 1, "2024-05-01")
    add_activation(root, "SE2321000016-U200", "adhd-vardag", 1, "2025-02-01")
    add_activation(root, "SE5566778899-V2", "stod-oro", 2, "2026-07-01")
    add_activation(root, "SE2321000016-U200", "sjalvskada-unga", 1, "2025-03-01")


def published_major(program: dict[str, Any]) -> int:
    published = [e for e in program.get("history", []) if e.get("published")]
    versions = [tuple(int(x) for x in e["version"].split(".")) for e in published]
    return max(versions)[0] if versions else int(program["version"].split(".")[0])


def in_year(start: str | dt.date, end: str | dt.date | None, year: int) -> bool:
    first = start if isinstance(start, dt.date) else dt.date.fromisoformat(start)
    last = end if end is None or isinstance(end, dt.date) else dt.date.fromisoformat(end)
    return first <= dt.date(year, 12, 31) and (last is None or last >= dt.date(year, 1, 1))
