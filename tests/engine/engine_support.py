"""Helpers shared by the local-engine tests: run a query over files, write JSON lines, read a count."""

from __future__ import annotations

from pathlib import Path

import orjson

from trailq.engine import run_local
from trailq.lang import parse

COUNT = "stats count(*) as n"


def run(sources: list[str], query: str = COUNT, **kw: object):
    return run_local(parse(query), name="t", sources=sources, time_range=None, workers=kw.pop("workers", 1), **kw)  # type: ignore[arg-type]


def jsonl(records: list[dict]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def write(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def count(result) -> int:
    return int(result.rows[0]["n"])
