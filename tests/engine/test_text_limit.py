"""Bombs and lines with no end: one JSON text (a line, or a whole-file document) is never held in
memory past `blocks.MAX_TEXT_BYTES`. What lies beyond is a coverage gap naming the file (and the
byte where the long line starts), every record before it is read, and a check cannot pass on it.
The limit is lowered here so that the inputs stay small; the code reads it at run time."""

from __future__ import annotations

import gzip
import importlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from engine_support import count, jsonl, run, write

from trailq import cli
from trailq.engine import blocks

RECORD = {"eventTime": "2026-11-20T10:00:00Z", "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin",
          "userIdentity": {"type": "Root"}, "recipientAccountId": "111122223333"}
LIMIT = 1 << 20


@pytest.fixture(autouse=True)
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "MAX_TEXT_BYTES", LIMIT)


def _bomb(path: Path, size: int) -> str:
    """A gzip file whose text is `size` spaces and no newline: ~1,000 times smaller than it reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb") as out:
        out.write(b'{"Records":[')
        out.write(b" " * size)
        out.write(b"]}")
    return str(path)


def test_a_gzip_bomb_of_one_line_is_a_gap_not_a_memory_blowup(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "AWSLogs" / "bomb.json.gz", 12 * LIMIT)
    write(tmp_path / "AWSLogs" / "good.jsonl", jsonl([RECORD]))
    result = run([str(tmp_path / "AWSLogs")])
    assert count(result) == 1
    assert result.coverage.files_skipped == 1
    [gap] = result.coverage.gaps
    assert gap.where == bomb and "a line of over 1 MiB" in gap.reason and "not read" in gap.reason


def test_a_line_past_the_limit_in_the_middle_stops_reading_there(tmp_path: Path) -> None:
    before = jsonl([RECORD] * 3)
    source = write(tmp_path / "t.jsonl", before + b'{"pad": "' + b"x" * (6 * LIMIT) + b'"}\n' + jsonl([RECORD] * 2))
    result = run([source])
    assert count(result) == 3  # every record before the long line
    [gap] = result.coverage.gaps
    assert gap.kind == "file" and f"at byte {len(before):,}" in gap.reason and "not read from there on" in gap.reason


def test_the_limit_holds_in_a_parallel_scan_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.import_module("trailq.engine.scan"), "PARALLEL_MIN_BYTES", 1)
    source = write(tmp_path / "t.jsonl", jsonl([RECORD] * 2) + b'{"pad": "' + b"x" * (9 * LIMIT) + b'"}\n')
    result = run([source], workers=2)
    assert count(result) == 2
    assert any("not read from there on" in gap.reason for gap in result.coverage.gaps)


def test_a_document_past_the_limit_is_not_read(tmp_path: Path) -> None:
    document = b'{\n  "Records": [\n' + (b" " * 1000 + b"\n") * (2 * LIMIT // 1000) + b"  ]\n}\n"
    source = write(tmp_path / "pretty.json", document)
    result = run([source])
    assert result.coverage.files_skipped == 1
    assert "a JSON document of over 1 MiB" in result.coverage.gaps[0].reason


def test_check_cannot_pass_on_a_bomb_and_run_says_it_in_one_line(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.json.gz", 4 * LIMIT)
    checked = CliRunner().invoke(cli.main, ["check", "root-console-logins", "--source", bomb], catch_exceptions=False)
    assert checked.exit_code == 5, checked.output
    ran = CliRunner().invoke(cli.main, ["run", "--query", "stats count(*) as n", "--source", bomb], catch_exceptions=False)
    assert ran.exit_code == 0 and "Traceback" not in ran.stderr
    [said] = [line for line in ran.stderr.splitlines() if "bomb.json.gz" in line]
    assert "a line of over 1 MiB" in said
    strict = CliRunner().invoke(cli.main, ["run", "--query", "stats count(*) as n", "--source", bomb, "--strict"])
    assert strict.exit_code == 5 and "bomb.json.gz" in strict.stderr
