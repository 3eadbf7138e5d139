"""Many queries at once: every query × account × region × log-group batch, within shared budgets.

The main thread is the only scheduler: it owns the per account+region concurrency gates, decides
when a window is split, and on cancel or deadline stops every live query. Worker threads each
carry one CloudWatch query through insights.start → wait_and_fetch and never wait on each other,
so a split or a retry can never deadlock the pool.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from trailq.aws.budget import Aborted, AbortReason, Buckets, CallFailed, Kind, Runtime, backoff_seconds, exit_code_for
from trailq.aws.insights import (
    Attempt,
    Caller,
    PollRamp,
    QueryRequest,
    chooses_own_log_groups,
    rows_not_fetched,
    start,
    stop,
    wait_and_fetch,
)
from trailq.aws.session import error_code
from trailq.aws.shape import QueryShape, apply_final_sort_limit, shape_of
from trailq.errors import EXIT_QUERY_INVALID, QueryError
from trailq.lang.analysis import DEFAULT_ROW_LIMIT
from trailq.result import COMPLETE, ERROR, Notice, ProgressEvent, Result, Statistics, Target, exit_code_of
from trailq.source import Span
from trailq.timerange import iso_seconds

BATCH_SIZE = 50  # log groups per StartQuery (API maximum)
DEFAULT_RAMP = PollRamp()  # frozen: one shared default
STOP_WAIT_SECONDS = 5.0  # how long an abort waits for all StopQuery calls together


@dataclass(frozen=True)
class Endpoint:
    """One account in one region, with the log groups to query there."""

    account: str
    region: str | None  # None: the account's regions could not be listed (failure says why)
    log_groups: tuple[str, ...]
    client: Any
    stop_client: Any  # same credentials, short timeouts: used only for StopQuery on abort
    failure: CallFailed | None = None  # resolving this endpoint failed: a failed Result, no query
    failure_reason: str = ""  # that failure in words ("opt-in region not enabled ...", "denied (...)")

    @property
    def target(self) -> Target:
        return Target(account=self.account, region=self.region, log_groups=self.log_groups)

    def label(self) -> str:
        return f"account {self.account} {self.region}" if self.region else f"account {self.account}"

    @property
    def where(self) -> str:
        """The region of an endpoint that runs queries (only endpoints without a failure do, and they have one)."""
        assert self.region is not None, "a query scheduled on an endpoint whose regions could not be listed"
        return self.region


@dataclass(frozen=True)
class Abandoned:
    """A query left behind by an abort: its results stay retrievable for 7 days (`--resume`)."""

    query_id: str
    account: str
    region: str
    query: str
    stopped: bool  # StopQuery reported success


@dataclass
class RunOutcome:
    results: list[Result]
    abandoned: list[Abandoned] = field(default_factory=list)
    aborted: AbortReason | None = None
    warnings: list[Notice] = field(default_factory=list)  # run-level: regions skipped, nothing matched
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (query, target label) with no new time to cover (--state)
    query_errors: list[QueryError] = field(default_factory=list)  # MalformedQueryException, one per query text

    @property
    def exit_code(self) -> int:
        """130 interrupted · 5 deadline · 3 query text rejected · 4 every target denied · 5 any failure · 0."""
        if self.aborted is not None:
            return self.aborted.exit_code
        return exit_code_of(self.results)

    def query_error(self) -> QueryError | None:
        """The service's MalformedQueryException as a QueryError (with caret) when every result failed on it.

        The CLI can raise it to print `name:LINE:COL: message` and a caret once, instead of once per region.
        """
        if self.results and self.query_errors and all(r.error_exit_code == EXIT_QUERY_INVALID for r in self.results):
            return self.query_errors[0]
        return None


@dataclass
class _Job:
    key: tuple[int, int]  # (query index, endpoint index): one Result per key
    endpoint: Endpoint
    request: QueryRequest
    retries: int = 0  # LimitExceeded retries so far
    not_before: float = 0.0
    retrying: CallFailed | None = None  # the failure being retried when the run was aborted


@dataclass
class _Done:
    attempt: Attempt | None = None
    query_id: str | None = None
    aborted: bool = False
    stopped: bool | None = None  # a late starter stopped its own query: StopQuery's outcome


class _Gate:
    """Concurrent queries allowed on one account+region; shrinks on LimitExceededException."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.running = 0
        self.queue: deque[_Job] = deque()

    def shrink(self) -> None:
        self.limit = max(1, min(self.limit - 1, self.running))


class _Registry:
    """Query ids still Scheduled/Running; closed once an abort starts so late starters stop themselves."""

    def __init__(self) -> None:
        self._live: dict[str, _Job] = {}
        self._closed = False
        self._lock = threading.Lock()

    def add(self, query_id: str, job: _Job) -> bool:
        with self._lock:
            if self._closed:
                return False
            self._live[query_id] = job
            return True

    def discard(self, query_id: str) -> None:
        with self._lock:
            self._live.pop(query_id, None)

    def close(self) -> dict[str, _Job]:
        with self._lock:
            self._closed = True
            live, self._live = self._live, {}
            return live


@dataclass
class _Collector:
    """The attempts that make up one Result (splits and batches), and whether any are still due."""

    name: str
    text: str
    shape: QueryShape
    endpoint: Endpoint
    pending: int = 0
    batches: int = 0
    split: bool = False
    attempts: list[Attempt] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False


class FanOut:
    """One run: build with the queries and endpoints, then call `execute()` once."""

    def __init__(
        self,
        queries: Sequence[tuple[str, str]],
        endpoints: Sequence[Endpoint],
        *,
        start_seconds: int,
        end_seconds: int,
        runtime: Runtime,
        buckets: Buckets,
        limit: int | None = None,
        concurrency: int = 20,
        ramp: PollRamp = DEFAULT_RAMP,
        on_progress: Callable[[ProgressEvent], None] | None = None,
        cancel: threading.Event | None = None,
        windows: Callable[[str, str, Target], tuple[int, int, str] | None] | None = None,
        language: str = "CWLI",
    ) -> None:
        self.runtime = runtime
        self.buckets = buckets  # the run's budget, shared with endpoint resolution
        self.limit = limit
        self.ramp = ramp
        self.cancel = cancel
        self._on_progress = on_progress
        self._progress_lock = threading.Lock()
        self._registry = _Registry()
        self._gates: dict[tuple[str, str | None], _Gate] = {}  # region None: a failed endpoint, never run
        self._collectors: dict[tuple[int, int], _Collector] = {}
        self._malformed: dict[str, Attempt] = {}
        self._query_errors: list[QueryError] = []
        self._order: list[tuple[int, int]] = []
        self.skipped: list[tuple[str, str]] = []  # (query, target label) with no new time to cover (--state)
        self._left: list[Abandoned] = []  # queries whose polling failed and that StopQuery could not stop
        self._retrying: dict[tuple[int, int], CallFailed] = {}  # StartQuery failures still being retried at an abort
        self.language = language
        for qi, (name, text) in enumerate(queries):
            shape = shape_of(text)
            for ei, ep in enumerate(endpoints):
                # (start, end, text): --state gives each query × target its own window and bounded text.
                window = (start_seconds, end_seconds, text) if windows is None else windows(name, text, ep.target)
                if window is None:
                    self.skipped.append((name, ep.label()))
                    continue
                gate = self._gates.setdefault((ep.account, ep.region), _Gate(concurrency))
                col = _Collector(name, text, shape, ep)
                self._collectors[(qi, ei)] = col
                self._order.append((qi, ei))
                if ep.failure is not None:  # "DescribeRegions: UnauthorizedOperation: ...": the call that failed, named
                    col.attempts.append(Attempt(None, ERROR, error=ep.failure_reason or str(ep.failure), failure=ep.failure))
                    continue
                batches = [ep.log_groups[i : i + BATCH_SIZE] for i in range(0, len(ep.log_groups), BATCH_SIZE)] or [()]
                if chooses_own_log_groups(text, language):
                    batches = [()]  # SOURCE ... / SQL: the text picks the log groups, once per target
                col.batches = len(batches)
                for batch in batches:
                    col.pending += 1
                    request = QueryRequest(window[2], tuple(batch), window[0], window[1], limit, language)
                    gate.queue.append(_Job((qi, ei), ep, request))

    # -- the scheduler loop (main thread) -------------------------------------------------------

    def execute(self) -> RunOutcome:
        workers = min(256, sum(g.limit for g in self._gates.values()) or 1)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="trailq-aws")
        running: dict[Future[_Done], _Job] = {}
        aborted: AbortReason | None = None
        try:
            aborted = self._schedule(pool, running)
        except Aborted:
            aborted = self._abort_reason() or AbortReason.DEADLINE
        except KeyboardInterrupt:  # no signal handler installed: still stop what we started
            aborted = AbortReason.INTERRUPTED
        except BaseException:
            self._abort(AbortReason.INTERRUPTED, running)  # a bug must not leave queries running
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        abandoned = self._abort(aborted, running) if aborted else []
        pool.shutdown(wait=not aborted, cancel_futures=True)
        results = [self._build(key) for key in self._order]
        abandoned += [a for a in self._left if a.query_id not in {b.query_id for b in abandoned}]
        return RunOutcome(results, abandoned, aborted, query_errors=list(self._query_errors), skipped=list(self.skipped))

    def _schedule(self, pool: ThreadPoolExecutor, running: dict[Future[_Done], _Job]) -> AbortReason | None:
        while running or any(g.queue for g in self._gates.values()):
            aborted = self._abort_reason()
            if aborted:
                return aborted
            self._launch_ready(pool, running)
            if not running:
                self.runtime.pause(0.05)  # only delayed retries are queued
                continue
            done = self.runtime.wait_first(list(running), 0.1)
            stopped_early = False
            for future in done:
                job = running.pop(future)
                self._gates[(job.endpoint.account, job.endpoint.region)].running -= 1
                outcome = future.result()
                stopped_early = stopped_early or outcome.aborted
                self._settle(job, outcome)
            if stopped_early:  # a worker hit the deadline (or a cancel) first; its query is still registered
                return self._abort_reason() or AbortReason.DEADLINE
        return None

    def _abort_reason(self) -> AbortReason | None:
        if self.cancel is not None and self.cancel.is_set():
            return AbortReason.INTERRUPTED
        if self.runtime.stop.is_set():
            return AbortReason.INTERRUPTED
        if self.runtime.clock() >= self.runtime.deadline:
            return AbortReason.DEADLINE
        return None

    def _launch_ready(self, pool: ThreadPoolExecutor, running: dict[Future[_Done], _Job]) -> None:
        now = self.runtime.clock()
        for gate in self._gates.values():
            skipped: list[_Job] = []
            while gate.queue and gate.running < gate.limit:
                job = gate.queue.popleft()
                malformed = self._malformed.get(job.request.text)
                if malformed is not None:  # same text, same grammar: don't ask every region again
                    self._settle(job, _Done(attempt=malformed))
                    continue
                if job.not_before > now:
                    skipped.append(job)
                    continue
                gate.running += 1
                running[pool.submit(self._work, job)] = job
            gate.queue.extendleft(reversed(skipped))

    # -- one query in a worker thread -----------------------------------------------------------

    def _work(self, job: _Job) -> _Done:
        ep = job.endpoint
        caller = Caller(ep.client, ep.account, ep.where, self.buckets, self.runtime)
        col = self._collectors[job.key]
        started_at = self.runtime.clock()
        try:
            query_id = start(caller, job.request)
        except CallFailed as failed:
            return _Done(attempt=Attempt(None, ERROR, error=_start_error(failed, job.request), failure=failed))
        except Aborted as aborted:
            job.retrying = aborted.last
            if aborted.last is not None:
                self._retrying[job.key] = aborted.last  # the job may be gone from `running` by the abort
            return _Done(aborted=True)
        if not self._registry.add(query_id, job):
            stopped = stop(ep.stop_client, query_id)  # started just as the abort began
            return _Done(query_id=query_id, aborted=True, stopped=stopped)
        self._progress(col, "Scheduled", Statistics(), 0.0)
        try:
            attempt = wait_and_fetch(
                caller, query_id, ramp=self.ramp, started_at=started_at,
                on_status=lambda status, stats, elapsed: self._progress(col, status, stats, elapsed),
            )
        except Aborted as aborted:
            job.retrying = aborted.last
            return _Done(query_id=query_id, aborted=True)  # still registered: the abort stops it
        self._registry.discard(query_id)
        if attempt.status == ERROR and attempt.failure is not None:
            self._left_behind(job, col, attempt)
        return _Done(attempt=attempt, query_id=query_id)

    def _left_behind(self, job: _Job, col: _Collector, attempt: Attempt) -> None:
        """Polling failed (the network went, or access was lost) with the query perhaps still running:
        stop it; when that fails too, it joins the "still running, --resume" list."""
        query_id = str(attempt.query_id)
        if stop(job.endpoint.stop_client, query_id):
            attempt.error = f"{attempt.error}; query {query_id} was stopped"
            return
        attempt.error = f"{attempt.error}; query {query_id} could not be stopped and may still be running"
        with self._progress_lock:
            self._left.append(Abandoned(query_id, job.endpoint.account, str(job.endpoint.region), col.name, False))

    def _progress(self, col: _Collector, status: str, stats: Statistics, elapsed: float) -> None:
        if self._on_progress is None:
            return
        with self._progress_lock:  # callers get one event at a time, whatever thread sent it
            self._on_progress(ProgressEvent(col.name, col.endpoint.target, status, stats, elapsed))

    # -- what to do with a finished query (main thread) -----------------------------------------

    def _settle(self, job: _Job, done: _Done) -> None:
        col = self._collectors[job.key]
        attempt = done.attempt
        if attempt is None:  # aborted: recorded by _abort
            return
        failure = attempt.failure
        if failure is not None and failure.kind is Kind.CONCURRENCY:
            gate = self._gates[(job.endpoint.account, job.endpoint.region)]
            gate.shrink()
            job.retries += 1
            job.not_before = self.runtime.clock() + backoff_seconds(job.retries, self.runtime.rng)
            gate.queue.appendleft(job)
            return
        if failure is not None and failure.kind is Kind.MALFORMED:
            self._malformed.setdefault(job.request.text, attempt)
        col.pending -= 1
        if attempt.status == COMPLETE and self._at_cap(col.shape, job.request, attempt) and self._split(job, col):
            return
        missing = rows_not_fetched(attempt)
        if missing:
            col.truncated = True
            req = job.request
            col.warnings.append(f"{job.endpoint.label()}: the service counted {missing} more row(s) (statistics resultCount "
                                f"{len(attempt.rows) + missing}) than the {len(attempt.rows)} it returned between "
                                f"{_iso(req.start_seconds)} and {_iso(req.end_seconds)}; they are lost")
        col.attempts.append(attempt)

    def _at_cap(self, shape: QueryShape, request: QueryRequest, attempt: Attempt) -> bool:
        cap = request.limit or DEFAULT_ROW_LIMIT
        if len(attempt.rows) < cap:
            return False
        # When the query's own `limit` produced these rows, the answer is complete.
        return shape.limit is None or shape.limit > cap

    def _split(self, job: _Job, col: _Collector) -> bool:
        """Halve a capped window (overlapping at the middle second, de-duplicated by @ptr later)."""
        req = job.request
        span = req.end_seconds - req.start_seconds
        cap = req.limit or DEFAULT_ROW_LIMIT
        if not col.shape.splittable:
            col.truncated = True
            col.warnings.append(_cap_warning(col, req, cap, f"{_unsplittable(col.shape)} cannot be split; rows beyond the cap are lost"))
            return False
        if span < 2:
            # [s, s+1] would split into [s, s+1] again: halves share their middle second (see docstring).
            size = "the window is one second" if span < 1 else "the window is 2 seconds, and halves must share their middle second, so it"
            col.truncated = True
            col.warnings.append(_cap_warning(col, req, cap, f"{size} cannot be split further; rows beyond the cap are lost"))
            return False
        middle = (req.start_seconds + req.end_seconds) // 2
        col.split = True
        gate = self._gates[(job.endpoint.account, job.endpoint.region)]
        for lo, hi in ((middle, req.end_seconds), (req.start_seconds, middle)):
            col.pending += 1
            child = QueryRequest(req.text, req.log_groups, lo, hi, req.limit, req.language)
            gate.queue.appendleft(_Job(job.key, job.endpoint, child))
        return True

    # -- abort ----------------------------------------------------------------------------------

    def _abort(self, reason: AbortReason, running: dict[Future[_Done], _Job]) -> list[Abandoned]:
        """Stop every live query (each StopQuery with its own short timeout), then mark what's left."""
        self.runtime.stop.set()
        live = self._registry.close()
        stopped: dict[str, bool] = {}
        if live:
            with ThreadPoolExecutor(max_workers=min(32, len(live)), thread_name_prefix="trailq-stop") as stopper:
                futures = {qid: stopper.submit(stop, job.endpoint.stop_client, qid) for qid, job in live.items()}
                done, _ = wait(list(futures.values()), timeout=STOP_WAIT_SECONDS)
                stopped = {qid: f in done and f.result() for qid, f in futures.items()}
        # Late starters stop their own query; collect their ids within the same short wait.
        finished, _ = wait(list(running), timeout=STOP_WAIT_SECONDS)
        late: dict[str, _Job] = {}
        for future in finished:
            job = running[future]
            result = future.result()
            if result.query_id and result.query_id not in live and result.aborted:
                late[result.query_id] = job
                if result.stopped is not None:
                    stopped[result.query_id] = result.stopped
            if result.attempt is not None and not result.aborted:
                self._collectors[job.key].pending -= 1
                self._collectors[job.key].attempts.append(result.attempt)
        status, why = reason.status, reason.why
        abandoned: list[Abandoned] = []
        for qid, job in {**live, **late}.items():
            col = self._collectors[job.key]
            was_stopped = stopped.get(qid, False)  # one truth: StopQuery's own answer, for the line and the summary
            abandoned.append(Abandoned(qid, job.endpoint.account, job.endpoint.where, col.name, was_stopped))
            state = "stopped" if was_stopped else "could not be stopped and may still be running (--resume fetches it later)"
            col.attempts.append(Attempt(qid, status, error=f"{why}{_while_retrying(job.retrying)}; query {qid} {state}"))
        # Parts still queued after a LimitExceededException never started: the quota was full.
        refused = {job.key: job.retries for gate in self._gates.values() for job in gate.queue if job.retries}
        for key, col in self._collectors.items():
            if col.pending > 0 and not any(a.status == status for a in col.attempts):
                # A StartQuery still being retried (ServiceUnavailable, throttled, network) says what it kept getting.
                error = _unfinished(why, col, refused.get(key, 0)) + _while_retrying(self._retrying.get(key))
                col.attempts.append(Attempt(None, status, error=error))
        return abandoned

    # -- one Result per query × target ------------------------------------------------------------

    def _build(self, key: tuple[int, int]) -> Result:
        col = self._collectors[key]
        ep = col.endpoint
        result = Result(query=col.name, target=ep.target, text=col.text, truncated=col.truncated, warnings=list(col.warnings))
        stats = Statistics()
        failed = [a for a in col.attempts if a.status != COMPLETE]
        complete = [a for a in col.attempts if a.status == COMPLETE]
        for attempt in col.attempts:
            stats.add(attempt.statistics)
            if attempt.query_id and attempt.query_id not in result.query_ids:
                result.query_ids.append(attempt.query_id)
            for column in attempt.columns:
                if column not in result.columns:
                    result.columns.append(column)
        result.statistics = stats
        result.rows = _merge_rows(complete, col)
        if col.batches > 1 and not col.shape.splittable:
            # Each batch answered on its own: the rows are per-batch answers, not the query's answer.
            result.truncated = True
            result.rows_partial = True
            result.warnings.append(f"{ep.label()}: {len(ep.log_groups)} log groups ran in {col.batches} batches; {_per_batch(col.shape)}")
        if failed:
            err = _mark_failed(result, failed, col)
            if err is not None and not any(e.text == err.text for e in self._query_errors):
                self._query_errors.append(err)
        return result


def _merge_rows(attempts: list[Attempt], col: _Collector) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    seen_ptrs: set[str] = set()
    for attempt in attempts:
        for row in attempt.rows:
            ptr = row.get("@ptr")
            if ptr is not None:
                if ptr in seen_ptrs:  # the same event from two windows sharing a boundary second
                    continue
                seen_ptrs.add(ptr)
            rows.append(row)
    if len(attempts) > 1 and (col.split or not col.shape.aggregating):
        rows = apply_final_sort_limit(rows, col.shape)
    return rows


def _mark_failed(result: Result, failed: list[Attempt], col: _Collector) -> QueryError | None:
    first = failed[0]
    ep = col.endpoint
    kind = first.failure.kind if first.failure is not None else None
    result.status = first.status  # a service status, or ERROR for a failed call
    result.error_exit_code = exit_code_for(kind)
    if kind is Kind.MALFORMED and first.failure is not None:
        err = _query_error(col.name, col.text, first.failure)
        result.error = err.render()
        return err
    result.error = f"{ep.label()}: {first.error}"
    if len(failed) > 1:
        result.error += f" (and {len(failed) - 1} more part(s) of this query)"
    if result.rows:
        result.warnings.append(f"{ep.label()}: rows come from only part of the window or log groups; the rest failed")
    return None


def _query_error(name: str, text: str, failure: CallFailed) -> QueryError:
    """The service's MalformedQueryException, with a caret from queryCompileError when it has a location."""
    response = getattr(failure.cause, "response", {}) or {}
    compile_error = response.get("queryCompileError") or response.get("Error", {}).get("queryCompileError") or {}
    location = compile_error.get("location") or {}
    start_at = int(location.get("startCharOffset", 0) or 0)
    end_at = int(location.get("endCharOffset", start_at) or start_at)
    start_at = max(0, min(start_at, len(text)))
    end_at = max(start_at, min(end_at + 1 if end_at >= start_at else start_at, len(text)))
    message = compile_error.get("message") or response.get("Error", {}).get("Message") or "the service rejected the query"
    return QueryError(f"CloudWatch rejected the query: {message}", category="service", span=Span(start_at, end_at), text=text, origin=name)


def _start_error(failed: CallFailed, request: QueryRequest) -> str:
    """StartQuery's error; "log group does not exist" names none, so say which ones were asked for."""
    if error_code(failed.cause) == "ResourceNotFoundException" and request.log_groups:
        groups = ", ".join(request.log_groups)
        return f"{failed.detail} (log group{'s' * (len(request.log_groups) != 1)} asked for: {groups})"
    if failed.response_lost:
        return (f"StartQuery: {failed.detail}; its answer was lost, so it was not sent again (the first may have "
                "started a query whose id trailq never got; it ends by itself within the service's 60 minutes)")
    return failed.detail


def _unsplittable(shape: QueryShape) -> str:
    if not shape.known:
        return "a query the local parser cannot read (treated as aggregating)"
    return "an aggregating query" if shape.aggregating else "a query with dedup (two windows could each keep the same key)"


def _per_batch(shape: QueryShape) -> str:
    """Why concatenated batch rows are not the answer (the Result is marked truncated)."""
    if shape.known and not shape.aggregating:
        return (f"de-duplicated separately per batch of {BATCH_SIZE} log groups; "
                "the same dedup key can appear once per batch")
    prefix = "" if shape.known else "the local parser cannot read the query, so it is treated as aggregating: "
    return f"{prefix}aggregated separately per batch of {BATCH_SIZE} log groups; rows are partial aggregates, not combined"


def _unfinished(why: str, col: _Collector, refusals: int) -> str:
    """Why a query part never finished; names the concurrent-query quota when that kept it from starting."""
    if refusals:
        return (f"{why} before the query could start: the concurrent-query quota of account {col.endpoint.account} "
                f"in {col.endpoint.region} stayed full (LimitExceededException {refusals} time(s); "
                "other queries, dashboards or scheduled queries hold it)")
    return f"{why} before the query finished"


def _while_retrying(failure: CallFailed | None) -> str:
    """What a call kept answering until the abort, so a timeout does not hide an outage or a throttle."""
    if failure is None:
        return ""
    return f" (while retrying {failure.action}, which kept failing: {failure.detail})"


def _cap_warning(col: _Collector, req: QueryRequest, cap: int, why: str) -> str:
    return f"{col.endpoint.label()}: {cap} rows (the cap) between {_iso(req.start_seconds)} and {_iso(req.end_seconds)}; {why}"


def _iso(epoch_seconds: int) -> str:
    return iso_seconds(datetime.fromtimestamp(epoch_seconds, timezone.utc))


__all__ = ["Abandoned", "Endpoint", "FanOut", "RunOutcome"]
