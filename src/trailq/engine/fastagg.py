"""Stats straight from events, for the common shape `stats <aggregations of fields> by <fields>`.

The general path wraps every event in a Row, runs it through closures that first look for
fields set by earlier commands, and builds a state list per row. When stats is the query's first
command, no command can have set a field, so a field's value is exactly what `field_getter`
reads from the event; this path reads it that way and, when every aggregation is a count of
rows, only counts rows per group and builds the Count states once at the end.

It produces the same `Groups` (same keys, same first-seen values, same insertion order) as
`interpreter.aggregate` over Rows; tests/engine/test_fastpaths.py compares the two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from trailq.engine.aggregates import make_state
from trailq.engine.event_model import Event, field_getter, leaf_value, top_level_key
from trailq.engine.interpreter import Groups, Plan
from trailq.engine.values import Value, render_value
from trailq.lang import ast as A

__all__ = ["FastStats", "fast_stats", "aggregate_events"]

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


def _count_groups(fast: FastStats, events: Iterable[Event]) -> tuple[Groups, int]:  # noqa: C901 - one hot loop per key shape, kept inline for speed (bench/)
    counts: dict[tuple[Any, ...], int] = {}
    firsts: dict[tuple[Any, ...], list[Value]] = {}
    by = fast.by
    matched = 0
    keys = fast.top_keys
    key: tuple[Any, ...]
    if len(by) == 2 and keys is not None:
        # The commonest shape (`by eventSource, eventName`): two top-level keys read from the
        # record dict, no list building. leaf_value only changes what is not text or null.
        first_key, second_key = keys
        for event in events:
            record = event.record
            first, second = record.get(first_key), record.get(second_key)
            if first is not None and type(first) is not str:
                first = leaf_value(first)
            if second is not None and type(second) is not str:
                second = leaf_value(second)
            key = (first if type(first) is str else render_value(first), second if type(second) is str else render_value(second))
            seen = counts.get(key)
            if seen is None:
                counts[key] = 1
                firsts[key] = [first, second]
            else:
                counts[key] = seen + 1
    elif len(by) == 2:
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
        states = [make_state(name, *c) for name, c in zip(fast.names, fast.constants)]
        for state in states:
            state.n = n  # type: ignore[attr-defined]  # counts_only: every state is a Count
        groups[key] = (firsts[key], states)
        matched += n
    return groups, matched
