"""`trailq explain` and `trailq run` agree on columns: for every query of the language fixture and
the catalogs that the local engine runs, `analysis.output_columns` (when known) is the engine's
columns without `@ptr`, and a stats result carries no `@ptr`."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

from trailq import catalog
from trailq.engine import run_local
from trailq.errors import CatalogError, QueryError, UnsupportedLocally
from trailq.lang import analysis, parse
from trailq.lang import ast as A

TESTS = Path(__file__).resolve().parents[1]
ROUNDTRIP = TESTS / "lang" / "roundtrip_queries.txt"
CASES = Path(__file__).parent / "cases" / "commands.json"


def _fixture_queries() -> list[tuple[str, str]]:
    chunks = re.split(r"(?m)^---\n", ROUNDTRIP.read_text(encoding="utf-8"))
    return [(f"roundtrip #{i}", chunk) for i, chunk in enumerate(chunks) if chunk.strip()]


def _catalog_queries() -> list[tuple[str, str]]:
    # The built-in catalog (its texts live in insights/*.insights), rendered with the defaults.
    found: list[tuple[str, str]] = []
    for query in catalog.load(include_cwd=False).queries.values():
        try:
            found.append((f"catalog {query.name}", query.render()))
        except CatalogError:
            continue  # a required parameter without a default: its columns do not depend on it
    return found


QUERIES = _fixture_queries() + _catalog_queries()


@pytest.fixture(scope="module")
def events_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import json

    events = json.loads(CASES.read_text())["events"]
    path = tmp_path_factory.mktemp("columns") / "events.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(e) for e in events) + b"\n")
    return path


def _engine_columns(text: str, source: Path) -> tuple[A.Query, list[str]] | None:
    query = parse(text)
    try:
        result = run_local(query, name="columns", sources=[str(source)], time_range=None, workers=1)
    except UnsupportedLocally:
        return None
    return query, result.columns


def test_explain_and_run_report_the_same_columns(events_file: Path) -> None:
    compared = 0
    for label, text in QUERIES:
        try:
            engine = _engine_columns(text, events_file)
        except QueryError as exc:  # a fixture query the engine compiles but cannot run (placeholders)
            assert exc.category == "unsupported", f"{label}: {exc}"
            continue
        if engine is None:
            continue
        query, columns = engine
        expected = analysis.output_columns(query)
        if expected is None:
            continue
        aggregated = any(isinstance(c, A.Stats) for c in query.commands)
        assert columns == (expected if aggregated else [*expected, "@ptr"]), label
        compared += 1
    # Most of the fixture and every catalog query run locally: an empty comparison would prove nothing.
    assert compared >= 100, compared


def test_a_hand_built_query_names_unaliased_columns_by_their_printed_text(events_file: Path) -> None:
    # Nodes built by code have no source text; the column is the printer's text, as explain says,
    # not a Python repr.
    length = A.Call("strlen", (A.Field("eventName"),))
    query = A.Query((A.Fields((A.Projection(length),)),))
    result = run_local(query, name="built", sources=[str(events_file)], time_range=None, workers=1)
    assert result.columns == ["strlen(eventName)", "@ptr"] == [*analysis.output_columns(query), "@ptr"]  # type: ignore[misc]
    assert {row["strlen(eventName)"] for row in result.rows} == {"12", "9", "11"}

    counted = A.Query((A.Stats(aggregations=(A.Projection(A.Call("count", (A.Star(),))),), by=(A.Projection(A.Field("eventName")),)),))
    result = run_local(counted, name="built", sources=[str(events_file)], time_range=None, workers=1)
    assert result.columns == ["eventName", "count(*)"] == analysis.output_columns(counted)
