"""Stats straight from events, for the common shape `stats <aggregations of fields> by <fields>`.

The general path wraps every event in a Row, runs it through closures that first look for
fields set by earlier commands, and builds a state list per row. When stats is the query's first
command, no command can have set a field, so a field's value is exactly what `field_getter`
reads from the event; this path reads it that way and, when every aggregation is a count of
rows, only counts rows per group and builds the Count states once at the end.

Counting by top-level keys reads the batches' record dicts (event_model.EventBatch) without
building events. When the reader decoded those keys as text or null only (`text_keys`: a record
with another value there took orjson's path and comes as a whole event), a record's values are
its group key as they are, and a block's keys are counted by `Counter.update` in C.

It produces the same `Groups` (same keys, same first-seen values, same insertion order) as
`interpreter.aggregate` over Rows; tests/engine/test_fastpaths.py compares the two.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from trailq.engine.aggregates import make_state
from trailq.engine.event_model import Event, EventBatch, field_getter, leaf_value, top_level_key
from trailq.engine.interpreter import Groups, Plan
from trailq.engine.values import Value, render_value
from trailq.lang import ast as A

__all__ = ["FastStats", "fast_stats", "aggregate_events", "aggregate_batches", "text_keys"]

Getter = Callable[[Event], Value]


@dataclass
class FastStats:
    by: list[Getter]
    inputs: list[Getter | None]  # per aggregation call; None counts every row
    names: list[str]  # engine_names of the aggregation calls
    constants: list[tuple[Value, ...]]
    top_keys: list[str] | None = None  # the record keys of `by` when every term is a top-level key

    @property
    def counts_only(self) -> bool:
        return all(name == "count" and fn is None for name, fn in zip(self.names, self.inputs))


def fast_stats(plan: Plan) -> FastStats | None:
    """The fast form of the plan's first stats, or None when the query does not have that shape."""
    stats = plan.first_stats
    if stats is None or plan.scan:
        return None  # a scan command before stats could set or hide fields
    by: list[Getter] = []
    top_keys: list[str | None] = []
    for projection in stats.command.by:
        if not isinstance(projection.expr, A.Field):
            return None  # bin(), functions: the general path evaluates them
        by.append(field_getter(projection.expr.name))
        top_keys.append(top_level_key(projection.expr.name))
    inputs: list[Getter | None] = []
    for call, name, compiled in zip(stats.calls, stats.names, stats.inputs):
        args = list(call.args)
        if name == "pct":
            args = args[:1]
        elif name == "topk":
            args = args[1:]
        if compiled is None:
            inputs.append(None)
        elif len(args) == 1 and isinstance(args[0], A.Field):
            inputs.append(field_getter(args[0].name))
        else:
            return None
    keys = [key for key in top_keys if key is not None]
    return FastStats(by, inputs, list(stats.names), list(stats.constants), keys if len(keys) == len(top_keys) else None)


def text_keys(plan: Plan) -> frozenset[str]:
    """The record keys a counts-only fast stats groups by: the reader may decode them as text or
    null only (decode.FieldDecoder), which lets `_count_by_keys` count them as they are."""
    fast = fast_stats(plan)
    if fast is None or not fast.counts_only or fast.top_keys is None:
        return frozenset()
    return frozenset(fast.top_keys)


def aggregate_batches(fast: FastStats, batches: Iterable[EventBatch]) -> tuple[Groups, int]:
    """`aggregate_events` over the events of the batches."""
    if fast.counts_only and fast.top_keys is not None:
        return _count_by_keys(fast, fast.top_keys, batches)
    return aggregate_events(fast, (event for batch in batches for event in batch.events()))


def _count_by_keys(fast: FastStats, keys: list[str], batches: Iterable[EventBatch]) -> tuple[Groups, int]:
    """Counts per group of top-level keys, from the records (each field is leaf_value(record.get(key)))."""
    counts: Counter[tuple[Any, ...]] = Counter()
    # The first values of a group whose key is not those values themselves (a number, an object):
    # every other group's first values are its key.
    firsts: dict[tuple[Any, ...], list[Value]] = {}
    wanted = frozenset(keys)
    for batch in batches:
        records = batch.records
        if not keys:
            if records:
                counts[()] += len(records)
        elif not batch.made and wanted <= batch.text_keys:
            # Text or null only: leaf_value and rendering keep both as they are. The keys are read
            # and zipped into group tuples by C loops (map over dict.get), no Python code per record.
            counts.update(zip(*[map(dict.get, records, repeat(key)) for key in keys]))
        elif len(keys) == 2:
            _count_two(keys[0], keys[1], records, counts, firsts)
        else:
            for record in records:
                values = [leaf_value(record.get(key)) for key in keys]
                group = tuple([_key_part(value) for value in values])
                if group not in counts:
                    firsts[group] = values
                counts[group] += 1
    groups: Groups = {}
    matched = 0
    for group, n in counts.items():
        groups[group] = (firsts.get(group) or list(group), _counts(fast, n))
        matched += n
    return groups, matched


def _count_two(first_key: str, second_key: str, records: list[dict[str, Any]], counts: Counter[tuple[Any, ...]],
               firsts: dict[tuple[Any, ...], list[Value]]) -> None:
    """`_count_by_keys` of records of any origin for the commonest shape (`by eventSource, eventName`),
    inline: the records of trail objects (S3) come this way. leaf_value only changes what is not text."""
    for record in records:
        first, second = record.get(first_key), record.get(second_key)
        if first is not None and type(first) is not str:
            first = leaf_value(first)
        if second is not None and type(second) is not str:
            second = leaf_value(second)
        group = (first if type(first) is str else render_value(first), second if type(second) is str else render_value(second))
        if group not in counts:
            firsts[group] = [first, second]
        counts[group] += 1


def _counts(fast: FastStats, n: int) -> list[Any]:
    states = [make_state(name, *c) for name, c in zip(fast.names, fast.constants)]
    for state in states:
        state.n = n  # type: ignore[attr-defined]  # counts_only: every state is a Count
    return states


def _key_part(value: Value) -> str | None:
    # interpreter.aggregate keys groups by rendered values; text renders as itself.
    return value if type(value) is str else render_value(value)


def aggregate_events(fast: FastStats, events: Iterable[Event]) -> tuple[Groups, int]:
    """Groups as `interpreter.aggregate` builds them from the same events, and the event count."""
    if fast.counts_only:
        return _count_groups(fast, events)
    groups: Groups = {}
    by, inputs, names, constants = fast.by, fast.inputs, fast.names, fast.constants
    matched = 0
    for event in events:
        matched += 1
        values = [getter(event) for getter in by]
        key = tuple([_key_part(value) for value in values])
        entry = groups.get(key)
        if entry is None:
            entry = (values, [make_state(n, *c) for n, c in zip(names, constants)])
            groups[key] = entry
        timestamp_ms = event.timestamp_ms
        for state, getter in zip(entry[1], inputs):
            state.add(True if getter is None else getter(event), timestamp_ms)
    return groups, matched


def _count_groups(fast: FastStats, events: Iterable[Event]) -> tuple[Groups, int]:
    counts: dict[tuple[Any, ...], int] = {}
    firsts: dict[tuple[Any, ...], list[Value]] = {}
    by = fast.by
    matched = 0
    key: tuple[Any, ...]
    if len(by) == 2:
        first_getter, second_getter = by
        for event in events:
            first, second = first_getter(event), second_getter(event)
            key = (first if type(first) is str else render_value(first), second if type(second) is str else render_value(second))
            seen = counts.get(key)
            if seen is None:
                counts[key] = 1
                firsts[key] = [first, second]
            else:
                counts[key] = seen + 1
    else:
        for event in events:
            values = [getter(event) for getter in by]
            key = tuple([_key_part(value) for value in values])
            seen = counts.get(key)
            if seen is None:
                counts[key] = 1
                firsts[key] = values
            else:
                counts[key] = seen + 1
    groups: Groups = {}
    for key, n in counts.items():
        groups[key] = (firsts[key], _counts(fast, n))
        matched += n
    return groups, matched
