"""Compiler diagnostics: positioned errors in the user's terms.

Every error the compiler reports is a `CompileError` carrying a
`SourceLocation` in the user's original file (after `#line` mapping), and is
printed as `file:line:column: error: message`, like gcc and p4c.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A position in an original source file (1-based line and column)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


UNKNOWN_LOCATION = SourceLocation("<unknown>", 0, 0)


@dataclass(slots=True)
class Diagnostic:
    location: SourceLocation | None
    severity: str  # "error", "warning" or "note"
    message: str

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location is not None else ""
        return f"{where}{self.severity}: {self.message}"


class CompileError(Exception):
    """A P4 program is invalid or uses something not supported.

    Carries one or more diagnostics; `str()` is what the user sees.
    """

    def __init__(
        self,
        message: str,
        location: SourceLocation | None = None,
        *,
        notes: list[Diagnostic] | None = None,
    ) -> None:
        super().__init__(message)
        self.diagnostics: list[Diagnostic] = [Diagnostic(location, "error", message)]
        if notes:
            self.diagnostics.extend(notes)

    @property
    def location(self) -> SourceLocation | None:
        return self.diagnostics[0].location

    @property
    def message(self) -> str:
        return self.diagnostics[0].message

    def __str__(self) -> str:
        return "\n".join(str(d) for d in self.diagnostics)


class UnsupportedError(CompileError):
    """A valid P4 construct that OvS.p4 does not implement (yet)."""

    def __init__(self, what: str, location: SourceLocation | None = None) -> None:
        super().__init__(f"{what} is not supported by OvS.p4", location)


@dataclass(slots=True)
class DiagnosticSink:
    """Collects warnings (errors are raised as CompileError)."""

    warnings: list[Diagnostic] = field(default_factory=list)

    def warn(self, message: str, location: SourceLocation | None = None) -> None:
        self.warnings.append(Diagnostic(location, "warning", message))
