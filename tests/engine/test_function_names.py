"""The engine names functions the way `trailq.lang.functions` does: its tables are keyed by the
canonical names (lower-cased), aliases are resolved through the language registry only, and every
documented function is either implemented or refused with exit 7."""

from __future__ import annotations

from pathlib import Path

import orjson

from trailq.engine import run_local
from trailq.engine.aggregates import AGGREGATES
from trailq.engine.functions import CONTEXT_FUNCTIONS, SCALARS, engine_name
from trailq.engine.interpreter import UNSUPPORTED_FUNCTIONS
from trailq.lang import ast as A
from trailq.lang import functions as lang_functions

CANONICAL = {name.lower() for name in lang_functions.CANONICAL_NAMES}


def test_engine_tables_are_keyed_by_canonical_names_only() -> None:
    for table in (SCALARS, AGGREGATES, CONTEXT_FUNCTIONS, UNSUPPORTED_FUNCTIONS):
        assert set(table) <= CANONICAL, set(table) - CANONICAL


def test_every_documented_function_is_implemented_or_refused() -> None:
    tables = [set(SCALARS), set(AGGREGATES), set(CONTEXT_FUNCTIONS), set(UNSUPPORTED_FUNCTIONS)]
    for name in CANONICAL:
        assert sum(name in table for table in tables) == 1, name


def test_aliases_resolve_through_the_language_registry() -> None:
    assert engine_name("strftime") == "formatdate"
    assert engine_name("count_distinct") == engine_name("COUNTDISTINCT") == "countdistinct"
    assert engine_name("collect_values") == "values"
    assert engine_name("date_floor") == "datefloor"


def test_hand_built_calls_by_alias_run(tmp_path: Path) -> None:
    # The parser writes canonical names; code that builds a query may use an alias.
    source = tmp_path / "events.jsonl"
    records = [{"eventTime": "2024-05-01T10:00:00Z", "a": "x"}, {"eventTime": "2024-05-01T11:00:00Z", "a": "y"}]
    source.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
    stats = A.Stats(
        aggregations=(
            A.Projection(A.Call("count_distinct", (A.Field("a"),)), alias="n"),
            A.Projection(A.Call("collect_values", (A.Field("a"),)), alias="v"),
        )
    )
    result = run_local(A.Query((stats,)), name="alias", sources=[str(source)], time_range=None, workers=1)
    assert result.rows == [{"n": "2", "v": '["x","y"]'}]
    day = A.Call("strftime", (A.Field("@timestamp"), A.String("%Y-%m-%d")))
    result = run_local(
        A.Query((A.Fields((A.Projection(day, alias="d"),)),)), name="alias", sources=[str(source)], time_range=None, workers=1
    )
    assert [row["d"] for row in result.rows] == ["2024-05-01", "2024-05-01"]
