"""analysis (command_io, aggregation, final sort/limit, output columns), the function
registry, and the literal spellings the catalog renders parameters into."""

from __future__ import annotations

import re

import pytest

from trailq.lang import ast as A
from trailq.lang import functions, parse
from trailq.lang.analysis import command_io, final_sort_limit, is_aggregating, output_columns, referenced_fields
from trailq.lang.lexer import encode_string, tokenize


def test_command_io() -> None:
    q = parse(
        "filter eventName = 'x' | parse @message /user=(?<user>\\w+)/ | fields tolower(user) as u, sourceIPAddress"
        " | stats count(*) as n, max(@timestamp) as last by u, bin(1h)"
    )
    filt, prs, flds, sts = q.commands
    assert command_io(filt, q) == ({"eventName"}, set())
    assert command_io(prs, q) == ({"@message"}, {"user"})
    assert command_io(flds, q) == ({"user", "sourceIPAddress"}, {"u"})
    assert command_io(sts, q) == ({"@timestamp", "u"}, {"n", "last", "u", "bin(1h)"})
    assert referenced_fields(q) == {"eventName", "@message", "user", "sourceIPAddress", "@timestamp", "u"}


def test_stats_aliases_used_inside_the_same_stats_are_not_reads() -> None:
    q = parse("stats max(a) as x, min(a) as y, x - y as spread")
    assert command_io(q.commands[0], q)[0] == {"a"}


def test_is_aggregating() -> None:
    assert is_aggregating(parse("filter a = 1 | stats count(*) by b"))
    assert is_aggregating(parse("pattern @message"))
    assert not is_aggregating(parse("filter a = 1 | sort @timestamp desc | limit 5"))


def test_final_sort_limit() -> None:
    keys, limit = final_sort_limit(parse("fields a | sort @timestamp desc | limit 50 | limit 20"))
    assert [(k.expr, k.descending) for k in keys] == [(A.Field("@timestamp"), True)]
    assert limit == 20
    keys, limit = final_sort_limit(parse("limit 5 | stats count(*) as n by a | sort n"))
    assert [k.expr for k in keys] == [A.Field("n")] and limit is None
    assert final_sort_limit(parse("fields a | limit {{n}}", placeholders=True)) == ((), None)


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        ("filter a = 1", ["@timestamp", "@message"]),
        ("fields a, b as c | fields d", ["a", "c", "d"]),
        ("fields a, b | display b, a = 1 as isA", ["b", "isA"]),
        ("stats count(*), avg(x) as m by bin(5m), y", ["bin(5m)", "y", "count(*)", "m"]),
        ("stats count( * ) by   bin(5m)", ["bin(5m)", "count( * )"]),
        ("filter @type = 'R' | parse @message /S: (?<a>\\d+) M: (?<b>\\d+)/", ["a", "b"]),
        ("fields a | lookup t a OUTPUT b", None),
    ],
)
def test_output_columns(text: str, columns: list[str] | None) -> None:
    assert output_columns(parse(text)) == columns


def test_unaliased_columns_are_named_by_source_text() -> None:
    q = parse("stats count(*) by bin(5m)")
    assert q.source_text(q.commands[0].aggregations[0].expr) == "count(*)"


def test_function_registry() -> None:
    assert functions.lookup("ISPRESENT").name == "ispresent"
    assert functions.lookup("isPresent").name == "ispresent"
    assert functions.lookup("count_distinct").name == "countDistinct"
    assert functions.lookup("strftime").name == "formatDate"
    assert functions.lookup("collect_values").name == "values"
    assert functions.lookup("nope") is None
    assert len(functions.CANONICAL_NAMES) == len(set(functions.CANONICAL_NAMES)) >= 85
    kinds = {functions.FUNCTIONS[n].kind for n in ("avg", "earliest", "concat")}
    assert kinds == {"aggregate", "stats", "scalar"}
    assert functions.is_aggregate("SortsLast") and not functions.is_aggregate("bin")


@pytest.mark.parametrize(
    "value",
    ["plain", 'say "hi"', "back\\slash", "line\nbreak\r\ttab", "# not a comment", "{{user}}", "\\d+", ""],
)
def test_catalog_string_literals_decode_intact(value: str) -> None:
    literal = encode_string(value)
    q = parse(f"filter a = {literal}")
    assert q.commands[0].condition.right == A.String(value)
    single = "'" + literal[1:-1].replace("\\\"", '"').replace("'", "\\'") + "'"
    assert parse(f"filter a = {single}").commands[0].condition.right == A.String(value)


def test_unknown_escape_keeps_both_characters() -> None:
    assert parse(r'filter a = "\d\q"').commands[0].condition.right == A.String("\\d\\q")


def test_catalog_regex_list_number_duration_literals() -> None:
    pattern = "a/b"
    literal = "/" + re.sub(r"(?<!\\)/", r"\\/", pattern) + "/"
    q = parse(f"filter a like {literal} and b in [\"x\", \"y\"] and c = -2.5 | stats count(*) by bin(15m)")
    cond = q.commands[0].condition
    assert cond.left.left.pattern.pattern == "a\\/b"
    assert re.search(cond.left.left.pattern.python_pattern(), "xa/by")
    assert cond.left.right.items.items == (A.String("x"), A.String("y"))
    assert cond.right.right == A.Number(-2.5)
    assert q.commands[1].by[0].expr.args[0] == A.Duration(15, "m")


def test_named_groups_translate_for_python() -> None:
    regex = A.Regex(r"(?<user>\w+) \(?<notagroup>")
    assert regex.python_pattern() == r"(?P<user>\w+) \(?<notagroup>"


def test_duration_units() -> None:
    assert A.Duration(2, "hrs").canonical_unit == "h"
    assert A.Duration(5, "m").milliseconds == 300_000


def test_tokenize_regex_versus_division() -> None:
    kinds = [t.kind for t in tokenize("filter a like /x/ | fields b / 2")]
    assert kinds.count("regex") == 1 and kinds.count("op") == 1


# -- offset, json, saved-query invocations ------------------------------------------------------


def test_json_command_reads_its_field_and_writes_its_alias() -> None:
    q = parse('fields jsonParse(@message) as doc | json field=doc "detail.user" as user')
    json_command = q.commands[1]
    assert isinstance(json_command, A.GenericCommand) and json_command.name == "json"
    assert command_io(json_command, q) == ({"doc"}, {"user"})


def test_json_after_stats_reading_a_field_stats_did_not_define_is_a_warning() -> None:
    q = parse('stats count(*) as n by x | json field=doc "a" as y')
    assert [(w.rule, w.text[w.span.start : w.span.end]) for w in q.warnings] == [("field-after-stats", "doc")]
    assert "'doc' is not defined by the stats before it" in q.warnings[0].message


def test_saved_query_invocation_is_opaque_to_static_checks() -> None:
    # The definition is in the account: after it any field may be read, and it may aggregate.
    q = parse('stats count(*) as n by x | $AddRate(window = 5m) | filter rate > 1')
    assert isinstance(q.commands[1], A.SavedQueryCall) and q.commands[1].name == "$AddRate"
    assert is_aggregating(parse("$Top(count = 10)"))
    assert parse("dedup a | $Top()").commands[1].query_name == "Top"
    assert output_columns(parse("$Top()")) is None


def test_offset_is_kept_on_stats_and_does_not_change_columns() -> None:
    q = parse("stats count(*) as n by bin(5m) as t offset 1h | sort t")
    stats = q.commands[0]
    assert isinstance(stats, A.Stats) and stats.offset == A.Duration(1, "h")
    assert output_columns(q) == ["t", "n"]
