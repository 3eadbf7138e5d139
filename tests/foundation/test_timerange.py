from datetime import datetime, timedelta, timezone

import pytest

from trailq.errors import EXIT_USAGE, UsageError
from trailq.timerange import TimeRange, parse_duration_seconds, resolve

NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "text, seconds",
    [("15m", 900), ("12h", 43200), ("7d", 604800), ("2w", 1209600), ("30s", 30), ("500ms", 0.5), ("500msecs", 0.5), ("2 hours", 7200)],
)
def test_durations(text, seconds):
    assert parse_duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["3 months", "1y", "abc", "", "15", "m", "-5m", "0m", "5m30s", "99999999999d", "1000000d"])
def test_bad_durations_are_usage_errors(text):
    with pytest.raises(UsageError) as info:
        parse_duration_seconds(text, "--since")
    assert info.value.exit_code == EXIT_USAGE
    assert "--since" in info.value.message


def test_since_ends_now():
    window = resolve(since="7d", now=NOW)
    assert window.end == NOW and window.start == NOW - timedelta(days=7)


def test_default_since_applies():
    assert resolve(now=NOW, default_since="1h").start == NOW - timedelta(hours=1)


def test_iso_with_and_without_zone():
    window = resolve(start="2026-11-20T10:00:00+02:00", end="2026-11-21", now=NOW)
    assert window.start == datetime(2026, 11, 20, 8, tzinfo=timezone.utc)
    assert window.end == datetime(2026, 11, 21, tzinfo=timezone.utc)  # naive means UTC
    assert resolve(start="2026-11-20T08:00:00Z", now=NOW).start.tzinfo is not None


def test_relative_start_and_now():
    window = resolve(start="2h", end="now", now=NOW)
    assert (window.start, window.end) == (NOW - timedelta(hours=2), NOW)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(start="2026-11-21", end="2026-11-20"), "starts after it ends"),
        (dict(start="2026-11-20", end="2026-11-20"), "empty"),
        (dict(start="2027-01-01"), "future"),
        (dict(start="2026-11-20", end="2026-12-20"), "future"),
        (dict(since="7d", start="2026-11-20"), "cannot be used together"),
        (dict(start="yesterday"), "neither ISO 8601"),
    ],
)
def test_bad_ranges(kwargs, words):
    with pytest.raises(UsageError) as info:
        resolve(now=NOW, **kwargs)
    assert words in info.value.message


def test_epoch_units_and_inclusive_contains():
    window = TimeRange(datetime(2026, 11, 20, tzinfo=timezone.utc), datetime(2026, 11, 20, 0, 0, 1, tzinfo=timezone.utc))
    assert window.start_epoch_seconds() == 1795132800
    assert window.end_epoch_ms() == 1795132801000
    assert window.contains_epoch_ms(1795132800000) and window.contains_epoch_ms(1795132801000)
    assert not window.contains_epoch_ms(1795132801001)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        TimeRange(datetime(2026, 1, 1), datetime(2026, 1, 2))


def test_a_future_end_alone_names_end_not_the_start_derived_from_it():
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with pytest.raises(UsageError, match=r"^--end 2030-01-01T00:00:00Z is in the future"):
        resolve(end="2030-01-01T00:00:00Z", now=now)


def test_an_end_in_year_one_starts_the_window_at_the_earliest_time():
    # `--end 0001-01-01` minus the default 24h has no datetime: it was an internal error (exit 70).
    from trailq.timerange import iso_seconds

    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    window = resolve(end="0001-01-01T06:00:00Z", now=now)
    assert window.start == datetime.min.replace(tzinfo=timezone.utc)
    assert window.describe() == "0001-01-01T00:00:00Z .. 0001-01-01T06:00:00Z"
    assert iso_seconds(datetime(999, 5, 1, tzinfo=timezone.utc)) == "0999-05-01T00:00:00Z"
    with pytest.raises(UsageError, match="empty"):
        resolve(end="0001-01-01T00:00:00Z", now=now)
