"""Datetime scalar functions of Logs Insights (reference §4.5) and the period arithmetic that
`bin()` shares with them. Each registers itself in the engine's function table with `@scalar`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from trailq.engine.functions_text import text_args
from trailq.engine.registry import scalar
from trailq.engine.values import Timestamp, Value, to_number, to_text
from trailq.lang.units import CALENDAR_UNITS, MONTHS_PER_UNIT, UNIT_MILLISECONDS


@dataclass(frozen=True)
class Period:
    """A time period argument (`5m`), canonical unit one of ms s m h d w mo q y."""

    amount: float
    unit: str


# Documented caps for bin(): a larger number is capped (bin(300s) acts as 60 seconds).
_BIN_CAPS = {"ms": 1000, "s": 60, "m": 60, "h": 24}
# Weeks start on Monday 00:00 UTC; 1970-01-05 was the first Monday after the epoch.
_FIRST_MONDAY_MS = 4 * 86_400_000


def capped(period: Period) -> Period:
    cap = _BIN_CAPS.get(period.unit)
    if cap is not None and period.amount > cap:
        return Period(cap, period.unit)
    return period


def _months_since_epoch(epoch_ms: int) -> int:
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc)
    return (moment.year - 1970) * 12 + moment.month - 1


def _month_start_ms(months: int) -> int:
    year, month = divmod(months, 12)
    return calendar.timegm((1970 + year, month + 1, 1, 0, 0, 0)) * 1000


def floor_period_ms(epoch_ms: int, period: Period) -> int:
    """Round down to a multiple of the period: epoch-aligned for fixed units, calendar-aligned for months."""
    period = capped(period)
    amount = max(period.amount, 0)
    if amount <= 0:
        return epoch_ms
    if period.unit in CALENDAR_UNITS:
        months_per = MONTHS_PER_UNIT[period.unit] * int(amount or 1)
        months = _months_since_epoch(epoch_ms)
        return _month_start_ms(months - months % months_per)
    size = int(amount * UNIT_MILLISECONDS[period.unit])
    if size <= 0:
        return epoch_ms
    origin = _FIRST_MONDAY_MS if period.unit == "w" else 0
    return epoch_ms - (epoch_ms - origin) % size


def ceil_period_ms(epoch_ms: int, period: Period) -> int:
    """Round up to the period; a time already on a boundary stays (see semantics.md)."""
    floor = floor_period_ms(epoch_ms, period)
    if floor == epoch_ms:
        return epoch_ms
    period = capped(period)
    if period.unit in CALENDAR_UNITS:
        months_per = MONTHS_PER_UNIT[period.unit] * int(period.amount or 1)
        return _month_start_ms(_months_since_epoch(floor) + months_per)
    origin_size = int(period.amount * UNIT_MILLISECONDS[period.unit])
    return floor + origin_size


# An ISO 8601 date and time in text (a field such as CloudTrail's `eventTime`): date, time to the
# minute, optional seconds and fraction, optional zone (none: UTC). The seconds may carry a leading
# zero: the toMillis example of operations-functions converts `2022-01-14T13:18:031.000-08:00`.
_ISO_TEXT = re.compile(
    r"\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2,3})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?\s*"
)


def iso_text_ms(text: str) -> int | None:
    """Epoch ms of an ISO 8601 date and time written as text; None when the text is not one."""
    match = _ISO_TEXT.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), tzinfo=timezone.utc)
    except ValueError:
        return None  # month 13, second 75, ...
    millis = int((fraction or "0")[:3].ljust(3, "0"))
    offset_minutes = 0
    if zone and zone not in ("Z", "z"):
        digits = zone[1:].replace(":", "")
        offset_minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
        offset_minutes = offset_minutes if zone[0] == "+" else -offset_minutes
    return int(moment.timestamp()) * 1000 + millis - offset_minutes * 60_000


def as_timestamp_ms(value: Value) -> int | None:
    """A time argument in epoch ms: a timestamp, a number of ms, or text holding either an ISO 8601
    date and time (a field such as `eventTime`) or a number."""
    if isinstance(value, Timestamp):
        return value.epoch_ms
    number = to_number(value)
    if number is not None:
        return int(number)
    return iso_text_ms(value) if isinstance(value, str) else None


# --- datetimes -------------------------------------------------------------------------------


def _rounded(value: Value, period: Value, rounding: Callable[[int, Period], int]) -> Value:
    epoch_ms = as_timestamp_ms(value)
    if epoch_ms is None or not isinstance(period, Period):
        return None
    return Timestamp(rounding(epoch_ms, period))


@scalar("datefloor")
def date_floor(value: Value, period: Value) -> Value:
    return _rounded(value, period, floor_period_ms)


@scalar("dateceil")
def date_ceil(value: Value, period: Value) -> Value:
    return _rounded(value, period, ceil_period_ms)


@scalar("fromMillis")
def from_millis(value: Value) -> Value:
    number = to_number(value)
    return None if number is None else Timestamp(int(number))


@scalar("toMillis")
def to_millis(value: Value) -> Value:
    return as_timestamp_ms(value)


# Java DateTimeFormatter pattern letters (by letter and count) → strftime, for parseDate. strptime reads
# one or two digits for %m %d %H %I %M %S, so `M`/`MM`, `d`/`dd`, ... map alike; `X`, `x`, `Z`
# (offsets, `Z` for UTC) are %z; a fraction of any width is %f. Text in single quotes is literal,
# `''` is a quote. A letter not listed (zone names `z`, `VV`, week fields) makes the pattern
# unusable: parseDate is then null, never a guess.
_JAVA_LETTERS: dict[str, Callable[[int], str | None]] = {
    "y": lambda n: "%y" if n == 2 else "%Y",
    "u": lambda n: "%y" if n == 2 else "%Y",
    "M": lambda n: "%B" if n >= 4 else "%b" if n == 3 else "%m",
    "L": lambda n: "%B" if n >= 4 else "%b" if n == 3 else "%m",
    "d": lambda n: "%d" if n <= 2 else None,
    "H": lambda n: "%H" if n <= 2 else None,
    "h": lambda n: "%I" if n <= 2 else None,
    "m": lambda n: "%M" if n <= 2 else None,
    "s": lambda n: "%S" if n <= 2 else None,
    "S": lambda n: "%f" if n <= 6 else None,
    "a": lambda n: "%p",
    "E": lambda n: "%A" if n >= 4 else "%a",
    "D": lambda n: "%j",
    "X": lambda n: "%z",
    "x": lambda n: "%z",
    "Z": lambda n: "%z",
}


def _java_to_strftime(pattern: str) -> str | None:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "'":
            close = pattern.find("'", i + 1)
            if close < 0:
                return None
            literal = pattern[i + 1 : close] if close > i + 1 else "'"  # '' is one quote
            out.append(literal.replace("%", "%%"))
            i = close + 1
            continue
        if ch.isalpha():
            run = len(pattern) - i - len(pattern[i:].lstrip(ch))
            directive = _JAVA_LETTERS[ch](run) if ch in _JAVA_LETTERS else None
            if directive is None:
                return None
            out.append(directive)
            i += run
            continue
        out.append("%%" if ch == "%" else ch)
        i += 1
    return "".join(out)


@scalar("parseDate")
@text_args
def parse_date(text: str, fmt: Value, tz: Value = None) -> Value:
    pattern = to_text(fmt)
    if pattern is None:
        return None
    zone = _zone(tz)
    if zone is None:
        return None
    strftime_pattern = _java_to_strftime(pattern)
    if strftime_pattern is None:
        return None
    try:
        moment = datetime.strptime(text, strftime_pattern)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return int(moment.timestamp() * 1000)


def _zone(tz: Value) -> tzinfo | None:
    """The time zone argument of parseDate/formatDate: none or `UTC` is UTC, `+05:30`/`-0800` an
    offset, else an IANA name (`America/New_York`, daylight saving included). A zone that is none of
    these is None, and the function's answer null: reading it as UTC would shift every value."""
    text = to_text(tz) if tz is not None else None
    if not text or text.strip().upper() in ("UTC", "Z", "GMT"):
        return timezone.utc
    text = text.strip()
    match = re.fullmatch(r"(?:UTC|GMT)?([+-])(\d{2}):?(\d{2})?", text, re.IGNORECASE)
    if match:
        sign = 1 if match.group(1) == "+" else -1
        return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0)))
    try:
        return ZoneInfo(text)
    except (ValueError, OSError, ZoneInfoNotFoundError):  # an unknown or malformed name
        return None


@scalar("formatDate")
def format_date(value: Value, fmt: Value, tz: Value = None) -> Value:
    epoch_ms = as_timestamp_ms(value)
    pattern = to_text(fmt)
    zone = _zone(tz)
    if epoch_ms is None or pattern is None or zone is None:
        return None
    try:
        moment = datetime.fromtimestamp(epoch_ms / 1000, tz=zone)
    except (OverflowError, ValueError, OSError):
        return None  # beyond years 1-9999: no date to write (docs/semantics.md, "Numbers")
    return moment.strftime(pattern)
