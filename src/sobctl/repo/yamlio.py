"""YAML in and out.

Bulk reading goes through a Rust-backed parser (``yaml_rs``) that refuses duplicate keys
and caps alias expansion. ruamel is used only where it pays: composing the node tree of a
file that has findings (to put each finding on its line and column) and round-trip editing
of the single file a command changes (comments, key order and quoting stay as they were).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from sobctl.model.diagnostic import Pointer

MAX_FILE_BYTES = 1024 * 1024
_LOCATION_RE = re.compile(r"at line (\d+), column (\d+)")


@dataclass(slots=True)
class ParseFailure(Exception):
    """A file that could not be read as one YAML mapping; carries its diagnostic code."""

    code: str
    message: str
    line: int | None = None
    column: int | None = None


def decode(raw: bytes) -> str:
    """Bytes to text, refusing binary data and invalid UTF-8 with the place of the first bad byte."""
    if len(raw) > MAX_FILE_BYTES:
        raise ParseFailure("SOB005", f"file is {len(raw):,} bytes; sobctl reads at most {MAX_FILE_BYTES:,}")
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, column = _offset_to_position(raw, nul)
        raise ParseFailure("SOB004", "binary data (a NUL byte) in a YAML file", line, column)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _offset_to_position(raw, exc.start)
        raise ParseFailure(
            "SOB004", f"invalid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", line, column
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _offset_to_position(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def load_fast(text: str) -> dict[str, Any]:
    """Parse one document with the fast parser; it must be a mapping."""
    import yaml_rs

    try:
        data = yaml_rs.loads(text, alias_limits=yaml_rs.AliasLimits(max_total_replayed_events=100_000))
    except yaml_rs.YAMLDecodeError as exc:
        raise _explain(str(exc), text) from None
    except (RecursionError, OverflowError, ValueError) as exc:
        raise ParseFailure("SOB001", f"YAML could not be read: {exc}") from None
    if data is None:
        raise ParseFailure("SOB003", "the file is empty; it must hold a mapping of keys", 1, 1)
    if isinstance(data, list):
        raise ParseFailure(
            "SOB003", "the document is a list (or several documents); it must be one mapping", 1, 1
        )
    if not isinstance(data, dict):
        raise ParseFailure("SOB003", f"the document is a single {type(data).__name__}, not a mapping", 1, 1)
    return data


def _explain(message: str, text: str) -> ParseFailure:
    """Turn the fast parser's error into a located failure, asking ruamel for a precise mark."""
    if "alias" in message and "limit" in message:
        return ParseFailure("SOB006", "YAML aliases expand too far (an alias bomb?)", 1, 1)
    if message.startswith("duplicate mapping key"):
        found = find_duplicate_key(text)
        if found is not None:
            key, line, column = found
            return ParseFailure("SOB002", f"duplicate key '{key}'", line, column)
        return ParseFailure("SOB002", message)
    precise = _ruamel_syntax_error(text)
    if precise is not None:
        return precise
    match = _LOCATION_RE.search(message)
    detail = message.strip().splitlines()[-1] if message.strip() else "syntax error"
    if match:
        return ParseFailure("SOB001", detail, int(match.group(1)), int(match.group(2)))
    return ParseFailure("SOB001", detail)


def _ruamel_syntax_error(text: str) -> ParseFailure | None:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

    try:
        YAML(typ="rt").compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "syntax error"
        if mark is None:
            return ParseFailure("SOB001", problem)
        return ParseFailure("SOB001", problem, mark.line + 1, mark.column + 1)
    except Exception:
        return None
    return None


# --- locating pointers ---------------------------------------------------------------------------


def compose(text: str) -> Any:
    """The ruamel node tree of a document (no construction, so aliases are never expanded)."""
    from ruamel.yaml import YAML

    return YAML(typ="rt").compose(text)


def locate(root: Any, pointer: Pointer) -> tuple[int, int]:
    """1-based line and column of ``pointer`` in a composed tree.

    A mapping member is located at its key; where the pointer leaves the tree (a missing
    field) the deepest node reached is used, so a finding never falls back to line 1 while
    its parent exists.
    """
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    if root is None:
        return 1, 1
    node = root
    mark = node.start_mark
    for part in pointer:
        if isinstance(node, MappingNode) and isinstance(part, str):
            for key_node, value_node in node.value:
                if getattr(key_node, "value", None) == part:
                    mark = key_node.start_mark
                    node = value_node
                    break
            else:
                break
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            mark = node.start_mark
        else:
            break
    return mark.line + 1, mark.column + 1


def find_duplicate_key(text: str) -> tuple[str, int, int] | None:
    """The first key that repeats within one mapping, with its (second) position."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    try:
        root = compose(text)
    except Exception:
        return None
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, MappingNode):
            keys: set[object] = set()
            for key_node, value_node in node.value:
                key = getattr(key_node, "value", None)
                if key in keys:
                    return str(key), key_node.start_mark.line + 1, key_node.start_mark.column + 1
                keys.add(key)
                stack.append(value_node)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return None


# --- round-trip editing --------------------------------------------------------------------------


def _roundtrip() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load_roundtrip(text: str) -> Any:
    """Load one file for editing; the result keeps comments, order and quoting."""
    return _roundtrip().load(text)


def dump_roundtrip(data: Any) -> str:
    """Serialise an edited document; untouched parts come out byte-identical."""
    stream = io.StringIO()
    _roundtrip().dump(data, stream)
    return stream.getvalue()
