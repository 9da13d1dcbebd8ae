"""``sobctl audit verify``: every commit that touches content is what sobctl wrote, by whom it says.

For each commit in a range: its ``Sob-*`` trailers are well-formed (or it is a plain draft edit
by a designer, which the policy allows without them); replaying the declared act on the parent
commit's files gives exactly the commit's changes; the actor existed, held the role, authored
the commit and, where ``sobctl.yaml`` demands it, signed it with one of their listed keys.
Merges are understood; squash merges that folded several acts together are named as such.

Findings are data (:class:`Finding`); nothing here prints.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sobctl.errors import Refused, SobError
from sobctl.i18n import _
from sobctl.model.entities import ProgramStatus, Role
from sobctl.model.ids import parse_hsa_id
from sobctl.repo import git
from sobctl.repo.trailers import one_line, parse_trailers, reason_of
from sobctl.repo.workspace import Workspace, load_workspace, load_workspace_from_files

#: Trailers every act carries.
COMMON_TRAILERS = ("Sob-Action", "Sob-Actor", "Sob-Date")
#: Trailers that may appear more than once in one commit (none yet: each names one thing).
REPEATABLE: frozenset[str] = frozenset()
_SOB_ACTION_LINE = re.compile(r"^\s*(?:[-*]\s+)?Sob-Action:", re.MULTILINE)


@dataclass(frozen=True)
class Finding:
    code: str
    commit: str
    subject: str
    message: str
    path: str | None = None
    hint: str | None = None

    @property
    def short(self) -> str:
        return self.commit[:10]

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "commit": self.commit, "subject": self.subject, "message": self.message,
                "path": self.path, "hint": self.hint}


@dataclass
class AuditResult:
    revision_range: str
    checked: int = 0
    skipped: int = 0
    findings: list[Finding] = field(default_factory=list)


class _Commit:
    """Collects the findings of one commit."""

    def __init__(self, info: git.CommitInfo, result: AuditResult) -> None:
        self.info = info
        self.result = result

    def find(self, code: str, message: str, path: str | None = None, hint: str | None = None) -> None:
        self.result.findings.append(Finding(code, self.info.commit, self.info.subject, message, path, hint))


def verify(root: Path, revision_range: str = "HEAD") -> AuditResult:
    """Verify each commit of ``revision_range`` (``BASE..HEAD``, or one revision for its whole history)."""
    from sobctl.ops.replay import load_all

    load_all()
    if git.is_shallow(root):
        raise Refused(_("this clone is shallow: the oldest commits have lost their parents and cannot be verified"),
                      rule="shallow", hint=_("git fetch --unshallow (in CI: actions/checkout with fetch-depth: 0)"))
    result = AuditResult(revision_range)
    for commit in git.commits(root, revision_range):
        info = git.commit_info(root, commit)
        _verify_commit(root, info, result)
    return result


def _verify_commit(root: Path, info: git.CommitInfo, result: AuditResult) -> None:
    check = _Commit(info, result)
    if not info.parents:
        # The first commit (sobctl init, or the import of an existing administration) is the trust anchor.
        result.skipped += 1
        return
    if len(info.parents) > 1:
        result.checked += 1
        _verify_merge(root, check)
        return
    parent = info.parents[0]
    changed = git.changed_paths(root, parent, info.commit)
    trailers = parse_trailers(info.message)
    has_action = any(key == "Sob-Action" for key, _ in trailers)
    if not has_action and not any(git.is_content_path(p) for p in changed):
        result.skipped += 1
        return
    result.checked += 1
    if len(_SOB_ACTION_LINE.findall(info.message)) > 1 or (
            not has_action and _SOB_ACTION_LINE.search(info.message)):
        check.find("AUD012", _("a squash merge folded several sobctl acts into one commit; their trailers are no "
                   "longer the commit's own, so the acts cannot be verified"),
                   hint=_("merge pull requests with a merge commit or rebase-merge, never squash"))
        return
    if not has_action:
        _verify_plain_edit(root, check, parent, changed)
        return
    _verify_act(root, check, parent, changed, trailers)


# --- acts -------------------------------------------------------------------------------------


def _verify_act(root: Path, check: _Commit, parent: str, changed: list[str], pairs: list[tuple[str, str]]) -> None:
    from sobctl.ops.replay import REPLAYERS
    from sobctl.ops.session import Session

    trailers: dict[str, str] = {}
    for key, value in pairs:
        if key in trailers and key not in REPEATABLE:
            check.find("AUD002", _("trailer {key} appears more than once").format(key=key))
            return
        trailers[key] = value
    missing = [key for key in COMMON_TRAILERS if not trailers.get(key)]
    if missing:
        check.find("AUD002", _("required trailer(s) missing: {trailers}").format(trailers=", ".join(missing)))
        return
    action = trailers["Sob-Action"]
    if action not in REPLAYERS:
        check.find("AUD002", _("unknown Sob-Action '{action}'").format(action=action),
                   hint=_("known actions: {actions}").format(actions=", ".join(sorted(REPLAYERS))))
        return
    try:
        actor_id = parse_hsa_id(trailers["Sob-Actor"])
    except ValueError as exc:
        check.find("AUD002", f"Sob-Actor: {exc}")
        return
    try:
        today = dt.date.fromisoformat(trailers["Sob-Date"])
    except ValueError:
        check.find("AUD002", _("Sob-Date '{value}' is not a date (YYYY-MM-DD)").format(value=trailers["Sob-Date"]))
        return
    authored = _author_day(check.info.author_date)
    if today > authored + dt.timedelta(days=1):
        check.find("AUD014", _("Sob-Date {date} is later than the commit, authored {authored}").format(
            date=today, authored=authored))
    previous = dict(parse_trailers(git.commit_info(root, parent).message)).get("Sob-Date", "")
    if previous[:10] > trailers["Sob-Date"][:10] and _is_date(previous):
        check.find("AUD015", _("Sob-Date {date} is earlier than {previous}, the date of the act before it").format(
            date=today, previous=previous))
    with tempfile.TemporaryDirectory(prefix="sobctl-audit-") as scratch:
        tree = Path(scratch)
        git.materialise(root, parent, tree)
        workspace = load_workspace(tree)
        actor = workspace.people.get(actor_id)
        if actor is None:
            check.find("AUD008", _("Sob-Actor {actor} is not a person in roles/ at the parent commit").format(
                actor=actor_id))
            return
        _check_author(check, workspace, actor_id)
        _check_signature(root, check, workspace, actor_id)
        session = Session(root=tree, workspace=workspace, today=today, email=check.info.author_email, actor=actor)
        try:
            act = REPLAYERS[action](session, trailers, reason_of(check.info.message))
        except KeyError as exc:
            check.find("AUD002", _("trailer {key} that '{action}' needs is missing").format(
                key=exc.args[0], action=action))
            return
        except Refused as exc:
            if (exc.rule or "").startswith("role:"):
                check.find("AUD007", _("{action} by {actor}: {reason}").format(
                    action=action, actor=actor_id, reason=exc.message))
            else:
                check.find("AUD003", _("replaying {action} on the parent was refused: {reason}").format(
                    action=action, reason=exc.message))
            return
        except SobError as exc:
            check.find("AUD003", _("replaying {action} on the parent failed: {reason}").format(
                action=action, reason=exc.message))
            return
        except (ValueError, TypeError) as exc:
            check.find("AUD002", _("a trailer's value is not what '{action}' takes: {problem}").format(
                action=action, problem=exc))
            return
        if act.already is not None:
            check.find("AUD003", _("replaying {action} on the parent changes nothing: {reason}").format(
                action=action, reason=act.already))
            return
        _compare_trailers(check, act.trailers, trailers)
        _compare(root, check, parent, changed, {c.path: c.after for c in act.changes})


def _compare_trailers(check: _Commit, written: list[tuple[str, str]], found: dict[str, str]) -> None:
    """The act records its arguments in trailers: each must say what the commit says (none added or dropped)."""
    expected = {key: one_line(value) for key, value in written if one_line(value)}
    for key in sorted(set(expected) | set(found)):
        if expected.get(key) != found.get(key):
            if key not in found:
                check.find("AUD002", _("trailer {key} is missing (the act records '{expected}')").format(
                    key=key, expected=expected[key]))
            elif key not in expected:
                check.find("AUD002", _("trailer {key}: '{found}' is not one the act records").format(
                    key=key, found=found[key]))
            else:
                check.find("AUD002", _("trailer {key} says '{found}' but the act records '{expected}'").format(
                    key=key, found=found[key], expected=expected[key]))


def _compare(root: Path, check: _Commit, parent: str, changed: list[str], expected: dict[str, bytes | None]) -> None:
    for path in sorted(set(changed) - set(expected)):
        check.find("AUD004", _("{path} is changed but the act does not change it").format(path=path), path=path,
                   hint=_("each act is its own commit; other edits go in commits of their own"))
    for path in sorted(set(expected) - set(changed)):
        check.find("AUD005", _("the act changes {path} but the commit does not").format(path=path), path=path)
    for path in sorted(set(expected) & set(changed)):
        actual = git.show_file(root, check.info.commit, path)
        wanted = expected[path]
        if actual == wanted:
            continue
        if actual is None or wanted is None:
            message = (_("the commit deletes {path}, unlike the act") if actual is None
                       else _("the commit keeps {path}, unlike the act"))
            check.find("AUD006", message.format(path=path), path=path)
            continue
        check.find("AUD006", _("{path} differs from what the act writes: {difference}").format(
            path=path, difference=_first_difference(wanted, actual)), path=path)


def _first_difference(wanted: bytes, actual: bytes) -> str:
    a = wanted.decode("utf-8", "replace").splitlines()
    b = actual.decode("utf-8", "replace").splitlines()
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    parts: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag in ("insert", "replace"):
            parts.extend(_("line {number} '{text}' is extra").format(number=j + 1, text=b[j].strip())
                         if tag == "insert" else
                         _("line {number} '{text}' should be '{wanted}'").format(
                             number=j + 1, text=b[j].strip(), wanted=a[i1].strip() if i1 < i2 else "")
                         for j in range(j1, min(j2, j1 + 3)))
        else:
            parts.extend(_("line '{text}' is missing (after line {number})").format(text=a[i].strip(), number=j1)
                         for i in range(i1, min(i2, i1 + 3)))
        if len(parts) >= 3:
            break
    return "; ".join(parts[:3]) or _("bytes differ (line endings or encoding)")


def _check_author(check: _Commit, workspace: Workspace, actor_id: str) -> None:
    person = workspace.people[actor_id]
    if check.info.author_email.lower() not in {e.lower() for e in person.emails}:
        check.find("AUD009", _("author e-mail {email} is not one of {name}'s ({actor}) e-mails in roles/").format(
                       email=check.info.author_email, name=person.name, actor=actor_id), path=f"roles/{actor_id}.yaml",
                   hint=_("commit as yourself (git config user.email) or add the e-mail with sobctl person"))


def _check_signature(root: Path, check: _Commit, workspace: Workspace, actor_id: str) -> None:
    config = workspace.config
    if config is None or not config.policy.require_signed_commits:
        return
    person = workspace.people[actor_id]
    ssh_keys = [k.key.strip() for k in person.signing_keys if k.type == "ssh"]
    gpg_keys = [k.key.replace(" ", "").upper() for k in person.signing_keys if k.type == "gpg"]
    with tempfile.TemporaryDirectory(prefix="sobctl-signers-") as scratch:
        signers = Path(scratch) / "allowed_signers"
        principals = ",".join(person.emails) or actor_id
        from sobctl.repo.files import atomic_write

        atomic_write(signers, "".join(f"{principals} {key}\n" for key in ssh_keys).encode())
        env = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "gpg.ssh.allowedSignersFile",
               "GIT_CONFIG_VALUE_0": str(signers)}
        info = git.commit_info(root, check.info.commit, env=env)
    status = info.signature_status
    if status == "N":
        check.find("AUD010", _("the commit is not signed, and sobctl.yaml requires signed commits"),
                   hint=_("sign with git commit -S (sobctl acts sign by themselves under this policy)"))
        return
    if status in ("B", "E", "X", "Y", "R") and not (status == "E" and info.signing_key):
        check.find("AUD010", _("the commit's signature is not good (git %G?: {status})").format(status=status))
        return
    fingerprint = info.signing_fingerprint.replace(" ", "").upper()
    key_id = info.signing_key.replace(" ", "").upper()
    gpg_match = any(k and (k == fingerprint or (key_id and k.endswith(key_id))) for k in gpg_keys)
    ssh_match = status == "G" and bool(ssh_keys) and info.signing_fingerprint.startswith("SHA256:")
    if not (gpg_match and status in ("G", "U")) and not ssh_match:
        check.find("AUD011", _("signed with key {key} that is not listed in the signing_keys of {actor}").format(
                       key=info.signing_fingerprint or info.signing_key or "?", actor=actor_id),
                   path=f"roles/{actor_id}.yaml")


# --- plain edits ------------------------------------------------------------------------------


def _verify_plain_edit(root: Path, check: _Commit, parent: str, changed: list[str]) -> None:
    """A commit without trailers: allowed only as a designer's edit of programs that stay drafts.

    One that changes several content files in ways no plain edit may is most likely a squash merge
    of several acts (which drops their trailers), and is reported as such.
    """
    content = [p for p in changed if git.is_content_path(p)]
    problems = _plain_edit_problems(root, check, parent, content)
    if len(content) > 1 and any(code == "AUD001" for code, _, _ in problems):
        check.find("AUD012", _("changes {count} content files ({files}) without sobctl trailers: a squash merge of "
                               "several acts (or hand edits) that cannot be verified").format(
                       count=len(content), files=", ".join(content[:4]) + (", …" if len(content) > 4 else "")),
                   hint=_("merge pull requests with a merge commit or rebase-merge, never squash; "
                          "make every change with the sobctl command that records it"))
        return
    for code, message, path in problems:
        check.find(code, message, path=path, hint=_("make the change with the sobctl command that records it"))


def _plain_edit_problems(root: Path, check: _Commit, parent: str,
                         content: list[str]) -> list[tuple[str, str, str | None]]:
    problems: list[tuple[str, str, str | None]] = []
    outside = [p for p in content if not p.startswith("catalogue/")]
    for path in outside:
        problems.append(("AUD001", _("changes {path} without sobctl trailers; only drafts in catalogue/ may be "
                                     "edited by hand").format(path=path), path))
    inside = [p for p in content if p.startswith("catalogue/")]
    if not inside:
        return problems
    before = load_workspace_from_files(git.tree_files(root, parent))
    after = load_workspace_from_files(git.tree_files(root, check.info.commit))
    author = before.person_by_email.get(check.info.author_email.lower())
    day = _author_day(check.info.author_date)
    if author is not None:
        _check_signature(root, check, before, author.hsa_id)
    for path in inside:
        pid = path.split("/", 1)[1].removesuffix(".yaml")
        old, new = before.programs.get(pid), after.programs.get(pid)
        if old is None or new is None or old.status is not ProgramStatus.DRAFT or new.status is not ProgramStatus.DRAFT:
            problems.append(("AUD001", _("{path} is changed without sobctl trailers but the program is not a draft "
                                         "before and after the change").format(path=path), path))
        elif author is None:
            problems.append(("AUD008", _("plain edit of {program} by {email}, who is not a person in roles/ at the "
                                         "parent commit").format(program=pid, email=check.info.author_email), path))
        elif not before.holds(author.hsa_id, Role.DESIGNER, old.publishing_unit, day):
            problems.append(("AUD007", _("{name} ({person}) edited draft {program} without holding designer at "
                                         "{unit}").format(name=author.name, person=author.hsa_id, program=pid,
                                                          unit=old.publishing_unit), path))
    return problems


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _author_day(iso: str) -> dt.date:
    try:
        return dt.datetime.fromisoformat(iso).date()
    except ValueError:
        return dt.date.today()


# --- merges -----------------------------------------------------------------------------------


def _verify_merge(root: Path, check: _Commit) -> None:
    """A merge is fine when every file comes from one of its parents (the merged commits are verified
    on their own); a file matching neither parent is a change the merge made itself."""
    merged = git.tree_files(root, check.info.commit)
    sides = [git.tree_files(root, parent) for parent in check.info.parents]
    for path in sorted(set(merged).union(*sides)):
        if all(side.get(path) != merged.get(path) for side in sides):
            check.find("AUD013", _("the merge itself changes {path} (it matches neither parent)").format(path=path),
                       path=path,
                       hint=_("resolve by rebasing the branch and re-running the sobctl commands, not by hand"))
