"""A real SIGINT / SIGTERM to a child process running trailq.aws.run against the fake on loopback.

`trailq run` is not wired to the CloudWatch backend yet, so the child is the library call the CLI
will make (inside interrupts.cancel_on_signals); once wired, the same test drives `python -m trailq run`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import T0
from fakelogs import FakeLogs, FakeServer

CHILD = f"""
import sys
from datetime import datetime, timezone
import trailq.aws as aws
from trailq.aws.interrupts import cancel_on_signals
from trailq.timerange import TimeRange

window = TimeRange(datetime.fromtimestamp({T0}, timezone.utc), datetime.fromtimestamp({T0} + 600, timezone.utc))
plan = aws.AwsPlan(regions=("us-east-1", "eu-west-1", "us-west-2"), log_groups=("trail",))
with cancel_on_signals() as signals:
    outcome = aws.run([("q", "fields @message")], plan, window, cancel=signals.event)
for item in outcome.abandoned:
    print("left", item.query_id, item.region, item.stopped, flush=True)
sys.exit(outcome.exit_code if signals.interrupted() else 5)
"""


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
        child = subprocess.Popen([sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 20
            while len(fake.live_queries()) < len(regions) and time.monotonic() < deadline and child.poll() is None:
                time.sleep(0.05)
            assert len(fake.live_queries()) == len(regions)
            child.send_signal(signum)
            out, err = child.communicate(timeout=20)
        finally:
            if child.poll() is None:
                child.kill()
        assert child.returncode == expected, err
        assert fake.live_queries() == []  # StopQuery reached every query before exit
        left = [line.split() for line in out.splitlines() if line.startswith("left ")]
        assert sorted(parts[2] for parts in left) == sorted(regions)
        assert all(parts[3] == "True" for parts in left)
