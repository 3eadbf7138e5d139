"""--timeout bounds a local run whose input is a stream, also when the stream never ends or sends
nothing: the run stops with exit 5 and one line, never waits on the pipe forever (issue 10's leftover)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import orjson

LINE = orjson.dumps({"eventTime": "2026-11-20T10:00:00Z", "eventSource": "s3.amazonaws.com", "eventName": "ListBuckets"}) + b"\n"


def _run_with_stdin(read_end: int, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """trailq with `read_end` as stdin; its output in files (nothing can fill a pipe and block it)."""
    out, err = tmp_path / "out", tmp_path / "err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        child = subprocess.Popen([sys.executable, "-m", "trailq", *args], stdin=read_end, stdout=stdout, stderr=stderr)
        os.close(read_end)
        try:
            code = child.wait(timeout=60)
        finally:
            child.kill()
    return code, out.read_text(), err.read_text()


def test_a_pipe_that_sends_nothing_ends_at_the_timeout(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()  # kept open and silent while the run waits
    try:
        code, out, err = _run_with_stdin(read_end, tmp_path, "run", "--query", "stats count(*) as n", "--source", "-",
                                         "--timeout", "1s")
    finally:
        os.close(write_end)
    assert code == 5, err
    assert err.splitlines() == ["trailq: error: --timeout 1s passed and the run did not stop by itself (an input that "
                                "sends nothing more, or a step that cannot stop midway); nothing was written"]
    assert out == ""


def test_check_over_a_stream_that_never_ends_stops_copying_it_at_the_timeout(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    stop = threading.Event()

    def feed() -> None:  # an endless trail (~10 MB/s, to spare the disk), until the run stops reading
        try:
            while not stop.wait(0.01):
                os.write(write_end, LINE * 1000)
        except OSError:  # the run closed its end
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        code, _, err = _run_with_stdin(read_end, tmp_path, "check", "root-console-logins", "console-login-failures",
                                       "--source", "-", "--timeout", "2s")
    finally:
        stop.set()
        os.close(write_end)
        feeder.join(timeout=10)
    assert code == 5, err
    assert "--timeout passed" in err and "Traceback" not in err
