"""Shared by the differential tests: run one query through the interpreter and through DuckDB's
SQL, and compare the rows under the rules of docs/semantics.md ("SQL engines")."""

from __future__ import annotations

import re
from collections.abc import Sequence

from trailq.engine import run_local
from trailq.lang import analysis, parse
from trailq.lang import ast as A
from trailq.sql.duckdb_run import run_duckdb

_ORDERED_VALUE = re.compile(r"-?[0-9]+(\.[0-9]+)?|[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+")


def rows_without_ptr(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "@ptr"} for row in rows]


def order_signature(query: A.Query, rows: list[dict]) -> list[tuple]:
    """The rows' values of the final sort keys that both engines order alike: numbers and times.
    (Text keys follow the natural sort in the interpreter and code points in SQL; rows tied on
    every key may come in any order: docs/semantics.md.)"""
    keys, _ = analysis.final_sort_limit(query)
    names = [analysis.expression_name(k.expr, query) if not isinstance(k.expr, A.Field) else k.expr.name for k in keys]
    if not keys and not analysis.is_aggregating(query):
        names = ["@timestamp"]
    signature = []
    for row in rows:
        values = tuple(row.get(n) for n in names)
        signature.append(tuple(v if v is None or _ORDERED_VALUE.fullmatch(v) else "<text>" for v in values))
    return signature


def compare(query_text: str, interpreted: list[dict], compiled: list[dict]) -> str | None:
    """None when the results agree (identical, or only in the documented order differences), else why not."""
    a, b = rows_without_ptr(interpreted), rows_without_ptr(compiled)
    if a == b:
        return None
    query = parse(query_text)
    if order_signature(query, a) != order_signature(query, b):
        return f"order or rows differ: {a[:3]} vs {b[:3]}"
    same_rows = sorted(map(repr, a)) == sorted(map(repr, b))
    _, limit = analysis.final_sort_limit(query)
    if same_rows or limit is not None or len(a) > 10_000:
        return None  # order of ties / text, or which of the tied rows a limit keeps
    return f"rows differ: {len(a)} vs {len(b)}: {[r for r in a if r not in b][:2]} vs {[r for r in b if r not in a][:2]}"


def both(query_text: str, sources: Sequence[str]) -> tuple[list[dict], list[dict]]:
    tree = parse(query_text)
    interpreted = run_local(tree, name="q", sources=list(sources), time_range=None, workers=1)
    compiled = run_duckdb(tree, name="q", sources=list(sources), time_range=None)
    assert interpreted.columns == compiled.columns, (interpreted.columns, compiled.columns)
    return interpreted.rows, compiled.rows
