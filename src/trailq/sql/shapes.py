"""Where the compiled SQL reads CloudTrail records from, and how a Logs Insights field name becomes
an expression over them: DuckDB over the same files trailq reads locally, or Athena's CloudTrail
table (athena_table.py). The compiler asks a shape for one expression per field the query reads;
the rest of the SQL does not know which one it is talking to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, Sequence

from sqlglot import exp

from trailq.sql.dialects import DUCKDB, Dialect, call, number
from trailq.timerange import TimeRange

LOG_GROUP = "CloudTrail/DefaultLogGroup"


class Shape(Protocol):
    dialect: Dialect

    def source(self) -> exp.Expression:
        """The FROM item holding one row per record."""

    def field(self, name: str) -> exp.Expression | None:
        """A text expression of the field, or None when this shape cannot read it."""

    def timestamp_ms(self) -> exp.Expression:
        """The record's time in epoch milliseconds (BIGINT), NULL when it has none."""

    def window(self, time_range: TimeRange) -> list[exp.Expression]:
        """Predicates that keep only the window's records (and, where possible, skip whole partitions)."""


def log_stream(account: exp.Expression, region: exp.Expression) -> exp.Expression:
    """`<account>_CloudTrail_<region>`, the stream name CloudTrail gives (docs/semantics.md)."""
    return exp.DPipe(this=exp.DPipe(this=account, expression=exp.Literal.string("_CloudTrail_")), expression=region)


def time_between(epoch_ms: exp.Expression, time_range: TimeRange) -> exp.Expression:
    return exp.Between(this=epoch_ms, low=number(time_range.start_epoch_ms()), high=number(time_range.end_epoch_ms()))


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def json_path(segments: Sequence[str]) -> str:
    """A JSON path (`$.a.b[0]`) for a flattened field name; digit segments are array indexes, as
    in the `.0.` of Logs Insights' flattening; other keys are quoted when not plain words."""
    path = "$"
    for segment in segments:
        if segment.isdigit():
            path += f"[{int(segment)}]"
        elif _PLAIN_KEY.fullmatch(segment):
            path += "." + segment
        else:
            path += '["' + segment.replace("\\", "\\\\").replace('"', '\\"') + '"]'
    return path


# The DuckDB record column: each input object, or each element of its "Records" array.
RECORD = "record"


@dataclass(frozen=True)
class DuckDBFiles:
    """CloudTrail files read by DuckDB: `{"Records": [...]}` documents (the trail's S3 objects), JSON
    lines of records, gzip or not; the same files trailq's interpreter reads."""

    files: tuple[str, ...]
    dialect: Dialect = Dialect(DUCKDB)

    def source(self) -> exp.Expression:
        listed = exp.Array(expressions=[exp.Literal.string(f) for f in self.files])
        objects = call("read_json_objects", listed, exp.EQ(this=exp.column("format"), expression=exp.Literal.string("auto")))
        document = exp.column("json")
        records = exp.Cast(this=exp.JSONExtract(this=document, expression=exp.Literal.string("$.Records")),
                           to=exp.DataType.build("JSON[]", dialect="duckdb"))
        is_wrapper = exp.EQ(this=call("json_type", document, exp.Literal.string("$.Records")), expression=exp.Literal.string("ARRAY"))
        each = exp.Case(ifs=[exp.If(this=is_wrapper, true=records)], default=exp.Array(expressions=[document]))
        unnested = exp.alias_(exp.Unnest(expressions=[each]), RECORD, quoted=True)
        return exp.select(unnested).from_(exp.alias_(objects, "objects", table=True)).subquery("unnested")

    def _json_text(self, path: str) -> exp.Expression:
        return call("json_extract_string", exp.column(RECORD, quoted=True), exp.Literal.string(path))

    def field(self, name: str) -> exp.Expression | None:
        if name == "@message":
            return exp.Cast(this=exp.column(RECORD, quoted=True), to=exp.DataType.build("varchar"))
        if name == "@logStream":
            return log_stream(self._json_text("$.recipientAccountId"), self._json_text("$.awsRegion"))
        if name == "@log":
            return exp.DPipe(this=self._json_text("$.recipientAccountId"), expression=exp.Literal.string(":" + LOG_GROUP))
        if name == "@ptr":
            return call("md5", exp.Cast(this=exp.column(RECORD, quoted=True), to=exp.DataType.build("varchar")))
        if name.startswith("@@"):
            return self._json_text(json_path(["@" + name[2:]]))
        if name.startswith("@"):
            return None
        return self._json_text(json_path(name.split(".")))

    def timestamp_ms(self) -> exp.Expression:
        moment = exp.TryCast(this=self._json_text("$.eventTime"), to=exp.DataType.build("timestamptz"))
        return call("epoch_ms", moment)

    def window(self, time_range: TimeRange) -> list[exp.Expression]:
        return [time_between(self.timestamp_ms(), time_range)]
