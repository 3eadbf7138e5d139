"""`--state FILE`: windows for periodic audits, so consecutive runs cover time exactly once.

For each query × target the file remembers the last whole second a successful run covered.
The next window starts at the following second: no gap, no overlap.

Boundaries (docs/ci.md, "Windows"): StartQuery takes whole epoch seconds and both ends are
inclusive, and whether an event at 08:59:59.500 falls inside an end of 08:59:59 is not
documented. So every window here is made of whole seconds: it starts at S.000000 and ends at
E.999999, i.e. it covers seconds S..E entirely, and the next one starts at (E+1).000000. In
milliseconds (`start_epoch_ms()`/`end_epoch_ms()`, the local engine's inclusive test) the
windows tile exactly. A backend that sends whole seconds must round the end *up* (E+1) so no
event of second E is missed whichever way the service compares; events in that boundary second
may then be counted twice, which an audit can live with, unlike a gap.

The window's end stays `settle` behind now (default 5 minutes), because CloudTrail events reach
CloudWatch Logs minutes after they happen; an event that arrives late but inside the settle
delay is still counted by the window that covers its second.

The recorded point wins over `--since`/`--start`: `--since` only sets where the first run of a
query × target starts. Nothing is recorded for a failed or truncated result, so the next run
retries that span instead of skipping it. The file is replaced atomically (fileio.write_atomic),
so a crash leaves the previous valid file. One writer at a time: concurrent runs sharing a state
file are not coordinated.
"""

from __future__ import annotations

import json
import math
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from trailq.errors import UsageError
from trailq.reporting.fileio import write_atomic
from trailq.result import Notice, Result, Target
from trailq.timerange import ISO_SECONDS, TimeRange, iso_seconds, utc_now

STATE_VERSION = 1
MAX_STATE_BYTES = 64 * 2**20  # a state file holds one line per query × target: far below this
DEFAULT_SETTLE_SECONDS = 300.0
_LAST_MICROSECOND = timedelta(microseconds=999_999)


def nothing_new(query: str, target: str) -> Notice:
    """The notice for a query × target whose next window has not settled yet (every backend says it)."""
    return Notice(f"{query} on {target}: nothing new has settled since the last run")


def target_key(target: Target) -> str:
    """The state key of a target: `account/region` on AWS, the source on local files.

    Log groups are left out on purpose: adding a log group to a target must not restart its
    audit from --since.
    """
    if target.source is not None:
        return f"local:{target.source}"
    return f"{target.account or '-'}/{target.region or '-'}"


def _second(moment: datetime) -> datetime:
    return datetime.fromtimestamp(math.floor(moment.timestamp()), timezone.utc)


def _covered_until(window_end: datetime) -> datetime:
    """The last whole second an inclusive end covers: E for E.999999, E-1 for anything earlier in E."""
    return _second(window_end + timedelta(microseconds=1)) - timedelta(seconds=1)


class StateFile:
    """The per query × target watermarks of one `--state FILE` (loaded on creation, saved by save())."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._covered: dict[str, dict[str, datetime]] = self._load()

    # -- reading ------------------------------------------------------------------------------

    def _load(self) -> dict[str, dict[str, datetime]]:
        try:
            text = self._read_bounded()
        except FileNotFoundError:
            return {}  # first run: every window starts at the requested start
        except OSError as exc:
            raise UsageError(f"--state {self.path}: cannot read: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise UsageError(
                f"--state {self.path}: not a trailq state file (binary, not UTF-8 text)",
                hint="give another --state FILE; trailq writes a small JSON file there",
            ) from None
        try:
            return _parse(json.loads(text))
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            raise UsageError(
                f"--state {self.path}: not a trailq state file ({exc})",
                hint="delete it to start again from --since, or give another --state FILE",
            ) from None

    def _read_bounded(self) -> str:
        """The file's text; a device, a FIFO (`/dev/zero` never ends) or a huge file is refused, not read."""
        if self.path.exists() and not self.path.is_file():
            raise UsageError(f"--state {self.path}: not a regular file", hint="give a file path; trailq writes a small JSON file there")
        with open(self.path, "rb") as handle:
            data = handle.read(MAX_STATE_BYTES + 1)
        if len(data) > MAX_STATE_BYTES:
            raise UsageError(f"--state {self.path}: not a trailq state file (larger than {MAX_STATE_BYTES // 2**20} MB)")
        return data.decode("utf-8")

    def covered_until(self, query: str, target_key: str) -> datetime | None:
        """The last whole second recorded for this query × target (covered through its .999999), if any."""
        return self._covered.get(query, {}).get(target_key)

    # -- windows ------------------------------------------------------------------------------

    def window(
        self,
        query: str,
        target_key: str,
        requested: TimeRange,
        settle_seconds: float = DEFAULT_SETTLE_SECONDS,
        *,
        now: datetime | None = None,
    ) -> TimeRange | None:
        """The whole-second window to run next, or None when nothing new has settled yet.

        Starts the second after the recorded one (or at the requested start on a first run) and
        ends with the last whole second that is both within `requested` and `settle_seconds` before now.
        """
        now = now or utc_now()
        if settle_seconds < 0:
            raise UsageError(f"--settle must not be negative (got {settle_seconds:g}s)")
        limit = min(requested.end, now - timedelta(seconds=settle_seconds))
        # The last second that lies wholly within the limit (a second still being written is left for later).
        end_second = _covered_until(limit)
        recorded = self.covered_until(query, target_key)
        if recorded is not None and recorded > now + timedelta(minutes=5):
            # Nothing can have been covered in the future: a wrong clock or an edited file would
            # otherwise stop this audit for good, silently ("nothing new" on every run).
            raise UsageError(
                f"--state {self.path}: {query} on {target_key} is recorded as covered until "
                f"{iso_seconds(recorded)}, which is in the future",
                hint="check this machine's clock, or remove that entry from the state file",
            )
        start = recorded + timedelta(seconds=1) if recorded is not None else _second(requested.start)
        if start > end_second:
            return None
        return TimeRange(start, end_second + _LAST_MICROSECOND)

    # -- writing ------------------------------------------------------------------------------

    def record(self, query: str, target_key: str, window: TimeRange) -> None:
        """Remember that `window` ran successfully. Never moves a watermark backwards."""
        until = _covered_until(window.end)
        current = self.covered_until(query, target_key)
        if current is None or until > current:
            self._covered.setdefault(query, {})[target_key] = until

    def record_result(self, result: Result, window: TimeRange, query_key: str | None = None) -> bool:
        """Record `window` for the result's query × target when the result is complete and whole.

        `query_key` is the entry to record under (default: the result's query name; ad-hoc text
        is keyed by a digest of its text). A failed or truncated result is not recorded (its span
        will be read again); returns whether the watermark was recorded.
        """
        if not result.ok or result.truncated:
            return False
        self.record(query_key or result.query, target_key(result.target), window)
        return True

    def save(self) -> None:
        """Write the file atomically: a crash leaves the previous valid file."""
        write_atomic(self.path, json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "about": "trailq --state: per query and target, the last whole second a successful run covered",
            "covered_until": {
                query: {key: iso_seconds(moment) for key, moment in sorted(targets.items())}
                for query, targets in sorted(self._covered.items())
            },
        }


def _parse(document: Any) -> dict[str, dict[str, datetime]]:
    if not isinstance(document, dict):
        raise ValueError("the top level is not an object")
    if document.get("version") != STATE_VERSION:
        raise ValueError(f"unsupported version {document.get('version')!r}, expected {STATE_VERSION}")
    covered = document["covered_until"]
    if not isinstance(covered, dict):
        raise ValueError("'covered_until' is not an object")
    parsed: dict[str, dict[str, datetime]] = {}
    for query, targets in covered.items():
        if not isinstance(targets, dict):
            raise ValueError(f"query {query!r}: not an object")
        parsed[query] = {
            key: datetime.strptime(value, ISO_SECONDS).replace(tzinfo=timezone.utc) for key, value in targets.items()
        }
    return parsed
