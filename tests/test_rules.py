"""``sobctl rules`` lists every diagnostic code, in text and in JSON."""

from __future__ import annotations

import json
import re

from conftest import run_cli
from sobctl.model.codes import RULES


def test_rules_json_lists_every_code() -> None:
    result = run_cli("rules", "--format", "json")
    assert result.code == 0
    listed = json.loads(result.stdout)
    assert [rule["code"] for rule in listed] == list(RULES)
    for rule in listed:
        assert set(rule) == {"code", "name", "severity", "description"}
        assert re.fullmatch(r"SOB\d{3}", rule["code"])
        assert rule["severity"] in ("error", "warning")
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule["name"])
        assert rule["description"] and "\n" not in rule["description"]
    assert len({rule["name"] for rule in listed}) == len(listed)


def test_rules_text_lists_every_code_on_one_line() -> None:
    result = run_cli("rules")
    assert result.code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(RULES)
    for line, (code, info) in zip(lines, RULES.items(), strict=True):
        fields = line.split(maxsplit=3)
        assert fields[:3] == [code, str(info.severity), info.name]
        assert fields[3] == info.description


def test_rules_unknown_format_is_a_usage_error() -> None:
    result = run_cli("rules", "--format", "sarif")
    assert result.code == 2
    assert "not one of text, json" in result.stderr
