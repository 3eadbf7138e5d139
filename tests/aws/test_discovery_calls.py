"""Discovery's calls as botocore's own models check them (Stubber validates every parameter), and
how names and ARNs become origins."""

from __future__ import annotations

import time

import boto3
from botocore.stub import Stubber

from trailq.aws.budget import Buckets, Runtime
from trailq.aws.discovery import CLOUDTRAIL_DATA_SOURCE, CLOUDTRAIL_NAME_PATTERN, classify_name, find_region
from trailq.aws.session import Account

OWN, LINKED = "111111111111", "444444444444"


def _account() -> tuple[Account, Stubber, Stubber]:
    session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1")
    account = Account("a", session, OWN)
    logs = session.client("logs", region_name="eu-west-1")
    trails = session.client("cloudtrail", region_name="eu-west-1")
    account._clients[("logs", "eu-west-1", False)] = logs
    account._clients[("cloudtrail", "eu-west-1", False)] = trails
    return account, Stubber(logs), Stubber(trails)


def test_discovery_sends_model_valid_calls_and_names_every_origin():
    account, logs, trails = _account()
    logs.add_response("list_log_groups", {"logGroups": [
        {"logGroupName": "security/copy", "logGroupArn": f"arn:aws:logs:eu-west-1:{OWN}:log-group:security/copy"}]},
        {"dataSources": [{"name": CLOUDTRAIL_DATA_SOURCE}], "includeLinkedAccounts": True})
    trails.add_response("describe_trails", {"trailList": [
        {"Name": "org", "HomeRegion": "us-east-1", "IsMultiRegionTrail": True,
         "CloudWatchLogsLogGroupArn": f"arn:aws:logs:us-east-1:{OWN}:log-group:aws-cloudtrail-logs-org:*"}]},
        {"includeShadowTrails": True})
    logs.add_response(
        "list_log_groups",
        {
            "logGroups": [
                {
                    "logGroupName": "aws/cloudtrail/management",
                    "logGroupArn": f"arn:aws:logs:eu-west-1:{OWN}:log-group:aws/cloudtrail/management",
                },
                {
                    "logGroupName": "aws/cloudtrail/0a1b2c3d-1111-2222-3333-444455556666",
                    "logGroupArn": f"arn:aws:logs:eu-west-1:{OWN}:log-group:aws/cloudtrail/0a1b2c3d-1111-2222-3333-444455556666",
                },
                {
                    "logGroupName": "aws/cloudtrail/management",
                    "logGroupArn": f"arn:aws:logs:eu-west-1:{LINKED}:log-group:aws/cloudtrail/management",
                },
                {"logGroupName": "security/copy", "logGroupArn": f"arn:aws:logs:eu-west-1:{OWN}:log-group:security/copy"},
            ]
        },
        {"logGroupNamePattern": CLOUDTRAIL_NAME_PATTERN, "includeLinkedAccounts": True},
    )
    runtime = Runtime(deadline=time.monotonic() + 10)
    with logs, trails:
        found = find_region(account, "eu-west-1", Buckets({}, runtime.clock), runtime)
    assert found.failure is None
    assert {(s.group, s.region, s.origin) for s in found.sources} == {
        ("aws-cloudtrail-logs-org", "us-east-1", "trail:org"),
        ("aws/cloudtrail/management", "eu-west-1", "managed"),
        ("aws/cloudtrail/0a1b2c3d-1111-2222-3333-444455556666", "eu-west-1", "lake"),
        (f"arn:aws:logs:eu-west-1:{LINKED}:log-group:aws/cloudtrail/management", "eu-west-1", f"linked:{LINKED}"),
        ("security/copy", "eu-west-1", "data-source"),  # also matched nowhere else: the data source names it
    }


def test_names_are_classified_by_what_created_them():
    assert classify_name("aws/cloudtrail/management-events") == "managed"
    assert classify_name("/aws/cloudtrail/x") == "managed"
    assert classify_name("aws/cloudtrail/0a1b2c3d-1111-2222-3333-444455556666") == "lake"
    assert classify_name("aws-cloudtrail-logs-111111111111-abcd") == "prefix"
    assert classify_name("CloudTrail/DefaultLogGroup") == "prefix"


def test_a_denied_region_is_a_failure_with_its_reason():
    for status, reason in (("opt-in-not-required", "denied ("), ("not-opted-in", "opt-in region not enabled")):
        account, logs, trails = _account()
        ec2 = account.session.client("ec2", region_name="us-east-1")
        account._clients[("ec2", "us-east-1", False)] = ec2
        regions = Stubber(ec2)
        logs.add_client_error("list_log_groups", "AccessDeniedException", "explicit deny", 400)
        regions.add_response("describe_regions", {"Regions": [{"RegionName": "eu-west-1", "OptInStatus": status}]},
                             {"AllRegions": True, "RegionNames": ["eu-west-1"]})
        runtime = Runtime(deadline=time.monotonic() + 10)
        with logs, trails, regions:
            found = find_region(account, "eu-west-1", Buckets({}, runtime.clock), runtime)
        assert found.failure is not None and found.sources == [] and not found.fallback
        assert "explicit deny" in found.reason and found.reason.startswith(reason)
