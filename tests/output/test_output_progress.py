"""ProgressDisplay: silent off a TTY; on a TTY one line per query × target, redrawn in place."""

from __future__ import annotations

import io
import os

from trailq.reporting.progress import ProgressDisplay
from trailq.result import ProgressEvent, Statistics, Target


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def event(region: str, status: str = "Running", scanned: float = 0, elapsed: float = 0.0, query: str = "console-logins"):
    return ProgressEvent(query, Target("1", region), status, Statistics(records_scanned=scanned), elapsed)


def _screen(text: str) -> list[str]:
    """The lines of the last drawn block (what a terminal shows after the cursor moves back)."""
    last = text.split("\x1b[J")[-1]
    return [line for line in last.split("\n") if line]


def _display(size=(100, 30), clock=None):
    stream = FakeTerminal()
    display = ProgressDisplay(stream, clock=clock or Clock(), size=lambda: os.terminal_size(size))
    return stream, display


def test_nothing_is_written_when_not_a_tty():
    stream = io.StringIO()
    display = ProgressDisplay(stream)
    display(event("us-east-1"))
    display(event("us-east-1", "Complete", 10))
    display.close(clear=False)
    assert stream.getvalue() == "" and not display.enabled


def test_one_line_per_query_and_target_redrawn_in_place():
    stream, display = _display()
    display(event("us-east-1", "Scheduled"))
    display(event("eu-north-1", "Running", 1500, 1.0))
    display(event("us-east-1", "Running", 250_000, 2.0))
    lines = _screen(stream.getvalue())
    assert len(lines) == 2
    assert "us-east-1" in lines[0] and "Running" in lines[0] and "250,000 records" in lines[0] and "2.0s" in lines[0]
    assert "eu-north-1" in lines[1] and "1,500 records" in lines[1]
    assert "\x1b[2F" in stream.getvalue()  # moved back over the two lines it drew before


def test_statistics_updates_are_throttled_but_status_changes_are_not():
    clock = Clock()
    stream, display = _display(clock=clock)
    display(event("us-east-1", "Running", 1))
    size = len(stream.getvalue())
    display(event("us-east-1", "Running", 2))  # same status, no time passed: not redrawn
    assert len(stream.getvalue()) == size
    display(event("us-east-1", "Complete", 3))  # status change: redrawn at once
    assert "Complete" in _screen(stream.getvalue())[0]
    clock.now += 1
    display(event("eu-north-1", "Running", 5))
    display(event("eu-north-1", "Running", 6))
    assert "6 records" not in stream.getvalue()
    clock.now += 0.2
    display(event("eu-north-1", "Running", 7))
    assert "7 records" in _screen(stream.getvalue())[1]


def test_elapsed_keeps_ticking_between_events_for_running_queries():
    clock = Clock()
    stream, display = _display(clock=clock)
    display(event("us-east-1", "Running", 1, elapsed=1.0))
    clock.now += 4
    display(event("eu-north-1", "Running", 1, elapsed=0.0))
    assert "5.0s" in _screen(stream.getvalue())[0]


def test_lines_are_cut_to_the_terminal_width():
    stream, display = _display(size=(40, 10))
    display(event("ap-southeast-2", "Running", 123_456_789, query="a-rather-long-query-name"))
    [line] = _screen(stream.getvalue())
    assert len(line) == 39 and line.startswith("… a-rather-long-query-name")  # one column spare: no wrap


def test_more_lines_than_the_terminal_holds_end_with_a_tally():
    stream, display = _display(size=(100, 6))
    for i in range(8):
        display(event(f"region-{i}", "Running", i))
    display(event("region-0", "Complete", 10))
    lines = _screen(stream.getvalue())
    assert len(lines) == 5
    assert all("Running" in line for line in lines[:4])  # running ones first
    assert lines[4].strip().startswith("… 4 more:") and "1 Complete" in lines[4] and "3 Running" in lines[4]


def test_close_clears_the_block_or_leaves_the_final_state():
    stream, display = _display()
    display(event("us-east-1", "Complete", 10))
    display.close()
    assert stream.getvalue().endswith("\x1b[1F\x1b[J")
    display(event("us-east-1", "Running"))  # after close: ignored
    assert stream.getvalue().endswith("\x1b[1F\x1b[J")

    stream, display = _display()
    display(event("us-east-1", "Complete", 10))
    display.close(clear=False)
    assert "Complete" in _screen(stream.getvalue())[0]


def test_a_broken_terminal_stops_the_display_without_raising():
    class Broken(FakeTerminal):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    display = ProgressDisplay(Broken(), size=lambda: os.terminal_size((80, 24)))
    display(event("us-east-1"))
    assert not display.enabled
