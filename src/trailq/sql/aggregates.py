"""Stats aggregations → SQL aggregate expressions (semantics of engine/aggregates.py).

Numeric aggregations skip null and non-numeric values (TRY_CAST gives null, which SQL aggregates
skip); `earliest`/`latest` take the value of the first/last row by @timestamp among rows that
have one; `pct` is the exact nearest-rank value, not an approximation, in both dialects.
"""

from __future__ import annotations

from sqlglot import exp

from trailq.lang import ast as A
from trailq.sql.dialects import number
from trailq.sql.expressions import (
    BIGINT,
    DOUBLE,
    NULL,
    NUMBER,
    TEXT,
    TIME,
    ExpressionCompiler,
    Typed,
    not_null,
)


def _where(aggregate: exp.Expr, condition: exp.Expr) -> exp.Expr:
    return exp.Filter(this=aggregate, expression=exp.Where(this=condition))


def compile_aggregate(c: ExpressionCompiler, node: A.Call) -> Typed:
    name = node.name.lower()
    # Arguments are evaluated on the rows, not on the stats' own columns.
    row_compiler = ExpressionCompiler(c.query, c.dialect, c.columns, in_stats=False)
    args = node.args
    if name == "count":
        if not args or isinstance(args[0], A.Star):
            return Typed(exp.Count(this=exp.Star()), NUMBER)
        return Typed(exp.Count(this=row_compiler.compile(args[0]).sql), NUMBER)
    value = row_compiler.compile(args[0])
    if name == "countdistinct":
        return Typed(exp.Count(this=exp.Distinct(expressions=[value.sql])), NUMBER)
    if name in ("sum", "avg", "stddev", "variance"):
        numeric = row_compiler.as_number(value)
        if name == "sum":
            return Typed(exp.Sum(this=numeric), NUMBER)
        if name == "avg":
            return Typed(exp.Avg(this=exp.Cast(this=numeric, to=DOUBLE)), NUMBER)
        spread = exp.StddevPop if name == "stddev" else exp.VariancePop
        return Typed(spread(this=exp.Cast(this=numeric, to=DOUBLE)), NUMBER)
    if name in ("min", "max"):
        build = exp.Min if name == "min" else exp.Max
        if value.kind != TEXT:
            return Typed(build(this=value.sql), value.kind if value.kind != NULL else TEXT)
        # Numbers first (the text of the smallest/largest numeric value), then text (by code point in SQL).
        by_number = (exp.ArgMin if name == "min" else exp.ArgMax)(this=value.sql, expression=exp.TryCast(this=value.sql, to=DOUBLE))
        return Typed(exp.Coalesce(this=by_number, expressions=[build(this=value.sql)]), TEXT)
    if name in ("earliest", "latest"):
        timestamp = c.columns.get("@timestamp")
        if timestamp is None:
            raise c.refuse(node, f"{node.name}() needs @timestamp, which an earlier stats dropped")
        moment = exp.column("@timestamp", quoted=True)
        pick = exp.ArgMin if name == "earliest" else exp.ArgMax
        picked = pick(this=value.sql, expression=moment)
        condition = exp.And(this=not_null(value.sql), expression=not_null(moment))
        return Typed(_where(picked, condition), value.kind)
    if name == "pct":
        return _percentile(c, row_compiler, node, value)
    raise c.refuse(node, f"{node.name}() cannot be compiled to SQL")


def _percentile(c: ExpressionCompiler, rows: ExpressionCompiler, node: A.Call, value: Typed) -> Typed:
    """Nearest rank: the ceil(p/100 × n)-th smallest numeric value (1-based, at least the first)."""
    if len(node.args) < 2 or not isinstance(node.args[1], A.Number):
        raise c.refuse(node, "pct() needs a literal percentile in SQL")
    share = min(max(float(node.args[1].value), 0.0), 100.0) / 100
    numeric = rows.as_number(value) if value.kind != TIME else value.sql
    present = not_null(numeric)
    items = c.dialect.sorted_list(numeric, present)
    count = _where(exp.Count(this=numeric), present)
    rank = exp.Cast(this=exp.Ceil(this=exp.Mul(this=number(share), expression=count)), to=BIGINT)
    position = exp.Greatest(this=rank, expressions=[number(1)])
    return Typed(c.dialect.list_item(items, position), TIME if value.kind == TIME else NUMBER)
