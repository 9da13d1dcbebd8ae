"""Data-driven example repositories.

``tests/examples/valid/<case>/`` are complete region repositories that validate without a
finding, even with --strict.

Each ``tests/examples/invalid/<case>/`` is a patch over a copy of the demo region (or over
an empty folder) and holds

- ``files/``: files that overwrite or add to the copy (paths as in the repository);
- ``expected.json``:
  ``{"description": …, "base": "demo" | "empty", "remove": [glob, …], "make": [step, …],
  "diagnostics": [{"code", "path", "line", "column"?, "message"?, "hint"?}, …]}``.

``make`` steps build what cannot live in Git comfortably: ``{"symlink": path, "to": target}``,
``{"dir": path}``, ``{"fifo": path}``, ``{"large": path, "bytes": n}``.
Every expected diagnostic lies in a file the case writes itself (or removes), so its line
never depends on the demo region, which grows.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parent / "examples"
INVALID = EXAMPLES / "invalid"
VALID = EXAMPLES / "valid"


@dataclass
class Case:
    name: str
    folder: Path
    description: str
    base: str
    remove: list[str]
    make: list[dict[str, Any]]
    diagnostics: list[dict[str, Any]]
    exit: int = 1
    written: set[str] = field(default_factory=set)


def load_case(folder: Path) -> Case:
    spec = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    files = folder / "files"
    written = {p.relative_to(files).as_posix() for p in files.rglob("*") if p.is_file()} if files.is_dir() else set()
    make = spec.get("make", [])
    for step in make:
        written.add(next(v for k, v in step.items() if k in ("symlink", "dir", "fifo", "large")))
    return Case(
        name=folder.name,
        folder=folder,
        description=spec["description"],
        base=spec.get("base", "demo"),
        remove=spec.get("remove", []),
        make=make,
        diagnostics=spec["diagnostics"],
        exit=spec.get("exit", 1),
        written=written,
    )


def all_cases() -> list[Case]:
    return [load_case(folder) for folder in sorted(INVALID.iterdir()) if (folder / "expected.json").is_file()]


def build(case: Case, demo: Path, target: Path) -> Path:
    """The case's repository in ``target``: the demo (or nothing), minus ``remove``, plus ``files/``."""
    if case.base == "demo":
        shutil.copytree(demo, target, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    else:
        target.mkdir(parents=True)
    for pattern in case.remove:
        for path in sorted(target.glob(pattern), reverse=True):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
    files = case.folder / "files"
    if files.is_dir():
        for source in sorted(files.rglob("*")):
            if source.is_file():
                destination = target / source.relative_to(files)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)
    for step in case.make:
        if "symlink" in step:
            link = target / step["symlink"]
            link.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(step["to"], link)
        elif "dir" in step:
            (target / step["dir"]).mkdir(parents=True)
        elif "fifo" in step:
            os.mkfifo(target / step["fifo"])
        elif "large" in step:
            line = b"# " + b"x" * 1021 + b"\n"
            data = b"id: large\n" + line * (int(step["bytes"]) // len(line) + 1)
            (target / step["large"]).write_bytes(data)
        else:
            raise ValueError(f"{case.name}: unknown make step {step}")
    return target
