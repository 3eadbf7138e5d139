"""Value model: rendering as GetQueryResults does, the documented natural sort, comparisons."""

from __future__ import annotations

import random

from trailq.engine.values import (
    Timestamp,
    compare_values,
    natural_sort_key,
    parse_event_time_ms,
    render_value,
    sort_key,
    to_number,
)

# The documented ascending example of the "updated natural sort" (reference §3.7).
DOCUMENTED_ORDER = ["!:", "#", "*%04", "0#", "5A", "111A", "2345_", "@", "@_", "A", "A9876fghj", "a12345hfh", "0", "01", "1", "2", "3"]


def test_natural_sort_reproduces_documented_example() -> None:
    shuffled = list(DOCUMENTED_ORDER)
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled, key=natural_sort_key) == DOCUMENTED_ORDER


def test_descending_is_exact_reverse_and_nulls_last() -> None:
    values = ["b", None, "10", "9", "a2", "a10"]
    ascending = sorted(values, key=lambda v: sort_key(v, False))
    descending = sorted(values, key=lambda v: sort_key(v, True))
    assert ascending == ["a2", "a10", "b", "9", "10", None]
    assert descending == ["10", "9", "b", "a10", "a2", None]


def test_numbers_sort_numerically_among_digit_strings() -> None:
    assert sorted([12.5, "3", 2, True], key=natural_sort_key) == [True, 2, "3", 12.5]


def test_render_values() -> None:
    assert render_value(None) is None
    assert render_value("x") == "x"
    assert render_value(3) == "3"
    assert render_value(3.0) == "3"
    assert render_value(2.5) == "2.5"
    assert render_value(float("inf")) is None
    assert render_value(True) == "1" and render_value(False) == "0"
    assert render_value(Timestamp(1716099035743)) == "2024-05-19 06:10:35.743"
    assert render_value({"a": [1, "b"]}) == '{"a":[1,"b"]}'


def test_event_time_forms() -> None:
    assert parse_event_time_ms("2023-07-19T21:44:40Z") == 1689803080000
    assert parse_event_time_ms("2023-07-19T21:44:40.123Z") == 1689803080123
    assert parse_event_time_ms("2023-01-10 20:10:41") == 1673381441000
    assert parse_event_time_ms("2023-01-10 20:10:41.123456789") == 1673381441123
    assert parse_event_time_ms("2023-07-19T23:44:40+02:00") == 1689803080000
    assert parse_event_time_ms("redacted") is None
    assert parse_event_time_ms(None) is None


def test_comparisons_coerce_numeric_text() -> None:
    assert compare_values("404", 400) == 1
    assert compare_values("abc", 400) is not None
    assert compare_values(None, 1) is None
    assert compare_values({"a": 1}, 1) is None
    assert compare_values("b", "a") == 1
    assert to_number(" 12 ") == 12 and to_number("1.5e3") == 1500.0 and to_number("x") is None
