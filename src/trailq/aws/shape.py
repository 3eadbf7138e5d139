"""What the CloudWatch backend needs to know about a query's text, from trailq.lang's parser and analysis.

Splitting a window is only correct for queries whose rows are events, one each: not for
aggregating queries, and not for `dedup` (two windows can each keep one row for the same key).
Merged windows must get the query's final sort and limit again. When the local parser cannot
read the text (a command newer than our grammar), the shape is "unknown": treated as
aggregating, so we never split it and report a cap hit as truncation instead of merging rows we
cannot order correctly.
"""

from __future__ import annotations

from dataclasses import dataclass

from trailq.errors import QueryError
from trailq.lang import ast, parse
from trailq.lang.analysis import expression_name, final_sort_limit, is_aggregating
from trailq.ordering import text_sort_key


@dataclass(frozen=True)
class SortKey:
    field: str  # the column the sort key is found in, as the service names it
    descending: bool


@dataclass(frozen=True)
class QueryShape:
    aggregating: bool
    sort: tuple[SortKey, ...] = ()
    limit: int | None = None  # the query's own final `limit N`
    known: bool = True  # False when the local parser could not read the text
    dedup: bool = False  # the query has a `dedup` command

    @property
    def splittable(self) -> bool:
        """Rows of split windows (or log-group batches) can be merged into the one answer."""
        return self.known and not self.aggregating and not self.dedup


UNKNOWN = QueryShape(aggregating=True, known=False)


def shape_of(text: str) -> QueryShape:
    """Aggregating or not, and the final sort and limit, from trailq.lang's analysis."""
    try:
        query = parse(text, placeholders=False)
    except QueryError:  # the service is the judge of its own grammar
        return UNKNOWN
    keys, limit = final_sort_limit(query)
    dedup = any(isinstance(c, ast.Dedup) for c in query.commands)
    return QueryShape(aggregating=is_aggregating(query), sort=tuple(_sort_key(k, query) for k in keys), limit=limit, dedup=dedup)


def _sort_key(key: ast.SortKey, query: ast.Query) -> SortKey:
    """A lang.ast.SortKey → the column to sort merged rows on, and the direction.

    A field is its flattened name (`detail-type`, not the backquoted spelling); any other
    expression (`sort strlen(x)`) is the column the service names after its text, which a row
    has when the query projects that expression. No direction written (`descending` None) sorts
    ascending, as the local engine does (docs/semantics.md); the service's default is undocumented.
    """
    column = key.expr.name if isinstance(key.expr, ast.Field) else expression_name(key.expr, query)
    return SortKey(column, bool(key.descending))


def apply_final_sort_limit(rows: list[dict[str, str]], shape: QueryShape) -> list[dict[str, str]]:
    """Re-apply the query's final sort (stable, key by key, last key first) and limit to merged rows.

    Without a sort in the query, rows keep the service's default order: newest @timestamp first.
    """
    out = list(rows)
    keys = shape.sort or ((SortKey("@timestamp", True),) if any("@timestamp" in r for r in rows) else ())
    if keys:
        for key in reversed(keys):
            present = [r for r in out if r.get(key.field) is not None]
            missing = [r for r in out if r.get(key.field) is None]
            present.sort(key=lambda r: text_sort_key(r[key.field]), reverse=key.descending)
            out = present + missing  # rows without the field go last in either direction
    if shape.limit is not None:
        out = out[: shape.limit]
    return out


def bounded_to_window(text: str, start_ms: int, end_ms: int) -> str | None:
    """The query with a first filter keeping only events in [start_ms, end_ms] (both inclusive).

    StartQuery takes whole seconds and does not document whether an end of E includes E.500;
    --state windows must tile exactly, so the service scans whole seconds around the window and
    this filter cuts it to the millisecond. A SOURCE command must stay first, so the filter goes
    after it (after the last of several). None when the local parser cannot read the text: the caller sends it unchanged
    (whole seconds only) and must say that the boundary second may be reported twice.
    """
    bound = f"filter toMillis(@timestamp) >= {start_ms} and toMillis(@timestamp) <= {end_ms}"
    try:
        query = parse(text, placeholders=False)
    except QueryError:
        return None
    leading = 0  # SOURCE commands stay first: dashboards chain `SOURCE 'a' | SOURCE 'b' | ...`
    while leading < len(query.commands) and isinstance(query.commands[leading], ast.Source):
        leading += 1
    if leading:
        cut = query.commands[leading - 1].span.end
        return f"{text[:cut]}\n| {bound}\n|{text[cut:].lstrip().removeprefix('|')}"
    return f"{bound}\n| {text}"
