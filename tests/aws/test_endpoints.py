"""End to end through trailq.aws's public API over HTTP: moto's server, and the fake on loopback.

Both are started by the tests on a free loopback port; AWS_ENDPOINT_URL points boto3 at them
(botocore honours it itself), with dummy credentials from a temporary AWS config.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import boto3
from aws_support import T0, A, B
from fakelogs import FakeError

import trailq.aws as aws
from trailq.aws.definitions import DefinitionSpec, Parameter
from trailq.aws.session import CALL_CONFIG
from trailq.timerange import TimeRange

WINDOW = TimeRange(datetime.fromtimestamp(T0, timezone.utc), datetime.fromtimestamp(T0 + 3600, timezone.utc))


def fast_plan(**kw) -> aws.AwsPlan:
    kw.setdefault("log_groups", ("CloudTrail/Default",))
    return aws.AwsPlan(ramp=aws.PollRamp(first_seconds=0.02, cap_seconds=0.1), timeout_seconds=30, **kw)


def test_profiles_times_all_regions_over_http(served):
    outcome = aws.run([("console-logins", "fields @timestamp, @message")], fast_plan(profiles=("a", "b"), regions=("all",)), WINDOW)
    assert outcome.exit_code == 0
    targets = sorted((r.target.account, r.target.region) for r in outcome.results)
    assert targets == sorted((a, r) for a in (A, B) for r in served.regions)
    assert all(len(r.rows) == 7 and r.target.log_groups == ("CloudTrail/Default",) for r in outcome.results)


def test_prefix_log_groups_and_regions_without_a_match_are_reported(served):
    served.add_events(A, "us-west-2", "CloudTrail/Other", [(T0 + 5) * 1000])
    plan = fast_plan(profiles=("a",), regions=("us-west-2,eu-west-1",), log_groups=("CloudTrail/O*",))
    outcome = aws.run([("q", "fields @message")], plan, WINDOW)
    assert [(r.target.region, len(r.rows)) for r in outcome.results] == [("us-west-2", 1)]
    assert any("eu-west-1" in w and "no log group" in w for w in outcome.warnings)


def test_assumed_role_is_another_account(served):
    served.add_events("333333333333", "us-east-1", "CloudTrail/Default", [(T0 + 1) * 1000])
    plan = fast_plan(role_arns=("arn:aws:iam::333333333333:role/audit",), regions=("us-east-1",))
    outcome = aws.run([("q", "fields @message")], plan, WINDOW)
    assert [(r.target.account, len(r.rows)) for r in outcome.results] == [("333333333333", 1)]


def test_discover_lists_trails_and_runs_on_their_log_group(served):
    served.trails[(A, "eu-west-1")].append({
        "Name": "org", "HomeRegion": "us-east-1", "IsMultiRegionTrail": True,
        "CloudWatchLogsLogGroupArn": f"arn:aws:logs:us-east-1:{A}:log-group:CloudTrail/Default:*"})
    outcome = aws.discover(fast_plan(profiles=("a",), regions=("eu-west-1", "us-west-2")))
    trail = [r for r in outcome.rows if r["kind"] == "trail"]
    assert [(r["region"], r["log_group"], r["log_group_region"], r["trail"]) for r in trail] == [
        ("eu-west-1", "CloudTrail/Default", "us-east-1", "org")]
    # The fake's own CloudTrail/Default groups match the name prefix in every region.
    assert {(r["region"], r["kind"]) for r in outcome.rows if r["kind"] == "prefix"} == {("eu-west-1", "prefix"), ("us-west-2", "prefix")}
    assert outcome.exit_code == 0
    run = aws.run([("q", "fields @message")], fast_plan(profiles=("a",), regions=("eu-west-1",), discover=True), WINDOW)
    assert sorted((r.target.region, len(r.rows)) for r in run.results) == [("eu-west-1", 7), ("us-east-1", 7)]
    origins = {s.where: s.origin for r in run.results for s in r.coverage.searched}
    assert origins == {f"{A}/us-east-1 CloudTrail/Default": "trail:org", f"{A}/eu-west-1 CloudTrail/Default": "prefix"}


def test_resume_fetches_an_earlier_query(served):
    client = boto3.Session(profile_name="a").client("logs", region_name="us-west-2", config=CALL_CONFIG)
    query_id = client.start_query(queryString="fields @message", startTime=T0, endTime=T0 + 3600, logGroupNames=["CloudTrail/Default"])[
        "queryId"
    ]
    results = aws.resume([query_id, "no-such-id"], fast_plan(profiles=("a",), regions=("us-east-1", "us-west-2")))
    assert results[0].ok and results[0].target.region == "us-west-2" and len(results[0].rows) == 7
    assert not results[1].ok and "no-such-id" in results[1].error


def _start_in(region: str) -> str:
    client = boto3.Session(profile_name="a").client("logs", region_name=region, config=CALL_CONFIG)
    return client.start_query(queryString="fields @message", startTime=T0, endTime=T0 + 3600, logGroupNames=["CloudTrail/Default"])[
        "queryId"
    ]


def test_resume_keeps_looking_past_a_region_that_denies_access(served):
    query_id = _start_in("us-west-2")
    served.results_failures[(A, "us-east-1")] = FakeError("AccessDeniedException", "explicit deny in a service control policy")
    [result] = aws.resume([query_id], fast_plan(profiles=("a",), regions=("us-east-1", "us-west-2")))
    assert result.ok and result.target.region == "us-west-2" and len(result.rows) == 7


def test_resume_says_what_each_region_answered_and_exits_4_when_all_denied(served):
    for region in ("us-east-1", "eu-west-1"):
        served.results_failures[(A, region)] = FakeError("AccessDeniedException", "explicit deny")
    plan = fast_plan(profiles=("a",), regions=("us-east-1", "eu-west-1", "us-west-2"))
    [mixed] = aws.resume(["gone"], plan)
    assert mixed.error_exit_code == 5 and mixed.status == "Error"
    assert f"account {A} us-east-1, account {A} eu-west-1: AccessDeniedException: explicit deny" in mixed.error
    assert f"account {A} us-west-2: ResourceNotFoundException" in mixed.error
    served.results_failures[(A, "us-west-2")] = FakeError("AccessDeniedException", "explicit deny")
    [denied] = aws.resume(["gone"], plan)
    assert denied.error_exit_code == 4 and "us-west-2" in denied.error


def test_sync_is_idempotent_and_prunes_only_its_folder(served):
    plan = fast_plan(profiles=("a",), regions=("us-east-1",))
    specs = [
        DefinitionSpec(
            "console-logins", "filter userIdentity.userName = {{user}}", ("CloudTrail/Default",), (Parameter("user", "", "only this user"),)
        ),
        DefinitionSpec("root", "filter userIdentity.type = 'Root'"),
    ]
    first = aws.sync(specs, plan)
    assert sorted(c.action for c in first.changes) == ["create", "create"] and first.exit_code == 0
    assert aws.sync(specs, plan).changes == []  # second run: nothing to change
    served.put_query_definition(A, "us-east-1", name="mine/keep", queryString="fields @message")
    changed = [DefinitionSpec("console-logins", "fields @message | limit 5", ("CloudTrail/Default",))]
    dry = aws.sync(changed, plan, prune=True, dry_run=True)
    assert sorted((c.action, c.name, c.applied) for c in dry.changes) == [
        ("delete", "trailq/root", False),
        ("update", "trailq/console-logins", False),
    ]
    assert len(served.definitions[(A, "us-east-1")]) == 3  # dry run changed nothing
    aws.sync(changed, plan, prune=True)
    names = sorted(d["name"] for d in served.definitions[(A, "us-east-1")].values())
    assert names == ["mine/keep", "trailq/console-logins"]


def test_end_to_end_against_moto_server(aws_env):
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        aws_env.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
        logs = boto3.Session().client("logs", region_name="us-east-1")
        logs.create_log_group(logGroupName="CloudTrail/Default")
        logs.create_log_stream(logGroupName="CloudTrail/Default", logStreamName="s")
        now_ms = int(time.time() * 1000)
        events = [{"timestamp": now_ms - 60_000 + i, "message": f'{{"eventName": "ConsoleLogin", "n": {i}}}'} for i in range(3)]
        logs.put_log_events(logGroupName="CloudTrail/Default", logStreamName="s", logEvents=events)
        window = TimeRange(
            datetime.fromtimestamp(now_ms / 1000 - 3600, timezone.utc), datetime.fromtimestamp(now_ms / 1000 + 1, timezone.utc)
        )
        outcome = aws.run([("q", "fields @timestamp, @message | sort @timestamp desc")], fast_plan(regions=("us-east-1",)), window)
        result = outcome.results[0]
        assert outcome.exit_code == 0, result.error
        assert result.target.account == "123456789012" and len(result.rows) == 3
        assert all("ConsoleLogin" in r["@message"] for r in result.rows)
    finally:
        server.stop()


def test_endpoint_env_vars_are_honoured_and_botocore_does_not_retry(aws_env):
    aws_env.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    aws_env.setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "http://127.0.0.1:10")
    session = boto3.Session()
    logs = session.client("logs", region_name="eu-west-1", config=CALL_CONFIG)
    assert logs.meta.endpoint_url == "http://127.0.0.1:10"
    assert session.client("sts", region_name="eu-west-1").meta.endpoint_url == "http://127.0.0.1:9"
    assert logs.meta.config.retries["total_max_attempts"] == 1
