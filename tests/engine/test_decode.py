"""engine/decode.py: the keys a query reads, decoded alone, equal orjson's whole parse restricted to
those keys; every line where the decoders could disagree with orjson is refused (None), so the
reader parses it with orjson. Each case of the comparison is pinned here; generated lines compare
the three parsers at random."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailq.engine import decode, event_model
from trailq.lang import parse

pytestmark = pytest.mark.skipif(not decode.available(), reason="pysimdjson or msgspec is not installed")

KEYS = ("eventTime", "eventSource", "eventName", "a", "b")


def _orjson_view(line: bytes, keys: tuple[str, ...] = KEYS) -> dict | None:
    """What the decoder must return for a line: orjson's record restricted to the keys."""
    try:
        full = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if type(full) is not dict:
        return None
    return {key: full[key] for key in keys if key in full}


def _same(left: dict, right: dict | None) -> bool:
    # repr tells 1 from 1.0 from True, and -0.0 from 0.0, which == does not. Nested objects keep
    # their order; the order of the top-level keys is never looked at (only `get` and `in` are).
    return right is not None and repr(sorted(left.items())) == repr(sorted(right.items()))


_DECODER: list[decode.FieldDecoder] = []


def _decoder() -> decode.FieldDecoder:
    if not _DECODER:
        _DECODER.append(decode.FieldDecoder(KEYS))  # one, reused as the readers reuse theirs
    return _DECODER[0]


# Every kind of corrupt line the tests and fixtures hold, and the ones the comparison found:
# orjson rejects each one, and so must the decoder (the reader then reports orjson's message).
REJECTED = {
    "trailing comma in an array": b'{"a":[1,],"eventName":"x"}',
    "trailing comma in an object": b'{"a":1,}',
    "leading zero": b'{"a":01}',
    "invalid UTF-8 in a skipped value": b'{"a":1,"x":"\xff"}',
    "invalid UTF-8 in a skipped key": b'{"a":1,"x\xc3":1}',
    "UTF-8-encoded surrogate": b'{"a":1,"x":"\xed\xa0\x80"}',
    "overlong UTF-8": b'{"a":1,"x":"\xc0\x80"}',
    "beyond U+10FFFF": b'{"a":1,"x":"\xf4\x90\x80\x80"}',
    "1e999 in a skipped value": b'{"a":1,"x":1e999}',
    "1e400 in a skipped value": b'{"a":1,"x":{"y":[1e400]}}',
    "-1e400": b'{"a":1,"x":-1e400}',
    "just above the largest double": b'{"a":1,"x":1.7976931348623159e308}',
    "400-digit integer": b'{"a":1,"x":' + b"1" * 400 + b"}",
    "bad escape": b'{"a":"\\x"}',
    "escaped apostrophe": b'{"a":"\\\'"}',
    "lone high surrogate": b'{"a":1,"x":"\\ud800"}',
    "lone low surrogate": b'{"a":1,"x":"\\udc00"}',
    "trailing content": b'{"a":1} x',
    "second document": b'{"a":1} {"a":2}',
    "trailing NUL": b'{"a":1}\x00',
    "NaN": b'{"a":1,"x":NaN}',
    "Infinity": b'{"a":1,"x":Infinity}',
    "-Infinity": b'{"a":1,"x":-Infinity}',
    "raw tab in a string": b'{"a":"a\tb"}',
    "raw control character in a skipped string": b'{"a":1,"x":"a\x01b"}',
    "truncated": b'{"eventTime":"2024-05-01T10:00:10Z","eventName":"ConsoleLogin"',
    "bare word": b"{not json}",
    "plus sign": b'{"a":+1}',
    "no digit after the point": b'{"a":1.}',
    "empty exponent": b'{"a":1e}',
    "form feed between key and colon": b'{"a"\x0c:1}',
    "byte order mark": b'\xef\xbb\xbf{"a":1}',
    "nesting beyond 1024": b'{"a":1,"x":' + b"[" * 1025 + b"]" * 1025 + b"}",
    "empty": b"",
}


@pytest.mark.parametrize("line", REJECTED.values(), ids=list(REJECTED))
def test_every_line_orjson_rejects_is_refused(line: bytes) -> None:
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(line)
    assert _decoder().record(line) is None


# Lines orjson accepts where the decoder's answer equals orjson's restricted record.
ACCEPTED = {
    "duplicate key, the last wins": b'{"a":1,"a":2}',
    "duplicate through an escaped spelling": b'{"a":1,"\\u0061":2}',
    "escaped key": b'{"event\\u004eame":"x"}',
    "duplicate keys in a nested object": b'{"a":{"x":1,"x":[2]}}',
    "duplicate of a key nobody reads": b'{"a":1,"x":1,"x":2}',
    "minus zero integer": b'{"a":-0}',
    "minus zero float": b'{"a":-0.0,"b":0.0}',
    "integral float": b'{"a":1.0,"b":1E2}',
    "largest unsigned 64-bit integer": b'{"a":18446744073709551615}',
    "smallest signed 64-bit integer": b'{"a":-9223372036854775808}',
    "largest double": b'{"a":1.7976931348623157e308}',
    "underflow to zero": b'{"a":1e-400}',
    "smallest subnormal": b'{"a":4.9e-324}',
    "a float with many digits": b'{"a":1.00000000000000011102230246251565404236316680908203125}',
    "a long mantissa": b'{"a":123456789012345678901234567890e-10}',
    "surrogate pair escape": b'{"a":"\\ud83d\\ude00","b":"\\u00e9\\/\\"\\\\\\n"}',
    "escaped NUL": b'{"a":"\\u0000"}',
    "non-ASCII text and keys": b'{"\xc3\xa9":1,"a":"\xe6\x97\xa5\xf0\x9f\x98\x80"}',
    "null is kept, absent is left out": b'{"a":null}',
    "booleans": b'{"a":true,"b":false}',
    "objects and arrays whole": b'{"a":[1,{"b":2,"c":[null]}],"b":{"c":{"d":"e"}}}',
    "DEL is not a control character": b'{"a":"a\x7fb"}',
    "white space": b' {\n"a" : 1 ,\r"b":\t2 } ',
    "nested 500 deep": b'{"a":1,"x":' + b"[" * 499 + b"]" * 499 + b"}",
    "a CloudTrail record": orjson.dumps(
        {"eventTime": "2024-05-01T10:00:00Z", "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "x": {"y": [1, 2.5]}}
    ),
}


@pytest.mark.parametrize("line", ACCEPTED.values(), ids=list(ACCEPTED))
def test_accepted_lines_decode_to_orjsons_values(line: bytes) -> None:
    got = _decoder().record(line.strip())
    assert got is not None, "the decoder should read this line itself"
    assert _same(got, _orjson_view(line.strip()))


# Lines orjson accepts that the decoder refuses: simdjson rejects them, the reader uses orjson.
REFUSED_VALID = {
    "integer beyond 64 bits (orjson: a float)": b'{"a":1111111111111111111111111}',
    "just beyond the unsigned 64-bit range": b'{"a":18446744073709551616}',
    "just below the signed 64-bit range": b'{"a":-9223372036854775809}',
    "an array": b'[{"a":1}]',
    "a number": b"42",
    "a string": b'"a"',
    "an object nested 1024 deep (simdjson's limit)": b'{"a":' * 1023 + b"1" + b"}" * 1023,
    "nested 1023 deep (msgspec's limit is lower)": b'{"a":1,"x":' + b"[" * 1022 + b"]" * 1022 + b"}",
}


@pytest.mark.parametrize("line", REFUSED_VALID.values(), ids=list(REFUSED_VALID))
def test_lines_only_orjson_reads_are_refused(line: bytes) -> None:
    orjson.loads(line)
    assert _decoder().record(line) is None


_FRAGMENTS = [
    b'{', b'}', b'[', b']', b',', b':', b' ', b'"a"', b'"b"', b'"eventName"', b'"x"', b'"\\u0061"', b'"\\ud800"', b'"\\ud83d\\ude00"',
    b'"\\n"', b'"\xc3\xa9"', b'"\xff"', b'"\xed\xa0\x80"', b'\xef\xbb\xbf', b'1', b'-0', b'-0.0', b'01', b'1.5', b'1e400', b'1e-400',
    b'18446744073709551616', b'12345678901234567890123', b'true', b'false', b'null', b'NaN', b'"\t"', b'\x00', b'\\', b'1.', b'2E+3',
]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=14).map(b"".join))
def test_generated_lines_never_disagree_with_orjson(line: bytes) -> None:
    got = _decoder().record(line)
    if got is not None:
        assert _same(got, _orjson_view(line))


@settings(max_examples=600, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(KEYS + ("x", "y", "event\u004eame", "\u00e9")),
        st.recursive(
            st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
            max_leaves=8,
        ),
        max_size=6,
    ),
    st.integers(min_value=0, max_value=3),
)
def test_generated_records_decode_to_orjsons_values(record: dict, duplicate: int) -> None:
    line = orjson.dumps(record)
    if duplicate and record:
        # The same key again, with another value, somewhere in the object: orjson keeps the last.
        key = sorted(record)[duplicate % len(record)]
        line = line[:-1] + b"," + orjson.dumps(key) + b":" + orjson.dumps([duplicate]) + b"}"
    got = _decoder().record(line)
    assert got is not None
    assert _same(got, _orjson_view(line))


_DIGITS = st.text("0123456789", min_size=1, max_size=25)


@settings(max_examples=1500, deadline=None)
@given(st.booleans(), _DIGITS, st.none() | _DIGITS, st.none() | st.tuples(st.sampled_from(["e", "E+", "e-"]), st.integers(0, 400)))
def test_numbers_convert_as_orjson_converts_them(minus: bool, whole: str, fraction: str | None, exponent: tuple | None) -> None:
    number = ("-" if minus else "") + (whole.lstrip("0") or "0")
    number += f".{fraction}" if fraction is not None else ""
    number += f"{exponent[0]}{exponent[1]}" if exponent is not None else ""
    line = b'{"a":' + number.encode() + b"}"
    got = _decoder().record(line)
    if got is not None:
        assert _same(got, _orjson_view(line))


def test_system_keys_cover_every_system_field() -> None:
    assert set(decode.SYSTEM_KEYS) == event_model.SYSTEM_FIELDS


def test_record_keys_name_every_key_a_field_can_read() -> None:
    query = parse("filter errorCode like /Denied/ | stats count(*) by userIdentity.sessionContext.arn, @@x, @logStream")
    assert decode.record_keys(query, ["userIdentity.sessionContext.arn", "@@x", "@logStream", "count(*)"]) == {
        "eventTime", "errorCode", "userIdentity", "userIdentity.sessionContext", "userIdentity.sessionContext.arn", "@x",
        "recipientAccountId", "awsRegion", "count(*)", "Records", "events", "digestStartTime", "digestEndTime", "logFiles",
    }
    assert decode.WHOLE_RECORD in decode.record_keys(parse("fields @message"), ["@message", "@ptr"])


def test_record_keys_give_up_on_commands_they_do_not_know() -> None:
    assert decode.record_keys(parse("pattern @message"), []) is None


def test_partial_events_point_at_the_whole_record() -> None:
    line = b'{"eventTime":"2024-05-01T10:00:00Z","eventName":"x","other":{"k":[1]}}'
    partial = event_model.PartialEvent(_decoder().record(line), line, 0)
    assert partial.ptr() == event_model.Event(orjson.loads(line), line, 0).ptr()


def test_trail_objects_decode_to_their_records() -> None:
    line = orjson.dumps({"Records": [{"eventTime": "t", "a": 2, "x": 3}, {"b": [1.5]}]}).replace(b'"a":2', b'"a":1,"a":2')
    assert _decoder().records(line) == [{"eventTime": "t", "a": 2}, {"b": [1.5]}]


@pytest.mark.parametrize(
    "line",
    [
        b'{"Records":[{"a":1},7]}',  # an element that is not a record: orjson's path reports it
        b'{"Records":[],"eventTime":"2024-05-01T10:00:00Z"}',  # a record that happens to hold Records
        b'{"Records":{"a":1}}',
        b'{"events":[]}',
        b'{"Records":[{"a":1e400}]}',
        b'\xef\xbb\xbf{"Records":[]}',
        b'[{"a":1}]',
    ],
)
def test_trail_objects_orjson_must_read_are_refused(line: bytes) -> None:
    assert _decoder().records(line) is None


def test_trail_objects_are_parsed_whole_when_rows_show_whole_records() -> None:
    decoder = decode.FieldDecoder({"eventTime", decode.WHOLE_RECORD})
    line = b'{"Records":[{"eventTime":"2024-05-01T10:00:00Z"}]}'
    assert decoder.records(line) is None
    assert decoder.record(b'{"eventTime":"x","y":1}') == {"eventTime": "x"}


def test_a_fresh_parser_follows_a_huge_line(monkeypatch: pytest.MonkeyPatch) -> None:
    decoder = decode.FieldDecoder(KEYS)
    monkeypatch.setattr(decoder, "big_line", 100)
    first = decoder._validate
    assert decoder.record(b'{"a":1}') == {"a": 1}
    assert decoder._validate == first  # a short line keeps the parser
    huge = b'{"a":"' + b"x" * 200 + b'"}'
    assert decoder.record(huge) == {"a": "x" * 200}
    assert decoder._validate != first  # its buffers are not kept
    assert decoder.record(b'{"a":[1]}') == {"a": [1]}


@pytest.mark.parametrize("text", [
    b'{"Records": []}', b'{"a": 1, "a": 2}', b'{"n": 123456789012345678901234567890}', b'\xef\xbb\xbf{"a": 1}',
    b'{"a": 1,}', b'{"a": NaN}', b'{"a": 1e999}', b'{"a": "\xff"}', b'{"a": 1} x', b'[{"a": 1}]', b'"x"', b"",
])
def test_is_json_object_never_says_yes_where_orjson_says_no(text: bytes) -> None:
    try:
        verdict = isinstance(orjson.loads(text), dict)
    except orjson.JSONDecodeError:
        verdict = False
    assert not decode.is_json_object(text) or verdict
