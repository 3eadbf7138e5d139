"""Would msgspec's typed JSON decoding speed up query (b)? The measurement behind bench/README.md.

msgspec is not a trailq dependency; this script only runs where it can be imported, e.g.
    .venv/bin/pip install --target /tmp/msgspec-eval msgspec==0.22.0
    PYTHONPATH=/tmp/msgspec-eval .venv/bin/python bench/parser_eval.py [--lines 200000]

It prints, per line of bench/data/trail.jsonl:
1. the parse alone: orjson.loads (every object built) against msgspec decoding into a Struct that
   holds only the keys query (b) reads (the rest of the line is validated and skipped);
2. the reader's loop for a one-record line, ending in the count per (eventSource, eventName);
3. the cost of a byte-level guard that would send risky lines back to orjson;
and the inputs where the two decoders disagree on whether a line is valid JSON. Those decide:
a line orjson rejects is reported as unreadable, so a faster decoder that accepts it would count
a record the current path reports.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson

try:
    import msgspec
except ImportError:  # pragma: no cover - the evaluation needs it, trailq does not
    sys.exit("msgspec is not importable: see this script's docstring for the commands")

UNSET = msgspec.UNSET
# Only what `stats count(*) by eventSource, eventName` reads, plus the two wrapper keys whose mere
# presence sends a line to the general path. Non-text values fail validation (general path too).
_Text = str | None
Keys = msgspec.defstruct(
    "Keys",
    [
        ("source", _Text, UNSET),
        ("name", _Text, UNSET),
        ("time", _Text, UNSET),
        ("records", msgspec.Raw, UNSET),
        ("events", msgspec.Raw, UNSET),
    ],
    rename={
        "source": "eventSource",
        "name": "eventName",
        "time": "eventTime",
        "records": "Records",
        "events": "events",
    },
)
DECODER = msgspec.json.Decoder(Keys)

# Lines both decoders must agree on (valid or not) for the fast path to be answer-preserving.
PROBES = {
    "number beyond double range": b'{"eventName":"a","x":1e400}',
    "400-digit integer": b'{"eventName":"a","x":' + b"1" * 400 + b"}",
    "just above the largest double": b'{"eventName":"a","x":1.7976931348623159e308}',
    "invalid UTF-8 in a skipped value": b'{"eventName":"a","x":"\xff"}',
    "invalid UTF-8 in a skipped key": b'{"eventName":"a","x\xc3":1}',
    "UTF-8-encoded surrogate": b'{"eventName":"a","x":"\xed\xa0\x80"}',
    "NaN": b'{"eventName":"a","x":NaN}',
    "lone surrogate escape": b'{"eventName":"a","x":"\\ud800"}',
    "control character in a string": b'{"eventName":"a","x":"a\x01b"}',
    "leading zero": b'{"eventName":"a","x":01}',
    "trailing comma": b'{"eventName":"a","x":[1,]}',
    "trailing characters": b'{"eventName":"a"} x',
    "escaped key": b'{"event\\u004eame":"a"}',
    "duplicate key, last wins": b'{"eventName":"a","eventName":"b"}',
}


def _orjson_verdict(line: bytes) -> str:
    try:
        parsed = orjson.loads(line)
    except orjson.JSONDecodeError:
        return "rejected"
    return (
        f"accepted, eventName={parsed.get('eventName')!r}"
        if isinstance(parsed, dict)
        else "accepted"
    )


def _msgspec_verdict(line: bytes) -> str:
    try:
        keys = DECODER.decode(line)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return "rejected"
    return f"accepted, eventName={keys.name!r}"


def _best(fn: Callable[[], object], count: int, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best / count * 1e6


def _orjson_loop(lines: list[bytes]) -> dict:
    counts: dict = {}
    loads = orjson.loads
    for line in lines:
        record = loads(line)
        if type(record) is dict and "Records" not in record and "events" not in record:
            key = (record.get("eventSource"), record.get("eventName"))
            counts[key] = counts.get(key, 0) + 1
    return counts


def _msgspec_loop(lines: list[bytes]) -> dict:
    counts: dict = {}
    decode = DECODER.decode
    for line in lines:
        if line.isascii():  # the guard for invalid UTF-8 in skipped strings (cheap)
            keys = decode(line)
            if keys.records is UNSET and keys.events is UNSET:
                key = (keys.source, keys.name)
                counts[key] = counts.get(key, 0) + 1
    return counts


# An exact guard for out-of-range numbers: map digits/sign/point to 0, e/E to e, the bytes that
# may precede a number to S, the rest to x; a risky number then shows as S0…0e000 or 200 zeros.
_GUARD = bytes(
    c if c in b"0eS" else ord("x")
    for c in bytes.maketrans(b"0123456789.+-Ee:,[ \t\r\n", b"0000000000000eeSSSSSSS")
)


def _guard_pass(lines: list[bytes]) -> int:
    candidates = 0
    zeros = b"0" * 200
    for line in lines:
        mapped = line.translate(_GUARD)
        if b"0e000" in mapped or zeros in mapped:
            candidates += 1
    return candidates


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--data", default=str(Path(__file__).parent / "data" / "trail.jsonl")
    )
    parser.add_argument("--lines", type=int, default=200_000)
    args = parser.parse_args()
    with open(args.data, "rb") as handle:
        lines = [line.strip() for _, line in zip(range(args.lines), handle)]
    count = len(lines)
    print(
        f"msgspec {msgspec.__version__}, orjson {orjson.__version__}, {count} lines of {args.data}, best of 3, µs per line"
    )
    print(
        f"  parse, orjson.loads:                  {_best(lambda: [orjson.loads(x) and None for x in lines], count):.2f}"
    )
    print(
        f"  parse, msgspec Struct of 5 keys:      {_best(lambda: [DECODER.decode(x) and None for x in lines], count):.2f}"
    )
    print(
        f"  loop + count, orjson:                 {_best(lambda: _orjson_loop(lines), count):.2f}"
    )
    print(
        f"  loop + count, msgspec (+ isascii):    {_best(lambda: _msgspec_loop(lines), count):.2f}"
    )
    assert _orjson_loop(lines) == _msgspec_loop(lines), (
        "the two loops disagree on the bench data"
    )
    print(
        f"  out-of-range-number guard alone:      {_best(lambda: _guard_pass(lines), count):.2f}"
        f"  ({_guard_pass(lines) / count:.0%} of lines left to check further)"
    )
    print("verdicts (orjson | msgspec):")
    for label, line in PROBES.items():
        mine, theirs = _orjson_verdict(line), _msgspec_verdict(line)
        mark = "  <-- differs" if mine.split(",")[0] != theirs.split(",")[0] else ""
        print(f"  {label:36s} {mine:32s} | {theirs}{mark}")


if __name__ == "__main__":
    main()
