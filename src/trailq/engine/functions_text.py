"""String, number and general scalar functions of Logs Insights (reference §4.6, §4.7, §4.10).

Each implementation registers itself in the engine's function table (`registry.py`) with
`@scalar(canonical name)`. Each takes evaluated
argument values of the engine's model (`values.py`) and returns one; null in gives null out
unless the function is about nulls (`coalesce`, `isempty`, `isblank`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import urllib.parse
from collections.abc import Callable

from trailq.engine.regexes import RegexNotLinear, UserRegex, compile_user_regex
from trailq.engine.registry import scalar
from trailq.engine.values import Value, to_number, to_text
from trailq.numbers import bounded


def text_args(fn: Callable[..., Value]) -> Callable[..., Value]:
    """Null (or a map/list) in the first argument gives null."""

    def wrapped(*args: Value) -> Value:
        first = to_text(args[0]) if args else None
        if first is None:
            return None
        return fn(first, *args[1:])

    return wrapped


def number_args(fn: Callable[..., Value]) -> Callable[..., Value]:
    """Every argument must be a number (or numeric text); otherwise null."""

    def wrapped(*args: Value) -> Value:
        numbers = [to_number(a) for a in args]
        if any(n is None for n in numbers):
            return None
        try:
            result = fn(*numbers)
        except (ValueError, OverflowError, ZeroDivisionError):
            return None
        if not isinstance(result, (int, float)):
            return result  # None: no answer (every function here returns a number or None)
        return bounded(result)  # numbers.py: big ints become doubles

    return wrapped


def compile_regex(pattern: str) -> UserRegex:
    """A query regex, compiled for RE2 (linear time on log data: engine/regexes.py). Raises RegexNotLinear."""
    return compile_user_regex(pattern)


# --- strings ---------------------------------------------------------------------------------


@scalar("isempty")
def isempty(value: Value = None) -> Value:
    text = to_text(value)
    return 1 if text is None or text == "" else 0


@scalar("isblank")
def isblank(value: Value = None) -> Value:
    text = to_text(value)
    return 1 if text is None or text.strip() == "" else 0


@scalar("concat")
def concat(*args: Value) -> Value:
    parts = [to_text(a) for a in args]
    # A missing argument contributes nothing (see semantics.md); all missing gives null.
    if all(p is None for p in parts):
        return None
    return "".join(p for p in parts if p is not None)


def _strip_chars(chars: Value) -> str | None:
    return to_text(chars) if chars is not None else None


@scalar("ltrim")
@text_args
def ltrim(text: str, chars: Value = None) -> Value:
    return text.lstrip(_strip_chars(chars))


@scalar("rtrim")
@text_args
def rtrim(text: str, chars: Value = None) -> Value:
    return text.rstrip(_strip_chars(chars))


@scalar("trim")
@text_args
def trim(text: str, chars: Value = None) -> Value:
    return text.strip(_strip_chars(chars))


@scalar("strlen")
@text_args
def strlen(text: str) -> Value:
    return len(text)


@scalar("toupper")
@text_args
def toupper(text: str) -> Value:
    return text.upper()


@scalar("tolower")
@text_args
def tolower(text: str) -> Value:
    return text.lower()


@scalar("urlencode")
@text_args
def urlencode(text: str) -> Value:
    return urllib.parse.quote(text, safe="")


@scalar("urldecode")
@text_args
def urldecode(text: str) -> Value:
    return urllib.parse.unquote(text)


@scalar("base64encode")
@text_args
def base64encode(text: str) -> Value:
    return base64.b64encode(text.encode("utf-8")).decode()


@scalar("substr")
@text_args
def substr(text: str, start: Value, length: Value = None) -> Value:
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


@scalar("replace")
@text_args
def replace(text: str, search: Value, repl: Value) -> Value:
    needle, replacement = to_text(search), to_text(repl)
    if needle is None or replacement is None:
        return None
    return text.replace(needle, replacement) if needle else text


@scalar("strcontains")
@text_args
def strcontains(text: str, sub: Value, case_insensitive: Value = None) -> Value:
    needle = to_text(sub)
    if needle is None:
        return None
    if truth(case_insensitive):  # "set to `true`": true, a non-zero number, the text true
        return 1 if needle.lower() in text.lower() else 0
    return 1 if needle in text else 0


@scalar("regexReplace")
@text_args
def regex_replace(text: str, pattern: Value, repl: Value) -> Value:
    source = pattern if isinstance(pattern, str) else to_text(pattern)
    replacement = to_text(repl)
    if source is None or replacement is None:
        return None
    try:
        return compile_regex(source).replace(text, replacement)
    except RegexNotLinear:
        return None  # a pattern built at run time that RE2 cannot run; literal patterns are refused up front


@scalar("startsWith")
@text_args
def startswith(text: str, prefix: Value) -> Value:
    p = to_text(prefix)
    return None if p is None else (1 if text.startswith(p) else 0)


@scalar("endsWith")
@text_args
def endswith(text: str, suffix: Value) -> Value:
    s = to_text(suffix)
    return None if s is None else (1 if text.endswith(s) else 0)


@scalar("base64decode")
@text_args
def base64decode(text: str) -> Value:
    # Missing padding is forgiven; a character outside the base64 alphabet makes the text no base64
    # (null), rather than being dropped silently as validate=False would.
    body = "".join(text.split())
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


@scalar("split")
@text_args
def split(text: str, delimiter: Value) -> Value:
    d = to_text(delimiter)
    if not d:
        return None
    return text.split(d)


@scalar("hexToAscii")
@text_args
def hex_to_ascii(text: str) -> Value:
    digits = text[2:] if text.lower().startswith("0x") else text
    try:
        return bytes.fromhex(digits).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


@scalar("hexToDec")
@text_args
def hex_to_dec(text: str) -> Value:
    try:
        return int(text.strip(), 16)
    except ValueError:
        return None


@scalar("decToHex")
def dec_to_hex(value: Value) -> Value:
    number = to_number(value)
    if number is None:
        return None
    whole = int(number)  # non-integers are truncated (documented)
    return f"-0x{-whole:x}" if whole < 0 else f"0x{whole:x}"


# --- numbers ---------------------------------------------------------------------------------


# Decimal places of the largest finite double (about 1.8e308).
_DOUBLE_DIGITS = 308


@scalar("round")
@number_args
def round_(value: float, digits: float = 0) -> Value:
    places = int(digits)
    if places <= 0 and float(value).is_integer():
        return int(value)
    # A double has no digit beyond 10^±308 to round at; past it, 10**places alone would be a
    # number of millions of digits (`round(x, 1e20)` hung the run).
    if places > _DOUBLE_DIGITS:
        return value
    if places < -_DOUBLE_DIGITS:
        return 0
    # Half away from zero, the everyday rounding (Python's round() is half to even).
    scale = 10**places
    scaled = abs(value) * scale
    if not math.isfinite(scaled):  # 1e300 at 20 places: no digit that far to round
        return value
    rounded = math.floor(scaled + 0.5) / scale
    rounded = math.copysign(rounded, value)
    return int(rounded) if places <= 0 else rounded


@scalar("haversine")
@number_args
def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> Value:
    earth_radius_km = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * earth_radius_km * math.asin(math.sqrt(a))


def _to_int_bits(value: Value, bits: int) -> Value:
    number = to_number(value)
    if number is None:
        return None
    whole = int(number)
    limit = 1 << (bits - 1)
    return whole if -limit <= whole < limit else None


@scalar("toInt")
def to_int(value: Value) -> Value:
    return _to_int_bits(value, 32)


@scalar("toLong")
def to_long(value: Value) -> Value:
    return _to_int_bits(value, 64)


@scalar("toNumber")
def to_number_fn(value: Value) -> Value:
    return to_number(value)


@scalar("abs")
@number_args
def abs_(value: float) -> Value:
    return abs(value)


@scalar("ceil")
@number_args
def ceil(value: float) -> Value:
    return math.ceil(value)


@scalar("floor")
@number_args
def floor(value: float) -> Value:
    return math.floor(value)


@scalar("toDouble")
def to_double(value: Value) -> Value:
    number = to_number(value)
    return None if number is None else float(number)


@scalar("log")
@number_args
def log(value: float) -> Value:
    return math.log(value) if value > 0 else None


@scalar("sqrt")
@number_args
def sqrt(value: float) -> Value:
    return math.sqrt(value) if value >= 0 else None


@scalar("greatest")
def greatest(*args: Value) -> Value:
    numbers = [n for n in (to_number(a) for a in args) if n is not None]
    return max(numbers) if numbers else None


@scalar("least")
def least(*args: Value) -> Value:
    numbers = [n for n in (to_number(a) for a in args) if n is not None]
    return min(numbers) if numbers else None

# --- general ---------------------------------------------------------------------------------


@scalar("coalesce")
def coalesce(*args: Value) -> Value:
    for value in args:
        if value is not None:
            return value
    return None


def truth(value: Value) -> bool:
    if value is None or isinstance(value, (dict, list)):
        return False
    if isinstance(value, bool):
        return value
    number = to_number(value)
    if number is not None:
        return number != 0
    # A JSON false reads as the text `false` (docs/semantics.md), so `filter not readOnly` works.
    return value != "" and not (isinstance(value, str) and len(value) < 8 and value.strip().lower() == "false")


@scalar("case")
def case(*args: Value) -> Value:
    pairs, default = (args[:-1], args[-1]) if len(args) % 2 else (args, None)
    for i in range(0, len(pairs), 2):
        if truth(pairs[i]):
            return pairs[i + 1]
    return default


@scalar("if")
def if_(condition: Value, then: Value, otherwise: Value = None) -> Value:
    return then if truth(condition) else otherwise


@scalar("isNumeric")
def is_numeric(value: Value) -> Value:
    return to_number(value) is not None


@scalar("messageSize")
def message_size(value: Value) -> Value:
    text = to_text(value)
    return None if text is None else len(text.encode("utf-8"))


@scalar("unmask")
def unmask(value: Value) -> Value:
    """Local files carry no data-protection masking: unmask(x) is x itself (docs/semantics.md)."""
    return value


@scalar("md5")
@text_args
def md5(text: str) -> Value:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


@scalar("sha256")
@text_args
def sha256(text: str) -> Value:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
