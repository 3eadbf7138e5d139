"""The pieces of the batched full-scan path (issue 14): event batches, the per-block decoder loop,
the per-block eventTime reader and counting by decoded keys. Whole-query answers are compared with
the reference paths in test_fastpaths.py; these pin each piece's own rule."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailq.engine import decode, events, fastagg, run_local
from trailq.engine.event_model import Event, EventBatch, PartialEvent
from trailq.engine.values import event_times_ms, parse_event_time_ms
from trailq.lang import parse

needs_decoder = pytest.mark.skipif(not decode.available(), reason="pysimdjson or msgspec is not installed")


def test_a_batch_builds_its_events_in_order_and_keeps_the_ones_added_whole() -> None:
    batch = EventBatch(PartialEvent, frozenset({"a"}))
    whole = Event({"a": 1}, None, None, "stream")
    batch.add({"a": "x"}, b'{"a":"x"}', 5)
    batch.add_event(whole)
    batch.add({"a": None}, b'{"a":null}', 6)
    built = batch.events()
    assert len(batch) == 3 and built[1] is whole
    assert [type(e) for e in built] == [PartialEvent, Event, PartialEvent]
    expected = [({"a": "x"}, b'{"a":"x"}', 5), ({"a": None}, b'{"a":null}', 6)]
    assert [(e.record, e.raw, e.timestamp_ms) for e in (built[0], built[2])] == expected
    only_whole = EventBatch.of([whole, whole])
    assert only_whole.events() == [whole, whole]


def test_batched_hands_on_the_events_read_before_an_error_then_raises_it() -> None:
    def failing() -> object:
        yield Event({"n": 1}, None, 1)
        yield Event({"n": 2}, None, 2)
        raise EOFError("truncated")

    seen: list[int] = []
    with pytest.raises(EOFError):
        for batch in events.batched(failing(), size=10):  # type: ignore[arg-type]  # a generator of events
            seen.extend(e.record["n"] for e in batch.events())
    assert seen == [1, 2]
    sizes = [len(b) for b in events.batched([Event({}, None, 1)] * 5, size=2)]
    assert sizes == [2, 2, 1]


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9٣]{2}[Zz]?\Z"),
    st.text(max_size=25),
    st.from_regex(r"\A2024-05-01T10:00:[0-9]{2}Z.{0,3}\Z"),
))
def test_event_times_of_a_block_equal_parse_event_time_ms(text: str) -> None:
    records = [{"eventTime": text}, {"eventTime": text}, None, {"other": 1}, {"eventTime": 20240501}]
    assert event_times_ms(records) == [parse_event_time_ms(text), parse_event_time_ms(text), None, None, None]


LINES = [
    b'{"eventTime":"2024-05-01T10:00:00Z","eventName":"A","eventSource":"s"}',
    b'{"eventTime":"2024-05-01T10:00:00Z","eventName":1,"eventSource":"s"}',  # a number where text is wanted
    b'{"eventTime":"2024-05-01T10:00:00Z","eventName":{"x":1}}',
    b'{"eventTime":"2024-05-01T10:00:00Z","eventName":null}',
    b'{"eventName":"B","Records":[]}',  # a wrapper key: not one record
    b'{"eventName":"B","events":"x"}',
    b'{"Records":[{"eventName":"C"}]}',
    b'\xef\xbb\xbf{"eventName":"D"}',
    b"",
    b"[1]",
    b'{"eventName":"E","x":1e400}',
    b'{"eventName":"F","eventName":"G"}',
]


@needs_decoder
def test_the_block_loop_decodes_as_record_does_and_refuses_wrappers_and_non_text_group_values() -> None:
    keys = frozenset({"eventTime", "eventName", "eventSource", "Records", "events"})
    decoder = decode.FieldDecoder(keys, text_keys={"eventName", "notread"})
    assert decoder.text_keys == {"eventName"}
    got = decoder.lines(LINES)
    assert got == [decoder.record(line) for line in LINES]
    accepted = [LINES[i] for i, parsed in enumerate(got) if parsed is not None]
    assert accepted == [LINES[0], LINES[3], LINES[11]]
    for line, parsed in zip(LINES, got):
        if parsed is not None:  # what orjson reads, restricted to the keys
            full = orjson.loads(line)
            assert parsed == {k: v for k, v in full.items() if k in keys}
    # Without text keys a number or an object is decoded as it is; wrappers are still refused.
    plain = decode.FieldDecoder(keys)
    assert plain.record(LINES[1]) == {"eventTime": "2024-05-01T10:00:00Z", "eventName": 1, "eventSource": "s"}
    assert plain.record(LINES[4]) is None and plain.record(LINES[5]) is None
    assert plain.records(LINES[6]) == [{"eventName": "C"}]


@needs_decoder
def test_the_block_loop_spends_no_validation_on_a_trail_object(monkeypatch: pytest.MonkeyPatch) -> None:
    decoder = decode.FieldDecoder({"eventName", "Records", "events"})
    validated: list[bytes] = []
    validate = decoder._validate
    monkeypatch.setattr(decoder, "_validate", lambda line: validated.append(line) or validate(line))
    trail = b'{"Records":[' + b",".join([b'{"eventName":"x"}'] * 1000) + b"]}"
    assert decoder.lines([trail, b'{"eventName":"y"}']) == [None, {"eventName": "y"}]
    assert validated == [b'{"eventName":"y"}']


@needs_decoder
def test_the_block_loop_takes_a_fresh_parser_after_a_huge_line(monkeypatch: pytest.MonkeyPatch) -> None:
    decoder = decode.FieldDecoder({"a"})
    monkeypatch.setattr(decoder, "big_line", 100)
    first = decoder._validate
    assert decoder.lines([b'{"a":1}']) == [{"a": 1}]
    assert decoder._validate == first
    assert decoder.lines([b'{"a":"' + b"x" * 200 + b'"}', b'{"a":2}']) == [{"a": "x" * 200}, {"a": 2}]
    assert decoder._validate != first


def test_text_keys_are_the_top_level_keys_of_a_counting_stats_only() -> None:
    def keys(text: str) -> frozenset[str]:
        from trailq.engine.expressions import RunContext
        from trailq.engine.interpreter import plan_query

        query = parse(text)
        return fastagg.text_keys(plan_query(query, RunContext(query=query, now_ms=0, start_ms=None, end_ms=None)))

    assert keys("stats count(*) by eventSource, eventName") == {"eventSource", "eventName"}
    assert keys("stats count(*) by @@x") == {"@x"}
    assert keys("stats count(*)") == frozenset()
    assert keys("stats max(eventTime) by eventName") == frozenset()
    assert keys("stats count(*) by userIdentity.arn") == frozenset()
    assert keys("filter eventName = 'x' | stats count(*) by eventName") == frozenset()


@needs_decoder
def test_a_full_scan_counts_groups_from_decoded_text_and_from_whole_events_alike(tmp_path: Path) -> None:
    """The first record of group ("1", "x") holds the number 1 (orjson's path, a whole event), the
    next ones the text "1" (decoded): one group, first seen as the number, counted across blocks."""
    lines = [
        b'{"eventTime":"2024-05-01T10:00:00Z","eventSource":1,"eventName":"x"}',
        *[b'{"eventTime":"2024-05-01T10:00:01Z","eventSource":"1","eventName":"x"}'] * 3,
        b'{"eventTime":"2024-05-01T10:00:02Z","eventSource":"2","eventName":null}',
        b'{"eventTime":"2024-05-01T10:00:03Z","eventSource":"2"}',
    ]
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    query = parse("stats count(*) as n by eventSource, eventName")
    fast = run_local(query, name="t", sources=[str(path)], time_range=None, workers=1)
    reference = run_local(query, name="t", sources=[str(path)], time_range=None, workers=1, reference=True)
    assert fast.rows == reference.rows
    assert [(r["eventSource"], r.get("eventName"), r["n"]) for r in fast.rows] == [("1", "x", "4"), ("2", None, "2")]


@pytest.mark.parametrize("query", ["stats count(*) as n by eventSource, eventName", "stats count(*) as n by eventName"])
def test_a_one_line_trail_object_reads_as_the_reference_reads_it(tmp_path: Path, query: str) -> None:
    records = [
        {"eventTime": "2024-05-01T10:00:00Z", "eventSource": "s", "eventName": "A"},
        {"eventTime": "2024-05-01T10:00:01Z", "eventSource": 7, "eventName": "A"},
        {"eventSource": "s", "eventName": "NoTime"},
        {"digestStartTime": "a", "digestEndTime": "b", "logFiles": []},
    ]
    for name, text in {"one.json": orjson.dumps({"Records": records}), "two.jsonl": orjson.dumps({"Records": records}) + b"\n"
                       + orjson.dumps(records[0])}.items():
        path = tmp_path / name
        path.write_bytes(text)
        fast = run_local(parse(query), name="t", sources=[str(path)], time_range=None, workers=1)
        reference = run_local(parse(query), name="t", sources=[str(path)], time_range=None, workers=1, reference=True)
        assert (fast.rows, fast.warnings, fast.statistics.records_scanned) == (
            reference.rows, reference.warnings, reference.statistics.records_scanned)
        assert fast.statistics.records_scanned == (3 if name == "one.json" else 4)
