"""A deterministic generator of large region repositories for the benchmarks.

``generate(root, units=3000)`` copies the demo region at the project root and adds ``units``
active care units under the care provider, each with two permission administrators and a
medicinskt-ansvarig (one pair of people serves ten units), and ``kbt-depression`` assigned
to every other unit. The result validates without errors. Usage:

    python -m benchmarks.generate_region /tmp/region-3000 --units 3000
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
DEMO_PARTS = ("sobctl.yaml", "catalogue", "units", "roles", "agreements", "schemas")
PROVIDER = "SE2321000016-0000"
PROGRAM = "kbt-depression"
UNITS_PER_PERSON = 10


def unit_id(number: int) -> str:
    return f"SE2321000016-G{number:05d}"


def person_id(number: int) -> str:
    return f"SE2321000016-Q{number:05d}"


def _unit(number: int, approver: str) -> str:
    text = (
        "# yaml-language-server: $schema=../schemas/unit.schema.json\n"
        f"hsa_id: {unit_id(number)}\n"
        f"name: Generated care unit {number}\n"
        "type: care-unit\n"
        f"parent: {PROVIDER}\n"
        "status: active\n"
        "status_history:\n"
        "  - status: active\n"
        "    date: 2024-01-15\n"
        "    by: SE2321000016-P001\n"
        "    decision: RS 2024/0012\n"
    )
    if number % 2 == 0:
        text += (
            "programs:\n"
            f"  - program: {PROGRAM}\n"
            "    major: 1\n"
            "    activated: 2024-03-01\n"
            "    by: SE2321000016-P001\n"
            f"    approved_by: {approver}\n"
            "    decision: RS 2024/0031\n"
        )
    return text


def _person(number: int, units: list[int], medical: bool) -> str:
    text = (
        "# yaml-language-server: $schema=../schemas/person.schema.json\n"
        f"hsa_id: {person_id(number)}\n"
        f"name: Generated Person {number}\n"
        "emails:\n"
        f"  - person{number}@generated.example\n"
        "grants:\n"
    )
    roles = ["behorighetsadministrator", *(["medicinskt-ansvarig"] if medical else [])]
    for unit in units:
        for role in roles:
            text += (
                f"  - role: {role}\n"
                f"    scope: {unit_id(unit)}\n"
                "    granted_by: SE2321000016-P001\n"
                "    granted_at: 2024-01-10\n"
                "    decision: RS 2024/0005\n"
            )
    return text


def generate(root: Path, units: int = 3000, *, commit: bool = True) -> Path:
    """Write the region into ``root`` (created; must not exist) and commit it as one commit."""
    root.mkdir(parents=True)
    for part in DEMO_PARTS:
        source = PROJECT / part
        if source.is_dir():
            shutil.copytree(source, root / part)
        else:
            shutil.copy2(source, root / part)
    groups = (units + UNITS_PER_PERSON - 1) // UNITS_PER_PERSON
    for group in range(groups):
        members = list(range(group * UNITS_PER_PERSON + 1, min(units, (group + 1) * UNITS_PER_PERSON) + 1))
        medical, other = 2 * group + 1, 2 * group + 2
        (root / "roles" / f"{person_id(medical)}.yaml").write_text(_person(medical, members, True), "utf-8")
        (root / "roles" / f"{person_id(other)}.yaml").write_text(_person(other, members, False), "utf-8")
        for number in members:
            (root / "units" / f"{unit_id(number)}.yaml").write_text(_unit(number, person_id(medical)), "utf-8")
    if commit:
        def git(*args: str) -> None:
            subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)

        git("init", "-q")
        git("config", "user.name", "Anna Lindqvist")
        git("config", "user.email", "anna.lindqvist@exempelland.se")
        git("config", "commit.gpgsign", "false")
        git("add", "-A")
        git("commit", "-q", "-m", f"Generated region with {units} units")
    return root


def approver_of(number: int) -> str:
    """The medicinskt-ansvarig of generated unit ``number``."""
    return person_id(2 * ((number - 1) // UNITS_PER_PERSON) + 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path)
    parser.add_argument("--units", type=int, default=3000)
    args = parser.parse_args()
    generate(args.root, args.units)
    print(f"wrote {args.units} units to {args.root}")


if __name__ == "__main__":
    main()
