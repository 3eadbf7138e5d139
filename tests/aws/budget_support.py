"""Watching a run's token buckets: the time of every grant, per action."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Sequence

from trailq.aws.budget import Buckets, TokenBucket


class RecordingBucket(TokenBucket):
    """A TokenBucket that keeps the clock time of every grant it gives."""

    def __init__(self, rate: float, clock: Callable[[], float], log: list[float]) -> None:
        super().__init__(rate, clock)
        self._log = log
        self._recording = threading.Lock()  # nobody grants between a grant and its recording

    def try_acquire(self) -> float:
        with self._recording:
            wait = super().try_acquire()
            if wait == 0.0:
                self._log.append(self._granted[-1])
            return wait


class RecordingBuckets(Buckets):
    """Buckets whose grants are listed per action in `grants` (every account and region together)."""

    def __init__(self, rates: dict[str, float] | None, clock: Callable[[], float]) -> None:
        super().__init__(rates, clock)
        self.grants: dict[str, list[float]] = defaultdict(list)

    def new_bucket(self, action: str, rate: float) -> TokenBucket:
        return RecordingBucket(rate, self._clock, self.grants[action])


def busiest_second(times: Sequence[float], window: float = 1.0) -> int:
    """The most grants inside any `window` seconds (a half-open window starting at a grant)."""
    ordered = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(ordered):
        while ordered[first] <= at - window:
            first += 1
        most = max(most, last - first + 1)
    return most
