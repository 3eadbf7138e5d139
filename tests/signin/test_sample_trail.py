"""The bundled sample trail: layout, size, reproducibility, and the stories the sign-in pack finds."""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import sys
from datetime import datetime, timezone

import pytest
from signin_support import REPO, SAMPLE, run_builtin

MGMT, PROD = "111122223333", "444455556666"
KEY = re.compile(
    r"AWSLogs/(?P<acct>\d{12})/CloudTrail/(?P<region>[a-z]{2}-[a-z]+-\d)/(?P<y>\d{4})/(?P<m>\d\d)/(?P<d>\d\d)/"
    r"(?P=acct)_CloudTrail_(?P=region)_(?P=y)(?P=m)(?P=d)T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz"
)


def sample_files() -> list:
    return sorted(SAMPLE.rglob("*.json.gz"))


def load_script():
    spec = importlib.util.spec_from_file_location("make_sample", REPO / "scripts" / "make_sample.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script loads
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_layout_is_the_trail_s3_layout_and_small():
    files = sample_files()
    assert files, "run scripts/make_sample.py"
    accounts, regions, records = set(), set(), 0
    for path in files:
        match = KEY.fullmatch(path.relative_to(SAMPLE).as_posix())
        assert match, path
        accounts.add(match["acct"])
        regions.add(match["region"])
        data = path.read_bytes()
        assert data[4:8] == b"\0\0\0\0", f"{path}: gzip mtime must be 0 for reproducible bytes"
        body = json.loads(gzip.decompress(data))
        assert set(body) == {"Records"}
        for record in body["Records"]:
            when = datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
            assert datetime(2025, 7, 14, tzinfo=timezone.utc) <= when < datetime(2025, 7, 21, tzinfo=timezone.utc)
            assert record["recipientAccountId"] == match["acct"] and record["awsRegion"] == match["region"]
        records += len(body["Records"])
    assert accounts == {MGMT, PROD}
    assert len(regions) >= 4
    assert 15_000 <= records <= 25_000
    assert sum(p.stat().st_size for p in files) < 4_000_000


def test_rerunning_the_script_reproduces_the_committed_files(tmp_path):
    assert load_script().main(["--out", str(tmp_path)]) == 0
    fresh = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*.json.gz")}
    committed = {p.relative_to(SAMPLE): p.read_bytes() for p in sample_files()}
    assert fresh.keys() == committed.keys()
    assert [name for name in fresh if fresh[name] != committed[name]] == []


def run_sample(name: str, params: dict[str, str] | None = None):
    result = run_builtin(name, [str(SAMPLE)], params)
    assert result.ok and result.warnings == [], (result.error, result.warnings)
    return result.rows


def test_story_burst_of_failed_sign_ins_from_one_ip():
    rows = run_sample("failed-login-bursts")
    assert [(r["sourceIPAddress"], r["failures"], r["timeBin"]) for r in rows] == [
        ("203.0.113.77", "14", "2025-07-16 02:10:00.000"),
        ("192.0.2.150", "6", "2025-07-18 03:30:00.000"),  # the spraying story, seen as a burst too
        ("198.51.100.201", "6", "2025-07-19 21:00:00.000"),  # the brute-force story's first five minutes
    ]


def test_story_root_console_sign_in_without_mfa():
    rows = run_sample("console-logins-without-mfa")
    assert {(r["who"], r["account"], r["awsRegion"]) for r in rows} == {
        ("root", MGMT, "us-east-1"), ("svc-reporting", MGMT, "us-east-1"), ("erin", MGMT, "us-east-1")}


def test_story_root_creates_an_access_key_in_the_console():
    in_console = [r for r in run_sample("root-activity") if r["eventName"] == "CreateAccessKey"]
    assert [(r.get("invokedBy"), r["session"]) for r in in_console] == [("signin.amazonaws.com", "root-user")]
    assert not any(r["eventName"] == "CreateAccessKey" for r in run_sample("cis-root-usage"))


def test_story_iam_user_sign_ins_are_spread_over_regions():
    rows = run_sample("console-logins")
    regions = {r["awsRegion"] for r in rows if r["identityType"] == "IAMUser" and r["outcome"] == "Success"}
    assert {"us-east-1", "us-east-2", "ap-southeast-2"} <= regions
    assert {r["awsRegion"] for r in run_sample("console-login-regions")} >= {"us-east-1", "us-east-2", "ap-southeast-2"}


def test_story_switch_role_into_production():
    rows = run_sample("switch-role")
    assert [(r["sourceAccount"], r["targetAccount"], r["role"], r["session"], r["outcome"]) for r in rows] == [
        (MGMT, PROD, "ProdAdmin", "bob", "Success")]


def test_story_identity_center_sign_ins_in_both_shapes():
    rows = run_sample("identity-center-signins")
    completed = {(r["identityType"], r["who"]) for r in rows if r["eventName"] == "UserAuthentication"}
    assert ("Unknown", "maria.garcia@example.com") in completed  # older shape: Unknown + userName
    assert ("IdentityCenterUser", "maria.garcia@example.com") in completed  # newer shape
    assert any(r["outcome"] == "Failure" and r["credentialType"] == "TOTP" for r in rows)
    federated = run_sample("federated-console-logins")
    assert {r["account"] for r in federated if r["via"] == "identity-center"} == {MGMT, PROD}


def test_story_unknown_user_failure():
    rows = run_sample("console-logins", {"user": "HIDDEN_DUE_TO_SECURITY_REASONS"})
    lone = [r for r in rows if r["sourceIPAddress"] == "192.0.2.200"]
    assert [(r["errorMessage"], r["awsRegion"]) for r in lone] == [("No username found in supplied account", "us-east-2")]


def test_story_password_reset_then_sign_in_then_access_key():
    rows = run_sample("account-takeover-chain")
    erin = [r for r in rows if r["who"] == "erin"]
    assert [(r["account"], r["chain"]) for r in erin] == [(MGMT, "credential -> sign-in -> access key")]
    reset = [r for r in run_sample("credential-changes") if r["eventName"] == "UpdateLoginProfile"]
    assert [(r["who"], r["target"], r["forOther"]) for r in reset] == [("bob", "erin", "yes")]


def test_story_password_spraying():
    rows = run_sample("password-spraying")
    assert [(r["sourceIPAddress"], r["account"], r["people"]) for r in rows] == [("192.0.2.150", MGMT, "6")]


def test_story_brute_force_then_success():
    by_ip = run_sample("brute-force-success-by-ip")
    assert [(r["sourceIPAddress"], r["failures"], r["successes"]) for r in by_ip] == [("198.51.100.201", "8", "1")]
    by_user = run_sample("brute-force-success-by-user")
    assert [(r["who"], r["account"], r["failures"]) for r in by_user] == [("svc-reporting", MGMT, "8")]


def test_story_sign_in_from_a_new_ip():
    rows = run_sample("multi-ip-console-logins")
    assert [(r["who"], r["sourceIPs"], r["timeBin"]) for r in rows] == [("alice", "2", "2025-07-16 08:00:00.000")]
    usual = "198.51.100.0/24,203.0.113.0/28"  # alice's and bob's offices; carol's address is outside
    outside = run_sample("signins-outside-allowed-networks", {"allowed_networks": usual})
    assert ("alice", "203.0.113.150") in {(r["who"], r["sourceIPAddress"]) for r in outside}
    assert run_sample("signins-outside-allowed-networks") == []  # no networks given: no check


@pytest.mark.parametrize("name", ["signin-events", "login-summary-by-user", "login-summary-by-ip", "root-console-logins",
                                  "console-login-failures"])
def test_other_queries_find_rows_in_the_sample(name):
    assert run_sample(name)
