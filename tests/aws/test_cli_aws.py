"""The command line on CloudWatch: `trailq run/check/discover/sync` against the fake on loopback."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from aws_support import T0, A, B
from click.testing import CliRunner
from fakelogs import FakeError

from trailq import cli

WINDOW = [
    "--start",
    datetime.fromtimestamp(T0, timezone.utc).isoformat(),
    "--end",
    datetime.fromtimestamp(T0 + 3600, timezone.utc).isoformat(),
]


def invoke(*args: str):
    return CliRunner().invoke(
        cli.main, [*args, "--log-group", "CloudTrail/Default"] if args[0] in ("run", "check") else list(args), catch_exceptions=False
    )


def test_run_every_region_of_two_accounts_tags_rows(served):
    result = invoke("run", "console-logins", "--region", "all", "--profile", "a", "--profile", "b", *WINDOW, "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    per_target = {(r["@account"], r["@region"]) for r in rows}
    assert per_target == {(acct, region) for acct in (A, B) for region in ("eu-west-1", "us-east-1", "us-west-2")}
    assert len(rows) == 2 * 3 * 7


def test_one_failing_region_does_not_hide_the_others(served):
    served.start_failures[(A, "us-west-2")] = FakeError("AccessDeniedException", "not allowed")
    result = invoke("run", "--query", "fields @message", "--region", "us-east-1,us-west-2", "--profile", "a", *WINDOW, "--format", "json")
    assert result.exit_code == 5
    results = {r["target"]["region"]: r for r in json.loads(result.stdout)}
    assert len(results["us-east-1"]["rows"]) == 7 and results["us-west-2"]["status"] != "Complete"
    assert "us-west-2" in result.stderr and "not allowed" in result.stderr


def test_every_target_denied_exits_4(served):
    for region in ("us-east-1", "us-west-2"):
        served.start_failures[(A, region)] = FakeError("AccessDeniedException", "not allowed")
    result = invoke("run", "--query", "fields @message", "--region", "us-east-1,us-west-2", "--profile", "a", *WINDOW)
    assert result.exit_code == 4, result.output


def test_check_on_cloudwatch_writes_junit(served, tmp_path):
    junit = tmp_path / "junit.xml"
    result = invoke("check", "root-activity", "--region", "us-east-1", "--profile", "a", *WINDOW, "--junit", str(junit))
    assert result.exit_code == 1  # the fake returns its events for any query: rows are findings
    assert "root-activity" in result.stdout and junit.read_text().startswith("<?xml")


def test_discover(served):
    served.trails[(A, "eu-west-1")].append({
        "Name": "org", "HomeRegion": "us-east-1", "IsMultiRegionTrail": True,
        "CloudWatchLogsLogGroupArn": f"arn:aws:logs:us-east-1:{A}:log-group:CloudTrail/Default:*"})
    found = invoke("discover", "--profile", "a", "--region", "eu-west-1,us-west-2")
    assert found.exit_code == 0 and "org" in found.stdout and "CloudTrail/Default" in found.stdout


def test_sync_twice(served):
    first = invoke("sync", "--profile", "a", "--region", "us-east-1")
    assert first.exit_code == 0 and "create trailq/console-logins" in first.stdout
    second = invoke("sync", "--profile", "a", "--region", "us-east-1")
    assert second.exit_code == 0 and second.stdout == "" and "0 changes" in second.stderr


def test_unknown_profile_and_missing_credentials_are_one_line_errors(aws_env, tmp_path):
    unknown = invoke("run", "console-logins", "--profile", "nope", "--region", "us-east-1", *WINDOW)
    assert unknown.exit_code == 2 and "--profile nope: no such profile" in unknown.stderr
    empty = tmp_path / "empty"
    empty.write_text("")
    aws_env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    aws_env.setenv("AWS_CONFIG_FILE", str(empty))
    aws_env.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens; must fail before any call
    missing = invoke("run", "console-logins", "--region", "us-east-1", *WINDOW)
    assert missing.exit_code == 4 and "no usable AWS credentials" in missing.stderr
    assert "Traceback" not in unknown.output + missing.output


def test_unreachable_endpoint_is_a_one_line_failure(aws_env):
    aws_env.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    for args in (("run", "console-logins", "--region", "us-east-1", *WINDOW), ("discover", "--region", "us-east-1")):
        result = invoke(*args)
        assert result.exit_code == 5, result.output
        assert "cannot reach AWS" in result.stderr and "Traceback" not in result.output


def test_quiet_still_shows_errors(served):
    served.start_failures[(A, "us-west-2")] = FakeError("AccessDeniedException", "not allowed")
    result = invoke("run", "--query", "fields @message", "--region", "us-east-1,us-west-2", "--profile", "a", *WINDOW, "-q")
    assert result.exit_code == 5 and "not allowed" in result.stderr and "us-west-2" in result.stderr


def test_each_catalog_query_runs_on_its_own_log_groups(served, tmp_path):
    served.add_events(A, "us-east-1", "G1", [(T0 + 5) * 1000])
    served.add_events(A, "us-east-1", "G2", [(T0 + 6) * 1000, (T0 + 7) * 1000])
    catalog = tmp_path / "audit.yaml"
    catalog.write_text(
        "version: 1\nqueries:\n"
        "  one: {description: d, log_groups: [G1], query: 'fields @message'}\n"
        "  two: {description: d, log_groups: [G2], query: 'fields @message'}\n"
    )
    args = ["run", "one", "two", "--catalog", str(catalog), "--profile", "a", "--region", "us-east-1", *WINDOW, "--format", "json"]
    result = CliRunner().invoke(cli.main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    rows = {r["query"]: len(r["rows"]) for r in json.loads(result.stdout)}
    assert rows == {"one": 1, "two": 2}


def test_discover_exits_5_when_a_region_cannot_be_asked(served):
    served.trails[(A, "eu-west-1")].append({"Name": "org", "HomeRegion": "eu-west-1",
                                            "CloudWatchLogsLogGroupArn": f"arn:aws:logs:eu-west-1:{A}:log-group:CloudTrail/Default:*"})
    served.start_failures.clear()
    original = served.describe_trails

    def denied(account, region, **params):
        if region == "us-west-2":
            raise FakeError("AccessDeniedException", "no cloudtrail:DescribeTrails here")
        return original(account, region, **params)

    served.describe_trails = denied
    result = invoke("discover", "--profile", "a", "--region", "eu-west-1,us-west-2")
    assert result.exit_code == 5
    assert "org" in result.stdout and "us-west-2" in result.stderr and "DescribeTrails" in result.stderr
