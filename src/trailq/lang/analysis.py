"""What a parsed query does: fields read and written per command, aggregation, final sort
and limit, output columns — and the static rules the service enforces (`check`).

Rules checked (reference §3.6–3.9, §3.14), each an error or a warning as docs/semantics.md
("Static rules") lists: at most 10 stats; with several stats, sort and limit come after the
last one; only `limit` may follow `dedup`; aggregation functions only inside stats, never
nested, never in `by`; `estimate` last; `topk` alone in its stats; a later stats reads only
fields the stats before it defines (errors). In any other command after a stats, a field that
stats does not define (its `by` terms and aggregations) nor a later command creates, and a
SOURCE after a command other than SOURCE, are warnings (lang/diagnostics.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import singledispatch

from trailq.errors import QueryError
from trailq.lang import ast as A
from trailq.lang import functions
from trailq.lang.diagnostics import QueryWarning
from trailq.lang.printer import expr_text
from trailq.source import Span

MAX_STATS = 10
PATTERN_FIELDS = ("@pattern", "@ratio", "@sampleCount", "@severityLabel")


# -- fields read (nodes are walked by ast.children and ast.walk) -----------------------------


def field_refs(node: A.Expr, *, outside_aggregates: bool = False) -> Iterator[A.Field]:
    """Field nodes read by an expression; `bin()` counts as reading @timestamp (span of the call)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, A.Field):
            yield current
        elif isinstance(current, A.Call):
            if outside_aggregates and functions.is_aggregate(current.name):
                continue
            if current.name == "bin":
                yield A.Field("@timestamp", span=current.span)
        stack.extend(reversed(A.children(current)))


@singledispatch
def command_exprs(command: A.Command) -> tuple[A.Expr, ...]:
    """Expressions a command evaluates (its inputs); one function per command class below."""
    return ()


@command_exprs.register(A.Fields)
@command_exprs.register(A.Display)
def _(command: A.Fields | A.Display) -> tuple[A.Expr, ...]:
    return tuple(p.expr for p in command.items)


@command_exprs.register(A.Filter)
@command_exprs.register(A.FilterIndex)
def _(command: A.Filter | A.FilterIndex) -> tuple[A.Expr, ...]:
    return (command.condition,)


@command_exprs.register
def _(command: A.Stats) -> tuple[A.Expr, ...]:
    return tuple(p.expr for p in command.aggregations + command.by)


@command_exprs.register
def _(command: A.Sort) -> tuple[A.Expr, ...]:
    return tuple(k.expr for k in command.keys)


@command_exprs.register
def _(command: A.Parse) -> tuple[A.Expr, ...]:
    return (command.source if command.source is not None else A.Field("@message"),)


@command_exprs.register
def _(command: A.Dedup) -> tuple[A.Expr, ...]:
    return command.fields


@command_exprs.register
def _(command: A.Unnest) -> tuple[A.Expr, ...]:
    return (command.field,)


@command_exprs.register
def _(command: A.Pattern) -> tuple[A.Expr, ...]:
    return (command.expr,)


@command_exprs.register(A.Lookup)
@command_exprs.register(A.CidrLookup)
def _(command: A.Lookup | A.CidrLookup) -> tuple[A.Expr, ...]:
    return tuple(p.expr for p in command.matches)


@command_exprs.register
def _(command: A.JsonExtract) -> tuple[A.Expr, ...]:
    return () if command.source is None else (command.source,)


# -- names -----------------------------------------------------------------------------------


def expression_name(expr: A.Expr, query: A.Query | None = None) -> str:
    """The column name the service gives an unaliased expression: its source text
    (whitespace runs collapsed), or the canonical text for a hand-built node."""
    if query is not None and expr.span.end > expr.span.start:
        return " ".join(query.text[expr.span.start : expr.span.end].split())
    return expr_text(expr)


def projection_name(p: A.Projection, query: A.Query | None = None) -> str:
    """An item's column: its alias, a bare field's name, else the item's own text as written."""
    return p.output_name or (p.source_name if query is not None and p.source_name else expression_name(p.expr, query))


def parse_outputs(command: A.Parse) -> tuple[str, ...]:
    """Fields a parse creates: its aliases, else a regex's named groups."""
    if command.aliases:
        return command.aliases
    if isinstance(command.pattern, A.Regex):
        import re
        import warnings

        try:
            with warnings.catch_warnings():  # as in lang/regex.py: no FutureWarning on stderr
                warnings.simplefilter("ignore", FutureWarning)
                return tuple(re.compile(command.pattern.python_pattern()).groupindex)
        except re.error:
            return ()
    return ()


def command_io(command: A.Command, query: A.Query | None = None) -> tuple[set[str], set[str]]:
    """(fields read, fields written) by one command. Names as the service spells them;
    aliases defined and used inside one stats are not reads."""
    reads: set[str] = set()
    for expr in command_exprs(command):
        reads.update(f.name for f in field_refs(expr))
    if isinstance(command, A.Stats):
        reads -= {p.alias for p in command.aggregations if p.alias}
    return reads, command_writes(command, query)


@singledispatch
def command_writes(command: A.Command, query: A.Query | None = None) -> set[str]:
    """Fields a command creates or overwrites; one function per command class below."""
    return set()


@command_writes.register
def _(command: A.Fields, query: A.Query | None = None) -> set[str]:
    # A bare field is passed through, not written; a computed one gets a column.
    return {projection_name(p, query) for p in command.items if p.alias is not None or not isinstance(p.expr, A.Field)}


@command_writes.register
def _(command: A.Display, query: A.Query | None = None) -> set[str]:
    return {p.alias for p in command.items if p.alias is not None}


@command_writes.register
def _(command: A.Stats, query: A.Query | None = None) -> set[str]:
    return {projection_name(p, query) for p in command.aggregations + command.by}


@command_writes.register
def _(command: A.Parse, query: A.Query | None = None) -> set[str]:
    return set(parse_outputs(command))


@command_writes.register
def _(command: A.Unnest, query: A.Query | None = None) -> set[str]:
    return {command.into}


@command_writes.register
def _(command: A.Pattern, query: A.Query | None = None) -> set[str]:
    return set(PATTERN_FIELDS)


@command_writes.register(A.Lookup)
@command_writes.register(A.CidrLookup)
def _(command: A.Lookup | A.CidrLookup, query: A.Query | None = None) -> set[str]:
    return {projection_name(p, query) for p in command.outputs}


@command_writes.register
def _(command: A.JsonExtract, query: A.Query | None = None) -> set[str]:
    return {command.alias} if command.alias else set()


def referenced_fields(query: A.Query) -> set[str]:
    """Every field name any command reads (sub-queries excluded)."""
    names: set[str] = set()
    for command in query.commands:
        names |= command_io(command, query)[0]
    return names


def is_aggregating(query: A.Query) -> bool:
    """True when rows are groups rather than events (stats, pattern, diff, anomaly, countFrequent...):
    such a result cannot be rebuilt by merging the results of split time windows. A saved-query
    invocation (`$Name()`) counts as aggregating: its definition is not known here."""
    aggregating_generic = {"countFrequent", "relevantfields", "estimate", "addtotals", "logcompare"}
    return any(
        isinstance(c, (A.Stats, A.Pattern, A.Diff, A.Anomaly, A.SavedQueryCall))
        or (isinstance(c, A.GenericCommand) and c.name in aggregating_generic)
        for c in query.commands
    )


# Rows the service returns for a query with no `limit` (reference §3.8): one fact for the
# interpreter, the CloudWatch split and the SQL engines.
DEFAULT_ROW_LIMIT = 10_000


def final_sort_limit(query: A.Query) -> tuple[tuple[A.SortKey, ...], int | None]:
    """The sort keys and row limit that shape the final result: the last `sort` after the
    last stats, and the smallest numeric `limit`/`head`/`tail` after the last stats
    (placeholders ignored). Keys are empty when the query does not sort there."""
    last_stats = max((i for i, c in enumerate(query.commands) if isinstance(c, A.Stats)), default=-1)
    keys: tuple[A.SortKey, ...] = ()
    limit: int | None = None
    for command in query.commands[last_stats + 1 :]:
        if isinstance(command, A.Sort):
            keys = command.keys
        elif isinstance(command, A.Limit) and isinstance(command.count, A.Number):
            count = int(command.count.value)
            limit = count if limit is None else min(limit, count)
    return keys, limit


def output_columns(query: A.Query) -> list[str] | None:
    """Columns of the result (without @ptr), or None when it cannot be known statically
    (pattern, lookup, the newer commands). Rules: the last `display` decides; else the last
    stats's by terms and aggregations plus fields created after it; else every `fields`
    name; else fields the query creates; else @timestamp and @message (docs/semantics.md)."""
    columns: list[str] = []
    created: list[str] = []
    display: list[str] | None = None
    for command in query.commands:
        if isinstance(command, A.JsonExtract) and command.alias:
            created.append(command.alias)  # like a parse capture
            continue
        if isinstance(command, (A.Pattern, A.Lookup, A.CidrLookup, A.GenericCommand, A.Diff, A.Anomaly)):
            return None
        if isinstance(command, A.Display):
            display = [projection_name(p, query) for p in command.items]
        elif isinstance(command, A.Fields):
            columns += [projection_name(p, query) for p in command.items]
        elif isinstance(command, A.Stats):
            columns = [projection_name(p, query) for p in command.by + command.aggregations]
            created = []
            display = None
        elif isinstance(command, A.Parse):
            created += parse_outputs(command)
        elif isinstance(command, A.Unnest):
            created.append(command.into)
    if display is not None:
        return _unique(display)
    if columns:
        return _unique(columns)
    if created:
        return _unique(created)
    return ["@timestamp", "@message"]


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


# -- static checks ---------------------------------------------------------------------------


class _Checker:
    def __init__(self, query: A.Query, origin: str, warnings: list[QueryWarning] | None = None) -> None:
        self.query = query
        self.origin = origin
        self.warnings: list[QueryWarning] = [] if warnings is None else warnings
        self.stats_exprs: set[A.Expr] = set()  # expressions the last stats computed

    def warn(self, rule: str, message: str, span: Span) -> None:
        if not any(w.rule == rule and w.span == span for w in self.warnings):
            self.warnings.append(QueryWarning(rule, message, span, self.query.text, self.origin))

    def fail(self, message: str, span: Span, hint: str | None = None) -> QueryError:
        return QueryError(message, category="semantic", span=span, text=self.query.text, origin=self.origin, hint=hint)

    def run(self) -> None:
        commands = self.query.commands
        stats_positions = [i for i, c in enumerate(commands) if isinstance(c, A.Stats)]
        if len(stats_positions) > MAX_STATS:
            extra = commands[stats_positions[MAX_STATS]]
            raise self.fail(f"a query may have at most {MAX_STATS} stats commands", extra.keyword_span)
        last_stats = stats_positions[-1] if len(stats_positions) > 1 else -1
        available: set[str] | None = None  # None: any field of the events
        dedup_at: A.Command | None = None
        for i, command in enumerate(commands):
            self.check_subqueries(command)
            self.placement(i, command, last_stats, dedup_at)
            if isinstance(command, A.Dedup):
                dedup_at = command
            self.aggregates_only_in_stats(command)
            if isinstance(command, A.Stats):
                self.check_stats(command, available)
                available = {projection_name(p, self.query) for p in command.aggregations + command.by}
                available |= {expression_name(p.expr, self.query) for p in command.aggregations + command.by}
                # The same expression however it is spelled (`sort bin(5m)` after `by bin (5m)`).
                self.stats_exprs = {p.expr for p in command.aggregations + command.by}
                continue
            if isinstance(command, A.SavedQueryCall):
                # Its definition is not known here: it may create any field or run its own stats.
                available = None
                dedup_at = None
                continue
            if available is not None:
                available = self.after_stats(command, available)

    def check_subqueries(self, command: A.Command) -> None:
        """A subquery (`x in (query)`) is a query of its own: the same rules, its own scope."""
        for expr in command_exprs(command):
            for node in A.walk(expr):
                if isinstance(node, A.In) and isinstance(node.items, A.Subquery):
                    _Checker(node.items.query, self.origin, self.warnings).run()

    def after_stats(self, command: A.Command, available: set[str]) -> set[str]:
        """Check a command after a stats reads only what is available; the fields then available."""
        checked = not isinstance(command, A.GenericCommand) or isinstance(command, A.JsonExtract)
        if checked:
            for expr in command_exprs(command):
                self.require_all(expr, available)
        available = available | command_io(command, self.query)[1]
        if isinstance(command, A.Fields):
            available |= {p.alias for p in command.items if p.alias}
        return available

    def placement(self, i: int, command: A.Command, last_stats: int, dedup_at: A.Command | None) -> None:
        word = self.query.text[command.keyword_span.start : command.keyword_span.end] or type(command).__name__.lower()
        if isinstance(command, A.Source) and any(not isinstance(c, A.Source) for c in self.query.commands[:i]):
            # Dashboards chain `SOURCE 'a' | SOURCE 'b' | ...`; nothing documents SOURCE later on.
            self.warn("source-not-first", "SOURCE after another command: AWS's pages put SOURCE first", command.keyword_span)
        if dedup_at is not None and not isinstance(command, (A.Limit, A.SavedQueryCall)):
            raise self.fail(f"only limit may follow dedup, found '{word}'", command.keyword_span)
        if isinstance(command, A.Pattern) and any(isinstance(c, A.Sort) for c in self.query.commands[:i]):
            # CWL_AnalyzeLogData_Patterns: "a query is not valid if it includes a pattern command after a sort command".
            raise self.fail("pattern cannot follow sort (a sort may come after pattern)", command.keyword_span)
        if i < last_stats and isinstance(command, (A.Sort, A.Limit)):
            raise self.fail(f"with several stats commands, '{word}' must come after the last stats", command.keyword_span)
        if isinstance(command, A.GenericCommand) and command.name == "estimate" and i != len(self.query.commands) - 1:
            raise self.fail("estimate must be the last command", command.keyword_span)

    def require_all(self, expr: A.Expr, available: set[str], *, in_stats: bool = False) -> None:
        """Every field an expression reads must be available; a sub-expression spelled like a
        column of the stats (`sort bin(1d)` after `by bin(1d)`) is that column."""
        stack = [expr]
        while stack:
            node = stack.pop()
            if not isinstance(node, A.Field) and (
                expression_name(node, self.query) in available or node in self.stats_exprs
            ):
                continue
            if isinstance(node, A.Field):
                self.require(node, available, in_stats=in_stats)
            elif isinstance(node, A.Call) and node.name == "bin":
                self.require(A.Field("@timestamp", span=node.span), available, in_stats=in_stats)
            stack.extend(A.children(node))

    def require(self, ref: A.Field, available: set[str], *, in_stats: bool = False) -> None:
        name = ref.name
        parts = name.split(".")
        if any(".".join(parts[:n]) in available for n in range(1, len(parts) + 1)):
            return
        shown = ", ".join(sorted(available)) or "nothing"
        if in_stats:
            # The Stats page's own examples of invalid queries: a later stats reading @message, or
            # bin() (@timestamp) that the stats before it did not carry forward.
            raise self.fail(
                f"'{name}' is not available in a stats after stats: it can only use fields the stats before it "
                f"defines ({shown}); the Stats page calls such a query not valid",
                ref.span,
                hint="carry it through the earlier stats (e.g. in `by`, or `max(@timestamp) as @t`)",
            )
        # The Stats page says so, yet AWS's own samples sort on @timestamp after `stats ... by bin(5m)`.
        self.warn(
            "field-after-stats",
            f"'{name}' is not defined by the stats before it ({shown}); the Stats page says only those "
            "fields can be used after stats; locally the field is empty on every stats row",
            ref.span,
        )

    def aggregates_only_in_stats(self, command: A.Command) -> None:
        if isinstance(command, A.Stats):
            return
        for expr in command_exprs(command):
            for node in A.walk(expr):
                if isinstance(node, A.Call) and functions.is_aggregate(node.name):
                    raise self.fail(f"{node.name}() is an aggregation: use it in stats", node.span)

    def check_stats(self, command: A.Stats, available: set[str] | None) -> None:
        aliases: set[str] = set()
        for p in command.aggregations:
            self.check_aggregation(p, aliases, available)
            if p.alias:
                aliases.add(p.alias)
        for p in command.by:
            for node in A.walk(p.expr):
                if isinstance(node, A.Call) and functions.is_aggregate(node.name):
                    raise self.fail(f"{node.name}() is an aggregation and cannot be a by term", node.span)
            if available is not None:
                self.require_all(p.expr, available, in_stats=True)
        topk = [p for p in command.aggregations if isinstance(p.expr, A.Call) and p.expr.name == "topk"]
        if topk and (command.by or len(command.aggregations) > 1):
            raise self.fail("topk() cannot be combined with by or other aggregations", topk[0].span)
        for p in command.aggregations:
            for node in A.walk(p.expr):
                if isinstance(node, A.Call) and node.name == "topk" and node.args:
                    self.check_topk_k(node.args[0])

    def check_topk_k(self, k: A.Expr) -> None:
        """CWL_QuerySyntax-Stats: "Valid values for k range from 1 to 10000"."""
        if isinstance(k, A.Placeholder):
            return
        if not isinstance(k, A.Number) or isinstance(k.value, float) and not k.value.is_integer() or not 1 <= k.value <= 10_000:
            raise self.fail("topk() takes k as a whole number from 1 to 10000", k.span)

    def check_aggregation(self, p: A.Projection, aliases: set[str], available: set[str] | None) -> None:
        """One stats item: an aggregation (none nested in another), fields read only inside
        aggregations, except the aliases of earlier items of the same stats."""
        has_aggregate = False
        for node in A.walk(p.expr):
            if isinstance(node, A.Call) and functions.is_aggregate(node.name):
                has_aggregate = True
                self.check_aggregate_call(node, available)
        for ref in field_refs(p.expr, outside_aggregates=True):
            if ref.name not in aliases:
                raise self.fail(
                    f"'{ref.name}' in stats must be inside an aggregation such as count() or max()", ref.span
                )
            has_aggregate = True
        if not has_aggregate:
            raise self.fail("stats needs an aggregation function such as count(*)", p.span)

    def check_aggregate_call(self, node: A.Call, available: set[str] | None) -> None:
        for inner in node.args:
            for sub in A.walk(inner):
                if isinstance(sub, A.Call) and functions.is_aggregate(sub.name):
                    raise self.fail(f"{sub.name}() cannot be nested inside {node.name}()", sub.span)
        if available is not None:
            for arg in node.args:
                self.require_all(arg, available, in_stats=True)


def check(query: A.Query, *, origin: str = "query") -> list[QueryWarning]:
    """Raise QueryError(category="semantic") for the first error rule the query breaks; return
    the warnings (rules trailq infers, or that AWS's own published queries break)."""
    checker = _Checker(query, origin)
    checker.run()
    return checker.warnings
