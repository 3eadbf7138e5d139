"""Time units, once for the whole program: the query language's periods (`5m`, `2hrs`, the
lexer's duration rule), the local engine's `bin()` and date functions, and `--since`/`--start`.
"""

from __future__ import annotations

# Duration units (§4.5): spelling (lower case) → canonical unit. The bin() table adds "for all units
# and abbreviations that include more than one character, adding s to pluralize is supported", so the
# plurals of the two-letter abbreviations are here too (`mss`, `mos`).
DURATION_UNITS: dict[str, str] = {
    **dict.fromkeys(["ms", "mss", "msec", "msecs", "millisecond", "milliseconds"], "ms"),
    **dict.fromkeys(["s", "sec", "secs", "second", "seconds"], "s"),
    **dict.fromkeys(["m", "min", "mins", "minute", "minutes"], "m"),
    **dict.fromkeys(["h", "hr", "hrs", "hour", "hours"], "h"),
    **dict.fromkeys(["d", "day", "days"], "d"),
    **dict.fromkeys(["w", "week", "weeks"], "w"),
    **dict.fromkeys(["mo", "mos", "mon", "mons", "month", "months"], "mo"),
    **dict.fromkeys(["q", "qtr", "qtrs", "quarter", "quarters"], "q"),
    **dict.fromkeys(["y", "yr", "yrs", "year", "years"], "y"),
}

# Nominal length of each canonical unit (months 30 days, quarters 91 days, years 365 days).
UNIT_MILLISECONDS: dict[str, int] = {
    "ms": 1,
    "s": 1000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 7 * 86_400_000,
    "mo": 30 * 86_400_000,
    "q": 91 * 86_400_000,
    "y": 365 * 86_400_000,
}

# Units whose length varies with the calendar: a month, a quarter or a year has no single length.
# Months in each: how the calendar units step (datefloor to a quarter, bin by a year).
MONTHS_PER_UNIT: dict[str, int] = {"mo": 1, "q": 3, "y": 12}
CALENDAR_UNITS = frozenset(MONTHS_PER_UNIT)
