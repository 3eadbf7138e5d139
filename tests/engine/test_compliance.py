"""Data-driven compliance cases: tests/engine/cases/*.json.

Each file: {"events": [...shared records...], "cases": [{"name", "query", "events"?, "rows"?,
"columns"?, "error"?}]}. Rows are compared without @ptr (opaque); "columns" includes it when given.
"error" is a QueryError category (unsupported, syntax, ...) the query must raise.
"""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from trailq.engine import run_local
from trailq.errors import QueryError
from trailq.lang import parse

CASES_DIR = Path(__file__).parent / "cases"


def _load() -> list:
    params = []
    for path in sorted(CASES_DIR.glob("*.json")):
        data = json.loads(path.read_text())
        for case in data["cases"]:
            events = case.get("events", data.get("events", []))
            params.append(pytest.param(case, events, id=f"{path.stem}:{case['name']}"))
    return params


@pytest.mark.parametrize(("case", "events"), _load())
def test_case(case: dict, events: list, tmp_path: Path) -> None:
    source = tmp_path / "events.jsonl"
    source.write_bytes(b"\n".join(orjson.dumps(e) for e in events) + b"\n")
    if "error" in case:
        with pytest.raises(QueryError) as caught:
            run_local(parse(case["query"]), name="case", sources=[str(source)], time_range=None, workers=1)
        assert caught.value.category == case["error"]
        return
    result = run_local(parse(case["query"]), name="case", sources=[str(source)], time_range=None, workers=1)
    if "columns" in case:
        assert result.columns == case["columns"]
    rows = [{k: v for k, v in row.items() if k != "@ptr"} for row in result.rows]
    assert rows == case["rows"]


def test_calendar_offset_is_refused_before_reading_with_a_caret_at_the_offset() -> None:
    from trailq.engine import check_supported
    from trailq.errors import UnsupportedLocally

    text = "stats count(*) as n by bin(1d) offset 1mo"
    with pytest.raises(UnsupportedLocally) as caught:
        check_supported(parse(text))
    assert caught.value.exit_code == 7
    assert text[caught.value.span.start : caught.value.span.end] == "1mo"
