"""Round-trip edits of single files: only the lines that must change do."""

from __future__ import annotations

import difflib
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
    # A file without block sequences gets the house style ("  - item") for new ones.
    offset = block_seq_indent if block_seq_indent is not None else 2
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
    """Load ``relpath``, let ``mutate`` change the round-trip data in place, and return the change.

    Only the lines that must change do: ruamel keeps comments, key order and quotes, and
    whatever it would still normalise elsewhere (spacing after a colon, indentation of a
    sequence it did not touch, ...) is taken back from the original bytes.
    """
    before = (root / relpath).read_bytes()
    text = before.decode("utf-8")
    yaml, data = _yaml_for(text)
    baseline = dump(yaml, data).decode("utf-8")
    mutate(data)
    edited = dump(yaml, data).decode("utf-8")
    return Change(relpath, before, keep_untouched_lines(text, baseline, edited).encode("utf-8"))


def keep_untouched_lines(original: str, baseline: str, edited: str) -> str:
    """``edited`` with every line the edit did not change taken from ``original``.

    ``baseline`` is the dumper's rendering of the unchanged document. Where it renders the
    original line for line (the usual case), the edit's changes from ``baseline`` to
    ``edited`` are applied to the original's own lines; otherwise ``edited`` stands.
    """
    if baseline == original:
        return edited
    old = original.splitlines(keepends=True)
    base = baseline.splitlines(keepends=True)
    new = edited.splitlines(keepends=True)
    if len(old) != len(base):
        return edited
    result: list[str] = []
    matcher = difflib.SequenceMatcher(a=base, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        result.extend(old[i1:i2] if tag == "equal" else new[j1:j2])
    # An original last line without a newline may now be followed by new lines.
    return "".join(line if line.endswith(("\n", "\r")) or i == len(result) - 1 else line + "\n"
                   for i, line in enumerate(result))


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
