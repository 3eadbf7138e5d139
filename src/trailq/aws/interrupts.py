"""SIGINT/SIGTERM → a threading.Event the backend watches, so an abort stops queries instead of dying.

The CLI wraps a run in `cancel_on_signals()` and passes the event as `run(..., cancel=event)`.
`interrupted()` says whether it was SIGINT (exit 130) rather than SIGTERM (exit 5). A second Ctrl-C
while StopQuery calls are in flight falls back to the default handler, so a user can always leave.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class CancelOnSignals:
    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal: int | None = None
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: Any) -> None:
        if self.event.is_set():  # second signal: restore the default behaviour and re-deliver
            signal.signal(signum, self._previous.get(signum, signal.SIG_DFL))
            signal.raise_signal(signum)
            return
        self.signal = signum
        self.event.set()

    def interrupted(self) -> bool:
        """True for Ctrl-C (exit 130); SIGTERM counts as an abort (exit 5)."""
        return self.signal == signal.SIGINT


@contextmanager
def cancel_on_signals() -> Iterator[CancelOnSignals]:
    """Install the handlers for the duration of a run (main thread only), then restore the old ones."""
    state = CancelOnSignals()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return
    for signum in (signal.SIGINT, signal.SIGTERM):
        state._previous[signum] = signal.signal(signum, state._handle)
    try:
        yield state
    finally:
        for number, handler in state._previous.items():
            signal.signal(number, handler)
