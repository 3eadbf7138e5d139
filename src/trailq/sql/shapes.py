"""Where the compiled SQL reads CloudTrail records from, and how a Logs Insights field name becomes
an expression over them: DuckDB over the same files trailq reads locally, or Athena's CloudTrail
table (athena_table.py). The compiler asks a shape for one expression per field the query reads;
the rest of the SQL does not know which one it is talking to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlglot import exp

from trailq.sql.dialects import DUCKDB, Dialect, call, number
from trailq.timerange import TimeRange

LOG_GROUP = "CloudTrail/DefaultLogGroup"


class Shape(Protocol):
    @property
    def dialect(self) -> Dialect:
        """The SQL dialect this shape's source is read in."""

    def source(self) -> exp.Expr:
        """The FROM item holding one row per record."""

    def field(self, name: str) -> exp.Expr | None:
        """A text expression of the field, or None when this shape cannot read it."""

    def timestamp_ms(self) -> exp.Expr:
        """The record's time in epoch milliseconds (BIGINT), NULL when it has none."""

    def window(self, time_range: TimeRange) -> list[exp.Expr]:
        """Predicates that keep only the window's records (and, where possible, skip whole partitions)."""


def log_stream(account: exp.Expr, region: exp.Expr) -> exp.Expr:
    """`<account>_CloudTrail_<region>`, the stream name CloudTrail gives (docs/semantics.md)."""
    return exp.DPipe(this=exp.DPipe(this=account, expression=exp.Literal.string("_CloudTrail_")), expression=region)


def time_between(epoch_ms: exp.Expr, time_range: TimeRange) -> exp.Expr:
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


# The DuckDB record column: an element of a `Records` array (NULL for a line that is itself a record).
RECORD = "record"
RECORDS_KEY = "Records"
# Fields only the whole record can give: then each input object is read whole (slower).
RAW_FIELDS = ("@message",)


@dataclass(frozen=True)
class DuckDBFiles:
    """CloudTrail files read by DuckDB: `{"Records": [...]}` documents (the trail's S3 objects), JSON
    lines of records, gzip or not; the same files trailq's interpreter reads.

    `read_json` is given the top-level keys the query reads as typed columns (VARCHAR for a leaf,
    JSON for an object the query reads into) plus `Records` as JSON[], so DuckDB parses only those;
    a `Records` wrapper is unnested and its records read with json_extract_string. A field is the
    typed column, or else the wrapped record's value. `lines` and `documents` split the files by the
    interpreter's own sniffing (sources.sniff); with neither, every file is `format = 'auto'`.
    """

    files: tuple[str, ...]
    # (files, JSON lines?, gzip?) groups, from the interpreter's own sniffing; empty: `format = 'auto'`.
    groups: tuple[tuple[tuple[str, ...], bool, bool], ...] = ()
    fields: tuple[str, ...] = ()
    dialect: Dialect = Dialect(DUCKDB)
    description: str = "the files"

    def for_fields(self, names: Sequence[str]) -> DuckDBFiles:
        from dataclasses import replace

        return replace(self, fields=tuple(names))

    @property
    def raw(self) -> bool:
        return any(n in RAW_FIELDS or n.split(".")[0] in (RECORDS_KEY, RECORD) for n in self.fields)

    def _top_level(self) -> dict[str, str]:
        """Top-level key → DuckDB type, for every key a field reads."""
        types: dict[str, str] = {}
        for name in self._record_fields():
            head, nested = name.split(".")[0], "." in name
            types[head] = "JSON" if nested or types.get(head) == "JSON" else "VARCHAR"
        return types

    def _record_fields(self) -> list[str]:
        names = []
        for name in self.fields:
            if name in ("@logStream", "@log"):
                names += ["recipientAccountId", "awsRegion"]
            elif name == "@ptr":
                names.append("eventID")
            elif name.startswith("@@"):
                names.append("@" + name[2:])
            elif not name.startswith("@"):
                names.append(name)
        return names

    def source(self) -> exp.Expr:
        if self.raw:
            return self._raw_source()
        types = self._top_level()
        columns = exp.Struct(expressions=[
            exp.PropertyEQ(this=exp.to_identifier(k, quoted=True), expression=exp.Literal.string(v))
            for k, v in {**types, RECORDS_KEY: "JSON[]"}.items()
        ])
        wrapped = exp.column(RECORDS_KEY, quoted=True)
        each = exp.Case(ifs=[exp.If(this=is_null(wrapped), true=exp.Array(expressions=[exp.Cast(this=exp.Null(), to=JSON_TYPE)]))],
                        default=wrapped)
        items = [exp.alias_(exp.Unnest(expressions=[each]), RECORD, quoted=True)] + [exp.column(k, quoted=True) for k in types]
        groups: list[tuple[tuple[str, ...], str, str | None]] = [
            (files, "newline_delimited" if lines else "auto", "gzip" if gz else "none") for files, lines, gz in self.groups]
        selects = [exp.select(*items).from_(_read_json(files, fmt, columns, compression))
                   for files, fmt, compression in groups or [(self.files, "auto", None)] if files]
        union: exp.Query = selects[0]
        for other in selects[1:]:
            union = exp.union(union, other, distinct=False)
        return union.subquery("unnested")

    def _raw_source(self) -> exp.Expr:
        """Each record as JSON: a line of a JSON-lines file as written; a record of a document minified
        (`json()` keeps the key order), which is the interpreter's re-serialised @message."""
        groups = [(files, lines) for files, lines, _ in self.groups] or [(self.files, False)]
        selects = [self._raw_select(files, lines) for files, lines in groups if files]
        union: exp.Query = selects[0]
        for other in selects[1:]:
            union = exp.union(union, other, distinct=False)
        return union.subquery("unnested")

    def _raw_select(self, files: Sequence[str], lines: bool) -> exp.Select:
        listed = exp.Array(expressions=[exp.Literal.string(f) for f in files])
        fmt = exp.Literal.string("newline_delimited" if lines else "auto")
        objects = call("read_json_objects", listed, exp.EQ(this=exp.column("format"), expression=fmt))
        document = exp.column("json")
        records = exp.Cast(this=exp.JSONExtract(this=document, expression=exp.Literal.string("$.Records")),
                           to=exp.DataType.build("JSON[]", dialect="duckdb"))
        is_wrapper = exp.EQ(this=call("json_type", document, exp.Literal.string("$.Records")), expression=exp.Literal.string("ARRAY"))
        each = exp.Case(ifs=[exp.If(this=is_wrapper, true=records)], default=exp.Array(expressions=[document]))
        unnested = exp.Unnest(expressions=[each])
        record = unnested if lines else call("json", unnested)
        select = exp.select(exp.alias_(record, RECORD, quoted=True)).from_(exp.alias_(objects, "objects", table=True))
        return select

    def _json_text(self, path: str) -> exp.Expr:
        return call("json_extract_string", exp.column(RECORD, quoted=True), exp.Literal.string(path))

    def _value(self, name: str) -> exp.Expr:
        """A record field: the typed column (or its JSON member), else the wrapped record's value."""
        segments = name.split(".")
        if self.raw:
            return self._json_text(json_path(segments))
        column = exp.column(segments[0], quoted=True)
        if self._top_level()[segments[0]] == "JSON":
            typed = call("json_extract_string", column, exp.Literal.string(json_path(segments[1:])))
        else:
            typed = column
        return exp.Coalesce(this=typed, expressions=[self._json_text(json_path(segments))])

    def field(self, name: str) -> exp.Expr | None:
        if name == "@message":
            return exp.Cast(this=exp.column(RECORD, quoted=True), to=exp.DataType.build("varchar"))
        if name == "@logStream":
            return log_stream(self._value("recipientAccountId"), self._value("awsRegion"))
        if name == "@log":
            return exp.DPipe(this=self._value("recipientAccountId"), expression=exp.Literal.string(":" + LOG_GROUP))
        if name == "@ptr":
            return self._value("eventID")  # unique per event, and the same in Athena's table
        if name.startswith("@@"):
            return self._value("@" + name[2:])
        if name.startswith("@"):
            return None
        return self._value(name)

    def timestamp_ms(self) -> exp.Expr:
        moment = exp.TryCast(this=self._value("eventTime"), to=exp.DataType.build("timestamptz"))
        return call("epoch_ms", moment)

    def window(self, time_range: TimeRange) -> list[exp.Expr]:
        return [time_between(self.timestamp_ms(), time_range)]


JSON_TYPE = exp.DataType.build("JSON", dialect="duckdb")


def is_null(value: exp.Expr) -> exp.Expr:
    return exp.Is(this=value, expression=exp.Null())


def _read_json(files: Sequence[str], fmt: str, columns: exp.Expr, compression: str | None) -> exp.Expr:
    listed = exp.Array(expressions=[exp.Literal.string(f) for f in files])
    options = [exp.EQ(this=exp.column("format"), expression=exp.Literal.string(fmt)),
               exp.EQ(this=exp.column("columns"), expression=columns)]
    if compression is not None:
        options.append(exp.EQ(this=exp.column("compression"), expression=exp.Literal.string(compression)))
    return call("read_json", listed, *options)
