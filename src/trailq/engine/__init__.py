"""The local engine: Logs Insights queries over CloudTrail files, with no AWS account.

Public API (the CLI wires `trailq run --source/--sample` to it):
    run_local(query, name=, sources=, time_range=, strict=, stdin=, on_progress=, workers=) -> Result
    check_supported(query)          raises UnsupportedLocally (exit 7) for service-only commands
    sample_sources() -> list[str]   the bundled sample trail
    prefilter.describe(query) -> str
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from importlib import resources
from typing import BinaryIO

from trailq.engine import prefilter as _prefilter
from trailq.engine.decode import record_keys
from trailq.engine.events import ReadOptions, ReadReport
from trailq.engine.expressions import RunContext
from trailq.engine.fastagg import text_keys
from trailq.engine.interpreter import check_supported, finish, plan_query, render_rows
from trailq.engine.scan import is_stream, scan
from trailq.engine.sources import SourceFiles, collect_sources
from trailq.errors import EXIT_QUERY_FAILED, QueryFailedError, UsageError
from trailq.lang.ast import Query
from trailq.lang.commands import MAX_LIMIT  # the service's ceiling for one query
from trailq.result import COMPLETE, TIMEOUT, Coverage, Gap, ProgressEvent, Result, Searched, Statistics, Target
from trailq.timerange import TimeRange

__all__ = ["run_local", "check_supported", "sample_sources", "is_stream"]


class SampleMissing(UsageError):
    """The bundled sample trail is not installed (a broken or partial install): exit 2 with a hint
    to reinstall, since nothing is wrong with the query and it is not a bug in trailq."""


def sample_sources() -> list[str]:
    """The folder of the sample trail shipped in the wheel."""
    folder = resources.files("trailq") / "data" / "sample"
    path = str(folder)
    if not os.path.isdir(path) or not any(os.scandir(path)):
        raise SampleMissing(f"the bundled sample trail is missing ({path})", hint="reinstall trailq, or run scripts/make_sample.py")
    return [path]


def _default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def source_label(sources: Sequence[str]) -> str:
    """How local sources are named in output and in --state keys: each once (as read), stdin as `stdin`."""
    labels = list(dict.fromkeys("stdin" if s == "-" else s for s in sources))  # a source named twice is read once
    return ", ".join(labels) if labels else "none"


def run_local(
    query: Query,
    *,
    name: str,
    sources: Sequence[str],
    time_range: TimeRange | None,
    strict: bool = False,
    stdin: BinaryIO | None = None,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    workers: int | None = None,
    label: str | None = None,
    deadline: float | None = None,
    parse_every_line: bool = False,
    spooled: dict[str, str] | None = None,
    reference: bool = False,
) -> Result:
    """Run one parsed query over local sources. Raises TrailqError subclasses; never prints.

    `label` names the target in output (e.g. "sample"); by default the sources are listed.
    `deadline` (time.monotonic()) stops reading: the Result is then a Timeout with the rows of
    the part read, and its coverage names what was not read. `parse_every_line` turns the
    prefilter off so that coverage counts every corrupt line (checks need that; see semantics.md).
    `spooled` maps a stream source (`-`, a FIFO) to a file holding a copy of its bytes, read in its
    place and named as the stream (runs.spooled_streams: several queries over one stream).
    `reference` runs the slow reference paths (the line-by-line reader, the general stats path)
    that the differential tests compare the fast ones with; the answer must not change.
    """
    started = time.monotonic()
    now_ms = int(datetime.now(timezone.utc).timestamp() * 1000)
    context = RunContext(
        query=query,
        now_ms=now_ms,
        start_ms=time_range.start_epoch_ms() if time_range else None,
        end_ms=time_range.end_epoch_ms() if time_range else None,
    )
    plan = plan_query(query, context)  # raises UnsupportedLocally first, before reading anything
    target = Target(source=label or source_label(sources))
    spooled = dict(spooled or {})
    collected = collect_sources([spooled.get(s, s) for s in sources])
    if strict and collected.gaps:
        first = collected.gaps[0]
        raise QueryFailedError(f"unreadable input: {first.where}: {first.reason}", hint="drop --strict to skip and report bad input")
    # Under --strict, and for checks (`parse_every_line`), every line is parsed, so that corrupt input
    # is found even where it could not match: the prefilter would count a broken line that lacks the
    # query's literals as read, and a verdict must not rest on a line nobody could read.
    prefilter = _prefilter.build(query)
    parse_all = strict or parse_every_line
    matcher = None if parse_all else prefilter.matcher()
    options = ReadOptions(strict=strict, time_range=time_range, prefilter=matcher, needles=None if parse_all else prefilter.needles(),
                          keys=record_keys(query, plan.columns.names),  # decode only what the query reads (decode.py)
                          text_keys=text_keys(plan),  # group keys counted as decoded (fastagg.py)
                          deadline=deadline, names={copy: "stdin" if given == "-" else given for given, copy in spooled.items()},
                          reference=reference)
    if on_progress is not None:
        on_progress(ProgressEvent(name, target, "Running", Statistics(), 0.0))
    partial = scan(plan, collected.files, options, stdin, workers or _default_workers())
    finished = finish(plan, partial.rows, partial.groups)
    report = partial.report
    statistics = Statistics(
        records_matched=float(partial.matched),
        records_scanned=float(report.records),
        bytes_scanned=float(report.bytes_read),
        elapsed_seconds=time.monotonic() - started,
    )
    warnings = collected.warnings() + report.warnings(time_range is not None)
    if time_range is not None and matcher is None and report.records and not report.in_window and not report.timed_out:
        # Every line was parsed (no prefilter), so this is known: stale copies, or a window after the trail's end.
        warnings.append(f"no record lies in the time range {time_range.describe()}: "
                        f"the {report.records:,} record(s) read are all outside it (the sources do not cover the window)")
    if report.records == 0 and not warnings and not report.timed_out:
        # "no rows" over nothing read is not an answer: an empty folder, a wrong path level, a sync
        # that did not run. Said on stderr even for `run`, where it is not an error, unless a warning
        # above (an unreadable file, a skipped line) already says why (docs/semantics.md).
        warnings.append(f"no record was read from the sources ({_files_found(collected)})")
    if finished.truncated:
        warnings.append(
            f"more than {len(finished.rows)} rows matched; showing the first {len(finished.rows)}, as the service would "
            f"(add `| limit N` to choose, up to {MAX_LIMIT})"
        )
    result = Result(
        query=name,
        target=target,
        columns=list(plan.columns.names),
        rows=render_rows(plan, finished.rows),
        statistics=statistics,
        status=COMPLETE,
        truncated=finished.truncated,
        warnings=warnings,
        text=query.text,
        coverage=_coverage(sources, collected, report, target),
    )
    if report.timed_out:
        result.status = TIMEOUT
        result.error = (f"the run's --timeout passed while reading; the rows are from the part read "
                        f"({report.files - report.files_unread} file(s), {report.records} record(s))")
        result.error_exit_code = EXIT_QUERY_FAILED
    if on_progress is not None:
        on_progress(ProgressEvent(name, target, COMPLETE, statistics, statistics.elapsed_seconds))
    return result


def _coverage(sources: Sequence[str], collected: SourceFiles, report: ReadReport, target: Target) -> Coverage:
    """What the run read and what it could not: the walk's gaps first, then the readers'."""
    coverage = Coverage()
    for source in dict.fromkeys(sources):
        coverage.searched.append(Searched("stdin" if source == "-" else source, _origin(source)))
    for gap in collected.gaps:
        coverage.add_gap(gap)
    coverage.add(report.gaps)
    coverage.files_read = report.files - report.files_unread
    coverage.records_read = report.records
    if report.records == 0:
        coverage.add_gap(Gap("input", target.label(), "no record was read from the sources"))
    return coverage


def _files_found(collected: SourceFiles) -> str:
    found = len(collected.files)
    return f"{found} file(s) found, none holding a record" if found else "no file found"


def _origin(source: str) -> str:
    if source == "-":
        return "stdin"
    if is_stream(source):
        return "stream"
    if os.path.isdir(source):
        return "folder"
    if os.path.exists(source):
        return "file"
    return "glob"
