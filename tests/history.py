"""Building real histories for the review tests: a seeded region, acts made with sobctl, and
hand-made commits (tampering included)."""

from __future__ import annotations

from pathlib import Path

from conftest import TODAY, git, run_cli

UNIT = "SE2321000016-U900"
UNIT2 = "SE2321000016-U901"
APPROVER = "SE2321000016-P090"
ADMIN = "SE2321000016-P001"
ADMIN_EMAIL = "anna.lindqvist@exempelland.se"
DESIGNER = "SE2321000016-P006"
DESIGNER_EMAIL = "fredrik.lund@exempelland.se"
PUBLISHING_UNIT = "SE2321000016-U100"
DRAFT = "sommarprogram"


def unit_yaml(hsa_id: str, name: str) -> str:
    return (f"# yaml-language-server: $schema=../schemas/unit.schema.json\nhsa_id: {hsa_id}\nname: {name}\n"
            "type: care-unit\nparent: SE2321000016-0000\nstatus: active\nstatus_history:\n  - status: active\n"
            f"    date: 2025-01-10\n    by: {ADMIN}\n    decision: RS 2025/0001\n")


def approver_yaml() -> str:
    return (f"# yaml-language-server: $schema=../schemas/person.schema.json\nhsa_id: {APPROVER}\n"
            "name: Maja Berg\nemails:\n  - maja.berg@exempelland.se\ngrants:\n"
            + "".join(f"  - role: medicinskt-ansvarig\n    scope: {unit}\n    granted_by: {ADMIN}\n"
                      "    granted_at: 2025-01-10\n" for unit in (UNIT, UNIT2)))


def draft_yaml(title: str = "Sömn och återhämtning", steps: tuple[str, ...] = ("Om sömn", "Sömndagbok")) -> str:
    step_text = "".join(f"            - title: {s}\n              kind: text\n" for s in steps)
    return (f"# yaml-language-server: $schema=../schemas/program.schema.json\nid: {DRAFT}\ntitle: {title}\n"
            "kind: support\narea: anxiety-depression\ntarget_group: Vuxna med sömnbesvär\n"
            f"owning_unit: {PUBLISHING_UNIT}\npublishing_unit: {PUBLISHING_UNIT}\nproducer:\n  kind: own\n"
            "status: draft\nversion: \"0.1\"\ncontent:\n  modules:\n    - id: start\n      title: Start\n"
            f"      sections:\n        - title: Grunder\n          steps:\n{step_text}")


def seed(root: Path) -> None:
    """Add two active units, their approver and a draft program to the first commit (it stays the root)."""
    (root / f"units/{UNIT}.yaml").write_text(unit_yaml(UNIT, "Mottagning Väst"), encoding="utf-8")
    (root / f"units/{UNIT2}.yaml").write_text(unit_yaml(UNIT2, "Mottagning Öst"), encoding="utf-8")
    (root / f"roles/{APPROVER}.yaml").write_text(approver_yaml(), encoding="utf-8")
    (root / f"catalogue/{DRAFT}.yaml").write_text(draft_yaml(), encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--amend", "--no-edit")
    assert git(root, "rev-list", "--count", "HEAD").strip() == "1"


def assign(root: Path, unit: str = UNIT, program: str = "kbt-depression") -> None:
    result = run_cli("assign", program, unit, "--approved-by", APPROVER, "--decision", "RS 2026/0101",
                     "--reason", "Beslut i ledningsgruppen", "--as-of", TODAY, "--repo", str(root))
    assert result.code == 0, result.stderr


def message(root: Path, revision: str = "HEAD") -> str:
    return git(root, "log", "-1", "--format=%B", revision)


def amend(root: Path, *, message_text: str | None = None, author: str | None = None, extra: list[str] | None = None,
          sign: bool | None = None) -> None:
    """Rewrite HEAD by hand: a new message, author, or extra paths staged from the work tree."""
    if extra:
        git(root, "add", "--", *extra)
    args = ["commit", "-q", "--amend", "--cleanup=verbatim"]
    if message_text is not None:
        (root.parent / "message.txt").write_text(message_text, encoding="utf-8")
        args += ["-F", str(root.parent / "message.txt")]
    else:
        args.append("--no-edit")
    if author is not None:
        args += ["--author", author]
    if sign is True:
        args.append("-S")
    elif sign is False:
        args.append("--no-gpg-sign")
    git(root, *args)


def commit_as(root: Path, email: str, name: str, text: str, *paths: str) -> None:
    git(root, "add", "--", *paths)
    git(root, "-c", f"user.email={email}", "-c", f"user.name={name}", "commit", "-q", "-m", text)


def verify(root: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli("audit", "verify", *args, "--repo", str(root))
    return result.code, result.stdout, result.stderr
