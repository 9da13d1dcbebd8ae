"""Diagnostic reporters: text, json, github workflow commands, SARIF 2.1.0 and JUnit XML."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import quote

from sobctl import __version__
from sobctl.i18n import _, ngettext, rule_description
from sobctl.model.codes import RULES
from sobctl.model.diagnostic import Diagnostic, Severity, Summary

FORMATS = ("text", "json", "github", "sarif", "junit")


def summary_line(summary: Summary) -> str:
    """"N errors, M warnings in K files", in the chosen language."""
    errors = ngettext("{n} error", "{n} errors", summary.errors).format(n=summary.errors)
    warnings = ngettext("{n} warning", "{n} warnings", summary.warnings).format(n=summary.warnings)
    files = ngettext("{n} file", "{n} files", summary.files).format(n=summary.files)
    return ngettext("{errors}, {warnings} in {files}", "{errors}, {warnings} in {files}", summary.files).format(
        errors=errors, warnings=warnings, files=files
    )


def _one_line(text: str) -> str:
    """Keep a finding on its line: line breaks (in a key quoted from a file, or a file name) are shown escaped."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def text_line(d: Diagnostic) -> str:
    """``path:line:col: severity[CODE]: message`` — the form editors and grep understand."""
    return f"{_one_line(d.path)}:{d.line or 1}:{d.column or 1}: {d.severity}[{d.code}]: {_one_line(d.message)}"


def render_text(diagnostics: list[Diagnostic], summary: Summary) -> str:
    lines: list[str] = []
    for d in diagnostics:
        lines.append(text_line(d))
        if d.hint:
            lines.append("  " + _("hint: {hint}").format(hint=_one_line(d.hint)))
    lines.append(summary_line(summary))
    return "\n".join(lines) + "\n"


def render_json(diagnostics: list[Diagnostic], summary: Summary) -> str:
    payload = {
        "version": 1,
        "diagnostics": [d.as_dict() for d in diagnostics],
        "summary": {"errors": summary.errors, "warnings": summary.warnings, "files": summary.files},
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(diagnostics: list[Diagnostic], summary: Summary) -> str:
    lines = []
    for d in diagnostics:
        command = "error" if d.severity is Severity.ERROR else "warning"
        message = d.message + (" " + _("(hint: {hint})").format(hint=d.hint) if d.hint else "")
        lines.append(
            f"::{command} file={_escape_property(d.path)},line={d.line or 1},col={d.column or 1},"
            f"title={_escape_property(d.code)}::{_escape_data(message)}"
        )
    lines.append(f"::notice title=sobctl::{_escape_data(summary_line(summary))}")
    return "\n".join(lines) + "\n"


def render_sarif(diagnostics: list[Diagnostic], summary: Summary) -> str:
    used = sorted({d.code for d in diagnostics} | set(RULES))
    rule_index = {code: i for i, code in enumerate(used)}
    rules = [
        {
            "id": code,
            "name": RULES[code].name if code in RULES else code,
            "shortDescription": {"text": rule_description(code)},
            "defaultConfiguration": {
                "level": "error" if code in RULES and RULES[code].severity is Severity.ERROR else "warning"
            },
        }
        for code in used
    ]
    results = []
    for d in diagnostics:
        result: dict[str, object] = {
            "ruleId": d.code,
            "ruleIndex": rule_index[d.code],
            "level": "error" if d.severity is Severity.ERROR else "warning",
            "message": {"text": d.message + (" " + _("Hint: {hint}").format(hint=d.hint) if d.hint else "")},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": quote(d.path), "uriBaseId": "SRCROOT"},
                    "region": {"startLine": d.line or 1, "startColumn": d.column or 1},
                }
            }],
        }
        results.append(result)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "sobctl",
                "version": __version__,
                "informationUri": "https://example.invalid/sobctl",
                "rules": rules,
            }},
            "results": results,
        }],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


def render_junit(diagnostics: list[Diagnostic], summary: Summary) -> str:
    """One test case per file with findings (errors as failures, warnings in system-out)."""
    from xml.sax.saxutils import quoteattr  # here: it imports urllib.request and email (~15 ms)

    by_path: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_path.setdefault(d.path, []).append(d)
    cases = []
    failures = 0
    for path, items in sorted(by_path.items()):
        errors = [d for d in items if d.severity is Severity.ERROR]
        body = "\n".join(text_line(d) for d in items)
        inner = ""
        if errors:
            failures += 1
            failure = ngettext("{count} error", "{count} errors", len(errors)).format(count=len(errors))
            inner += (f"<failure message={quoteattr(failure)} type=\"sobctl\">"
                      f"{_xml_text(body)}</failure>")
        else:
            inner += f"<system-out>{_xml_text(body)}</system-out>"
        name = quoteattr(_xml_legal(path))
        cases.append(f'    <testcase classname="sobctl.validate" name={name}>{inner}</testcase>')
    if not cases:
        cases.append('    <testcase classname="sobctl.validate" name="repository"/>')
    tests = len(cases)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuites name="sobctl" tests="{tests}" failures="{failures}" errors="0">\n'
        f'  <testsuite name="sobctl validate" tests="{tests}" failures="{failures}" errors="0" skipped="0">\n'
        + "\n".join(cases)
        + "\n  </testsuite>\n</testsuites>\n"
    )


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_legal(text: str) -> str:
    """XML 1.0 cannot carry control characters at all: show them as \\xNN."""
    return _XML_ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _xml_text(text: str) -> str:
    return _xml_legal(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


RENDERERS: dict[str, Callable[[list[Diagnostic], Summary], str]] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
    "sarif": render_sarif,
    "junit": render_junit,
}
