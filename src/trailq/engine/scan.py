"""Scanning sources: one process for small inputs, several for large ones.

The scan part of a query (see interpreter.py) runs where the bytes are read. Its output is
reduced right there, so what travels between processes stays small: per-group stats states
(merged with `merge_groups`), or the top N rows of a `[sort] [limit N]` ending. Large JSON-lines
files are cut into byte ranges at line boundaries; gzip files and documents are whole units.
"""

from __future__ import annotations

import mmap
import multiprocessing
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import orjson

from trailq.engine import events as E
from trailq.engine.blocks import range_blocks
from trailq.engine.event_model import EventBatch
from trailq.engine.expressions import Row, RunContext
from trailq.engine.fastagg import aggregate_batches, fast_stats
from trailq.engine.inputs import GZIP_MAGIC, HEAD_BYTES, UTF8_BOM, unreadable_kind
from trailq.engine.interpreter import Groups, Plan, aggregate, apply, keep_top, merge_groups, plan_query
from trailq.engine.sources import is_single_record, sniff
from trailq.engine.workers import run_forked
from trailq.lang import ast as A

# Inputs smaller than this are scanned in this process: starting workers costs more than it saves.
PARALLEL_MIN_BYTES = 64 * 1024 * 1024
# Byte ranges per worker: a few, so a slow range does not leave the other workers idle.
RANGES_PER_WORKER = 4
# Units are handed to workers in this many batches per worker (whole small files grouped), so that
# 20,000 small S3 objects cost 8 round trips and 8 partial results, not 20,000 of each.
BATCHES_PER_WORKER = RANGES_PER_WORKER
# A gzip object holds about this many times its size in JSON (CloudTrail objects: 7-10×): what
# decides whether starting workers pays is the work, not the bytes on disk.
GZIP_EXPANSION = 8
_READ_CHUNK = 1 << 20


@dataclass
class Unit:
    """A piece of work: a whole file, or the lines starting in [start, end) of a JSON-lines file."""

    path: str
    start: int = 0
    end: int | None = None


@dataclass
class Partial:
    """What one unit's scan produced."""

    report: E.ReadReport
    matched: int = 0
    groups: Groups | None = None
    rows: list[Row] = field(default_factory=list)


# `_is_splittable` reads at most this much of a line: a longer first line is not worth splitting for.
_SNIFF_LINE_LIMIT = 1 << 22


def _is_splittable(path: str) -> bool:
    """A plain (not gzip) file that reads as JSON lines (sources.sniff, the same rule as reading it)
    and whose first line is not a whole S3 object or export."""
    if path == "-":
        return False
    too_long = False
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
            # Byte ranges read raw bytes: gzip, a byte order mark or a format read whole (or named as
            # unreadable) by inputs.open_input must go through it, as one unit.
            if head.startswith((GZIP_MAGIC, UTF8_BOM)) or unreadable_kind(head) is not None:
                return False
            handle.seek(0)

            def readline() -> bytes:
                nonlocal too_long
                line = handle.readline(_SNIFF_LINE_LIMIT)
                if len(line) >= _SNIFF_LINE_LIMIT and not line.endswith(b"\n"):
                    too_long = True
                    return b""
                return line

            head, json_lines = sniff(readline)
    except OSError:
        return False
    if too_long or not json_lines:
        return False
    try:
        first = orjson.loads(head.strip().split(b"\n", 1)[0])
    except orjson.JSONDecodeError:
        return True  # a broken first line, reported by the range that holds it
    return is_single_record(first)


def _regular_size(path: str) -> int:
    """The size of a regular file; 0 for stdin, a stream or a path that vanished (its reader reports it)."""
    if path == "-":
        return 0
    try:
        info = os.stat(path)
    except OSError:
        return 0
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


def is_stream(path: str) -> bool:
    """stdin, a FIFO, /dev/fd/N: bytes that can be read only once, by this process."""
    if path == "-":
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def plan_units(files: list[str], workers: int) -> list[Unit]:
    units: list[Unit] = []
    for path in files:
        size = _regular_size(path)
        if workers > 1 and size >= PARALLEL_MIN_BYTES // 4 and _is_splittable(path):
            pieces = workers * RANGES_PER_WORKER
            step = max(size // pieces, 1)
            bounds = list(range(0, size, step)) + [size]
            units.extend(Unit(path, a, b) for a, b in zip(bounds, bounds[1:]) if b > a)
        else:
            units.append(Unit(path))
    return units


def _range_lines(handle: BinaryIO, start: int, end: int) -> Iterator[bytes]:
    """Lines whose first byte lies in [start, end)."""
    position = start
    if start > 0:
        handle.seek(start - 1)
        skipped = handle.readline()  # the rest of a line that began in the previous range
        position = start - 1 + len(skipped)
    else:
        handle.seek(0)
    while position < end:
        line = handle.readline()
        if not line:
            return
        position += len(line)
        yield line


def _first_line_number(unit: Unit) -> int:
    """1-based number of the first line starting in the unit's range (a pass over the bytes before it)."""
    if unit.start == 0:
        return 1
    with open(unit.path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        newlines = data[: unit.start - 1].count(b"\n")
        if data[unit.start - 1 : unit.start] != b"\n":
            newlines += 1  # the partial line before the range belongs to the previous unit
        return newlines + 1


def scan_unit(plan: Plan, unit: Unit, options: E.ReadOptions, stdin: BinaryIO | None = None) -> Partial:
    report = E.ReadReport()
    if unit.end is not None:
        batches = _range_batches(unit, options, report)
    else:
        batches = E.read_batches([unit.path], options, report, stdin=stdin)
    return reduce_batches(plan, batches, report, options)


def reduce_batches(plan: Plan, batches: Iterator[EventBatch], report: E.ReadReport, options: E.ReadOptions) -> Partial:
    """The scan's result for a stream of event batches: the fast stats path when the query allows
    it (and the run does not ask for the reference paths)."""
    fast = None if options.reference else fast_stats(plan)
    batches = _counted(batches, report)
    if fast is None:
        return reduce_rows(plan, (Row(event) for batch in batches for event in batch.events()), report)
    partial = Partial(report)
    partial.groups, partial.matched = aggregate_batches(fast, batches)
    return partial


def _counted(batches: Iterator[EventBatch], report: E.ReadReport) -> Iterator[EventBatch]:
    for batch in batches:
        report.in_window += len(batch)
        yield batch


def _range_batches(unit: Unit, options: E.ReadOptions, report: E.ReadReport) -> Iterator[EventBatch]:
    report.files += 1 if unit.start == 0 else 0
    label = options.name_of(unit.path)
    where = f"{label} (bytes {unit.start:,}-{unit.end or 0:,})"
    if E.past_deadline(options):
        report.problem(where, "not read: the run's --timeout passed", False, kind="file")
        report.timed_out = True
        return
    first_line = lambda: _first_line_number(unit)  # noqa: E731 - counted only when a problem is reported
    try:
        if not options.reference:
            with open(unit.path, "rb", buffering=0) as raw:
                blocks = E.within_text_limit(range_blocks(raw, unit.start, unit.end or 0), where, options, report)
                blocks = E.until_deadline(blocks, where, options, report)
                yield from E.read_blocks(blocks, label, options, report, first_line)
            return
        with open(unit.path, "rb", buffering=_READ_CHUNK) as handle:
            lines = E.until_deadline(_range_lines(handle, unit.start, unit.end or 0), where, options, report)
            yield from E.batched(E.read_lines(lines, label, options, report, first_line=first_line))
    except OSError as exc:
        report.problem(where, f"read error: {exc.strerror or exc}", options.strict, kind="file")


def reduce_rows(plan: Plan, rows: Iterator[Row], report: E.ReadReport) -> Partial:
    partial = Partial(report)
    counter = _Counter()
    scanned = counter.count(apply(plan.scan, rows))
    if plan.first_stats is not None:
        partial.groups = aggregate(plan.first_stats, scanned)
    elif plan.top_k is not None:
        key, size = plan.top_k
        partial.rows = keep_top(scanned, key, size)
    else:
        partial.rows = list(scanned)
    partial.matched = counter.n
    return partial


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def count(self, rows: Iterator[Row]) -> Iterator[Row]:
        for row in rows:
            self.n += 1
            yield row


# --- multi-process ---------------------------------------------------------------------------

_WORKER_STATE: dict[str, Any] = {}


def _worker_init(query: A.Query, context: RunContext, options: E.ReadOptions) -> None:
    _WORKER_STATE["plan"] = plan_query(query, context)
    _WORKER_STATE["options"] = options


def _worker_scan(units: list[Unit]) -> Partial:
    plan = _WORKER_STATE["plan"]
    return combine(plan, [scan_unit(plan, unit, _WORKER_STATE["options"]) for unit in units])


def _work(path: str) -> int:
    """The bytes of JSON a file is expected to hold (gzip recognised by name: only an estimate)."""
    size = _regular_size(path)
    return size * GZIP_EXPANSION if path.endswith(".gz") else size


def batches(units: list[Unit], count: int) -> list[list[Unit]]:
    """Consecutive units in about `count` batches of similar work (order kept: results are combined in it)."""
    sizes = [(u.end - u.start) if u.end is not None else _work(u.path) for u in units]
    target = max(sum(sizes) / max(count, 1), 1)
    out: list[list[Unit]] = []
    current: list[Unit] = []
    filled = 0.0
    for unit, size in zip(units, sizes):
        current.append(unit)
        filled += size
        if filled >= target:
            out.append(current)
            current, filled = [], 0.0
    if current:
        out.append(current)
    return out


def combine(plan: Plan, partials: list[Partial]) -> Partial:
    total = Partial(E.ReadReport())
    groups: Groups = {}
    rows: list[Row] = []
    for partial in partials:
        total.report.merge(partial.report)
        total.matched += partial.matched
        if partial.groups is not None:
            merge_groups(groups, partial.groups)
        rows.extend(partial.rows)
    if plan.first_stats is not None:
        total.groups = groups
    elif plan.top_k is not None:
        key, size = plan.top_k
        total.rows = keep_top(rows, key, size)
    else:
        total.rows = rows
    return total


def scan(plan: Plan, files: list[str], options: E.ReadOptions, stdin: BinaryIO | None, workers: int) -> Partial:
    """Scan every file; in `workers` processes when the input is large and the query allows it.

    Streams (stdin, FIFOs, /dev/fd/N) are read here, once, so a run holding one stays in this process."""
    total_work = sum(_work(f) for f in files)
    parallel = workers > 1 and total_work >= PARALLEL_MIN_BYTES and not any(is_stream(f) for f in files)
    if not parallel:
        report = E.ReadReport()
        return reduce_batches(plan, E.read_batches(files, options, report, stdin=stdin), report, options)
    units = plan_units(files, workers)
    groups = batches(units, workers * BATCHES_PER_WORKER)  # few tasks: a task per small object costs memory
    if hasattr(os, "fork"):
        return combine(plan, run_forked(
            lambda index: combine(plan, [scan_unit(plan, unit, options) for unit in groups[index]]), len(groups), workers,
        ))
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_worker_init, initargs=(plan.query, plan.context, options)) as pool:
        partials = pool.map(_worker_scan, groups, chunksize=1)
    return combine(plan, partials)

