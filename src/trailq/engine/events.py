"""Reading CloudTrail records from local files, folders, globs and stdin, as a stream of events.

Formats are detected per file from its bytes, not its name: gzip (any extension), a CloudTrail
S3 object (``{"Records": [...]}``), a JSON array of records, a CloudWatch export
(``{"events": [{"timestamp", "message"}, ...]}``), or JSON lines (one record per line, where a
line may itself be a ``Records`` or ``events`` wrapper; `sources.sniff` tells them from documents,
also when the first line is broken). JSON lines are streamed line by line
with an optional byte-level prefilter; whole documents are parsed at once (trail objects are
small). Unreadable input is reported with file and line and skipped, or raised under strict.

Events travel in batches (`event_model.EventBatch`, one per block of lines): `read_batches`. The
common line (one record) is kept as record, line and time, without an Event object, and a batch
passes through one generator instead of four per event. `read_events` gives them one by one.

The event model (`Event`, `field_getter`) is `event_model.py`. JSON lines take one production path,
the block reader (`read_blocks`); the line-by-line `read_lines` is the reference it must agree with,
chosen only by `ReadOptions.reference` (the differential tests, tests/engine/test_fastpaths.py).
"""

from __future__ import annotations

import gzip
import io
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, BinaryIO, TypeVar

import orjson

from trailq.engine import blocks as blocks_module
from trailq.engine.blocks import Block, TextTooLong, block_lines, bounded_readline, scan_block, stream_blocks
from trailq.engine.decode import decoder_for
from trailq.engine.event_model import Event, EventBatch, PartialEvent
from trailq.engine.inputs import GZIP_MAGIC, open_input, text_kind
from trailq.engine.sources import holds_json_lines, is_digest_record, is_single_record, sniff
from trailq.engine.values import event_times_ms, parse_event_time_ms
from trailq.errors import QueryFailedError, UsageError
from trailq.result import Coverage, Gap
from trailq.timerange import TimeRange

# How many problems are listed one by one before the rest are only counted.
MAX_LISTED_PROBLEMS = 20
_GZIP_MAGIC = GZIP_MAGIC

Prefilter = Callable[[bytes], bool]
T = TypeVar("T")


@dataclass
class ReadReport:
    """What reading cost and what went wrong, turned into Result statistics and warnings."""

    files: int = 0
    bytes_read: int = 0
    records: int = 0
    problem_count: int = 0
    problems: list[str] = field(default_factory=list)
    no_time_count: int = 0
    no_time_examples: list[str] = field(default_factory=list)
    digest_count: int = 0
    digest_examples: list[str] = field(default_factory=list)
    files_unread: int = 0  # files opened but not read at all (a format trailq does not read, a broken document)
    in_window: int = 0  # records handed to the query: inside the time range, or every record without one
    timed_out: bool = False  # reading stopped at the run's --timeout
    gaps: Coverage = field(default_factory=Coverage)  # every skipped file and record, as Coverage gaps

    def problem(self, where: str, message: str, strict: bool, kind: str = "record") -> None:
        """A skipped record ("record") or a file not read, or not read to its end ("file")."""
        text = f"{where}: {message}"
        if strict:
            raise QueryFailedError(f"unreadable input: {text}", hint="drop --strict to skip and report bad input")
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(text)
        self.gaps.add_gap(Gap(kind, where, message))

    def unread_file(self, where: str, message: str, strict: bool) -> None:
        """A file of which nothing could be read."""
        self.problem(where, message, strict, kind="file")
        self.files_unread += 1

    def no_time(self, where: str, skipped: bool = False, strict: bool = False) -> None:
        """A record without a parsable time; `skipped` when a time range leaves it out (a gap)."""
        if skipped and strict:
            raise QueryFailedError(f"unreadable input: {where}: no parsable eventTime, cannot be placed in the time range",
                                   hint="drop --strict to skip and report such records")
        self.no_time_count += 1
        if len(self.no_time_examples) < 5:
            self.no_time_examples.append(where)
        if skipped:
            self.gaps.add_gap(Gap("record", where, "no parsable eventTime: cannot be placed in the time range"))

    def stop_reading(self, where: str) -> None:
        """The run's --timeout passed while `where` was being read."""
        self.timed_out = True
        self.problem(where, "not read to the end: the run's --timeout passed", False, kind="file")

    def digest(self, where: str) -> None:
        self.digest_count += 1
        if len(self.digest_examples) < 5:
            self.digest_examples.append(where)

    def merge(self, other: ReadReport) -> None:
        self.files += other.files
        self.bytes_read += other.bytes_read
        self.records += other.records
        self.problem_count += other.problem_count
        self.problems.extend(other.problems[: max(0, MAX_LISTED_PROBLEMS - len(self.problems))])
        self.no_time_count += other.no_time_count
        self.no_time_examples.extend(other.no_time_examples[: max(0, 5 - len(self.no_time_examples))])
        self.digest_count += other.digest_count
        self.digest_examples.extend(other.digest_examples[: max(0, 5 - len(self.digest_examples))])
        self.files_unread += other.files_unread
        self.in_window += other.in_window
        self.timed_out = self.timed_out or other.timed_out
        self.gaps.add(other.gaps)

    def warnings(self, time_filtered: bool) -> list[str]:
        out: list[str] = []
        if self.problem_count:
            listed = "; ".join(self.problems)
            more = self.problem_count - len(self.problems)
            tail = f" (and {more} more)" if more > 0 else ""
            out.append(f"skipped {self.problem_count} unreadable input(s): {listed}{tail}")
        if self.no_time_count:
            what = "skipped (outside any time range)" if time_filtered else "kept with no @timestamp"
            out.append(
                f"{self.no_time_count} record(s) without a parsable eventTime, {what}: "
                + ", ".join(self.no_time_examples)
                + (" ..." if self.no_time_count > len(self.no_time_examples) else "")
            )
        if self.digest_count:
            out.append(
                f"skipped {self.digest_count} CloudTrail digest(s) recognised by their content "
                "(digestStartTime, digestEndTime, logFiles; a digest holds no events): "
                + ", ".join(self.digest_examples)
                + (" ..." if self.digest_count > len(self.digest_examples) else "")
            )
        return out


# ---------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------


@dataclass
class ReadOptions:
    strict: bool = False
    time_range: TimeRange | None = None
    prefilter: Prefilter | None = None
    # The literals of the prefilter's first clause (prefilter.Prefilter.needles): with them a block
    # is searched once instead of testing every line; without them every line is tested.
    needles: tuple[bytes, ...] | None = None
    # The top-level keys the query reads (decode.record_keys): the block reader then decodes only
    # those (decode.FieldDecoder); None builds whole records.
    keys: frozenset[str] | None = None
    # Keys the fast stats path groups by (fastagg.text_keys): decoded as text or null only
    # (decode.FieldDecoder), any other value takes orjson's path.
    text_keys: frozenset[str] = frozenset()
    # time.monotonic() after which reading stops (--timeout); None: no deadline.
    deadline: float | None = None
    # How a file read under another path is named in messages: a stream spooled to a temporary
    # file (runs.spooled_streams) keeps the name the user gave (`stdin`, `/dev/fd/63`).
    names: dict[str, str] = field(default_factory=dict)
    # Run the reference paths instead of the fast ones: the line-by-line reader (`read_lines`) and
    # the general Row path for stats (not fastagg). Only the differential tests set it
    # (run_local(reference=True)); the answers must be the same.
    reference: bool = False

    def name_of(self, path: str) -> str:
        return "stdin" if path == "-" else self.names.get(path, path)


def read_events(files: list[str], options: ReadOptions, report: ReadReport, stdin: BinaryIO | None = None) -> Iterator[Event]:
    """Every event of every file, in file order; problems go to `report` (or raise under strict)."""
    for batch in read_batches(files, options, report, stdin):
        yield from batch.events()


def read_batches(files: list[str], options: ReadOptions, report: ReadReport, stdin: BinaryIO | None = None) -> Iterator[EventBatch]:
    """`read_events` in batches (a block of lines, or up to BATCH_SIZE events of a document)."""
    for position, path in enumerate(files):
        label = options.name_of(path)
        if past_deadline(options):
            for rest in files[position:]:
                report.problem(options.name_of(rest), "not read: the run's --timeout passed", False, kind="file")
            report.timed_out = True
            return
        report.files += 1
        if path == "-" and stdin is None:
            raise UsageError("--source -: no standard input to read")
        try:
            opened = open_input(path, stdin)
        except OSError as exc:
            report.unread_file(label, f"cannot open: {exc.strerror or exc}", options.strict)
            continue
        try:
            if opened.unreadable is not None:
                report.unread_file(label, opened.unreadable, options.strict)
                continue
            yield from _read_stream(opened.stream, label, options, report, decompressed=opened.gzip is not None)
            for problem in opened.problems():
                report.problem(label, problem, options.strict, kind="file")
        except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
            report.problem(label, f"read error: {exc}", options.strict, kind="file")
        finally:
            opened.close()


def past_deadline(options: ReadOptions) -> bool:
    return options.deadline is not None and time.monotonic() > options.deadline


def until_deadline(items: Iterable[T], label: str, options: ReadOptions, report: ReadReport) -> Iterator[T]:
    """`items` (blocks or lines of one input) until the run's --timeout passes; then the input's
    unread rest is reported and reading stops."""
    if options.deadline is None:
        yield from items
        return
    for item in items:
        if time.monotonic() > options.deadline:
            report.stop_reading(label)
            return
        yield item


def within_text_limit(blocks: Iterable[Block], label: str, options: ReadOptions, report: ReadReport) -> Iterator[Block]:
    """`blocks` until a line longer than MAX_TEXT_BYTES; that line and the rest of the input are a gap."""
    try:
        yield from blocks
    except TextTooLong as too_long:
        report.problem(label, f"a line of over {_limit()} at byte {too_long.position:,}: not read from there on",
                       options.strict, kind="file")


def _limit() -> str:
    return f"{blocks_module.MAX_TEXT_BYTES >> 20} MiB"  # read at run time: tests lower the limit


def _read_stream(
    stream: BinaryIO, label: str, options: ReadOptions, report: ReadReport, decompressed: bool = False,
) -> Iterator[EventBatch]:
    try:
        head, json_lines = sniff(bounded_readline(stream.readline))
    except TextTooLong:
        report.unread_file(label, f"a line of over {_limit()} among its first lines (once decompressed): "
                                  "the file was not read", options.strict)
        return
    if not json_lines and not head.strip():  # nothing but blank lines, to the end
        report.bytes_read += len(head)
        return
    if json_lines:
        yield from _json_lines(head, stream, label, options, report)
        return
    # A document over several lines (pretty-printed object or array): parse it whole, when it is
    # not larger than anything a trail writes.
    data = head + stream.read(max(0, blocks_module.MAX_TEXT_BYTES + 1 - len(head)))
    report.bytes_read += len(data)
    if len(data) > blocks_module.MAX_TEXT_BYTES:
        report.unread_file(label, f"a JSON document of over {_limit()} (once decompressed): the file was not "
                                  "read (CloudTrail writes far smaller files; give larger archives as JSON lines)", options.strict)
        return
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if holds_json_lines(data):
            # JSON lines whose first lines are all broken (more than sniff looks at): read line by
            # line, each broken line a record gap, rather than lose every good record after them.
            report.bytes_read -= len(data)  # counted again, line by line
            yield from _json_lines(b"", io.BytesIO(data), label, options, report)
            return
        line = data.count(b"\n", 0, getattr(exc, "pos", 0)) + 1
        detail = exc.msg if hasattr(exc, "msg") else str(exc)
        what = text_kind(data[:64], label, decompressed) if line == 1 else "not valid JSON"
        # Nothing of a document that does not parse is read: the whole file is a gap.
        report.unread_file(f"{label}:{line}", f"{what} ({detail}); the file was not read", options.strict)
        return
    # Where a record sits in a multi-line document is not known cheaply: problems name the record.
    yield from batched(_from_document(document, label, 1, options, report, raw=None, at=label))


def _json_lines(head: bytes, stream: BinaryIO, label: str, options: ReadOptions, report: ReadReport) -> Iterator[EventBatch]:
    """`head` (read by sniff) and the rest of `stream` as JSON lines. Wrappers are allowed on any
    line; a broken line is reported with its line number and skipped."""
    if options.reference:
        yield from batched(read_lines(until_deadline(_chain_first(head, stream), label, options, report), label, options, report))
    else:
        blocks = within_text_limit(stream_blocks(head, stream.read), label, options, report)
        yield from read_blocks(until_deadline(blocks, label, options, report), label, options, report)


# Events of a document, or of the line-by-line reader, are handed on in batches of this many.
BATCH_SIZE = 1024


def batched(events: Iterable[Event], size: int = BATCH_SIZE) -> Iterator[EventBatch]:
    """`events` in batches. A read error raised by `events` comes after the events read before it,
    as it did one event at a time (a truncated gzip: its first records are still counted)."""
    batch = EventBatch()
    try:
        for event in events:
            batch.add_event(event)
            if len(batch) >= size:
                yield batch
                batch = EventBatch()
    except Exception:
        if len(batch):
            yield batch
        raise
    if len(batch):
        yield batch


class _LineNumbers:
    """`file:line` of the index-th line of an input whose first line number may be known only late:
    a byte range of a large file counts its lines only when it has a problem to report."""

    def __init__(self, label: str, first_line: int | Callable[[], int]) -> None:
        self.label = label
        self._first = first_line

    def __call__(self, index: int) -> str:
        if not isinstance(self._first, int):
            self._first = self._first()
        return f"{self.label}:{self._first + index}"


def read_lines(
    lines: Iterable[bytes],
    label: str,
    options: ReadOptions,
    report: ReadReport,
    first_line: int | Callable[[], int] = 1,
) -> Iterator[Event]:
    """Events of JSON lines. `first_line` may be a function: a byte range of a large file learns its
    line numbers only when it has a problem to report (counting them costs a pass over the file)."""
    prefilter = options.prefilter
    where = _LineNumbers(label, first_line)

    index = -1
    for line in lines:
        index += 1
        report.bytes_read += len(line)
        if prefilter is not None and not prefilter(line) and not _is_wrapper(line):
            report.records += 1
            continue
        body = line.strip()
        if not body:
            continue
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            report.problem(where(index), f"not valid JSON ({exc})", options.strict)
            continue
        if is_single_record(parsed):  # the common case: one record per line
            event = _make_event(parsed, body, label, options, report, locate=partial(where, index))
            if event is not None:
                yield event
            continue
        yield from _from_document(parsed, label, 0, options, report, raw=body, at=where(index))


def read_blocks(
    blocks: Iterable[Block],
    label: str,
    options: ReadOptions,
    report: ReadReport,
    first_line: int | Callable[[], int] = 1,
) -> Iterator[EventBatch]:
    """Events of JSON lines arriving as blocks of whole lines (blocks.py), a batch per block: the
    same events, counts, problems and line numbers as `read_lines` over the same lines, with less
    work per line."""
    prefilter = options.prefilter
    needles = options.needles if prefilter is not None else None
    where = _LineNumbers(label, first_line)

    index = 0  # of the block's first line, counted from the first line of the input
    for block in blocks:
        data, first, stop = block
        report.bytes_read += stop - first
        if needles is not None and prefilter is not None:
            total, spans = scan_block(block, needles)
            kept = 0
            batch = EventBatch()
            for start, end in spans:
                line = data[start:end]
                if prefilter(line) or _is_wrapper(line):
                    kept += 1
                    # The line number is only needed to report a problem: count newlines then.
                    at = _Locator(where, index, data, first, start)
                    batch.add_events(_line_events(line, at, label, options, report))
            # Every other line is skipped unparsed and counted as a record, as read_lines does.
            report.records += total - kept
            index += total
            if len(batch):
                yield batch
            continue
        lines = block_lines(block)
        if prefilter is None:
            batch = _plain_lines(lines, index, where, label, options, report)
        else:
            batch = EventBatch()
            for offset, line in enumerate(lines):
                if not prefilter(line) and not _is_wrapper(line):
                    report.records += 1
                    continue
                batch.add_events(_line_events(line, _Locator(where, index + offset), label, options, report))
        index += len(lines)
        if len(batch):
            yield batch


def _plain_lines(
    lines: list[bytes], index: int, where: Callable[[int], str], label: str, options: ReadOptions, report: ReadReport
) -> EventBatch:
    """Every line of a block parsed (no prefilter). A line holding one record with a readable
    eventTime inside the time range is added as record, line and time (the hot path: decoding,
    times and the checks run per block in loops without a call per line); any other line takes
    `_line_events`, so problems and records without a time are reported the same way."""
    decoder = decoder_for(options.keys, options.text_keys)  # None: whole records with orjson
    batch: EventBatch
    if len(lines) == 1 and lines[0].startswith(b'{"Records"'):
        # A trail object on one line (an S3 object is one block): straight to its records.
        batch = EventBatch()
        batch.add_events(_line_events(lines[0], _Locator(where, index), label, options, report, quick=False))
        return batch
    bodies = [line.strip() for line in lines]
    kept: list[int] | None = None  # offsets of the non-blank lines, when some are blank
    if b"" in bodies:
        # Blank lines hold nothing to read or report: left out before decoding, where each cost a
        # failed parse (50 million of them, a 51 kB gzip, took half a minute).
        kept = [offset for offset, body in enumerate(bodies) if body]
        lines, bodies = [lines[i] for i in kept], [bodies[i] for i in kept]
    if decoder is not None:
        parsed_lines = decoder.lines(bodies)
        batch = EventBatch(PartialEvent, decoder.text_keys)
    else:
        parsed_lines = [_loads_or_none(body) for body in bodies]
        batch = EventBatch(Event)
    timestamps = event_times_ms(parsed_lines)
    time_range = options.time_range
    if decoder is not None and time_range is None and None not in parsed_lines and None not in timestamps:
        # The usual block: every line decoded to one record (decode.py refuses wrappers) with a time.
        batch.records, batch.raws, batch.times = parsed_lines, bodies, timestamps  # type: ignore[assignment]  # no None in either
        report.records += len(bodies)
        return batch
    records, raws, times = batch.records.append, batch.raws.append, batch.times.append
    count = 0
    for offset, (parsed, timestamp_ms) in enumerate(zip(parsed_lines, timestamps)):
        if timestamp_ms is not None and type(parsed) is dict and "Records" not in parsed and "events" not in parsed:
            count += 1
            if time_range is None or time_range.contains_epoch_ms(timestamp_ms):
                records(parsed)
                raws(bodies[offset])
                times(timestamp_ms)
            continue
        # None: orjson's parse (_line_events), which also reads a trail object on one line.
        line_offset = offset if kept is None else kept[offset]
        batch.add_events(_line_events(lines[offset], _Locator(where, index + line_offset), label, options, report, quick=False))
    report.records += count
    return batch


def _loads_or_none(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


class _Locator:
    """`file:line` of a line, worked out only when asked (a problem or a record without a time)."""

    __slots__ = ("where", "index", "data", "first", "start")

    def __init__(self, where: Callable[[int], str], index: int, data: bytes = b"", first: int = 0, start: int = 0) -> None:
        self.where, self.index, self.data, self.first, self.start = where, index, data, first, start

    def __call__(self) -> str:
        return self.where(self.index + self.data.count(b"\n", self.first, self.start))


def _line_events(
    line: bytes, locate: Callable[[], str], label: str, options: ReadOptions, report: ReadReport, quick: bool = True
) -> Iterator[Event]:
    """The events of one JSON line (`read_lines`' body, with the one-record case first). `quick`:
    try the query's keys alone first (decode.py); the caller says False when it already did."""
    body = line.strip()
    if not body:
        return
    decoder = decoder_for(options.keys, options.text_keys)
    if decoder is not None:
        parsed = decoder.record(body) if quick else None
        if is_single_record(parsed):
            timestamp_ms = parse_event_time_ms(parsed.get("eventTime"))
            if timestamp_ms is not None:  # else orjson's whole record decides (digest, no time)
                report.records += 1
                time_range = options.time_range
                if time_range is None or time_range.contains_epoch_ms(timestamp_ms):
                    yield PartialEvent(parsed, body, timestamp_ms)
                return
        records = decoder.records(body)  # a trail object on one line, as an S3 object holds it
        if records is not None:
            yield from _records(records, locate(), options, report)
            return
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        report.problem(locate(), f"not valid JSON ({exc})", options.strict)
        return
    if is_single_record(parsed):
        event = _make_event(parsed, body, label, options, report, locate=locate)
        if event is not None:
            yield event
        return
    yield from _from_document(parsed, label, 0, options, report, raw=body, at=locate())


def _is_wrapper(line: bytes) -> bool:
    """A whole S3 object or export on one line: parsed anyway, so its records are counted."""
    head = line[:64].lstrip()
    return head.startswith((b'{"Records"', b'{"events"', b'{ "Records"', b'{ "events"'))


def _chain_first(head: bytes, stream: BinaryIO) -> Iterator[bytes]:
    """The lines already read by `sniff`, then the rest of the stream."""
    pieces = head.split(b"\n")
    for piece in pieces[:-1]:
        yield piece + b"\n"
    if pieces[-1]:
        yield pieces[-1]
    yield from stream


def _from_document(
    document: object, label: str, line_no: int, options: ReadOptions, report: ReadReport, raw: bytes | None, at: str | None = None
) -> Iterator[Event]:
    where = at if at is not None else f"{label}:{line_no}"
    if isinstance(document, dict):
        records = document.get("Records")
        if isinstance(records, list) and "eventTime" not in document:
            yield from _records(records, where, options, report)
            return
        events = document.get("events")
        if isinstance(events, list) and "eventTime" not in document:
            yield from _export_events(events, where, options, report)
            return
        yield from _records([document], where, options, report, raw=raw)
        return
    if isinstance(document, list):
        yield from _records(document, where, options, report)
        return
    report.problem(where, f"expected a JSON object, found {type(document).__name__}", options.strict)


def _records(records: list[Any], where: str, options: ReadOptions, report: ReadReport, raw: bytes | None = None) -> Iterator[Event]:
    for position, record in enumerate(records):
        at = where if raw is not None else f"{where} record {position + 1}"
        if not isinstance(record, dict):
            report.problem(at, f"expected a record object, found {type(record).__name__}", options.strict)
            continue
        event = _make_event(record, raw, at, options, report)
        if event is not None:
            yield event


def _export_events(events: list[Any], where: str, options: ReadOptions, report: ReadReport) -> Iterator[Event]:
    """A CloudWatch export: each event's message is the CloudTrail record as JSON text."""
    for position, item in enumerate(events):
        at = f"{where} event {position + 1}"
        message = item.get("message") if isinstance(item, dict) else None
        if not isinstance(message, str):
            report.problem(at, "export event without a message", options.strict)
            continue
        try:
            record = orjson.loads(message)
        except orjson.JSONDecodeError:
            record = None
        if not isinstance(record, dict):
            report.problem(at, "export message is not a JSON object", options.strict)
            continue
        stream = item.get("logStreamName") if isinstance(item.get("logStreamName"), str) else None
        fallback = item.get("timestamp") if isinstance(item.get("timestamp"), int) else None
        event = _make_event(record, message, at, options, report, stream=stream, fallback_ms=fallback)
        if event is not None:
            yield event


def _make_event(
    record: dict[str, Any],
    raw: bytes | str | None,
    where: str,
    options: ReadOptions,
    report: ReadReport,
    stream: str | None = None,
    fallback_ms: int | None = None,
    locate: Callable[[], str] | None = None,
) -> Event | None:
    timestamp_ms = parse_event_time_ms(record.get("eventTime"))
    if timestamp_ms is None and is_digest_record(record):
        # A digest file under another name (its path says nothing): not an event, not a record.
        report.digest(locate() if locate is not None else where)
        return None
    report.records += 1
    if timestamp_ms is None:
        timestamp_ms = fallback_ms
    time_range = options.time_range
    if timestamp_ms is None:
        report.no_time(locate() if locate is not None else where, skipped=time_range is not None, strict=options.strict)
        if time_range is not None:
            return None  # reported by no_time(): a record without a time cannot be placed in a range
    elif time_range is not None and not time_range.contains_epoch_ms(timestamp_ms):
        return None
    return Event(record, raw, timestamp_ms, stream)
