"""A quick seeded fuzz of trail files (issue 10): truncated, bit-flipped, wrong shapes, gzip'd and
broken gzip, through `trailq run` and `trailq check`. Whatever the bytes: never exit 70, every run
ends within a bound, and every record of the intact part is read (counted)."""

from __future__ import annotations

import gzip
import json
import random
import time
import zlib
from pathlib import Path

import orjson
from click.testing import CliRunner

from trailq import cli

SEED = 20261201
CASES = 60
RUN_BOUND_SECONDS = 10.0
TOTAL_BUDGET_SECONDS = 40.0


def _records(rng: random.Random, n: int) -> list[dict]:
    names = ["ConsoleLogin", "GetObject", "AssumeRole", "ListBuckets"]
    return [
        {"eventTime": f"2026-11-20T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z",
         "eventName": rng.choice(names), "eventSource": "signin.amazonaws.com", "recipientAccountId": "111122223333",
         "awsRegion": "us-east-1", "userIdentity": {"type": rng.choice(["Root", "IAMUser"]), "userName": f"u{i}"},
         "note": "é☃ \\ \" x" * rng.randrange(3)}
        for i in range(n)
    ]


def _lines(records: list[dict]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def _complete_records(data: bytes) -> int:
    """Lines of `data` that are whole JSON objects (the intact part a reader must not lose)."""
    count = 0
    for line in data.split(b"\n"):
        try:
            if isinstance(orjson.loads(line), dict):
                count += 1
        except orjson.JSONDecodeError:
            pass
    return count


def _shapes(rng: random.Random, records: list[dict]) -> tuple[str, bytes, int | None]:
    """Each record in one of the shapes a reader meets (trail object, array, bare), with junk lines between."""
    pieces = []
    expected = 0
    for record in records:
        shape = rng.randrange(6)
        if shape == 0:
            pieces.append(orjson.dumps({"Records": [record]}))
            expected += 1
        elif shape == 1:
            pieces.append(orjson.dumps([record]))
            expected += 1
        elif shape == 2:
            pieces.append(rng.choice([b'"x"', b"42", b"null", b"[]", b"[1, 2]", b"{}", b"]", b"{"]))
            expected += pieces[-1] == b"{}"
        else:
            pieces.append(orjson.dumps(record))
            expected += 1
    return "s.json", b"\n".join(pieces) + b"\n", expected


def _mutate(rng: random.Random, records: list[dict]) -> tuple[str, bytes, int | None]:
    """(name, bytes, records a reader must read, or None when only 'no crash' can be asserted)."""
    plain = _lines(records)
    kind = rng.choice(["truncate", "flip", "shapes", "gzip", "gzip-truncate", "gzip-flip", "gzip-junk", "document-cut"])
    if kind == "truncate":
        cut = plain[: rng.randrange(len(plain))]
        return "t.jsonl", cut, _complete_records(cut)
    if kind == "flip":
        data = bytearray(plain)
        for _ in range(rng.randrange(1, 6)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        return "f.jsonl", bytes(data), _complete_records(bytes(data))
    if kind == "shapes":
        return _shapes(rng, records)
    if kind == "gzip":
        return "g.json.gz", gzip.compress(plain), len(records)
    packed = gzip.compress(plain)
    if kind == "gzip-truncate":
        cut = packed[: rng.randrange(10, len(packed))]
        return "gt.gz", cut, _complete_records(zlib.decompressobj(31).decompress(cut))
    if kind == "gzip-junk":
        return "gj.gz", packed + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))), None
    if kind == "gzip-flip":
        data = bytearray(packed)
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        return "gf.gz", bytes(data), None
    text = json.dumps({"Records": records}, indent=2).encode()
    return "d.json", text[: rng.randrange(len(text))], None


def _invoke(*args: str):
    started = time.monotonic()
    result = CliRunner().invoke(cli.main, list(args), catch_exceptions=False)
    return result, time.monotonic() - started


def test_mutated_trail_files_never_crash_and_lose_no_intact_record(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    began = time.monotonic()
    ran = 0
    for case in range(CASES):
        if time.monotonic() - began > TOTAL_BUDGET_SECONDS:
            break
        records = _records(rng, rng.randrange(1, 80))
        name, data, expected = _mutate(rng, records)
        path = tmp_path / f"{case:03d}-{name}"
        path.write_bytes(data)
        context = f"case {case} ({name}, seed {SEED})"
        result, seconds = _invoke("run", "--query", "stats count(*) as n", "--source", str(path), "--format", "json")
        assert result.exit_code != 70 and "Traceback" not in result.output, (context, result.output)
        assert seconds < RUN_BOUND_SECONDS, context
        assert result.exit_code == 0, (context, result.output)
        document = json.loads(result.stdout)[0]
        read = int(document["rows"][0]["n"])
        if expected is not None:
            assert read >= expected, (context, read, expected, document["coverage"]["gaps"])
        assert read <= len(records) + 5, context
        if read < len(records):  # something was lost: it must be said
            assert document["coverage"]["complete"] is False or read == expected, (context, document["coverage"])
        checked, seconds = _invoke("check", "root-console-logins", "--source", str(path))
        assert checked.exit_code in (0, 1, 5) and "Traceback" not in checked.output, (context, checked.output)
        assert seconds < RUN_BOUND_SECONDS, context
        if not document["coverage"]["complete"]:
            assert checked.exit_code in (1, 5), (context, checked.output)  # never a green check on partial input
        ran += 1
    assert ran >= 10
