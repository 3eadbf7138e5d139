"""Ctrl-C during a multi-process local scan (issue 10): exit 130 promptly, one line on stderr, no
worker traceback, no worker left behind, never a hang. A real SIGINT to the whole process group,
as a terminal sends it, repeated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

# The child lowers the parallel threshold so that a few megabytes are enough to start workers, and
# asks for two workers whatever its CPU affinity (under `taskset -c 0` it would otherwise use one).
CHILD = (
    "import importlib; importlib.import_module('trailq.engine.scan').PARALLEL_MIN_BYTES = 1; "
    "importlib.import_module('trailq.engine')._default_workers = lambda: 2; "
    "from trailq.cli import main; main()"
)
QUERY = "parse @message /(?<word>[a-z]+)x/ | stats count(*) by word, userIdentity.userName"


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _wait_for_workers(child: subprocess.Popen[bytes]) -> list[int]:
    """The scan's worker pids, once it has started two (the test fails if it never does)."""
    workers: list[int] = []
    deadline = time.monotonic() + 30
    while len(workers) < 2 and time.monotonic() < deadline and child.poll() is None:
        workers = _children(child.pid)
        time.sleep(0.005)
    if len(workers) < 2:
        child.kill()
        pytest.fail(f"the scan did not start its workers: {child.communicate()}")
    return workers


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("sigint") / "big.jsonl"
    line = orjson.dumps({"eventTime": "2026-11-20T10:00:00Z", "eventName": "GetObject", "pad": "abcd " * 60,
                         "userIdentity": {"type": "IAMUser", "userName": "alice"}}) + b"\n"
    path.write_bytes(line * 60_000)
    return str(path)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to see the workers")
def test_ctrl_c_during_a_multi_process_scan_exits_130_with_one_line(big_file: str) -> None:
    for attempt in range(5):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, "run", "--query", QUERY, "--source", big_file],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
            # A test run started in the background inherits an ignored SIGINT; a terminal's child does not.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        workers = _wait_for_workers(child)
        time.sleep(0.02 * attempt)  # at different points of the scan
        os.killpg(child.pid, signal.SIGINT)
        sent = time.monotonic()
        try:
            out, err = child.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            pytest.fail(f"attempt {attempt}: hung after Ctrl-C")
        assert child.returncode == 130, (attempt, child.returncode, err)
        assert err.decode() == "trailq: error: interrupted\n", (attempt, err)
        assert time.monotonic() - sent < 10
        for pid in workers:  # reaped: no <defunct> worker and nothing still scanning
            assert not Path(f"/proc/{pid}").exists() or "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to see the workers")
def test_sigterm_during_a_multi_process_scan_exits_5_with_one_line(big_file: str) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, "run", "--query", QUERY, "--source", big_file],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )
    _wait_for_workers(child)
    os.killpg(child.pid, signal.SIGTERM)  # as a CI runner stops a job
    try:
        _, err = child.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        pytest.fail("hung after SIGTERM")
    assert child.returncode == 5, err
    assert err.decode().startswith("trailq: error: terminated (SIGTERM)") and "Traceback" not in err.decode(), err
