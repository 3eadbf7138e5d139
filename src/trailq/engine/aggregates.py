"""Stats aggregation states (reference §4.13), mergeable so that workers can aggregate in parallel.

Each state takes values one by one (`add(value, timestamp_ms)`), merges with a state of the same
aggregation built elsewhere (`merge`), and gives its result (`result`). Null and, for numeric
aggregations, non-numeric values are skipped (see semantics.md).
"""

from __future__ import annotations

import math
from typing import Any

from trailq.engine.registry import FUNCTIONS, aggregate
from trailq.engine.values import Value, natural_sort_key, render_value, to_number

__all__ = ["AggregateState", "make_state"]


class AggregateState:
    def add(self, value: Value, timestamp_ms: int | None) -> None:
        raise NotImplementedError

    def merge(self, other: AggregateState) -> None:
        raise NotImplementedError

    def result(self) -> Value:
        raise NotImplementedError


class Count(AggregateState):
    """count(*) counts every row (the interpreter passes a non-null marker); count(f) rows with f."""

    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0

    def add(self, value: Value, timestamp_ms: int | None) -> None:
        if value is not None:
            self.n += 1

    def merge(self, other: AggregateState) -> None:
        assert isinstance(other, Count)  # states of one aggregation merge with each other only
        self.n += other.n

    def result(self) -> Value:
        return self.n


class Sum(AggregateState):
    __slots__ = ("total", "seen")

    def __init__(self) -> None:
        self.total: int | float = 0
        self.seen = False

    def add(self, value: Value, timestamp_ms: int | None) -> None:
        number = to_number(value)
        if number is not None:
            self.total += number
            self.seen = True

    def merge(self, other: AggregateState) -> None:
        assert isinstance(other, Sum)  # states of one aggregation merge with each other only
        self.total += other.total
        self.seen = self.seen or other.seen

    def result(self) -> Value:
        return self.total if self.seen else None


class Moments(AggregateState):
    """avg, variance and stddev (population, see semantics.md): Welford's running mean and squares,
    merged with Chan's formula so that split scans give the same answer."""

    __slots__ = ("kind", "n", "mean", "m2", "total")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0
        self.total: int | float = 0

    def add(self, value: Value, timestamp_ms: int | None) -> None:
        number = to_number(value)
        if number is not None:
            self.n += 1
            self.total += number
            delta = number - self.mean
            self.mean += delta / self.n
            self.m2 += delta * (number - self.mean)

    def merge(self, other: AggregateState) -> None:
        assert isinstance(other, Moments)  # states of one aggregation merge with each other only
        o = other
        if o.n == 0:
            return
        n = self.n + o.n
        delta = o.mean - self.mean
        self.m2 += o.m2 + delta * delta * self.n * o.n / n
        self.mean += delta * o.n / n
        self.total += o.total
        self.n = n

    def result(self) -> Value:
        if self.n == 0:
            return None
        if self.kind == "avg":
            return self.total / self.n
        variance = max(self.m2 / self.n, 0.0)
        return variance if self.kind == "variance" else math.sqrt(variance)


def _extreme_key(value: Value) -> tuple[Any, ...]:
    # Numbers (and numeric text) by value before anything else; other text by the natural sort.
    number = to_number(value)
    if number is not None:
        return (1, number)
    return (0, natural_sort_key(value))


class Extreme(AggregateState):
    """min / max; numbers by value, text by the natural sort, numbers beat text (semantics.md)."""

    __slots__ = ("want_max", "best", "best_key")

    def __init__(self, want_max: bool) -> None:
        self.want_max = want_max
        self.best: Value = None
        self.best_key: tuple[Any, ...] | None = None

    def add(self, value: Value, timestamp_ms: int | None) -> None:
        if value is None or isinstance(value, (dict, list)):
            return
        key = _extreme_key(value)
        if self.best_key is None:
            self.best, self.best_key = value, key
            return
        if key[0] != self.best_key[0]:
            better = key[0] > self.best_key[0]
        else:
            better = key[1] > self.best_key[1] if self.want_max else key[1] < self.best_key[1]
        if better:
            self.best, self.best_key = value, key

    def merge(self, other: AggregateState) -> None:
        assert isinstance(other, Extreme)  # states of one aggregation merge with each other only
        if other.best_key is not None:
            self.add(other.best, None)

    def result(self) -> Value:
        return self.best


class Percentile(AggregateState):
    """pct(f, p): nearest rank over the numeric values (no interpolation; semantics.md)."""

    __slots__ = ("p", "numbers")

    def __init__(self, p: float) -> None:
        self.p = p
        self.numbers: list[int | float] = []

    def add(self, value: Value, timestamp_ms: int | None) -> None:
        number = to_number(value)
        if number is not None:
            self.numbers.append(number)

    def merge(self, other: AggregateState) -> None:
        assert isinstance(other, Percentile)  # states of one aggregation merge with each other only
        self.numbers.extend(other.numbers)

    def result(self) -> Value:
        if not self.numbers:
            return None
        ordered = sorted(self.numbers)
        rank = math.ceil(min(max(self.p, 0), 100) / 100 * len(ordered))
        return ordered[min(max(rank - 1, 0), len(ordered) - 1)]


class Distinct(AggregateState):
    """countDistinct (exact here; the service approximates at high cardinality) and values()."""

    __slots__ = ("kind", "seen")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.seen: dict[str, Value] = {}

    def add(self, value: Value, timestamp_ms: int | None) -> None:
        text = render_value(value)
        if text is not None and text not in self.seen:
            self.seen[text] = value

    def merge(self, other: AggregateState) -> None:
        assert isinstance(other, Distinct)  # states of one aggregation merge with each other only
        for text, value in other.seen.items():
            self.seen.setdefault(text, value)

    def result(self) -> Value:
        if self.kind == "countdistinct":
            return len(self.seen)
        return sorted(self.seen, key=natural_sort_key)


class ByTime(AggregateState):
    """earliest / latest: the value from the row with the smallest / largest @timestamp."""

    __slots__ = ("want_latest", "best", "best_ms")

    def __init__(self, want_latest: bool) -> None:
        self.want_latest = want_latest
        self.best: Value = None
        self.best_ms: int | None = None

    def add(self, value: Value, timestamp_ms: int | None) -> None:
        if value is None or timestamp_ms is None:
            return
        if self.best_ms is None or (timestamp_ms > self.best_ms if self.want_latest else timestamp_ms < self.best_ms):
            self.best, self.best_ms = value, timestamp_ms

    def merge(self, other: AggregateState) -> None:
        assert isinstance(other, ByTime)  # states of one aggregation merge with each other only
        self.add(other.best, other.best_ms)

    def result(self) -> Value:
        return self.best


class SortsEnd(AggregateState):
    """sortsFirst / sortsLast: the value that comes first / last in the natural sort."""

    __slots__ = ("last", "best", "key")

    def __init__(self, last: bool) -> None:
        self.last = last
        self.best: Value = None
        self.key: tuple[Any, ...] | None = None

    def add(self, value: Value, timestamp_ms: int | None) -> None:
        if value is None or isinstance(value, (dict, list)):
            return
        key = natural_sort_key(value)
        if self.key is None or (key > self.key if self.last else key < self.key):
            self.best, self.key = value, key

    def merge(self, other: AggregateState) -> None:
        assert isinstance(other, SortsEnd)  # states of one aggregation merge with each other only
        self.add(other.best, None)

    def result(self) -> Value:
        return self.best


class TopK(AggregateState):
    """topk(k, f): the k most frequent values, most frequent first (ties by natural sort)."""

    __slots__ = ("k", "counts")

    def __init__(self, k: int) -> None:
        self.k = k
        self.counts: dict[str, int] = {}

    def add(self, value: Value, timestamp_ms: int | None) -> None:
        text = render_value(value)
        if text is not None:
            self.counts[text] = self.counts.get(text, 0) + 1

    def merge(self, other: AggregateState) -> None:
        assert isinstance(other, TopK)  # states of one aggregation merge with each other only
        for text, n in other.counts.items():
            self.counts[text] = self.counts.get(text, 0) + n

    def result(self) -> Value:
        ordered = sorted(self.counts.items(), key=lambda kv: (-kv[1], natural_sort_key(kv[0])))
        return [text for text, _ in ordered[: self.k]]


# Each factory takes the call's constant extra arguments (pct's percentile, topk's k) and registers
# itself in the engine's function table under its canonical name.
@aggregate("count")
def _count() -> AggregateState:
    return Count()


@aggregate("sum")
def _sum() -> AggregateState:
    return Sum()


@aggregate("avg")
def _avg() -> AggregateState:
    return Moments("avg")


@aggregate("variance")
def _variance() -> AggregateState:
    return Moments("variance")


@aggregate("stddev")
def _stddev() -> AggregateState:
    return Moments("stddev")


@aggregate("min")
def _min() -> AggregateState:
    return Extreme(False)


@aggregate("max")
def _max() -> AggregateState:
    return Extreme(True)


@aggregate("pct")
def _pct(percentile: Value) -> AggregateState:
    return Percentile(float(to_number(percentile) or 0))


@aggregate("countDistinct")
def _count_distinct() -> AggregateState:
    return Distinct("countdistinct")


@aggregate("values")
def _values() -> AggregateState:
    return Distinct("values")


@aggregate("earliest")
def _earliest() -> AggregateState:
    return ByTime(False)


@aggregate("latest")
def _latest() -> AggregateState:
    return ByTime(True)


@aggregate("sortsFirst")
def _sorts_first() -> AggregateState:
    return SortsEnd(False)


@aggregate("sortsLast")
def _sorts_last() -> AggregateState:
    return SortsEnd(True)


@aggregate("topk")
def _topk(k: Value) -> AggregateState:
    return TopK(int(to_number(k) or 1))


def make_state(name: str, *constants: Value) -> AggregateState:
    """A fresh state for an aggregation; `name` is its engine_name (callers resolve it once per query)."""
    factory = FUNCTIONS[name].implementation
    assert factory is not None, name  # the registry refuses an aggregate without a factory
    state: AggregateState = factory(*constants)
    return state

