"""Renderers of ``audit verify`` results: text, json, github workflow commands, SARIF 2.1.0."""

from __future__ import annotations

import json
from collections.abc import Callable

from sobctl import __version__
from sobctl.i18n import _
from sobctl.model.audit_codes import AUDIT_CODES
from sobctl.ops.audit import AuditResult, Finding


def _summary(result: AuditResult) -> str:
    if not result.findings:
        return _("history verified: {checked} commit(s) checked in {range}").format(
            checked=result.checked, range=result.revision_range
        )
    return _("{count} finding(s): {checked} commit(s) checked in {range}").format(
        count=len(result.findings), checked=result.checked, range=result.revision_range
    )


def _line(finding: Finding) -> str:
    return f"{finding.short} {finding.subject}: {finding.code}: {finding.message}"


def render_text(result: AuditResult) -> str:
    lines: list[str] = []
    for finding in result.findings:
        lines.append(f"{finding.short} {finding.subject!r}")
        lines.append(f"  error[{finding.code}]: {finding.message}")
        if finding.hint:
            lines.append("  " + _("hint: {hint}").format(hint=finding.hint))
    lines.append(_summary(result))
    return "\n".join(lines) + "\n"


def render_json(result: AuditResult) -> str:
    payload = {"range": result.revision_range, "checked": result.checked, "skipped": result.skipped,
               "findings": [f.as_dict() for f in result.findings]}
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: AuditResult) -> str:
    lines = []
    for f in result.findings:
        where = f"file={_escape_property(f.path)}," if f.path else ""
        message = _line(f) + (" " + _("(hint: {hint})").format(hint=f.hint) if f.hint else "")
        lines.append(f"::error {where}title={_escape_property(f.code + ' ' + f.short)}::{_escape_data(message)}")
    lines.append(f"::notice title=sobctl audit::{_escape_data(_summary(result))}")
    return "\n".join(lines) + "\n"


def render_sarif(result: AuditResult) -> str:
    codes = sorted(AUDIT_CODES)
    index = {code: i for i, code in enumerate(codes)}
    rules = [{"id": c, "name": AUDIT_CODES[c].name, "shortDescription": {"text": AUDIT_CODES[c].description},
              "defaultConfiguration": {"level": "error"}} for c in codes]
    results = []
    for f in result.findings:
        item: dict[str, object] = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": "error",
            "message": {"text": _line(f) + (" " + _("Hint: {hint}").format(hint=f.hint) if f.hint else "")},
            "partialFingerprints": {"sobctlCommit/v1": f"{f.commit}:{f.code}:{f.path or ''}"},
            "properties": {"commit": f.commit, "subject": f.subject},
        }
        item["locations"] = [{"physicalLocation": {
            "artifactLocation": {"uri": f.path or "sobctl.yaml", "uriBaseId": "SRCROOT"},
            "region": {"startLine": 1}}}]
        results.append(item)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "sobctl-audit", "version": __version__,
                                "informationUri": "https://example.invalid/sobctl", "rules": rules}},
            "automationDetails": {"id": f"sobctl-audit/{result.revision_range}"},
            "results": results,
        }],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


RENDERERS: dict[str, Callable[[AuditResult], str]] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
    "sarif": render_sarif,
}
