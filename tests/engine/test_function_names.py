"""The engine names functions the way `trailq.lang.functions` does: its tables are keyed by the
canonical names (lower-cased), aliases are resolved through the language registry only, and every
documented function is either implemented or refused with exit 7."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from trailq.engine import run_local
from trailq.engine.functions import FUNCTIONS, EngineKind, engine_name
from trailq.engine.registry import declare
from trailq.lang import ast as A
from trailq.lang import functions as lang_functions

CANONICAL = {name.lower() for name in lang_functions.CANONICAL_NAMES}


def test_engine_table_is_keyed_by_canonical_names_only() -> None:
    assert set(FUNCTIONS) <= CANONICAL, set(FUNCTIONS) - CANONICAL
    for key, entry in FUNCTIONS.items():
        assert key == engine_name(entry.name) == entry.name.lower()


def test_every_documented_function_is_implemented_or_refused() -> None:
    assert set(FUNCTIONS) == CANONICAL, CANONICAL - set(FUNCTIONS)
    for entry in FUNCTIONS.values():
        has_code = entry.kind in (EngineKind.SCALAR, EngineKind.AGGREGATE)
        assert (entry.implementation is not None) == has_code, entry.name
        assert entry.kind is not EngineKind.AGGREGATE or lang_functions.is_aggregate(entry.name), entry.name


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("strftime", EngineKind.SCALAR),  # an alias: the table takes canonical spellings only
        ("formatdate", EngineKind.SCALAR),  # a canonical name in the wrong case
        ("nosuchfunction", EngineKind.SCALAR),  # not in the language's list
        ("formatDate", EngineKind.SCALAR),  # registered twice
        ("concat", EngineKind.AGGREGATE),  # a kind the language contradicts
        ("avg", EngineKind.SCALAR),
    ],
)
def test_registering_what_the_language_does_not_say_fails(name: str, kind: EngineKind) -> None:
    before = dict(FUNCTIONS)
    with pytest.raises(ValueError):
        declare(name, kind, lambda *args: None)
    assert before == FUNCTIONS


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
