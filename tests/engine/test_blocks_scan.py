"""blocks.scan_block: the line count and the candidate lines of a block, found line by line (long
lines) or by `bytes.count` and a regex over the block (short lines), must be the same either way
and the same as counting the lines and testing each one with the line prefilter."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailq.engine import blocks, events

# Line starts that are, are almost, or are not wrappers (whitespace variants included), and a
# CloudTrail record start (the line loop's shortcut).
PIECES = [
    b'{"Records":[]}',
    b'{ "Records":[]}',
    b'{  "Records":[]}',
    b' \t{"events":[1]}',
    b'\x0b\x0c{ "events"',
    b'\r{"Records"',
    b'{"eventVersion":"1.09","Records":1}',
    b'{"eventVersion"',
    b'{"eventsX":1}',
    b'{"Record":1}',
    b'[{"Records":[]}]',
    b'x{"Records"',
    b"ConsoleLogin",
    b"\\u0041",
    b"\\\\u",
    b"",
    b" ",
    b"\r",
    b"y" * 700,
]

lines_strategy = st.lists(st.lists(st.sampled_from(PIECES), max_size=3).map(b"".join), max_size=25)


def _reference(data: bytes, start: int, stop: int, needles: tuple[bytes, ...]) -> tuple[int, list[bytes]]:
    """Line count and the lines the per-line test keeps (wrapper or a needle or an escape)."""
    lines = data[start:stop].split(b"\n")
    if data[start:stop].endswith(b"\n"):
        lines.pop()
    kept = [line for line in lines if events._is_wrapper(line) or b"\\u" in line or any(n in line for n in needles)]
    return blocks.line_count(data, start, stop), kept


@settings(max_examples=400, deadline=None)
@given(lines_strategy, st.booleans(), st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=40), st.booleans())
def test_both_ways_of_scanning_a_block_agree_with_the_line_test(
    lines: list[bytes], final_newline: bool, head: int, tail: int, long_lines: bool
) -> None:
    body = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    # The block lies inside a larger chunk (as blocks.py hands it on): bytes before and after it.
    prefix, suffix = b"p" * head, b"\n" + b'{"Records":[]}' + b"s" * tail
    data = prefix + (b"\n" if head else b"") + body + suffix
    start = len(prefix) + (1 if head else 0)
    stop = start + len(body)
    needles = (b"ConsoleLogin",)
    count, kept = _reference(data, start, stop, needles)
    by_line = blocks._wrapper_starts_by_line(data, start, stop)
    by_regex = (blocks.line_count(data, start, stop), blocks._wrapper_starts_by_regex(data, start, stop))
    assert by_line == by_regex
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(blocks, "_LONG_LINES_IN_SAMPLE", 1 << 30 if long_lines else 0)  # force one way
        total, spans = blocks.scan_block((data, start, stop), needles)
    assert total == count
    found = [data[a:b].rstrip(b"\n") for a, b in spans]
    assert len({a for a, _ in spans}) == len(spans) and spans == sorted(spans)
    for line in kept:
        assert line in found
    assert all(start <= a < b <= stop for a, b in spans)


@pytest.mark.parametrize("long_lines", [True, False])
def test_scan_block_finds_wrappers_after_blanks_and_counts_a_last_line(long_lines: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "_LONG_LINES_IN_SAMPLE", 1 << 30 if long_lines else 0)
    data = b'{"eventVersion":"1"}\n \t{ "Records":[]}\n{"eventVersion":"2","Records":[]}\n\n{"events":[]}'
    total, spans = blocks.scan_block((data, 0, len(data)), (b"nothing",))
    assert total == 5
    assert [data[a:b].strip() for a, b in spans] == [b'{ "Records":[]}', b'{"events":[]}']
    assert blocks.scan_block((data, 3, 3), (b"x",)) == (0, [])


def test_the_long_line_way_is_chosen_for_cloudtrail_sized_lines() -> None:
    long_block = (b'{"eventVersion":"1.09",' + b'"k":"' + b"v" * 1300 + b'"}\n') * 100
    short_block = b'{"a":1}\n' * 10000
    assert long_block.count(b"\n", 0, blocks._SAMPLE) < blocks._LONG_LINES_IN_SAMPLE
    assert short_block.count(b"\n", 0, blocks._SAMPLE) >= blocks._LONG_LINES_IN_SAMPLE
