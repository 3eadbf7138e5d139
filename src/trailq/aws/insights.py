"""One Logs Insights query's life: StartQuery → poll with a ramp → page the results.

Client, clock and sleep are injected (through `Runtime`), so every status and error is tested with
botocore's Stubber and no real time. Nothing here loops forever: Scheduled and Running are polled
only until the run's deadline; every other non-Complete status ends the query with its id named.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from trailq.aws.budget import MAX_ATTEMPTS, Buckets, CallFailed, Runtime, call_with_retries
from trailq.lang.commands import MAX_LIMIT  # the service's ceiling for one query
from trailq.result import COMPLETE, Statistics

LIVE_STATUSES = ("Scheduled", "Running")


@dataclass(frozen=True)
class PollRamp:
    """Delays between polls: `first`, then growing by `factor` up to `cap`.

    0.2 s first, so a short query is seen done quickly; ×1.5 up to 2 s, so a long one costs about
    one GetQueryResults call per 2 s (10 TPS quota per account and region, shared by every query).
    """

    first_seconds: float = 0.2
    factor: float = 1.5
    cap_seconds: float = 2.0

    def delays(self) -> Iterator[float]:
        delay = self.first_seconds
        while True:
            yield delay
            delay = min(self.cap_seconds, delay * self.factor)


@dataclass(frozen=True)
class QueryRequest:
    """Everything StartQuery needs for one window on one batch of log groups."""

    text: str
    log_groups: tuple[str, ...]
    start_seconds: int  # inclusive, epoch seconds
    end_seconds: int  # inclusive, epoch seconds
    limit: int | None = None  # StartQuery `limit`; None lets the service default (10,000) apply
    language: str = "CWLI"  # StartQuery queryLanguage: CWLI, SQL or PPL

    def start_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "queryLanguage": self.language,
            "startTime": self.start_seconds,
            "endTime": self.end_seconds,
            "queryString": self.text,
        }
        if self.log_groups and not chooses_own_log_groups(self.text, self.language):
            # ARNs only work as identifiers; plain names go as logGroupNames, which every
            # implementation (including moto and LocalStack) understands.
            if any(g.startswith("arn:") for g in self.log_groups):
                params["logGroupIdentifiers"] = [_strip_arn_star(g) for g in self.log_groups]
            else:
                params["logGroupNames"] = list(self.log_groups)
        if self.limit is not None:
            params["limit"] = self.limit
        return params


_SOURCE_FIRST = re.compile(r"\A(?:\s*#[^\n]*\n|\s+)*SOURCE\b", re.IGNORECASE)


def chooses_own_log_groups(text: str, language: str = "CWLI") -> bool:
    """The query names its log groups itself, so StartQuery must get none.

    StartQuery takes exactly one of logGroupName/logGroupNames/logGroupIdentifiers, except when
    the query text selects them: a Logs Insights query starting with `SOURCE logGroups(...)`,
    `dataSource(...)` or `logGroupTags(...)`, and OpenSearch SQL, which names them in its FROM.
    """
    return language == "SQL" or (language == "CWLI" and _SOURCE_FIRST.match(text) is not None)


def _strip_arn_star(identifier: str) -> str:
    """DescribeTrails gives `...:log-group:NAME:*`; StartQuery rejects the trailing `*`."""
    return identifier[:-2] if identifier.endswith(":*") else identifier


@dataclass
class Attempt:
    """What one StartQuery..GetQueryResults life produced."""

    query_id: str | None
    status: str  # a service status, or "Error" when a call failed
    rows: list[dict[str, str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    statistics: Statistics = field(default_factory=Statistics)
    error: str | None = None
    failure: CallFailed | None = None  # the failed call, when status is "Error"


@dataclass
class Caller:
    """The client of one account+region, the shared buckets, and the run's runtime."""

    client: Any
    account: str
    region: str
    buckets: Buckets
    runtime: Runtime

    def call(self, action: str, params: dict[str, Any], *, attempts: int | None = None, idempotent: bool = True) -> dict[str, Any]:
        method = getattr(self.client, _snake(action))
        bucket = self.buckets.get(self.account, self.region, action)
        return call_with_retries(action, method, params, bucket=bucket, runtime=self.runtime,
                                 max_attempts=MAX_ATTEMPTS if attempts is None else attempts, idempotent=idempotent)


def _snake(action: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in action).lstrip("_")


StatusCallback = Callable[[str, Statistics, float], None]
"""(status, statistics so far, elapsed seconds): called after StartQuery and after every poll."""


def start(caller: Caller, request: QueryRequest) -> str:
    """StartQuery; CallFailed (kind CONCURRENCY, MALFORMED, ...) propagates to the caller."""
    # Not idempotent: StartQuery has no client token, so a second one after a lost answer could start it twice.
    return str(caller.call("StartQuery", request.start_params(), idempotent=False)["queryId"])


def wait_and_fetch(
    caller: Caller,
    query_id: str,
    *,
    ramp: PollRamp = PollRamp(),
    on_status: StatusCallback | None = None,
    started_at: float | None = None,
) -> Attempt:
    """Poll until the query leaves Scheduled/Running, then page every row of a Complete query.

    Raises budget.Aborted when the run is stopped or out of time while the query is still live;
    the caller owns StopQuery for it.
    """
    runtime = caller.runtime
    started_at = runtime.clock() if started_at is None else started_at
    delays = ramp.delays()
    while True:
        runtime.pause(next(delays))
        try:
            reply = caller.call("GetQueryResults", {"queryId": query_id})
        except CallFailed as failed:
            return Attempt(query_id, "Error", error=f"query {query_id}: {failed.detail}", failure=failed)
        status = str(reply.get("status", "Unknown"))
        stats = statistics_of(reply, runtime.clock() - started_at)
        if on_status is not None:
            on_status(status, stats, stats.elapsed_seconds)
        if status in LIVE_STATUSES:
            continue
        if status != COMPLETE:
            return Attempt(query_id, status, statistics=stats, error=_status_error(status, query_id))
        return _collect_pages(caller, query_id, reply, stats)


def _collect_pages(caller: Caller, query_id: str, first: dict[str, Any], stats: Statistics) -> Attempt:
    attempt = Attempt(query_id, COMPLETE, statistics=stats)
    reply = first
    while True:
        _add_rows(attempt, reply.get("results") or [])
        token = reply.get("nextToken")
        if not token or len(attempt.rows) >= MAX_LIMIT:
            return attempt
        try:
            reply = caller.call("GetQueryResults", {"queryId": query_id, "nextToken": token})
        except CallFailed as failed:
            return Attempt(query_id, "Error", error=f"query {query_id}: reading results page failed: {failed.detail}", failure=failed)


def rows_not_fetched(attempt: Attempt) -> int:
    """How many rows the service says its result has (statistics.resultCount: every row, all pages)
    beyond those fetched; 0 when it does not say. A Complete query must never lose rows silently."""
    counted = attempt.statistics.extra.get("resultCount")
    if counted is None or attempt.status != COMPLETE:
        return 0
    return max(0, int(counted) - len(attempt.rows))


def _add_rows(attempt: Attempt, results: list[list[dict[str, str]]]) -> None:
    seen = set(attempt.columns)
    for pairs in results:
        row: dict[str, str] = {}
        for pair in pairs:
            name = pair.get("field")
            if name is None:
                continue
            # Ignored: a field the service sends without a value stays None (shown as null), as before.
            row[name] = pair.get("value")  # type: ignore[assignment]
            if name not in seen:
                seen.add(name)
                attempt.columns.append(name)
        attempt.rows.append(row)


_CORE_STATISTICS = ("recordsMatched", "recordsScanned", "bytesScanned")


def statistics_of(reply: dict[str, Any], elapsed_seconds: float) -> Statistics:
    """The service's statistics; any beyond the three core ones (field-index skips, logGroupsScanned,
    whatever the service adds next) are kept by name in `extra`, never dropped."""
    raw = reply.get("statistics") or {}
    extra = {}
    for name, value in raw.items():
        if name not in _CORE_STATISTICS and isinstance(value, (int, float)) and not isinstance(value, bool):
            extra[name] = float(value)
    return Statistics(
        records_matched=float(raw.get("recordsMatched", 0.0)),
        records_scanned=float(raw.get("recordsScanned", 0.0)),
        bytes_scanned=float(raw.get("bytesScanned", 0.0)),
        elapsed_seconds=elapsed_seconds,
        extra=extra,
    )


def _status_error(status: str, query_id: str) -> str:
    reasons = {
        "Failed": "the service reports the query failed",
        "Cancelled": "the query was cancelled (StopQuery, or by someone else)",
        "Timeout": "the query ran past the service's 60-minute limit",
        "Unknown": "the service reports an unknown status",
    }
    return f"query {query_id}: {reasons.get(status, f'unexpected status {status!r}')}"


def stop(client: Any, query_id: str) -> bool:
    """StopQuery once, on a client whose own timeouts are short; never raises (best effort in cleanup)."""
    try:
        return bool(client.stop_query(queryId=query_id).get("success", False))
    except Exception:  # noqa: BLE001 - already finished, network gone: cleanup must go on
        return False

