"""What differs between the two SQL dialects trailq writes: Trino (Athena) and DuckDB.

The compiler builds one sqlglot tree; where the two engines spell a function differently and
sqlglot has no node that transpiles it, the compiler asks the dialect here. Everything returns
sqlglot expressions: no SQL text is pasted together anywhere.

Time values are epoch milliseconds (BIGINT) inside the compiled SQL, in both dialects: `bin()`
is then plain arithmetic, sorting and min/max are numeric, and output rendering is one rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from trailq.errors import UsageError

ATHENA = "athena"
DUCKDB = "duckdb"
DIALECTS = (ATHENA, DUCKDB)


def call(name: str, *args: exp.Expr) -> exp.Expr:
    """A function call by name (only for names this module chose for one dialect)."""
    return exp.Anonymous(this=name, expressions=list(args))


def number(value: int | float) -> exp.Expr:
    return exp.Literal.number(value)


@dataclass(frozen=True)
class Dialect:
    name: str

    @property
    def sqlglot_name(self) -> str:
        return "athena" if self.name == ATHENA else "duckdb"

    def sql(self, tree: exp.Expr, pretty: bool = True) -> str:
        # Function names in lower case, as AWS's Athena examples write them (json_extract_scalar, ...).
        return tree.sql(dialect=self.sqlglot_name, pretty=pretty, identify=True, normalize_functions="lower")

    # -- regular expressions ------------------------------------------------------------------

    def regex_like(self, text: exp.Expr, pattern: str) -> exp.Expr:
        return exp.RegexpLike(this=text, expression=exp.Literal.string(pattern))

    def regex_extract(self, text: exp.Expr, pattern: str, group: int) -> exp.Expr:
        return exp.RegexpExtract(this=text, expression=exp.Literal.string(pattern), group=number(group))

    # -- time ----------------------------------------------------------------------------------

    def calendar_floor_ms(self, epoch_ms: exp.Expr, unit: str) -> exp.Expr:
        """The start of the calendar month/quarter/year holding `epoch_ms`, in epoch ms (UTC)."""
        part = exp.Literal.string({"mo": "month", "q": "quarter", "y": "year"}[unit])
        if self.name == DUCKDB:
            moment = call("make_timestamp", exp.Mul(this=epoch_ms, expression=number(1000)))
            return call("epoch_ms", call("date_trunc", part, moment))
        seconds = exp.Div(this=exp.Cast(this=epoch_ms, to=exp.DataType.build("double")), expression=number(1000))
        truncated = call("date_trunc", part, call("from_unixtime", seconds))
        return exp.Cast(this=exp.Mul(this=call("to_unixtime", truncated), expression=number(1000)), to=exp.DataType.build("bigint"))

    def format_time_ms(self, epoch_ms: exp.Expr) -> exp.Expr:
        """`YYYY-MM-DD HH:MM:SS.mmm` text of an epoch-ms value (a time used as text)."""
        if self.name == DUCKDB:
            moment = call("make_timestamp", exp.Mul(this=epoch_ms, expression=number(1000)))
            return call("strftime", moment, exp.Literal.string("%Y-%m-%d %H:%M:%S.%g"))
        seconds = exp.Div(this=exp.Cast(this=epoch_ms, to=exp.DataType.build("double")), expression=number(1000))
        return call("format_datetime", call("from_unixtime", seconds), exp.Literal.string("yyyy-MM-dd HH:mm:ss.SSS"))

    # -- lists (exact nearest-rank percentiles) -----------------------------------------------

    def sorted_list(self, value: exp.Expr, condition: exp.Expr) -> exp.Expr:
        """The values of a group where `condition` holds, in ascending order (an aggregate)."""
        gathered = exp.Filter(this=call("list" if self.name == DUCKDB else "array_agg", value), expression=exp.Where(this=condition))
        return call("list_sort" if self.name == DUCKDB else "array_sort", gathered)

    def list_item(self, items: exp.Expr, one_based: exp.Expr) -> exp.Expr:
        return call("list_extract" if self.name == DUCKDB else "element_at", items, one_based)

    def split_part(self, text: exp.Expr, delimiter: str, index: int) -> exp.Expr:
        return call("split_part", text, exp.Literal.string(delimiter), number(index))


def dialect(name: str) -> Dialect:
    if name not in DIALECTS:
        raise UsageError(f"unknown SQL dialect '{name}' (choose {' or '.join(DIALECTS)})")
    return Dialect(name)
