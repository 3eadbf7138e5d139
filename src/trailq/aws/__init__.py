"""The CloudWatch backend: named Logs Insights queries across accounts and regions, within quotas.

Public API (the CLI calls only these; nothing here prints or exits):

    plan = AwsPlan(profiles=("a", "b"), regions=("all",), log_groups=("CloudTrail/DefaultLogGroup",))
    outcome = run([("console-logins", text)], plan, time_range, cancel=event, on_progress=callback)
    outcome.results            # one Result per query × (account, region); log-group batches merged
    outcome.exit_code          # 0 · 3 MalformedQuery · 4 all denied · 5 any failure/deadline · 130 interrupted
    outcome.query_error()      # QueryError with the service's caret when every target rejected the text
    outcome.abandoned          # queries live at an abort (id, account, region, stopped?) → print them
    outcome.warnings           # run-level: regions skipped because nothing matched a prefix, ...
    resume(["QUERY_ID"], plan) -> list[Result]
    discover(plan) -> list[dict]            # per account+region: trails and the log group each streams to
    sync(specs, plan, folder="trailq/", prune=False, dry_run=False) -> list[Change]
    interrupts.cancel_on_signals()          # context manager: SIGINT/SIGTERM set an Event
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from trailq.aws.budget import DEFAULT_RATES, Aborted, Buckets, CallFailed, Runtime, exit_code_for
from trailq.aws.definitions import Change, DefinitionSpec, sync_definitions
from trailq.aws.fanout import Abandoned, Endpoint, FanOut, RunOutcome
from trailq.aws.insights import Caller, PollRamp, wait_and_fetch
from trailq.aws.shape import bounded_to_window
from trailq.aws.session import Account, LazyClient, expand_regions, open_accounts
from trailq.aws.targets import LogGroupArn, plan_endpoints, trails_in
from trailq.errors import EXIT_ACCESS, EXIT_QUERY_FAILED, AccessError, QueryFailedError, UsageError
from trailq.result import CANCELLED, ERROR, TIMEOUT, ProgressEvent, Result, Target
from trailq.timerange import TimeRange

__all__ = [
    "Abandoned", "AwsPlan", "Change", "DefinitionSpec", "PollRamp", "RunOutcome",
    "discover", "resume", "run", "sync",
]

MAX_LIMIT = 100_000


@dataclass(frozen=True)
class AwsPlan:
    """Where and how to run: accounts, regions, log groups, budgets.

    The defaults keep one run a polite user of quotas it shares with the account's other users and
    tools (per account and Region: StartQuery and GetQueryResults 10 TPS each, 100 concurrent
    queries counting dashboards and scheduled ones; logs-insights.md §6): StartQuery 3/s and
    GetQueryResults 5/s (budget.DEFAULT_RATES), 20 queries at a time (fewer after a
    LimitExceededException), and one 15-minute deadline for the whole run, well inside the
    service's own 60-minute limit per query.
    """

    profiles: tuple[str, ...] = ()
    role_arns: tuple[str, ...] = ()
    external_id: str | None = None
    role_session_name: str = "trailq"
    regions: tuple[str, ...] = ()  # repeatable, comma lists, "all"; empty = the session's region
    log_groups: tuple[str, ...] = ("CloudTrail/DefaultLogGroup",)  # names, ARNs, or `prefix*`
    discover: bool = False  # use the log groups CloudTrail streams to (DescribeTrails)
    limit: int | None = None  # StartQuery `limit` (rows per query before splitting); None = service default
    timeout_seconds: float = 900.0  # one deadline for the whole run
    concurrency: int = 20  # concurrent queries per account+region (shrinks on LimitExceeded)
    rates: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_RATES))  # calls/s per account+region+action
    ramp: PollRamp = PollRamp()

    def __post_init__(self) -> None:
        if self.limit is not None and not 1 <= self.limit <= MAX_LIMIT:
            raise UsageError(f"--limit {self.limit}: must be between 1 and {MAX_LIMIT}")
        if self.concurrency < 1:
            raise UsageError(f"--concurrency {self.concurrency}: must be at least 1")
        if self.timeout_seconds <= 0:
            raise UsageError("--timeout must be positive")
        if any(rate <= 0 for rate in self.rates.values()):
            raise UsageError("API rates must be positive")
        if not self.discover and not self.log_groups:
            raise UsageError("no log group to query", hint="pass --log-group NAME, or --discover")


def _runtime(plan: AwsPlan, cancel: threading.Event | None) -> Runtime:
    return Runtime(deadline=time.monotonic() + plan.timeout_seconds, stop=cancel or threading.Event())


def _accounts(plan: AwsPlan) -> list[Account]:
    return open_accounts(plan.profiles, plan.role_arns, external_id=plan.external_id, role_session_name=plan.role_session_name)


def run(
    queries: Sequence[tuple[str, str]],
    plan: AwsPlan,
    time_range: TimeRange,
    *,
    cancel: threading.Event | None = None,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    window_for: Callable[[str, Target], TimeRange | None] | None = None,
) -> RunOutcome:
    """Run every (name, text) query on every account × region; never raises for a failing target.

    `window_for(query name, target)` gives a query × target its own window (--state), or None to
    skip it (nothing new to cover); the text then gets a millisecond filter so that consecutive
    windows tile exactly (shape.bounded_to_window). Without it every query covers `time_range`.

    Raises AccessError when no account's credentials work, UsageError for a bad plan, and
    QueryFailedError when no log group matched anywhere. `on_progress` is called from worker
    threads, one call at a time.
    """
    runtime = _runtime(plan, cancel)
    buckets = Buckets(plan.rates, runtime.clock)
    accounts = _accounts(plan)
    planned, warnings = plan_endpoints(accounts, plan.regions, plan.log_groups, discover=plan.discover, buckets=buckets, runtime=runtime)
    if not planned:
        raise QueryFailedError("no log group to query in any region: " + "; ".join(warnings), hint="check --log-group and --region, or try --discover")
    endpoints = [
        Endpoint(p.account.account_id or p.account.label, p.region, p.log_groups,
                 p.account.client("logs", p.region), _stop_client(p.account, p.region), p.failure)
        for p in planned
    ]
    start_s, end_s = _seconds(time_range)

    def windows(name: str, text: str, target: Target) -> tuple[int, int, str] | None:
        assert window_for is not None
        window = window_for(name, target)
        if window is None:
            return None
        return (*_seconds(window), bounded_to_window(text, window.start_epoch_ms(), window.end_epoch_ms()))

    fan = FanOut(queries, endpoints, start_seconds=start_s, end_seconds=end_s, runtime=runtime, limit=plan.limit,
                 concurrency=plan.concurrency, ramp=plan.ramp, on_progress=on_progress, cancel=cancel,
                 buckets=buckets,  # one budget for resolution and queries alike
                 windows=windows if window_for is not None else None)
    outcome = fan.execute()
    outcome.warnings[:0] = warnings
    return outcome


def _seconds(window: TimeRange) -> tuple[int, int]:
    """Wall-clock inclusive seconds: floor the start, ceil the end, so no part of the range is lost."""
    return math.floor(window.start.timestamp()), math.ceil(window.end.timestamp())


def _stop_client(account: Account, region: str) -> LazyClient:
    return LazyClient(lambda: account.client("logs", region, for_stop=True))


def resume(query_ids: Sequence[str], plan: AwsPlan, *, cancel: threading.Event | None = None) -> list[Result]:
    """Fetch the results of earlier queries (kept 7 days), looking for each id in every planned account+region.

    A region that cannot answer (AccessDenied under a region-deny SCP, ResourceNotFound, any other
    failure) does not stop the search. An id found nowhere gets a failed Result that says what each
    region answered, exit 4 when every region denied access, else 5. A query still running at the
    deadline (or on cancel) is left running: its Result says so, and it can be resumed again.
    """
    runtime = _runtime(plan, cancel)
    buckets = Buckets(plan.rates, runtime.clock)
    endpoints = [(a, r) for a in _accounts(plan) for r in expand_regions(a, plan.regions)]
    ramp = PollRamp(first_seconds=0.01, cap_seconds=plan.ramp.cap_seconds)  # finished queries answer at once
    return [_resume_one(query_id, endpoints, buckets, runtime, ramp) for query_id in query_ids]


def _resume_one(query_id: str, endpoints: list[tuple[Account, str]], buckets: Buckets, runtime: Runtime, ramp: PollRamp) -> Result:
    misses: list[tuple[str, CallFailed]] = []  # (where, why) for each region that did not give a status
    for account, region in endpoints:
        where = f"account {account.account_id or account.label} {region}"
        target = Target(account=account.account_id, region=region)
        caller = Caller(account.client("logs", region), account.account_id or account.label, region, buckets, runtime)
        answered: list[str] = []  # statuses the region reported for this id: the query lives there
        try:
            attempt = wait_and_fetch(caller, query_id, ramp=ramp, on_status=lambda status, *_, seen=answered: seen.append(status))
        except Aborted:
            status, why = (CANCELLED, "interrupted") if runtime.stop.is_set() else (TIMEOUT, "the --timeout was reached")
            state = f"still {answered[-1]}; it keeps running" if answered else "before it was found"
            return Result(query=query_id, target=target if answered else Target(), status=status, query_ids=[query_id],
                          error=f"{where}: query {query_id}: {why} ({state}); resume it again later",
                          error_exit_code=EXIT_QUERY_FAILED)
        if attempt.failure is not None and not answered:
            misses.append((where, attempt.failure))
            continue
        result = Result(query=query_id, target=target, columns=attempt.columns, rows=attempt.rows,
                        statistics=attempt.statistics, status=attempt.status, query_ids=[query_id])
        if attempt.error:
            result.error = f"{where}: {attempt.error}"
            result.error_exit_code = exit_code_for(attempt.failure.kind if attempt.failure else None)
        return result
    return _not_found(query_id, misses)


def _not_found(query_id: str, misses: list[tuple[str, CallFailed]]) -> Result:
    """One failed Result naming each region's answer, grouped by answer (17 regions make one line)."""
    by_answer: dict[str, list[str]] = {}
    for where, failure in misses:
        by_answer.setdefault(failure.detail, []).append(where)
    answers = "; ".join(f"{', '.join(wheres)}: {detail}" for detail, wheres in by_answer.items())
    kinds = {failure.kind for _, failure in misses}
    # Denied everywhere is an access problem (4); a mix, or "not found" anywhere, is a failure (5).
    kind = kinds.pop() if len(kinds) == 1 else None
    return Result(query=query_id, target=Target(), status=ERROR, query_ids=[query_id],
                  error=f"query {query_id} not found: {answers}", error_exit_code=exit_code_for(kind))


def discover(plan: AwsPlan) -> list[dict[str, Any]]:
    """Per account and region: each trail, its home region, multi-region or not, and its log group."""
    runtime = _runtime(plan, None)
    buckets = Buckets(plan.rates, runtime.clock)
    rows: list[dict[str, Any]] = []
    for account in _accounts(plan):
        for region in expand_regions(account, plan.regions):
            caller = Caller(account.client("cloudtrail", region), account.account_id or account.label, region, buckets, runtime)
            base = {"account": account.account_id, "region": region}
            try:
                trails = trails_in(caller)
            except CallFailed as failed:
                rows.append({**base, "trail": None, "error": failed.detail})
                continue
            if not trails:
                rows.append({**base, "trail": None, "home_region": None, "multi_region": None, "log_group": None, "log_group_region": None})
            for trail in trails:
                arn = LogGroupArn.parse(trail.get("CloudWatchLogsLogGroupArn") or "")
                rows.append({
                    **base,
                    "trail": trail.get("Name"),
                    "home_region": trail.get("HomeRegion"),
                    "multi_region": bool(trail.get("IsMultiRegionTrail")),
                    "organization": bool(trail.get("IsOrganizationTrail")),
                    "log_group": arn.name if arn else None,
                    "log_group_region": arn.region if arn else None,
                })
    return rows


def sync(
    specs: Sequence[DefinitionSpec],
    plan: AwsPlan,
    folder: str = "trailq/",
    prune: bool = False,
    dry_run: bool = False,
) -> list[Change]:
    """Publish catalog queries as CloudWatch saved queries in `folder`, in every planned account+region."""
    runtime = _runtime(plan, None)
    buckets = Buckets(plan.rates, runtime.clock)
    changes: list[Change] = []
    for account in _accounts(plan):
        for region in expand_regions(account, plan.regions):
            caller = Caller(account.client("logs", region), account.account_id or account.label, region, buckets, runtime)
            try:
                changes.extend(sync_definitions(caller, specs, folder=folder, prune=prune, dry_run=dry_run))
            except CallFailed as failed:
                error = AccessError if exit_code_for(failed.kind) == EXIT_ACCESS else QueryFailedError
                raise error(f"sync: account {account.account_id} {region}: {failed.detail}") from None
    return changes
