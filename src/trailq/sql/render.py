"""SQL result values → the strings GetQueryResults would return, by the compiler's column kinds.

One rule for DuckDB's Python values and Athena's strings: times are epoch milliseconds rendered
as `YYYY-MM-DD HH:MM:SS.mmm`, booleans `1`/`0`, numbers as the interpreter renders them (an
integral result without a fraction), text as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from trailq.engine.values import format_timestamp_ms, render_value
from trailq.sql.expressions import BOOL, NUMBER, TIME


def render_cell(value: Any, kind: str) -> str | None:
    if value is None:
        return None
    if kind == TIME:
        try:
            return format_timestamp_ms(int(float(value)))
        except (TypeError, ValueError, OverflowError):
            return None
    if kind == BOOL:
        if isinstance(value, str):
            return "1" if value.lower() in ("true", "1") else "0"
        return "1" if value else "0"
    if kind == NUMBER:
        if isinstance(value, str):
            try:
                value = int(value) if value.lstrip("-").isdigit() else float(value)
            except ValueError:
                return str(value)
        if isinstance(value, Decimal):
            value = int(value) if value == value.to_integral_value() else float(value)
        if isinstance(value, bool):
            return "1" if value else "0"
        return render_value(value)
    return value if isinstance(value, str) else render_value(value)


def render_rows(rows: Sequence[Sequence[Any]], columns: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """Rows as {column: text}; a null cell is left out, as GetQueryResults leaves out absent fields."""
    out = []
    for row in rows:
        cells = {}
        for (name, kind), value in zip(columns, row):
            text = render_cell(value, kind)
            if text is not None:
                cells[name] = text
        out.append(cells)
    return out
