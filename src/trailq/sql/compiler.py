"""The Logs Insights AST → one SQL query (a sqlglot tree), for Athena or DuckDB.

The pipeline becomes a chain of CTEs, one per command, each selecting an explicit list of
columns named exactly as Logs Insights names them (quoted identifiers: `"userIdentity.type"`,
`"count(*)"`). The first CTE, `records`, reads the fields the query needs from the shape (DuckDB
files or Athena's table) and keeps the time window; the final SELECT applies the order and the
row limit, and names the output columns the way `trailq.lang.analysis.output_columns` does for
every backend. What cannot be compiled raises NotCompilable (exit 7, caret) before anything runs.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from sqlglot import exp

from trailq.lang import analysis
from trailq.lang import ast as A
from trailq.lang.analysis import DEFAULT_ROW_LIMIT as DEFAULT_ROWS
from trailq.lang.units import CALENDAR_UNITS
from trailq.sql.aggregates import compile_aggregate
from trailq.sql.dialects import Dialect, number
from trailq.sql.expressions import (
    DOUBLE,
    LIST,
    NULL,
    TEXT,
    TIME,
    ExpressionCompiler,
    NotCompilable,
    Typed,
    case,
    coalesce,
    glob_to_regex,
    is_null,
    regex_for_sql,
)
from trailq.sql.shapes import Shape
from trailq.timerange import TimeRange

# DEFAULT_ROWS: the service returns at most 10,000 rows without a `limit` (semantics.md); one more
# is fetched so that a result cut there is reported as truncated.
ROW_NUMBER = "__trailq_row"


@dataclass
class CompiledQuery:
    """The SQL of one query, with what it takes to read its result back."""

    tree: exp.Select
    dialect: Dialect
    columns: list[tuple[str, str]]  # output name, kind (text/number/bool/time/null)
    row_limit: int  # rows the query may return; with `default_limit`, one more than DEFAULT_ROWS is fetched
    default_limit: bool
    time_range: TimeRange | None = None

    def sql(self, pretty: bool = True) -> str:
        return self.dialect.sql(self.tree, pretty=pretty)


class SqlCompiler:
    def __init__(self, query: A.Query, shape: Shape, time_range: TimeRange | None = None) -> None:
        self.query = query
        self.shape = shape
        self.dialect = shape.dialect
        self.time_range = time_range
        self.columns: dict[str, str] = {}
        # Columns fields/display set from constant expressions (folded where SQL needs a literal).
        self.constants: dict[str, A.Expr] = {}
        self.ctes: list[tuple[str, exp.Select]] = []
        self.order: list[exp.Ordered] = []
        self.aggregated = False

    # -- helpers ------------------------------------------------------------------------------

    def refuse(self, node: object, message: str) -> NotCompilable:
        span = getattr(node, "keyword_span", A.NO_SPAN)
        if span == A.NO_SPAN:
            span = getattr(node, "span", A.NO_SPAN)
        return NotCompilable(message, span=span, text=self.query.text,
                             hint="run it with the interpreter (the default engine) or on CloudWatch")

    def expressions(self, *, in_stats: bool = False, bin_offset_ms: int = 0) -> ExpressionCompiler:
        return ExpressionCompiler(self.query, self.dialect, self.columns, in_stats=in_stats, bin_offset_ms=bin_offset_ms,
                                  constants=self.constants, aggregates=compile_aggregate)

    def current(self) -> str:
        return self.ctes[-1][0]

    def column(self, name: str) -> exp.Expr:
        return exp.column(name, quoted=True)

    def kept(self, replaced: AbstractSet[str] = frozenset()) -> list[exp.Expr]:
        return [self.column(name) for name in self.columns if name not in replaced]

    def add_stage(self, select: exp.Select) -> None:
        self.ctes.append((f"s{len(self.ctes)}", select))

    def from_current(self, *items: exp.Expr) -> exp.Select:
        return exp.select(*items).from_(exp.to_table(self.current(), quoted=True))

    # -- the pipeline -------------------------------------------------------------------------

    def compile(self) -> CompiledQuery:
        self.base()
        for command in self.query.commands:
            handler = getattr(self, "_" + type(command).__name__, None)
            if handler is None or isinstance(command, A.GenericCommand):
                word = self.query.text[command.keyword_span.start : command.keyword_span.end] or type(command).__name__.lower()
                raise self.refuse(command, f"`{word}` cannot be compiled to SQL")
            handler(command)
        return self.final()

    def base_fields(self) -> list[str]:
        """Fields read from the records: those a command reads before any command writes them,
        the output columns nothing creates, and @timestamp (order, window, earliest/latest)."""
        written: set[str] = set()
        needed: list[str] = ["@timestamp"]
        for command in self.query.commands:
            if isinstance(command, A.Stats):
                reads, _ = analysis.command_io(command, self.query)
                needed += [n for n in sorted(reads) if n not in written]
                break
            reads, writes = analysis.command_io(command, self.query)
            needed += [n for n in sorted(reads) if n not in written]
            if isinstance(command, A.Fields):
                writes = writes | {p.alias for p in command.items if p.alias}
            written |= writes
        columns = analysis.output_columns(self.query) or []
        if not analysis.is_aggregating(self.query):
            needed += [n for n in columns if n not in written]
            needed.append("@ptr")
        return list(dict.fromkeys(needed))

    def base(self) -> None:
        items = []
        names = self.base_fields()
        if hasattr(self.shape, "for_fields"):
            self.shape = self.shape.for_fields([*names, "eventTime"])  # the shape reads only what the query needs
        for name in names:
            if name == "@timestamp":
                items.append(exp.alias_(self.shape.timestamp_ms(), name, quoted=True))
                self.columns[name] = TIME
                continue
            value = self.shape.field(name)
            if value is None:
                node = next((f for c in self.query.commands for e in analysis.command_exprs(c)
                             for f in analysis.field_refs(e) if f.name == name), None)
                raise NotCompilable(f"'{name}' cannot be read from {self.shape_name()}", span=node.span if node else A.NO_SPAN,
                                    text=self.query.text, hint="use the interpreter (the default engine) or CloudWatch")
            items.append(exp.alias_(value, name, quoted=True))
            self.columns[name] = TEXT
        select = exp.select(*items).from_(self.shape.source())
        for predicate in getattr(self.shape, "scope", lambda: [])():
            select = select.where(predicate)
        if self.time_range is not None:
            for predicate in self.shape.window(self.time_range):
                select = select.where(predicate)
        self.ctes.append(("records", select))
        self.order = [exp.Ordered(this=self.column("@timestamp"), desc=True, nulls_first=False)]

    def shape_name(self) -> str:
        return getattr(self.shape, "description", "the records")

    def _Filter(self, command: A.Filter) -> None:
        condition = self.expressions().truth(self.expressions().compile(command.condition))
        self.add_stage(self.from_current(*self.kept()).where(condition))

    _FilterIndex = _Filter

    def projections(self, items: tuple[A.Projection, ...], *, only_aliased: bool) -> None:
        computed: dict[str, Typed] = {}
        constants: dict[str, A.Expr | None] = {}
        compiler = self.expressions()
        for p in items:
            if isinstance(p.expr, A.Field) and p.alias is None:
                continue  # a bare field passes through
            if only_aliased and p.alias is None:
                continue
            name = analysis.projection_name(p, self.query)
            computed[name] = compiler.compile(p.expr)
            constants[name] = p.expr if compiler.is_constant(p.expr) else None
        if not computed:
            return
        for name, constant in constants.items():
            self.constants.pop(name, None)
            if constant is not None:
                self.constants[name] = constant
        select = self.from_current(*self.kept(set(computed)), *(exp.alias_(v.sql, n, quoted=True) for n, v in computed.items()))
        self.add_stage(select)
        for name, value in computed.items():
            self.columns.pop(name, None)
            self.columns[name] = value.kind if value.kind != NULL else TEXT

    def _Fields(self, command: A.Fields) -> None:
        self.projections(command.items, only_aliased=False)

    def _Display(self, command: A.Display) -> None:
        self.projections(command.items, only_aliased=False)

    def _Parse(self, command: A.Parse) -> None:
        if command.multi or command.mode not in ("glob", "regex"):
            raise self.refuse(command, f"parse {'multi' if command.multi else command.mode} cannot be compiled to SQL")
        if command.mode == "glob":
            if not isinstance(command.pattern, A.String):
                raise self.refuse(command, "parse needs a quoted glob pattern")
            pattern, names = glob_to_regex(command.pattern.value), list(command.aliases)
        else:
            if not isinstance(command.pattern, A.Regex):
                raise self.refuse(command, "parse needs a /regex/")
            pattern = regex_for_sql(command.pattern.pattern, command.pattern, self.query.text)
            names = list(analysis.parse_outputs(command))
        compiler = self.expressions()
        source = compiler.as_text(compiler.compile(command.source if command.source is not None else A.Field("@message")))
        matched = self.dialect.regex_like(source, pattern)
        captures = {
            name: case([(coalesce(matched, exp.false()), self.dialect.regex_extract(source, pattern, i + 1))])
            for i, name in enumerate(names)
        }
        self.add_stage(self.from_current(*self.kept(set(captures)), *(exp.alias_(v, n, quoted=True) for n, v in captures.items())))
        for name in captures:
            self.constants.pop(name, None)
            self.columns.pop(name, None)
            self.columns[name] = TEXT

    def _Stats(self, command: A.Stats) -> None:
        offset_ms = self.offset_ms(command)
        by_compiler = self.expressions(bin_offset_ms=offset_ms)
        by = [(analysis.projection_name(p, self.query), by_compiler.compile(p.expr)) for p in command.by]
        aggregations: list[tuple[str, Typed]] = []
        stats_compiler = self.expressions(in_stats=True)
        for p in command.aggregations:
            value = stats_compiler.compile(p.expr)
            aggregations.append((analysis.projection_name(p, self.query), value))
            if p.alias:
                stats_compiler.stats_aliases[p.alias] = value
        items = [exp.alias_(v.sql, n, quoted=True) for n, v in by + aggregations]
        select = self.from_current(*items)
        if by:
            select = select.group_by(*(v.sql for _, v in by))
        self.add_stage(select)
        self.columns = {n: (v.kind if v.kind != NULL else TEXT) for n, v in by + aggregations}
        self.constants.clear()
        self.aggregated = True
        # Stats rows without a sort come in ascending order of their by values (semantics.md).
        self.order = [key for n, v in by for key in self.sort_keys(Typed(self.column(n), self.columns[n]), False)]

    def offset_ms(self, command: A.Stats) -> int:
        if command.offset is None:
            return 0
        if not isinstance(command.offset, A.Duration) or command.offset.canonical_unit in CALENDAR_UNITS:
            raise self.refuse(command.offset, "a bin offset must be a fixed period such as 30m")
        return int(command.offset.milliseconds)

    def sort_keys(self, value: Typed, descending: bool) -> list[exp.Ordered]:
        """Numbers by value; text in the part of the natural sort SQL can express: digit-only text after
        other text, by value; other text by code point (semantics.md). Missing values last."""
        def ordered(key: exp.Expr) -> exp.Ordered:
            return exp.Ordered(this=key, desc=descending, nulls_first=False)

        if value.kind != TEXT:
            return [ordered(value.sql)]
        digits = self.dialect.regex_like(value.sql, "^[0-9]+$")
        group = case([(is_null(value.sql), exp.Null()), (digits, number(1))], number(0))
        as_number = case([(digits, exp.TryCast(this=value.sql, to=DOUBLE))])
        return [ordered(group), ordered(as_number), ordered(value.sql)]

    def _Sort(self, command: A.Sort) -> None:
        compiler = self.expressions()
        keys: list[exp.Ordered] = []
        for key in command.keys:
            keys += self.sort_keys(compiler.compile(key.expr), bool(key.descending))
        self.order = keys

    def _Limit(self, command: A.Limit) -> None:
        if not isinstance(command.count, A.Number):
            raise self.refuse(command, "limit needs a number")
        count = int(command.count.value)
        if command.keyword == "tail":
            raise self.refuse(command, "`tail` cannot be compiled to SQL")
        select = self.from_current(*self.kept())
        if self.order:
            select = select.order_by(*self.order)
        self.add_stage(select.limit(count))

    def _Dedup(self, command: A.Dedup) -> None:
        compiler = self.expressions()
        keys = [compiler.compile(f).sql for f in command.fields]
        window = exp.Window(this=exp.RowNumber(), partition_by=keys, order=exp.Order(expressions=self.order) if self.order else None)
        numbered = self.from_current(*self.kept(), exp.alias_(window, ROW_NUMBER, quoted=True))
        self.add_stage(numbered)
        # Rows with a missing dedup field are all kept (documented).
        first: exp.Expr = exp.EQ(this=self.column(ROW_NUMBER), expression=number(1))
        for key in keys:
            first = exp.Or(this=first, expression=is_null(key))
        self.add_stage(self.from_current(*self.kept()).where(first))

    # -- the final SELECT ---------------------------------------------------------------------

    def final(self) -> CompiledQuery:
        names = analysis.output_columns(self.query)
        if names is None:
            raise self.refuse(self.query.commands[-1], "the output columns of this query cannot be known in SQL")
        if not self.aggregated and "@ptr" in self.columns:
            names = [n for n in names if n != "@ptr"] + ["@ptr"]
        items, kinds = [], []
        for name in names:
            kind = self.columns.get(name)
            if kind == LIST:
                raise self.refuse(self.query.commands[-1], f"the list '{name}' cannot be shown by SQL (index it: {name}[0])")
            items.append(exp.alias_(self.column(name) if kind else exp.Null(), name, quoted=True))
            kinds.append((name, kind or TEXT))
        select = self.from_current(*items)
        if self.order:
            select = select.order_by(*self.order)
        _, limit = analysis.final_sort_limit(self.query)
        default_limit = limit is None
        select = select.limit(DEFAULT_ROWS + 1 if limit is None else limit)
        for name, cte in self.ctes:
            select = select.with_(exp.to_identifier(name, quoted=True), as_=cte)
        return CompiledQuery(select, self.dialect, kinds, DEFAULT_ROWS if default_limit else int(limit or 0), default_limit,
                             self.time_range)


def compile_query(query: A.Query, shape: Shape, time_range: TimeRange | None = None) -> CompiledQuery:
    """Compile a parsed query; raises NotCompilable (exit 7) for what SQL cannot express."""
    return SqlCompiler(query, shape, time_range).compile()
