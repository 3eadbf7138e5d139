"""The fast paths give the reference paths' answers: block reading and the block prefilter
(blocks.py, events.read_blocks) against the line-by-line reader (events.read_lines), stats
straight from events (fastagg.py) against the Row pipeline (`run_local(reference=True)` runs both
reference paths), and the quick eventTime reader
against datetime. Compared: rows, statistics and warnings (skipped lines with file:line)."""

from __future__ import annotations

import importlib
import io
import json
import random
from datetime import datetime, timezone
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailq.engine import blocks, decode, events, run_local
from trailq.engine import prefilter as prefilter_module
from trailq.engine.values import parse_event_time_ms, parse_event_time_ms_general
from trailq.lang import parse
from trailq.timerange import TimeRange

scan_module = importlib.import_module("trailq.engine.scan")
FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "cloudtrail"


def _record(i: int, **extra: object) -> dict:
    base = {
        "eventTime": f"2024-05-0{1 + i % 3}T1{i % 10}:{i % 60:02d}:{(i * 7) % 60:02d}Z",
        "eventSource": ["s3.amazonaws.com", "iam.amazonaws.com", "signin.amazonaws.com"][i % 3],
        "eventName": ["GetObject", "ConsoleLogin", "ListUsers", "AssumeRole"][i % 4],
        "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::111122223333:user/u{i % 5}", "userName": f"u{i % 5}"},
        "errorCode": "AccessDenied" if i % 6 == 0 else None,
        "awsRegion": "us-east-1",
        "recipientAccountId": "111122223333",
    }
    base.update(extra)
    return base


# Lines chosen to break a careless shortcut: escapes, nested keys with the same name, duplicate
# keys, non-ASCII, missing keys, numbers, booleans and objects as group values, blank and corrupt
# lines, wrappers, bad or missing eventTime, CRLF.
TRICKY = [
    b'{"eventTime":"2024-05-01T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"\\u0043onsoleLogin"}',
    b'{"eventTime":"2024-05-01T10:00:01Z","eventSource":"a\\"b","eventName":"Console\\"Login","errorCode":"x\\\\u"}',
    b'{"eventTime":"2024-05-01T10:00:02Z","requestParameters":{"eventSource":"nested","eventName":"ConsoleLogin"}}',
    b'{"eventTime":"2024-05-01T10:00:03Z","eventSource":"first","eventSource":"second","eventName":"Dup"}',
    b'{"eventTime":"2024-05-01T10:00:04Z","eventSource":"s\xc3\xa9rvice","eventName":"\xe6\x97\xa5\xe6\x9c\xac ConsoleLogin"}',
    b'{"eventTime":"2024-05-01T10:00:05Z","eventSource":1,"eventName":true}',
    b'{"eventTime":"2024-05-01T10:00:06Z","eventSource":"1","eventName":"true"}',
    b'{"eventTime":"2024-05-01T10:00:07Z","eventSource":1.0,"eventName":false}',
    b'{"eventTime":"2024-05-01T10:00:08Z","eventSource":{"x":1},"eventName":[1,2]}',
    b'{"eventTime":"2024-05-01T10:00:09Z","eventSource":null}',
    b"",
    b"   \t",
    b'{"eventTime":"2024-05-01T10:00:10Z","eventName":"ConsoleLogin","errorCode":"AccessDenied"',
    b"[1, 2, 3]",
    b"42",
    b'{"Records":[{"eventTime":"2024-05-01T11:00:00Z","eventSource":"w","eventName":"Wrapped"},7]}',
    b' { "events":[{"timestamp":1714561200000,"message":"{\\"eventName\\":\\"FromExport\\"}"}]}',
    b'{"eventTime":"2024-13-01T10:00:00Z","eventSource":"badmonth","eventName":"ConsoleLogin"}',
    b'{"eventTime":"2024-05-01 10:00:11.123456789+02:00","eventSource":"other","eventName":"Offset"}',
    b'{"eventSource":"notime","eventName":"ConsoleLogin"}',
    b'{"eventTime":"2024-05-01T10:00:60Z","eventSource":"leap","eventName":"AccessDenied"}',
    b'{"eventTime":"2024-05-02T10:00:12Z","eventSource":"crlf","eventName":"ConsoleLogin"}\r',
    b'{not json ConsoleLogin}',
    # Where simdjson and orjson part ways (engine/decode.py sends these lines to orjson).
    b'{"eventTime":"2024-05-01T10:00:13Z","eventTime":"not a time","eventSource":"dup-time","eventName":"ConsoleLogin"}',
    b'{"eventTime":"2024-05-01T10:00:14Z","eventSource":"dup-escaped","eventName":"A","event\\u004eame":"B"}',
    b'\xef\xbb\xbf{"eventTime":"2024-05-01T10:00:15Z","eventSource":"bom","eventName":"ConsoleLogin"}',
    b'{"eventTime":"2024-05-01T10:00:16Z","eventSource":"bigint","eventName":"X","n":123456789012345678901234567890}',
    b'{"eventTime":"2024-05-01T10:00:17Z","eventSource":"huge","eventName":"ConsoleLogin","n":1e400}',
    b'{"eventTime":"2024-05-01T10:00:18Z","eventSource":"utf8","eventName":"ConsoleLogin","x":"\xff"}',
    b'{"eventTime":"2024-05-01T10:00:19Z","eventSource":"nested-dup","eventName":"N","userIdentity":{"arn":"a","arn":"b"}}',
    b'{"eventTime":"2024-05-01T10:00:20Z","eventSource":"zero","eventName":-0,"errorCode":-0.0,"x":[1,]}',
    b'{"eventTime":"2024-05-01T10:00:21Z","eventSource":"zero","eventName":-0,"errorCode":-0.0}',
    b'{"eventTime":"2024-05-01T10:00:22Z","eventSource":"\\ud83d\\ude00","eventName":"\\ud800"}',
    b'{"eventTime":"2024-05-01T10:00:23Z","eventSource":"ctl","eventName":"a\tb"}',
    b'{"eventTime":"2024-05-01T10:00:24Z","eventSource":"nan","eventName":NaN}',
    b'{"eventTime":"2024-05-01T10:00:25Z","eventSource":"tail","eventName":"T"} x',
    b'{"eventTime":"2024-05-01T10:00:26Z","eventSource":"u64","eventName":18446744073709551615,"errorCode":1.5e300}',
    # Trail objects on one line, as S3 objects hold them (decode.FieldDecoder.records).
    b'{"Records":[{"eventTime":"2024-05-01T11:00:01Z","eventSource":"obj","eventName":"ConsoleLogin","errorCode":"AccessDenied",'
    b'"userIdentity":{"arn":"o"}},{"eventSource":"obj","eventName":"NoTime"},{"digestStartTime":"a","digestEndTime":"b","logFiles":[]},'
    b'{"eventTime":"2024-05-01T11:00:02Z","eventSource":"obj","eventName":"Dup","eventName":"ConsoleLogin"}]}',
    b'{"Records":[{"eventTime":"2024-05-01T11:00:03Z","eventSource":"obj2","eventName":"ConsoleLogin"}],"eventTime":"2024-05-01T11:00:04Z"}',
    b'{"Records":[{"eventTime":"2024-05-01T11:00:05Z","eventSource":"obj3","eventName":"ConsoleLogin","x":1e400}]}',
]

QUERIES = [
    "stats count(*) by eventSource, eventName",
    "stats count(*) as n, count() as m by eventSource",
    "stats count(*) as n by userIdentity.arn, eventName | sort n desc | limit 5",
    "stats count(errorCode) as e, max(eventTime) as latest, latest(eventName) as last by eventSource",
    "stats count(*) by @logStream, @@eventName",
    "stats count(*)",
    'filter eventName = "ConsoleLogin" | fields @timestamp, eventSource, userIdentity.userName',
    "filter errorCode like /AccessDenied/ | stats count(*) as n by userIdentity.arn | sort n desc | limit 10",
    'filter eventName in ["ConsoleLogin", "Wrapped"] and eventSource like "s" | stats count(*) by eventName',
    "fields eventSource, eventName | limit 1000",
    "fields @timestamp, @message, @log, @logStream, userIdentity.arn | sort @timestamp asc | limit 1000",
    "stats count(*) by @log, errorCode, userIdentity.arn",
    # Counting by one and by three top-level keys (fastagg._count_by_keys), @@ naming a key.
    "stats count(*) as n by eventName",
    "stats count(*) by eventSource, eventName, errorCode, @@eventName",
    # Wrapper keys and eventTime as group keys: decoded as text, refused as wrappers (decode.py).
    "stats count(*) by events, eventTime, Records",
]


def _data(seed: int) -> bytes:
    rng = random.Random(seed)
    lines = [orjson.dumps(_record(i)) for i in range(300)]
    for line in TRICKY:
        lines.insert(rng.randrange(len(lines) + 1), line)
    return b"\n".join(lines)  # no final newline: the last line must still be read


def _run(
    path: str, query: str, *, fast: bool, workers: int = 1, time_range: TimeRange | None = None, monkeypatch: pytest.MonkeyPatch
) -> tuple:
    result = run_local(parse(query), name="t", sources=[path], time_range=time_range, workers=workers, reference=not fast)
    stats = result.statistics
    return result.rows, stats.records_scanned, stats.records_matched, stats.bytes_scanned, result.warnings


@pytest.mark.parametrize("query", QUERIES)
def test_fast_paths_equal_the_reference_on_tricky_lines(tmp_path: Path, query: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(_data(len(query)))
    # Small blocks and parallel ranges, so that lines fall across block and range boundaries.
    monkeypatch.setattr(blocks, "BLOCK_SIZE", 997)
    monkeypatch.setattr(scan_module, "PARALLEL_MIN_BYTES", 1)
    reference = _run(str(path), query, fast=False, monkeypatch=monkeypatch)
    assert any("unreadable" in w for w in reference[4]) or "filter" in query
    assert _run(str(path), query, fast=True, monkeypatch=monkeypatch) == reference
    parallel_reference = _run(str(path), query, fast=False, workers=2, monkeypatch=monkeypatch)
    assert _run(str(path), query, fast=True, workers=2, monkeypatch=monkeypatch) == parallel_reference
    assert parallel_reference[:4] == reference[:4]


def test_fast_paths_equal_the_reference_with_a_time_range_and_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _data(7)
    window = TimeRange(datetime(2024, 5, 1, 10, 0, 5, tzinfo=timezone.utc), datetime(2024, 5, 2, 12, 0, tzinfo=timezone.utc))
    path = tmp_path / "t.jsonl"
    path.write_bytes(data)
    for query in ("stats count(*) by eventSource, eventName", 'filter eventName = "ConsoleLogin" | stats count(*)'):
        windowed = _run(str(path), query, fast=False, time_range=window, monkeypatch=monkeypatch)
        assert _run(str(path), query, fast=True, time_range=window, monkeypatch=monkeypatch) == windowed
        assert windowed[1] > windowed[2] > 0  # the window really left records out
        fast = run_local(parse(query), name="t", sources=["-"], time_range=None, stdin=io.BytesIO(data))
        slow = run_local(parse(query), name="t", sources=["-"], time_range=None, stdin=io.BytesIO(data), reference=True)
        assert (fast.rows, fast.warnings, fast.statistics.records_scanned) == (slow.rows, slow.warnings, slow.statistics.records_scanned)


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="../shared/fixtures/cloudtrail is absent")
@pytest.mark.parametrize("query", QUERIES)
def test_fast_paths_equal_the_reference_on_published_records(tmp_path: Path, query: str, monkeypatch: pytest.MonkeyPatch) -> None:
    records = [r for f in sorted(FIXTURES.glob("*.json")) for r in json.loads(f.read_text())]
    path = tmp_path / "published.jsonl"  # written at test time, never kept
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    monkeypatch.setattr(blocks, "BLOCK_SIZE", 4093)
    monkeypatch.setattr(scan_module, "PARALLEL_MIN_BYTES", 1)
    reference = _run(str(path), query, fast=False, monkeypatch=monkeypatch)
    assert reference[1] == len(records)
    assert _run(str(path), query, fast=True, monkeypatch=monkeypatch) == reference
    assert _run(str(path), query, fast=True, workers=2, monkeypatch=monkeypatch)[:4] == reference[:4]


def _reference_lines(data: bytes, start: int, end: int) -> list[bytes]:
    handle = io.BytesIO(data)
    return [line.rstrip(b"\n") for line in scan_module._range_lines(handle, start, end)]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([b"", b"a", b"bb", b"{}", b"x" * 40, b" \r"]), max_size=30),
    st.booleans(),
    st.integers(min_value=1, max_value=50),
    st.lists(st.integers(min_value=0, max_value=600), max_size=4),
)
def test_range_blocks_cut_the_same_lines_as_readline(pieces: list[bytes], final_newline: bool, size: int, cuts: list[int]) -> None:
    data = b"\n".join(pieces) + (b"\n" if final_newline and pieces else b"")
    bounds = sorted({0, len(data), *(c for c in cuts if c < len(data))})
    every: list[bytes] = []
    for start, end in zip(bounds, bounds[1:]):
        got = [line for block in blocks.range_blocks(io.BytesIO(data), start, end, size) for line in blocks.block_lines(block)]
        assert got == _reference_lines(data, start, end)
        every.extend(got)
    assert every == _reference_lines(data, 0, len(data))  # every line once, in order
    streamed = [line for block in blocks.stream_blocks(b"", io.BytesIO(data).read, size) for line in blocks.block_lines(block)]
    assert streamed == every


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                b"ConsoleLogin",
                b"Console",
                b"\\u0041",
                b"\\\\u",
                b'{"Records":[]}',
                b'  { "events":1',
                b"xyz",
                b"AccessDenied",
                b"Login",
                b"\xc3\xa9",
                b"\r",
                b" ",
            ]
        ),
        max_size=6,
    )
    .map(b"".join)
    .filter(lambda line: b"\n" not in line),
    st.integers(min_value=0, max_value=3),
)
def test_candidate_spans_hold_every_line_the_line_prefilter_keeps(line: bytes, position: int) -> None:
    query = parse('filter eventName = "ConsoleLogin" and errorCode like /AccessDenied/')
    built = prefilter_module.build(query)
    matcher, needles = built.matcher(), built.needles()
    assert matcher is not None and needles is not None
    others = [b'{"eventName":"GetObject"}', b'{"a":"ConsoleLogin"}', b"", line]
    lines = others[:position] + [line] + others[position:]
    data = b"\n".join(lines) + b"\n"
    spans = blocks.candidate_spans((data, 0, len(data)), needles)
    found = [data[a:b].rstrip(b"\n") for a, b in spans]
    assert len(found) == len({a for a, _ in spans})  # each line once
    for candidate in lines:
        if matcher(candidate) or events._is_wrapper(candidate):
            assert candidate in found


@settings(max_examples=500, deadline=None)
@given(st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9٣]{2}[Zz]?\Z"))
def test_quick_event_time_equals_datetime(text: str) -> None:
    assert parse_event_time_ms(text) == parse_event_time_ms_general(text)


@pytest.mark.parametrize(
    "text",
    ["2024-05-01T00:00:00Z", "2024-02-29T23:59:59Z", "2023-02-29T00:00:00Z", "0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z",
     "9999-12-31T23:59:59Z", "2024-05-01T24:00:00Z", "2024-05-01T23:60:00Z", "2024-05-01T00:00:60Z", "1969-12-31T23:59:59Z",
     "2024-05-01T00:00:0٣Z", "2024-05-01T00:00:+1Z", "2024-05-01T00:00: 1Z", "2024-05-01t00:00:00Z", None, 20240501, ""],
)
def test_quick_event_time_edge_cases(text: object) -> None:
    assert parse_event_time_ms(text) == parse_event_time_ms_general(text)
    assert parse_event_time_ms(text) == parse_event_time_ms_general(text)  # again, from the minute cache


@pytest.mark.skipif(not decode.available(), reason="pysimdjson or msgspec is not installed")
@pytest.mark.parametrize("query", ["stats count(*) by eventSource, eventName", 'filter eventName = "ConsoleLogin" | fields @message'])
def test_the_block_reader_decodes_only_the_keys_the_query_reads(tmp_path: Path, query: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The differential tests above compare answers; this one checks that the fast run really
    took the key decoder (engine/decode.py) for the ordinary lines, and orjson for the others."""
    path = tmp_path / "t.jsonl"
    path.write_bytes(_data(3))
    verdicts: list[bool] = []
    record, lines = decode.FieldDecoder.record, decode.FieldDecoder.lines

    def counted(self: decode.FieldDecoder, line: bytes) -> dict | None:
        got = record(self, line)
        verdicts.append(got is not None)
        return got

    def counted_lines(self: decode.FieldDecoder, bodies: list[bytes]) -> list[dict | None]:
        got = lines(self, bodies)
        verdicts.extend(parsed is not None for parsed, body in zip(got, bodies) if body)
        return got

    monkeypatch.setattr(decode.FieldDecoder, "record", counted)
    monkeypatch.setattr(decode.FieldDecoder, "lines", counted_lines)
    result = run_local(parse(query), name="t", sources=[str(path)], time_range=None, workers=1)
    assert result.rows
    assert verdicts.count(True) >= (300 if query.startswith("stats") else 75)
    assert verdicts.count(False) >= (10 if query.startswith("stats") else 2)


def test_a_reference_run_takes_neither_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fast_path(*args: object, **kwargs: object) -> None:
        raise AssertionError("a fast path ran under reference=True")

    path = tmp_path / "t.jsonl"
    path.write_bytes(_data(3))
    monkeypatch.setattr(events, "read_blocks", fast_path)
    monkeypatch.setattr(scan_module, "fast_stats", fast_path)
    result = run_local(parse("stats count(*) as n by eventName"), name="t", sources=[str(path)], time_range=None, workers=1, reference=True)
    assert sum(int(row["n"]) for row in result.rows) == result.statistics.records_matched > 0
    with pytest.raises(AssertionError, match="fast path"):
        run_local(parse("stats count(*) as n by eventName"), name="t", sources=[str(path)], time_range=None, workers=1)
