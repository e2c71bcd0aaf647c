"""The one error family: "linearcli could not check this spec".

A shape mistake in the user's model is never an exception: it is a finding in the
report. These errors mean the check itself could not run; the CLI prints them as one
``path[:line]: message`` line and exits 2.
"""

from __future__ import annotations


class LinearcliError(Exception):
    """The spec could not be checked. Carries the file and line when they are known."""

    code = "spec-error"  # the JSON error code

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    @property
    def location(self) -> str | None:
        """``path:line`` (or just ``path``) of what went wrong, when known."""
        if self.path is None:
            return None
        return f"{self.path}:{self.line}" if self.line is not None else self.path

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class SpecError(LinearcliError):
    """The spec file (or the options naming its inputs) is not a valid spec."""

    code = "spec-error"


class BuildError(LinearcliError):
    """The spec is well formed but the model or its sample batch could not be made."""

    code = "build-error"
