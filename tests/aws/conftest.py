"""Fixtures for the CloudWatch backend tests (helpers are in aws_support.py)."""

from __future__ import annotations

import pytest
from aws_support import T0, A, B, FakeLogs, FakeServer


@pytest.fixture
def fake() -> FakeLogs:
    return FakeLogs()


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
