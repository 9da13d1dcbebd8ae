"""Program lifecycle, versions, copyright waivers and agreements: ``sobctl program|waiver|agreement``."""

from typing import Annotated, Any

import typer

from sobctl.cli.acts import DecisionOption, DryRunOption, ReasonOption, SignOption, run_act
from sobctl.cli.app import app
from sobctl.cli.common import AsOfOption, RepoOption, err, find_repo, out, parse_date
from sobctl.i18n import N_, _

program_app = typer.Typer(
    help="Programs through their lifecycle: draft → in-review → published → deprecated → retired, "
    "with MAJOR.MINOR versions and approvals bound to the content.",
    no_args_is_help=True,
)
waiver_app = typer.Typer(help="Copyright records of programs (waivers, assignments, licences).", no_args_is_help=True)
agreement_app = typer.Typer(help="Agreements: content providers, care, customer, inter-regional.",
                            no_args_is_help=True)
app.add_typer(program_app, name="program", rich_help_panel="Programs")
app.add_typer(waiver_app, name="waiver", rich_help_panel="Programs")
app.add_typer(agreement_app, name="agreement", rich_help_panel="Administration")

ProgramArg = Annotated[str, typer.Argument(help="Program id, e.g. kbt-depression.")]
AgreementArg = Annotated[str, typer.Argument(help="Agreement id, e.g. avtal-2024-kbtforlaget.")]


# --- program ----------------------------------------------------------------------------------------


@program_app.command("new")
def program_new(
    program: ProgramArg,
    title: Annotated[str, typer.Option("--title", help="The title residents see.")],
    kind: Annotated[str, typer.Option("--kind", help="treatment | support | education | self-assessment")],
    area: Annotated[str, typer.Option("--area", help="adhd | early-interventions | anxiety-depression | "
                                      "schizophrenia | self-harm | addiction")],
    publishing_unit: Annotated[str, typer.Option("--publishing-unit", metavar="HSA-ID",
                                                 help="The publishing unit (utgivarenhet) that builds it.")],
    target_group: Annotated[str, typer.Option("--target-group", help="Who the program is for.")],
    owning_unit: Annotated[str | None, typer.Option("--owning-unit", metavar="HSA-ID",
                                                    help="The unit that owns it (default: the publishing unit).")]
    = None,
    producer: Annotated[str, typer.Option("--producer", help="own | national | external | region")] = "own",
    producer_agreement: Annotated[str | None, typer.Option(
        "--producer-agreement", metavar="ID", help="The agreement the content is produced under.")] = None,
    note: Annotated[str, typer.Option("--note", help="Note of the first version.")] = "First version.",
    reason: ReasonOption = None,
    decision: DecisionOption = None,
    dry_run: DryRunOption = False,
    sign: SignOption = False,
    repo: RepoOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Create PROGRAM as a draft at version 1.0 (designer at the publishing unit).

    Version 1.0: the first version units run is major 1. Add the content (modules → sections →
    steps) by editing catalogue/PROGRAM.yaml, then ask a publisher to submit it.

    Example: sobctl program new kbt-somn --title "KBT vid sömnproblem" --kind treatment
    --area anxiety-depression --target-group "Vuxna med sömnproblem" --publishing-unit SE2321000016-U100
    """
    from sobctl.ops.programs import new_program

    run_act(repo, as_of, lambda s: new_program(
        s, program, title=title, kind=kind, area=area, target_group=target_group, publishing_unit=publishing_unit,
        owning_unit=owning_unit, producer=producer, producer_agreement=producer_agreement, note=note,
        decision=decision, reason=reason), dry_run=dry_run, sign=sign)


def _transition(name: str, doc: str) -> None:
    def command(
        program: ProgramArg,
        reason: ReasonOption = None,
        decision: DecisionOption = None,
        dry_run: DryRunOption = False,
        sign: SignOption = False,
        repo: RepoOption = None,
        as_of: AsOfOption = None,
    ) -> None:
        from sobctl.ops import programs as ops

        operation = getattr(ops, name)
        run_act(repo, as_of, lambda s: operation(s, program, decision=decision, reason=reason),
                dry_run=dry_run, sign=sign)

    command.__doc__ = doc
    program_app.command(name)(command)


_transition("submit", N_("Send the draft PROGRAM for review: draft → in-review (utgivare at the publishing unit)."))


@program_app.command("publish")
def program_publish(
    program: ProgramArg,
    reason: ReasonOption = None,
    decision: DecisionOption = None,
    dry_run: DryRunOption = False,
    sign: SignOption = False,
    repo: RepoOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Publish PROGRAM's current version: in-review → published (utgivare).

    Needs approvals of exactly the current content (utgivare; for a treatment program also
    medicinskt-ansvarig or verksamhetschef), complete copyright records, the producer agreement
    in force, a risk analysis, and a MAJOR version when the structure changed. Units running
    an older major are then reported (SOB304) until sobctl assign re-activates them.
    """
    from sobctl.ops.programs import publish, units_behind
    from sobctl.ops.session import open_session

    run_act(repo, as_of, lambda s: publish(s, program, decision=decision, reason=reason), dry_run=dry_run, sign=sign)
    if dry_run:
        return
    with open_session(find_repo(repo), parse_date(as_of), lock=False) as session:
        behind = units_behind(session, program)
    for unit_id, major in behind:
        err(_("{unit} runs {program} at major {major}: re-activate it with {command}").format(
            unit=unit_id, program=program, major=major,
            command=f"sobctl assign {program} {unit_id} --approved-by PERSON"))
_transition("deprecate",
            N_("Deprecate PROGRAM: published → deprecated. Units keep it; no new unit gets it (utgivare)."))
_transition("retire", N_("""Retire PROGRAM: deprecated → retired (utgivare).

Refused while any unit still runs it; a draft that was never published may be retired directly."""))


@program_app.command("approve")
def program_approve(
    program: ProgramArg,
    role: Annotated[str | None, typer.Option(
        "--role", help="Approve as utgivare, medicinskt-ansvarig or verksamhetschef (default: the first you hold).")]
    = None,
    reason: ReasonOption = None,
    decision: DecisionOption = None,
    dry_run: DryRunOption = False,
    sign: SignOption = False,
    repo: RepoOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Approve the current content of PROGRAM (in review), bound to its fingerprint.

    The utgivare of the publishing unit approves as utgivare; a treatment program also needs
    medicinskt-ansvarig or verksamhetschef held at its owning or publishing unit (or a unit
    above). Any later change of the content makes the approval stale.
    """
    from sobctl.ops.programs import approve

    run_act(repo, as_of, lambda s: approve(s, program, role=role, decision=decision, reason=reason),
            dry_run=dry_run, sign=sign)


@program_app.command("bump")
def program_bump(
    program: ProgramArg,
    note: Annotated[str, typer.Option("--note", help="What the new version changes.")],
    minor: Annotated[bool, typer.Option("--minor", help="Text changes that keep the structure.")] = False,
    major: Annotated[bool, typer.Option("--major", help="Modules, sections or steps added or removed, "
                                        "or kind/area changed: units must re-activate it.")] = False,
    reason: ReasonOption = None,
    decision: DecisionOption = None,
    dry_run: DryRunOption = False,
    sign: SignOption = False,
    repo: RepoOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Start the next version of a published PROGRAM (utgivare); it becomes a draft again.

    The published version keeps running on units until the new one is published.
    """
    from sobctl.errors import UsageError
    from sobctl.ops.programs import bump

    if minor == major:
        raise UsageError(_("say exactly one of --minor or --major"))
    run_act(repo, as_of, lambda s: bump(s, program, major=major, note=note, decision=decision, reason=reason),
            dry_run=dry_run, sign=sign)


@program_app.command("show")
def program_show(
    program: ProgramArg,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text | json")] = "text",
    repo: RepoOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Show PROGRAM: status, the version history with notes and approvals, and where it runs."""
    import json

    from sobctl.errors import UsageError
    from sobctl.ops.programs import describe
    from sobctl.ops.session import open_session

    if output_format not in ("text", "json"):
        raise UsageError(_("{option}: '{value}' is not one of {choices}").format(
            option="--format", value=output_format, choices="text, json"))
    with open_session(find_repo(repo), parse_date(as_of), lock=False) as session:
        data = describe(session, program)
    if output_format == "json":
        out(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    out(_show_text(data))


#: What an approval covers (``describe``'s JSON values), as ``program show`` says it.
COVERS = {"published content": N_("published content"), "current content": N_("current content"),
          "other content (stale)": N_("other content (stale)")}


def _show_text(data: dict[str, Any]) -> str:
    status = (_("status {status}, version {version}, units run {published}") if data["published_version"]
              else _("status {status}, version {version}, never published"))
    lines = [
        f"{data['id']}: {data['title']}",
        "  " + status.format(status=data["status"], version=data["version"], published=data["published_version"]),
        "  " + _("{kind}, area {area}; publishing unit {unit}, owning unit {owning_unit}").format(
            kind=data["kind"], area=data["area"], unit=data["publishing_unit"], owning_unit=data["owning_unit"]),
        "  " + _("responsible publisher: {person}").format(person=data["responsible_publisher"] or "-"),
        "  " + _("content fingerprint: {fingerprint}").format(fingerprint=data["fingerprint"]),
        "  " + _("runs on: {units}").format(units=", ".join(data["units"]) or "-"),
        "",
        _("history:"),
    ]
    for entry in reversed(data["history"]):
        state = _("published {date}").format(date=entry["published"]) if entry["published"] else _("not published")
        if entry["published"] and entry["content_matches"] is False and entry["version"] == data["version"]:
            state += " " + _("(content changed since!)")
        lines.append(f"  {entry['version']:<6} {entry['date']}  {state}")
        lines.append(f"         {entry['note']}")
        for approval in entry["approvals"]:
            who = f"{approval['by']}" + (f" ({approval['name']})" if approval["name"] else "")
            covers = approval["covers"]
            lines.append("         " + _("approved by {person} as {role} on {date}: {covers}").format(
                person=who, role=approval["role"], date=approval["at"], covers=_(COVERS[covers])))
        if not entry["approvals"]:
            lines.append("         " + _("no approvals"))
    return "\n".join(lines) + "\n"


# --- waiver -----------------------------------------------------------------------------------------


@waiver_app.command("add")
def waiver_add(
    program: ProgramArg,
    contributor: Annotated[str, typer.Option("--contributor", metavar="NAME", help="The contributor's name.")],
    role: Annotated[str, typer.Option("--role", help="What they contributed: author, illustrator, narrator, …")],
    kind: Annotated[str, typer.Option("--kind", help="waiver | assignment | licence")],
    document: Annotated[str, typer.Option("--document", metavar="REF", help="The signed document's reference.")],
    date: Annotated[str, typer.Option("--date", metavar="DATE", help="The document's date (YYYY-MM-DD).")],
    expires: Annotated[str | None, typer.Option("--expires", metavar="DATE", help="When the record ends.")] = None,
    reason: ReasonOption = None,
    dry_run: DryRunOption = False,
    sign: SignOption = False,
    repo: RepoOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Record a copyright waiver, assignment or licence of a contributor of PROGRAM.

    Adds the contributor when new. Designer or utgivare of the program's publishing unit.

    Example: sobctl waiver add kbt-depression --contributor "Lena Ahlgren" --role author
    --kind waiver --document "RS 2026/0912" --date 2026-11-20
    """
    from sobctl.ops.copyright import waiver_add as add

    record_date = parse_date(date, "--date")
    expiry = parse_date(expires, "--expires") if expires is not None else None
    run_act(repo, as_of, lambda s: add(s, program, contributor=contributor, role=role, kind=kind, document=document,
                                       date=record_date, expires=expiry, reason=reason), dry_run=dry_run, sign=sign)


@waiver_app.command("check")
def waiver_check(
    program: Annotated[str | None, typer.Argument(help="One program (default: every program not retired).")] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text | json | github | sarif | junit")]
    = "text",
    strict: Annotated[bool, typer.Option("--strict", help="Warnings (records expiring soon) fail too.")] = False,
    repo: RepoOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Check the copyright records of programs: every contributor needs a record in force, every
    third-party asset a valid SPDX licence expression or an agreement in force.

    Exit 1 on gaps or expired records; records expiring within policy.copyright_warning_days warn.
    """
    from sobctl.errors import ExitCode, UsageError
    from sobctl.ops.copyright import waiver_check as check
    from sobctl.render.diagnostics import RENDERERS

    if output_format not in RENDERERS:
        raise UsageError(_("{option}: '{value}' is not one of {choices}").format(
            option="--format", value=output_format, choices=", ".join(RENDERERS)))
    diagnostics, summary = check(find_repo(repo), parse_date(as_of), program)
    out(RENDERERS[output_format](diagnostics, summary))
    failed = summary.errors > 0 or (strict and summary.warnings > 0)
    raise typer.Exit(ExitCode.FINDINGS if failed else ExitCode.OK)


# --- agreement --------------------------------------------------------------------------------------


@agreement_app.command("add")
def agreement_add(
    agreement: AgreementArg,
    kind: Annotated[str, typer.Option("--kind", help="content-provider | care | customer | inter-regional")],
    title: Annotated[str, typer.Option("--title", help="What the agreement is.")],
    counterparty: Annotated[str, typer.Option("--counterparty", metavar="NAME", help="The other party's name.")],
    orgnr: Annotated[str, typer.Option("--orgnr", help="The other party's organisation number.")],
    valid_from: Annotated[str, typer.Option("--valid-from", metavar="DATE")],
    valid_to: Annotated[str | None, typer.Option("--valid-to", metavar="DATE")] = None,
    programs: Annotated[list[str] | None, typer.Option("--program", metavar="P", help="A program it covers.")]
    = None,
    areas: Annotated[list[str] | None, typer.Option("--area", metavar="A", help="An area it covers.")] = None,
    contact: Annotated[str | None, typer.Option("--contact", metavar="PERSON", help="HSA-id of our contact.")]
    = None,
    reason: ReasonOption = None,
    dry_run: DryRunOption = False,
    sign: SignOption = False,
    repo: RepoOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Record a new agreement (vardgivaradministrator).

    Example: sobctl agreement add avtal-2026-kbtforlaget --kind content-provider --title "Innehåll KBT"
    --counterparty "KBT-förlaget AB" --orgnr 556036-0793 --valid-from 2026-01-01 --valid-to 2028-12-31
    --program kbt-panik
    """
    from sobctl.ops.agreements import add

    start = parse_date(valid_from, "--valid-from")
    stop = parse_date(valid_to, "--valid-to") if valid_to is not None else None
    run_act(repo, as_of, lambda s: add(s, agreement, kind=kind, title=title, counterparty=counterparty, orgnr=orgnr,
                                       valid_from=start, valid_to=stop, programs=programs, areas=areas,
                                       contact=contact, reason=reason), dry_run=dry_run, sign=sign)


@agreement_app.command("renew")
def agreement_renew(
    agreement: AgreementArg,
    valid_to: Annotated[str, typer.Option("--valid-to", metavar="DATE", help="The new last day.")],
    reason: ReasonOption = None,
    dry_run: DryRunOption = False,
    sign: SignOption = False,
    repo: RepoOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Extend an agreement to a later --valid-to (vardgivaradministrator)."""
    from sobctl.ops.agreements import renew

    stop = parse_date(valid_to, "--valid-to")
    run_act(repo, as_of, lambda s: renew(s, agreement, valid_to=stop, reason=reason), dry_run=dry_run, sign=sign)


@agreement_app.command("end")
def agreement_end(
    agreement: AgreementArg,
    date: Annotated[str | None, typer.Option("--date", metavar="DATE", help="Its last day (default: today).")]
    = None,
    reason: ReasonOption = None,
    dry_run: DryRunOption = False,
    sign: SignOption = False,
    repo: RepoOption = None,
    as_of: AsOfOption = None,
) -> None:
    """End an agreement (vardgivaradministrator). Refused (exit 3) while published programs or
    activations depend on it from that day: withdraw them first."""
    from sobctl.ops.agreements import end

    day = parse_date(date, "--date") if date is not None else None
    run_act(repo, as_of, lambda s: end(s, agreement, date=day, reason=reason), dry_run=dry_run, sign=sign)


@agreement_app.command("review")
def agreement_review(
    agreement: AgreementArg,
    reason: ReasonOption = None,
    dry_run: DryRunOption = False,
    sign: SignOption = False,
    repo: RepoOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Record today's yearly review of an agreement (vardgivaradministrator)."""
    from sobctl.ops.agreements import review

    run_act(repo, as_of, lambda s: review(s, agreement, reason=reason), dry_run=dry_run, sign=sign)

