"""Number overflow, one rule for the language and the local engine (docs/semantics.md, "Numbers").

Logs Insights does not document its number range. trailq keeps integers exact while they fit a
signed 64-bit integer (|n| < 2^63, the range of the service's own counts and epoch milliseconds),
and turns anything larger into a double; a double beyond ±1.8e308 is not finite, and a non-finite
result is null, the rule the engine already applies to division by zero. So `2^100000` is null,
`10^20` is `100000000000000000000` rendered as the double `1e+20`, and a 5,000-digit number in a
log record reads as a (non-finite, hence null) number instead of stopping the run: no value can
make the engine build an integer of unbounded size.
"""

from __future__ import annotations

import math

INT_LIMIT = 2**63
_EXACT_DIGITS = 18  # every integer of at most 18 digits fits below 2^63
_POWER_BITS = 64  # int ** int is computed exactly only while the result stays this small


def from_text(text: str) -> int | float:
    """The value of number text: an int when it is integral and fits, else a float (maybe inf)."""
    stripped = text.strip()
    digits = stripped.lstrip("+-")
    if digits.isdigit():
        if len(digits.lstrip("0")) <= _EXACT_DIGITS:
            return int(stripped)
        return float(stripped)  # beyond 2^63 (or a 5,000-digit record field): a double, inf when huge
    return float(stripped)


def bounded(value: int | float) -> int | float | None:
    """An arithmetic result within the rule: big ints become doubles, non-finite becomes None."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        if -INT_LIMIT < value < INT_LIMIT:
            return value
        try:
            value = float(value)
        except OverflowError:
            return None
    return value if math.isfinite(value) else None


def power(base: int | float, exponent: int | float) -> int | float | None:
    """`base ^ exponent` without building a huge integer first (None: overflow or not a real number)."""
    if isinstance(base, int) and isinstance(exponent, int) and exponent >= 0 and abs(base) > 1:
        if (base.bit_length() - 1) * exponent > _POWER_BITS:  # |base| >= 2^(bits-1): surely past 2^64
            return _float_power(float(base), float(exponent))
        return bounded(base**exponent)
    return _float_power(float(base), float(exponent)) if isinstance(base, float) or isinstance(exponent, float) \
        else bounded(base**exponent)


def _float_power(base: float, exponent: float) -> float | None:
    try:
        result = math.pow(base, exponent)
    except (OverflowError, ValueError):  # too large, or a negative base to a fractional power
        return None
    return result if math.isfinite(result) else None
