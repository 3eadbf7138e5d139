"""Query texts written by the project from AWS's pages of Logs Insights examples (Lambda, VPC flow
logs, Route 53, CloudTrail, API Gateway, NAT gateway, AppSync, Internet Monitor, dashboards and
the command pages) all validate (exit 0), and `fmt` keeps what every known query returns: the
same tree, the same output columns as `explain` reports them, idempotent, valid output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lang_support import fixture_queries

from trailq.catalog import explaining, validation
from trailq.lang import format_query, parse

PUBLISHED = Path(__file__).with_name("published_queries.txt")


def published_queries() -> list[str]:
    text = PUBLISHED.read_text(encoding="utf-8")
    return [chunk for chunk in re.split(r"(?m)^---\n", text) if chunk.strip()]


def _page(text: str) -> str:
    return next((line for line in text.splitlines() if line.startswith("# page:")), text.splitlines()[0])[8:70]


def test_every_example_page_is_covered() -> None:
    pages = " ".join(_page(q) for q in published_queries())
    for page in ("Lambda", "VPC flow logs", "Route 53", "CloudTrail", "API Gateway", "NAT gateway", "AppSync",
                 "Internet Monitor", "Dashboard", "unmask", "SOURCE", "parse", "stats", "filter", "dedup"):
        assert page in pages, page
    assert len(published_queries()) >= 60


@pytest.mark.parametrize("text", published_queries(), ids=_page)
def test_published_query_validates(text: str) -> None:
    report = validation.validate(query_text=text)
    assert report.exit_code == 0, report.messages


def _columns(text: str) -> list[str] | None:
    return explaining.explain(text, origin="q")["output_columns"]


@pytest.mark.parametrize("text", published_queries() + fixture_queries(), ids=_page)
def test_fmt_keeps_tree_and_columns(text: str) -> None:
    formatted = format_query(text, placeholders=False)
    assert parse(formatted) == parse(text)
    assert format_query(formatted) == formatted
    assert validation.validate(query_text=formatted).exit_code == 0
    assert _columns(formatted) == _columns(text)


def test_fmt_keeps_the_spelling_that_names_a_column() -> None:
    text = "stats count_distinct(@requestId), avg (f1) by bin (1min)"
    formatted = format_query(text)
    assert formatted == text + "\n"
    assert _columns(formatted) == ["bin (1min)", "count_distinct(@requestId)", "avg (f1)"]
    assert format_query("fields abs(f3-f4), COUNT_x") == "fields abs(f3-f4), COUNT_x\n"
    assert format_query("display  abs( f3 -  f4 )") == "display abs( f3 - f4 )\n"
    # an aliased expression is free to be canonical: its column is the alias
    assert format_query("stats count_distinct(x) as n") == "stats countDistinct(x) as n\n"


def test_fmt_keeps_the_quote_style_that_needs_no_escape() -> None:
    assert format_query("""filter msg like 'say "hi"'""") == """filter msg like 'say "hi"'\n"""
    assert format_query("filter a = 'plain'") == 'filter a = "plain"\n'
    assert format_query(r'filter a like "C:\temp"') == 'filter a like "C:\\temp"\n'


def test_explain_lists_warnings_with_their_rule_and_source() -> None:
    report = explaining.explain("stats count(*) by bin(1h)\n| sort by @timestamp")
    assert [(w["rule"], w["line"], w["column"]) for w in report["warnings"]] == [
        ("sort-by", 2, 8), ("field-after-stats", 2, 11)
    ]
    assert "Stats" in report["warnings"][1]["source"]
    assert "warning:     2:8: 'sort by' is read as 'sort'" in explaining.to_text(report)
