"""Budgets shared by every query of a run: token buckets and retries (the concurrency gates are fanout.py's).

Why here and not in botocore: the quotas are per account and region and per API action
(StartQuery and GetQueryResults 10 TPS each, not adjustable; 100 concurrent queries, counting
dashboards and scheduled queries: logs-insights.md §6), shared by every query in the run and by
the account's other users. So one token bucket per (account, region, action) paces every call,
sized well under the quota, and a single retry layer (ours; botocore's is switched off in
session.py) backs off on throttling with jitter, bounded by the run's deadline.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeVar

from trailq.aws.session import (
    CREDENTIAL_ERRORS,
    NETWORK_ERRORS,
    PERMANENT_NETWORK_ERRORS,
    error_code,
    error_message,
    http_status,
    response_may_be_lost,
)
from trailq.errors import EXIT_ACCESS, EXIT_INTERRUPTED, EXIT_QUERY_FAILED, EXIT_QUERY_INVALID, QueryFailedError
from trailq.result import CANCELLED, TIMEOUT

T = TypeVar("T")

# Calls per second per account+region: about a third (StartQuery) and a half (GetQueryResults,
# polled more often) of the 10-TPS quotas, leaving the rest to the account's other users and tools.
# ListLogGroups (discovery asks it twice per account+region): half of DescribeLogGroups' 10 TPS, whose
# quota it is taken to share.
DEFAULT_RATES = {"StartQuery": 3.0, "GetQueryResults": 5.0, "StopQuery": 5.0, "ListLogGroups": 5.0}
DEFAULT_RATE = 3.0  # any other action (DescribeLogGroups, PutQueryDefinition, ...)
MAX_ATTEMPTS = 8  # a cap as well as the deadline: a service that fails 8 times in a row is down


class AbortReason(str, Enum):
    """Why a run stopped early: a Ctrl-C/SIGTERM (the run's stop event) or its --timeout.

    A str, so it still compares equal to "interrupted"/"deadline" and prints as that word. The
    status its unfinished queries get, the words that say why, and the exit code live here, once.
    """

    INTERRUPTED = "interrupted"
    DEADLINE = "deadline"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @property
    def status(self) -> str:
        """The final status of a query the abort cut short."""
        return CANCELLED if self is AbortReason.INTERRUPTED else TIMEOUT

    @property
    def why(self) -> str:
        """The abort in words, for a cut-short query's error."""
        return "interrupted" if self is AbortReason.INTERRUPTED else "the run's --timeout was reached"

    @property
    def exit_code(self) -> int:
        return EXIT_INTERRUPTED if self is AbortReason.INTERRUPTED else EXIT_QUERY_FAILED

    @classmethod
    def of(cls, runtime: Runtime) -> AbortReason:
        """The reason, once a Runtime has raised Aborted: its stop event set means interrupted."""
        return cls.INTERRUPTED if runtime.stop.is_set() else cls.DEADLINE


class Aborted(Exception):
    """The run was cancelled or its deadline passed while waiting; never escapes the aws package.

    `last` is the failure being retried when it came (ServiceUnavailable, throttling, a network
    error), so that "the --timeout was reached" can also say what kept the call from succeeding.
    """

    def __init__(self, last: CallFailed | None = None) -> None:
        super().__init__()
        self.last = last


class RunAborted(QueryFailedError):
    """What `discover` raises when cancelled or out of time: exit 130 for an interrupt, else 5.

    run, resume and sync return their partial outcome instead (RunOutcome.aborted, a Cancelled or
    Timeout Result, SyncOutcome.aborted); discover changes nothing, so it has nothing to report.
    """

    def __init__(self, message: str, reason: AbortReason) -> None:
        super().__init__(message)
        self.reason = reason
        self.exit_code = reason.exit_code


class Kind(Enum):
    THROTTLED = "throttled"  # retry after backoff; slow everyone on this bucket down
    CONCURRENCY = "concurrency"  # LimitExceededException: too many queries running; shrink the gate
    TRANSIENT = "transient"  # 5xx, ServiceUnavailable, network: retry after backoff
    ACCESS = "access"  # credentials or permissions: exit 4, never retried
    MALFORMED = "malformed"  # MalformedQueryException: exit 3, never retried
    PERMANENT = "permanent"  # ResourceNotFound, InvalidParameter, ...: fail the target


_THROTTLE_CODES = {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"}
_TRANSIENT_CODES = {"ServiceUnavailableException", "ServiceUnavailable", "InternalFailure", "InternalServerError", "RequestTimeout"}
_ACCESS_CODES = {
    "AccessDeniedException", "AccessDenied", "UnrecognizedClientException", "InvalidClientTokenId",
    "ExpiredTokenException", "ExpiredToken", "SignatureDoesNotMatch", "InvalidSignatureException",
    "AuthFailure", "UnauthorizedOperation", "IncompleteSignature", "MissingAuthenticationToken",
}


def exit_code_for(kind: Kind | None) -> int:
    """The exit code a failure of this kind stands for: 4 access, 3 query text rejected, else 5.

    The one mapping used by a run's Results, by resume and by sync; None (a query that ended
    Failed/Cancelled/Timeout without a failed call) is a query failure.
    """
    if kind is Kind.ACCESS:
        return EXIT_ACCESS
    if kind is Kind.MALFORMED:
        return EXIT_QUERY_INVALID
    return EXIT_QUERY_FAILED


def classify(exc: BaseException) -> Kind:
    """What to do about an error from one AWS call."""
    if isinstance(exc, CREDENTIAL_ERRORS):
        return Kind.ACCESS
    if isinstance(exc, PERMANENT_NETWORK_ERRORS):
        return Kind.PERMANENT
    if isinstance(exc, NETWORK_ERRORS):
        return Kind.TRANSIENT
    code = error_code(exc)
    # ThrottlingException is not in the logs model; match code and message like incite does.
    if code in _THROTTLE_CODES or http_status(exc) == 429 or "rate exceeded" in error_message(exc).lower():
        return Kind.THROTTLED
    if code == "LimitExceededException":
        return Kind.CONCURRENCY
    if code in _ACCESS_CODES or http_status(exc) == 403:
        return Kind.ACCESS
    if code == "MalformedQueryException":
        return Kind.MALFORMED
    if code in _TRANSIENT_CODES or http_status(exc) >= 500:
        return Kind.TRANSIENT
    return Kind.PERMANENT


class CallFailed(Exception):
    """An AWS call that failed for good (not retried, or out of attempts)."""

    def __init__(self, action: str, kind: Kind, cause: BaseException, attempts: int = 1) -> None:
        self.action = action
        self.kind = kind
        self.cause = cause
        self.attempts = attempts
        super().__init__(f"{action}: {self.detail}")

    @property
    def response_lost(self) -> bool:
        """The request was sent and its answer lost: the service may have acted on it."""
        return response_may_be_lost(self.cause)

    @property
    def detail(self) -> str:
        """AWS's answer in one line, and how often it was asked when it was retried."""
        return error_message(self.cause) + (f" (after {self.attempts} attempts)" if self.attempts > 1 else "")


def wait_first(futures: Sequence[Future[T]], timeout: float) -> set[Future[T]]:
    """The real wait: woken by the first finished future, else after `timeout` real seconds."""
    done, _ = wait(futures, timeout=timeout, return_when=FIRST_COMPLETED)
    return done


@dataclass(frozen=True)
class Clock:
    """Where a run takes its time from: the real monotonic clock unless a test passes its own.

    `now` reads the time, `sleep` (None: wait on the run's stop event) pauses a thread, and
    `wait_first` is how the scheduler waits for worker threads; aws.run & co. build their
    Runtime from it, so a test can run a whole fan-out on virtual time.
    """

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] | None = None
    wait_first: Callable[[Sequence[Future[Any]], float], set[Future[Any]]] = wait_first

    def runtime(self, timeout_seconds: float, stop: threading.Event | None = None) -> Runtime:
        """A Runtime on this clock whose deadline is `timeout_seconds` from now."""
        return Runtime(deadline=self.now() + timeout_seconds, stop=stop or threading.Event(), clock=self.now,
                       sleep=self.sleep, wait_first=self.wait_first)


REAL_CLOCK = Clock()


@dataclass
class Runtime:
    """Clock, sleep, wait, randomness and the run's stop signal, injected so tests need no real time."""

    deadline: float  # in clock() seconds
    stop: threading.Event = field(default_factory=threading.Event)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] | None = None  # default: wait on `stop`, so a cancel wakes sleepers
    rng: random.Random = field(default_factory=random.Random)
    # How the fan-out's scheduler waits for its workers (default: concurrent.futures.wait).
    wait_first: Callable[[Sequence[Future[Any]], float], set[Future[Any]]] = wait_first

    def pause(self, seconds: float) -> None:
        """Sleep, but never past the deadline; raise Aborted when stopped or out of time."""
        if self.stop.is_set():
            raise Aborted()
        remaining = self.deadline - self.clock()
        if remaining <= 0:
            raise Aborted()
        seconds = min(seconds, remaining)
        if seconds > 0:
            if self.sleep is not None:
                self.sleep(seconds)
            else:
                self.stop.wait(seconds)
        if self.stop.is_set() or self.clock() >= self.deadline:
            raise Aborted()

    def check(self) -> None:
        if self.stop.is_set() or self.clock() >= self.deadline:
            raise Aborted()


class TokenBucket:
    """At most `rate` calls in any one-second window, and calls spaced at least 1/rate apart.

    Grants are recorded when given (just before the call is sent), not when reserved, so a
    caller that wakes late cannot bunch up with the next one; a small margin absorbs the
    difference between grant and arrival at the service.
    """

    WINDOW_SECONDS = 1.05

    def __init__(self, rate: float, clock: Callable[[], float]) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self._clock = clock
        self._per_window = max(1, int(rate))
        self._granted: deque[float] = deque()
        self._next_free = clock()
        self._lock = threading.Lock()

    def try_acquire(self) -> float:
        """0.0 when the caller may call now (the grant is recorded); else how long to wait first."""
        with self._lock:
            now = self._clock()
            while self._granted and self._granted[0] <= now - self.WINDOW_SECONDS:
                self._granted.popleft()
            wait = self._next_free - now
            if len(self._granted) >= self._per_window:
                wait = max(wait, self._granted[0] + self.WINDOW_SECONDS - now)
            if wait > 0:
                return wait
            self._granted.append(now)
            self._next_free = now + 1.0 / self.rate
            return 0.0

    def penalise(self, seconds: float) -> None:
        """After a throttle: nobody on this bucket calls for `seconds`."""
        with self._lock:
            self._next_free = max(self._next_free, self._clock() + seconds)


class Buckets:
    """One TokenBucket per (account, region, action), created on first use."""

    def __init__(self, rates: dict[str, float] | None, clock: Callable[[], float]) -> None:
        self.rates = {**DEFAULT_RATES, **(rates or {})}
        self._clock = clock
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def get(self, account: str, region: str, action: str) -> TokenBucket:
        key = (account, region, action)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = self.new_bucket(action, self.rates.get(action, DEFAULT_RATE))
            return bucket

    def new_bucket(self, action: str, rate: float) -> TokenBucket:
        """The bucket for one (account, region, action); tests override it to watch the grants."""
        return TokenBucket(rate, self._clock)


def backoff_seconds(attempt: int, rng: random.Random, base: float = 0.5, cap: float = 20.0) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**attempt)], floor 0.1 s."""
    return max(0.1, rng.uniform(0, min(cap, base * (2**attempt))))


def call_with_retries(
    action: str,
    fn: Callable[..., T],
    params: dict[str, Any],
    *,
    bucket: TokenBucket,
    runtime: Runtime,
    max_attempts: int = MAX_ATTEMPTS,
    idempotent: bool = True,
) -> T:
    """One AWS call, paced by `bucket`; throttling and transient faults retried with backoff
    (at most `max_attempts` tries: a call with a fallback gives up sooner).

    A call that is not `idempotent` (StartQuery: each one starts a query) is not sent again after
    its answer was lost on the way back (budget.CallFailed.response_lost): the first may have acted.

    LimitExceededException is returned to the caller (CallFailed, kind CONCURRENCY): fan-out
    answers it by shrinking its gate and queueing the query again, not by retrying here.
    """
    attempt = 0
    last: CallFailed | None = None  # the failure being retried, named if the run ends meanwhile
    while True:
        try:
            while (wait := bucket.try_acquire()) > 0:
                runtime.pause(wait)
            runtime.check()
        except Aborted:
            raise Aborted(last) from None
        try:
            return fn(**params)
        except Exception as exc:  # noqa: BLE001 - classified below; unknown errors fail the call
            kind = classify(exc)
            retryable = kind in (Kind.THROTTLED, Kind.TRANSIENT) and (idempotent or not response_may_be_lost(exc))
            attempt += 1
            if not retryable or attempt >= max_attempts:
                raise CallFailed(action, kind, exc, attempt) from exc
            last = CallFailed(action, kind, exc, attempt)
        delay = backoff_seconds(attempt, runtime.rng)
        if last.kind is Kind.THROTTLED:
            bucket.penalise(delay / 2)
        try:
            runtime.pause(delay)
        except Aborted:
            raise Aborted(last) from None
