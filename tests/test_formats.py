"""Every output format of ``sobctl validate`` read back with a real reader of that format."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from junitparser import Failure, JUnitXml

from conftest import TODAY, run_cli
from examples import VALID

SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
TEXT_LINE = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+): (?P<severity>error|warning)\[(?P<code>SOB\d{3})\]: (?P<message>.*)$"
)
SUMMARY = re.compile(r"^(\d+) errors?, (\d+) warnings? in (\d+) files?$")
#: A key that puts a comma, a colon, a percent sign, a line break and a control character into a message.
AWKWARD_KEY = "a,b: 100%\nny rad\x07"
AWKWARD_PATH = "catalogue/fall,komma:kolon%.yaml"


def _validate(root: Path, fmt: str, *extra: str) -> Any:
    return run_cli("validate", "--repo", str(root), "--as-of", TODAY, "--format", fmt, *extra)


@pytest.fixture
def findings(region: Path) -> Path:
    """The demo region plus errors and a warning, in files whose names and keys need escaping."""
    (region / "roles" / "SE2321000016-P950.yaml").write_text(
        "hsa_id: SE2321000016-P950\nname: Udda Nyckel\nemails:\n  - udda@exempelland.se\n"
        '"a,b: 100%\\nny rad\\a": 1\n',
        encoding="utf-8",
    )
    (region / AWKWARD_PATH).write_text("# a list, not a mapping\n- ett\n- två\n", encoding="utf-8")
    (region / "agreements" / "fall-snart.yaml").write_text(
        "id: fall-snart\nkind: content-provider\ntitle: Snart slut\ncounterparty:\n  name: Leverantören AB\n"
        '  org_number: "556036-0793"\nvalid_from: 2024-01-01\nvalid_to: 2026-12-31\nlast_review: 2026-06-01\n',
        encoding="utf-8",
    )
    return region


def _json(root: Path) -> dict[str, Any]:
    result = _validate(root, "json")
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_json_shape(findings: Path) -> None:
    result = _validate(findings, "json")
    assert result.code == 1
    report = json.loads(result.stdout)
    assert set(report) == {"version", "diagnostics", "summary"}
    assert report["version"] == 1
    assert set(report["summary"]) == {"errors", "warnings", "files"}
    for item in report["diagnostics"]:
        assert set(item) == {"code", "severity", "message", "path", "line", "column", "hint"}
        assert item["severity"] in ("error", "warning")
        assert isinstance(item["line"], int) and item["line"] >= 1
        assert isinstance(item["column"], int) and item["column"] >= 1
        assert item["hint"] is None or isinstance(item["hint"], str)
    errors = sum(1 for d in report["diagnostics"] if d["severity"] == "error")
    assert report["summary"]["errors"] == errors >= 2
    assert report["summary"]["warnings"] == len(report["diagnostics"]) - errors >= 1
    odd = next(d for d in report["diagnostics"] if d["code"] == "SOB011")
    assert AWKWARD_KEY in odd["message"] and (odd["path"], odd["line"], odd["column"]) == (
        "roles/SE2321000016-P950.yaml", 5, 1
    )


def test_text_matches_json(findings: Path) -> None:
    report = _json(findings)
    result = _validate(findings, "text")
    assert result.code == 1
    lines = result.stdout.splitlines()
    parsed, hints = [], []
    for line in lines[:-1]:
        if line.startswith("  hint: "):
            hints.append(line.removeprefix("  hint: "))
            continue
        match = TEXT_LINE.match(line)
        assert match, f"not path:line:col: severity[CODE]: message — {line!r}"
        parsed.append(match.groupdict())
    expected = report["diagnostics"]
    assert [(p["path"], int(p["line"]), int(p["column"]), p["severity"], p["code"]) for p in parsed] == [
        (d["path"], d["line"], d["column"], d["severity"], d["code"]) for d in expected
    ]
    assert hints == [d["hint"] for d in expected if d["hint"]]
    odd = next(p for p in parsed if p["code"] == "SOB011")
    assert odd["message"] == "unknown field 'a,b: 100%\\nny rad\x07'"  # the line break shown, not taken
    summary = SUMMARY.match(lines[-1])
    assert summary, lines[-1]
    assert [int(n) for n in summary.groups()] == [
        report["summary"]["errors"], report["summary"]["warnings"], report["summary"]["files"]
    ]


def _unescape_property(value: str) -> str:
    for escaped, plain in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        value = value.replace(escaped, plain)
    return value


def _unescape_data(value: str) -> str:
    for escaped, plain in (("%0D", "\r"), ("%0A", "\n"), ("%25", "%")):
        value = value.replace(escaped, plain)
    return value


def parse_workflow_command(line: str) -> tuple[str, dict[str, str], str]:
    """Read one ``::command k=v,k=v::data`` line the way the GitHub Actions runner does."""
    assert line.startswith("::"), line
    end = line.index("::", 2)
    head, data = line[2:end], line[end + 2 :]
    command, _, raw_properties = head.partition(" ")
    properties: dict[str, str] = {}
    for pair in filter(None, raw_properties.split(",")):
        key, sep, value = pair.partition("=")
        assert sep, f"property without '=': {pair!r} in {line!r}"
        properties[key] = _unescape_property(value)
    return command, properties, _unescape_data(data)


def test_github_workflow_commands(findings: Path) -> None:
    report = _json(findings)
    result = _validate(findings, "github")
    assert result.code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == len(report["diagnostics"]) + 1  # a line break never escapes into a new command
    commands = [parse_workflow_command(line) for line in lines]
    for (command, properties, message), expected in zip(commands, report["diagnostics"], strict=False):
        assert command == expected["severity"]
        assert properties == {
            "file": expected["path"],
            "line": str(expected["line"]),
            "col": str(expected["column"]),
            "title": expected["code"],
        }
        assert message.startswith(expected["message"])
    odd = next(c for c in commands if c[1].get("title") == "SOB011")
    assert AWKWARD_KEY in odd[2]
    assert any(c[1].get("file") == AWKWARD_PATH for c in commands)
    raw = next(line for line in lines if "SOB011" in line)
    assert "100%25%0Any rad" in raw and "file=roles/SE2321000016-P950.yaml" in raw
    assert "fall%2Ckomma%3Akolon%25.yaml" in result.stdout
    assert commands[-1][0] == "notice"


def test_sarif_validates_against_the_schema(findings: Path) -> None:
    report = _json(findings)
    result = _validate(findings, "sarif")
    assert result.code == 1
    sarif = json.loads(result.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(sarif), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == len(report["diagnostics"])
    for result_item, expected in zip(results, report["diagnostics"], strict=True):
        assert rules[result_item["ruleIndex"]]["id"] == result_item["ruleId"] == expected["code"]
        assert result_item["level"] == expected["severity"]
        region = result_item["locations"][0]["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (expected["line"], expected["column"])
    listed = {rule["code"] for rule in json.loads(run_cli("rules", "--format", "json").stdout)}
    assert listed <= {rule["id"] for rule in rules}


def test_junit_parses_with_junitparser_and_etree(findings: Path) -> None:
    report = _json(findings)
    result = _validate(findings, "junit")
    assert result.code == 1
    by_path: dict[str, list[dict[str, Any]]] = {}
    for item in report["diagnostics"]:
        by_path.setdefault(item["path"], []).append(item)
    failing = {path for path, items in by_path.items() if any(d["severity"] == "error" for d in items)}

    root = ET.fromstring(result.stdout.encode("utf-8"))
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    assert {case.get("name") for case in cases} == set(by_path)
    assert {case.get("name") for case in cases if case.find("failure") is not None} == failing

    junit = JUnitXml.fromstring(result.stdout.encode("utf-8"))
    suites = list(junit)
    assert len(suites) == 1
    suite = suites[0]
    assert suite.tests == len(by_path)
    assert suite.failures == len(failing)
    names_with_failure = {case.name for case in suite if any(isinstance(r, Failure) for r in case.result)}
    assert names_with_failure == failing
    odd = next(case for case in suite if case.name == "roles/SE2321000016-P950.yaml")
    failure = next(r for r in odd.result if isinstance(r, Failure))
    assert "SOB011" in (failure.text or "") and "\\x07" in (failure.text or "")


def test_clean_repository_in_every_format(tmp_path: Path) -> None:
    root = _minimal_clean_region(tmp_path)
    for fmt in ("text", "json", "github", "sarif", "junit"):
        result = _validate(root, fmt, "--strict")
        assert result.code == 0, f"{fmt}: {result.stdout}{result.stderr}"
    assert _validate(root, "text").stdout == "0 errors, 0 warnings in 5 files\n"
    assert json.loads(_validate(root, "json").stdout)["diagnostics"] == []
    sarif = json.loads(_validate(root, "sarif").stdout)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(sarif, schema)
    junit = JUnitXml.fromstring(_validate(root, "junit").stdout.encode("utf-8"))
    assert [suite.failures for suite in junit] == [0]
    assert [parse_workflow_command(line)[0] for line in _validate(root, "github").stdout.splitlines()] == ["notice"]


def _minimal_clean_region(tmp_path: Path) -> Path:
    root = tmp_path / "clean"
    shutil.copytree(VALID / "minimal-region", root)
    return root


def test_strict_turns_warnings_into_failure(tmp_path: Path) -> None:
    root = _minimal_clean_region(tmp_path)
    (root / "sobctl.yaml").write_text(
        (root / "sobctl.yaml").read_text(encoding="utf-8") + "policy:\n  min_care_provider_admins: 3\n",
        encoding="utf-8",
    )
    plain = _validate(root, "json")
    assert plain.code == 0
    assert [d["code"] for d in json.loads(plain.stdout)["diagnostics"]] == ["SOB202"]
    assert _validate(root, "json", "--strict").code == 1
    assert _validate(root, "text", "--strict").stdout.endswith("0 errors, 1 warning in 5 files\n")


@pytest.mark.parametrize("bad", ["2026-13-01", "23/11/2026", "igår", ""])
def test_bad_as_of_is_a_usage_error(region: Path, bad: str) -> None:
    result = run_cli("validate", "--repo", str(region), "--as-of", bad)
    assert result.code == 2
    assert f"--as-of: '{bad}' is not a date (YYYY-MM-DD)" in result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr


def test_unknown_format_is_a_usage_error(region: Path) -> None:
    result = run_cli("validate", "--repo", str(region), "--as-of", TODAY, "--format", "xml")
    assert result.code == 2
    assert "'xml' is not one of text, json, github, sarif, junit" in result.stderr
    assert result.stdout == ""


SOME_TEXT = st.text(min_size=1, max_size=80)


@settings(max_examples=200, deadline=None)
@given(message=SOME_TEXT, path=SOME_TEXT, line=st.integers(1, 10**6), column=st.integers(1, 500))
def test_any_message_and_path_survive_every_format(message: str, path: str, line: int, column: int) -> None:
    from sobctl.model.diagnostic import Diagnostic, Severity, Summary
    from sobctl.render.diagnostics import RENDERERS

    found = [Diagnostic("SOB012", Severity.ERROR, message, path, (), line, column)]
    summary = Summary.of(found, 1)

    github = RENDERERS["github"](found, summary).removesuffix("\n").split("\n")  # the runner splits on \n only
    assert len(github) == 2
    command, properties, data = parse_workflow_command(github[0])
    assert (command, properties, data) == (
        "error", {"file": path, "line": str(line), "col": str(column), "title": "SOB012"}, message
    )

    text = RENDERERS["text"](found, summary).removesuffix("\n").split("\n")
    shown = path.replace("\r", "\\r").replace("\n", "\\n")
    assert len(text) == 2 and text[0].startswith(f"{shown}:{line}:{column}: error[SOB012]: ")

    report = json.loads(RENDERERS["json"](found, summary))
    assert (report["diagnostics"][0]["message"], report["diagnostics"][0]["path"]) == (message, path)

    sarif = json.loads(RENDERERS["sarif"](found, summary))
    assert sarif["runs"][0]["results"][0]["message"]["text"] == message

    junit = RENDERERS["junit"](found, summary).encode("utf-8")
    assert ET.fromstring(junit).find("./testsuite/testcase/failure") is not None
    assert [case.name for suite in JUnitXml.fromstring(junit) for case in suite] == [
        ET.fromstring(junit).find("./testsuite/testcase").get("name")  # type: ignore[union-attr]
    ]
