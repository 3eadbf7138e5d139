"""The contract between the backends (local engine, CloudWatch) and output/checks.

Both backends return `Result`s; nothing downstream knows which backend produced one.
Values are strings, exactly as GetQueryResults returns them; a missing key in a row is a
field the service did not return for that row (null).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

COMPLETE = "Complete"
FAILED = "Failed"
CANCELLED = "Cancelled"
TIMEOUT = "Timeout"
UNKNOWN = "Unknown"
ERROR = "Error"  # failed on our side (access denied, bad parameter, unreadable input)


@dataclass(frozen=True)
class Target:
    """Where one query ran: an AWS account and region with its log groups, or local sources."""

    account: str | None = None
    region: str | None = None
    log_groups: tuple[str, ...] = ()
    source: str | None = None  # local backend: what was read ("sample", a path, "stdin")

    def label(self) -> str:
        if self.source is not None:
            return self.source
        parts = [p for p in (self.account, self.region) if p]
        return "/".join(parts) or "default"

    def to_dict(self) -> dict:
        return {
            "account": self.account,
            "region": self.region,
            "log_groups": list(self.log_groups),
            "source": self.source,
        }


@dataclass
class Statistics:
    """What a query cost: the fields of GetQueryResults' statistics, plus our wall time."""

    records_matched: float = 0.0
    records_scanned: float = 0.0
    bytes_scanned: float = 0.0
    elapsed_seconds: float = 0.0

    def add(self, other: "Statistics") -> None:
        """Accumulate another run's figures (splits, batches, merged windows)."""
        self.records_matched += other.records_matched
        self.records_scanned += other.records_scanned
        self.bytes_scanned += other.bytes_scanned
        self.elapsed_seconds = max(self.elapsed_seconds, other.elapsed_seconds)


@dataclass
class Result:
    """One query's outcome on one target."""

    query: str  # catalog name, or "query" for ad-hoc text
    target: Target
    columns: list[str] = field(default_factory=list)  # in the order the query defines them
    rows: list[dict[str, str]] = field(default_factory=list)
    statistics: Statistics = field(default_factory=Statistics)
    status: str = COMPLETE
    truncated: bool = False  # rows were lost to a cap and could not be recovered
    rows_partial: bool = False  # rows are separate per-batch answers (e.g. stats over >50 log groups), not the answer
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # why status is not Complete
    error_exit_code: int | None = None  # the exit code that error maps to (4 access, 5 failure, ...)
    query_ids: list[str] = field(default_factory=list)  # CloudWatch query ids (several when split)
    text: str = ""  # the query text that ran

    @property
    def ok(self) -> bool:
        return self.status == COMPLETE

    def to_dict(self) -> dict:
        """The JSON shape of DESIGN.md: query, target, status, columns, rows, statistics, truncated, warnings."""
        out = {
            "query": self.query,
            "target": self.target.to_dict(),
            "status": self.status,
            "columns": list(self.columns),
            "rows": [dict(r) for r in self.rows],
            "statistics": asdict(self.statistics),
            "truncated": self.truncated,
            "warnings": list(self.warnings),
        }
        if self.error is not None:
            out["error"] = self.error
        if self.query_ids:
            out["query_ids"] = list(self.query_ids)
        if self.rows_partial:
            out["rows_partial"] = True
        return out


@dataclass(frozen=True)
class ProgressEvent:
    """A running query's state, sent by a backend to an optional progress callback (never printed by it)."""

    query: str
    target: Target
    status: str  # Scheduled, Running, Complete, Failed, ...
    statistics: Statistics
    elapsed_seconds: float


def exit_code_of(results: list[Result]) -> int:
    """0 when every result completed; 3 when the service rejected the query text; 4 when every result
    failed on credentials or access; else 5 (DESIGN.md's exit codes)."""
    from trailq.errors import EXIT_ACCESS, EXIT_OK, EXIT_QUERY_FAILED, EXIT_QUERY_INVALID

    failed = [r for r in results if not r.ok]
    if not failed:
        return EXIT_OK
    if any(r.error_exit_code == EXIT_QUERY_INVALID for r in failed):
        return EXIT_QUERY_INVALID
    if len(failed) == len(results) and all(r.error_exit_code == EXIT_ACCESS for r in failed):
        return EXIT_ACCESS
    return EXIT_QUERY_FAILED
