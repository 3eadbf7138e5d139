"""Compiling AST expressions into Python closures `row -> value`.

The interpreter walks the command list once per query; expressions are compiled once into
closures so the per-row work is a few function calls, not a tree walk with type dispatch.
Aggregations are not compiled here: inside stats the interpreter supplies their results
through `aggregate_value` (see interpreter.StatsStage).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from trailq.engine.event_model import Event, field_getter
from trailq.engine.functions import EngineKind, Period, compile_regex, find, floor_period_ms, scalar_implementation, truth
from trailq.engine.regexes import RegexNotLinear, UserRegex
from trailq.engine.values import Timestamp, Value, compare_values, to_number, to_text
from trailq.errors import UnsupportedLocally
from trailq.lang import ast as A
from trailq.numbers import bounded, power

__all__ = ["Row", "RunContext", "Compiler", "truth", "walk_json"]


class Row:
    """One row in the pipeline: an event (None after stats) and the fields commands have set."""

    __slots__ = ("event", "values")

    def __init__(self, event: Event | None, values: dict[str, Value] | None = None) -> None:
        self.event = event
        self.values = values if values is not None else {}

    def copy(self) -> Row:
        return Row(self.event, dict(self.values))

    def timestamp_ms(self) -> int | None:
        if "@timestamp" in self.values:
            value = self.values["@timestamp"]
            return value.epoch_ms if isinstance(value, Timestamp) else None
        return self.event.timestamp_ms if self.event is not None else None


@dataclass(frozen=True)
class RunContext:
    """What a query can ask about its run: the text (for carets) and the clock and window (epoch ms)."""

    query: A.Query
    now_ms: int
    start_ms: int | None = None
    end_ms: int | None = None


Compiled = Callable[[Row], Value]


def _walk_value(node: object, path: list[str]) -> Value:
    for part in path:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    if node is True:
        return "true"
    if node is False:
        return "false"
    return node  # type: ignore[return-value]  # parsed JSON: a str, number, object or array is a Value


def walk_json(node: object, path: list[str]) -> Value:
    """The value at a path of keys (or list positions) inside a parsed JSON value, or None."""
    return _walk_value(node, path)


def field_reader(name: str, segments: tuple[str, ...] = ()) -> Compiled:
    """Read a field: fields set by commands first (a map set by jsonParse or logfmt may be walked), then the event.

    `segments` is the dotted path as written: a backquoted segment (``json_message.`user.id` ``) is one
    key of the map, dots included (operations-functions, "Structure types"); without segments the name
    is split at every dot."""
    getter = field_getter(name)
    parts = list(segments) if len(segments) > 1 else name.split(".")
    prefixes = [(".".join(parts[:i]), parts[i:]) for i in range(len(parts) - 1, 0, -1)]

    def read(row: Row) -> Value:
        values = row.values
        if values:
            if name in values:
                return values[name]
            for prefix, rest in prefixes:
                base = values.get(prefix)
                if isinstance(base, (dict, list)):
                    return _walk_value(base, rest)
        event = row.event
        return getter(event) if event is not None else None

    return read


class Compiler:
    """Turns expressions into closures for one query's run."""

    def __init__(
        self, context: RunContext, aggregate_value: Callable[[A.Call], Compiled] | None = None, bin_offset_ms: int = 0
    ) -> None:
        self.context = context
        self.aggregate_value = aggregate_value
        # `stats ... by bin(p) offset d`: the by terms' bins start d after the usual boundaries.
        self.bin_offset_ms = bin_offset_ms

    def unsupported(self, node: object, message: str) -> UnsupportedLocally:
        return UnsupportedLocally(message, span=getattr(node, "span", A.NO_SPAN), text=self.context.query.text)

    def user_regex(self, node: object, pattern: str) -> UserRegex:
        """A regex from the query, compiled for RE2; one it cannot run is refused with a caret (exit 7)."""
        try:
            return compile_regex(pattern)
        except RegexNotLinear as exc:
            raise self.unsupported(node, exc.reason) from None

    def compile(self, node: A.Expr) -> Compiled:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise self.unsupported(node, f"{type(node).__name__.lower()} expressions are not supported by the local engine")
        compiled: Compiled = method(node)
        return compiled

    # --- leaves -------------------------------------------------------------------------------

    def _Field(self, node: A.Field) -> Compiled:
        return field_reader(node.name, node.segments)

    def _String(self, node: A.String) -> Compiled:
        value = node.value
        return lambda row: value

    def _Number(self, node: A.Number) -> Compiled:
        value = node.value
        return lambda row: value

    def _Boolean(self, node: A.Boolean) -> Compiled:
        value = node.value
        return lambda row: value

    def _Regex(self, node: A.Regex) -> Compiled:
        value = node.pattern
        return lambda row: value

    def _Duration(self, node: A.Duration) -> Compiled:
        period = Period(node.amount, node.canonical_unit)
        return lambda row: period  # type: ignore[return-value]  # a period is only ever an argument of datefloor/dateceil

    def _ListLiteral(self, node: A.ListLiteral) -> Compiled:
        items = [self.compile(item) for item in node.items]
        return lambda row: [item(row) for item in items]

    def _Star(self, node: A.Star) -> Compiled:
        return lambda row: True

    def _Placeholder(self, node: A.Placeholder) -> Compiled:
        raise self.unsupported(node, f"parameter {{{{{node.name}}}}} has no value")

    def _Subquery(self, node: A.Subquery) -> Compiled:
        raise self.unsupported(node, "subqueries need the service")

    # --- operators ----------------------------------------------------------------------------

    def _Unary(self, node: A.Unary) -> Compiled:
        operand = self.compile(node.operand)
        if node.op == "not":
            return lambda row: not truth(operand(row))

        def negate(row: Row) -> Value:
            number = to_number(operand(row))
            return None if number is None else bounded(-number)

        return negate

    def _Binary(self, node: A.Binary) -> Compiled:
        left, right = self.compile(node.left), self.compile(node.right)
        op = node.op
        if op == "and":
            return lambda row: truth(left(row)) and truth(right(row))
        if op == "or":
            return lambda row: truth(left(row)) or truth(right(row))
        if op in _COMPARISONS:
            return _comparison(op, left, right)
        arithmetic = _ARITHMETIC[op]

        def calculate(row: Row) -> Value:
            a, b = to_number(left(row)), to_number(right(row))
            if a is None or b is None:
                return None
            try:
                result = arithmetic(a, b)
            except (ZeroDivisionError, OverflowError, ValueError):
                return None
            return None if result is None else bounded(result)  # numbers.py: no unbounded integers

        return calculate

    def _Like(self, node: A.Like) -> Compiled:
        operand = self.compile(node.operand)
        pattern = node.pattern
        if isinstance(pattern, A.Regex):
            matcher: Callable[[str], bool] = self.user_regex(pattern, pattern.pattern).test
        elif isinstance(pattern, A.String):
            needle = pattern.value
            matcher = lambda text: needle in text
        else:
            raise self.unsupported(pattern, "like needs a string or a /regex/")
        negated = node.negated

        def like(row: Row) -> Value:
            text = to_text(operand(row))
            if text is None:
                # Like `!=`, a negated match on a missing field is true (semantics.md).
                return negated
            return matcher(text) != negated

        return like

    def _Match(self, node: A.Match) -> Compiled:
        operand = self.compile(node.operand)
        pattern = node.pattern
        if not isinstance(pattern, (A.Regex, A.String)):
            raise self.unsupported(pattern, "=~ needs a /regex/")
        source = pattern.pattern if isinstance(pattern, A.Regex) else pattern.value
        test = self.user_regex(pattern, source).test

        def match(row: Row) -> Value:
            text = to_text(operand(row))
            return text is not None and test(text)

        return match

    def _In(self, node: A.In) -> Compiled:
        operand = self.compile(node.operand)
        if not isinstance(node.items, A.ListLiteral):
            raise self.unsupported(node.items, "`in` needs a [list] locally (subqueries need the service)")
        items = [self.compile(item) for item in node.items.items]
        negated = node.negated

        def member(row: Row) -> Value:
            value = operand(row)
            if value is None:
                return negated
            found = any(compare_values(value, item(row)) == 0 for item in items)
            return found != negated

        return member

    def _Index(self, node: A.Index) -> Compiled:
        base, index = self.compile(node.base), self.compile(node.index)

        def at(row: Row) -> Value:
            container, key = base(row), index(row)
            if isinstance(container, list):
                position = to_number(key)
                # 0-based, like the `.0.` of ingest-time flattening (semantics.md).
                if position is None or not 0 <= int(position) < len(container):
                    return None
                return _walk_value(container[int(position)], [])
            if isinstance(container, dict):
                return _walk_value(container.get(to_text(key) or ""), [])
            return None

        return at

    def _Member(self, node: A.Member) -> Compiled:
        base = self.compile(node.base)
        name = node.name

        def member(row: Row) -> Value:
            container = base(row)
            if isinstance(container, dict):
                return _walk_value(container.get(name), [])
            if isinstance(container, list) and name.isdigit() and int(name) < len(container):
                return _walk_value(container[int(name)], [])
            return None

        return member

    # --- calls --------------------------------------------------------------------------------

    def _Call(self, node: A.Call) -> Compiled:
        entry = find(node.name)
        if entry is not None and entry.kind is EngineKind.AGGREGATE:
            if self.aggregate_value is None:
                raise self.unsupported(node, f"{node.name}() can only be used in stats")
            return self.aggregate_value(node)
        if entry is not None and entry.kind is EngineKind.CONTEXT:
            return self._context_call(node, entry.name.lower())
        if entry is None or entry.kind is not EngineKind.SCALAR:
            raise self.unsupported(node, f"{node.name}() is not supported by the local engine")
        if entry.name == "regexReplace" and len(node.args) > 1 and isinstance(node.args[1], (A.Regex, A.String)):
            literal = node.args[1]
            self.user_regex(literal, literal.pattern if isinstance(literal, A.Regex) else literal.value)
        return _scalar_call(scalar_implementation(entry), [self.compile(arg) for arg in node.args])

    def _context_call(self, node: A.Call, name: str) -> Compiled:
        context = self.context
        if name == "ispresent":
            arg = self.compile(node.args[0])
            return lambda row: arg(row) is not None
        if name == "bin":
            period_node = node.args[0]
            if not isinstance(period_node, A.Duration):
                raise self.unsupported(period_node, "bin() needs a time period such as 5m")
            period = Period(period_node.amount, period_node.canonical_unit)
            offset = self.bin_offset_ms
            if offset:

                def shifted(row: Row) -> Value:
                    epoch_ms = row.timestamp_ms()
                    return None if epoch_ms is None else Timestamp(floor_period_ms(epoch_ms - offset, period) + offset)

                return shifted

            def binned(row: Row) -> Value:
                epoch_ms = row.timestamp_ms()
                return None if epoch_ms is None else Timestamp(floor_period_ms(epoch_ms, period))

            return binned
        if name == "now":
            seconds = context.now_ms // 1000
            return lambda row: seconds
        start = context.start_ms
        end = context.end_ms
        if name == "querystarttime":
            return lambda row: start
        if name == "queryendtime":
            return lambda row: end
        span = None if start is None or end is None else end - start
        return lambda row: span


_COMPARISONS = {"=", "!=", "<", "<=", ">", ">="}


def _comparison(op: str, left: Compiled, right: Compiled) -> Compiled:
    if op == "=":
        return lambda row: compare_values(left(row), right(row)) == 0
    if op == "!=":

        def not_equal(row: Row) -> Value:
            a, b = left(row), right(row)
            if a is None or b is None:
                # Observed on the service: `field != "x"` is true when the field is missing.
                return True
            order = compare_values(a, b)
            return order is not None and order != 0

        return not_equal
    test = _ORDER_TESTS[op]

    def ordered(row: Row) -> Value:
        order = compare_values(left(row), right(row))
        return order is not None and test(order)

    return ordered


def _divide(a: float, b: float) -> float:
    return a / b


def _power(a: float, b: float) -> float | None:
    return power(a, b)


_UNREPRESENTABLE = (OverflowError, ValueError)


def _scalar_call(function: Callable[..., Value], args: list[Compiled]) -> Compiled:
    """A scalar function applied to its compiled arguments (one- and two-argument calls unrolled)."""
    # A result no value can hold (a date past year 9999, a period of 10^20 days) is null, like a
    # non-finite number (docs/semantics.md, "Numbers"), never an error that stops the run.
    if len(args) == 1:
        only = args[0]

        def call_one(row: Row) -> Value:
            try:
                return function(only(row))
            except _UNREPRESENTABLE:
                return None

        return call_one
    if len(args) == 2:
        first, second = args

        def call_two(row: Row) -> Value:
            try:
                return function(first(row), second(row))
            except _UNREPRESENTABLE:
                return None

        return call_two

    def call_many(row: Row) -> Value:
        try:
            return function(*[arg(row) for arg in args])
        except _UNREPRESENTABLE:
            return None

    return call_many


# An ordering comparison, from compare_values' sign.
_ORDER_TESTS: dict[str, Callable[[int], bool]] = {
    "<": lambda o: o < 0, "<=": lambda o: o <= 0, ">": lambda o: o > 0, ">=": lambda o: o >= 0,
}


_ARITHMETIC: dict[str, Callable[[float, float], float | None]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": _divide,
    "%": lambda a, b: math.fmod(a, b) if isinstance(a, float) or isinstance(b, float) else int(math.fmod(a, b)),
    "^": _power,
}
