"""Readers: every input format, corrupt input reported with file and line, strict mode, time range,
the same rows from S3 gzip objects, JSON lines, stdin and split multi-process scans."""

from __future__ import annotations

import gzip
import importlib
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import orjson
import pytest

from trailq.engine import run_local
from trailq.errors import QueryFailedError, UsageError
from trailq.lang import parse
from trailq.timerange import TimeRange

RECORDS = [
    {"eventTime": f"2024-05-0{1 + i % 3}T10:{i:02d}:00Z", "eventName": name, "eventSource": src, "awsRegion": region,
     "recipientAccountId": "111122223333", "userIdentity": {"type": "IAMUser", "userName": f"u{i % 4}"}, "errorCode": err}
    for i, (name, src, region, err) in enumerate(
        [("ConsoleLogin", "signin.amazonaws.com", "us-east-1", None), ("GetObject", "s3.amazonaws.com", "eu-west-1", "AccessDenied"),
         ("ListBuckets", "s3.amazonaws.com", "us-east-1", None), ("ConsoleLogin", "signin.amazonaws.com", "us-east-2", None),
         ("AssumeRole", "sts.amazonaws.com", "us-east-1", "AccessDenied"), ("GetObject", "s3.amazonaws.com", "us-east-1", None)] * 5)
]
QUERY = "filter eventSource != \"sts.amazonaws.com\" | stats count(*) as n by eventName, userIdentity.userName | sort n desc, eventName"
ROWS_QUERY = "fields eventName, userIdentity.userName, awsRegion | sort @timestamp desc"


def run(sources: list[str], query: str = QUERY, **kw: object):
    return run_local(parse(query), name="t", sources=sources, time_range=kw.pop("time_range", None), **kw)  # type: ignore[arg-type]


def _jsonl(records: list[dict]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def _s3_tree(root: Path, records: list[dict]) -> Path:
    folder = root / "AWSLogs" / "111122223333" / "CloudTrail" / "us-east-1" / "2024" / "05" / "01"
    folder.mkdir(parents=True)
    for i in range(0, len(records), 7):
        name = folder / f"111122223333_CloudTrail_us-east-1_20240501T1000Z_{i:04d}.json.gz"
        name.write_bytes(gzip.compress(json.dumps({"Records": records[i : i + 7]}, indent=2).encode()))
    return root


def test_same_rows_from_s3_gzip_jsonl_array_export_and_stdin(tmp_path: Path) -> None:
    expected = run([str(_write(tmp_path / "a.jsonl", _jsonl(RECORDS)))])
    s3 = run([str(_s3_tree(tmp_path / "s3", RECORDS))])
    array = run([str(_write(tmp_path / "b.json", json.dumps(RECORDS, indent=1).encode()))])
    export = {"events": [{"timestamp": 0, "message": json.dumps(r), "logStreamName": "111122223333_CloudTrail_us-east-1"} for r in RECORDS]}
    cw = run([str(_write(tmp_path / "c.json", json.dumps(export).encode()))])
    stdin = run(["-"], stdin=io.BytesIO(gzip.compress(_jsonl(RECORDS))))
    ndjson_gz = run([str(_write(tmp_path / "d.ndjson.gz", gzip.compress(_jsonl(RECORDS))))])
    for other in (s3, array, cw, stdin, ndjson_gz):
        assert other.rows == expected.rows
        assert other.statistics.records_scanned == len(RECORDS)
    counts: dict[tuple, int] = {}
    for r in RECORDS:
        if r["eventSource"] != "sts.amazonaws.com":
            key = (r["eventName"], r["userIdentity"]["userName"])
            counts[key] = counts.get(key, 0) + 1
    assert {(r["eventName"], r["userIdentity.userName"]): int(r["n"]) for r in expected.rows} == counts
    # Non-aggregated rows, @ptr included, are identical too: the pointer comes from the record's content.
    assert run([str(tmp_path / "s3")], ROWS_QUERY).rows == run(["-"], ROWS_QUERY, stdin=io.BytesIO(_jsonl(RECORDS))).rows


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_corrupt_inputs_are_reported_with_file_and_line_and_skipped(tmp_path: Path) -> None:
    good = _jsonl(RECORDS[:3])
    bad_lines = _write(
        tmp_path / "x.jsonl", good + b'{"eventTime": "2024-05-01T10:00:00Z", "eventName": \n[1, 2]\n"text"\n' + _jsonl(RECORDS[3:4])
    )
    truncated_gz = _write(tmp_path / "y.json.gz", gzip.compress(_jsonl(RECORDS[:2]))[:-12])
    not_json = _write(tmp_path / "z.json", b"<html>not json</html>")
    result = run([str(bad_lines), str(truncated_gz), str(not_json)], "fields eventName")
    warning = " ".join(result.warnings)
    assert f"{bad_lines}:4: not valid JSON" in warning
    assert f"{bad_lines}:5" in warning and f"{bad_lines}:6" in warning
    assert f"{truncated_gz}" in warning and f"{not_json}:1" in warning
    assert len(result.rows) >= 4  # the good lines of x.jsonl, and what the gzip held before its cut
    with pytest.raises(QueryFailedError) as caught:
        run([str(bad_lines)], "fields eventName", strict=True)
    assert caught.value.exit_code == 5 and f"{bad_lines}:4" in caught.value.message


def test_records_without_event_time_are_reported(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.jsonl", _jsonl([{"eventName": "A"}, {"eventName": "B", "eventTime": "redacted"}, RECORDS[0]]))
    kept = run([str(path)], "fields eventName")
    assert len(kept.rows) == 3 and any("2 record(s) without a parsable eventTime, kept" in w for w in kept.warnings)
    window = TimeRange(datetime(2024, 5, 1, tzinfo=timezone.utc), datetime(2024, 5, 2, tzinfo=timezone.utc))
    ranged = run([str(path)], "fields eventName", time_range=window)
    assert [r["eventName"] for r in ranged.rows] == ["ConsoleLogin"]
    assert any("skipped" in w and f"{path}:1" in w for w in ranged.warnings)


def test_time_range_skips_records_outside(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.jsonl", _jsonl(RECORDS))
    window = TimeRange(datetime(2024, 5, 2, tzinfo=timezone.utc), datetime(2024, 5, 2, 23, 59, 59, tzinfo=timezone.utc))
    result = run([str(path)], "stats count(*) as n", time_range=window)
    assert result.rows == [{"n": str(sum(1 for r in RECORDS if r["eventTime"].startswith("2024-05-02")))}]


def test_missing_source_and_empty_glob_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        run([str(tmp_path / "nope.json")])
    with pytest.raises(UsageError):
        run([str(tmp_path / "*.jsonl")])


def test_glob_and_folder_sources(tmp_path: Path) -> None:
    _write(tmp_path / "one.jsonl", _jsonl(RECORDS[:10]))
    _write(tmp_path / "two.jsonl", _jsonl(RECORDS[10:]))
    _write(tmp_path / "README.md", b"# not data")
    by_glob = run([str(tmp_path / "*.jsonl")], "stats count(*) as n")
    by_folder = run([str(tmp_path)], "stats count(*) as n")
    assert by_glob.rows == by_folder.rows == [{"n": str(len(RECORDS))}]


def test_multi_process_ranges_give_the_same_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    many = RECORDS * 40
    path = _write(tmp_path / "big.jsonl", _jsonl(many[:500]) + b"{broken\n" + _jsonl(many[500:]))
    monkeypatch.setattr(importlib.import_module("trailq.engine.scan"), "PARALLEL_MIN_BYTES", 1)
    for query in (QUERY, ROWS_QUERY + " | limit 7", "filter errorCode like /AccessDenied/ | stats count(*) as n by eventName"):
        single = run([str(path)], query, workers=1)
        multi = run([str(path)], query, workers=2)
        assert multi.rows == single.rows
        assert multi.statistics.records_scanned == single.statistics.records_scanned
        if "like" not in query:  # a prefiltered query never parses the broken line (semantics.md)
            assert any(f"{path}:501" in w for w in multi.warnings), multi.warnings


def test_prefilter_never_changes_answers(tmp_path: Path) -> None:
    escaped = b'{"eventTime": "2024-05-01T10:00:00Z", "eventName": "\\u0043onsoleLogin"}\n'
    path = _write(tmp_path / "p.jsonl", _jsonl(RECORDS) + escaped)
    result = run([str(path)], 'filter eventName = "ConsoleLogin" | stats count(*) as n')
    assert result.rows == [{"n": str(sum(1 for r in RECORDS if r["eventName"] == "ConsoleLogin") + 1)}]
    assert result.statistics.records_scanned == len(RECORDS) + 1
