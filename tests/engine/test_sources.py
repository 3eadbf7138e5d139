"""Which bytes are read, and how: JSON lines whose first line is broken, sources named twice,
CloudTrail digest files, and where a problem in a pretty-printed document is reported."""

from __future__ import annotations

import gzip
import importlib
import io
import json
import os
from pathlib import Path

import orjson
import pytest
from engine_support import COUNT, count, jsonl, run, write

from trailq.engine.sources import expand_sources
from trailq.errors import QueryFailedError

EVENTS = [{"eventTime": f"2026-11-20T10:00:{i:02d}Z", "eventName": name} for i, name in enumerate("ABCDEFG")]


# --- 1. a broken first line does not turn JSON lines into one broken document ------------------


@pytest.mark.parametrize("block_reader", [True, False])
@pytest.mark.parametrize(
    "head",
    [
        b"garbage\n",
        b'ventName":"X","awsRegion":"us-east-1"}\n',  # what `tail -c` leaves
        b'{"accountId":"1"},"eventName":"X"}\n',  # a cut that happens to start with a brace
        b"[1, 2\n",
    ],
)
def test_a_broken_first_line_is_skipped_and_the_other_lines_count(
    tmp_path: Path, block_reader: bool, head: bytes
) -> None:
    path = write(tmp_path / "f.jsonl", head + jsonl(EVENTS[:2]))
    result = run([path], reference=not block_reader)
    assert count(result) == 2
    assert result.statistics.records_scanned == 2
    assert any(f"{path}:1: not valid JSON" in w for w in result.warnings), result.warnings
    with pytest.raises(QueryFailedError) as caught:
        run([path], strict=True, reference=not block_reader)
    assert f"{path}:1" in caught.value.message


def test_broken_first_lines_in_gzip_and_stdin_and_after_blank_lines(tmp_path: Path) -> None:
    body = b"garbage\n" + jsonl(EVENTS[:3])
    gz = write(tmp_path / "f.json.gz", gzip.compress(body))
    assert count(run([gz])) == 3
    from_stdin = run(["-"], stdin=io.BytesIO(body))
    assert count(from_stdin) == 3 and any("stdin:1: not valid JSON" in w for w in from_stdin.warnings)
    # Leading blank lines count: the bad line is reported on its real line.
    blank = write(tmp_path / "b.jsonl", b"\n\n" + body)
    result = run([blank])
    assert count(result) == 3 and any(f"{blank}:3: not valid JSON" in w for w in result.warnings), result.warnings


def test_several_broken_lines_at_the_start(tmp_path: Path) -> None:
    path = write(tmp_path / "f.jsonl", b"garbage\nmore garbage\n" + jsonl(EVENTS[:2]))
    result = run([path])
    assert count(result) == 2
    warning = " ".join(result.warnings)
    assert f"{path}:1:" in warning and f"{path}:2:" in warning


@pytest.mark.parametrize("block_reader", [True, False])
def test_more_broken_lines_at_the_start_than_sniff_looks_at_lose_only_those_lines(tmp_path: Path, block_reader: bool) -> None:
    # Nine broken lines (invalid UTF-8 in a field, a `tail -c` cut, ...) before good JSON lines made
    # the file "one document that does not parse": every good record after them was lost.
    broken = [orjson.dumps(event).replace(b'"eventName":"', b'"eventName":"\xff') for event in EVENTS] + [b'{"cut":'] * 3
    path = write(tmp_path / "f.jsonl", b"\n".join(broken) + b"\n" + jsonl(EVENTS[:5]))
    result = run([path], reference=not block_reader)
    assert count(result) == 5
    assert result.coverage.records_skipped == 10 and result.coverage.files_skipped == 0
    warning = " ".join(result.warnings)
    assert f"{path}:1: not valid JSON" in warning and f"{path}:10: not valid JSON" in warning
    assert result.statistics.bytes_scanned == os.path.getsize(path)


def test_sniff_stops_after_a_megabyte_of_blank_lines() -> None:
    # sniff kept every blank line as its own bytes object: a 51 kB gzip of 50 million newlines
    # took 4.6 GB. It now decides "JSON lines" (no document starts that way) after 1 MiB of them.
    from trailq.engine.sources import SNIFF_BLANK_BYTES, sniff

    endless = iter(lambda: b"\n", None)
    head, json_lines = sniff(lambda: next(endless))
    assert json_lines and len(head) == SNIFF_BLANK_BYTES + 1


@pytest.mark.parametrize("block_reader", [True, False])
def test_records_after_megabytes_of_blank_lines_are_read_with_their_line_numbers(tmp_path: Path, block_reader: bool) -> None:
    blank = 3 << 20
    data = b"\n" * blank + b"broken\n" + jsonl(EVENTS[:2]) + b"\n" * 1000 + jsonl(EVENTS[2:3])
    for path in (write(tmp_path / "b.jsonl", data), write(tmp_path / "b.json.gz", gzip.compress(data))):
        result = run([path], reference=not block_reader)
        assert count(result) == 3, path
        assert result.coverage.records_read == 3 and result.coverage.records_skipped == 1
        assert any(f"{path}:{blank + 1}: not valid JSON" in w for w in result.warnings), result.warnings


def test_documents_are_still_read_whole(tmp_path: Path) -> None:
    records = EVENTS[:3]
    pretty = write(tmp_path / "p.json", json.dumps({"Records": records}, indent=2).encode())
    array = write(tmp_path / "a.json", json.dumps(records, indent=2).encode())
    # One record per line inside an array: the record lines are objects, yet this is one document.
    one_per_line = write(tmp_path / "o.json", b"[\n" + b",\n".join(orjson.dumps(r) for r in records) + b"\n]\n")
    single = write(tmp_path / "s.json", b'{"Records": [\n' + orjson.dumps(records[0]) + b"\n]}\n")
    single_array = write(tmp_path / "sa.json", b"[\n" + orjson.dumps(records[0]) + b"\n]\n")
    for path, n in ((pretty, 3), (array, 3), (one_per_line, 3), (single, 1), (single_array, 1)):
        result = run([path])
        assert count(result) == n, path
        assert result.warnings == [], (path, result.warnings)


def test_a_cut_pretty_printed_document_is_one_problem(tmp_path: Path) -> None:
    text = json.dumps({"Records": EVENTS[:3]}, indent=2).encode()
    path = write(tmp_path / "cut.json", text[: len(text) // 2])
    result = run([path])
    assert count(result) == 0
    assert len(result.warnings) == 1 and "skipped 1 unreadable input(s)" in result.warnings[0]


def test_split_scans_read_a_file_with_a_broken_first_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    many = (EVENTS * 300)[:2000]
    path = write(tmp_path / "big.jsonl", b'ventName":"X"}\n' + jsonl(many))
    scan = importlib.import_module("trailq.engine.scan")
    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 1)
    assert len(scan.plan_units([path], 2)) > 1  # split into ranges, like any JSON-lines file
    for query in (COUNT, "stats count(*) as n by eventName | sort eventName"):
        single = run([path], query, workers=1)
        multi = run([path], query, workers=2)
        assert multi.rows == single.rows
        assert multi.statistics.records_scanned == single.statistics.records_scanned == len(many)
        assert any(f"{path}:1: not valid JSON" in w for w in multi.warnings), multi.warnings


# --- 2. a file named twice is read once -------------------------------------------------------


def test_each_file_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a = write(tmp_path / "s3" / "x" / "a.json.gz", gzip.compress(jsonl(EVENTS[:2])))
    write(tmp_path / "s3" / "b.jsonl", jsonl(EVENTS[2:5]))
    assert count(run([a, a])) == 2
    assert count(run([str(tmp_path / "s3"), str(tmp_path / "s3" / "**" / "*.gz")])) == 5
    monkeypatch.chdir(tmp_path)
    assert count(run(["s3/x/a.json.gz", a, "./s3/x/../x/a.json.gz"])) == 2
    os.symlink(tmp_path / "s3" / "b.jsonl", tmp_path / "link.jsonl")
    assert count(run(["link.jsonl", "s3/b.jsonl"])) == 3
    assert count(run(["-", "-"], stdin=io.BytesIO(jsonl(EVENTS[:4])))) == 4
    # First-seen order is kept.
    assert expand_sources(["s3/b.jsonl", "s3", "-", "-"]) == ["s3/b.jsonl", "s3/x/a.json.gz", "-"]


# --- 3. CloudTrail digest files are not events --------------------------------------------------

DIGEST = {
    "awsAccountId": "111122223333",
    "digestStartTime": "2026-11-20T09:00:00Z",
    "digestEndTime": "2026-11-20T10:00:00Z",
    "digestS3Bucket": "trail-bucket",
    "digestS3Object": "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/20/x.json.gz",
    "newestEventTime": "2026-11-20T09:59:00Z",
    "oldestEventTime": "2026-11-20T09:01:00Z",
    "previousDigestS3Bucket": None,
    "previousDigestSignature": None,
    "logFiles": [{"s3Bucket": "trail-bucket", "s3Object": "a.json.gz", "hashValue": "00", "hashAlgorithm": "SHA-256"}],
    "fingerprintAlgorithm": "SHA-256",
    "digestPublicKeyFingerprint": "00",
    "digestSignatureAlgorithm": "SHA256withRSA",
}


def _trail_with_digests(root: Path) -> Path:
    logs = root / "AWSLogs" / "111122223333" / "CloudTrail" / "us-east-1" / "2026" / "11" / "20"
    write(logs / "111122223333_CloudTrail_us-east-1_20261120T1000Z_abc.json.gz", gzip.compress(orjson.dumps({"Records": EVENTS[:3]})))
    digests = root / "AWSLogs" / "111122223333" / "CloudTrail-Digest" / "us-east-1" / "2026" / "11" / "20"
    for hour in ("09", "10"):
        name = f"111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20261120T{hour}0000Z.json.gz"
        write(digests / name, gzip.compress(orjson.dumps(DIGEST)))
    return root


def test_digest_files_found_by_walking_or_glob_are_skipped_with_one_notice(tmp_path: Path) -> None:
    root = _trail_with_digests(tmp_path / "s3")
    for source in (str(root), str(root / "**" / "*.json.gz")):
        result = run([source])
        assert count(result) == 3
        assert result.statistics.records_scanned == 3
        notices = [w for w in result.warnings if "digest" in w]
        assert len(notices) == 1 and "2 CloudTrail digest file(s)" in notices[0], result.warnings
        assert not any("eventTime" in w for w in result.warnings)


def test_a_digest_named_explicitly_is_skipped_with_a_warning(tmp_path: Path) -> None:
    root = _trail_with_digests(tmp_path / "s3")
    digest = sorted((root / "AWSLogs" / "111122223333" / "CloudTrail-Digest").rglob("*.json.gz"))[0]
    result = run([str(digest)])
    assert count(result) == 0 and result.statistics.records_scanned == 0
    assert any(str(digest) in w and "digest" in w for w in result.warnings), result.warnings


def test_a_digest_is_recognised_by_its_content_under_any_name(tmp_path: Path) -> None:
    renamed = write(tmp_path / "copied.json", orjson.dumps(DIGEST))
    pretty = write(tmp_path / "pretty.json", json.dumps(DIGEST, indent=2).encode())
    data = write(tmp_path / "data.jsonl", jsonl(EVENTS[:2]))
    result = run([renamed, pretty, data])
    assert count(result) == 2 and result.statistics.records_scanned == 2
    assert not any("eventTime" in w for w in result.warnings), result.warnings
    assert any("2 CloudTrail digest" in w for w in result.warnings), result.warnings


# --- 5. where a record of a pretty-printed document is reported ---------------------------------


def test_records_of_a_multi_line_document_are_reported_by_record_number(tmp_path: Path) -> None:
    records = [EVENTS[0], {"eventName": "no time"}, "not a record"]
    path = write(tmp_path / "p.json", json.dumps({"Records": records}, indent=2).encode())
    warnings = " ".join(run([path]).warnings)
    assert f"{path} record 2" in warnings and f"{path} record 3" in warnings, warnings
    assert f"{path}:1 record" not in warnings
    # On JSON lines the line is known and stays.
    lines = write(tmp_path / "l.jsonl", jsonl([EVENTS[0]]) + orjson.dumps({"Records": records}) + b"\n")
    assert f"{lines}:2 record 2" in " ".join(run([lines]).warnings)


def test_a_missing_sample_trail_is_a_usage_error_with_a_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A broken install is not a bug in trailq (exit 70) nor in the query: exit 2, saying what to do.
    from trailq import engine
    from trailq.errors import EXIT_USAGE

    (tmp_path / "data" / "sample").mkdir(parents=True)
    monkeypatch.setattr(engine.resources, "files", lambda package: tmp_path)
    with pytest.raises(engine.SampleMissing) as caught:
        engine.sample_sources()
    assert caught.value.exit_code == EXIT_USAGE
    assert "reinstall" in (caught.value.hint or "")
