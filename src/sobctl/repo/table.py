"""A large string-keyed table kept as marshalled buckets, for cache files read a little at a time."""

from __future__ import annotations

import marshal
import zlib
from collections.abc import Iterator
from typing import Any


class Table:
    """A large string-keyed table stored as marshalled buckets: a run that reads a few entries
    unpacks only their buckets (a record's tables hold tens of thousands of entries, and
    unpacking all of them would cost more than the whole incremental judgement)."""

    BUCKETS = 2048
    _EMPTY = marshal.dumps({})
    __slots__ = ("changed", "opened", "packed")

    def __init__(self, packed: list[bytes] | None = None) -> None:
        self.packed: list[bytes] = packed if packed is not None else [self._EMPTY] * self.BUCKETS
        self.opened: dict[int, dict[str, Any]] = {}
        self.changed: set[int] = set()

    @classmethod
    def of(cls, items: dict[str, Any]) -> Table:
        buckets: list[dict[str, Any]] = [{} for _ in range(cls.BUCKETS)]
        for key, value in items.items():
            buckets[zlib.crc32(key.encode("utf-8", "surrogateescape")) % cls.BUCKETS][key] = value
        return cls([marshal.dumps(bucket) for bucket in buckets])

    def _bucket(self, key: str) -> tuple[int, dict[str, Any]]:
        number = zlib.crc32(key.encode("utf-8", "surrogateescape")) % self.BUCKETS
        bucket = self.opened.get(number)
        if bucket is None:
            bucket = self.opened[number] = marshal.loads(self.packed[number])
        return number, bucket

    def get(self, key: str, default: Any = None) -> Any:
        return self._bucket(key)[1].get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        number, bucket = self._bucket(key)
        bucket[key] = value
        self.changed.add(number)

    def pop(self, key: str, default: Any = None) -> Any:
        number, bucket = self._bucket(key)
        self.changed.add(number)
        return bucket.pop(key, default)

    def copy(self) -> Table:
        """A table to change without changing this one (unchanged buckets are shared)."""
        return Table(self.dump())

    def dump(self) -> list[bytes]:
        packed = list(self.packed)
        for number in self.changed:
            packed[number] = marshal.dumps(self.opened[number])
        return packed

    @classmethod
    def parse(cls, value: object) -> Table | None:
        if not isinstance(value, list) or len(value) != cls.BUCKETS or not all(isinstance(b, bytes) for b in value):
            return None
        return cls(value)

    def items(self) -> Iterator[tuple[str, Any]]:
        """Every entry (unpacks every bucket: for small tables, or when all are needed)."""
        for number in range(self.BUCKETS):
            bucket = self.opened.get(number)
            if bucket is None:
                bucket = self.opened[number] = marshal.loads(self.packed[number])
            yield from bucket.items()
