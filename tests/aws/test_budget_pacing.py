"""The token bucket on a clock the test moves: however callers arrive, no one-second window holds more
grants than the rate allows, and grants are spaced at least 1/rate apart."""

from __future__ import annotations

import random

import pytest
from budget_support import busiest_second

from trailq.aws.budget import DEFAULT_RATES, TokenBucket


class ManualClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _grants(rate: float, callers: int, seed: int, seconds: float = 30.0) -> list[float]:
    """Callers ask at random moments and come back when told (a little late, as threads do)."""
    rng = random.Random(seed)
    clock = ManualClock()
    bucket = TokenBucket(rate, clock)
    asks = sorted((clock.now + rng.uniform(0, 2.0), caller) for caller in range(callers))
    grants: list[float] = []
    while asks:
        at, caller = asks.pop(0)
        if at > 100.0 + seconds:
            continue
        clock.now = max(clock.now, at)
        wait = bucket.try_acquire()
        if wait == 0.0:
            grants.append(clock.now)
            wait = rng.uniform(0.0, 0.3)  # the call itself, then the next ask
        asks.append((clock.now + wait + rng.uniform(0.0, 0.02), caller))
        asks.sort()
    return grants


@pytest.mark.parametrize("rate", sorted({*DEFAULT_RATES.values(), 1.0, 10.0}))
@pytest.mark.parametrize("seed", range(5))
def test_no_second_holds_more_grants_than_the_rate(rate: float, seed: int) -> None:
    grants = _grants(rate, callers=12, seed=seed)
    assert len(grants) > rate * 10  # the callers kept the bucket busy
    assert busiest_second(grants) <= int(rate)
    gaps = [b - a for a, b in zip(grants, grants[1:])]
    assert min(gaps) >= 1.0 / rate - 1e-9


def test_a_penalty_holds_every_caller_back() -> None:
    clock = ManualClock()
    bucket = TokenBucket(5.0, clock)
    assert bucket.try_acquire() == 0.0
    bucket.penalise(3.0)
    clock.now += 1.0
    assert bucket.try_acquire() == pytest.approx(2.0)
    clock.now += 2.0
    assert bucket.try_acquire() == 0.0
