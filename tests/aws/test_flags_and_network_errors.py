"""AssumeRole flags are checked before any call; network errors are classified by botocore's base classes."""

from __future__ import annotations

import os
import subprocess
import sys

import botocore.exceptions as bx
import pytest
from click.testing import CliRunner

import trailq.aws as aws
from trailq import cli
from trailq.aws.budget import Kind, classify
from trailq.errors import UsageError

GOOD_ARN = "arn:aws:iam::123456789012:role/Audit"


@pytest.mark.parametrize("flags, named", [
    (["--role-arn", "not-an-arn"], "--role-arn"),
    (["--role-arn", "arn:aws:iam::1234:role/x"], "--role-arn"),
    (["--role-arn", GOOD_ARN, "--role-session-name", "x"], "--role-session-name"),
    (["--role-arn", GOOD_ARN, "--role-session-name", "a b"], "--role-session-name"),
    (["--role-arn", GOOD_ARN, "--role-session-name", "s" * 65], "--role-session-name"),
    (["--role-arn", GOOD_ARN, "--external-id", "x"], "--external-id"),
    (["--role-arn", GOOD_ARN, "--external-id", "has space"], "--external-id"),
])
def test_bad_assume_role_flags_exit_2_naming_the_flag_before_any_call(flags, named, monkeypatch):
    def no_call(*args, **kwargs):
        raise AssertionError("no AWS session may be opened")

    monkeypatch.setattr("trailq.aws.session._base_session", no_call)
    for command in (["run", "--query", "fields @message", "--log-group", "g"], ["discover"]):
        result = CliRunner().invoke(cli.main, [*command, *flags], catch_exceptions=False)
        assert result.exit_code == 2, result.stderr
        assert result.stderr.startswith(f"trailq: error: {named}")
        assert "Traceback" not in result.stderr


def test_valid_assume_role_flags_pass():
    aws.AwsPlan(role_arns=(GOOD_ARN, "arn:aws-us-gov:iam::123456789012:role/path/to/Role+x"),
                external_id="a:b/c-d_e", role_session_name="ci@job=1")
    with pytest.raises(UsageError, match="--external-id"):
        aws.AwsPlan(role_arns=(GOOD_ARN,), external_id="secret value")


def test_network_errors_are_classified_by_their_base_classes():
    assert classify(bx.ProxyConnectionError(proxy_url="http://127.0.0.1:9", error="refused")) is Kind.TRANSIENT
    assert classify(bx.EndpointConnectionError(endpoint_url="https://x")) is Kind.TRANSIENT
    assert classify(bx.ConnectTimeoutError(endpoint_url="https://x")) is Kind.TRANSIENT
    assert classify(bx.ResponseStreamingError(error="reset")) is Kind.TRANSIENT
    assert classify(bx.SSLError(endpoint_url="https://x", error="certificate verify failed")) is Kind.PERMANENT


def test_an_unreachable_proxy_is_one_line_and_exit_5(tmp_path):
    (tmp_path / "credentials").write_text("[default]\naws_access_key_id = AKIATEST\naws_secret_access_key = x\n")
    (tmp_path / "config").write_text("[default]\nregion = us-east-1\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "HTTP", "http", "NO_PROXY", "no_proxy"))}
    env.update(AWS_CONFIG_FILE=str(tmp_path / "config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
               AWS_EC2_METADATA_DISABLED="true", HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9")
    done = subprocess.run([sys.executable, "-m", "trailq", "run", "--query", "fields @message", "--log-group", "g",
                           "--region", "us-east-1", "--timeout", "20s"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 5, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    assert "cannot reach AWS" in done.stderr and "127.0.0.1:9" in done.stderr
