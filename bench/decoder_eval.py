"""pysimdjson against orjson, and the decoder trailq built from it: the measurements behind bench/README.md.

    .venv/bin/python bench/decoder_eval.py [--data bench/data/trail.jsonl] [--lines 100000]

Prints, per line of the bench data (µs, best of 5, one process):
1. splitting 4 MB blocks into lines (`bytes.split`, what every line costs before any parser runs);
   orjson.loads (every object built); simdjson's parse alone and with the three lookups of query (b);
   the exact duplicate-key guard simdjson would need (count each wanted key's quoted name);
   msgspec's TypedDict decoding of the wanted keys; engine.decode.FieldDecoder.record (both);
2. the verdicts of orjson, simdjson (first-duplicate lookups) and FieldDecoder on the probes where
   parsers are known to part ways (tests/engine/test_decode.py pins the same cases);
3. batched decoding evaluated (issue 14): a block's lines joined into one JSON array, validated by
   simdjson in one call and decoded by msgspec in one call into a list of the wanted keys, with the
   alignment proof it needs (msgspec's `list[Raw]` of the same array, each element as long as its
   line), against the per-block loop the reader uses (FieldDecoder.lines: two calls per line).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import msgspec
import orjson
import simdjson

from trailq.engine.decode import FieldDecoder

KEYS = ("eventTime", "eventSource", "eventName")
PROBES = {
    "duplicate key": b'{"eventName":"a","eventName":"b"}',
    "duplicate through an escape": b'{"eventName":"a","event\\u004eame":"b"}',
    "byte order mark": b'\xef\xbb\xbf{"eventName":"a"}',
    "25-digit integer": b'{"eventName":"a","x":1111111111111111111111111}',
    "1e400": b'{"eventName":"a","x":1e400}',
    "invalid UTF-8": b'{"eventName":"a","x":"\xff"}',
    "encoded surrogate": b'{"eventName":"a","x":"\xed\xa0\x80"}',
    "lone surrogate escape": b'{"eventName":"a","x":"\\ud800"}',
    "trailing comma": b'{"eventName":"a","x":[1,]}',
    "leading zero": b'{"eventName":"a","x":01}',
    "NaN": b'{"eventName":"a","x":NaN}',
    "raw control character": b'{"eventName":"a\tb"}',
    "trailing content": b'{"eventName":"a"} x',
    "bad escape": b'{"eventName":"\\x"}',
    "-0": b'{"eventName":-0}',
    "objects nested 1023 deep": b'{"eventName":' * 1023 + b"1" + b"}" * 1023,
}


def _best(fn: Callable[[], object], count: int) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best / count * 1e6


def _show(value: object) -> str:
    return repr(value) if isinstance(value, (str, int, float)) else type(value).__name__


def _orjson(line: bytes) -> str:
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return "rejected"
    return _show(value.get("eventName")) if isinstance(value, dict) else "not an object"


def _simdjson(parser: simdjson.Parser, line: bytes) -> str:
    try:
        value = parser.parse(line)
    except (ValueError, RuntimeError):
        return "rejected"
    return _show(value.get("eventName")) if isinstance(value, simdjson.Object) else "not an object"


def _decoder(decoder: FieldDecoder, line: bytes) -> str:
    got = decoder.record(line)
    return "to orjson" if got is None else _show(got.get("eventName"))


# Three lines whose joined array holds three objects, none of which is one of the lines: counting
# elements proves nothing; their lengths do (the reason for the Raw pass below).
MISALIGNED = [b'{"a":[{}', b'{}]}', b"{},{}"]


def _batched_costs(decoder: FieldDecoder, lines: list[bytes], block: int = 3000) -> tuple[float, float]:
    """µs per line: the per-block loop, and the batched decoding with its alignment proof."""
    blocks = [lines[i : i + block] for i in range(0, len(lines), block)]
    wanted = decoder._extract.__self__.type  # type: ignore[attr-defined]  # the Decoder's TypedDict
    as_list = msgspec.json.Decoder(list[wanted]).decode
    as_raw = msgspec.json.Decoder(list[msgspec.Raw]).decode
    parser = simdjson.Parser()

    def batched() -> None:
        for bodies in blocks:
            joined = b"[" + b",".join(bodies) + b"]"
            parser.parse(joined)
            aligned = list(map(len, as_raw(joined))) == list(map(len, bodies))
            assert aligned
            as_list(joined)

    count = sum(map(len, blocks))
    return _best(lambda: [decoder.lines(b) for b in blocks], count), _best(batched, count)


def _blocks(lines: list[bytes], size: int = 4 << 20) -> list[bytes]:
    """The lines joined again into blocks of about `size` bytes, as the block reader holds them."""
    blocks: list[bytes] = []
    start = held = 0
    for end, line in enumerate(lines, 1):
        held += len(line) + 1
        if held >= size or end == len(lines):
            blocks.append(b"\n".join(lines[start:end]) + b"\n")
            start, held = end, 0
    return blocks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(Path(__file__).parent / "data" / "trail.jsonl"))
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    with open(args.data, "rb") as handle:
        lines = [line.strip() for _, line in zip(range(args.lines), handle)]
    count = len(lines)
    simd = simdjson.Parser()
    decoder = FieldDecoder(KEYS)
    quoted = [orjson.dumps(key) for key in KEYS]

    def parse_only() -> None:
        for line in lines:
            simd.parse(line)

    def parse_and_look_up() -> None:
        for line in lines:
            document = simd.parse(line)
            document["eventTime"], document["eventSource"], document["eventName"]
            del document  # a parser cannot be reused while a proxy of its document lives

    def duplicate_guard() -> None:
        for line in lines:
            for name in quoted:
                line.count(name)

    blocks = _blocks(lines)
    print(f"{count} lines of {args.data}, µs per line, best of 5")
    split = _best(lambda: [block.split(b"\n") for block in blocks], count)
    print(f"  bytes.split of 4 MB blocks:            {split:.2f}")
    print(f"  orjson.loads:                          {_best(lambda: [orjson.loads(x) and None for x in lines], count):.2f}")
    print(f"  simdjson parse:                        {_best(parse_only, count):.2f}")
    print(f"  simdjson parse + 3 lookups:            {_best(parse_and_look_up, count):.2f}")
    print(f"  duplicate guard, 3 keys counted:       {_best(duplicate_guard, count):.2f}")
    print(f"  msgspec TypedDict of the 3 keys:       {_best(lambda: [decoder._extract(x) and None for x in lines], count):.2f}")
    print(f"  FieldDecoder.record (both):            {_best(lambda: [decoder.record(x) and None for x in lines], count):.2f}")
    loop, batched = _batched_costs(decoder, lines)
    print(f"  FieldDecoder.lines (per-block loop):   {loop:.2f}")
    print(f"  batched: join + simdjson + Raw + list: {batched:.2f}")
    joined = b"[" + b",".join(MISALIGNED) + b"]"
    print(f"  {len(MISALIGNED)} misaligned lines decode to {len(orjson.loads(joined))} objects; "
          f"element lengths {[len(r) for r in msgspec.json.decode(joined, type=list[msgspec.Raw])]} vs line lengths "
          f"{[len(x) for x in MISALIGNED]}")
    print("verdicts (eventName as read) — orjson | simdjson | FieldDecoder:")
    for label, line in PROBES.items():
        print(f"  {label:30s} {_orjson(line):12s} | {_simdjson(simd, line):12s} | {_decoder(decoder, line)}")


if __name__ == "__main__":
    main()
