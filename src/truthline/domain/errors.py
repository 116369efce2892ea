"""The one error tree of truthline: every expected failure is a TruthlineError."""

from __future__ import annotations


class TruthlineError(Exception):
    """Base of every error truthline raises on purpose.

    A message says what went wrong, where, and how to fix it, in one line.
    """

    exit_code = 2

    def __init__(self, what: str, *, where: str | None = None, fix: str | None = None) -> None:
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        parts = [self.what]
        if self.where:
            parts.append(f"at {self.where}")
        line = " ".join(parts)
        if self.fix:
            line += f"; {self.fix}"
        return line


class UserInputError(TruthlineError):
    """A value, file or argument given by the user is wrong."""


class NotFoundError(TruthlineError):
    """An id or name does not exist in the workspace."""


class WorkspaceError(TruthlineError):
    """The workspace is missing, unreadable or of an unsupported schema."""


class ConflictError(TruthlineError):
    """The request clashes with what is stored (nothing to commit, a duplicate, a stage rule)."""


class FormatError(UserInputError):
    """A file in an annotation, prediction or config format is malformed."""
