"""Number overflow (docs/semantics.md, "Numbers"): integers exact below 2^63, doubles beyond, non-finite is null."""

from __future__ import annotations

import json

import pytest

from trailq.engine import run_local
from trailq.lang import parse, to_text
from trailq.numbers import bounded, from_text, power


def _one_row(tmp_path, query: str, record: dict | None = None) -> dict:
    path = tmp_path / "events.json"
    path.write_text(json.dumps(record or {"eventTime": "2026-11-20T10:00:00Z", "eventName": "ConsoleLogin"}) + "\n")
    result = run_local(parse(query), name="t", sources=[str(path)], time_range=None)
    assert result.ok, result.error
    return {k: v for k, v in result.rows[0].items() if k != "@ptr"}


def test_a_huge_power_is_null_not_a_crash(tmp_path):
    assert _one_row(tmp_path, "fields 2^100000 as p, 10^400 as q, (-2)^100001 as r | display p, q, r") == {}


def test_integers_are_exact_below_two_to_the_63_and_doubles_beyond(tmp_path):
    row = _one_row(tmp_path, "fields 2^62 as a, 9223372036854775807 + 1 as b, 10^20 as c, 2^0.5 as d | display a, b, c, d")
    assert row == {"a": "4611686018427387904", "b": "9.223372036854776e+18", "c": "1e+20", "d": "1.4142135623730951"}


def test_a_5000_digit_literal_parses_and_prints_back():
    text = "fields " + "9" * 5000 + " as p"
    assert to_text(parse(text)) == text


def test_a_5000_digit_number_in_a_record_is_no_number(tmp_path):
    record = {"eventTime": "2026-11-20T10:00:00Z", "big": "9" * 5000, "small": "12345678901234567890"}
    row = _one_row(tmp_path, "fields big + 1 as a, big > 5 as b, small + 0 as c | display a, b, c, big", record)
    # No arithmetic on it (a is null); it still compares as larger than 5; 20 digits become a double.
    assert row == {"b": "1", "c": "1.2345678901234567e+19", "big": "9" * 5000}


def test_dates_beyond_year_9999_are_null(tmp_path):
    row = _one_row(tmp_path, "fields fromMillis(10^300) as a, dateceil(@timestamp, 99999y) as b, fromMillis(0) as c | display a, b, c")
    assert row == {"c": "1970-01-01 00:00:00.000"}


@pytest.mark.parametrize("text, value", [("12", 12), ("-12", -12), ("9" * 19, float("9" * 19)), ("9" * 5000, float("inf"))])
def test_from_text(text, value):
    assert from_text(text) == value


def test_bounded_and_power():
    assert bounded(2**63) == float(2**63) and bounded(2**62) == 2**62
    assert bounded(10**400) is None and bounded(float("inf")) is None
    assert power(2, 10) == 1024 and power(2, 100000) is None and power(-8, 1 / 3) is None and power(4, 0.5) == 2.0


def test_round_to_any_number_of_places_is_immediate(tmp_path):
    # round(x, 1e20) computed 10**(10**20) and never ended; beyond 308 places a double has no digit to round.
    query = ("fields round(1.5, 1e20) as a, round(1.5, -1e20) as b, round(1e300, 20) as c, round(123.456, -1) as d,"
             " round(2.5) as e, round(-2.5) as f | display a, b, c, d, e, f")
    assert _one_row(tmp_path, query) == {"a": "1.5", "b": "0", "c": "1e+300", "d": "120", "e": "3", "f": "-3"}
