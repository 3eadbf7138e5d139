"""Data-driven compliance cases: cases/parse.json (query → AST summary per command) and
cases/errors.json (query → error category, line, column and caret length)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lang_support import sexpr

from trailq.errors import QueryError
from trailq.lang import parse
from trailq.source import line_col

CASES = Path(__file__).with_name("cases")


def load(name: str) -> list[dict]:
    return json.loads((CASES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", load("parse.json"), ids=lambda c: c["name"])
def test_parse_case(case: dict) -> None:
    query = parse(case["query"], placeholders=case.get("placeholders", False))
    assert [sexpr(c) for c in query.commands] == case["ast"]


@pytest.mark.parametrize("case", load("errors.json"), ids=lambda c: c["name"])
def test_error_case(case: dict) -> None:
    text = case["query"]
    with pytest.raises(QueryError) as info:
        parse(text, origin="q.insights")
    err, want = info.value, case["error"]
    line, col = line_col(text, err.span.start)
    assert (err.category, line, col, err.span.end - err.span.start) == (
        want["category"], want["line"], want["col"], want["length"]
    ), err.render()
    assert err.message == want["message"]
    assert err.render().startswith(f"q.insights:{line}:{col}: ")
    assert err.exit_code == 3


def test_every_error_category_is_covered() -> None:
    categories = {case["error"]["category"] for case in load("errors.json")}
    assert categories == {"syntax", "unknown-command", "unknown-function", "arity", "semantic"}
