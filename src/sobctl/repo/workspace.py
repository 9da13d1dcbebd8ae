"""Reading a whole region repository into typed models, recording every problem as data.

``load_workspace`` never raises on bad content: a file that cannot be read, parsed or
validated becomes diagnostics and is left out of the model, so one run reports everything.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sobctl.i18n import _
from sobctl.model.codes import severity_of
from sobctl.model.diagnostic import Diagnostic, Pointer
from sobctl.model.entities import Agreement, Config, Grant, Person, Program, Role, Unit
from sobctl.repo.schema_errors import schema_message
from sobctl.repo.yamlio import ParseFailure, compose, decode, load_fast, locate, read_bounded

CONFIG_FILE = "sobctl.yaml"


@dataclass(frozen=True, slots=True)
class Folder:
    name: str
    kind: str
    model: type[BaseModel]
    id_field: str


FOLDERS: tuple[Folder, ...] = (
    Folder("catalogue", "program", Program, "id"),
    Folder("units", "unit", Unit, "hsa_id"),
    Folder("roles", "person", Person, "hsa_id"),
    Folder("agreements", "agreement", Agreement, "id"),
)
FOLDER_BY_KIND = {folder.kind: folder for folder in FOLDERS}


def path_of(kind: str, ident: str) -> str:
    """The repository-relative path of a document: the file name is the id."""
    if kind == "config":
        return CONFIG_FILE
    return f"{FOLDER_BY_KIND[kind].name}/{ident}.yaml"


def diagnostic(code: str, message: str, path: str, pointer: Pointer = (), **kwargs: Any) -> Diagnostic:
    """A diagnostic with its severity taken from the code table."""
    return Diagnostic(code, severity_of(code), message, path, pointer, **kwargs)


@dataclass
class Workspace:
    """Everything that was read successfully, plus the diagnostics of what was not."""

    root: Path
    config: Config | None = None
    programs: dict[str, Program] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    agreements: dict[str, Agreement] = field(default_factory=dict)
    load_diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0

    @property
    def provider_id(self) -> str | None:
        return self.config.care_provider.hsa_id if self.config else None

    @cached_property
    def grants_by_scope(self) -> dict[str, list[tuple[Person, int, Grant]]]:
        """Every grant (with its index in the person's file) by the unit it is scoped to."""
        index: dict[str, list[tuple[Person, int, Grant]]] = defaultdict(list)
        for person in self.people.values():
            for position, grant in enumerate(person.grants):
                index[grant.scope].append((person, position, grant))
        return index

    @cached_property
    def person_by_email(self) -> dict[str, Person]:
        return {email.lower(): p for p in self.people.values() for email in p.emails}

    def holders(self, role: Role, scope: str, on: dt.date) -> list[Person]:
        """People holding ``role`` on ``scope`` on the given day (each once)."""
        seen: dict[str, Person] = {}
        for person, _index, grant in self.grants_by_scope.get(scope, ()):
            if grant.role is role and grant.in_force(on):
                seen.setdefault(person.hsa_id, person)
        return list(seen.values())

    def holds(self, person_id: str, role: Role, scope: str, on: dt.date) -> bool:
        person = self.people.get(person_id)
        return person is not None and any(g.role is role and g.scope == scope and g.in_force(on) for g in person.grants)

    def ancestors(self, unit_id: str) -> list[str]:
        """The unit itself and its parents up to the root (stops at unknown ids or a cycle)."""
        chain: list[str] = []
        current: str | None = unit_id
        while current is not None and current not in chain:
            chain.append(current)
            unit = self.units.get(current)
            current = unit.parent if unit else None
        return chain

    def ownership_of(self, unit_id: str) -> tuple[str, Any]:
        """The nearest declared ownership up the tree: (unit that declares it, OwnershipInfo|None)."""
        for ancestor in self.ancestors(unit_id):
            unit = self.units.get(ancestor)
            if unit is not None and unit.ownership is not None:
                return ancestor, unit.ownership
        return unit_id, None


def parse_document(relpath: str, raw: bytes, model: type[BaseModel]) -> tuple[BaseModel | None, list[Diagnostic]]:
    """Bytes of one file to a validated model, or diagnostics saying why not. Pure."""
    try:
        text = decode(raw)
        data = load_fast(text)
    except ParseFailure as failure:
        return None, [
            diagnostic(
                failure.code, failure.message, relpath, line=failure.line, column=failure.column, hint=failure.hint
            )
        ]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [_schema_diagnostic(relpath, error, text) for error in exc.errors(include_url=False)]


def _schema_diagnostic(relpath: str, error: Any, text: str = "") -> Diagnostic:
    pointer: Pointer = tuple(error["loc"])
    where = ".".join(str(p) for p in pointer) or _("document")
    kind = error["type"]
    if kind == "missing":
        return diagnostic(
            "SOB010", _("missing field '{field}'").format(field=where), relpath, pointer[:-1], extra={"field": where}
        )
    if kind == "extra_forbidden":
        return diagnostic(
            "SOB011",
            _("unknown field '{field}'").format(field=where),
            relpath,
            pointer,
            hint=_("check the spelling against the schema in schemas/"),
        )
    return diagnostic("SOB012", schema_message(error, where, text), relpath, pointer)


Overlay = dict[str, bytes | None]
"""Pending changes by repository path (None: deleted), seen instead of the disk's bytes."""


def _read_file(root: Path, relpath: str, overlay: Overlay | None = None) -> tuple[bytes | None, Diagnostic | None]:
    """Read one file, refusing symlinks that leave the repository and non-regular files."""
    if overlay is not None and relpath in overlay:
        return overlay[relpath], None
    path = root / relpath
    try:
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(root.resolve()):
                return None, diagnostic(
                    "SOB007",
                    _("symlink points outside the repository ({target})").format(target=os.readlink(path)),
                    relpath,
                )
        if not path.is_file():
            return None, diagnostic("SOB007", _("not a regular file"), relpath)
        size = path.stat().st_size
        if size > 1024 * 1024:
            return None, diagnostic(
                "SOB005", _("file is {size} bytes; sobctl reads at most {limit}").format(
                    size=f"{size:,}", limit="1,048,576"
                ), relpath
            )
        return path.read_bytes(), None
    except OSError as exc:
        return None, diagnostic("SOB007", _("cannot read the file: {reason}").format(reason=exc.strerror), relpath)


def discover(root: Path) -> tuple[list[tuple[str, Folder]], list[Diagnostic]]:
    """Every content file by folder, plus diagnostics for files that do not belong."""
    found: list[tuple[str, Folder]] = []
    problems: list[Diagnostic] = []
    for folder in FOLDERS:
        directory = root / folder.name
        if directory.is_symlink() and not directory.resolve().is_relative_to(root.resolve()):
            where = os.readlink(directory)
            problems.append(
                diagnostic("SOB007", _("folder symlink points outside the repository ({target})").format(target=where),
                           folder.name, line=1, column=1)
            )
            continue
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except FileNotFoundError:
            continue
        except NotADirectoryError:
            message = _("'{folder}' must be a folder").format(folder=folder.name)
            problems.append(diagnostic("SOB007", message, folder.name, line=1, column=1))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            relpath = f"{folder.name}/{entry.name}"
            if not entry.name.endswith(".yaml") or entry.is_dir(follow_symlinks=False):
                hint = _("rename it to .yaml") if entry.name.endswith(".yml") else _(
                    "move it out of the content folder"
                )
                what = _("'{name}' is a folder, not a .yaml document") if entry.is_dir(follow_symlinks=False) else (
                    _("'{name}' is not a .yaml document")
                )
                message = what.format(name=entry.name)
                problems.append(diagnostic("SOB008", message, relpath, line=1, column=1, hint=hint))
                continue
            found.append((relpath, folder))
    return found, problems


def load_workspace(root: Path, overlay: Overlay | None = None) -> Workspace:
    """Read the repository at ``root``; content problems become diagnostics, never exceptions.

    ``overlay`` replaces files' bytes (None deletes them): how a change is validated before
    anything is written.
    """
    workspace = Workspace(root=root)
    diagnostics = workspace.load_diagnostics
    config_exists = (
        (root / CONFIG_FILE).exists() or (root / CONFIG_FILE).is_symlink() or bool(overlay and overlay.get(CONFIG_FILE))
    )
    raw, problem = _read_file(root, CONFIG_FILE, overlay) if config_exists else (None, None)
    workspace.files += 1 if raw is not None or problem is not None else 0
    if problem:
        diagnostics.append(problem)
    elif raw is None:
        diagnostics.append(
            diagnostic(
                "SOB013",
                _("sobctl.yaml is missing"),
                CONFIG_FILE,
                hint=_("run sobctl in a region repository, or pass --repo PATH"),
            )
        )
    else:
        config, problems = parse_document(CONFIG_FILE, raw, Config)
        diagnostics.extend(problems)
        workspace.config = config if isinstance(config, Config) else None

    files, problems = discover(root)
    if overlay:
        files = _with_overlay(files, overlay)
    diagnostics.extend(problems)
    workspace.files += len(files) + len(problems)
    targets: dict[str, dict[str, Any]] = {
        "program": workspace.programs,
        "unit": workspace.units,
        "person": workspace.people,
        "agreement": workspace.agreements,
    }
    for relpath, folder in files:
        raw, problem = _read_file(root, relpath, overlay)
        if problem is not None or raw is None:
            diagnostics.append(problem or diagnostic("SOB007", _("unreadable"), relpath))
            continue
        document, problems = parse_document(relpath, raw, folder.model)
        diagnostics.extend(problems)
        if document is None:
            continue
        ident = getattr(document, folder.id_field)
        stem = relpath.rsplit("/", 1)[1].removesuffix(".yaml")
        if ident != stem:
            diagnostics.append(
                diagnostic(
                    "SOB009",
                    _("file name '{stem}' differs from {field} '{ident}'").format(
                        stem=stem, field=folder.id_field, ident=ident
                    ),
                    relpath,
                    (folder.id_field,),
                    hint=_("rename the file to {name}").format(name=f"{ident}.yaml"),
                )
            )
            continue
        targets[folder.kind][ident] = document
    return workspace


def _with_overlay(files: list[tuple[str, Folder]], overlay: Overlay) -> list[tuple[str, Folder]]:
    by_name = {folder.name: folder for folder in FOLDERS}
    present = {relpath for relpath, _ in files}
    result = [(relpath, folder) for relpath, folder in files if overlay.get(relpath, b"") is not None]
    for relpath, data in sorted(overlay.items()):
        folder_name = relpath.split("/", 1)[0]
        if data is not None and relpath not in present and folder_name in by_name and relpath.endswith(".yaml"):
            result.append((relpath, by_name[folder_name]))
    return result


def resolve_locations(root: Path, diagnostics: list[Diagnostic], overlay: Overlay | None = None) -> None:
    """Fill in line and column from each diagnostic's pointer, parsing only the files involved."""
    by_path: dict[str, list[Diagnostic]] = defaultdict(list)
    for item in diagnostics:
        if item.line is None:
            by_path[item.path].append(item)
    for relpath, items in by_path.items():
        tree = None
        try:
            raw = overlay[relpath] if overlay and relpath in overlay else read_bounded(root, relpath)
            tree = compose(decode(raw)) if raw else None
        except Exception:
            tree = None
        for item in items:
            item.line, item.column = locate(tree, item.pointer) if tree is not None else (1, 1)


def load_workspace_from_files(files: dict[str, bytes], root: Path | None = None) -> Workspace:
    """A workspace from a path → bytes mapping (e.g. a commit's tree); the same rules as on disk.

    Only ``sobctl.yaml`` and the ``.yaml`` documents directly inside the content folders count;
    bad documents become diagnostics and are left out, as :func:`load_workspace` does.
    """
    workspace = Workspace(root=root or Path("."))
    raw = files.get(CONFIG_FILE)
    if raw is not None:
        workspace.files += 1
        config, problems = parse_document(CONFIG_FILE, raw, Config)
        workspace.load_diagnostics.extend(problems)
        workspace.config = config if isinstance(config, Config) else None
    targets: dict[str, dict[str, Any]] = {
        "program": workspace.programs, "unit": workspace.units,
        "person": workspace.people, "agreement": workspace.agreements,
    }
    by_name = {folder.name: folder for folder in FOLDERS}
    for relpath in sorted(files):
        folder_name, _, name = relpath.partition("/")
        folder = by_name.get(folder_name)
        if folder is None or "/" in name or not name.endswith(".yaml") or name.startswith("."):
            continue
        workspace.files += 1
        document, problems = parse_document(relpath, files[relpath], folder.model)
        workspace.load_diagnostics.extend(problems)
        if document is not None and getattr(document, folder.id_field) == name.removesuffix(".yaml"):
            targets[folder.kind][getattr(document, folder.id_field)] = document
    return workspace
