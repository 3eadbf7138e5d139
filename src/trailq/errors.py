"""Every error trailq raises on purpose, each carrying its exit code (DESIGN.md) and a hint.

Library code raises these; only the command line (cli/) turns them into a message and an exit code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trailq.source import Span

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_QUERY_INVALID = 3
EXIT_ACCESS = 4
EXIT_QUERY_FAILED = 5
EXIT_CATALOG = 6
EXIT_NOT_SUPPORTED = 7
EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 70


# From least to most telling: when several things went wrong, the exit code says the one that most
# needs a human (interrupted > invalid catalog or query text > a failure > denied access > findings).
_SEVERITY = [EXIT_OK, EXIT_CHECK_FAILED, EXIT_ACCESS, EXIT_QUERY_FAILED, EXIT_QUERY_INVALID, EXIT_CATALOG, EXIT_USAGE, EXIT_INTERRUPTED]


def worst_exit_code(*codes: int) -> int:
    """The exit code that says most among several (unknown codes rank highest)."""
    return max(codes, key=lambda code: _SEVERITY.index(code) if code in _SEVERITY else len(_SEVERITY))


class TrailqError(Exception):
    """Base class: a user-facing error with a one-line message and an optional hint."""

    exit_code = EXIT_INTERNAL

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        """The text shown to the user (may span lines, e.g. a caret under a query)."""
        return self.message


class UsageError(TrailqError):
    """Bad flag or flag value: a time range, a format name, conflicting options."""

    exit_code = EXIT_USAGE


class AccessError(TrailqError):
    """AWS credentials missing or expired, or access denied."""

    exit_code = EXIT_ACCESS


class QueryFailedError(TrailqError):
    """A query failed, timed out or was cancelled, some targets failed, or input was unreadable under --strict."""

    exit_code = EXIT_QUERY_FAILED


class WriteFailedError(TrailqError):
    """An output file (`--output`, `--junit`, `--state`, stdout) could not be written after the run.

    Exit 5, not 2: the flags were fine when checked before the run; the results are what was lost.
    """

    exit_code = EXIT_QUERY_FAILED


class CatalogError(TrailqError):
    """The catalog is invalid, a query name is unknown, or a parameter is bad.

    `problems` holds every problem found (each already `file:line: query 'name': message`),
    so a broken catalog is reported in one run; `warnings` the catalog's query warnings, which
    `trailq validate` still shows beside the problems.
    """

    exit_code = EXIT_CATALOG

    def __init__(self, problems: list[str] | str, hint: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.warnings: list[str] = []
        super().__init__(self.problems[0] if len(self.problems) == 1 else f"{len(self.problems)} catalog problems", hint)

    def render(self) -> str:
        return "\n".join(self.problems)


class QueryError(TrailqError):
    """Query text that cannot be run, pointing at the characters at fault.

    `category` is one of: syntax, unknown-command, unknown-function, arity, semantic, service
    (a MalformedQueryException from CloudWatch), unsupported (local engine only).
    """

    exit_code = EXIT_QUERY_INVALID

    def __init__(
        self,
        message: str,
        *,
        category: str,
        span: Span,
        text: str,
        origin: str = "query",
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.category = category
        self.span = span
        self.text = text
        self.origin = origin

    def render(self) -> str:
        from trailq.source import describe

        return describe(self.origin, self.text, self.span, self.message)


class UnsupportedLocally(QueryError):
    """Valid query text that the local engine cannot reproduce (pattern, diff, anomaly, unmask, lookup)."""

    exit_code = EXIT_NOT_SUPPORTED

    def __init__(self, message: str, *, span: Span, text: str, origin: str = "query", hint: str | None = None) -> None:
        super().__init__(message, category="unsupported", span=span, text=text, origin=origin, hint=hint)
