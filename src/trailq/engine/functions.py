"""The deterministic scalar functions of Logs Insights (reference §4), by lower-cased name.

Each implementation takes already-evaluated argument values and returns a value of the
engine's model (`values.py`). Null in gives null out unless the function is about nulls
(`ispresent`, `coalesce`, `isempty`, `isblank`). Functions that need the event or the query's
time range (`bin`, `ispresent`, `now`, `queryStartTime`, ...) are evaluated by the interpreter
with a `CallContext`; they are listed in `CONTEXT_FUNCTIONS`.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import ipaddress
import math
import re
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Callable

import orjson

from trailq.engine.values import Timestamp, Value, render_value, to_number, to_text

__all__ = ["Period", "SCALARS", "CONTEXT_FUNCTIONS", "floor_period_ms", "ceil_period_ms", "compile_regex"]


@dataclass(frozen=True)
class Period:
    """A time period argument (`5m`), canonical unit one of ms s m h d w mo q y."""

    amount: float
    unit: str


_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}
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
    if period.unit in ("mo", "q", "y"):
        months_per = {"mo": 1, "q": 3, "y": 12}[period.unit] * int(amount or 1)
        months = _months_since_epoch(epoch_ms)
        return _month_start_ms(months - months % months_per)
    size = int(amount * _UNIT_MS[period.unit])
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
    if period.unit in ("mo", "q", "y"):
        months_per = {"mo": 1, "q": 3, "y": 12}[period.unit] * int(period.amount or 1)
        return _month_start_ms(_months_since_epoch(floor) + months_per)
    origin_size = int(period.amount * _UNIT_MS[period.unit])
    return floor + origin_size


def _as_timestamp_ms(value: Value) -> int | None:
    if isinstance(value, Timestamp):
        return value.epoch_ms
    number = to_number(value)
    return int(number) if number is not None else None


def _text_args(fn: Callable[..., Value]) -> Callable[..., Value]:
    """Null (or a map/list) in the first argument gives null."""

    def wrapped(*args: Value) -> Value:
        first = to_text(args[0]) if args else None
        if first is None:
            return None
        return fn(first, *args[1:])

    return wrapped


def _number_args(fn: Callable[..., Value]) -> Callable[..., Value]:
    """Every argument must be a number (or numeric text); otherwise null."""

    def wrapped(*args: Value) -> Value:
        numbers = [to_number(a) for a in args]
        if any(n is None for n in numbers):
            return None
        try:
            result = fn(*numbers)
        except (ValueError, OverflowError, ZeroDivisionError):
            return None
        if isinstance(result, float) and not math.isfinite(result):
            return None
        return result

    return wrapped


@lru_cache(maxsize=512)
def compile_regex(pattern: str) -> re.Pattern[str]:
    """A query regex for Python's re: `(?<name>` groups become `(?P<name>`."""
    return re.compile(re.sub(r"\(\?<(?![=!])", "(?P<", pattern))


# --- strings ---------------------------------------------------------------------------------


def _isempty(value: Value = None) -> Value:
    text = to_text(value)
    return 1 if text is None or text == "" else 0


def _isblank(value: Value = None) -> Value:
    text = to_text(value)
    return 1 if text is None or text.strip() == "" else 0


def _concat(*args: Value) -> Value:
    parts = [to_text(a) for a in args]
    # A missing argument contributes nothing (see semantics.md); all missing gives null.
    if all(p is None for p in parts):
        return None
    return "".join(p for p in parts if p is not None)


def _trim_factory(side: str) -> Callable[..., Value]:
    def trim(text: str, chars: Value = None) -> Value:
        strip_chars = to_text(chars) if chars is not None else None
        if side == "l":
            return text.lstrip(strip_chars)
        if side == "r":
            return text.rstrip(strip_chars)
        return text.strip(strip_chars)

    return _text_args(trim)


def _substr(text: str, start: Value, length: Value = None) -> Value:
    begin = to_number(start)
    if begin is None:
        return None
    begin = max(int(begin), 0)
    if length is None:
        return text[begin:]
    count = to_number(length)
    if count is None:
        return None
    return text[begin : begin + max(int(count), 0)]


def _replace(text: str, search: Value, repl: Value) -> Value:
    needle, replacement = to_text(search), to_text(repl)
    if needle is None or replacement is None:
        return None
    return text.replace(needle, replacement) if needle else text


def _strcontains(text: str, sub: Value, case_insensitive: Value = None) -> Value:
    needle = to_text(sub)
    if needle is None:
        return None
    if case_insensitive is not None and to_number(case_insensitive):
        return 1 if needle.lower() in text.lower() else 0
    return 1 if needle in text else 0


def _regex_replace(text: str, pattern: Value, repl: Value) -> Value:
    source = pattern if isinstance(pattern, str) else to_text(pattern)
    replacement = to_text(repl)
    if source is None or replacement is None:
        return None
    try:
        return compile_regex(source).sub(replacement.replace("\\", "\\\\"), text)
    except re.error:
        return None


def _startswith(text: str, prefix: Value) -> Value:
    p = to_text(prefix)
    return None if p is None else (1 if text.startswith(p) else 0)


def _endswith(text: str, suffix: Value) -> Value:
    s = to_text(suffix)
    return None if s is None else (1 if text.endswith(s) else 0)


def _base64decode(text: str) -> Value:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=False).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _split(text: str, delimiter: Value) -> Value:
    d = to_text(delimiter)
    if not d:
        return None
    return text.split(d)


def _hex_to_ascii(text: str) -> Value:
    digits = text[2:] if text.lower().startswith("0x") else text
    try:
        return bytes.fromhex(digits).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


def _hex_to_dec(text: str) -> Value:
    try:
        return int(text.strip(), 16)
    except ValueError:
        return None


def _dec_to_hex(value: Value) -> Value:
    number = to_number(value)
    if number is None:
        return None
    whole = int(number)  # non-integers are truncated (documented)
    return f"-0x{-whole:x}" if whole < 0 else f"0x{whole:x}"


# --- numbers ---------------------------------------------------------------------------------


def _round(value: float, digits: float = 0) -> Value:
    places = int(digits)
    if places <= 0 and float(value).is_integer():
        return int(value)
    # Half away from zero, the everyday rounding (Python's round() is half to even).
    scale = 10**places
    rounded = math.floor(abs(value) * scale + 0.5) / scale
    rounded = math.copysign(rounded, value)
    return int(rounded) if places <= 0 else rounded


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> Value:
    earth_radius_km = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * earth_radius_km * math.asin(math.sqrt(a))


def _to_int_bits(bits: int) -> Callable[[Value], Value]:
    def convert(value: Value) -> Value:
        number = to_number(value)
        if number is None:
            return None
        whole = int(number)
        limit = 1 << (bits - 1)
        return whole if -limit <= whole < limit else None

    return convert


def _to_double(value: Value) -> Value:
    number = to_number(value)
    return None if number is None else float(number)


def _log(value: float) -> Value:
    return math.log(value) if value > 0 else None


def _sqrt(value: float) -> Value:
    return math.sqrt(value) if value >= 0 else None


def _greatest(*args: Value) -> Value:
    numbers = [n for n in (to_number(a) for a in args) if n is not None]
    return max(numbers) if numbers else None


def _least(*args: Value) -> Value:
    numbers = [n for n in (to_number(a) for a in args) if n is not None]
    return min(numbers) if numbers else None


# --- datetimes -------------------------------------------------------------------------------


def _period_fn(rounding: Callable[[int, Period], int]) -> Callable[[Value, Value], Value]:
    def apply(value: Value, period: Value) -> Value:
        epoch_ms = _as_timestamp_ms(value)
        if epoch_ms is None or not isinstance(period, Period):
            return None
        return Timestamp(rounding(epoch_ms, period))

    return apply


def _from_millis(value: Value) -> Value:
    number = to_number(value)
    return None if number is None else Timestamp(int(number))


def _to_millis(value: Value) -> Value:
    return _as_timestamp_ms(value)


# Java DateTimeFormatter letters → strftime, for parseDate (the common subset).
_JAVA_TOKENS = [
    ("yyyy", "%Y"), ("uuuu", "%Y"), ("yy", "%y"), ("MMMM", "%B"), ("MMM", "%b"), ("MM", "%m"),
    ("dd", "%d"), ("HH", "%H"), ("hh", "%I"), ("mm", "%M"), ("ss", "%S"), ("SSS", "%f"),
    ("a", "%p"), ("EEE", "%a"), ("XXX", "%z"), ("Z", "%z"), ("'T'", "T"), ("'Z'", "Z"),
]


def _java_to_strftime(pattern: str) -> str:
    out, i = "", 0
    while i < len(pattern):
        for token, replacement in _JAVA_TOKENS:
            if pattern.startswith(token, i):
                out += replacement
                i += len(token)
                break
        else:
            out += "%%" if pattern[i] == "%" else pattern[i]
            i += 1
    return out


def _parse_date(text: str, fmt: Value, tz: Value = None) -> Value:
    pattern = to_text(fmt)
    if pattern is None:
        return None
    try:
        moment = datetime.strptime(text, _java_to_strftime(pattern))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_zone(tz))
    return int(moment.timestamp() * 1000)


def _zone(tz: Value) -> timezone:
    text = to_text(tz) if tz is not None else None
    if not text or text.upper() in ("UTC", "Z", "GMT"):
        return timezone.utc
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", text)
    if match:
        from datetime import timedelta

        sign = 1 if match.group(1) == "+" else -1
        return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))
    return timezone.utc


def _format_date(value: Value, fmt: Value, tz: Value = None) -> Value:
    epoch_ms = _as_timestamp_ms(value)
    pattern = to_text(fmt)
    if epoch_ms is None or pattern is None:
        return None
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=_zone(tz))
    return moment.strftime(pattern)


# --- general ---------------------------------------------------------------------------------


def _coalesce(*args: Value) -> Value:
    for value in args:
        if value is not None:
            return value
    return None


def _truth(value: Value) -> bool:
    if value is None or isinstance(value, (dict, list)):
        return False
    if isinstance(value, bool):
        return value
    number = to_number(value)
    if number is not None:
        return number != 0
    return value != ""


def _case(*args: Value) -> Value:
    pairs, default = (args[:-1], args[-1]) if len(args) % 2 else (args, None)
    for i in range(0, len(pairs), 2):
        if _truth(pairs[i]):
            return pairs[i + 1]
    return default


def _if(condition: Value, then: Value, otherwise: Value = None) -> Value:
    return then if _truth(condition) else otherwise


def _is_numeric(value: Value) -> Value:
    return to_number(value) is not None


def _message_size(value: Value) -> Value:
    text = to_text(value)
    return None if text is None else len(text.encode("utf-8"))


# --- IP addresses ----------------------------------------------------------------------------


def _ip(value: Value, version: int | None = None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = to_text(value)
    if text is None:
        return None
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if version is not None and address.version != version:
        return None
    return address


def _in_subnet(version: int | None) -> Callable[[Value, Value], Value]:
    def check(value: Value, cidr: Value) -> Value:
        address = _ip(value, version)
        text = to_text(cidr)
        if address is None or text is None:
            return False
        try:
            network = ipaddress.ip_network(text.strip(), strict=False)
        except ValueError:
            return False
        return address.version == network.version and address in network

    return check


def _ipv4_to_number(value: Value) -> Value:
    address = _ip(value, 4)
    return None if address is None else int(address)


def _is_private(value: Value) -> Value:
    address = _ip(value, 4)
    if address is None:
        return False
    return any(address in ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def _is_reserved(value: Value) -> Value:
    address = _ip(value)
    if address is None:
        return False
    return bool(address.is_reserved or address.is_loopback or address.is_link_local or address.is_multicast or address.is_unspecified)


def _is_public(value: Value) -> Value:
    address = _ip(value)
    return False if address is None else bool(address.is_global)


# --- JSON ------------------------------------------------------------------------------------


def _json_parse(value: Value) -> Value:
    if isinstance(value, (dict, list)):
        return value
    text = to_text(value)
    if text is None:
        return None
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, (dict, list)) else None


def _json_stringify(value: Value) -> Value:
    if isinstance(value, (dict, list)):
        return render_value(value)
    return None


def _json_array_size(value: Value) -> Value:
    parsed = _json_parse(value)
    return len(parsed) if isinstance(parsed, list) else None


def _json_array_contains(value: Value, item: Value) -> Value:
    parsed = _json_parse(value)
    if not isinstance(parsed, list):
        return False
    wanted = render_value(item)
    return any(not isinstance(x, (dict, list)) and render_value(_json_scalar(x)) == wanted for x in parsed)


def _json_scalar(value: object) -> Value:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value  # type: ignore[return-value]


def _hash(name: str) -> Callable[[str], Value]:
    return lambda text: hashlib.new(name, text.encode("utf-8")).hexdigest()


SCALARS: dict[str, Callable[..., Value]] = {
    # strings
    "isempty": _isempty,
    "isblank": _isblank,
    "concat": _concat,
    "ltrim": _trim_factory("l"),
    "rtrim": _trim_factory("r"),
    "trim": _trim_factory("both"),
    "strlen": _text_args(len),
    "toupper": _text_args(str.upper),
    "tolower": _text_args(str.lower),
    "substr": _text_args(_substr),
    "replace": _text_args(_replace),
    "strcontains": _text_args(_strcontains),
    "regexreplace": _text_args(_regex_replace),
    "startswith": _text_args(_startswith),
    "endswith": _text_args(_endswith),
    "urlencode": _text_args(lambda t: urllib.parse.quote(t, safe="")),
    "urldecode": _text_args(urllib.parse.unquote),
    "base64encode": _text_args(lambda t: base64.b64encode(t.encode("utf-8")).decode()),
    "base64decode": _text_args(_base64decode),
    "split": _text_args(_split),
    "hextoascii": _text_args(_hex_to_ascii),
    "hextodec": _text_args(_hex_to_dec),
    "dectohex": _dec_to_hex,
    "md5": _text_args(_hash("md5")),
    "sha1": _text_args(_hash("sha1")),
    "sha256": _text_args(_hash("sha256")),
    # numbers
    "abs": _number_args(abs),
    "ceil": _number_args(lambda x: math.ceil(x)),
    "floor": _number_args(lambda x: math.floor(x)),
    "greatest": _greatest,
    "least": _least,
    "log": _number_args(_log),
    "sqrt": _number_args(_sqrt),
    "round": _number_args(_round),
    "haversine": _number_args(_haversine),
    "tonumber": lambda v: to_number(v),
    "toint": _to_int_bits(32),
    "tolong": _to_int_bits(64),
    "todouble": _to_double,
    # datetimes
    "datefloor": _period_fn(floor_period_ms),
    "dateceil": _period_fn(ceil_period_ms),
    "frommillis": _from_millis,
    "tomillis": _to_millis,
    "parsedate": _text_args(_parse_date),
    "formatdate": _format_date,
    "strftime": _format_date,
    # general
    "coalesce": _coalesce,
    "case": _case,
    "if": _if,
    "isnumeric": _is_numeric,
    "messagesize": _message_size,
    # IP addresses
    "isvalidip": lambda v: _ip(v) is not None,
    "isvalidipv4": lambda v: _ip(v, 4) is not None,
    "isvalidipv6": lambda v: _ip(v, 6) is not None,
    "isipinsubnet": _in_subnet(None),
    "isipv4insubnet": _in_subnet(4),
    "isipv6insubnet": _in_subnet(6),
    "ipv4tonumber": _ipv4_to_number,
    "isprivateip": _is_private,
    "ispublicip": _is_public,
    "isreservedip": _is_reserved,
    # JSON
    "jsonparse": _json_parse,
    "jsonstringify": _json_stringify,
    "jsonarraysize": _json_array_size,
    "jsonarraycontains": _json_array_contains,
}

# Evaluated by the interpreter, which knows the event and the run: bin() reads @timestamp,
# ispresent() looks at an unevaluated field, now()/query*Time() read the run's clock and range.
CONTEXT_FUNCTIONS = frozenset({"bin", "ispresent", "now", "querystarttime", "queryendtime", "querytimerange"})

truth = _truth
