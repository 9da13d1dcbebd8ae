"""Review and CI commands: ``diff`` (the change in administration terms), ``audit verify``
(the history is what sobctl wrote, by people holding the role) and ``init`` (a new region)."""

from pathlib import Path
from typing import Annotated, Any

import typer

from sobctl.cli.app import app
from sobctl.cli.common import RepoOption, err, find_repo, out
from sobctl.errors import ExitCode
from sobctl.i18n import _

audit_app = typer.Typer(help="Verify the repository's history.", no_args_is_help=True)
app.add_typer(audit_app, name="audit", rich_help_panel="Review and CI")


def _split_range(revision_range: str) -> tuple[str, str]:
    from sobctl.errors import UsageError

    if "..." in revision_range or revision_range.count("..") != 1:
        raise UsageError(_("'{range}' is not BASE..HEAD (two revisions joined by '..')").format(range=revision_range))
    base, head = revision_range.split("..")
    return base or "HEAD", head or "HEAD"


@app.command(rich_help_panel="Review and CI")
def diff(
    revision_range: Annotated[str, typer.Argument(metavar="BASE..HEAD", help="Two revisions, e.g. origin/main..HEAD.")],
    output_format: Annotated[str, typer.Option("--format", "-f", help="text | markdown | json")] = "text",
    repo: RepoOption = None,
) -> None:
    """Show what a range of commits changes in administration terms: programs and their lifecycle,
    versions, content per module and step, copyright, activations per unit, units, roles, agreements.

    The markdown is made for a pull-request comment. The same commits always give the same bytes.

    Examples: sobctl diff main..HEAD · sobctl diff origin/main..HEAD --format markdown > summary.md
    """
    from sobctl.errors import UsageError
    from sobctl.ops.semantic_diff import compare
    from sobctl.render.diff import RENDERERS
    from sobctl.repo import cache, git
    from sobctl.repo.workspace import load_workspace_from_blobs

    if output_format not in RENDERERS:
        raise UsageError(_("{option}: '{value}' is not one of {choices}").format(
            option="--format", value=output_format, choices=", ".join(RENDERERS)))
    root = git.require_repository(find_repo(repo))
    base_ref, head_ref = _split_range(revision_range)
    base, head = git.resolve(root, base_ref), git.resolve(root, head_ref)
    parsed: dict[tuple[str, str], Any] = {}  # files both revisions share are loaded once
    stored = cache.parse_store(root)  # documents validate has parsed before need no reading

    def read(blobs: list[str]) -> list[bytes]:
        return git.read_blobs(root, blobs)

    try:
        before = load_workspace_from_blobs(git.tree_blobs(root, base), read, root, parsed, stored)
        after = load_workspace_from_blobs(git.tree_blobs(root, head), read, root, parsed, stored)
    finally:
        if stored is not None:
            stored.close()
    from sobctl import lifetime

    lifetime.keep((before, after, parsed))
    for name, workspace in (("BASE", before), ("HEAD", after)):
        if workspace.load_diagnostics:
            err(_("warning: {n} file problem(s) at {revision}; those files are left out "
                  "(run sobctl validate)").format(n=len(workspace.load_diagnostics), revision=name))
    out(RENDERERS[output_format](compare(before, after, base=base, head=head)))


@audit_app.command("verify")
def audit_verify(
    revision_range: Annotated[
        str | None, typer.Argument(metavar="[BASE..HEAD]", help="Commits to verify (default: all of HEAD's history).")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text | json | github | sarif")] = "text",
    repo: RepoOption = None,
) -> None:
    """Verify every commit that touches content: its trailers, that replaying its act on the parent
    gives exactly its changes, that the actor held the role, wrote it (author e-mail) and, where
    sobctl.yaml demands it, signed it with a listed key. Exit 1 when anything fails.

    Examples: sobctl audit verify · sobctl audit verify origin/main..HEAD --format github
    """
    from sobctl.errors import UsageError
    from sobctl.ops.audit import verify
    from sobctl.render.audit import RENDERERS
    from sobctl.repo import git

    if output_format not in RENDERERS:
        raise UsageError(_("{option}: '{value}' is not one of {choices}").format(
            option="--format", value=output_format, choices=", ".join(RENDERERS)))
    root = git.require_repository(find_repo(repo))
    if revision_range is not None and ".." in revision_range:
        _split_range(revision_range)
    result = verify(root, revision_range or "HEAD")
    out(RENDERERS[output_format](result))
    err(_("{checked} commit(s) checked, {findings} finding(s)").format(
        checked=result.checked, findings=len(result.findings)))
    raise typer.Exit(ExitCode.FINDINGS if result.findings else ExitCode.OK)


@app.command(rich_help_panel="Review and CI")
def init(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="An empty or new folder.")],
    region_name: Annotated[str, typer.Option("--region-name", help="The care provider's name, e.g. 'Region X'.")],
    hsa_id: Annotated[str, typer.Option("--hsa-id", help="The care provider's HSA-id.")],
    orgnr: Annotated[str, typer.Option("--orgnr", help="The care provider's organisation number (NNNNNN-NNNN).")],
    admin: Annotated[
        list[str] | None,
        typer.Option("--admin", metavar="HSA_ID", help="A founding care-provider administrator (repeat: two are "
                     "needed, they grant each other the role; the first is also the contact person)."),
    ] = None,
    admin_name: Annotated[
        list[str] | None, typer.Option("--admin-name", help="Each administrator's name, in order.")
    ] = None,
    admin_email: Annotated[
        list[str] | None, typer.Option("--admin-email", help="Each administrator's e-mail, in order.")
    ] = None,
    hooks_repo: Annotated[
        str, typer.Option("--pre-commit-repo", metavar="URL",
                          help="Where pre-commit gets the sobctl hook; 'local' runs the sobctl installed here.")
    ] = "local",
    hooks_rev: Annotated[
        str | None, typer.Option("--pre-commit-rev", metavar="REV", help="Tag or commit of --pre-commit-repo.")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", metavar="DATE", help="Take DATE as today (dates written).")
    ] = None,
) -> None:
    """Create a new region repository: sobctl.yaml, the content folders, schemas/, CI for GitHub
    and GitLab, a pre-commit configuration and CODEOWNERS, as its first commit.

    Example: sobctl init region-x --region-name 'Region X' --hsa-id SE2321000016-0000
    --orgnr 232100-0016 --admin SE2321000016-P001 --admin-name 'Anna L' --admin-email anna@x.se
    --admin SE2321000016-P002 --admin-name 'Bo K' --admin-email bo@x.se
    """
    from sobctl import __version__
    from sobctl.cli.common import parse_date
    from sobctl.ops.init import create_region

    admins = admin or []
    commit = create_region(directory, region_name=region_name, hsa_id=hsa_id, orgnr=orgnr, admins=admins,
                           admin_names=admin_name or [], admin_emails=admin_email or [], today=parse_date(as_of),
                           hooks_repo=hooks_repo, hooks_rev=hooks_rev or f"v{__version__}")
    if len(admins) < 2:
        err(_("warning: a region needs two care-provider administrators who grant each other the role; "
              "until then sobctl validate reports it (pass --admin twice)"))
    err(_("created region repository {path} [{commit}]").format(path=directory, commit=commit[:12]) + "\n  "
        + _("next: replace the team placeholders in .github/CODEOWNERS, push, and protect the main branch"))


@audit_app.command("codes")
def audit_codes(
    output_format: Annotated[str, typer.Option("--format", "-f", help="text | json")] = "text",
) -> None:
    """List every code audit verify can report, with a one-line description."""
    import json

    from sobctl.model.audit_codes import AUDIT_CODES

    if output_format == "json":
        out(json.dumps([{"code": c.code, "name": c.name, "description": c.description}
                        for c in AUDIT_CODES.values()], indent=2) + "\n")
        return
    out("".join(f"{c.code}  {c.name:<20} {c.description}\n" for c in AUDIT_CODES.values()))
