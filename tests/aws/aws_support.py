"""Helpers shared by the CloudWatch backend tests: fast budgets, endpoints on the fake, a FanOut,
and a virtual clock.

A module name of its own: `conftest` is also tests/output's, and only one can be imported as such.
"""

from __future__ import annotations

import threading
import time

from fakelogs import FakeLogs, FakeServer  # noqa: F401 - FakeServer is for the fixtures

from trailq.aws.budget import Buckets, Clock, Runtime
from trailq.aws.fanout import Endpoint, FanOut
from trailq.aws.insights import PollRamp

FAST_RAMP = PollRamp(first_seconds=0.005, factor=1.5, cap_seconds=0.02)
FAST_RATES = {"StartQuery": 1000.0, "GetQueryResults": 1000.0, "StopQuery": 1000.0}
T0 = 1_700_000_000  # an epoch second used as the start of every test window
A, B = "111111111111", "222222222222"  # the accounts behind profiles a and b


class VirtualClock:
    """Time that passes only when someone sleeps: `sleep` advances it at once instead of waiting.

    Share it between the run (`clock()`, a budget.Clock) and the fake (`FakeLogs(clock=vc.now)`),
    so query durations, quotas, backoffs and deadlines are all counted in virtual seconds and a
    test never depends on how fast the machine is. Threads are still real: the scheduler waits
    for its workers with the real (event-driven) wait.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._now += max(0.0, seconds)
        time.sleep(0)  # let the other threads run, as a real sleep would

    def clock(self) -> Clock:
        return Clock(now=self.now, sleep=self.sleep)


def endpoints(fake: FakeLogs, accounts: list[str], regions: list[str], groups: tuple[str, ...] = ("trail",)) -> list[Endpoint]:
    return [Endpoint(a, r, groups, fake.client(a, r), fake.client(a, r)) for a in accounts for r in regions]


def fan_out(queries, eps, *, seconds: int = 3600, timeout: float = 20.0, cancel: threading.Event | None = None,
            rates: dict[str, float] = FAST_RATES, clock: VirtualClock | None = None, **kw) -> FanOut:
    """A FanOut over `eps`; on `clock` (virtual time) when given, else on the real clock."""
    if clock is not None:
        runtime = clock.clock().runtime(timeout, cancel)
    else:
        runtime = Runtime(deadline=time.monotonic() + timeout, stop=cancel or threading.Event())
    kw.setdefault("ramp", FAST_RAMP)
    kw.setdefault("buckets", Buckets(rates, runtime.clock))
    return FanOut(queries, eps, start_seconds=T0, end_seconds=T0 + seconds, runtime=runtime, cancel=cancel, **kw)
