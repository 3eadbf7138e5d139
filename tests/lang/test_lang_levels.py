"""Three levels of static checks (lang/diagnostics.py, docs/semantics.md "Static rules"):
project-written queries for every construct issue 16 names, modelled on the AWS page in each
case's `source`, each pinned to its level — accepted, warning (with its rules) or error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lang_support import REPO

from trailq.catalog import validation
from trailq.errors import QueryError
from trailq.lang import format_query, parse
from trailq.lang.analysis import output_columns
from trailq.lang.diagnostics import RULES

CASES = json.loads((Path(__file__).with_name("cases") / "levels.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_level(case: dict) -> None:
    text = case["query"]
    if case["level"] == "error":
        with pytest.raises(QueryError) as info:
            parse(text)
        assert info.value.category == case["category"], info.value.render()
        assert validation.validate(query_text=text).exit_code == 3
        return
    query = parse(text)
    assert [w.rule for w in query.warnings] == case.get("rules", []), [w.render() for w in query.warnings]
    report = validation.validate(query_text=text)
    assert report.exit_code == 0 and len(report.warnings) == len(case.get("rules", []))
    strict = validation.validate(query_text=text, strict=True)
    assert strict.exit_code == (3 if case["level"] == "warning" else 0)
    # fmt keeps the meaning: same tree, same columns, idempotent, and the output validates.
    formatted = format_query(text)
    again = parse(formatted)
    assert again == query and format_query(formatted) == formatted
    assert output_columns(again) == output_columns(query)


def test_every_level_and_rule_is_exercised() -> None:
    assert {c["level"] for c in CASES} == {"accepted", "warning", "error"}
    assert {rule for c in CASES for rule in c.get("rules", [])} == set(RULES)


def test_semantics_lists_every_warning_rule_with_its_level_and_source() -> None:
    text = (REPO / "docs" / "semantics.md").read_text(encoding="utf-8")
    section = text[text.index("## Static rules") :]
    section = section[: section.index("\n## ", 3)]
    for rule in RULES:
        assert re.search(rf"`{re.escape(rule)}`.*\| warning \|", section), rule
    assert "| error |" in section


# -- the round-trip property over the new constructs ------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SOURCES = st.lists(
    st.sampled_from(["SOURCE 'orders'", 'SOURCE "/aws/lambda/a-b"', "SOURCE `/aws/x.y`", "SOURCE lg-1",
                     "SOURCE /aws/lambda/fn start=-1h end=now", "SOURCE logGroups(namePrefix: ['/a'])"]),
    max_size=2,
)
COMMANDS = st.lists(
    st.sampled_from([
        "fields @timestamp, unmask(@message)", "fields unmask(@message) as m", "filter a == 1e3",
        "filter msg like 'say \"hi\"'", "filter msg like /one\ntwo/", 'parse "[*] *" lvl, rest',
        "stats count_distinct(@requestId), avg (f1) by bin (5m)", "sort by @timestamp desc",
        "fields abs(f3-f4), COUNT_x", "display  concat( a ,  b )", "filter x = 2.5E-3", "unmask", "limit 5",
    ]),
    min_size=1, max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(SOURCES, COMMANDS)
def test_new_constructs_round_trip(sources: list[str], commands: list[str]) -> None:
    text = "\n| ".join(sources + commands)
    try:
        query = parse(text)
    except QueryError:
        return  # e.g. a command after dedup-like rules; only valid text has to round-trip
    formatted = format_query(text)
    again = parse(formatted)
    assert again == query, formatted
    assert format_query(formatted) == formatted
    assert validation.validate(query_text=formatted).exit_code == 0
    assert output_columns(again) == output_columns(query)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab\"'\\ #|/\t", max_size=8), st.sampled_from(["'", '"']))
def test_string_literals_keep_their_value_through_fmt(value: str, quote: str) -> None:
    body = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    literal = f"{quote}{body}{quote}"
    text = f"filter x = {literal} | fields concat(x, {literal})"
    query = parse(text)
    formatted = format_query(text)
    assert parse(formatted) == query and format_query(formatted) == formatted
    assert output_columns(parse(formatted)) == output_columns(query)
