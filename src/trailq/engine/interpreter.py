"""The pipeline: commands applied to a stream of rows, and the output columns they define.

A query is split into a *scan* part (row-by-row commands: filter, fields, display, parse,
unnest, up to the first stats/sort/limit/dedup) that runs while events stream in, possibly in
several processes, and a *finish* part that needs the rows together. Stats aggregates into
mergeable states; `sort … | limit N` keeps a bounded top-N heap, so memory does not grow with
the input.
"""

from __future__ import annotations

import csv
import heapq
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from trailq.engine.aggregates import AggregateState, make_state
from trailq.engine.event_model import walk_record
from trailq.engine.expressions import Compiled, Compiler, Row, RunContext, truth, walk_json
from trailq.engine.functions import EngineKind, engine_name, find
from trailq.engine.functions_data import json_parse
from trailq.engine.globs import GlobPattern, compile_glob
from trailq.engine.regexes import UserRegex
from trailq.engine.values import Timestamp, Value, render_value, sort_key, to_text
from trailq.errors import UnsupportedLocally
from trailq.lang import analysis
from trailq.lang import ast as A
from trailq.lang.analysis import DEFAULT_ROW_LIMIT
from trailq.lang.units import CALENDAR_UNITS

UNSUPPORTED_COMMANDS = (A.Unmask, A.Pattern, A.Diff, A.Anomaly, A.Lookup, A.CidrLookup, A.GenericCommand, A.Source)
SCAN_COMMANDS = (A.Filter, A.FilterIndex, A.Fields, A.Display, A.Parse, A.Unnest, A.JsonExtract)


def _command_name(command: object) -> str:
    if isinstance(command, A.GenericCommand):
        return command.name
    return type(command).__name__.lower()


def _is_unsupported(function_name: str) -> bool:
    entry = find(function_name)
    return entry is not None and entry.kind is EngineKind.UNSUPPORTED


def check_supported(query: A.Query) -> None:
    """Raise UnsupportedLocally (exit 7), with a caret at the keyword, for what needs the service."""
    for command in query.commands:
        # A command the scan runs is supported, whatever it subclasses (JsonExtract is a GenericCommand).
        if isinstance(command, UNSUPPORTED_COMMANDS) and not isinstance(command, SCAN_COMMANDS):
            span = command.keyword_span if command.keyword_span != A.NO_SPAN else command.span
            raise UnsupportedLocally(
                f"`{_command_name(command)}` needs the CloudWatch service; the local engine cannot reproduce it",
                span=span,
                text=query.text,
                hint="run it against CloudWatch with --log-group",
            )
        if isinstance(command, A.Stats):
            stats_offset_ms(query, command)
        for node in A.walk(command):
            if isinstance(node, A.Call) and _is_unsupported(node.name):
                raise UnsupportedLocally(f"{node.name}() is not supported by the local engine", span=node.span, text=query.text)
            if isinstance(node, A.Subquery):
                raise UnsupportedLocally("subqueries need the CloudWatch service", span=node.span, text=query.text)


# A month, quarter or year has no single length, so an offset in them has no single meaning.


def stats_offset_ms(query: A.Query, command: A.Stats) -> int:
    """`by bin(p) offset d` → d in ms (0 without an offset). Bins start at floor((t - d) / p) * p + d
    (semantics.md); UnsupportedLocally, caret at the period, for what has no fixed length."""
    offset = command.offset
    if offset is None:
        return 0
    if not isinstance(offset, A.Duration) or offset.canonical_unit in CALENDAR_UNITS:
        raise UnsupportedLocally(
            "the local engine shifts bins only by a fixed period (ms, s, m, h, d, w), not by months, quarters or years",
            span=getattr(offset, "span", A.NO_SPAN),
            text=query.text,
            hint="run it against CloudWatch with --log-group",
        )
    return int(offset.milliseconds)


# ---------------------------------------------------------------------------------------------
# Output columns
# ---------------------------------------------------------------------------------------------


def column_name(query: A.Query, projection: A.Projection) -> str:
    """The column a projection writes: `trailq.lang.analysis` names it, so that `trailq explain`
    and `trailq run` agree (alias, bare field name, or source text; semantics.md)."""
    return analysis.projection_name(projection, query)


@dataclass
class Columns:
    names: list[str]
    aggregated: bool


def output_columns(query: A.Query) -> Columns:
    """The columns a query's rows show: `analysis.output_columns` (the rules are in semantics.md),
    plus `@ptr` last on event rows, as GetQueryResults returns it."""
    names = analysis.output_columns(query)
    if names is None:
        # Only commands that check_supported refuses make the columns unknowable.
        raise UnsupportedLocally("the columns of this query are only known to the CloudWatch service", span=A.NO_SPAN, text=query.text)
    aggregated = any(isinstance(command, A.Stats) for command in query.commands)
    return Columns(names if aggregated else [*names, "@ptr"], aggregated)


# ---------------------------------------------------------------------------------------------
# Scan stages (row by row)
# ---------------------------------------------------------------------------------------------

Stage = Callable[[Iterator[Row]], Iterator[Row]]


def _filter_stage(compiler: Compiler, condition: A.Expr) -> Stage:
    test = compiler.compile(condition)
    return lambda rows: (row for row in rows if truth(test(row)))


def _read_by_name(p: A.Projection) -> bool:
    """A bare field without an alias needs no computing: the output reads it by its name. Not so a
    backquoted segment with a dot (``j.`user.id` ``): its name alone would be split at that dot."""
    return isinstance(p.expr, A.Field) and p.alias is None and not any("." in part for part in p.expr.segments)


def _projection_stage(compiler: Compiler, query: A.Query, items: tuple[A.Projection, ...]) -> Stage:
    computed = [(column_name(query, p), compiler.compile(p.expr)) for p in items if not _read_by_name(p)]
    if not computed:
        return lambda rows: rows

    def project(rows: Iterator[Row]) -> Iterator[Row]:
        for row in rows:
            values = [(name, fn(row)) for name, fn in computed]
            row.values.update(values)
            yield row

    return project


def _logfmt(text: str) -> dict[str, Value]:
    pairs: dict[str, Value] = {}
    for match in re.finditer(r'([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)', text):
        key, value = match.group(1), match.group(2)
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = value[1:-1].replace('\\"', '"')
        pairs[key] = value
    return pairs


def _parse_stage(compiler: Compiler, command: A.Parse) -> Stage:  # noqa: C901 - one closure per parse mode; the modes share their setup
    source = compiler.compile(command.source) if command.source is not None else compiler.compile(A.Field("@message"))
    aliases = list(command.aliases)
    if command.mode == "logfmt":
        target = aliases[0] if aliases else "logfmt"

        def logfmt(rows: Iterator[Row]) -> Iterator[Row]:
            for row in rows:
                text = to_text(source(row))
                row.values[target] = _logfmt(text) if text is not None else None
                yield row

        return logfmt
    if command.mode == "csv":

        def parse_csv(rows: Iterator[Row]) -> Iterator[Row]:
            for row in rows:
                text = to_text(source(row))
                cells = next(csv.reader([text]), []) if text is not None else []
                for i, alias in enumerate(aliases):
                    row.values[alias] = cells[i] if i < len(cells) else None
                yield row

        return parse_csv
    if command.mode == "glob":
        if not isinstance(command.pattern, A.String):
            raise compiler.unsupported(command, "parse needs a quoted glob pattern")
        regex: GlobPattern | UserRegex = compile_glob(command.pattern.value)  # the same parse-stage API
        names = aliases
    else:
        if not isinstance(command.pattern, A.Regex):
            raise compiler.unsupported(command, "parse needs a /regex/")
        regex = compiler.user_regex(command.pattern, command.pattern.pattern)
        names = aliases or list(regex.groupindex)
    named_groups = bool(regex.groupindex) and not aliases

    def groups_of(match: Any) -> list[tuple[str, Value]]:  # an re (glob) or RE2 (regex) match
        if named_groups:
            return [(name, match.group(name)) for name in names]
        found = match.groups()
        return [(name, found[i] if i < len(found) else None) for i, name in enumerate(names)]

    def parse_one(rows: Iterator[Row]) -> Iterator[Row]:
        for row in rows:
            text = to_text(source(row))
            match = regex.search(text) if text is not None else None
            if match is None:
                # A non-matching event is kept, without the extracted fields (documented).
                row.values.update((name, None) for name in names)
            else:
                row.values.update(groups_of(match))
            yield row

    def parse_multi(rows: Iterator[Row]) -> Iterator[Row]:
        for row in rows:
            text = to_text(source(row))
            matches = list(regex.finditer(text)) if text is not None else []
            if not matches:
                row.values.update((name, None) for name in names)
                yield row
                continue
            for match in matches:
                copy = row.copy()
                copy.values.update(groups_of(match))
                yield copy

    return parse_multi if command.multi else parse_one


def _unnest_stage(compiler: Compiler, command: A.Unnest) -> Stage:
    source = compiler.compile(command.field)
    into = command.into

    def unnest(rows: Iterator[Row]) -> Iterator[Row]:
        for row in rows:
            value = source(row)
            if value is None:
                continue
            items = value if isinstance(value, list) else [value]
            for item in items:
                copy = row.copy()
                copy.values[into] = item
                yield copy

    return unnest


def _json_extract_stage(compiler: Compiler, command: A.JsonExtract) -> Stage:
    """`json field=f "a.b" as x` (CWL_QuerySyntax-Parse, "JSON field extraction"): x is the value at the
    dotted path inside f, where f is a map (jsonParse, logfmt), JSON text (a parse capture), or an
    object of the record (`requestParameters`, which as a field is no value: only leaves are). A path
    that is not there leaves x empty, as a parse that does not match leaves its fields empty."""
    source, path = command.source, command.path
    if not isinstance(source, A.Field) or not isinstance(path, A.String) or command.alias is None:
        raise compiler.unsupported(command, "json needs field=<field>, a quoted path and as <alias>")
    read = compiler.compile(source)
    record_path = tuple((source.name[1:] if source.name.startswith("@@") else source.name).split("."))
    keys = [key for key in path.value.split(".") if key]
    alias = command.alias

    def container(row: Row) -> Value:
        value = read(row)
        if value is None and row.event is not None and source.name not in row.values:
            found = walk_record(row.event.record, record_path)  # an object of the record itself
            return found if isinstance(found, (dict, list)) else None
        return value if isinstance(value, (dict, list)) else json_parse(value)

    def extract(rows: Iterator[Row]) -> Iterator[Row]:
        for row in rows:
            row.values[alias] = walk_json(container(row), keys)
            yield row

    return extract


def scan_stages(query: A.Query, commands: Iterable[A.Command], compiler: Compiler) -> list[Stage]:
    stages: list[Stage] = []
    for command in commands:
        if isinstance(command, (A.Filter, A.FilterIndex)):
            stages.append(_filter_stage(compiler, command.condition))
        elif isinstance(command, (A.Fields, A.Display)):
            stages.append(_projection_stage(compiler, query, command.items))
        elif isinstance(command, A.Parse):
            stages.append(_parse_stage(compiler, command))
        elif isinstance(command, A.Unnest):
            stages.append(_unnest_stage(compiler, command))
        elif isinstance(command, A.JsonExtract):
            stages.append(_json_extract_stage(compiler, command))
        else:
            raise compiler.unsupported(command, f"`{_command_name(command)}` is not supported by the local engine")
    return stages


def apply(stages: list[Stage], rows: Iterator[Row]) -> Iterator[Row]:
    for stage in stages:
        rows = stage(rows)
    return rows


# ---------------------------------------------------------------------------------------------
# Stats
# ---------------------------------------------------------------------------------------------


@dataclass
class StatsPlan:
    """One stats command compiled: group terms, aggregation calls (slots) and output projections."""

    command: A.Stats
    by: list[tuple[str, Compiled]]
    calls: list[A.Call]
    names: list[str]  # per call: its engine_name (the key of registry.FUNCTIONS)
    inputs: list[Compiled | None]  # per call: the per-row argument (None for count(*)/count())
    constants: list[tuple[Value, ...]]  # per call: constant extra arguments (pct's p, topk's k)
    outputs: list[tuple[str, Compiled]]  # per aggregation projection, evaluated per group
    current: list[Value] = field(default_factory=list)  # the slot values `outputs` read: the group being rendered


Groups = dict[tuple[Any, ...], tuple[list[Value], list[AggregateState]]]


def compile_stats(query: A.Query, command: A.Stats, context: RunContext) -> StatsPlan:
    calls: list[A.Call] = []
    slots: dict[int, int] = {}
    current: list[Value] = []

    def aggregate_value(call: A.Call) -> Compiled:
        if id(call) not in slots:
            slots[id(call)] = len(calls)
            calls.append(call)
        slot = slots[id(call)]
        return lambda row: current[slot]

    outer = Compiler(context, aggregate_value)
    outputs = [(column_name(query, p), outer.compile(p.expr)) for p in command.aggregations]
    inner = Compiler(context)
    inputs: list[Compiled | None] = []
    constants: list[tuple[Value, ...]] = []
    names = [engine_name(call.name) for call in calls]
    for call, name in zip(calls, names):
        args = list(call.args)
        if name in ("pct", "topk"):
            value_arg, extra = (args[0], args[1]) if name == "pct" else (args[1], args[0])
            if not isinstance(extra, A.Number):
                raise inner.unsupported(extra, f"{call.name}() needs a number literal here")
            constants.append((extra.value,))
            args = [value_arg]
        else:
            constants.append(())
        if not args or isinstance(args[0], A.Star):
            inputs.append(None)
        else:
            inputs.append(inner.compile(args[0]))
    grouper = Compiler(context, bin_offset_ms=stats_offset_ms(query, command))
    by = [(column_name(query, p), grouper.compile(p.expr)) for p in command.by]
    return StatsPlan(command, by, calls, names, inputs, constants, outputs, current)


def aggregate(plan: StatsPlan, rows: Iterable[Row], groups: Groups | None = None) -> Groups:
    """Fold rows into per-group aggregation states (mergeable across workers with `merge_groups`)."""
    groups = {} if groups is None else groups
    by = plan.by
    inputs = plan.inputs
    names = plan.names
    constants = plan.constants
    for row in rows:
        values = [fn(row) for _, fn in by]
        key = tuple(render_value(v) for v in values)
        entry = groups.get(key)
        if entry is None:
            entry = (values, [make_state(n, *c) for n, c in zip(names, constants)])
            groups[key] = entry
        timestamp_ms = row.timestamp_ms()
        for state, fn in zip(entry[1], inputs):
            state.add(True if fn is None else fn(row), timestamp_ms)
    return groups


def merge_groups(into: Groups, other: Groups) -> Groups:
    for key, (values, states) in other.items():
        entry = into.get(key)
        if entry is None:
            into[key] = (values, states)
        else:
            for mine, theirs in zip(entry[1], states):
                mine.merge(theirs)
    return into


def stats_rows(plan: StatsPlan, groups: Groups) -> list[Row]:
    """One row per group, ordered by the group terms in natural order (semantics.md)."""
    if not groups and not plan.by:
        groups = {(): ([], [make_state(n, *k) for n, k in zip(plan.names, plan.constants)])}
    current = plan.current
    rows: list[Row] = []
    for values, states in groups.values():
        current[:] = [state.result() for state in states]
        row = Row(None, {name: value for (name, _), value in zip(plan.by, values)})
        for name, fn in plan.outputs:
            row.values[name] = fn(row)
        rows.append(row)
    names = [name for name, _ in plan.by]
    rows.sort(key=lambda r: tuple(sort_key(r.values.get(n), False) for n in names))
    return rows


# ---------------------------------------------------------------------------------------------
# Finish (sort, limit, dedup, and everything after the first of them)
# ---------------------------------------------------------------------------------------------


def default_order_key(row: Row) -> tuple[Any, ...]:
    """Unsorted event rows come newest first (@timestamp descending), as the service shows them."""
    return sort_key(_timestamp_value(row), True)


def _timestamp_value(row: Row) -> Value:
    epoch_ms = row.timestamp_ms()
    return Timestamp(epoch_ms) if epoch_ms is not None else None


def sort_key_fn(compiler: Compiler, command: A.Sort) -> Callable[[Row], tuple[Any, ...]]:
    # Neither asc nor desc: ascending (semantics.md).
    keys = [(compiler.compile(k.expr), bool(k.descending)) for k in command.keys]
    return lambda row: tuple(sort_key(fn(row), desc) for fn, desc in keys)


@dataclass
class Finished:
    rows: list[Row]
    truncated: bool = False


@dataclass
class Plan:
    """A query split for execution (see the module doc)."""

    query: A.Query
    context: RunContext
    scan: list[Stage]
    rest: list[A.Command]
    columns: Columns
    compiler: Compiler
    first_stats: StatsPlan | None = None
    top_k: tuple[Callable[[Row], tuple[Any, ...]], int] | None = None  # scan-side bounded heap: key, size
    has_limit: bool = field(default=False)


def plan_query(query: A.Query, context: RunContext) -> Plan:
    check_supported(query)
    compiler = Compiler(context)
    commands = list(query.commands)
    split = next((i for i, c in enumerate(commands) if not isinstance(c, SCAN_COMMANDS)), len(commands))
    scan = scan_stages(query, commands[:split], compiler)
    rest = commands[split:]
    plan = Plan(query, context, scan, rest, output_columns(query), compiler)
    plan.has_limit = any(isinstance(c, A.Limit) for c in commands)
    if rest and isinstance(rest[0], A.Stats):
        plan.first_stats = compile_stats(query, rest[0], context)
    else:
        plan.top_k = _scan_top_k(plan)
    return plan


def _limit_count(command: A.Limit) -> int:
    if not isinstance(command.count, A.Number):
        raise UnsupportedLocally("limit needs a number", span=command.span, text="")
    return max(int(command.count.value), 0)


def _scan_top_k(plan: Plan) -> tuple[Callable[[Row], tuple[Any, ...]], int] | None:
    """For `[sort] [limit N]` endings, the workers need only keep N rows (plus one, to see truncation)."""
    rest = plan.rest
    if not rest:
        return default_order_key, DEFAULT_ROW_LIMIT + 1
    if len(rest) == 1 and isinstance(rest[0], A.Sort):
        return sort_key_fn(plan.compiler, rest[0]), DEFAULT_ROW_LIMIT + 1
    if len(rest) == 1 and isinstance(rest[0], A.Limit) and rest[0].keyword != "tail":
        return default_order_key, _limit_count(rest[0])
    if len(rest) == 2 and isinstance(rest[0], A.Sort) and isinstance(rest[1], A.Limit) and rest[1].keyword != "tail":
        return sort_key_fn(plan.compiler, rest[0]), _limit_count(rest[1])
    return None


def keep_top(rows: Iterable[Row], key: Callable[[Row], tuple[Any, ...]], size: int) -> list[Row]:
    """The first `size` rows in key order, holding at most `size` rows at a time; ties keep input order."""
    return heapq.nsmallest(size, rows, key=key)


def finish(plan: Plan, rows: Iterable[Row], groups: Groups | None = None) -> Finished:
    """Run the commands after the scan part over the scanned rows (or merged stats groups)."""
    rest = list(plan.rest)
    ordered = False
    if plan.first_stats is not None:
        current: list[Row] = stats_rows(plan.first_stats, groups if groups is not None else aggregate(plan.first_stats, rows))
        rest = rest[1:]
        aggregated = True
    else:
        current = list(rows)
        aggregated = False
    truncated = False
    for command in rest:
        if isinstance(command, A.Stats):
            stats = compile_stats(plan.query, command, plan.context)
            current = stats_rows(stats, aggregate(stats, current))
            aggregated, ordered = True, False
        elif isinstance(command, A.Sort):
            current.sort(key=sort_key_fn(plan.compiler, command))
            ordered = True
        elif isinstance(command, A.Limit):
            if not ordered and not aggregated:
                current.sort(key=default_order_key)
                ordered = True
            count = _limit_count(command)
            current = current[-count:] if command.keyword == "tail" and count else current[:count]
        elif isinstance(command, A.Dedup):
            if not ordered and not aggregated:
                current.sort(key=default_order_key)
                ordered = True
            current = _dedup(plan.compiler, command, current)
        else:
            stages = scan_stages(plan.query, [command], plan.compiler)
            current = list(apply(stages, iter(current)))
    if not ordered and not aggregated:
        current.sort(key=default_order_key)
    if not plan.has_limit and len(current) > DEFAULT_ROW_LIMIT:
        current = current[:DEFAULT_ROW_LIMIT]
        truncated = True
    return Finished(current, truncated=truncated)


def _dedup(compiler: Compiler, command: A.Dedup, rows: list[Row]) -> list[Row]:
    readers = [compiler.compile(f) for f in command.fields]
    seen: set[tuple[Any, ...]] = set()
    kept: list[Row] = []
    for row in rows:
        values = [render_value(fn(row)) for fn in readers]
        if any(v is None for v in values):
            kept.append(row)  # rows with a null dedup field are not duplicates (documented)
            continue
        key = tuple(values)
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def render_rows(plan: Plan, rows: list[Row]) -> list[dict[str, str]]:
    readers = [(name, plan.compiler.compile(A.Field(name))) for name in plan.columns.names]
    out: list[dict[str, str]] = []
    for row in rows:
        rendered: dict[str, str] = {}
        for name, fn in readers:
            text = render_value(fn(row))
            if text is not None:
                rendered[name] = text
        out.append(rendered)
    return out

