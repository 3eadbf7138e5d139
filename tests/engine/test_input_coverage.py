"""Nothing is skipped silently (issue 10, part 1): the folder walk, what a file is whatever its
name, gzip that is truncated or followed by junk, formats trailq does not read, streams, and the
Coverage every local Result carries."""

from __future__ import annotations

import errno
import gzip
import io
import os
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import orjson
import pytest
from engine_support import COUNT, count, jsonl, run, write

from trailq.engine import sources as sources_mod
from trailq.errors import QueryFailedError, UsageError

EVENTS = [{"eventTime": f"2026-11-20T10:{i // 60:02d}:{i % 60:02d}Z", "eventName": f"E{i}"} for i in range(200)]


def gap_text(result) -> str:
    return " | ".join(f"{g.kind} {g.where}: {g.reason}" for g in result.coverage.gaps)


# --- coverage of a clean run --------------------------------------------------------------------


def test_a_clean_run_has_complete_coverage_with_its_counts(tmp_path: Path) -> None:
    a = write(tmp_path / "t" / "a.jsonl", jsonl(EVENTS[:5]))
    write(tmp_path / "t" / "b.json", orjson.dumps({"Records": EVENTS[5:8]}))
    result = run([str(tmp_path / "t")])
    coverage = result.coverage
    assert coverage.complete and coverage.gaps == []
    assert (coverage.files_read, coverage.records_read, coverage.files_skipped, coverage.records_skipped) == (2, 8, 0, 0)
    assert [s.where for s in coverage.searched] == [str(tmp_path / "t")]
    assert result.to_dict()["statistics"]["files_read"] == 2 and result.to_dict()["coverage"]["complete"] is True
    assert run([a]).coverage.searched[0].origin == "file"


def test_a_bad_line_is_a_record_gap_with_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", jsonl(EVENTS[:2]) + b"{broken\n" + jsonl(EVENTS[2:4]))
    result = run([path])
    assert count(result) == 4
    assert result.coverage.records_skipped == 1 and result.coverage.records_read == 4
    assert result.coverage.gaps[0].kind == "record" and result.coverage.gaps[0].where == f"{path}:3"


def test_nothing_read_at_all_is_an_input_gap(tmp_path: Path) -> None:
    empty = write(tmp_path / "e" / "empty.jsonl", b"")
    result = run([str(tmp_path / "e")])
    assert not result.coverage.complete
    assert [g.kind for g in result.coverage.gaps] == ["input"]
    assert run([empty]).coverage.gaps[0].kind == "input"


def test_nothing_read_at_all_is_said_once_as_a_warning(tmp_path: Path) -> None:
    (tmp_path / "none").mkdir()
    assert run([str(tmp_path / "none")]).warnings == ["no record was read from the sources (no file found)"]
    blank = write(tmp_path / "blank.jsonl", b"\n\n")
    assert run([blank]).warnings == ["no record was read from the sources (1 file(s) found, none holding a record)"]
    # A warning that already says why (the only file is broken) is not followed by a second one.
    broken = write(tmp_path / "broken.jsonl", b"{broken\n")
    assert [w.split(":")[0] for w in run([broken]).warnings] == ["skipped 1 unreadable input(s)"]
    assert run([write(tmp_path / "ok.jsonl", jsonl(EVENTS[:2]))]).warnings == []
    write(tmp_path / "d" / "x_CloudTrail-Digest_y.json", b"{}")
    assert len(run([str(tmp_path / "d")]).warnings) == 1  # the digest note already says why nothing was read


def test_records_that_all_lie_outside_the_window_are_said_when_every_line_was_parsed(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    from trailq.engine import run_local
    from trailq.engine.events import ReadReport
    from trailq.lang import parse
    from trailq.timerange import TimeRange

    path = write(tmp_path / "old.jsonl", jsonl(EVENTS[:5]))  # 2026-11-20T10:00:00Z .. 10:00:04Z
    later = TimeRange(datetime(2026, 11, 21, tzinfo=timezone.utc), datetime(2026, 11, 22, tzinfo=timezone.utc))
    around = TimeRange(datetime(2026, 11, 20, tzinfo=timezone.utc), datetime(2026, 11, 21, tzinfo=timezone.utc))

    def warnings(query: str, window: TimeRange, **kw: bool) -> list[str]:
        return run_local(parse(query), name="t", sources=[path], time_range=window, workers=1, **kw).warnings

    said = ("no record lies in the time range 2026-11-21T00:00:00Z .. 2026-11-22T00:00:00Z: the 5 record(s) read "
            "are all outside it (the sources do not cover the window)")
    assert warnings(COUNT, later) == [said]  # no prefilter: every line parsed
    assert warnings("filter eventName = 'E100'", later, parse_every_line=True) == [said]  # as checks run
    assert warnings(COUNT, around) == [] and warnings("filter eventName = 'E100'", around, parse_every_line=True) == []
    # With the prefilter, unparsed lines' times are unknown: nothing is claimed.
    assert warnings("filter eventName = 'E100'", later) == []
    merged, other = ReadReport(in_window=2), ReadReport(in_window=3)
    merged.merge(other)
    assert merged.in_window == 5


def test_run_on_an_empty_folder_warns_even_quietly_and_exits_0(tmp_path: Path) -> None:
    (tmp_path / "none").mkdir()
    done = subprocess.run([sys.executable, "-m", "trailq", "run", "--query", "fields eventName", "--source",
                           str(tmp_path / "none"), "--quiet"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == ""
    assert "no record was read from the sources (no file found)" in done.stderr and "Traceback" not in done.stderr


# --- the folder walk ---------------------------------------------------------------------------


def test_an_unlistable_subfolder_is_a_folder_gap_and_strict_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "trail"
    write(root / "ok" / "a.jsonl", jsonl(EVENTS[:3]))
    write(root / "acct" / "b.jsonl", jsonl(EVENTS[3:6]))
    locked = str(root / "acct")
    real_scandir = os.scandir

    def scandir(path):  # what chmod 000 does to a folder (tests may run as root, which chmod cannot stop)
        if str(path) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(sources_mod.os, "scandir", scandir)
    result = run([str(root)])
    assert count(result) == 3
    assert result.coverage.gaps[0].kind == "folder" and result.coverage.gaps[0].where == locked
    assert "Permission denied" in result.coverage.gaps[0].reason
    assert any(locked in w for w in result.warnings)
    with pytest.raises(QueryFailedError) as caught:
        run([str(root)], strict=True)
    assert locked in caught.value.message


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads a chmod 000 folder anyway")
def test_a_chmod_000_folder_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "trail"
    write(root / "acct" / "b.jsonl", jsonl(EVENTS[:3]))
    os.chmod(root / "acct", 0)
    try:
        result = run([str(root)])
        assert result.coverage.gaps[0].where == str(root / "acct")
    finally:
        os.chmod(root / "acct", 0o755)


def test_the_walk_reads_every_file_by_its_bytes_whatever_its_name(tmp_path: Path) -> None:
    root = tmp_path / "trail"
    write(root / "rotated.json.1", jsonl(EVENTS[:2]))
    write(root / "noextension", jsonl(EVENTS[2:4]))
    write(root / ".hidden.json", jsonl(EVENTS[4:5]))
    write(root / "sub" / "x.log.gz", gzip.compress(jsonl(EVENTS[5:8])))
    write(root / "README.md", b"# notes about this trail\n")
    import bz2

    write(root / "old.json.bz2", bz2.compress(jsonl(EVENTS[8:10])))
    result = run([str(root)])
    assert count(result) == 8
    gaps = {Path(g.where.split(":")[0]).name: g.reason for g in result.coverage.gaps}
    assert set(gaps) == {"README.md", "old.json.bz2"}, gaps
    assert "bzip2" in gaps["old.json.bz2"] and "not valid JSON" in gaps["README.md"]
    assert result.coverage.files_read == 4 and result.coverage.files_skipped == 2


def test_symlinked_folders_are_followed_and_loops_are_walked_once(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    write(elsewhere / "a.jsonl", jsonl(EVENTS[:4]))
    root = tmp_path / "trail"
    write(root / "b.jsonl", jsonl(EVENTS[4:6]))
    os.symlink(elsewhere, root / "linked")
    os.symlink(root, root / "loop")  # back to the top: must not walk forever
    os.symlink(elsewhere, root / "again")  # the same folder twice: read once
    result = run([str(root)])
    assert count(result) == 6 and result.coverage.complete, gap_text(result)
    assert any("not walked again" in w for w in result.warnings), result.warnings


def test_a_dangling_symlink_in_a_folder_is_a_gap_not_a_crash(tmp_path: Path) -> None:
    root = tmp_path / "trail"
    write(root / "a.jsonl", jsonl(EVENTS[:3]) * 1)
    os.symlink(tmp_path / "gone.json", root / "dangling.json")
    for workers in (1, 2):
        result = run([str(root)], workers=workers)
        assert count(result) == 3
        assert "broken symbolic link" in gap_text(result) and "dangling.json" in gap_text(result)


def test_a_fifo_inside_a_folder_is_left_out_and_said(tmp_path: Path) -> None:
    root = tmp_path / "trail"
    write(root / "a.jsonl", jsonl(EVENTS[:3]))
    os.mkfifo(root / "pipe")
    result = run([str(root)])  # reading it would block forever with no writer
    assert count(result) == 3 and "FIFO" in gap_text(result)


def test_a_symlink_loop_and_a_missing_path_are_different_errors(tmp_path: Path) -> None:
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    os.symlink(tmp_path / "nothing", tmp_path / "broken")
    messages = {}
    for name in ("a", "broken", "missing"):
        with pytest.raises(UsageError) as caught:
            run([str(tmp_path / name)])
        messages[name] = caught.value.message
    assert "symbolic link loop" in messages["a"]
    assert "broken symbolic link" in messages["broken"]
    assert "no such file or folder" in messages["missing"]


def test_a_glob_that_matches_folders_walks_them(tmp_path: Path) -> None:
    write(tmp_path / "t" / "one" / "a.jsonl", jsonl(EVENTS[:2]))
    write(tmp_path / "t" / "two" / "b.jsonl", jsonl(EVENTS[2:5]))
    assert count(run([str(tmp_path / "t" / "*")])) == 5


def test_a_glob_over_link_loops_reports_each_unread_entry_once_and_no_listable_folder(tmp_path: Path) -> None:
    # A link loop entry (a -> b -> a) made the folder holding it "cannot be listed" for every glob,
    # and `**` through a link to an ancestor met the same FIFO at every depth (hundreds of gaps).
    root = tmp_path / "trail"
    write(root / "a.jsonl", jsonl(EVENTS[:3]))
    os.symlink(root / "b", root / "a")
    os.symlink(root / "a", root / "b")
    os.symlink(root, root / "sub_up")
    os.mkfifo(root / "pipe")
    walked = run([str(root)])
    expected = sorted(gap.where for gap in walked.coverage.gaps)
    assert expected == [str(root / "a"), str(root / "b"), str(root / "pipe")]
    for pattern in ("*.jsonl", "*", "**"):
        result = run([str(root / pattern)])
        assert count(result) == 3, pattern
        gaps = sorted(gap.where for gap in result.coverage.gaps)
        assert "cannot be listed" not in gap_text(result), (pattern, gap_text(result))
        assert gaps == ([] if pattern == "*.jsonl" else expected), (pattern, gaps)


# --- what a file is ----------------------------------------------------------------------------


@pytest.mark.parametrize("first", [b'"x"', b"42", b"[]", b"null", b"true"])
def test_a_non_object_first_line_loses_nothing_after_it(tmp_path: Path, first: bytes) -> None:
    path = write(tmp_path / "a.jsonl", first + b"\n" + jsonl(EVENTS[:7]))
    result = run([path])
    assert count(result) == 7
    assert result.coverage.records_read == 7


def test_a_truncated_gzip_gives_what_zcat_recovers_and_reports_the_rest(tmp_path: Path) -> None:
    body = jsonl(EVENTS)
    packed = gzip.compress(body)
    cut = packed[: len(packed) * 2 // 3]
    recovered = zlib.decompressobj(31).decompress(cut)  # what zcat prints before "unexpected end of file"
    complete_lines = recovered.count(b"\n")
    path = write(tmp_path / "cut.json.gz", cut)
    result = run([path])
    assert count(result) == complete_lines > 0
    assert "truncated gzip" in gap_text(result) and path in gap_text(result)
    with pytest.raises(QueryFailedError):
        run([path], strict=True)


def test_a_truncated_gzip_document_is_not_called_uncompressed(tmp_path: Path) -> None:
    packed = gzip.compress(orjson.dumps({"Records": EVENTS}))  # one document: nothing to recover from half of it
    path = write(tmp_path / "cut.json.gz", packed[: len(packed) // 2])
    text = gap_text(run([path]))
    assert "truncated gzip" in text and "not valid JSON" in text
    assert "not gzip-compressed" not in text


def test_corrupt_gzip_keeps_every_line_decompressed_before_the_corrupt_spot(tmp_path: Path) -> None:
    # zlib gives nothing from a call that fails: a member with a wrong checksum (its last 8 bytes)
    # lost all its records, though every byte of them had been decompressed.
    packed = gzip.compress(jsonl(EVENTS))
    bad_crc = packed[:-8] + bytes(4) + packed[-4:]
    result = run([write(tmp_path / "crc.json.gz", bad_crc)])
    assert count(result) == len(EVENTS) and "incorrect data check" in gap_text(result)
    # a flipped byte in the middle: the lines before it are read, the rest is one file gap
    second = gzip.compress(jsonl(EVENTS), mtime=0)
    flipped = bytearray(second)
    flipped[len(second) * 3 // 4] ^= 0xFF
    before = _lines_before_corruption(bytes(flipped))
    result = run([write(tmp_path / "flip.json.gz", bytes(flipped))])
    assert count(result) >= before > 0 and "corrupt gzip data" in gap_text(result)


def _lines_before_corruption(data: bytes) -> int:
    inflater = zlib.decompressobj(31)
    out = b""
    for i in range(len(data)):
        try:
            out += inflater.decompress(data[i:i + 1])
        except zlib.error:
            break
    return out.count(b"\n")


def test_a_gzip_member_followed_by_junk_keeps_the_member(tmp_path: Path) -> None:
    path = write(tmp_path / "junk.json.gz", gzip.compress(jsonl(EVENTS[:9])) + b"this is not gzip")
    result = run([path])
    assert count(result) == 9
    assert "after the end of the gzip data" in gap_text(result)


def test_concatenated_gzip_members_and_zero_padding_are_read_whole(tmp_path: Path) -> None:
    data = gzip.compress(jsonl(EVENTS[:3])) + gzip.compress(jsonl(EVENTS[3:8])) + b"\x00" * 100
    result = run([write(tmp_path / "multi.gz", data)])
    assert count(result) == 8 and result.coverage.complete, gap_text(result)


def test_a_utf8_bom_costs_nothing(tmp_path: Path) -> None:
    plain = write(tmp_path / "bom.jsonl", b"\xef\xbb\xbf" + jsonl(EVENTS[:5]))
    packed = write(tmp_path / "bom.json.gz", gzip.compress(b"\xef\xbb\xbf" + orjson.dumps({"Records": EVENTS[:5]})))
    for path in (plain, packed):
        result = run([path])
        assert count(result) == 5 and result.coverage.complete, gap_text(result)


def test_json_lines_with_nul_bytes_in_an_early_line_lose_only_that_line(tmp_path: Path) -> None:
    # A crash can leave NULs in a line; the good lines after it were lost as one "binary data" file.
    damaged = b'{"eventTime":"2026-11-20T09:00:00Z","x":"\x00\x00"}\n'
    for name, data in (("nul.jsonl", damaged + jsonl(EVENTS[:50])), ("nul.jsonl.gz", gzip.compress(damaged + jsonl(EVENTS[:50])))):
        result = run([write(tmp_path / name, data)])
        assert count(result) == 50 and result.coverage.records_skipped == 1
        assert [(g.kind, g.where.endswith(f"{name}:1")) for g in result.coverage.gaps] == [("record", True)]


@pytest.mark.parametrize(
    ("name", "data", "named"),
    [
        ("x.json.bz2", None, "bzip2"),
        ("u16.json", "utf-16", "UTF-16"),
        ("u16be.json", "utf-16-be", "UTF-16"),
        ("report.xml", b'<?xml version="1.0"?>\n<events><e/></events>\n', "XML"),
        ("fake.json.gz", b"this was never compressed\n", "not gzip"),
        ("zeros.json", b"\x00" * 64, "binary"),
    ],
)
def test_an_unreadable_file_is_a_file_gap_named_by_what_it_is(tmp_path: Path, name: str, data: object, named: str) -> None:
    body = jsonl(EVENTS[:3])
    if data is None:
        import bz2

        raw = bz2.compress(body)
    elif isinstance(data, str):
        raw = body.decode().encode(data)
    else:
        raw = data  # type: ignore[assignment]
    path = write(tmp_path / name, raw)
    result = run([path])
    assert result.coverage.gaps[0].kind == "file" and path in result.coverage.gaps[0].where
    assert named in result.coverage.gaps[0].reason, result.coverage.gaps[0].reason
    assert "surrogates" not in gap_text(result)
    assert result.coverage.files_read == 0 and result.coverage.files_skipped == 1


# --- streams -----------------------------------------------------------------------------------


def test_a_fifo_named_with_source_is_read_as_a_stream(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as handle:
            handle.write(gzip.compress(jsonl(EVENTS[:11])))

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        result = run([str(fifo)], workers=2)
    finally:
        if writer.is_alive():  # not read: unblock the writer so the test ends
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        writer.join(timeout=10)
    assert count(result) == 11 and result.coverage.complete


def test_process_substitution_dev_fd_is_read_as_a_stream(tmp_path: Path) -> None:
    # What `--source <(zcat trail.json.gz)` passes: /dev/fd/N, a pipe.
    packed = write(tmp_path / "t.json.gz", gzip.compress(jsonl(EVENTS[:13])))
    code = (
        "import sys, subprocess\n"
        "zcat = subprocess.Popen(['gzip', '-dc', sys.argv[1]], stdout=subprocess.PIPE)\n"
        "fd = zcat.stdout.fileno()\n"
        "out = subprocess.run([sys.executable, '-m', 'trailq', 'run', '--query', 'stats count(*) as n', '--source', f'/dev/fd/{fd}',"
        " '--format', 'csv'], pass_fds=[fd], capture_output=True, text=True)\n"
        "print(out.returncode, out.stdout.split()[-1], repr(out.stderr))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, packed], capture_output=True, text=True, timeout=60)
    assert done.stdout.split()[:2] == ["0", "13"], done.stdout + done.stderr


def test_a_stream_read_by_several_queries_is_read_once_for_all_of_them(tmp_path: Path) -> None:
    # `trailq check --source <(zcat ...)` runs several checks over one pipe.
    from trailq import runs

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    broken = gzip.compress(jsonl(EVENTS[:6]) + b"{cut")

    def feed() -> None:
        with open(fifo, "wb") as handle:
            handle.write(broken)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    queries = [runs.QueryToRun("a", COUNT), runs.QueryToRun("b", COUNT + " by eventName | stats count(*) as n")]
    try:
        results, _ = runs.run_local(queries, sources=[str(fifo), "-"], label="x", window=None, stdin=io.BytesIO(jsonl(EVENTS[6:9])))
    finally:
        if writer.is_alive():
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        writer.join(timeout=10)
    assert [count(r) for r in results] == [9, 9]
    for result in results:  # the gap is named by the stream, not by the temporary copy
        assert [g.where for g in result.coverage.gaps] == [f"{fifo}:7"]
    assert not list(Path(os.environ.get("TMPDIR", "/tmp")).glob("trailq-stream-*.spool"))


def test_stdin_with_a_bom_and_gzip(tmp_path: Path) -> None:
    data = gzip.compress(b"\xef\xbb\xbf" + jsonl(EVENTS[:4]))
    assert count(run(["-"], stdin=io.BytesIO(data))) == 4


def test_split_scans_report_the_same_coverage_as_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    scan = importlib.import_module("trailq.engine.scan")
    body = b"".join(jsonl(EVENTS) + b"{broken %d\n" % i for i in range(30))
    path = write(tmp_path / "big.jsonl", body)
    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 1)
    single, multi = run([path], workers=1), run([path], workers=2)
    assert len(scan.plan_units([path], 2)) > 1
    assert multi.coverage.counts() == single.coverage.counts() == {
        "files_read": 1, "records_read": 30 * len(EVENTS), "files_skipped": 0, "records_skipped": 30}
    assert sorted(g.where for g in multi.coverage.gaps) == sorted(g.where for g in single.coverage.gaps)


@pytest.mark.parametrize("pattern", ["**/*.jsonl", "*/*.jsonl", "a*/*.jsonl"])
def test_a_glob_reports_the_folders_it_cannot_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pattern: str) -> None:
    write(tmp_path / "t" / "ok" / "a.jsonl", jsonl(EVENTS[:2]))
    write(tmp_path / "t" / "acct" / "b.jsonl", jsonl(EVENTS[2:5]))
    locked = str(tmp_path / "t" / "acct")
    real_scandir = os.scandir

    def scandir(path):
        if str(path) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(sources_mod.os, "scandir", scandir)
    monkeypatch.setattr(sources_mod.glob.os, "scandir", scandir)
    result = run([str(tmp_path / "t" / pattern)])
    assert [g.where for g in result.coverage.gaps if g.kind == "folder"] == [locked], gap_text(result)


def test_a_bom_file_split_across_workers_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    scan = importlib.import_module("trailq.engine.scan")
    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 1)
    path = write(tmp_path / "bom.jsonl", b"\xef\xbb\xbf" + jsonl(EVENTS * 20))
    result = run([path], workers=2)
    assert count(result) == 20 * len(EVENTS) and result.coverage.complete, gap_text(result)


def test_a_tar_gz_is_named(tmp_path: Path) -> None:
    import tarfile

    inner = write(tmp_path / "in" / "a.jsonl", jsonl(EVENTS[:3]))
    archive = tmp_path / "trail.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(inner, arcname="a.jsonl")
    result = run([str(archive)])
    assert "tar archive" in gap_text(result)
