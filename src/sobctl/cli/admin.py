"""Administration commands: units, program assignment, roles, people, and ``show``."""

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sobctl.cli.acts import DecisionOption, DryRunOption, ReasonOption, SignOption, early_probe, run_act
from sobctl.cli.app import app
from sobctl.cli.common import AsOfOption, RepoOption, find_repo, out, parse_date
from sobctl.errors import UsageError
from sobctl.i18n import N_, _

if TYPE_CHECKING:
    from sobctl.model.entities import Role
    from sobctl.ops.session import Session
    from sobctl.ops.transaction import Act
    from sobctl.repo.workspace import Workspace

unit_app = typer.Typer(help="Activate, deactivate and archive units (each a commit).", no_args_is_help=True)
role_app = typer.Typer(help="Grant, revoke and list roles.", no_args_is_help=True)
person_app = typer.Typer(help="Register people in roles/.", no_args_is_help=True)
show_app = typer.Typer(help="Show one unit, program or person.", no_args_is_help=True)
app.add_typer(unit_app, name="unit", rich_help_panel="Administration")
app.add_typer(role_app, name="role", rich_help_panel="Administration")
app.add_typer(person_app, name="person", rich_help_panel="Administration")
app.add_typer(show_app, name="show", rich_help_panel="Administration")

UnitArg = Annotated[str, typer.Argument(metavar="HSA_ID", help="HSA-id of the unit, e.g. SE2321000016-U200.")]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="text | json")]


def hsa_id(value: str, what: str) -> str:
    """An HSA-id from the command line, or a usage error saying what is wrong with it."""
    from sobctl.model.ids import parse_hsa_id

    try:
        return parse_hsa_id(value)
    except ValueError as exc:
        raise UsageError(_("{what}: {problem}").format(what=what, problem=exc)) from None


def program_id(value: str) -> str:
    from sobctl.model.ids import parse_slug

    try:
        return parse_slug(value)
    except ValueError as exc:
        raise UsageError(_("{what}: {problem}").format(what="PROGRAM", problem=exc)) from None


def role_name(value: str) -> "Role":
    from sobctl.model.entities import Role

    try:
        return Role(value)
    except ValueError:
        raise UsageError(_("ROLE: '{value}' is not a role; one of: {roles}").format(
            value=value, roles=", ".join(r.value for r in Role))) from None


def date_option(value: str | None, option: str) -> dt.date | None:
    return parse_date(value, option) if value is not None else None


# --- units ---------------------------------------------------------------------------------------


def _unit_act(verb: str, unit: str, reason: str | None, decision: str | None, dry_run: bool, sign: bool,
              repo: Any, as_of: str | None, withdraw_programs: bool = False) -> None:
    from sobctl.ops.units import change_status

    unit = hsa_id(unit, "HSA_ID")
    run_act(repo, as_of, lambda s: change_status(s, verb, unit, decision=decision, reason=reason,
                                                 withdraw_programs=withdraw_programs),
            dry_run=dry_run, sign=sign)


@unit_app.command("activate")
def unit_activate(unit: UnitArg, reason: ReasonOption = None, decision: DecisionOption = None,
                  dry_run: DryRunOption = False, sign: SignOption = False, repo: RepoOption = None,
                  as_of: AsOfOption = None) -> None:
    """Activate a unit in Stöd och behandling (inactive or deactivated → active), as one commit.

    Needs the role vardgivaradministrator and a unit whose HSA validity has not ended.

    Example: sobctl unit activate SE2321000016-U300 --decision "RS 2026/120" --reason "Opens in January"
    """
    _unit_act("activate", unit, reason, decision, dry_run, sign, repo, as_of)


@unit_app.command("deactivate")
def unit_deactivate(
    unit: UnitArg,
    withdraw_programs: Annotated[
        bool, typer.Option("--withdraw-programs", help="Also withdraw every program the unit runs, in the same commit.")
    ] = False,
    reason: ReasonOption = None, decision: DecisionOption = None, dry_run: DryRunOption = False,
    sign: SignOption = False, repo: RepoOption = None, as_of: AsOfOption = None,
) -> None:
    """Deactivate an active unit, as one commit.

    Needs the role vardgivaradministrator. A unit that still runs programs is refused unless
    --withdraw-programs is given, which removes its activations in the same commit.

    Example: sobctl unit deactivate SE2321000016-U200 --withdraw-programs --decision "RS 2026/130"
    """
    _unit_act("deactivate", unit, reason, decision, dry_run, sign, repo, as_of, withdraw_programs)


@unit_app.command("archive")
def unit_archive(unit: UnitArg, reason: ReasonOption = None, decision: DecisionOption = None,
                 dry_run: DryRunOption = False, sign: SignOption = False, repo: RepoOption = None,
                 as_of: AsOfOption = None) -> None:
    """Archive a deactivated unit (its file stays, as HSA keeps units forever), as one commit.

    Needs the role vardgivaradministrator and a deactivated unit.

    Example: sobctl unit archive SE2321000016-U300 --decision "RS 2026/140"
    """
    _unit_act("archive", unit, reason, decision, dry_run, sign, repo, as_of)


# --- programs on units -----------------------------------------------------------------------------


@app.command(rich_help_panel="Administration")
def assign(
    program: Annotated[str, typer.Argument(help="Program id, e.g. kbt-depression.")],
    unit: Annotated[str, typer.Argument(metavar="HSA_ID", help="HSA-id of an active unit.")],
    approved_by: Annotated[
        str,
        typer.Option("--approved-by", metavar="PERSON",
                     help="HSA-id of the medicinskt-ansvarig or verksamhetschef at the unit who approved it."),
    ],
    reason: ReasonOption = None,
    decision: DecisionOption = None,
    dry_run: DryRunOption = False,
    sign: SignOption = False,
    repo: RepoOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Activate PROGRAM on a unit (or re-activate it at a new major version), as one commit.

    Needs the role vardgivaradministrator, an active unit, a published program, an approver
    holding medicinskt-ansvarig or verksamhetschef at the unit, and for a private provider a
    care agreement in force covering the program's area.

    Example: sobctl assign kbt-depression SE2321000016-U200 --approved-by SE2321000016-P010
    --decision "RS 2026/114"
    """
    probe = early_probe(repo)
    try:
        program, unit = program_id(program), hsa_id(unit, "HSA_ID")
        approved_by = hsa_id(approved_by, "--approved-by")
    except BaseException:
        if probe is not None:
            probe.close()
        raise

    def build(session: "Session") -> "Act":
        # Imported here, once the act's look at the work tree is under way (see run_act).
        from sobctl.ops.units import assign as assign_op

        return assign_op(session, program, unit, approved_by=approved_by, decision=decision, reason=reason)

    run_act(repo, as_of, build, dry_run=dry_run, sign=sign, probe=probe)


@app.command(rich_help_panel="Administration")
def unassign(
    program: Annotated[str, typer.Argument(help="Program id, e.g. kbt-depression.")],
    unit: Annotated[str, typer.Argument(metavar="HSA_ID", help="HSA-id of the unit.")],
    reason: ReasonOption = None,
    decision: DecisionOption = None,
    dry_run: DryRunOption = False,
    sign: SignOption = False,
    repo: RepoOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Withdraw PROGRAM from a unit, as one commit (Git keeps the activation's history).

    Needs the role vardgivaradministrator.

    Example: sobctl unassign kbt-depression SE2321000016-U200 --decision "RS 2026/150"
    """
    from sobctl.ops.units import unassign as unassign_op

    program, unit = program_id(program), hsa_id(unit, "HSA_ID")
    run_act(repo, as_of, lambda s: unassign_op(s, program, unit, decision=decision, reason=reason),
            dry_run=dry_run, sign=sign)


# --- roles -------------------------------------------------------------------------------------------

RoleArg = Annotated[str, typer.Argument(metavar="ROLE", help="e.g. behorighetsadministrator, medicinskt-ansvarig.")]
PersonArg = Annotated[str, typer.Argument(metavar="PERSON", help="HSA-id of the person.")]
ScopeOption = Annotated[
    str, typer.Option("--scope", metavar="HSA_ID",
                      help="Where the role holds: the care provider for vardgivaradministrator and "
                      "kontaktperson, otherwise the unit.")
]


@role_app.command("grant")
def role_grant(
    role: RoleArg, person: PersonArg, scope: ScopeOption,
    valid_to: Annotated[str | None, typer.Option("--valid-to", metavar="DATE",
                                                 help="Last day the role holds (YYYY-MM-DD).")] = None,
    reason: ReasonOption = None, decision: DecisionOption = None, dry_run: DryRunOption = False,
    sign: SignOption = False, repo: RepoOption = None, as_of: AsOfOption = None,
) -> None:
    """Grant ROLE on a scope to PERSON from today, as one commit.

    A vardgivaradministrator grants vardgivaradministrator, kontaktperson and
    behorighetsadministrator; a unit's behorighetsadministrator grants its staff roles
    (medicinskt-ansvarig, verksamhetschef, behandlare, invanaradministrator,
    dataadministrator, designer, utgivare). Nobody grants roles to themselves.

    Example: sobctl role grant medicinskt-ansvarig SE2321000016-P011 --scope SE2321000016-U200
    --valid-to 2027-12-31 --decision "RS 2026/160"
    """
    from sobctl.ops.roles import grant

    chosen, who, where = role_name(role), hsa_id(person, "PERSON"), hsa_id(scope, "--scope")
    until = date_option(valid_to, "--valid-to")
    run_act(repo, as_of, lambda s: grant(s, chosen, who, where, valid_to=until, decision=decision, reason=reason),
            dry_run=dry_run, sign=sign)


@role_app.command("revoke")
def role_revoke(
    role: RoleArg, person: PersonArg, scope: ScopeOption,
    reason: ReasonOption = None, decision: DecisionOption = None, dry_run: DryRunOption = False,
    sign: SignOption = False, repo: RepoOption = None, as_of: AsOfOption = None,
) -> None:
    """Revoke ROLE on a scope from PERSON as of today, as one commit.

    The grant stays in the person's file with revoked_at, revoked_by and revoke_decision.
    The same people may revoke as may grant; nobody revokes their own roles.

    Example: sobctl role revoke behandlare SE2321000016-P011 --scope SE2321000016-U200 --decision "RS 2026/170"
    """
    from sobctl.ops.roles import revoke

    chosen, who, where = role_name(role), hsa_id(person, "PERSON"), hsa_id(scope, "--scope")
    run_act(repo, as_of, lambda s: revoke(s, chosen, who, where, decision=decision, reason=reason),
            dry_run=dry_run, sign=sign)


#: Column headings of ``role list`` and the states of a grant, as shown in tables.
HEADINGS = {"person": N_("person"), "name": N_("name"), "role": N_("role"), "scope": N_("scope"),
            "granted_at": N_("granted_at"), "valid_to": N_("valid_to"), "decision": N_("decision"),
            "state": N_("state")}
STATE = "state"
STATES = {"active": N_("active"), "revoked": N_("revoked"), "expired": N_("expired"), "future": N_("future")}


def _table(columns: list[str], rows: list[list[str]], title: str) -> str:
    """A rich table on a terminal, plain aligned columns otherwise (for pipes and scripts)."""
    import sys

    if sys.stdout.isatty():
        import io

        from rich.console import Console
        from rich.table import Table

        table = Table(title=title)
        for column in columns:  # ids and dates fold rather than lose characters on a narrow terminal
            table.add_column(column, overflow="fold", min_width=min(len(column), 10))
        for row in rows:
            table.add_row(*row)
        buffer = io.StringIO()
        Console(file=buffer, force_terminal=True, width=Console().width).print(table)
        return buffer.getvalue()
    widths = [max([len(column), *(len(row[i]) for row in rows)]) for i, column in enumerate(columns)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in [columns, *rows]]
    return "\n".join(lines) + "\n"


@role_app.command("list")
def role_list(
    role: Annotated[str | None, typer.Option("--role", metavar="ROLE", help="Only this role.")] = None,
    scope: Annotated[str | None, typer.Option("--scope", metavar="HSA_ID", help="Only grants on this unit.")] = None,
    person: Annotated[str | None, typer.Option("--person", metavar="HSA_ID", help="Only this person's grants.")] = None,
    include_all: Annotated[bool, typer.Option("--all", help="Also revoked, expired and future grants.")] = False,
    output_format: Annotated[str, typer.Option("--format", "-f", help="table | json")] = "table",
    repo: RepoOption = None,
    as_of: AsOfOption = None,
) -> None:
    """List role grants in force (with --all: every grant ever made, with its state).

    Examples: sobctl role list --scope SE2321000016-U200 · sobctl role list --role vardgivaradministrator
    --format json · sobctl role list --person SE2321000016-P004 --all
    """
    import json

    from sobctl.repo.workspace import load_workspace

    if output_format not in ("table", "json"):
        raise UsageError(_("{option}: '{value}' is not one of {choices}").format(
            option="--format", value=output_format, choices="table, json"))
    chosen = role_name(role) if role is not None else None
    scope = hsa_id(scope, "--scope") if scope is not None else None
    person = hsa_id(person, "--person") if person is not None else None
    today = parse_date(as_of)
    ws = load_workspace(find_repo(repo))
    from sobctl.ops.roles import grant_rows

    rows = grant_rows(ws, today, chosen, scope, person, include_all)
    if output_format == "json":
        out(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return
    columns = ["person", "name", "role", "scope", "granted_at", "valid_to", "decision"]
    if include_all:
        columns.append("state")
    cells = [[_(STATES[r[c]]) if c == STATE else str(r[c] or "") for c in columns] for r in rows]
    out(_table([_(HEADINGS[c]) for c in columns], cells, _("Role grants on {date}").format(date=today)))


# --- people --------------------------------------------------------------------------------------------


@person_app.command("add")
def person_add(
    person: Annotated[str, typer.Argument(metavar="HSA_ID", help="The person's HSA-id, e.g. SE2321000016-P020.")],
    name: Annotated[str, typer.Option("--name", help="Full name, e.g. 'Sara Berg'.")],
    email: Annotated[list[str], typer.Option("--email", help="E-mail (repeat for more); the first is the usual "
                                                              "git user.email.")],
    reason: ReasonOption = None, decision: DecisionOption = None, dry_run: DryRunOption = False,
    sign: SignOption = False, repo: RepoOption = None, as_of: AsOfOption = None,
) -> None:
    """Register a person in roles/ so roles can be granted to them, as one commit.

    Needs the role vardgivaradministrator or behorighetsadministrator. Refused when the HSA-id
    or an e-mail is already registered. sobctl knows who is acting from git's user.email, so
    list the address the person commits with.

    Example: sobctl person add SE2321000016-P020 --name "Sara Berg" --email sara.berg@exempelland.se
    """
    from sobctl.ops.people import add

    who = hsa_id(person, "HSA_ID")
    run_act(repo, as_of, lambda s: add(s, who, name=name, emails=email, decision=decision, reason=reason),
            dry_run=dry_run, sign=sign)


# --- show ----------------------------------------------------------------------------------------------


def _load(repo: Any) -> "Workspace":
    from sobctl.repo.workspace import load_workspace

    return load_workspace(find_repo(repo))


def _check_format(value: str) -> None:
    if value not in ("text", "json"):
        raise UsageError(_("{option}: '{value}' is not one of {choices}").format(
            option="--format", value=value, choices="text, json"))


def _emit(data: dict[str, Any], text: list[str], output_format: str) -> None:
    import json

    if output_format == "json":
        out(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        out("\n".join(text) + "\n")


@show_app.command("unit")
def show_unit(unit: UnitArg, output_format: FormatOption = "text", repo: RepoOption = None,
              as_of: AsOfOption = None) -> None:
    """Show a unit: status and its history, the programs it runs, who holds roles there.

    Example: sobctl show unit SE2321000016-U200 --format json
    """
    from sobctl.errors import Refused

    _check_format(output_format)
    unit = hsa_id(unit, "HSA_ID")
    ws, today = _load(repo), parse_date(as_of)
    found = ws.units.get(unit)
    if found is None:
        raise Refused(_("no unit {unit} in units/").format(unit=unit), rule="unknown-unit")
    from sobctl.ops.roles import grant_rows

    rows = grant_rows(ws, today, None, unit, None, False)
    data = {**found.model_dump(mode="json", exclude_none=True), "roles": rows}
    text = [f"{found.hsa_id}  {found.name}", "  " + _("type: {type}").format(type=found.type),
            "  " + _("status: {status}").format(status=found.status)]
    if found.parent:
        text.append("  " + _("parent: {unit}").format(unit=found.parent))
    if found.hsa_valid_to:
        text.append("  " + _("HSA valid to: {date}").format(date=found.hsa_valid_to))
    text.append("  " + (_("status history:") if found.status_history else _("status history: none")))
    for change in found.status_history:
        text.append("    " + _("{date}  {status} by {person}").format(
            date=change.date, status=f"{change.status:<11}", person=change.by)
                    + ("  " + _("decision {decision}").format(decision=change.decision) if change.decision else ""))
    text.append("  " + (_("programs:") if found.programs else _("programs: none")))
    for activation in found.programs:
        text.append("    " + _("{program} major {major}  since {date}  approved by {person}").format(
            program=activation.program, major=activation.major, date=activation.activated,
            person=activation.approved_by))
    text.append("  " + (_("roles:") if rows else _("roles: none")))
    text.extend(f"    {r['role']:<26} {r['person']}  {r['name']}" for r in rows)
    _emit(data, text, output_format)


@show_app.command("program")
def show_program(
    program: Annotated[str, typer.Argument(help="Program id, e.g. kbt-depression.")],
    output_format: FormatOption = "text", repo: RepoOption = None, as_of: AsOfOption = None,
) -> None:
    """Show a program: status, version, publishing unit and the units that run it.

    Example: sobctl show program kbt-depression
    """
    from sobctl.errors import Refused

    _check_format(output_format)
    program = program_id(program)
    ws = _load(repo)
    found = ws.programs.get(program)
    if found is None:
        raise Refused(_("no program {program} in catalogue/").format(program=program), rule="unknown-program")
    units = sorted((u.hsa_id, a.major) for u in ws.units.values() for a in u.programs if a.program == program)
    data = {"id": found.id, "title": found.title, "kind": found.kind.value, "area": found.area.value,
            "status": found.status.value, "version": str(found.version), "owning_unit": found.owning_unit,
            "publishing_unit": found.publishing_unit, "responsible_publisher": found.responsible_publisher,
            "units": [{"unit": u, "major": m} for u, m in units]}
    text = [f"{found.id}  {found.title}",
            "  " + _("status: {status}  version {version}").format(status=found.status, version=found.version),
            "  " + _("kind: {kind}  area: {area}").format(kind=found.kind, area=found.area),
            "  " + _("publishing unit: {unit}").format(unit=found.publishing_unit),
            "  " + (_("runs on:") if units else _("runs on: no unit"))]
    text.extend("    " + _("{unit}  major {major}").format(unit=u, major=m) for u, m in units)
    _emit(data, text, output_format)


@show_app.command("person")
def show_person(
    person: Annotated[str, typer.Argument(metavar="HSA_ID", help="The person's HSA-id.")],
    output_format: FormatOption = "text", repo: RepoOption = None, as_of: AsOfOption = None,
) -> None:
    """Show a person: e-mails and every grant with its state.

    Example: sobctl show person SE2321000016-P004
    """
    from sobctl.errors import Refused

    _check_format(output_format)
    person = hsa_id(person, "HSA_ID")
    ws, today = _load(repo), parse_date(as_of)
    found = ws.people.get(person)
    if found is None:
        raise Refused(_("no person {person} in roles/").format(person=person), rule="unknown-person")
    from sobctl.ops.roles import grant_rows

    rows = grant_rows(ws, today, None, None, person, True)
    data = {"hsa_id": found.hsa_id, "name": found.name, "emails": found.emails, "grants": rows}
    text = [f"{found.hsa_id}  {found.name}", "  " + _("e-mail: {emails}").format(emails=", ".join(found.emails)),
            "  " + (_("grants:") if rows else _("grants: none"))]
    line = _("{role} on {scope}  since {date}  {state}")
    text.extend("    " + line.format(role=f"{r['role']:<26}", scope=r["scope"], date=r["granted_at"],
                                     state=_(STATES[r[STATE]])) for r in rows)
    _emit(data, text, output_format)
