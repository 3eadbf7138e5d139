"""The CloudWatch backend: named Logs Insights queries across accounts and regions, within quotas.

Public API (the CLI calls only these; nothing here prints or exits):

    plan = AwsPlan(profiles=("a", "b"), regions=("all",), log_groups=("CloudTrail/DefaultLogGroup",))
    outcome = run([("console-logins", text)], plan, time_range, cancel=event, on_progress=callback)
    outcome.results            # one Result per query × (account, region); log-group batches merged
    outcome.exit_code          # 0 · 3 MalformedQuery · 4 all denied · 5 any failure/deadline · 130 interrupted
    outcome.query_error()      # QueryError with the service's caret when every target rejected the text
    outcome.abandoned          # queries live at an abort (id, account, region, stopped?) → print them
    outcome.aborted            # None or an AbortReason (INTERRUPTED, DEADLINE; also while resolving regions/log groups)
    outcome.warnings           # run-level: regions skipped because nothing matched a prefix, ...
    resume(["QUERY_ID"], plan, cancel=event) -> list[Result]
    discover(plan, cancel=event) -> DiscoverOutcome  # rows per account+region: each source and its kind; RunAborted
    sync(specs, plan, folder="trailq/", prune=False, dry_run=False, cancel=event) -> SyncOutcome
    interrupts.cancel_on_signals()          # context manager: SIGINT/SIGTERM set an Event

Each also takes `clock=` (budget.Clock: the time, the sleep and the scheduler's wait); the real
clock unless a test passes a virtual one.

Two credentials reaching one account id are used once (the first; a warning says so). An account
that cannot list its regions for `--region all` fails alone: a failed Result per query (run), a
SyncFailure (sync), an error row (discover), a miss (resume).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from trailq.aws.budget import (
    DEFAULT_RATES,
    REAL_CLOCK,
    Aborted,
    AbortReason,
    Buckets,
    CallFailed,
    Clock,
    Kind,
    RunAborted,
    Runtime,
    exit_code_for,
)
from trailq.aws.definitions import (
    Change,
    DefinitionSpec,
    SyncFailure,
    SyncOutcome,
    sync_definitions,
)
from trailq.aws.discovery import DiscoveryCache, fallback_warnings, find_all
from trailq.aws.fanout import Abandoned, Endpoint, FanOut, RunOutcome
from trailq.aws.insights import Caller, PollRamp, rows_not_fetched, wait_and_fetch
from trailq.aws.session import Account, AccountFailure, LazyClient, open_accounts, validate_role_flags
from trailq.aws.shape import bounded_to_window
from trailq.aws.targets import (
    EndpointPlan,
    Planned,
    distinct_accounts,
    plan_endpoints,
    regions_of,
)
from trailq.errors import EXIT_ACCESS, EXIT_OK, EXIT_QUERY_FAILED, AccessError, QueryFailedError, UsageError
from trailq.lang.commands import MAX_LIMIT  # the service's ceiling for one query
from trailq.result import ERROR, Gap, Notice, ProgressEvent, Result, Searched, Target
from trailq.timerange import TimeRange

__all__ = [
    "Abandoned", "AbortReason", "AwsPlan", "Clock", "DiscoverOutcome", "BUILTIN_LOG_GROUPS", "Change", "DefinitionSpec", "DiscoveryCache",
    "PollRamp",
    "QueryFailedError", "RunAborted", "RunOutcome",
    "SyncFailure", "SyncOutcome", "discover", "resume", "run", "sync",
]

# The catalog's built-in default: with it (and no --log-group), a run discovers where CloudTrail is.
BUILTIN_LOG_GROUPS = ("CloudTrail/DefaultLogGroup",)
QUERY_LANGUAGES = ("CWLI", "SQL", "PPL")
# Concurrent queries per account and region: OpenSearch PPL and SQL have their own quota of 15
# (CloudWatch Logs "View running queries"), well under Logs Insights' 100; a third of it, like 20/100.
OPENSEARCH_CONCURRENCY = 5


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
    discover: bool = False  # find every CloudTrail log group per account+region (discovery.py)
    log_groups_origin: str = "flag"  # where explicit log groups came from: "flag" or "catalog"
    language: str = "CWLI"  # StartQuery queryLanguage: CWLI, SQL or PPL (OpenSearch)
    limit: int | None = None  # StartQuery `limit` (rows per query before splitting); None = service default
    timeout_seconds: float = 900.0  # one deadline for the whole run
    concurrency: int = 20  # concurrent queries per account+region (shrinks on LimitExceeded)
    rates: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_RATES))  # calls/s per account+region+action
    ramp: PollRamp = PollRamp()

    def __post_init__(self) -> None:
        validate_role_flags(self.role_arns, self.external_id, self.role_session_name)  # before any call
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
        if self.language not in QUERY_LANGUAGES:
            raise UsageError(f"query language {self.language!r}: must be one of {', '.join(QUERY_LANGUAGES)}")

    @property
    def effective_concurrency(self) -> int:
        """--concurrency, capped for OpenSearch PPL/SQL, whose concurrent-query quota is lower."""
        return self.concurrency if self.language == "CWLI" else min(self.concurrency, OPENSEARCH_CONCURRENCY)


def _runtime(plan: AwsPlan, cancel: threading.Event | None, clock: Clock) -> Runtime:
    return clock.runtime(plan.timeout_seconds, cancel)


def _accounts(plan: AwsPlan, failed: list[AccountFailure] | None = None) -> tuple[list[Account], list[Notice]]:
    """One Account per account id, and a warning for each account reached by two sets of credentials.

    With `failed`, credentials that do not work are collected there instead of stopping the run."""
    return distinct_accounts(
        open_accounts(plan.profiles, plan.role_arns, external_id=plan.external_id, role_session_name=plan.role_session_name,
                      failed=failed)
    )


def _unusable(failures: Sequence[AccountFailure]) -> list[Planned]:
    """Accounts whose credentials did not work: each is an `account` gap and a failed Result per query."""
    planned = []
    for failure in failures:
        kind = Kind.ACCESS if isinstance(failure.error, AccessError) else Kind.TRANSIENT
        action = "AssumeRole" if failure.account.origin.startswith("--role-arn") else "GetCallerIdentity"
        planned.append(Planned(failure.account, None, failure=CallFailed(action, kind, failure.error), reason=str(failure.error)))
    return planned


def _abort_reason(runtime: Runtime) -> AbortReason:
    return AbortReason.of(runtime)


def run(
    queries: Sequence[tuple[str, str]],
    plan: AwsPlan,
    time_range: TimeRange,
    *,
    cancel: threading.Event | None = None,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    window_for: Callable[[str, Target], TimeRange | None] | None = None,
    cache: DiscoveryCache | None = None,
    clock: Clock = REAL_CLOCK,
) -> RunOutcome:
    """Run every (name, text) query on every account × region; never raises for a failing target.

    `window_for(query name, target)` gives a query × target its own window (--state), or None to
    skip it (nothing new to cover); the text then gets a millisecond filter so that consecutive
    windows tile exactly (shape.bounded_to_window). Without it every query covers `time_range`.

    A cancel or the deadline while regions and log groups are still being resolved returns an
    outcome with `aborted` set and one Cancelled/Timeout Result per query (no query started).
    Raises AccessError when no account's credentials work, UsageError for a bad plan, and
    QueryFailedError when no log group matched anywhere. `on_progress` is called from worker
    threads, one call at a time. `cache` keeps discovery's findings for later calls of the same run.
    Every Result's coverage names the log groups searched (with how each was found), the regions
    with nothing to search, and, for a target that could not be asked, the gap and why.
    """
    runtime = _runtime(plan, cancel, clock)
    buckets = Buckets(plan.rates, runtime.clock)
    unusable: list[AccountFailure] = []  # one account's expired or refused credentials fail that account only
    accounts, warnings = _accounts(plan, unusable)
    if unusable and not accounts:
        raise unusable[0].error  # no credentials work at all: one line, as before (exit 4, or 5 unreachable)
    try:
        endpoint_plan = plan_endpoints(accounts, plan.regions, plan.log_groups, discover=plan.discover, buckets=buckets,
                                       runtime=runtime, cache=cache, origin=plan.log_groups_origin)
    except Aborted:
        return _aborted_while_planning(queries, _abort_reason(runtime), warnings)
    endpoint_plan.planned.extend(_unusable(unusable))
    planned = endpoint_plan.planned
    warnings += endpoint_plan.warnings
    if not planned:
        if plan.discover:
            raise QueryFailedError("no CloudTrail log group found in any region asked: nothing to search in "
                                   + ", ".join(endpoint_plan.nothing_to_search),
                                   hint="send a trail to CloudWatch Logs, or pass --log-group NAME")
        hint = "check --log-group and --region, or try --discover"
        raise QueryFailedError("no log group to query in any region: " + "; ".join(endpoint_plan.warnings), hint=hint)
    endpoints = [
        Endpoint(p.account.key, p.region, p.log_groups,
                 p.account.client("logs", p.region) if p.region else None,
                 _stop_client(p.account, p.region) if p.region else None, p.failure, p.reason)
        for p in planned
    ]
    start_s, end_s = _seconds(time_range)
    uncut: list[Notice] = []  # --state queries that cannot get the millisecond filter

    def windows(name: str, text: str, target: Target) -> tuple[int, int, str] | None:
        assert window_for is not None
        window = window_for(name, target)
        if window is None:
            return None
        bounded = bounded_to_window(text, window.start_epoch_ms(), window.end_epoch_ms())
        if bounded is None:
            warning = Notice(f"{name}: cannot cut the window to the millisecond (the local parser cannot read the query, "
                       "so no time filter can be added; whole seconds are sent); "
                       "events in the boundary second may be reported twice")
            if warning not in uncut:
                uncut.append(warning)
        return (*_seconds(window), text if bounded is None else bounded)

    fan = FanOut(queries, endpoints, start_seconds=start_s, end_seconds=end_s, runtime=runtime, limit=plan.limit,
                 concurrency=plan.effective_concurrency, ramp=plan.ramp, on_progress=on_progress, cancel=cancel,
                 buckets=buckets,  # one budget for resolution and queries alike
                 windows=windows if window_for is not None else None, language=plan.language)
    outcome = fan.execute()
    outcome.warnings[:0] = warnings + uncut
    fill_coverage(outcome.results, endpoint_plan)
    return outcome


def fill_coverage(results: Sequence[Result], endpoint_plan: EndpointPlan) -> None:
    """Each Result: the log groups it searched and how each was found, the regions that hold nothing
    to search (on every Result, so a merged view lists them once), and its gap when it failed."""
    by_target = {(p.account.key, p.region): p for p in endpoint_plan.planned}
    for result in results:
        planned = by_target.get((result.target.account or "", result.target.region))
        coverage = result.coverage
        # Records read are the service's recordsScanned, summed over the query's windows and batches.
        coverage.records_read += int(result.statistics.records_scanned)
        coverage.nothing_to_search.extend(n for n in endpoint_plan.nothing_to_search if n not in coverage.nothing_to_search)
        if planned is None:
            continue
        where = f"{planned.account.key}/{planned.region}" if planned.region else f"account {planned.account.key}"
        if planned.failure is not None:
            kind = "region" if planned.region else "account"
            coverage.add_gap(Gap(kind, where, planned.reason or str(planned.failure)))
            continue
        if result.ok:
            coverage.searched.extend(Searched(f"{where} {g}", planned.origin_of(g)) for g in planned.log_groups)
            if _scanned_nothing(result) and planned.log_groups:
                # A trail that stopped logging, or delivery to CloudWatch that stopped, looks like a quiet day.
                result.warnings.append(f"{where}: the log group(s) hold no event in the time range "
                                       "(is the trail still logging and delivering to CloudWatch Logs?)")
        else:  # the error starts with "account A REGION: ", which the gap's `where` already says
            reason = (result.error or result.status).removeprefix(f"account {planned.account.key} {planned.region}: ")
            coverage.add_gap(Gap("region", where, reason))


def _scanned_nothing(result: Result) -> bool:
    """No row and recordsScanned 0: the groups hold no event in the window. Not said for filterIndex,
    where an index may leave every event unscanned."""
    return not result.rows and not result.statistics.records_scanned and "filterindex" not in result.text.lower()


def _aborted_while_planning(queries: Sequence[tuple[str, str]], reason: AbortReason, warnings: list[Notice]) -> RunOutcome:
    """One Cancelled/Timeout Result per query: stopped before any target was known, so none started."""
    status, why = reason.status, reason.why
    error = f"{why} while finding the regions and log groups to query; no query was started"
    results = [Result(query=name, target=Target(), text=text, status=status, error=error, error_exit_code=EXIT_QUERY_FAILED)
               for name, text in queries]
    return RunOutcome(results, aborted=reason, warnings=list(warnings))


def _seconds(window: TimeRange) -> tuple[int, int]:
    """Wall-clock inclusive seconds: floor the start, ceil the end, so no part of the range is lost."""
    return math.floor(window.start.timestamp()), math.ceil(window.end.timestamp())


def _stop_client(account: Account, region: str) -> LazyClient:
    return LazyClient(lambda: account.client("logs", region, for_stop=True))


def resume(query_ids: Sequence[str], plan: AwsPlan, *, cancel: threading.Event | None = None,
           clock: Clock = REAL_CLOCK) -> list[Result]:
    """Fetch the results of earlier queries (kept 7 days), looking for each id in every planned account+region.

    A region that cannot answer (AccessDenied under a region-deny SCP, ResourceNotFound, any other
    failure) does not stop the search. An id found nowhere gets a failed Result that says what each
    region answered, exit 4 when every region denied access, else 5. A query still running at the
    deadline (or on cancel) is left running: its Result says so, and it can be resumed again.
    """
    runtime = _runtime(plan, cancel, clock)
    buckets = Buckets(plan.rates, runtime.clock)
    endpoints: list[tuple[Account, str]] = []
    unlisted: list[tuple[str, CallFailed]] = []  # accounts whose regions could not be listed
    accounts, _ = _accounts(plan)  # the same account twice would only be searched twice
    for account in accounts:
        try:
            endpoints.extend((account, region) for region in regions_of(account, plan.regions, buckets, runtime))
        except CallFailed as failed:
            unlisted.append((f"account {account.key}", failed))
        except Aborted:
            return [_resume_aborted(query_id, runtime, f"account {account.key}", Target(), "before it was found") for query_id in query_ids]
    ramp = PollRamp(first_seconds=0.01, cap_seconds=plan.ramp.cap_seconds)  # finished queries answer at once
    return [_resume_one(query_id, endpoints, unlisted, buckets, runtime, ramp) for query_id in query_ids]


def _resume_aborted(query_id: str, runtime: Runtime, where: str, target: Target, state: str) -> Result:
    reason = AbortReason.of(runtime)
    # "the --timeout" (not "the run's"): a resume fetches queries an earlier run started.
    status, why = reason.status, (reason.why if reason is AbortReason.INTERRUPTED else "the --timeout was reached")
    return Result(query=query_id, target=target, status=status, query_ids=[query_id],
                  error=f"{where}: query {query_id}: {why} ({state}); resume it again later", error_exit_code=EXIT_QUERY_FAILED)


def _resume_one(query_id: str, endpoints: list[tuple[Account, str]], unlisted: list[tuple[str, CallFailed]],
                buckets: Buckets, runtime: Runtime, ramp: PollRamp) -> Result:
    misses = list(unlisted)  # (where, why) for each account or region that did not give a status
    for account, region in endpoints:
        where = f"account {account.key} {region}"
        target = Target(account=account.account_id, region=region)
        caller = Caller(account.client("logs", region), account.key, region, buckets, runtime)
        answered: list[str] = []  # statuses the region reported for this id: the query lives there
        try:
            attempt = wait_and_fetch(caller, query_id, ramp=ramp, on_status=lambda status, *_, seen=answered: seen.append(status))
        except Aborted:
            state = f"still {answered[-1]}; it keeps running" if answered else "before it was found"
            return _resume_aborted(query_id, runtime, where, target if answered else Target(), state)
        if attempt.failure is not None and not answered:
            misses.append((where, attempt.failure))
            continue
        result = Result(query=query_id, target=target, columns=attempt.columns, rows=attempt.rows,
                        statistics=attempt.statistics, status=attempt.status, query_ids=[query_id])
        missing = rows_not_fetched(attempt)
        if missing:
            result.truncated = True
            result.warnings.append(f"{where}: the service counted {missing} more row(s) (statistics resultCount) "
                                   f"than the {len(attempt.rows)} it returned; they are lost")
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


@dataclass
class DiscoverOutcome:
    """`trailq discover`: one row per source found (with its kind), per empty region, per failure."""

    rows: list[dict[str, Any]]
    warnings: list[Notice]
    exit_code: int  # 0 · 4 when everything asked was denied (as `run` exits) · 5 when anything failed


def discover(plan: AwsPlan, *, cancel: threading.Event | None = None, clock: Clock = REAL_CLOCK) -> DiscoverOutcome:
    """Per account and region, every CloudTrail log group discovery finds and how (discovery.py).

    A region (or an account's region list) that fails is a row with `error`. Raises RunAborted
    (exit 130 interrupted, 5 deadline) on cancel or deadline: discover changes nothing, so there
    is nothing partial worth keeping.
    """
    runtime = _runtime(plan, cancel, clock)
    buckets = Buckets(plan.rates, runtime.clock)
    rows: list[dict[str, Any]] = []
    kinds: list[Kind | None] = []  # one per place asked: None answered, else the failure's kind
    accounts, warnings = _accounts(plan)
    cache = DiscoveryCache()
    try:
        work: list[tuple[Account, str]] = []
        for account in accounts:
            try:
                work.extend((account, region) for region in regions_of(account, plan.regions, buckets, runtime, cache))
            except CallFailed as listing_failed:
                rows.append({"account": account.key, "region": None, "kind": "error", "error": str(listing_failed)})
                kinds.append(listing_failed.kind)
        findings = find_all(cache, work, buckets, runtime)
        for found in findings:
            kinds.append(found.failure.kind if found.failure is not None else None)
            rows.extend(_discover_rows(found))
        warnings += fallback_warnings(findings)
    except Aborted:
        reason = _abort_reason(runtime)
        why = reason.why if reason is AbortReason.INTERRUPTED else f"its {plan.timeout_seconds:g}-second deadline passed"
        raise RunAborted(f"discover: {why} after {len(rows)} of the regions answered; nothing printed", reason) from None
    failed = [k for k in kinds if k is not None]
    code = EXIT_OK if not failed else (EXIT_ACCESS if len(failed) == len(kinds) and set(failed) == {Kind.ACCESS} else EXIT_QUERY_FAILED)
    return DiscoverOutcome(rows, warnings, code)


def _discover_rows(found: Any) -> list[dict[str, Any]]:
    base = {"account": found.account, "region": found.region}
    if found.failure is not None:
        return [{**base, "kind": "error", "error": found.reason or str(found.failure)}]
    if not found.sources:
        return [{**base, "kind": "nothing to search"}]
    rows = []
    for source in found.sources:
        trail = source.trail or {}
        rows.append({
            **base,
            "kind": source.kind,
            "origin": source.origin,
            "log_group": source.group,
            "log_group_region": source.region,
            "trail": trail.get("Name"),
            "home_region": trail.get("HomeRegion"),
            "multi_region": bool(trail.get("IsMultiRegionTrail")) if trail else None,
            "organization": bool(trail.get("IsOrganizationTrail")) if trail else None,
        })
    return rows


def sync(
    specs: Sequence[DefinitionSpec],
    plan: AwsPlan,
    folder: str = "trailq/",
    prune: bool = False,
    dry_run: bool = False,
    *,
    cancel: threading.Event | None = None,
    clock: Clock = REAL_CLOCK,
) -> SyncOutcome:
    """Publish catalog queries as CloudWatch saved queries in `folder`, in every planned account+region.

    A region (or an account's region list) that fails does not stop the others: it is a
    SyncFailure, and every change made anywhere, including before a failure in the same region,
    is in `changes`. On cancel or deadline the outcome so far comes back with `aborted` set.
    """
    runtime = _runtime(plan, cancel, clock)
    buckets = Buckets(plan.rates, runtime.clock)
    accounts, warnings = _accounts(plan)
    outcome = SyncOutcome(changes=[], failures=[], warnings=warnings, targets=0)
    try:
        for account in accounts:
            try:
                regions = regions_of(account, plan.regions, buckets, runtime)
            except CallFailed as failed:
                outcome.targets += 1
                outcome.failures.append(SyncFailure(account.key, None, exit_code_for(failed.kind), str(failed)))
                continue
            for region in regions:
                outcome.targets += 1
                caller = Caller(account.client("logs", region), account.key, region, buckets, runtime)
                try:
                    sync_definitions(caller, specs, folder=folder, prune=prune, dry_run=dry_run,
                                     changes=outcome.changes, warnings=outcome.warnings)
                except CallFailed as failed:
                    outcome.failures.append(SyncFailure(account.key, region, exit_code_for(failed.kind), str(failed)))
    except Aborted:
        outcome.aborted = _abort_reason(runtime)
    return outcome
