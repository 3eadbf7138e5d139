"""--state windows: whole seconds, no gap and no overlap across runs, settle delay, atomic saves."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone

import pytest
from result_builders import failed, logins

from trailq.errors import UsageError
from trailq.state import StateFile, target_key
from trailq.timerange import TimeRange, resolve

T0 = datetime(2026, 11, 20, 8, 0, 0, tzinfo=timezone.utc)
KEY = "012345678901/us-east-1"


def _run(state_path, now, since="1h", settle=300.0):
    state = StateFile(state_path)
    window = state.window("console-logins", KEY, resolve(since=since, now=now), settle, now=now)
    if window is not None:
        state.record("console-logins", KEY, window)
        state.save()
    return window


def test_consecutive_windows_cover_every_millisecond_exactly_once(tmp_path):
    path = tmp_path / "state.json"
    rng = random.Random(1)
    run_times = [T0 + timedelta(seconds=3600 + sum(rng.uniform(30, 900) for _ in range(i))) for i in range(1, 8)]
    windows = [w for w in (_run(path, now) for now in run_times) if w is not None]
    assert len(windows) >= 5
    for earlier, later in zip(windows, windows[1:]):
        assert later.start - earlier.end == timedelta(microseconds=1)  # contiguous
        assert later.start_epoch_seconds() == earlier.end_epoch_seconds() + 1  # seconds as StartQuery gets them
        assert later.start_epoch_ms() == earlier.end_epoch_ms() + 1  # milliseconds as the engine compares them
    # Events with millisecond timestamps, including on every boundary: each lands in exactly one window.
    first, last = windows[0].start_epoch_ms(), windows[-1].end_epoch_ms()
    events = [rng.randrange(first, last + 1) for _ in range(5000)]
    events += [w.start_epoch_ms() for w in windows] + [w.end_epoch_ms() for w in windows]
    events += [w.end_epoch_seconds() * 1000 + 500 for w in windows]  # mid-second at the boundary
    for ms in events:
        assert sum(w.contains_epoch_ms(ms) for w in windows) == 1, ms


def test_window_ends_settle_behind_now_on_whole_seconds(tmp_path):
    now = T0 + timedelta(hours=2, milliseconds=400)
    window = StateFile(tmp_path / "s.json").window("q", KEY, resolve(since="1h", now=now), 300, now=now)
    assert window.start == T0 + timedelta(hours=1)
    assert window.end == T0 + timedelta(hours=2, minutes=-5, seconds=-1, microseconds=999_999)
    assert window.end <= now - timedelta(minutes=5)


def test_recorded_end_wins_over_since_and_nothing_new_gives_none(tmp_path):
    path = tmp_path / "s.json"
    first = _run(path, T0 + timedelta(hours=1))
    later = T0 + timedelta(days=3)
    second = _run(path, later, since="1h")  # --since only shapes the first run: no gap
    assert second.start == first.end + timedelta(microseconds=1)
    assert _run(path, later + timedelta(seconds=0.5)) is None  # within the same second: nothing settled yet


def test_an_explicit_end_before_the_settle_point_is_respected(tmp_path):
    now = T0 + timedelta(days=1)
    requested = TimeRange(T0, T0 + timedelta(hours=1))
    window = StateFile(tmp_path / "s.json").window("q", KEY, requested, 300, now=now)
    assert window.end_epoch_seconds() == int((T0 + timedelta(hours=1)).timestamp()) - 1


def test_watermark_never_moves_backwards_and_survives_a_reload(tmp_path):
    state = StateFile(tmp_path / "s.json")
    late = TimeRange(T0, T0 + timedelta(hours=2, microseconds=-1))
    state.record("q", KEY, late)
    state.record("q", KEY, TimeRange(T0, T0 + timedelta(hours=1)))
    state.save()
    again = StateFile(tmp_path / "s.json")
    assert again.covered_until("q", KEY) == T0 + timedelta(hours=2, seconds=-1)
    assert again.covered_until("q", "other") is None


def test_failed_or_truncated_results_are_not_recorded(tmp_path):
    state = StateFile(tmp_path / "s.json")
    window = TimeRange(T0, T0 + timedelta(hours=1, microseconds=-1))
    truncated = logins()
    truncated.truncated = True
    assert not state.record_result(failed(), window)
    assert not state.record_result(truncated, window)
    assert state.record_result(logins(), window)
    assert state.covered_until("console-logins", target_key(logins().target)) == T0 + timedelta(minutes=59, seconds=59)


def test_target_keys():
    assert target_key(logins().target) == "012345678901/us-east-1"
    from trailq.result import Target

    assert target_key(Target(source="sample")) == "local:sample"


@pytest.mark.parametrize("content", ["{not json", "[]", '{"version": 99, "covered_until": {}}',
                                     '{"version": 1, "covered_until": {"q": {"k": "yesterday"}}}'])
def test_a_damaged_state_file_is_a_usage_error_naming_it(tmp_path, content):
    path = tmp_path / "s.json"
    path.write_text(content)
    with pytest.raises(UsageError) as caught:
        StateFile(path)
    assert caught.value.exit_code == 2 and str(path) in caught.value.message


def test_an_interrupted_save_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    _run(path, T0 + timedelta(hours=1))
    before = path.read_text()
    state = StateFile(path)
    state.record("other", KEY, TimeRange(T0, T0 + timedelta(hours=1)))

    def crash(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr("trailq.reporting.fileio.os.fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        state.save()
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]  # no temporary file left behind


def test_a_process_killed_while_saving_leaves_a_valid_file(tmp_path):
    path = tmp_path / "s.json"
    _run(path, T0 + timedelta(hours=1))
    # A writer saving a large state in a loop, killed with SIGKILL at an arbitrary moment.
    script = textwrap.dedent(f"""
        import sys
        from datetime import datetime, timedelta, timezone
        from trailq.state import StateFile
        from trailq.timerange import TimeRange
        t0 = datetime(2026, 11, 20, tzinfo=timezone.utc)
        state = StateFile({str(path)!r})
        for i in range(3000):
            state.record(f"query-{{i}}", "acct/region", TimeRange(t0, t0 + timedelta(hours=1)))
        print("ready", flush=True)
        state.save()
        print("saved", flush=True)
        while True:
            state.save()
    """)
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready"
        # One save done and the next under way: the kill lands while saving, on a loaded machine too.
        assert writer.stdout.readline().strip() == "saved"
    finally:
        writer.kill()
        writer.wait()
    reloaded = StateFile(path)  # parses: old or new, never half
    assert reloaded.covered_until("console-logins", KEY) is not None
    assert json.loads(path.read_text())["version"] == 1


def test_a_watermark_in_the_future_is_an_error_not_a_silent_stop(tmp_path):
    path = tmp_path / "state.json"
    state = StateFile(path)
    future = TimeRange(datetime(2099, 1, 1, tzinfo=timezone.utc), datetime(2099, 1, 1, 0, 0, 5, tzinfo=timezone.utc))
    state.record("q", "111111111111/us-east-1", future)
    requested = TimeRange(datetime(2026, 11, 1, tzinfo=timezone.utc), datetime(2026, 11, 2, tzinfo=timezone.utc))
    with pytest.raises(UsageError, match="in the future"):
        state.window("q", "111111111111/us-east-1", requested, 0, now=datetime(2026, 11, 2, tzinfo=timezone.utc))
