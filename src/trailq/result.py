"""The contract between the backends (local engine, CloudWatch) and output/checks.

Both backends return `Result`s; nothing downstream knows which backend produced one.
Values are strings, exactly as GetQueryResults returns them; a missing key in a row is a
field the service did not return for that row (null).
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any

COMPLETE = "Complete"
FAILED = "Failed"
CANCELLED = "Cancelled"
TIMEOUT = "Timeout"
UNKNOWN = "Unknown"
ERROR = "Error"  # failed on our side (access denied, bad parameter, unreadable input)
# A query in one of these has ended (the others: Scheduled, Running); the progress display and
# everything else that asks "is it over?" use this one set.
FINAL_STATUSES = frozenset({COMPLETE, FAILED, CANCELLED, TIMEOUT, UNKNOWN, ERROR})


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

    def to_dict(self) -> dict[str, Any]:
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
    # Any other statistic the service reports, under its own name: today the field-index figures
    # (estimatedRecordsSkipped, estimatedBytesSkipped, logGroupsScanned) and resultCount.
    extra: dict[str, float] = field(default_factory=dict)

    def add(self, other: Statistics) -> None:
        """Accumulate another run's figures (splits, batches, merged windows)."""
        self.records_matched += other.records_matched
        self.records_scanned += other.records_scanned
        self.bytes_scanned += other.bytes_scanned
        self.elapsed_seconds = max(self.elapsed_seconds, other.elapsed_seconds)
        for name, value in other.extra.items():
            self.extra[name] = self.extra.get(name, 0.0) + value


# How many skipped inputs a Coverage keeps by name; the counts stay exact past it.
MAX_GAPS_KEPT = 20


@dataclass(frozen=True)
class Searched:
    """One input that was read or searched: a local path, or a log group (or Athena table) in an
    account and region, with where trailq found it ("flag", "trail:NAME", "managed", "linked",
    "prefix", "data-source", "file", "stdin", ...)."""

    where: str
    origin: str

    def to_dict(self) -> dict[str, Any]:
        return {"where": self.where, "origin": self.origin}


@dataclass(frozen=True)
class Gap:
    """One input that was asked for and not (fully) read or searched, and why.

    kind: "folder", "file", "record" (a line or record of a file), "region", "account",
    "log-group", "input" (no record at all was read). `where` names it as a user would type it
    (a path with `:line`, or account/region)."""

    kind: str
    where: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "where": self.where, "reason": self.reason}


@dataclass
class Coverage:
    """What a Result read or searched, and what it could not: the basis of "read everything, found
    nothing". A check whose query found nothing passes only on complete coverage (DESIGN.md, second
    round): any gap makes it "could not judge" (exit 5) unless the user accepts partial input.

    Counts are exact; `gaps` keeps the first MAX_GAPS_KEPT by name (`gaps_total` counts all).
    `nothing_to_search` lists places asked about that hold nothing to search (a region without a
    CloudTrail log group): not a gap, but reported so the user sees it was looked at."""

    files_read: int = 0
    records_read: int = 0
    files_skipped: int = 0
    records_skipped: int = 0
    searched: list[Searched] = field(default_factory=list)
    nothing_to_search: list[str] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    gaps_total: int = 0

    @property
    def complete(self) -> bool:
        return self.gaps_total == 0

    def add_gap(self, gap: Gap) -> None:
        """Count a gap (and its file/record tally); keep its name while under the cap."""
        self.gaps_total += 1
        if gap.kind in ("file", "folder"):
            self.files_skipped += 1
        elif gap.kind == "record":
            self.records_skipped += 1
        if len(self.gaps) < MAX_GAPS_KEPT:
            self.gaps.append(gap)

    def add(self, other: Coverage) -> None:
        """Accumulate another part's coverage (workers, splits, batches, merged targets)."""
        self.files_read += other.files_read
        self.records_read += other.records_read
        self.files_skipped += other.files_skipped
        self.records_skipped += other.records_skipped
        self.searched.extend(s for s in other.searched if s not in self.searched)
        self.nothing_to_search.extend(n for n in other.nothing_to_search if n not in self.nothing_to_search)
        room = MAX_GAPS_KEPT - len(self.gaps)
        self.gaps.extend(other.gaps[:max(room, 0)])
        self.gaps_total += other.gaps_total

    def counts(self) -> dict[str, int]:
        return {
            "files_read": self.files_read,
            "records_read": self.records_read,
            "files_skipped": self.files_skipped,
            "records_skipped": self.records_skipped,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "complete": self.complete,
            **self.counts(),
            "searched": [s.to_dict() for s in self.searched],
            "nothing_to_search": list(self.nothing_to_search),
            "gaps": [g.to_dict() for g in self.gaps],
            "gaps_total": self.gaps_total,
        }


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
    coverage: Coverage = field(default_factory=Coverage)  # what was read/searched and what was not

    @property
    def ok(self) -> bool:
        return self.status == COMPLETE

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of DESIGN.md: query, target, status, columns, rows, statistics, truncated, warnings."""
        out = {
            "query": self.query,
            "target": self.target.to_dict(),
            "status": self.status,
            "columns": list(self.columns),
            "rows": [dict(r) for r in self.rows],
            # Input counts sit beside the service's figures: "what it cost" and "what it read" together.
            "statistics": {**asdict(self.statistics), **self.coverage.counts()},
            "truncated": self.truncated,
            "warnings": list(self.warnings),
            "coverage": self.coverage.to_dict(),
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


class Level(enum.IntEnum):
    """How much a notice matters to the person reading stderr; `--quiet` keeps CHANGED and above."""

    INFO = 1  # context: no rows, nothing new since the last run, static-rule warnings, costs, batching
    CHANGED = 2  # the run is not exactly what was asked: a window nobody gave, a flag overridden
    LOST = 3  # something asked for was not read, searched, returned or written
    ERROR = 4


QUIET_KEEPS = Level.CHANGED


class Notice(str):
    """One line for stderr and its level. A notice is its text (compared, joined and printed as a
    str), so the level travels with it from the module that knows what happened to the one that
    decides what `--quiet` hides."""

    level: Level

    def __new__(cls, text: str, level: Level = Level.INFO) -> Notice:
        notice = super().__new__(cls, text)
        notice.level = level
        return notice
