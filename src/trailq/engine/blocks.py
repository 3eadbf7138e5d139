"""JSON lines read in multi-megabyte blocks of whole lines, and the prefilter applied per block.

Reading a 1 GB file line by line costs a Python iteration per line before any work is done.
Here the bytes arrive in blocks that end on a line boundary, so the per-line costs that remain
are the ones a line really needs. For a prefiltered query the block is searched with C-speed
`bytes.find` / compiled regexes for the byte strings that could make a line worth parsing, and
only the lines around hits are cut out; the other lines are only counted (`bytes.count`).

Pure byte handling: no JSON parsing and no reporting here (events.py does both), so that the
rules below can be tested on their own against the line-by-line reference.

Which lines are *candidates* (a superset of the lines the line-by-line reader would parse when a
prefilter is on; each candidate is then checked with exactly the reference predicate):
- a line holding any literal of the prefilter's first clause: every clause must hold for a line
  to pass, so the first one must;
- a line holding a backslash followed by `u`: the reference parses every such line, because an
  escape could spell the literal;
- a line that starts (after blanks) with `{"Records"`, `{"events"` or the same with one space:
  whole trail objects or exports on one line are always parsed so that their records are counted.

The lines a block holds are counted in the same pass (`scan_block`): skipped lines are counted as
records. Two ways give the same answer; which is cheaper depends on the line length. For long lines
(CloudTrail records: ~1.3 KB) a loop of `find(b"\n")` (memchr) that tests each line start for a
wrapper costs ~0.25 µs a line; `bytes.count` (a byte-at-a-time loop, ~3.5 GB/s) plus a regex over
the block (~3 GB/s) cost ~0.6 ns a byte, so they win for lines under ~400 bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import BinaryIO

__all__ = ["BLOCK_SIZE", "MAX_TEXT_BYTES", "Block", "TextTooLong", "bounded_readline", "range_blocks", "stream_blocks", "line_count",
           "block_lines", "candidate_spans", "scan_block"]

BLOCK_SIZE = 4 << 20  # large enough that per-block costs vanish, small enough to stay far below the memory target
# The longest JSON text (one line, or a whole-file document) held in memory to be parsed. A CloudTrail
# log file is a few megabytes; without a bound, a line with no end (a gzip bomb of one byte repeated:
# 2 MB of gzip is 2 GB of text) would be read into memory whole (docs/semantics.md).
MAX_TEXT_BYTES = 256 << 20
_ESCAPE = re.compile(rb"\\u")
# A line start (after a newline) that may be a wrapper; the exact test is events._is_wrapper.
_WRAPPER_START = re.compile(rb"\n[ \t\r\x0b\x0c]*\{ ?\"(?:Records|events)\"")
_WRAPPER_FIRST = re.compile(rb"[ \t\r\x0b\x0c]*\{ ?\"(?:Records|events)\"")

Read = Callable[[int], bytes]


class TextTooLong(Exception):
    """A line longer than MAX_TEXT_BYTES starts at byte `position` of the input: reading stops there."""

    def __init__(self, position: int) -> None:
        super().__init__(position)
        self.position = position
# A block: (data, start, stop), the whole lines in data[start:stop]. The bounds avoid copying the
# multi-megabyte chunk the bytes were read into (a fresh 4 MB copy per block halved the speed).
Block = tuple[bytes, int, int]


def _clip(data: bytes, first: int, stop: int, position: int, end: int | None) -> tuple[Block, bool]:
    """The block data[first:stop] (starting at absolute `position`) cut to the lines that start
    before `end`; True when it was cut, so that reading stops."""
    if end is None or position + (stop - first) <= end:
        return (data, first, stop), False
    cut = data.find(b"\n", first + (end - 1 - position), stop) + 1
    return (data, first, cut or stop), True


def _whole_lines(read: Read, carry: bytes, position: int, end: int | None, size: int) -> Iterator[Block]:
    """Blocks of whole lines from `read`; `carry` was already read and starts at absolute offset
    `position`. Only lines whose first byte lies before `end` (None: to the end of the input)."""
    while end is None or position < end:
        chunk = read(size)
        if not chunk:
            if len(carry) > MAX_TEXT_BYTES:
                raise TextTooLong(position)
            if carry:
                yield _clip(carry, 0, len(carry), position, end)[0]  # the last line may lack a newline
            return
        first = 0
        if carry:
            newline = chunk.find(b"\n")
            if len(carry) + (len(chunk) if newline < 0 else newline) > MAX_TEXT_BYTES:
                raise TextTooLong(position)
            if newline < 0:
                carry += chunk  # a line longer than a chunk: keep reading
                continue
            head = carry + chunk[: newline + 1]  # the line cut by the chunk boundary, on its own
            block, cut = _clip(head, 0, len(head), position, end)
            yield block
            if cut:
                return
            position += len(head)
            first = newline + 1
            if end is not None and position >= end:
                return
        last = max(chunk.rfind(b"\n") + 1, first)
        if last > first:
            block, cut = _clip(chunk, first, last, position, end)
            yield block
            if cut:
                return
            position += last - first
        carry = chunk[last:]


def bounded_readline(read_line: Callable[[int], bytes]) -> Callable[[], bytes]:
    """A stream's `readline` that raises TextTooLong(0) rather than hold a line over MAX_TEXT_BYTES
    (for `sources.sniff`, which reads an input's first lines one by one)."""

    def readline() -> bytes:
        line = read_line(MAX_TEXT_BYTES + 1)
        if len(line) > MAX_TEXT_BYTES:
            raise TextTooLong(0)
        return line

    return readline


def range_blocks(handle: BinaryIO, start: int, end: int, size: int | None = None) -> Iterator[Block]:
    """The lines whose first byte lies in [start, end) of a seekable binary file, as blocks.

    Same split as reading lines: a range starting inside a line leaves that line to the range
    before it (the one in which it starts)."""
    read: Read = handle.read
    size = size or BLOCK_SIZE
    if start <= 0:
        handle.seek(0)
        yield from _whole_lines(read, b"", 0, end, size)
        return
    handle.seek(start - 1)
    position = start - 1
    while True:
        chunk = read(size)
        if not chunk:
            return
        newline = chunk.find(b"\n")
        if newline >= 0:
            position += newline + 1
            yield from _whole_lines(read, chunk[newline + 1 :], position, end, size)
            return
        position += len(chunk)


def stream_blocks(first: bytes, read: Read, size: int | None = None) -> Iterator[Block]:
    """Blocks of a whole stream (gzip, stdin, a small file) whose first line was already read."""
    yield from _whole_lines(read, first, 0, None, size or BLOCK_SIZE)


def line_count(data: bytes, start: int, stop: int) -> int:
    """Lines in data[start:stop]: one per newline, plus a last line without one."""
    if stop <= start:
        return 0
    newlines = data.count(b"\n", start, stop)
    return newlines if data[stop - 1] == 10 else newlines + 1


def block_lines(block: Block) -> list[bytes]:
    """The lines of a block, without their newlines (split once over the whole chunk, no copy of it)."""
    data, start, stop = block
    pieces = data.split(b"\n")
    skip = data.count(b"\n", 0, start) if start else 0
    if data[stop - 1] == 10 and data.find(b"\n", stop) < 0:
        return pieces[skip:-1]  # the usual case: the piece after the last newline is not in the block
    return pieces[skip : skip + line_count(data, start, stop)]


def _line_around(data: bytes, at: int, start: int, stop: int) -> tuple[int, int]:
    first = data.rfind(b"\n", start, at) + 1
    last = data.find(b"\n", at, stop)
    return max(first, start), (stop if last < 0 else last + 1)


def candidate_spans(block: Block, needles: tuple[bytes, ...]) -> list[tuple[int, int]]:
    """(start, stop) in the block's data of every line that may need parsing (see the module doc),
    in order; each line once. `needles` are the literals of the prefilter's first clause."""
    return scan_block(block, needles)[1]


# A block whose first 64 KB hold fewer newlines than this has long lines: the line loop is cheaper.
_SAMPLE = 1 << 16
_LONG_LINES_IN_SAMPLE = _SAMPLE // 512
# How a CloudTrail record line starts: such a line is not a wrapper (no regex needed to say so).
_RECORD_START = b'{"eventVersion"'


def scan_block(block: Block, needles: tuple[bytes, ...]) -> tuple[int, list[tuple[int, int]]]:
    """The number of lines in the block (`line_count`) and its `candidate_spans`, in one pass."""
    data, start, stop = block
    if stop <= start:
        return 0, []
    starts: set[int] = set()
    spans: list[tuple[int, int]] = []

    def add(at: int) -> int:
        span = _line_around(data, at, start, stop)
        if span[0] not in starts:
            starts.add(span[0])
            spans.append(span)
        return span[1]

    for needle in needles:
        found = data.find(needle, start, stop)
        while found >= 0:
            found = data.find(needle, add(found), stop)
    if data.find(b"\\", start, stop) >= 0:  # memchr speed; JSON text without a backslash has no escape
        for match in _ESCAPE.finditer(data, start, stop):
            add(match.start())
    if data.count(b"\n", start, min(stop, start + _SAMPLE)) < _LONG_LINES_IN_SAMPLE:
        lines, wrappers = _wrapper_starts_by_line(data, start, stop)
    else:
        lines, wrappers = line_count(data, start, stop), _wrapper_starts_by_regex(data, start, stop)
    for at in wrappers:
        add(at)
    spans.sort()
    return lines, spans


def _wrapper_starts_by_regex(data: bytes, start: int, stop: int) -> list[int]:
    """The starts of the block's lines that may be wrappers, one regex pass over the block."""
    found = [start] if _WRAPPER_FIRST.match(data, start, stop) else []
    found.extend(match.start() + 1 for match in _WRAPPER_START.finditer(data, start, stop))
    return found


def _wrapper_starts_by_line(data: bytes, start: int, stop: int) -> tuple[int, list[int]]:
    """The block's line count and the starts of its lines that may be wrappers, line by line: the
    same lines as `_wrapper_starts_by_regex` (each line start is matched with `_WRAPPER_FIRST`, which
    cannot pass a newline; a line starting as a CloudTrail record cannot match it)."""
    find, startswith, match = data.find, data.startswith, _WRAPPER_FIRST.match
    found: list[int] = []
    lines = 0
    at = start
    while at < stop:
        lines += 1
        if not startswith(_RECORD_START, at) and match(data, at, stop):
            found.append(at)
        at = find(b"\n", at, stop) + 1
        if at == 0:
            break
    return lines, found
