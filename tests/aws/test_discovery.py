"""Discovery by default: every copy of CloudTrail in CloudWatch, for every account and region, and
a coverage report that says exactly what was searched (issue 11), against the fake over loopback HTTP.

The world: account A has a multi-region trail whose log group lives in its home region (us-east-1);
account B has no trail but CloudWatch-managed `aws/cloudtrail/...` groups in two other regions, a
CloudTrail Lake import, a group tagged with the CloudTrail data source, and is the monitoring
account of source account C (linked). me-south-1 is an opt-in region neither account enabled.
"""

from __future__ import annotations

import json
import time

import pytest
from aws_support import A, B, FakeLogs, FakeServer
from click.testing import CliRunner
from fakelogs import FakeError

import trailq.aws as aws
from trailq import cli

C = "333333333333"
LAKE = "aws/cloudtrail/0a1b2c3d-1111-2222-3333-444455556666"
REGIONS = ("eu-central-1", "eu-west-1", "us-east-1", "us-west-2")
FLAGSHIP = ["run", "console-logins", "--since", "7d", "--region", "all", "--profile", "a", "--profile", "b"]


def _recent(count: int) -> list[int]:
    now_ms = int(time.time() * 1000)
    return [now_ms - 3_600_000 - i * 1000 for i in range(count)]


@pytest.fixture
def world(aws_env):
    fake = FakeLogs(service_seconds=0.02, regions=REGIONS)
    fake.disabled_regions.add("me-south-1")
    fake.keys.update({"AKIAFAKEA": A, "AKIAFAKEB": B})
    fake.add_trail(A, "us-east-1", "main", "aws-cloudtrail-logs-main")
    fake.add_events(A, "us-east-1", "aws-cloudtrail-logs-main", _recent(4))  # every region's events, one group
    for region in ("us-west-2", "eu-west-1"):
        fake.add_events(B, region, "aws/cloudtrail/management-events", _recent(2))
    fake.add_events(B, "eu-central-1", LAKE, _recent(3))
    fake.add_events(B, "eu-central-1", "security/trail-copy", _recent(1))
    fake.data_sources[(B, "eu-central-1", "security/trail-copy")] = "aws_cloudtrail"
    fake.add_events(B, "eu-central-1", "app/unrelated", _recent(5))  # not CloudTrail: never searched
    fake.linked[B] = [C]
    fake.add_events(C, "us-west-2", "aws/cloudtrail/management-events", _recent(6))
    with FakeServer(fake) as server:
        aws_env.setenv("AWS_ENDPOINT_URL", server.endpoint)
        yield fake


def _invoke(*args: str):
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


def test_flagship_command_finds_every_copy_and_names_each_source(world):
    result = _invoke(*FLAGSHIP, "--format", "json")
    assert result.exit_code == 0, result.stderr
    results = json.loads(result.stdout)
    assert sum(len(r["rows"]) for r in results) == 4 + 2 + 2 + 3 + 1 + 6
    searched = {s["where"]: s["origin"] for r in results for s in r["coverage"]["searched"]}
    assert searched == {
        f"{A}/us-east-1 aws-cloudtrail-logs-main": "trail:main",
        f"{B}/us-west-2 aws/cloudtrail/management-events": "managed",
        f"{B}/eu-west-1 aws/cloudtrail/management-events": "managed",
        f"{B}/eu-central-1 {LAKE}": "lake",
        f"{B}/eu-central-1 security/trail-copy": "data-source",
        f"{B}/us-west-2 arn:aws:logs:us-west-2:{C}:log-group:aws/cloudtrail/management-events": f"linked:{C}",
    }
    nothing = set(results[0]["coverage"]["nothing_to_search"])
    assert nothing == {f"{A}/eu-central-1", f"{A}/eu-west-1", f"{A}/us-west-2", f"{B}/us-east-1"}
    assert all(r["coverage"]["complete"] for r in results)
    # The multi-region trail's group is queried once, in its home region, though every region lists the trail.
    starts = [(acct, region) for _, acct, region, action in world.calls if action == "StartQuery"]
    assert starts.count((A, "us-east-1")) == 1 and len(starts) == 4


def test_flagship_with_one_region_denied_exits_5_and_says_so(world):
    world.region_failures[(A, "eu-west-1")] = FakeError("AccessDeniedException", "explicit deny in a service control policy")
    result = _invoke(*FLAGSHIP, "--format", "json")
    assert result.exit_code == 5
    assert "eu-west-1" in result.stderr and "explicit deny" in result.stderr
    results = json.loads(result.stdout)
    gaps = [g for r in results for g in r["coverage"]["gaps"]]
    assert [(g["kind"], g["where"]) for g in gaps] == [("region", f"{A}/eu-west-1")]
    assert gaps[0]["reason"].startswith("denied (") and "explicit deny" in gaps[0]["reason"]
    assert sum(len(r["rows"]) for r in results) == 18  # every other copy still answered


def test_check_counts_a_region_that_could_not_be_searched_as_could_not_judge(world):
    world.region_failures[(None, "eu-west-1")] = FakeError("AccessDeniedException", "denied")
    result = _invoke("check", "console-login-failures", "--since", "7d", "--region", "all", "--profile", "a")
    assert result.exit_code == 5, result.output


def test_opt_in_region_not_enabled_is_a_gap_named_as_such(world):
    result = _invoke("run", "console-logins", "--since", "7d", "--region", "us-east-1,me-south-1", "--profile", "a", "--format", "json")
    assert result.exit_code == 5
    gaps = [g for r in json.loads(result.stdout) for g in r["coverage"]["gaps"]]
    assert [g["where"] for g in gaps] == [f"{A}/me-south-1"]
    assert "opt-in region not enabled" in gaps[0]["reason"]
    assert "me-south-1" in result.stderr and "opt-in region not enabled" in result.stderr


def test_region_all_never_asks_a_region_the_account_has_not_enabled(world):
    _invoke(*FLAGSHIP, "--format", "json")
    assert not any(region == "me-south-1" for _, _, region, _ in world.calls)


def test_linked_account_also_given_directly_is_queried_once(world, aws_env, tmp_path):
    world.keys["AKIAFAKEC"] = C
    creds = tmp_path / "credentials"
    creds.write_text("[a]\naws_access_key_id = AKIAFAKEA\naws_secret_access_key = x\n"
                     "[b]\naws_access_key_id = AKIAFAKEB\naws_secret_access_key = x\n"
                     "[c]\naws_access_key_id = AKIAFAKEC\naws_secret_access_key = x\n")
    config = tmp_path / "config"
    config.write_text("[profile a]\nregion = us-east-1\n[profile b]\nregion = us-east-1\n[profile c]\nregion = us-east-1\n")
    aws_env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    aws_env.setenv("AWS_CONFIG_FILE", str(config))
    result = _invoke(
        "run", "console-logins", "--since", "7d", "--region", "us-west-2", "--profile", "b", "--profile", "c", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    results = json.loads(result.stdout)
    assert {r["target"]["account"]: len(r["rows"]) for r in results} == {B: 2, C: 6}
    assert "queried once" in result.stderr and C in result.stderr


def test_no_discover_keeps_the_catalog_log_group_and_names_it_when_missing(world):
    result = _invoke("run", "console-logins", "--since", "7d", "--region", "us-east-1", "--profile", "a", "--no-discover")
    assert result.exit_code == 5
    assert "CloudTrail/DefaultLogGroup" in result.stderr and "does not exist" in result.stderr


def test_two_log_group_flags_name_the_missing_one(world):
    result = _invoke("run", "console-logins", "--since", "7d", "--region", "us-east-1", "--profile", "a",
                     "--log-group", "aws-cloudtrail-logs-main", "--log-group", "nope/missing")
    assert result.exit_code == 5 and "nope/missing" in result.stderr


def test_explicit_log_group_is_searched_with_origin_flag(world):
    result = _invoke("run", "console-logins", "--since", "7d", "--region", "us-east-1", "--profile", "a",
                     "--log-group", "aws-cloudtrail-logs-main", "--format", "json")
    assert result.exit_code == 0, result.stderr
    [only] = json.loads(result.stdout)
    assert only["coverage"]["searched"] == [{"where": f"{A}/us-east-1 aws-cloudtrail-logs-main", "origin": "flag"}]
    assert not any(action in ("DescribeTrails", "ListLogGroups") for *_, action in world.calls)


def test_discover_command_shows_every_kind(world):
    result = _invoke("discover", "--region", "all", "--profile", "a", "--profile", "b", "--format", "json")
    assert result.exit_code == 0, result.stderr
    kinds = {(r["account"], r["region"], r["kind"]) for r in json.loads(result.stdout)}
    assert (A, "eu-west-1", "trail") in kinds and (A, "eu-west-1", "nothing to search") not in kinds
    assert {(B, "us-west-2", "managed"), (B, "eu-central-1", "lake"), (B, "eu-central-1", "data-source"),
            (B, "us-west-2", "linked"), (B, "us-east-1", "nothing to search")} <= kinds
    table = _invoke("discover", "--region", "us-west-2", "--profile", "b")
    assert "linked" in table.stdout and "managed" in table.stdout


def test_discover_with_regions_denied_exits_4_like_run_and_names_the_account(world):
    world.regions_failures[A] = FakeError("UnauthorizedOperation", "not authorized to DescribeRegions", 403)
    found = _invoke("discover", "--region", "all", "--profile", "a")
    ran = _invoke(*FLAGSHIP[:6], "--profile", "a")
    assert found.exit_code == ran.exit_code == 4
    assert f"error: account {A}: " in found.stderr and "None" not in found.stderr + found.stdout


def test_discover_warns_when_two_credentials_reach_one_account(world):
    result = _invoke("discover", "--region", "us-east-1", "--profile", "a", "--profile", "a")
    assert result.exit_code == 0 and "both reach account" in result.stderr and "queried once" in result.stderr


def test_discovery_is_cached_across_query_groups_of_one_run(world, tmp_path):
    catalog = tmp_path / "two.yaml"
    catalog.write_text("version: 1\nqueries:\n"
                       "  first: {description: d, since: 2d, query: 'fields @message'}\n"
                       "  second: {description: d, since: 3d, query: 'fields @message'}\n")
    result = _invoke("run", "first", "second", "--catalog", str(catalog), "--region", "all", "--profile", "a")
    assert result.exit_code == 0, result.stderr
    asked = [(acct, region) for _, acct, region, action in world.calls if action == "DescribeTrails"]
    assert sorted(asked) == sorted((A, r) for r in REGIONS)  # once per region for both query groups


def test_discovery_calls_per_region_are_few(world):
    outcome = aws.discover(aws.AwsPlan(profiles=("a", "b"), regions=("all",)))
    assert outcome.exit_code == 0
    per_action: dict[str, int] = {}
    for _, _, _, action in world.calls:
        per_action[action] = per_action.get(action, 0) + 1
    assert per_action == {"DescribeRegions": 2, "DescribeTrails": 8, "ListLogGroups": 16}


def test_flagship_command_against_moto_server_with_a_multi_region_trail(aws_env):
    """moto implements DescribeTrails (with shadow trails) but not ListLogGroups (a 500 HTML page):
    discovery falls back to DescribeLogGroups by name prefix there and says so, and the trail's group
    is queried once, in its home region."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        aws_env.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
        session = boto3.Session(profile_name="a")
        logs = session.client("logs", region_name="us-east-1")
        logs.create_log_group(logGroupName="aws-cloudtrail-logs-org")
        logs.create_log_stream(logGroupName="aws-cloudtrail-logs-org", logStreamName="s")
        now_ms = int(time.time() * 1000)
        events = [{"timestamp": now_ms - 600_000 + i, "message": json.dumps({"eventName": "ConsoleLogin", "n": i})} for i in range(3)]
        logs.put_log_events(logGroupName="aws-cloudtrail-logs-org", logStreamName="s", logEvents=events)
        session.client("s3", region_name="us-east-1").create_bucket(Bucket="trail-bucket-org")
        arn = logs.describe_log_groups()["logGroups"][0]["arn"]
        session.client("cloudtrail", region_name="us-east-1").create_trail(
            Name="org-trail", S3BucketName="trail-bucket-org", IsMultiRegionTrail=True,
            CloudWatchLogsLogGroupArn=arn, CloudWatchLogsRoleArn="arn:aws:iam::123456789012:role/ct")
        result = _invoke("run", "console-logins", "--since", "7d", "--region", "us-east-1,eu-west-1,ap-south-1",
                         "--profile", "a", "--profile", "b", "--format", "json")
        assert result.exit_code == 0, result.stderr
        [only] = json.loads(result.stdout)
        assert only["target"]["region"] == "us-east-1" and len(only["rows"]) == 3
        assert only["coverage"]["searched"] == [{"where": "123456789012/us-east-1 aws-cloudtrail-logs-org", "origin": "trail:org-trail"}]
        assert "ListLogGroups failed" in result.stderr and "both reach account" in result.stderr
    finally:
        server.stop()
