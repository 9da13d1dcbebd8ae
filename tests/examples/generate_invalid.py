"""Writes tests/examples/invalid/*: the case files and their expected.json.

Run it after changing a case here (or the fingerprint algorithm, which published programs
carry): ``.venv/bin/python tests/examples/generate_invalid.py``, then review ``git diff``.
Expected lines are found by searching each file for a snippet — sobctl itself is never run,
so the expectations stay independent of the code they test. Folders of cases not listed
here are removed.
"""

import json
import shutil
from pathlib import Path

import yaml_rs

from sobctl.model.entities import Program
from sobctl.model.fingerprint import fingerprint

OUT = Path(__file__).resolve().parent / "invalid"
ZERO = "sha256:" + "0" * 64
RISK = "risk_analysis:\n  reference: RA 2024/100\n  date: 2024-01-20\n"


def at(text, snippet, nth=1):
    count = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if snippet in line:
            count += 1
            if count == nth:
                return number, line.index(snippet) + 1
    raise KeyError(snippet)


def program(
    pid,
    *,
    kind="support",
    area="adhd",
    status="published",
    version="1.0",
    producer="  kind: own\n",
    history=None,
    contributors=None,
    assets="",
    risk=True,
    publisher="SE2321000016-P008",
    extra_top="",
):
    fp = "{FP}"
    if history is None:
        history = f"""  - version: "{version}"
    date: 2024-02-01
    note: Första versionen.
    published: 2024-02-15
    fingerprint: {fp}
    approvals:
      - by: SE2321000016-P008
        role: utgivare
        at: 2024-02-10
        fingerprint: {fp}
      - by: SE2321000016-P010
        role: medicinskt-ansvarig
        at: 2024-02-12
        fingerprint: {fp}
"""
    if contributors is None:
        contributors = """  - name: Per Ek
    role: author
    records:
      - kind: waiver
        document: RS 2023/0001
        date: 2023-11-20
"""
    text = f"""# Exempelprogram för ett testfall.
id: {pid}
title: Exempelprogram {pid}
kind: {kind}
area: {area}
target_group: Vuxna
open: false
owning_unit: SE2321000016-U100
publishing_unit: SE2321000016-U100
{"responsible_publisher: " + publisher + chr(10) if publisher else ""}medically_responsible: SE2321000016-P010
producer:
{producer}status: {status}
version: "{version}"
{"history:" + chr(10) + history if history else "history: []" + chr(10)}content:
  modules:
    - id: start
      title: Start
      sections:
        - title: Om programmet
          steps:
            - title: Välkommen
              kind: text
contributors:
{contributors}{assets}{RISK if risk else ""}{extra_top}"""
    model = Program.model_validate(yaml_rs.loads(text.replace("{FP}", ZERO)))
    return text.replace("{FP}", fingerprint(model))


def unit(uid, *, type_="linked-unit", parent="SE2321000016-U200", status="active", programs="", extra="", history=True):
    text = f"""# Enhet för ett testfall.
hsa_id: {uid}
name: Testenhet {uid[-4:]}
type: {type_}
parent: {parent}
{extra}status: {status}
"""
    if history:
        text += f"""status_history:
  - status: {status}
    date: 2024-01-15
    by: SE2321000016-P001
    decision: RS 2024/0012
"""
    if programs:
        text += "programs:\n" + programs
    return text


def activation(program_id, major=1, approved_by="SE2321000016-P010", activated="2024-03-01"):
    return f"""  - program: {program_id}
    major: {major}
    activated: {activated}
    by: SE2321000016-P001
    approved_by: {approved_by}
    decision: RS 2024/0031
"""


def person(pid, name, email, grants=""):
    text = f"""# Person för ett testfall.
hsa_id: {pid}
name: {name}
emails:
  - {email}
"""
    if grants:
        text += "grants:\n" + grants
    return text


def grant(role, scope, by="SE2321000016-P001", at="2024-01-10", extra=""):
    return f"""  - role: {role}
    scope: {scope}
    granted_by: {by}
    granted_at: {at}
    decision: RS 2024/0005
{extra}"""


def agreement(
    aid,
    *,
    kind="content-provider",
    valid_from="2024-01-01",
    valid_to="2030-12-31",
    review="2026-06-01",
    covers="  areas:\n    - adhd\n",
):
    text = f"""# Avtal för ett testfall.
id: {aid}
kind: {kind}
title: Avtal {aid}
counterparty:
  name: Exempelleverantören AB
  org_number: "556036-0793"
valid_from: {valid_from}
"""
    if valid_to:
        text += f"valid_to: {valid_to}\n"
    text += "covers:\n" + covers
    if review:
        text += f"last_review: {review}\n"
    return text


CONFIG = """# yaml-language-server: $schema=schemas/config.schema.json
# Region Exempelland: the care provider this repository administers.
care_provider:
  name: Region Exempelland
  hsa_id: SE2321000016-0000
  org_number: "232100-0016"
policy:
  min_care_provider_admins: 2
  min_permission_admins_per_unit: 2
"""
PROVIDER_UNIT = """hsa_id: SE2321000016-0000
name: Region Exempelland
type: care-provider
status: active
status_history:
  - status: active
    date: 2024-01-15
    by: SE2321000016-P001
"""

cases = {}


def case(name, description, files, expected, **spec):
    cases[name] = (description, files, expected, spec)


def exp(code, path, files, snippet, nth=1, column=True, message=None, text=None):
    source = text if text is not None else files[path]
    line, col = at(source, snippet, nth)
    item = {"code": code, "path": path, "line": line}
    if column:
        item["column"] = col
    if message:
        item["message"] = message
    return item


# ---------------------------------------------------------------- files and syntax
f = {
    "catalogue/fall-syntax.yaml": (
        "# Ett program med ett syntaxfel på rad 5.\nid: fall-syntax\ntitle: Fall\nkind: support\narea: adhd: fel\n"
    )
}
case(
    "sob001-yaml-syntax",
    "A value followed by another ':' is not YAML.",
    f,
    [exp("SOB001", "catalogue/fall-syntax.yaml", f, ": fel", message="mapping values")],
)

f = {
    "roles/SE2321000016-P901.yaml": (
        "hsa_id: SE2321000016-P901\n\tname: Tabba Tabsson\nemails:\n  - tabba@exempelland.se\n"
    )
}
case(
    "sob001-tab-indentation",
    "A tab used for indentation: located, with a hint to use spaces.",
    f,
    [exp("SOB001", "roles/SE2321000016-P901.yaml", f, "\tname", message="tab")],
)

f = {
    "catalogue/fall-nastlat.yaml": "id: fall-nastlat\ntitle: Fall\nkind: support\ncontent: "
    + "[" * 400
    + "]" * 400
    + "\n"
}
case(
    "sob001-deep-nesting",
    "Lists nested hundreds deep: refused at the place the parser gives up, quickly.",
    f,
    [
        {
            "code": "SOB001",
            "path": "catalogue/fall-nastlat.yaml",
            "line": 4,
            "column": 265,
            "message": "nested too deeply",
        }
    ],
)

f = {
    "roles/SE2321000016-P902.yaml": person(
        "SE2321000016-P902",
        "Dubbel Nyckelsson",
        "dubbel@exempelland.se",
        grant("behandlare", "SE2321000016-U200", extra="    granted_at: 2024-02-01\n"),
    )
}
case(
    "sob002-duplicate-key",
    "A key repeated in a mapping is reported at its second occurrence.",
    f,
    [exp("SOB002", "roles/SE2321000016-P902.yaml", f, "granted_at", nth=2, message="'granted_at'")],
)

f = {"catalogue/fall-tom.yaml": ""}
case(
    "sob003-empty-file",
    "An empty file (its problem really is on line 1).",
    f,
    [{"code": "SOB003", "path": "catalogue/fall-tom.yaml", "line": 1, "column": 1, "message": "empty"}],
)

f = {
    "units/SE2321000016-U906.yaml": (
        "# En lista i stället för en mappning.\n- hsa_id: SE2321000016-U906\n  name: Lista\n"
    )
}
case(
    "sob003-top-level-list",
    "A top-level list instead of a mapping.",
    f,
    [exp("SOB003", "units/SE2321000016-U906.yaml", f, "- hsa_id", message="list")],
)

f = {"catalogue/fall-flera.yaml": "id: fall-flera\ntitle: Fall\n---\nid: fall-flera-2\ntitle: Fall 2\n"}
case(
    "sob003-several-documents",
    "Two YAML documents in one file: located at the second '---'.",
    f,
    [exp("SOB003", "catalogue/fall-flera.yaml", f, "---", message="several")],
)

f = {"agreements/fall-text.yaml": "# Bara en textrad.\nett avtal utan nycklar\n"}
case(
    "sob003-scalar-document",
    "A document that is a plain text, not a mapping.",
    f,
    [exp("SOB003", "agreements/fall-text.yaml", f, "ett avtal", message="text")],
)

latin1 = "id: fall-latin1\nkind: content-provider\ntitle: Avtal med Bj\xf6rk\n"
f = {"agreements/fall-latin1.yaml": latin1}
case(
    "sob004-invalid-utf8",
    "A file saved as Latin-1: the first bad byte is located.",
    f,
    [{"code": "SOB004", "path": "agreements/fall-latin1.yaml", "line": 3, "column": 20, "message": "UTF-8"}],
    binary={"agreements/fall-latin1.yaml": latin1.encode("latin-1")},
)

binary = b"id: fall-binar\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"
case(
    "sob004-binary-junk",
    "Binary data (an image) saved as a program file.",
    {"catalogue/fall-binar.yaml": ""},
    [{"code": "SOB004", "path": "catalogue/fall-binar.yaml", "line": 4, "column": 1, "message": "binary"}],
    binary={"catalogue/fall-binar.yaml": binary},
)

case(
    "sob005-file-too-large",
    "A file over 1 MiB is not read at all (a whole-file problem: line 1).",
    {},
    [{"code": "SOB005", "path": "catalogue/fall-stor.yaml", "line": 1, "column": 1}],
    make=[{"large": "catalogue/fall-stor.yaml", "bytes": 1_200_000}],
)

bomb = "# Miljarder skratt.\nid: fall-bomb\na: &a [x, x, x, x, x, x, x, x, x]\n"
for name, prev in zip("bcdefghij", "abcdefghi", strict=True):
    bomb += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
f = {"catalogue/fall-bomb.yaml": bomb}
case(
    "sob006-alias-bomb",
    "A billion-laughs alias bomb is refused quickly, located at its first alias.",
    f,
    [exp("SOB006", "catalogue/fall-bomb.yaml", f, "*a", message="alias")],
)

case(
    "sob007-symlink-outside",
    "A symlink out of the repository is never followed.",
    {},
    [{"code": "SOB007", "path": "units/SE2321000016-U907.yaml", "line": 1, "column": 1, "message": "outside"}],
    make=[{"symlink": "units/SE2321000016-U907.yaml", "to": "/etc/passwd"}],
)

case(
    "sob007-fifo",
    "A named pipe where a file should be: reported, never opened (it would block).",
    {},
    [{"code": "SOB007", "path": "catalogue/fall-ror.yaml", "line": 1, "column": 1, "message": "regular file"}],
    make=[{"fifo": "catalogue/fall-ror.yaml"}],
)

f = {"catalogue/fall-yml.yml": program("fall-yml")}
case(
    "sob008-yml-extension",
    "A .yml file is not read; the hint says to rename it.",
    f,
    [{"code": "SOB008", "path": "catalogue/fall-yml.yml", "line": 1, "column": 1, "hint": "rename it to .yaml"}],
)

case(
    "sob008-directory-named-yaml",
    "A folder named like a .yaml file.",
    {},
    [{"code": "SOB008", "path": "roles/SE2321000016-P903.yaml", "line": 1, "column": 1, "message": "is a folder"}],
    make=[{"dir": "roles/SE2321000016-P903.yaml"}],
)

f = {"catalogue/fall-namn.yaml": program("fall-annat-namn")}
case(
    "sob009-id-mismatch",
    "The file name differs from the id inside: located at the id.",
    f,
    [exp("SOB009", "catalogue/fall-namn.yaml", f, "id: fall-annat", message="fall-annat-namn")],
)

p904 = """# Namn saknas, och en roll saknar granted_by.
hsa_id: SE2321000016-P904
emails:
  - saknas@exempelland.se
grants:
  - role: behandlare
    scope: SE2321000016-U200
    granted_at: 2024-01-10
"""
f = {"roles/SE2321000016-P904.yaml": p904}
case(
    "sob010-missing-field",
    "Missing fields are located at the mapping that lacks them.",
    f,
    [
        exp("SOB010", "roles/SE2321000016-P904.yaml", f, "hsa_id", message="'name'"),
        exp("SOB010", "roles/SE2321000016-P904.yaml", f, "role: behandlare", message="granted_by"),
    ],
)

u908 = unit("SE2321000016-U908", extra="colour: blue\n").replace(
    "    decision: RS 2024/0012\n", "    decision: RS 2024/0012\n    mood: glad\n"
)
f = {"units/SE2321000016-U908.yaml": u908}
case(
    "sob011-unknown-field",
    "Unknown (misspelt) fields are located at the key itself.",
    f,
    [
        exp("SOB011", "units/SE2321000016-U908.yaml", f, "colour", message="colour"),
        exp("SOB011", "units/SE2321000016-U908.yaml", f, "mood", message="mood"),
    ],
)

p905 = """hsa_id: SE2321000016-P905
name:
  - Fel
  - Typ
emails: fel@exempelland.se
grants:
  - role: behandlare
    scope: SE2321000016-U200
    granted_by: SE2321000016-P004
    granted_at: igår
"""
prog_open = program("fall-typer").replace("open: false", 'open: "yes"')
u_major = unit("SE2321000016-U924", programs=activation("kbt-depression", major='"1"'))
f = {
    "roles/SE2321000016-P905.yaml": p905,
    "catalogue/fall-typer.yaml": prog_open,
    "units/SE2321000016-U924.yaml": u_major,
}
case(
    "sob012-wrong-types",
    "Values of the wrong type: a list for a text, a text for a list, a word for a date, "
    "a quoted yes for a boolean and a quoted number for an integer.",
    f,
    [
        exp("SOB012", "roles/SE2321000016-P905.yaml", f, "name:", message="name: expected text, found a list"),
        exp("SOB012", "roles/SE2321000016-P905.yaml", f, "emails:", message="emails: expected a list, found the text"),
        exp(
            "SOB012",
            "roles/SE2321000016-P905.yaml",
            f,
            "granted_at",
            message="expected a date YYYY-MM-DD, found the text 'igår'",
        ),
        exp(
            "SOB012",
            "catalogue/fall-typer.yaml",
            f,
            "open:",
            message="open: expected true or false, found the text 'yes'",
        ),
        exp(
            "SOB012", "units/SE2321000016-U924.yaml", f, "major:", message="expected a whole number, found the text '1'"
        ),
    ],
)

f = {
    "catalogue/fall-version.yaml": program("fall-version").replace('version: "1.0"\nhistory', "version: 1.10\nhistory")
}
case(
    "sob012-unquoted-version",
    "version: 1.10 unquoted is the number 1.1; the message says to quote it as written.",
    f,
    [exp("SOB012", "catalogue/fall-version.yaml", f, "version: 1.10", message='write "1.10"')],
)

bad_ids = agreement("fall-idn").replace('"556036-0793"', '"556036-0794"')
p906 = person("SE2321000016-P906", "Luhn Felsson", "luhn@exempelland.se", grant("behandlare", "SE2321000017-U200"))
f = {"agreements/fall-idn.yaml": bad_ids, "roles/SE2321000016-P906.yaml": p906}
case(
    "sob012-bad-identifiers",
    "An organisation number and an HSA-id that fail the Luhn check.",
    f,
    [
        exp("SOB012", "agreements/fall-idn.yaml", f, "org_number", message="Luhn"),
        exp("SOB012", "roles/SE2321000016-P906.yaml", f, "scope:", message="Luhn"),
    ],
)

case(
    "sob013-no-config",
    "Without sobctl.yaml the folder is not a region repository.",
    {},
    [{"code": "SOB013", "path": "sobctl.yaml", "line": 1, "column": 1}],
    remove=["sobctl.yaml"],
)

# ---------------------------------------------------------------- references
f = {"units/SE2321000016-U909.yaml": unit("SE2321000016-U909", parent="SE2321000016-U999")}
case(
    "sob101-unknown-parent",
    "A unit whose parent is not in units/.",
    f,
    [exp("SOB101", "units/SE2321000016-U909.yaml", f, "parent:")],
)

f = {
    "units/SE2321000016-U910.yaml": unit("SE2321000016-U910", programs=activation("finns-inte")),
    "agreements/fall-tackning.yaml": agreement("fall-tackning", covers="  programs:\n    - finns-inte-heller\n"),
}
case(
    "sob102-unknown-program",
    "An activation and an agreement naming programs not in catalogue/.",
    f,
    [
        exp("SOB102", "units/SE2321000016-U910.yaml", f, "program: finns-inte"),
        exp("SOB102", "agreements/fall-tackning.yaml", f, "finns-inte-heller"),
    ],
)

u911 = unit("SE2321000016-U911").replace("by: SE2321000016-P001", "by: SE2321000016-P999")
p907 = person(
    "SE2321000016-P907",
    "Okänd Beviljare",
    "okand@exempelland.se",
    grant("behandlare", "SE2321000016-U200", by="SE2321000016-P998"),
)
f = {"units/SE2321000016-U911.yaml": u911, "roles/SE2321000016-P907.yaml": p907}
case(
    "sob103-unknown-person",
    "People who are not in roles/: a status change by, a granter.",
    f,
    [
        exp("SOB103", "units/SE2321000016-U911.yaml", f, "by: SE2321000016-P999"),
        exp("SOB103", "roles/SE2321000016-P907.yaml", f, "granted_by: SE2321000016-P998"),
    ],
)

p908 = person("SE2321000016-P908", "Okänd Enhet", "okandenhet@exempelland.se", grant("behandlare", "SE2321000016-U997"))
f = {
    "catalogue/fall-okand-enhet.yaml": program("fall-okand-enhet").replace(
        "owning_unit: SE2321000016-U100", "owning_unit: SE2321000016-U998"
    ),
    "roles/SE2321000016-P908.yaml": p908,
}
case(
    "sob104-unknown-unit",
    "An owning unit and a role scope that are not in units/.",
    f,
    [
        exp("SOB104", "catalogue/fall-okand-enhet.yaml", f, "owning_unit"),
        exp("SOB104", "roles/SE2321000016-P908.yaml", f, "scope: SE2321000016-U997"),
    ],
)

f = {
    "catalogue/fall-fel-typ.yaml": program("fall-fel-typ").replace(
        "publishing_unit: SE2321000016-U100", "publishing_unit: SE2321000016-U200"
    )
}
case(
    "sob105-wrong-unit-type",
    "A program published from a care unit instead of a publishing unit.",
    f,
    [exp("SOB105", "catalogue/fall-fel-typ.yaml", f, "publishing_unit")],
)

private = unit(
    "SE5560360793-F9",
    type_="care-provider",
    parent="SE2321000016-0000",
    extra="ownership:\n  kind: private\n  care_agreement: fall-finns-inte\n",
)
f = {
    "catalogue/fall-okant-avtal.yaml": program(
        "fall-okant-avtal", producer="  kind: external\n  agreement: fall-saknas\n"
    ),
    "units/SE5560360793-F9.yaml": private,
}
case(
    "sob106-unknown-agreement",
    "A producer's and a private provider's agreements that are not in agreements/.",
    f,
    [
        exp("SOB106", "catalogue/fall-okant-avtal.yaml", f, "agreement: fall-saknas"),
        exp("SOB106", "units/SE5560360793-F9.yaml", f, "care_agreement"),
    ],
)

p909 = person(
    "SE2321000016-P909",
    "Fel Scope",
    "felscope@exempelland.se",
    grant("vardgivaradministrator", "SE2321000016-U200") + grant("designer", "SE2321000016-U200"),
)
f = {"roles/SE2321000016-P909.yaml": p909}
case(
    "sob107-wrong-role-scope",
    "A care-provider role on a unit, a publishing role on a care unit.",
    f,
    [
        exp("SOB107", "roles/SE2321000016-P909.yaml", f, "scope: SE2321000016-U200", nth=1),
        exp("SOB107", "roles/SE2321000016-P909.yaml", f, "scope: SE2321000016-U200", nth=2),
    ],
)

f = {
    "units/SE2321000016-U912.yaml": unit("SE2321000016-U912", parent="SE2321000016-U913"),
    "units/SE2321000016-U913.yaml": unit("SE2321000016-U913", parent="SE2321000016-U912"),
}
case(
    "sob108-parent-cycle",
    "Two units that are each other's parent.",
    f,
    [
        exp("SOB108", "units/SE2321000016-U912.yaml", f, "parent:"),
        exp("SOB108", "units/SE2321000016-U913.yaml", f, "parent:"),
    ],
)

private = unit(
    "SE5560360793-F8",
    type_="care-provider",
    parent="SE2321000016-0000",
    extra="ownership:\n  kind: private\n  care_agreement: fall-innehall\n",
)
f = {
    "agreements/fall-innehall.yaml": agreement("fall-innehall"),
    "units/SE5560360793-F8.yaml": private,
    "catalogue/fall-fel-avtalstyp.yaml": program(
        "fall-fel-avtalstyp", producer="  kind: external\n  agreement: vardavtal-lugna-sinnen\n"
    ),
}
case(
    "sob109-wrong-agreement-kind",
    "A content-provider agreement used as a care agreement and the reverse.",
    f,
    [
        exp("SOB109", "units/SE5560360793-F8.yaml", f, "care_agreement"),
        exp("SOB109", "catalogue/fall-fel-avtalstyp.yaml", f, "agreement: vardavtal"),
    ],
)

# ---------------------------------------------------------------- policy
contact = person(
    "SE2321000016-P001",
    "Kontakt Ensam",
    "kontakt@exempelland.se",
    grant("kontaktperson", "SE2321000016-0000", by="SE2321000016-P002"),
)
f = {"sobctl.yaml": CONFIG, "units/SE2321000016-0000.yaml": PROVIDER_UNIT, "roles/SE2321000016-P001.yaml": contact}
case(
    "sob201-no-admin",
    "A small complete region where nobody is care-provider administrator.",
    f,
    [exp("SOB201", "sobctl.yaml", f, "care_provider:")],
    base="empty",
)

admin = person(
    "SE2321000016-P001",
    "Admin Ensam",
    "admin@exempelland.se",
    grant("vardgivaradministrator", "SE2321000016-0000", by="SE2321000016-P002"),
)
f = {"sobctl.yaml": CONFIG, "units/SE2321000016-0000.yaml": PROVIDER_UNIT, "roles/SE2321000016-P001.yaml": admin}
case(
    "sob202-one-admin-no-contact",
    "A small complete region with one administrator (warning) and no contact person.",
    f,
    [
        exp("SOB202", "sobctl.yaml", f, "care_provider:"),
        exp("SOB203", "sobctl.yaml", f, "care_provider:", message="nobody"),
    ],
    base="empty",
)

f = {
    "sobctl.yaml": CONFIG,
    "roles/SE2321000016-P910.yaml": person(
        "SE2321000016-P910", "Andra Kontakt", "andrakontakt@exempelland.se", grant("kontaktperson", "SE2321000016-0000")
    ),
}
case(
    "sob203-two-contact-persons",
    "A second contact person: exactly one is needed.",
    f,
    [exp("SOB203", "sobctl.yaml", f, "care_provider:", message="SE2321000016-P910")],
)

f = {"units/SE2321000016-U914.yaml": unit("SE2321000016-U914", type_="care-unit", parent="SE2321000016-0000")}
case(
    "sob204-few-permission-admins",
    "An active care unit without permission administrators (a warning).",
    f,
    [exp("SOB204", "units/SE2321000016-U914.yaml", f, "status: active")],
    exit=0,
)

p911 = person(
    "SE2321000016-P911",
    "Själv Beviljarsson",
    "sjalv@exempelland.se",
    grant(
        "behandlare",
        "SE2321000016-U200",
        by="SE2321000016-P911",
        extra="    revoked_at: 2025-01-01\n    revoked_by: SE2321000016-P911\n",
    ),
)
f = {"roles/SE2321000016-P911.yaml": p911}
case(
    "sob205-self-grant",
    "Someone who granted and revoked a role of their own.",
    f,
    [
        exp("SOB205", "roles/SE2321000016-P911.yaml", f, "granted_by"),
        exp("SOB205", "roles/SE2321000016-P911.yaml", f, "revoked_by"),
    ],
)

f = {"units/SE2321000016-U915.yaml": unit("SE2321000016-U915", type_="publishing-unit", parent="SE2321000016-0000")}
case(
    "sob206-few-publishing-staff",
    "A publishing unit without designers or publishers (warnings).",
    f,
    [
        exp("SOB206", "units/SE2321000016-U915.yaml", f, "type:", message="designer"),
        exp("SOB206", "units/SE2321000016-U915.yaml", f, "type:", message="utgivare"),
    ],
    exit=0,
)

f = {"roles/SE2321000016-P912.yaml": person("SE2321000016-P912", "Lånad Adress", "Anna.Lindqvist@exempelland.se")}
case(
    "sob207-duplicate-email",
    "An e-mail address already listed for another person (case does not matter).",
    f,
    [exp("SOB207", "roles/SE2321000016-P912.yaml", f, "Anna.", message="SE2321000016-P001")],
)

# ---------------------------------------------------------------- lifecycle
ONE = program("fall-ett")
f = {
    "catalogue/fall-ett.yaml": ONE,
    "units/SE2321000016-U916.yaml": unit(
        "SE2321000016-U916", status="inactive", history=False, programs=activation("fall-ett")
    ),
}
case(
    "sob301-inactive-unit-runs",
    "A program activated on an inactive unit.",
    f,
    [exp("SOB301", "units/SE2321000016-U916.yaml", f, "program: fall-ett")],
)

draft = program("fall-utkast", status="draft", history="", version="1.0")
f = {
    "catalogue/fall-utkast.yaml": draft,
    "units/SE2321000016-U917.yaml": unit("SE2321000016-U917", programs=activation("fall-utkast")),
}
case(
    "sob302-unpublished-activation",
    "A draft program activated on a unit.",
    f,
    [exp("SOB302", "units/SE2321000016-U917.yaml", f, "program: fall-utkast")],
)

f = {
    "catalogue/fall-ett.yaml": ONE,
    "units/SE2321000016-U918.yaml": unit(
        "SE2321000016-U918",
        programs=activation("fall-ett", approved_by="SE2321000016-P001")
        + activation("kbt-depression", activated="2023-06-01"),
    ),
}
case(
    "sob303-no-medical-approval",
    "Approved by an administrator, and by a physician before they held the role.",
    f,
    [
        exp("SOB303", "units/SE2321000016-U918.yaml", f, "approved_by: SE2321000016-P001"),
        exp("SOB303", "units/SE2321000016-U918.yaml", f, "approved_by: SE2321000016-P010"),
    ],
)

two_history = (
    program("fall-mall")
    .replace(program("fall-mall").split("    fingerprint: ")[1].split("\n")[0], "{FP}")
    .split("history:\n")[1]
    .split("content:\n")[0]
)
two = program(
    "fall-tva",
    version="2.0",
    history=two_history.replace('"1.0"', '"1.0"')
    + two_history.replace('"1.0"', '"2.0"').replace("2024-02-01", "2025-02-01"),
)
f = {
    "catalogue/fall-tva.yaml": two,
    "units/SE2321000016-U919.yaml": unit("SE2321000016-U919", programs=activation("fall-tva", major=1)),
}
case(
    "sob304-needs-reactivation",
    "A unit still runs major 1 of a program published at 2.0 (a warning).",
    f,
    [exp("SOB304", "units/SE2321000016-U919.yaml", f, "major: 1")],
    exit=0,
)

provider = unit(
    "SE5560360793-F7",
    type_="care-provider",
    parent="SE2321000016-0000",
    extra="ownership:\n  kind: private\n  care_agreement: fall-vardavtal\n",
)
clinic = unit(
    "SE5560360793-F6",
    type_="care-unit",
    parent="SE5560360793-F7",
    programs=activation("fall-ett", approved_by="SE2321000016-P913"),
)
p913 = person(
    "SE2321000016-P913",
    "Privat Läkare",
    "privat.lakare@exempelland.se",
    grant("medicinskt-ansvarig", "SE5560360793-F6")
    + grant("behorighetsadministrator", "SE5560360793-F6")
    + grant("behorighetsadministrator", "SE5560360793-F7"),
)
f = {
    "catalogue/fall-ett.yaml": ONE,
    "units/SE5560360793-F7.yaml": provider,
    "units/SE5560360793-F6.yaml": clinic,
    "roles/SE2321000016-P913.yaml": p913,
    "agreements/fall-vardavtal.yaml": agreement("fall-vardavtal", kind="care", covers="  areas:\n    - self-harm\n"),
}
case(
    "sob305-no-care-agreement",
    "A private clinic runs an ADHD program its care agreement does not cover.",
    f,
    [exp("SOB305", "units/SE5560360793-F6.yaml", f, "program: fall-ett", text=clinic)],
)

f = {"units/SE2321000016-U920.yaml": unit("SE2321000016-U920", extra="hsa_valid_to: 2025-06-30\n")}
case(
    "sob306-hsa-expired",
    "An active unit whose HSA validity ended.",
    f,
    [exp("SOB306", "units/SE2321000016-U920.yaml", f, "hsa_valid_to")],
)

u921 = (
    unit("SE2321000016-U921")
    + """  - status: deactivated
    date: 2025-03-01
    by: SE2321000016-P001
    decision: RS 2025/0101
"""
)
f = {"units/SE2321000016-U921.yaml": u921}
case(
    "sob307-status-history",
    "A unit marked active although its latest status change deactivated it.",
    f,
    [exp("SOB307", "units/SE2321000016-U921.yaml", f, "status: active")],
)

f = {
    "catalogue/fall-ett.yaml": ONE,
    "units/SE2321000016-U922.yaml": unit("SE2321000016-U922", programs=activation("fall-ett") + activation("fall-ett")),
}
case(
    "sob308-duplicate-activation",
    "The same program activated twice on one unit.",
    f,
    [exp("SOB308", "units/SE2321000016-U922.yaml", f, "program: fall-ett", nth=2)],
)

f = {
    "catalogue/fall-ett.yaml": ONE,
    "units/SE2321000016-U923.yaml": unit("SE2321000016-U923", programs=activation("fall-ett", major=3)),
}
case(
    "sob309-future-major",
    "An activation at a major version the program never published.",
    f,
    [exp("SOB309", "units/SE2321000016-U923.yaml", f, "major: 3")],
)

# ---------------------------------------------------------------- agreements
expired = agreement("fall-utgatt", valid_from="2020-01-01", valid_to="2025-12-31", review="2025-06-01")
expired_care = agreement(
    "fall-utgatt-vardavtal", kind="care", valid_from="2020-01-01", valid_to="2025-12-31", review="2025-06-01"
)
provider = unit(
    "SE5560360793-F5",
    type_="care-provider",
    parent="SE2321000016-0000",
    extra="ownership:\n  kind: private\n  care_agreement: fall-utgatt-vardavtal\n",
)
clinic = unit(
    "SE5560360793-F4",
    type_="care-unit",
    parent="SE5560360793-F5",
    programs=activation("fall-ett", approved_by="SE2321000016-P914"),
)
p914 = person(
    "SE2321000016-P914",
    "Privat Läkare Två",
    "privat.lakare2@exempelland.se",
    grant("medicinskt-ansvarig", "SE5560360793-F4"),
)
f = {
    "agreements/fall-utgatt.yaml": expired,
    "agreements/fall-utgatt-vardavtal.yaml": expired_care,
    "catalogue/fall-extern.yaml": program("fall-extern", producer="  kind: external\n  agreement: fall-utgatt\n"),
    "catalogue/fall-ett.yaml": ONE,
    "units/SE5560360793-F5.yaml": provider,
    "units/SE5560360793-F4.yaml": clinic,
    "roles/SE2321000016-P914.yaml": p914,
}
case(
    "sob401-expired-agreement",
    "A published program and a private clinic depend on agreements that ended.",
    f,
    [
        exp("SOB401", "catalogue/fall-extern.yaml", f, "agreement: fall-utgatt"),
        exp("SOB401", "units/SE5560360793-F4.yaml", f, "program: fall-ett"),
    ],
)

f = {"agreements/fall-snart.yaml": agreement("fall-snart", valid_to="2026-12-31")}
case(
    "sob402-agreement-expiring",
    "An agreement ending within the 90-day warning window (a warning).",
    f,
    [exp("SOB402", "agreements/fall-snart.yaml", f, "valid_to")],
    exit=0,
)

f = {"agreements/fall-granskning.yaml": agreement("fall-granskning", review="2024-01-15")}
case(
    "sob403-review-overdue",
    "An agreement last reviewed almost three years ago (a warning).",
    f,
    [exp("SOB403", "agreements/fall-granskning.yaml", f, "last_review")],
    exit=0,
)

f = {"agreements/fall-bakvant.yaml": agreement("fall-bakvant", valid_from="2025-01-01", valid_to="2024-12-31")}
case(
    "sob404-agreement-dates",
    "An agreement that ends before it starts.",
    f,
    [exp("SOB404", "agreements/fall-bakvant.yaml", f, "valid_to")],
)

# ---------------------------------------------------------------- publishing
contributors = """  - name: Utan Avtal
    role: illustrator
  - name: Gammalt Avtal
    role: narrator
    records:
      - kind: licence
        document: RS 2020/0001
        date: 2020-01-01
        expires: 2025-01-01
"""
f = {"catalogue/fall-upphovsratt.yaml": program("fall-upphovsratt", contributors=contributors)}
case(
    "sob501-missing-copyright",
    "A published program's contributors: one without records, one only expired.",
    f,
    [
        exp("SOB501", "catalogue/fall-upphovsratt.yaml", f, "name: Utan Avtal", message="no copyright"),
        exp("SOB501", "catalogue/fall-upphovsratt.yaml", f, "expires: 2025-01-01", message="only expired"),
    ],
)

contributors = """  - name: Snart Utgånget
    role: photographer
    records:
      - kind: licence
        document: RS 2024/0200
        date: 2024-01-01
        expires: 2026-12-20
"""
f = {"catalogue/fall-snart-utganget.yaml": program("fall-snart-utganget", contributors=contributors)}
case(
    "sob502-copyright-expiring",
    "A copyright licence ending within the 60-day window (a warning).",
    f,
    [exp("SOB502", "catalogue/fall-snart-utganget.yaml", f, "expires:")],
    exit=0,
)

assets = """assets:
  - name: Bild utan licens
  - name: Musik med påhittad licens
    licence: MIT-ish
"""
f = {"catalogue/fall-tillgangar.yaml": program("fall-tillgangar", assets=assets)}
case(
    "sob503-asset-unlicensed",
    "Assets without a licence or agreement, or with a licence SPDX does not know.",
    f,
    [
        exp("SOB503", "catalogue/fall-tillgangar.yaml", f, "name: Bild"),
        exp("SOB503", "catalogue/fall-tillgangar.yaml", f, "licence: MIT-ish"),
    ],
)

f = {"catalogue/fall-riskanalys.yaml": program("fall-riskanalys", risk=False)}
case(
    "sob504-no-risk-analysis",
    "A published program without a risk analysis: located at its status.",
    f,
    [exp("SOB504", "catalogue/fall-riskanalys.yaml", f, "status: published")],
)

f = {
    "catalogue/fall-fel-utgivare.yaml": program("fall-fel-utgivare", publisher="SE2321000016-P001"),
    "catalogue/fall-ingen-utgivare.yaml": program("fall-ingen-utgivare", publisher=None),
}
case(
    "sob505-no-publisher",
    "A responsible publisher who is no utgivare, and none at all.",
    f,
    [
        exp("SOB505", "catalogue/fall-fel-utgivare.yaml", f, "responsible_publisher"),
        exp("SOB505", "catalogue/fall-ingen-utgivare.yaml", f, "publishing_unit"),
    ],
)

stale = program("fall-inaktuellt-godkannande")
good_fp = stale.split("    fingerprint: ")[1].split("\n")[0]
stale = stale.replace(f"        fingerprint: {good_fp}", f"        fingerprint: {ZERO}", 1)
f = {"catalogue/fall-inaktuellt-godkannande.yaml": stale}
case(
    "sob601-stale-approval",
    "An approval bound to other content than was published.",
    f,
    [exp("SOB601", "catalogue/fall-inaktuellt-godkannande.yaml", f, f"fingerprint: {ZERO}")],
)

changed = program("fall-andrat").replace("title: Välkommen", "title: Välkommen, ändrad efter publicering")
f = {"catalogue/fall-andrat.yaml": changed}
case(
    "sob602-changed-without-bump",
    "Content edited after publication without a new version.",
    f,
    [exp("SOB602", "catalogue/fall-andrat.yaml", f, "content:")],
)

missing = program("fall-saknad-version").replace('version: "1.0"\nhistory', 'version: "1.1"\nhistory')
backwards = program(
    "fall-bakat",
    version="2.0",
    history=two_history.replace('"1.0"', '"2.0"') + two_history.replace("2024-02-01", "2025-02-01"),
)
f = {"catalogue/fall-saknad-version.yaml": missing, "catalogue/fall-bakat.yaml": backwards}
case(
    "sob603-version-history",
    "A version missing from the history, and a history that goes backwards.",
    f,
    [
        exp("SOB603", "catalogue/fall-saknad-version.yaml", f, 'version: "1.1"'),
        exp("SOB603", "catalogue/fall-bakat.yaml", f, "history:"),
    ],
)

unapproved = program(
    "fall-ogodkand",
    history="""  - version: "1.0"
    date: 2024-02-01
    note: Första versionen.
    published: 2024-02-15
""",
)
f = {"catalogue/fall-ogodkand.yaml": unapproved}
case(
    "sob604-unapproved-version",
    "A published version without any approval.",
    f,
    [exp("SOB604", "catalogue/fall-ogodkand.yaml", f, "published: 2024-02-15")],
)

treatment = program("fall-behandling", kind="treatment")
lines = treatment.splitlines(keepends=True)
start = next(i for i, line in enumerate(lines) if "role: medicinskt-ansvarig" in line) - 1
treatment = "".join(lines[:start] + lines[start + 4 :])
f = {"catalogue/fall-behandling.yaml": treatment}
case(
    "sob605-treatment-unapproved",
    "A treatment program published with only the publisher's approval.",
    f,
    [exp("SOB605", "catalogue/fall-behandling.yaml", f, "approvals:")],
)


OTHER = "sha256:" + "1" * 64
MINOR_HISTORY = f"""  - version: "1.0"
    date: 2024-02-01
    note: Första versionen.
    published: 2024-02-15
    fingerprint: {OTHER}
    structure: {OTHER}
    approvals:
      - by: SE2321000016-P008
        role: utgivare
        at: 2024-02-10
        fingerprint: {OTHER}
  - version: "1.1"
    date: 2024-06-01
    note: Ny modul, men bara en MINOR.
"""
f = {
    "catalogue/fall-ny-struktur.yaml": program("fall-ny-struktur", status="draft", version="1.1", history=MINOR_HISTORY)
}
case(
    "sob606-minor-changes-structure",
    "A MINOR version whose structure differs from the version published before it.",
    f,
    [exp("SOB606", "catalogue/fall-ny-struktur.yaml", f, 'version: "1.1"')],
)

f = {"catalogue/fall-granskning.yaml": program("fall-granskning", status="in-review", history=f"""  - version: "1.0"
    date: 2024-02-01
    note: Första versionen.
    approvals:
      - by: SE2321000016-P008
        role: utgivare
        at: 2024-02-10
        fingerprint: {OTHER}
""")}
case(
    "sob607-approval-of-other-content",
    "A version in review whose approval is of other content than it now holds.",
    f,
    [exp("SOB607", "catalogue/fall-granskning.yaml", f, f"fingerprint: {OTHER}")],
    exit=0,
)


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    for name, (description, files, expected, spec) in cases.items():
        folder = OUT / name
        folder.mkdir(parents=True)
        binary = spec.pop("binary", {})
        for path, text in files.items():
            target = folder / "files" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(binary.get(path, text.encode("utf-8")))
        payload = {"description": description, **spec, "diagnostics": expected}
        (folder / "expected.json").write_text(
            json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    print(len(cases), "cases")


if __name__ == "__main__":
    main()
