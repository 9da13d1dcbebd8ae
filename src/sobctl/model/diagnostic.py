"""Diagnostics: one finding at one place, with a stable code. Pure data."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

Pointer = tuple[str | int, ...]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(slots=True)
class Diagnostic:
    """A finding. ``pointer`` is the path inside the YAML document; line/column are 1-based
    and are filled in from the pointer only for the files that have findings."""

    code: str
    severity: Severity
    message: str
    path: str
    pointer: Pointer = ()
    line: int | None = None
    column: int | None = None
    hint: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line or 0, self.column or 0, self.code, self.message)

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "path": self.path,
            "line": self.line or 1,
            "column": self.column or 1,
            "hint": self.hint,
        }


@dataclass(frozen=True, slots=True)
class Summary:
    errors: int
    warnings: int
    files: int

    @classmethod
    def of(cls, diagnostics: list[Diagnostic], files: int) -> Summary:
        errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
        return cls(errors=errors, warnings=len(diagnostics) - errors, files=files)
