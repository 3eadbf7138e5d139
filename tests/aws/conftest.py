"""Shared helpers for the CloudWatch backend tests: the fake service and endpoints on it."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fakelogs import FakeLogs, FakeServer  # noqa: E402

from trailq.aws.budget import Buckets, Runtime  # noqa: E402
from trailq.aws.fanout import Endpoint, FanOut  # noqa: E402
from trailq.aws.insights import PollRamp  # noqa: E402

FAST_RAMP = PollRamp(first_seconds=0.005, factor=1.5, cap_seconds=0.02)
FAST_RATES = {"StartQuery": 1000.0, "GetQueryResults": 1000.0, "StopQuery": 1000.0}
T0 = 1_700_000_000  # an epoch second used as the start of every test window


def endpoints(fake: FakeLogs, accounts: list[str], regions: list[str], groups: tuple[str, ...] = ("trail",)) -> list[Endpoint]:
    return [Endpoint(a, r, groups, fake.client(a, r), fake.client(a, r)) for a in accounts for r in regions]


def fan_out(queries, eps, *, seconds: int = 3600, timeout: float = 20.0, cancel: threading.Event | None = None,
            rates: dict[str, float] = FAST_RATES, **kw) -> FanOut:
    runtime = Runtime(deadline=time.monotonic() + timeout, stop=cancel or threading.Event())
    kw.setdefault("ramp", FAST_RAMP)
    return FanOut(queries, eps, start_seconds=T0, end_seconds=T0 + seconds, runtime=runtime, cancel=cancel,
                  buckets=Buckets(rates, runtime.clock), **kw)


@pytest.fixture
def fake() -> FakeLogs:
    return FakeLogs()


A, B = "111111111111", "222222222222"


@pytest.fixture
def aws_env(tmp_path, monkeypatch):
    """Two profiles (a, b) with their own keys, nothing from the real environment."""
    config = tmp_path / "config"
    config.write_text("[default]\nregion = us-east-1\n[profile a]\nregion = us-east-1\n[profile b]\nregion = us-east-1\n")
    creds = tmp_path / "credentials"
    creds.write_text(
        "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = x\n"
        "[a]\naws_access_key_id = AKIAFAKEA\naws_secret_access_key = x\n"
        "[b]\naws_access_key_id = AKIAFAKEB\naws_secret_access_key = x\n"
    )
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch


@pytest.fixture
def served(aws_env):
    fake = FakeLogs(service_seconds=0.05, regions=("eu-west-1", "us-east-1", "us-west-2"))
    fake.keys.update({"AKIAFAKEA": A, "AKIAFAKEB": B})
    for account in (A, B):
        for region in fake.regions:
            fake.add_events(account, region, "CloudTrail/Default", [(T0 + 60 + i) * 1000 for i in range(7)])
    with FakeServer(fake) as server:
        aws_env.setenv("AWS_ENDPOINT_URL", server.endpoint)
        yield fake
