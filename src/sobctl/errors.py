"""Failures that end a command, each owning its exit code (see README, "Exit codes")."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1
    USAGE = 2
    INVALID_CONTENT = 3
    REFUSED = 4
    GIT_FAILED = 5
    INTERNAL = 70
    INTERRUPTED = 130


class SobError(Exception):
    """A failure with a message for the user, a hint, and the exit code it maps to."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(SobError):
    exit_code = ExitCode.USAGE


class Refused(SobError):
    """A precondition or permission refused the act; ``rule`` names which one."""

    exit_code = ExitCode.REFUSED

    def __init__(self, message: str, *, rule: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.rule = rule


class GitFailed(SobError):
    exit_code = ExitCode.GIT_FAILED
