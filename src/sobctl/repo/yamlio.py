"""YAML in and out.

Bulk reading goes through a Rust-backed parser (``yaml_rs``) that refuses duplicate keys
and caps alias expansion. ruamel is used only where it pays: composing the node tree of a
file that has findings (to put each finding on its line and column) and round-trip editing
of the single file a command changes (comments, key order and quoting stay as they were).
"""

from __future__ import annotations

import io
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sobctl.i18n import N_, _
from sobctl.model.diagnostic import Pointer

MAX_FILE_BYTES = 1024 * 1024
#: Above this many characters ruamel (pure Python, ~40-300 KiB/s) is not asked for precise
#: marks; the fast parser's location and line scans are used instead, so no file costs seconds.
PRECISE_LIMIT = 128 * 1024
_LOCATION_RE = re.compile(r"at line (\d+), column (\d+)")


@dataclass(slots=True)
class ParseFailure(Exception):
    """A file that could not be read as one YAML mapping; carries its diagnostic code."""

    code: str
    message: str
    line: int | None = None
    column: int | None = None
    hint: str | None = None


def decode(raw: bytes) -> str:
    """Bytes to text, refusing binary data and invalid UTF-8 with the place of the first bad byte."""
    if len(raw) > MAX_FILE_BYTES:
        raise ParseFailure(
            "SOB005",
            _("file is {size} bytes; sobctl reads at most {limit}").format(
                size=f"{len(raw):,}", limit=f"{MAX_FILE_BYTES:,}"
            ),
        )
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, column = _offset_to_position(raw, nul)
        raise ParseFailure("SOB004", _("binary data (a NUL byte) in a YAML file"), line, column)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _offset_to_position(raw, exc.start)
        raise ParseFailure(
            "SOB004",
            _("invalid UTF-8 (byte {byte}); save the file as UTF-8").format(byte=f"0x{raw[exc.start]:02x}"),
            line,
            column,
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
        raise ParseFailure("SOB001", _("YAML could not be read: {problem}").format(problem=exc)) from None
    if data is None:
        raise ParseFailure("SOB003", _("the file is empty; it must hold a mapping of keys"), 1, 1)
    if isinstance(data, list):
        raise _not_one_mapping(text)
    if not isinstance(data, dict):
        kind = _(_KIND_NAMES.get(type(data), _ANY_KIND))
        raise ParseFailure("SOB003", _("the document is a single {kind}, not a mapping").format(kind=kind),
                           *_first_content_position(text))
    return data


_ANY_KIND = N_("value")
_KIND_NAMES: dict[type, str] = {str: N_("text"), int: N_("number"), float: N_("number"), bool: N_("true/false value")}


def _first_content_position(text: str) -> tuple[int, int]:
    """Line and column of the first character that is not blank, a comment or a directive."""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        if stripped and not stripped.startswith(("#", "%", "---")):
            return number, len(line) - len(stripped) + 1
    return 1, 1


def _not_one_mapping(text: str) -> ParseFailure:
    """The fast parser returns a list both for a top-level list and for several documents: tell which."""
    from ruamel.yaml import YAML
    from ruamel.yaml.events import DocumentStartEvent

    starts: list[Any] = []
    if len(text) > PRECISE_LIMIT:
        second = _second_document_line(text)
        starts = [_Mark(0, 0), _Mark(second, 0)] if second is not None else []
    try:
        for event in YAML(typ="rt").parse(text) if len(text) <= PRECISE_LIMIT else ():
            if isinstance(event, DocumentStartEvent):
                starts.append(event.start_mark)
                if len(starts) == 2:
                    break
    except Exception:
        starts = starts[:1]
    if len(starts) >= 2:
        return ParseFailure(
            "SOB003",
            _("the file holds several YAML documents; it must hold exactly one mapping"),
            starts[1].line + 1,
            starts[1].column + 1,
            hint=_("remove the '---' separator and keep one document per file"),
        )
    return ParseFailure(
        "SOB003", _("the document is a list; it must be a mapping of keys"), *_first_content_position(text)
    )


def _second_document_line(text: str) -> int | None:
    """The 0-based line of a '---' that starts a second document, by a line scan."""
    content = False
    for index, line in enumerate(text.splitlines()):
        if line.startswith("---") and line[3:4] in ("", " ", "\t"):
            if content:
                return index
            content = bool(line[3:].strip()) and not line[3:].strip().startswith("#")
        elif line.strip() and not line.lstrip().startswith(("#", "%")):
            content = True
    return None


def _explain(message: str, text: str) -> ParseFailure:
    """Turn the fast parser's error into a located failure, asking ruamel for a precise mark."""
    if "alias" in message and "limit" in message:
        return ParseFailure(
            "SOB006",
            _("YAML aliases expand too far (an alias bomb?)"),
            *_first_alias_position(text),
            hint=_("write the values out instead of repeating them through anchors (&) and aliases (*)"),
        )
    match = _LOCATION_RE.search(message)
    if "recursion limit" in message:
        # ruamel would recurse just as deep, slowly: report the fast parser's place.
        line, column = (int(match.group(1)), int(match.group(2))) if match else (1, 1)
        return ParseFailure("SOB001", _("lists or mappings are nested too deeply"), line, column)
    if message.startswith("duplicate mapping key"):
        found = find_duplicate_key(text) if len(text) <= PRECISE_LIMIT else _scan_duplicate(text, message)
        if found is not None:
            key, line, column = found
            return ParseFailure("SOB002", _("duplicate key '{key}'").format(key=key), line, column)
        return ParseFailure("SOB002", message)
    precise = _ruamel_syntax_error(text) if len(text) <= PRECISE_LIMIT else None
    if precise is not None:
        return precise
    detail = message.strip().splitlines()[-1] if message.strip() else _("syntax error")
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
        problem = exc.problem or exc.context or _("syntax error")
        hint = None
        if "'\\t'" in problem or "\t" in problem or (mark is not None and _tab_at(text, mark.line)):
            problem = _("a tab character where YAML needs spaces")
            hint = _("indent with spaces; YAML does not allow tabs for indentation")
        if mark is None:
            return ParseFailure("SOB001", problem, hint=hint)
        return ParseFailure("SOB001", problem, mark.line + 1, mark.column + 1, hint=hint)
    except Exception:
        return None
    return None


def _scan_duplicate(text: str, message: str) -> tuple[str, int, int] | None:
    """A huge file's duplicate key by a line scan of block-style YAML: the key's second
    appearance at one column with no line left of that column, or list item, in between."""
    named = re.search(r"duplicate mapping key: '(.*)'", message)
    if named is None:
        return None
    key = named.group(1)
    key_line = re.compile(r"( *)((?:- +)*)" + re.escape(key) + r"""[ \t]*:(?:[ \t]|$)""")
    open_columns: set[int] = set()  # columns of mappings, still open, that already have the key
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)
        # a line closes the mappings right of where it starts (a list item: right of its dash)
        open_columns = {column for column in open_columns if column <= indent}
        match = key_line.match(line)
        if match is None:
            continue
        column = len(match.group(1)) + len(match.group(2))
        if column in open_columns:
            return key, number, column + 1
        open_columns.add(column)
    return None


def _tab_at(text: str, line_index: int) -> bool:
    """Whether the indentation of a line (0-based) holds a tab."""
    lines = text.splitlines()
    if not 0 <= line_index < len(lines):
        return False
    line = lines[line_index]
    return "\t" in line[: len(line) - len(line.lstrip())]


def _first_alias_position(text: str) -> tuple[int, int]:
    """Where the first alias (``*name``) is used; parsing events never expand aliases."""
    from ruamel.yaml import YAML
    from ruamel.yaml.events import AliasEvent

    try:
        for event in YAML(typ="rt").parse(text):
            if isinstance(event, AliasEvent):
                return event.start_mark.line + 1, event.start_mark.column + 1
    except Exception:
        pass
    return 1, 1


def read_bounded(root: Path, relpath: str) -> bytes | None:
    """The bytes of a regular file inside ``root`` of at most ``MAX_FILE_BYTES``, else None.

    Used to locate findings: a FIFO, a device or a symlink out of the repository is never
    opened, so a bad file can neither hang sobctl nor make it read without bound.
    """
    path = root / relpath
    try:
        if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
            return None
        status = path.stat()
        if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_FILE_BYTES:
            return None
        with path.open("rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except (OSError, RuntimeError, ValueError):
        return None


def scalar_source(text: str, pointer: Pointer) -> str | None:
    """The scalar at ``pointer`` as written in the file (e.g. ``1.10``, which YAML reads as 1.1)."""
    from ruamel.yaml.nodes import ScalarNode

    try:
        node = compose(text)
    except Exception:
        return None
    node = _descend(node, pointer)
    return node.value if isinstance(node, ScalarNode) and isinstance(node.value, str) else None


def _descend(node: Any, pointer: Pointer) -> Any:
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    for part in pointer:
        if isinstance(node, MappingNode) and isinstance(part, str):
            node = next((value for key, value in node.value if getattr(key, "value", None) == part), None)
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            return None
    return node


# --- locating pointers ---------------------------------------------------------------------------


def compose(text: str) -> Any:
    """The ruamel node tree of a document (no construction, so aliases are never expanded).

    Above ``PRECISE_LIMIT`` only the top-level keys are mapped (by a line scan): a finding
    deep in a huge file is located at its top-level key rather than costing seconds.
    """
    if len(text) > PRECISE_LIMIT:
        return _top_level_tree(text)
    from ruamel.yaml import YAML

    return YAML(typ="rt").compose(text)


@dataclass(frozen=True, slots=True)
class _Mark:
    line: int
    column: int


_TOP_KEY_RE = re.compile(r"""^(?:"([^"\n]*)"|'([^'\n]*)'|([^\s#'"\-?:,\[\]{}&*!|>%@`][^:\n]*?))[ \t]*:(?:[ \t]|$)""")


def _top_level_tree(text: str) -> Any:
    """A mapping node of the top-level keys of a block-style document, each with its mark."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode

    members = []
    first: _Mark | None = None
    for index, line in enumerate(text.splitlines()):
        match = _TOP_KEY_RE.match(line)
        if match is None:
            continue
        key = next(group for group in match.groups() if group is not None).strip()
        mark = _Mark(index, 0)
        first = first or mark
        members.append(
            (ScalarNode("tag:yaml.org,2002:str", key, mark, mark), ScalarNode("tag:yaml.org,2002:null", "", mark, mark))
        )
    start = first or _Mark(0, 0)
    return MappingNode("tag:yaml.org,2002:map", members, start, start)


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
