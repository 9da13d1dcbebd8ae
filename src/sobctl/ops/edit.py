"""Round-trip edits of single files: only the lines that must change do."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

from sobctl.ops.transaction import Change


def _yaml_for(text: str) -> tuple[Any, Any]:
    """A ruamel round-trip loader/dumper set to the file's own indentation, and the loaded data."""
    from ruamel.yaml import YAML
    from ruamel.yaml.util import load_yaml_guess_indent

    _, indent, block_seq_indent = load_yaml_guess_indent(text)
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    indent = indent or 2
    offset = block_seq_indent if block_seq_indent is not None else 0
    # ruamel guesses one indent from the first nested block, often a sequence ("  - x" → 4);
    # nested mappings keep their own (the house style is 2), or an edit re-indents them all.
    yaml.indent(mapping=_mapping_indent(text) or indent, sequence=max(indent, offset + 2), offset=offset)
    return yaml, yaml.load(text)


_KEY_ONLY_RE = re.compile(r"^( *)[^\s#-][^#]*:\s*$")


def _mapping_indent(text: str) -> int | None:
    """The indent of the first mapping nested directly in a mapping (None when there is none)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for line, following in pairwise(lines):
        match = _KEY_ONLY_RE.match(line)
        if match is None:
            continue
        inner = len(following) - len(following.lstrip(" "))
        if following.lstrip().startswith("- ") or following.strip() == "-":
            continue
        if inner > len(match.group(1)):
            return inner - len(match.group(1))
    return None


def dump(yaml: Any, data: Any) -> bytes:
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue().encode("utf-8")


def edit_file(root: Path, relpath: str, mutate: Callable[[Any], None]) -> Change:
    """Load ``relpath``, let ``mutate`` change the round-trip data in place, and return the change."""
    before = (root / relpath).read_bytes()
    yaml, data = _yaml_for(before.decode("utf-8"))
    mutate(data)
    return Change(relpath, before, dump(yaml, data))


def new_file(relpath: str, data: dict[str, Any], schema: str) -> Change:
    """A new document with the editor's schema line on top, in the house style."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    header = f"# yaml-language-server: $schema=../schemas/{schema}\n"
    return Change(relpath, None, header.encode("utf-8") + dump(yaml, to_commented(data)))


def to_commented(value: Any) -> Any:
    """Plain dicts/lists to ruamel's types, so dates and strings dump as they do in edits."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        mapping = CommentedMap()
        for key, item in value.items():
            if item is not None:
                mapping[key] = to_commented(item)
        return mapping
    if isinstance(value, list):
        return CommentedSeq([to_commented(item) for item in value])
    return value
