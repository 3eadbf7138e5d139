"""Syntax the Logs Insights pages use, pinned as parsed: boolean literals (operations-functions,
String functions: strcontains "set to `true`") and the unquoted URL of the Sample queries page
(Apache server logs)."""

from __future__ import annotations

import pytest
from lang_support import sexpr

from trailq.errors import QueryError
from trailq.lang import ast as A
from trailq.lang import format_query, parse, to_text
from trailq.lang.analysis import output_columns


def only_expr(text: str) -> A.Expr:
    command = parse(text).commands[0]
    assert isinstance(command, A.Fields)
    return command.items[0].expr


@pytest.mark.parametrize(("written", "value"), [("true", True), ("false", False), ("TRUE", True), ("False", False)])
def test_string_functions_true_and_false_are_boolean_literals(written: str, value: bool) -> None:
    expr = only_expr(f'fields strcontains(@message, "x", {written}) as found')
    assert isinstance(expr, A.Call)
    assert sexpr(expr.args[2]) == f"(Boolean {value!r})"


def test_boolean_literal_prints_lower_case_and_round_trips() -> None:
    query = parse('fields strcontains(@message, "x", TRUE) as a | filter readOnly = False')
    assert to_text(query) == 'fields strcontains(@message, "x", true) as a\n| filter readOnly = false'
    assert parse(to_text(query)) == query


def test_a_field_named_true_is_written_with_backticks() -> None:
    assert sexpr(only_expr("fields `true`")) == '(Field "true")'
    assert sexpr(only_expr("fields true.flag")) == '(Field "true.flag")'
    # An unaliased literal names its column by its text, like any expression.
    assert output_columns(parse("fields true, false as f")) == ["true", "f"]


def test_a_call_named_true_is_still_an_unknown_function() -> None:
    with pytest.raises(QueryError) as caught:
        parse("fields true(1)")
    assert "unknown function 'true'" in str(caught.value)


def test_sample_queries_apache_unquoted_url_is_a_string_with_a_warning() -> None:
    text = 'filter status="200" and referrer= http://192.0.2.44/ and method= "GET"'
    query = parse(text)
    condition = query.commands[0].condition  # type: ignore[attr-defined]
    assert '(String "http://192.0.2.44/")' in sexpr(condition)
    assert [w.rule for w in query.warnings] == ["unquoted-url"]
    warning = query.warnings[0]
    assert text[warning.span.start : warning.span.end] == "http://192.0.2.44/"
    assert format_query(text) == 'filter status = "200" and referrer = "http://192.0.2.44/" and method = "GET"\n'


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("filter u = https://example.com/a?b=1&c=2#top | limit 1", "https://example.com/a?b=1&c=2#top"),
        ("filter u in [http://a/, http://b/]", "http://a/"),
        ("filter (u = ftp://files.example.com/x)", "ftp://files.example.com/x"),
    ],
)
def test_an_unquoted_url_ends_at_a_space_pipe_comma_or_bracket(text: str, url: str) -> None:
    query = parse(text)
    assert f'(String "{url}")' in sexpr(query.commands[0])
    assert all(w.rule == "unquoted-url" for w in query.warnings)


def test_a_name_followed_by_a_colon_is_still_a_syntax_error() -> None:
    with pytest.raises(QueryError) as caught:
        parse("filter referrer = http:")
    assert caught.value.category == "syntax"
