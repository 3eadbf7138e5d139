"""A real SIGINT / SIGTERM to a `python -m trailq run` child process querying the fake on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from aws_support import T0
from fakelogs import FakeLogs, FakeServer


def _iso(epoch_seconds: int) -> str:
    return datetime.fromtimestamp(epoch_seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


CHILD = [
    sys.executable, "-m", "trailq", "run", "--query", "fields @message", "--log-group", "trail",
    "--region", "us-east-1,eu-west-1", "--region", "us-west-2", "--start", _iso(T0), "--end", _iso(T0 + 600),
]


@pytest.mark.parametrize(("signum", "expected"), [(signal.SIGINT, 130), (signal.SIGTERM, 5)])
def test_signal_stops_every_query_and_prints_ids(tmp_path: Path, signum: int, expected: int) -> None:
    fake = FakeLogs(service_seconds=120.0)
    regions = ("us-east-1", "eu-west-1", "us-west-2")
    for region in regions:
        fake.add_events("111111111111", region, "trail", [(T0 + 1) * 1000])
    (tmp_path / "credentials").write_text("[default]\naws_access_key_id = AKIATEST\naws_secret_access_key = x\n")
    (tmp_path / "config").write_text("[default]\nregion = us-east-1\n")
    with FakeServer(fake) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ENDPOINT_URL=server.endpoint, AWS_CONFIG_FILE=str(tmp_path / "config"),
                   AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"), AWS_EC2_METADATA_DISABLED="true")
        child = subprocess.Popen(CHILD, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            # Woken by the fake's StartQuery; the bound only keeps a child that died early from hanging the test.
            deadline = time.monotonic() + 20
            while not fake.wait_for_live(len(regions), 0.5) and time.monotonic() < deadline and child.poll() is None:
                pass
            live = fake.live_queries()
            assert len(live) == len(regions)
            child.send_signal(signum)
            out, err = child.communicate(timeout=20)
        finally:
            if child.poll() is None:
                child.kill()
        assert child.returncode == expected, err
        assert fake.live_queries() == []  # StopQuery reached every query before exit
        assert "Traceback" not in err
        # Every query id is printed, so its results can be fetched later with --resume.
        for query_id in live:
            assert query_id in err and f"{query_id} (query on account" in err
        assert "queries stopped by the abort" in err and "could not be stopped" not in err
