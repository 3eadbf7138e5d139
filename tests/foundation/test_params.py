"""Parameters become one literal each: no value can change the query's structure."""

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailq import lang
from trailq.catalog.params import Param, literal, parse_assignments, render
from trailq.errors import CatalogError
from trailq.lang import ast

HOSTILE = [
    'alice" | fields @message #',
    "a\\",
    "a\\\" or 1=1",
    "x\n| stats count(*) by @message",
    "# rest is a comment",
    "/etc/passwd/",
    "]) | display @message",
    "{{other}}",
    "'single' \"double\" `tick`",
    "\t\r\n",
    "",
]

TEMPLATE = (
    "filter userIdentity.userName = {{v}} and eventName in {{names}}\n"
    "| filter sourceIPAddress like {{pattern}}\n| stats count(*) by bin({{period}})\n| limit {{n}}\n"
)
DECLARED = {
    "v": Param("v", "string"),
    "names": Param("names", "list"),
    "pattern": Param("pattern", "regex"),
    "period": Param("period", "duration"),
    "n": Param("n", "number"),
}
BENIGN = {"v": "alice", "names": "ConsoleLogin", "pattern": "10", "period": "5m", "n": "10"}


def literals_of(node):
    """Every literal value in an AST, in order (the parts a parameter may change)."""
    found = []

    def walk(value):
        if isinstance(value, (ast.String, ast.Regex)):
            found.append(value)
        elif dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                walk(getattr(value, f.name))
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(node)
    return found


def shape(node):
    """The AST with every string and regex literal blanked out: the query's structure."""
    if isinstance(node, ast.String):
        return ("String",)
    if isinstance(node, ast.Regex):
        return ("Regex",)
    if isinstance(node, ast.ListLiteral):
        return ("List",)
    if dataclasses.is_dataclass(node):
        return (type(node).__name__,) + tuple(shape(getattr(node, f.name)) for f in dataclasses.fields(node) if f.compare)
    if isinstance(node, (list, tuple)):
        return tuple(shape(item) for item in node)
    return node


def regex_value(node: ast.Regex) -> str:
    return re.sub(r"\\/", "/", node.pattern)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_string_and_list_values_keep_the_structure(value):
    benign = lang.parse(render(TEMPLATE, DECLARED, BENIGN, "q"))
    hostile = lang.parse(render(TEMPLATE, DECLARED, {**BENIGN, "v": value, "names": f"{value},b"}, "q"))
    assert shape(hostile) == shape(benign)
    strings = [lit.value for lit in literals_of(hostile) if isinstance(lit, ast.String)]
    assert strings[0] == value
    expected_items = [item.strip() for item in f"{value},b".split(",")]
    assert strings[1 : 1 + len(expected_items)] == expected_items


@pytest.mark.parametrize("pattern", ["a/b", "a\\/b", "^/api/v1/", "(?i)root", "x#y", "a|b", "[/]"])
def test_regex_values_keep_the_structure(pattern):
    benign = lang.parse(render(TEMPLATE, DECLARED, BENIGN, "q"))
    parsed = lang.parse(render(TEMPLATE, DECLARED, {**BENIGN, "pattern": pattern}, "q"))
    assert shape(parsed) == shape(benign)
    regex = [lit for lit in literals_of(parsed) if isinstance(lit, ast.Regex)][0]
    assert regex_value(regex) == pattern.replace("\\/", "/")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_string_value_is_one_literal(value):
    benign = lang.parse(render(TEMPLATE, DECLARED, BENIGN, "q"))
    parsed = lang.parse(render(TEMPLATE, DECLARED, {**BENIGN, "v": value}, "q"))
    assert shape(parsed) == shape(benign)
    assert literals_of(parsed)[0].value == value


@pytest.mark.parametrize(
    "ptype, value",
    [
        ("number", "1 | fields @message"),
        ("number", "1e9"),
        ("duration", "5m | x"),
        ("duration", "5 parsecs"),
        ("regex", "(unclosed"),
        ("regex", "abc\\"),
    ],
)
def test_values_that_are_not_of_their_type_are_refused(ptype, value):
    with pytest.raises(CatalogError, match="parameter 'p'"):
        literal(Param("p", ptype), value)


def test_missing_and_unknown_parameters_name_the_parameter():
    with pytest.raises(CatalogError) as info:
        render("filter a = {{user}}", {"user": Param("user")}, {"usr": "x"}, "q")
    text = "\n".join(info.value.problems)
    assert "unknown parameter 'usr'" in text and "missing required parameter 'user'" in text


def test_assignments():
    assert parse_assignments(["a=1", "b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    with pytest.raises(CatalogError, match="KEY=VALUE"):
        parse_assignments(["novalue"])


def test_a_zero_duration_is_refused():
    with pytest.raises(CatalogError, match="must be positive"):
        literal(Param("window", "duration"), "0m")
    assert literal(Param("window", "duration"), "10m") == "10m"


@pytest.mark.parametrize("value, ok", [("5m", True), ("5minutes", True), ("1.5h", True), ("5M", False), ("5m | x", False), ("m5", False)])
def test_durations_are_what_the_lexer_reads_as_one_period(value, ok):
    if ok:
        assert literal(Param("w", "duration"), value) == value
    else:
        with pytest.raises(CatalogError, match="is not a duration"):
            literal(Param("w", "duration"), value)
