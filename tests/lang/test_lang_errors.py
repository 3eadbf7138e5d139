"""Each mistake of issue 3's "Done when", drawn exactly as the user sees it."""

from __future__ import annotations

import pytest

from trailq.errors import QueryError
from trailq.lang import parse


def rendered(text: str) -> str:
    with pytest.raises(QueryError) as info:
        parse(text, origin="query")
    return info.value.render()


def test_unclosed_string() -> None:
    assert rendered('fields a\n| filter eventName = "ConsoleLogin') == (
        'query:2:22: unclosed string: no closing " on this line\n'
        '| filter eventName = "ConsoleLogin\n'
        "                     ^^^^^^^^^^^^^"
    )


def test_unknown_function_points_at_its_name() -> None:
    assert rendered("filter ispresnt(errorCode)") == (
        "query:1:8: unknown function 'ispresnt'\n"
        "filter ispresnt(errorCode)\n"
        "       ^^^^^^^^"
    )


def test_unknown_function_has_a_hint() -> None:
    with pytest.raises(QueryError) as info:
        parse("filter ispresnt(errorCode)")
    assert info.value.hint == "did you mean ispresent()?"


def test_wrong_arity_spans_the_call() -> None:
    assert rendered("fields a | stats count(*) by bin(5m, 1h)") == (
        "query:1:30: bin() takes 1 argument, got 2\n"
        "fields a | stats count(*) by bin(5m, 1h)\n"
        "                             ^^^^^^^^^^^"
    )


def test_stray_pipe() -> None:
    assert rendered("fields a\n| | sort a") == (
        "query:2:1: stray '|': expected a command after it\n"
        "| | sort a\n"
        "^"
    )


def test_bad_regex_caret_at_the_regex() -> None:
    text = "filter eventName = 'x'\n| filter @message like /(?<name>ab/"
    assert rendered(text) == (
        "query:2:24: bad regex: missing ), unterminated subpattern at position 0\n"
        "| filter @message like /(?<name>ab/\n"
        "                       ^^^^^^^^^^^^"
    )


def test_sort_after_dedup() -> None:
    assert rendered("fields a | sort a desc | dedup a | sort a") == (
        "query:1:36: only limit may follow dedup, found 'sort'\n"
        "fields a | sort a desc | dedup a | sort a\n"
        "                                   ^^^^"
    )


def test_message_after_stats_is_a_warning_with_a_caret() -> None:
    q = parse("stats count(*) as n by eventName\n| display eventName, n, @message")
    assert [w.render() for w in q.warnings] == [
        "query:2:25: warning: '@message' is not defined by the stats before it (count(*), eventName, n); the "
        "Stats page says only those fields can be used after stats; locally the field is empty on every stats "
        "row [field-after-stats]\n"
        "| display eventName, n, @message\n"
        "                        ^^^^^^^^"
    ]
    with pytest.raises(QueryError) as info:
        parse("stats count(*) as n by eventName\n| display eventName, n, @message", strict=True)
    assert info.value.category == "semantic" and "[field-after-stats; an error under --strict]" in info.value.message


def test_unknown_command_has_a_hint() -> None:
    with pytest.raises(QueryError) as info:
        parse("fields a | filtr b = 1")
    assert info.value.category == "unknown-command"
    assert info.value.hint == "did you mean 'filter'?"


def test_at_most_ten_stats() -> None:
    text = "stats count(*) as n by a" + " | stats count(*) as n by n" * 9
    assert len(parse(text).commands) == 10
    with pytest.raises(QueryError) as info:
        parse(text + " | stats count(*) as n by n")
    assert info.value.category == "semantic"
    assert info.value.span.start == len(text) + 3


def test_fields_created_after_stats_are_usable() -> None:
    parse("stats count(*) as n by a | fields n * 2 as twice | filter twice > 4 | sort twice desc")
    parse("stats max(@timestamp) as @t, count(*) as n by a | stats sum(n) by dateceil(@t, 5m)")
    parse("stats count(*) as n by bin(1h) | sort bin(1h)")


def test_parse_after_stats_of_a_field_stats_did_not_define_is_a_warning() -> None:
    q = parse("stats count(*) by a | parse @message 'x=*' as x")
    assert [w.rule for w in q.warnings] == ["field-after-stats"]
