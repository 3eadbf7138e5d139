"""The local engine's value model, its rendering and its ordering.

Values inside the interpreter are plain Python objects:

- ``None``            null: a field the record does not have, or a function with no answer
- ``str``             text (every discovered JSON string, parse captures, string functions)
- ``int`` / ``float`` numbers (JSON numbers, arithmetic, aggregations)
- ``bool``            results of comparisons and predicates (rendered "1"/"0", see semantics.md)
- ``Timestamp``       a point in time in epoch milliseconds (``@timestamp``, ``bin()``, ``datefloor()``)
- ``dict`` / ``list`` maps and lists (``jsonParse``, ``parse … logfmt``, ``split``, ``values()``)

GetQueryResults returns every value as a string; `render_value` is the one place that
turns an engine value into that string, so the local and CloudWatch backends can be compared
cell by cell. `natural_sort_key` implements the documented "updated natural sort" and is shared
with the AWS backend, which re-sorts rows merged from split time windows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Union

import orjson

from trailq.numbers import INT_LIMIT, bounded, from_text
from trailq.ordering import text_sort_key

__all__ = [
    "Timestamp",
    "Value",
    "render_value",
    "natural_sort_key",
    "sort_key",
    "to_number",
    "to_text",
    "is_number_like",
    "compare_values",
    "values_equal",
    "parse_event_time_ms",
    "event_times_ms",
    "format_timestamp_ms",
]


@dataclass(frozen=True, order=True)
class Timestamp:
    """A point in time, epoch milliseconds (UTC). Renders as ``YYYY-MM-DD HH:MM:SS.mmm``."""

    epoch_ms: int

    def __str__(self) -> str:
        return format_timestamp_ms(self.epoch_ms)


Value = Union[None, str, int, float, bool, Timestamp, dict[str, Any], list[Any]]  # noqa: UP007 - a runtime alias, None first

# A string that reads as a number (JSON-style, optional sign and exponent), for comparisons
# and arithmetic on parsed text ("Status Code: 404" compared with 400).
_NUMERIC_TEXT = re.compile(r"\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*")
_INT_TEXT = re.compile(r"\s*[-+]?\d+\s*")
# Integral floats up to this size render without ".0" ("3", not "3.0"); beyond it, repr's exponent form.
_INTEGRAL_RENDER_LIMIT = 1e15


def format_timestamp_ms(epoch_ms: int) -> str:
    """``2024-05-19 06:10:35.743``: the form GetQueryResults uses for @timestamp (UTC)."""
    seconds, millis = divmod(int(epoch_ms), 1000)
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return f"{moment:%Y-%m-%d %H:%M:%S}.{millis:03d}"


# The form nearly every CloudTrail record uses (``2023-07-19T21:44:40Z``), read without datetime:
# the minute (``2023-07-19T21:44:``) is checked and converted once and cached, the seconds are two
# ASCII digits. Anything else goes the general way below. Both give the same answers
# (tests/engine/test_fastpaths.py).
_ZULU_MINUTE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}):([0-9]{2}):")
_MINUTE_MS: dict[str, int | None] = {}  # epoch ms of a minute's start (None: not a valid minute)
_MINUTE_CACHE_LIMIT = 100_000
_SECOND_MS = {f"{second:02d}": second * 1000 for second in range(60)}  # one lookup checks and converts
_SECOND_Z_MS = {f"{second:02d}Z": ms for second, ms in enumerate(_SECOND_MS.values())}  # the last 3 characters


def _minute_ms(prefix: str) -> int | None:
    known = _MINUTE_MS.get(prefix, -1)
    if known != -1:
        return known
    moment: int | None = None
    if _ZULU_MINUTE.fullmatch(prefix):
        try:
            moment = int(datetime.fromisoformat(prefix + "00+00:00").timestamp()) * 1000
        except ValueError:
            moment = None  # month 13, February 30, hour 24, minute 60 …
    if len(_MINUTE_MS) >= _MINUTE_CACHE_LIMIT:
        _MINUTE_MS.clear()
    _MINUTE_MS[prefix] = moment
    return moment


def parse_event_time_ms(text: Any) -> int | None:
    """CloudTrail ``eventTime`` (``2023-07-19T21:44:40Z``, also with fractions, an offset or a space) → epoch ms.

    Returns None for anything that is not an ISO 8601 date and time; the caller reports it.
    """
    if type(text) is str and len(text) == 20 and text[19] == "Z":
        second = _SECOND_MS.get(text[17:19])  # None unless two ASCII digits below 60
        if second is not None:
            minute = _MINUTE_MS.get(text[:17])
            if minute is None:
                minute = _minute_ms(text[:17])  # not seen yet, or not a valid minute
            if minute is not None:
                return minute + second
    return parse_event_time_ms_general(text)


def event_times_ms(records: list[Any]) -> list[int | None]:
    """`parse_event_time_ms` of each record's eventTime (None for what is not a dict), for a whole
    block in one call: the usual form is read inline, without a function call per record."""
    seconds, minutes = _SECOND_Z_MS, _MINUTE_MS
    out: list[int | None] = []
    append = out.append
    for record in records:
        text = record.get("eventTime") if type(record) is dict else None
        if type(text) is str:
            second = seconds.get(text[17:])  # found only for 20 characters ending in `SSZ`
            if second is not None:
                minute = minutes.get(text[:17])
                if minute is not None:
                    append(minute + second)
                    continue
        append(parse_event_time_ms(text))
    return out


def parse_event_time_ms_general(text: Any) -> int | None:
    """`parse_event_time_ms` for every form, through datetime (the reference for the fast form)."""
    if not isinstance(text, str) or len(text) < 19:
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    # Python before 3.11 accepts at most 6 fraction digits; some published records carry 9.
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2})(\.\d+)?(.*)", value)
    if not match:
        return None
    base, fraction, rest = match.groups()
    fraction = (fraction or "")[:7]
    try:
        moment = datetime.fromisoformat(base + fraction + rest)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(round(moment.timestamp() * 1000))


def _render_number(number: int | float) -> str | None:
    if isinstance(number, int):
        if -INT_LIMIT < number < INT_LIMIT:
            return str(number)
        as_double = bounded(number)  # an aggregate grown past 2^63: a double (numbers.py)
        if as_double is None:
            return None
        number = as_double
    if not math.isfinite(number):
        return None
    if number == int(number) and abs(number) < _INTEGRAL_RENDER_LIMIT:
        return str(int(number))
    return repr(number)


def render_value(value: Value) -> str | None:
    """The string GetQueryResults would return for a value (None: the field is absent from the row).

    Strings as they are; numbers as JSON number text (integral results without a fraction);
    booleans as "1"/"0"; timestamps as ``YYYY-MM-DD HH:MM:SS.mmm`` UTC; maps and lists as compact JSON.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return _render_number(value)
    if isinstance(value, Timestamp):
        try:
            return format_timestamp_ms(value.epoch_ms)
        except (OverflowError, ValueError, OSError):
            return None  # a time outside years 1-9999 cannot be written: null, like a non-finite number
    if isinstance(value, (dict, list)):
        return orjson.dumps(value, default=_json_default).decode()
    return str(value)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, Timestamp):
        return format_timestamp_ms(obj.epoch_ms)
    raise TypeError(f"cannot render {type(obj).__name__}")


def to_text(value: Value) -> str | None:
    """A value as text for string functions; maps and lists are null to them (documented)."""
    if isinstance(value, (dict, list)):
        return None
    return render_value(value)


def to_number(value: Value) -> int | float | None:
    """A value as a number for arithmetic and numeric functions, or None when it is not one."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value if not (isinstance(value, float) and math.isnan(value)) else None
    if isinstance(value, Timestamp):
        return value.epoch_ms
    if isinstance(value, str) and _NUMERIC_TEXT.fullmatch(value):
        # numbers.py: integers beyond 2^63 (and 5,000-digit text) are doubles, inf is no number.
        number = from_text(value)
        return number if not isinstance(number, float) or math.isfinite(number) else None
    return None


def is_number_like(value: Value) -> bool:
    return to_number(value) is not None


def _is_numeric_kind(value: Value) -> bool:
    return isinstance(value, (bool, int, float, Timestamp))


def compare_values(left: Value, right: Value) -> int | None:
    """Three-way comparison for the comparison operators; None when the values are not comparable.

    Numbers compare numerically, and so does text against a number when the text reads as a
    number (the documented ``parse … as statusCode | filter statusCode >= 400``). Text against
    text compares by code point. Null, maps and lists are never comparable.
    """
    if left is None or right is None:
        return None
    if isinstance(left, (dict, list)) or isinstance(right, (dict, list)):
        return None
    if isinstance(left, bool) or isinstance(right, bool):
        # A JSON true/false reads as the text `true`/`false`, so `readOnly = true` compares it as a boolean.
        left, right = _boolean_of_text(left), _boolean_of_text(right)
    if _is_numeric_kind(left) or _is_numeric_kind(right):
        a, b = to_number(left), to_number(right)
        if a is None or b is None:
            # A number against text that is not numeric: compare their renderings as text.
            ta, tb = render_value(left), render_value(right)
            if ta is None or tb is None:
                return None
            return (ta > tb) - (ta < tb)
        return (a > b) - (a < b)
    ta, tb = render_value(left), render_value(right)
    if ta is None or tb is None:
        return None
    return (ta > tb) - (ta < tb)


def _boolean_of_text(value: Value) -> Value:
    """The text `true`/`false` (any case) as a boolean, for a comparison with a boolean; else the value."""
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "false"):
            return word == "true"
    return value


def values_equal(left: Value, right: Value) -> bool | None:
    """Equality for ``=``, ``in`` and dedup-free grouping tests; None when either side is null."""
    order = compare_values(left, right)
    if order is None:
        return None
    return order == 0


def natural_sort_key(value: Value) -> tuple[Any, ...]:
    """Ascending key of the documented "updated natural sort" (reference §3.7).

    Non-number values come before number values. Number values are numbers, timestamps,
    booleans and strings made only of digits; they order by value (ties, such as ``0`` and
    ``00``, by their text). Non-number values order chunk by chunk (``trailq.ordering``).
    Null is not handled here: see `sort_key`.
    """
    if isinstance(value, bool):
        return (1, int(value), "")
    if isinstance(value, (int, float)):
        return (1, value, "")
    if isinstance(value, Timestamp):
        return (1, value.epoch_ms, "")
    text = render_value(value)
    if text is None:
        return (2,)
    return text_sort_key(text)


class _Reversed:
    """Wraps a key so that a plain ascending sort orders it descending (stable sorts keep ties)."""

    __slots__ = ("key",)

    def __init__(self, key: tuple[Any, ...]) -> None:
        self.key = key

    def __lt__(self, other: _Reversed) -> bool:
        return other.key < self.key

    def __gt__(self, other: _Reversed) -> bool:
        return other.key > self.key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and self.key == other.key

    def __le__(self, other: _Reversed) -> bool:
        return other.key <= self.key

    def __ge__(self, other: _Reversed) -> bool:
        return other.key >= self.key


def sort_key(value: Value, descending: bool) -> tuple[Any, ...]:
    """Key for one sort term: natural order, reversed for ``desc``; null always after every value."""
    if value is None or isinstance(value, (dict, list)):
        return (1, 0)
    key = natural_sort_key(value)
    return (0, _Reversed(key) if descending else key)
