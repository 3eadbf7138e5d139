"""Live progress on stderr: one line per running query × target, redrawn in place.

The backends send `ProgressEvent`s to an optional callback and never print; this is that callback
for an interactive terminal. On a stream that is not a TTY it writes nothing at all (CI logs and
redirected stderr stay clean), so a caller may create it unconditionally; the CLI also skips it
under --quiet.

Drawing: the block of lines we drew last time is overwritten by moving the cursor back to its
first line (ANSI "cursor previous line") and clearing to the end of the screen, in one write so
the terminal does not flicker. Lines are cut to the terminal's width, because a wrapped line
would make the cursor arithmetic wrong, and the block never grows taller than the terminal.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from trailq.result import COMPLETE, FINAL_STATUSES, ProgressEvent

_PREVIOUS_LINE = "\x1b[{count}F"  # cursor to the start of the line `count` lines up
_CLEAR_BELOW = "\x1b[J"
_DEFAULT_SIZE = os.terminal_size((80, 24))


@dataclass
class _Line:
    query: str
    target: str
    status: str
    records_scanned: float
    elapsed_seconds: float
    seen_at: float  # our clock when the event arrived, to keep elapsed ticking between events

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES


class ProgressDisplay:
    """Callable with ProgressEvents; `close()` when the run ends."""

    def __init__(
        self,
        stream: TextIO,
        *,
        clock: Callable[[], float] = time.monotonic,
        min_redraw_seconds: float = 0.1,
        size: Callable[[], os.terminal_size] | None = None,
    ) -> None:
        self._stream = stream
        self._clock = clock
        self._min_redraw_seconds = min_redraw_seconds
        self._size = size or self._terminal_size
        self.enabled = _is_tty(stream)
        self._lines: dict[tuple[str, str], _Line] = {}
        self._drawn = 0  # lines of ours currently on the screen
        self._last_draw = float("-inf")
        self._closed = False

    def __call__(self, event: ProgressEvent) -> None:
        if not self.enabled or self._closed:
            return
        key = (event.query, event.target.label())
        previous = self._lines.get(key)
        self._lines[key] = _Line(
            event.query, key[1], event.status, event.statistics.records_scanned, event.elapsed_seconds, self._clock()
        )
        changed = previous is None or previous.status != event.status
        # Status changes are always shown; statistics updates at most every min_redraw_seconds.
        if changed or self._clock() - self._last_draw >= self._min_redraw_seconds:
            self._draw()

    def close(self, *, clear: bool = True) -> None:
        """Stop drawing; erase the block (default) or leave its final state on screen."""
        if not self.enabled or self._closed:
            return
        if clear:
            self._write(self._home())
        else:
            self._draw()
        self._drawn = 0
        self._closed = True

    # -- drawing -----------------------------------------------------------------------------

    def _draw(self) -> None:
        columns, rows = self._size()
        lines = self.visible_lines(max_lines=max(1, rows - 1))
        width = max(10, columns - 1)  # never touch the last column: some terminals wrap there
        text = self._home() + "".join(line[:width] + "\n" for line in lines)
        self._write(text)
        self._drawn = len(lines)
        self._last_draw = self._clock()

    def _home(self) -> str:
        return (_PREVIOUS_LINE.format(count=self._drawn) if self._drawn else "\r") + _CLEAR_BELOW

    def visible_lines(self, max_lines: int) -> list[str]:
        """The text lines to show: running ones first when they do not all fit, then a tally."""
        entries = list(self._lines.values())
        if len(entries) > max_lines:
            running = [e for e in entries if not e.final]
            finished = [e for e in entries if e.final]
            shown = (running + finished[::-1])[: max_lines - 1]
            hidden = [e for e in entries if e not in shown]
            return [*self._format(shown, entries), _tally(hidden)]
        return self._format(entries, entries)

    def _format(self, shown: list[_Line], everything: list[_Line]) -> list[str]:
        query_width = max(len(e.query) for e in everything)
        target_width = max(len(e.target) for e in everything)
        now = self._clock()
        out = []
        for e in shown:
            elapsed = e.elapsed_seconds if e.final else e.elapsed_seconds + max(0.0, now - e.seen_at)
            out.append(
                f"{_mark(e.status)} {e.query:<{query_width}}  {e.target:<{target_width}}  "
                f"{e.status:<9}  {e.records_scanned:>13,.0f} records  {elapsed:6.1f}s"
            )
        return out

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):
            # A closed or broken terminal must not break the run; stop drawing.
            self.enabled = False

    def _terminal_size(self) -> os.terminal_size:
        try:
            return os.get_terminal_size(self._stream.fileno())
        except (OSError, ValueError, AttributeError):
            return _DEFAULT_SIZE


def _mark(status: str) -> str:
    if status == COMPLETE:
        return "✓"
    if status in FINAL_STATUSES:
        return "✗"
    return "…"


def _tally(hidden: list[_Line]) -> str:
    counts: dict[str, int] = {}
    for e in hidden:
        counts[e.status] = counts.get(e.status, 0) + 1
    parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    return f"  … {len(hidden)} more: {parts}"


def _is_tty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
