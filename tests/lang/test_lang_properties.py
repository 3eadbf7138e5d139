"""Hypothesis properties: arbitrary text lets only QueryError escape, spans stay in bounds
and increase, and generated ASTs survive print → parse unchanged."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trailq.errors import QueryError
from trailq.lang import ast as A
from trailq.lang import parse, to_text
from trailq.lang.lexer import tokenize
from trailq.lang.pratt import RESERVED
from trailq.source import Span

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FRAGMENTS = [
    "fields", "filter", "stats", "sort", "limit", "parse", "dedup", "display", "by", "as", "and", "or",
    "not", "in", "like", "desc", "count(*)", "bin(5m)", "sum(", "@message", "@timestamp", "a", "b.c",
    "`x-y`", "|", ",", "(", ")", "[", "]", "=", "!=", "=~", "<", "+", "-", "*", "/", "^", "%", '"s"',
    "'t'", "/re/", "/(?<n>x)/", "1", "2.5", "5m", "#c\n", "\n", " ", "{{p}}", "{{", "}}", '"', "'", "`",
    "\\", "SOURCE", "logGroups(", ":", "{", "}", "multi", "logfmt", "unnest", "into", "lookup", "OUTPUT",
]
query_like = st.lists(st.sampled_from(FRAGMENTS), max_size=25).map(" ".join)
any_text = st.one_of(st.text(max_size=120), query_like)


def spans_of(node: object, out: list[Span]) -> None:
    if dataclasses.is_dataclass(node):
        span = getattr(node, "span", None)
        if isinstance(span, Span):
            out.append(span)
        for f in dataclasses.fields(node):
            spans_of(getattr(node, f.name), out)
    elif isinstance(node, tuple):
        for item in node:
            spans_of(item, out)


@FAST
@given(any_text, st.booleans())
def test_only_query_errors_escape(text: str, placeholders: bool) -> None:
    try:
        query = parse(text, placeholders=placeholders)
    except QueryError as err:
        assert 0 <= err.span.start <= err.span.end <= len(text)
        err.render()
        return
    spans: list[Span] = []
    spans_of(query, spans)
    assert all(0 <= s.start <= s.end <= len(text) for s in spans)
    printed = to_text(query)
    assert parse(printed, placeholders=placeholders) == query


@FAST
@given(any_text)
def test_token_spans_in_bounds_and_increasing(text: str) -> None:
    try:
        tokens = tokenize(text)
    except QueryError:
        return
    previous_end = 0
    for tok in tokens:
        assert previous_end <= tok.start <= tok.end <= len(text)
        assert text[tok.start : tok.end] == tok.text
        previous_end = tok.end
    assert tokens[-1].kind == "eof"


# -- generated ASTs ----------------------------------------------------------------------------

names = st.one_of(
    st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,6}(\.[a-zA-Z0-9_]{1,4}){0,2}", fullmatch=True),
    st.sampled_from(["@timestamp", "@message", "@@x", "detail-type", "@aws.tag:x", "by", "and", "0a", "a b"]),
)
fields = names.map(A.Field)
strings = st.text(max_size=12).map(A.String)
numbers = st.one_of(st.integers(-1000, 10**9), st.integers(0, 10**6).map(lambda i: i / 100)).map(A.Number)
regexes = st.from_regex(r"[a-z0-9 .]{0,8}(\.\*)?(\\/x)?", fullmatch=True).map(A.Regex)
durations = st.builds(A.Duration, st.integers(0, 500), st.sampled_from(["ms", "s", "m", "h", "d", "min", "hrs"]))
literals = st.one_of(strings, numbers, durations)
leaves = st.one_of(fields, literals, regexes)
SCALARS = {"ispresent": (1, 1), "concat": (1, 3), "substr": (2, 3), "coalesce": (1, 3), "tolower": (1, 1)}


def compound(children: st.SearchStrategy) -> st.SearchStrategy:
    binary_ops = st.sampled_from(["or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "^"])
    calls = st.sampled_from(sorted(SCALARS)).flatmap(
        lambda name: st.lists(children, min_size=SCALARS[name][0], max_size=SCALARS[name][1]).map(
            lambda args: A.Call(name, tuple(args))
        )
    )
    return st.one_of(
        st.builds(A.Binary, binary_ops, children, children),
        st.builds(A.Unary, st.sampled_from(["not", "-"]), children),
        st.builds(A.Like, children, st.one_of(strings, regexes), st.booleans()),
        st.builds(A.Match, children, regexes),
        st.builds(A.In, children, st.lists(literals, max_size=3).map(lambda xs: A.ListLiteral(tuple(xs))), st.booleans()),
        calls,
        st.builds(A.Index, fields, numbers),
    )


exprs = st.recursive(leaves, compound, max_leaves=12)
projections = st.builds(A.Projection, exprs, st.one_of(st.none(), names))
commands = st.one_of(
    st.builds(A.Filter, exprs, st.sampled_from(["filter", "where"])),
    st.builds(A.Fields, st.lists(projections, min_size=1, max_size=3).map(tuple)),
    st.builds(A.Display, st.lists(projections, min_size=1, max_size=3).map(tuple)),
    st.builds(A.Sort, st.lists(st.builds(A.SortKey, exprs, st.sampled_from([None, True, False])), min_size=1, max_size=3).map(tuple)),
)
aggregations = st.one_of(
    st.just(A.Call("count", (A.Star(),))),
    st.builds(lambda e: A.Call("sum", (e,)), exprs),
    st.builds(lambda e: A.Call("max", (e,)), exprs),
)
stats = st.builds(
    A.Stats,
    st.lists(st.builds(A.Projection, aggregations, st.one_of(st.none(), names)), min_size=1, max_size=3).map(tuple),
    st.lists(st.builds(A.Projection, fields, st.none()), max_size=2).map(tuple),
)
limits = st.builds(A.Limit, st.integers(1, 100_000).map(A.Number), st.booleans())
param_names = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,5}", fullmatch=True).filter(lambda n: n.lower() not in RESERVED)
saved_queries = st.builds(
    lambda name, params: A.SavedQueryCall("$" + name, query_name=name, params=tuple(params.items())),
    st.one_of(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True), st.sampled_from(["Errors By Level", "a-b"])),
    st.dictionaries(param_names, literals, max_size=3),
)
binned_stats = st.builds(
    lambda aggs, period, shift: A.Stats(aggs, (A.Projection(A.Call("bin", (period,))),), offset=shift),
    st.lists(st.builds(A.Projection, aggregations, st.one_of(st.none(), names)), min_size=1, max_size=2).map(tuple),
    durations.filter(lambda d: d.amount > 0),
    durations,
)


@st.composite
def queries(draw: st.DrawFn) -> A.Query:
    body = draw(st.lists(st.one_of(commands, saved_queries), min_size=1, max_size=4))
    if draw(st.booleans()):
        body.append(draw(st.one_of(stats, binned_stats)))
    if draw(st.booleans()):
        body.append(draw(limits))
    return A.Query(tuple(body))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries())
def test_generated_asts_round_trip(query: A.Query) -> None:
    text = to_text(query)
    assert parse(text) == query, text
    assert to_text(parse(text)) == text


@FAST
@given(exprs)
def test_placeholders_print_back(expr: A.Expr) -> None:
    query = A.Query((A.Filter(A.Binary("and", expr, A.In(A.Field("a"), A.Placeholder("names")))),))
    assert parse(to_text(query), placeholders=True) == query
