"""Time ranges from --since / --start / --end: anchored parsing, aware datetimes only.

Every datetime here is timezone-aware UTC. Functions that return epoch numbers say the unit
in their name, because the CloudWatch API mixes seconds (StartQuery) and milliseconds (events).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from trailq.errors import UsageError
from trailq.lang.units import CALENDAR_UNITS, DURATION_UNITS, UNIT_MILLISECONDS

# The query language's fixed-length time units (`500ms`, `2 hours`); a month, a quarter or a
# year has no single length, so a window is never given in them.
_UNIT_SECONDS = {
    spelling: UNIT_MILLISECONDS[unit] / 1000 for spelling, unit in DURATION_UNITS.items() if unit not in CALENDAR_UNITS
}
# Anchored: the whole text must be one number and one known unit ("3 months" is an error, not 3 minutes).
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*")
# Longer than anything CloudTrail holds, and short enough that datetime arithmetic cannot overflow.
_LONGEST_SECONDS = 100 * 366 * 86400
# Clocks disagree by a little; an --end this far past our "now" is still "now".
_CLOCK_SKEW = timedelta(seconds=60)


def parse_duration_seconds(text: str, flag: str = "duration", *, allow_zero: bool = False) -> float:
    """`15m`, `12h`, `7d`, `2w`, `30s`, `500ms`, `2 hours` → seconds. Raises UsageError naming the flag."""
    match = _DURATION.fullmatch(text or "")
    if not match:
        raise UsageError(
            f"{flag}: {text!r} is not a duration",
            hint="use a number and a unit, e.g. 15m, 12h, 7d, 2w",
        )
    number, unit = match.groups()
    seconds_per_unit = _UNIT_SECONDS.get(unit.lower())
    if seconds_per_unit is None:
        raise UsageError(
            f"{flag}: unknown time unit {unit!r} in {text!r}",
            hint="units: ms, s, m, h, d, w (months and years vary in length; give days)",
        )
    seconds = float(number) * seconds_per_unit
    if seconds > _LONGEST_SECONDS:
        raise UsageError(f"{flag}: {text!r} is longer than 100 years")
    if seconds < 0 or (seconds == 0 and not allow_zero):
        raise UsageError(f"{flag}: {text!r} is not a positive duration")
    return seconds


ISO_SECONDS = "%Y-%m-%dT%H:%M:%SZ"


def iso_seconds(moment: datetime) -> str:
    """An aware datetime as UTC ISO 8601 to the second, as every message and the state file show it
    (the year always four digits: strftime writes year 1 as `1`)."""
    utc = moment.astimezone(timezone.utc)
    return f"{utc.year:04d}" + utc.strftime(ISO_SECONDS.removeprefix("%Y"))


# The earliest instant a window can start at.
_EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def parse_instant(text: str, now: datetime, flag: str) -> datetime:
    """`now`, a relative duration before now (`2h`), or ISO 8601 (naive means UTC)."""
    value = (text or "").strip()
    if value.lower() == "now":
        return now
    if _DURATION.fullmatch(value):
        return now - timedelta(seconds=parse_duration_seconds(value, flag))
    iso = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        raise UsageError(
            f"{flag}: {text!r} is neither ISO 8601 nor a relative time",
            hint="e.g. 2026-11-20T08:00:00Z, 2026-11-20, 2h (two hours ago) or now",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class TimeRange:
    """An inclusive [start, end] window, both ends aware UTC datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("TimeRange needs timezone-aware datetimes")

    def start_epoch_seconds(self) -> int:
        return int(self.start.timestamp())

    def end_epoch_seconds(self) -> int:
        return int(self.end.timestamp())

    def start_epoch_ms(self) -> int:
        return int(self.start.timestamp() * 1000)

    def end_epoch_ms(self) -> int:
        return int(self.end.timestamp() * 1000)

    def contains_epoch_ms(self, epoch_ms: int) -> bool:
        return self.start_epoch_ms() <= epoch_ms <= self.end_epoch_ms()

    def describe(self) -> str:
        return f"{iso_seconds(self.start)} .. {iso_seconds(self.end)}"


def resolve(
    *,
    since: str | None = None,
    start: str | None = None,
    end: str | None = None,
    now: datetime | None = None,
    default_since: str = "24h",
) -> TimeRange:
    """The window a run covers, from the flags a user gave. Raises UsageError (exit 2)."""
    now = now or utc_now()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if since is not None and start is not None:
        raise UsageError("--since and --start cannot be used together", hint="give --since 7d, or --start and --end")
    end_at = parse_instant(end, now, "--end") if end is not None else now
    if start is not None:
        start_at = parse_instant(start, now, "--start")
    else:
        length = timedelta(seconds=parse_duration_seconds(since or default_since, "--since"))
        # An --end in year 1 minus the window has no datetime: start at the earliest one (no event is older).
        start_at = end_at - length if end_at - _EARLIEST > length else _EARLIEST
    # --end first: with --end alone the start is derived from it, and naming a --start nobody gave would mislead.
    if end_at > now + _CLOCK_SKEW:
        raise UsageError(f"--end {iso_seconds(end_at)} is in the future", hint="use --end now")
    if start_at > now:
        raise UsageError(f"--start {iso_seconds(start_at)} is in the future")
    if start_at > end_at:
        raise UsageError(f"the time range starts after it ends ({iso_seconds(start_at)} > {iso_seconds(end_at)})")
    if start_at == end_at:
        raise UsageError("the time range is empty (start equals end)")
    return TimeRange(start_at, end_at)
