"""write_atomic: replaces whole files, keeps modes, reports unwritable paths (exit 5 after a run)."""

from __future__ import annotations

import os
import stat

import pytest

from trailq.errors import UsageError, WriteFailedError
from trailq.reporting.fileio import check_writable, write_atomic


def test_creates_and_replaces(tmp_path):
    path = tmp_path / "out.csv"
    write_atomic(path, "a,b\r\n1,2\r\n")
    assert path.read_bytes() == b"a,b\r\n1,2\r\n"  # written as given: no newline translation
    write_atomic(path, "ü\n")
    assert path.read_text(encoding="utf-8") == "ü\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_keeps_an_existing_files_mode(tmp_path):
    path = tmp_path / "report.md"
    path.write_text("old")
    os.chmod(path, 0o640)
    write_atomic(path, "new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_new_files_follow_the_umask_not_0600(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o644


def test_unwritable_destination_is_a_usage_error_before_the_run_and_exit_5_after_it(tmp_path):
    (tmp_path / "a-file").write_text("x")
    target = tmp_path / "a-file" / "out.json"  # its "folder" is a file: nothing can be created there
    with pytest.raises(UsageError) as checked:
        check_writable(target, "--output")
    assert str(target) in checked.value.message and checked.value.exit_code == 2
    with pytest.raises(WriteFailedError) as caught:
        write_atomic(target, "{}")
    assert str(target) in caught.value.message and caught.value.exit_code == 5


def test_a_full_device_names_the_path_and_exits_5():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    with pytest.raises(WriteFailedError) as caught:
        write_atomic("/dev/full", "x" * 100_000)
    assert "/dev/full" in caught.value.message and caught.value.exit_code == 5


def test_check_writable_reports_the_folder_it_will_create(tmp_path):
    assert check_writable(tmp_path / "reports" / "2026" / "out.xml", "--junit") == tmp_path / "reports"
    assert check_writable(tmp_path / "out.xml", "--junit") is None
    assert check_writable("-", "--output") is None
    with pytest.raises(UsageError, match="--output needs a file name"):
        check_writable("", "--output")


def test_missing_folders_are_created(tmp_path):
    target = tmp_path / "reports" / "2026" / "out.json"
    write_atomic(target, "{}")
    assert target.read_text() == "{}"


def test_a_folder_in_the_way_is_reported_and_cleaned_up(tmp_path):
    (tmp_path / "out").mkdir()
    with pytest.raises(WriteFailedError):
        write_atomic(tmp_path / "out", "x")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
