"""``sobctl init``: a new region repository, valid from its first commit, with CI and hooks."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from pathlib import Path

from sobctl import __version__
from sobctl.errors import Refused, UsageError
from sobctl.i18n import _
from sobctl.model.ids import parse_hsa_id, parse_orgnr
from sobctl.repo import files, git
from sobctl.repo.schemas import render_schemas

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "init"
#: The files pre-commit should run sobctl for (the same regex as the project's .pre-commit-hooks.yaml).
HOOK_FILES = r"^(sobctl\.yaml|(catalogue|units|roles|agreements)/.*)$"
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CONTENT_FOLDERS = ("catalogue", "units", "roles", "agreements")


def _yaml_str(value: object) -> str:
    """A YAML scalar that stays a string, whatever the text (JSON strings are valid YAML)."""
    return json.dumps(str(value), ensure_ascii=False)


def render_region(*, region_name: str, hsa_id: str, orgnr: str, admins: Sequence[str], admin_names: Sequence[str],
                  admin_emails: Sequence[str], today: dt.date, hooks_repo: str = "local",
                  hooks_rev: str = f"v{__version__}") -> dict[str, bytes]:
    """Every file of a new region repository: path → bytes. Pure (reads only the templates).

    The founding administrators grant each other the role in a ring (nobody grants themselves),
    and the first is the contact person until the administration grants that role to someone else.
    """
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    try:
        hsa_id = parse_hsa_id(hsa_id)
        digits = parse_orgnr(orgnr)
        ids = [parse_hsa_id(admin) for admin in admins]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not (len(ids) == len(admin_names) == len(admin_emails)):
        raise UsageError(_("give each --admin its --admin-name and --admin-email, in the same order"))
    if len(set(ids)) != len(ids) or len({e.lower() for e in admin_emails}) != len(admin_emails):
        raise UsageError(_("the same administrator (HSA-id or e-mail) is given twice"))
    for email in admin_emails:
        if not _EMAIL_RE.match(email):
            raise UsageError(_("--admin-email: '{email}' is not an e-mail address").format(email=email))
    people = [{"hsa_id": pid, "name": name, "email": email, "contact": i == 0,
               "granted_by": ids[(i + 1) % len(ids)]}
              for i, (pid, name, email) in enumerate(zip(ids, admin_names, admin_emails, strict=True))]
    if not region_name.strip():
        raise UsageError(_("--region-name must not be empty"))
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=False, undefined=StrictUndefined,
                      keep_trailing_newline=True)
    env.filters["yaml_str"] = _yaml_str
    values = {"region_name": region_name.strip(), "hsa_id": hsa_id, "orgnr": f"{digits[:6]}-{digits[6:]}",
              "people": people, "today": today.isoformat(),
              "version": __version__, "hooks_repo": hooks_repo, "hooks_rev": hooks_rev,
              "hooks_files": f"'{HOOK_FILES}'"}

    def render(name: str, **extra: object) -> bytes:
        return env.get_template(name).render(**values, **extra).rstrip("\n").encode("utf-8") + b"\n"

    result: dict[str, bytes] = {
        "sobctl.yaml": render("sobctl.yaml.j2"),
        f"units/{hsa_id}.yaml": render("unit.yaml.j2"),
        ".github/workflows/sobctl.yml": render("github-workflow.yml.j2"),
        ".github/CODEOWNERS": render("CODEOWNERS.j2"),
        ".gitlab-ci.yml": render("gitlab-ci.yml.j2"),
        ".pre-commit-config.yaml": render("pre-commit-config.yaml.j2"),
    }
    for person in people:
        result[f"roles/{person['hsa_id']}.yaml"] = render("person.yaml.j2", person=person)
    for folder in CONTENT_FOLDERS:
        if not any(path.startswith(folder + "/") for path in result):
            result[f"{folder}/.gitkeep"] = b""
    for name, data in render_schemas().items():
        result[f"schemas/{name}"] = data
    return result


def create_region(directory: Path, **options: object) -> str:
    """Write a new region repository into an empty (or new) folder and make its first commit."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise Refused(_("{path} exists and is not empty; sobctl init only fills a new or empty folder").format(
                          path=directory),
                      rule="dirty-target")
    rendered = render_region(**options)  # type: ignore[arg-type]
    directory.mkdir(parents=True, exist_ok=True)
    for relpath, data in sorted(rendered.items()):
        files.atomic_write(directory / relpath, data)
    git.init_repository(directory)
    return git.commit_all(directory, f"Create the region repository of {options['region_name']}\n\n"
                          "Made with sobctl init.\n")
