"""`trailq sync` through trailq.aws.sync against the fake on loopback: partial failures, log groups."""

from __future__ import annotations

from aws_support import A, B
from fakelogs import FakeError

from trailq import aws
from trailq.aws.definitions import DefinitionSpec


def plan(**kw) -> aws.AwsPlan:
    return aws.AwsPlan(timeout_seconds=30, **kw)


def _saved(served, account: str, region: str) -> dict[str, dict]:
    return {d["name"]: d for d in served.definitions[(account, region)].values()}


SPECS = [DefinitionSpec("one", "fields @message"), DefinitionSpec("two", "stats count()")]


def test_a_denied_region_does_not_stop_the_others_and_every_change_is_reported(served):
    original = served.put_query_definition

    def deny_us_west_2(account, region, **params):
        if region == "us-west-2":
            raise FakeError("AccessDeniedException", "no logs:PutQueryDefinition")
        return original(account, region, **params)

    served.put_query_definition = deny_us_west_2
    outcome = aws.sync(SPECS, plan(profiles=("a", "b"), regions=("us-east-1,us-west-2,eu-west-1",)))
    made = sorted((c.account, c.region) for c in outcome.changes)
    assert made == sorted((acct, reg) for acct in (A, B) for reg in ("us-east-1", "eu-west-1") for _ in SPECS)
    assert sorted((f.account, f.region) for f in outcome.failures) == [(A, "us-west-2"), (B, "us-west-2")]
    assert all("no logs:PutQueryDefinition" in f.describe() and f.exit_code == 4 for f in outcome.failures)
    assert outcome.exit_code == 5  # some targets worked
    assert len(_saved(served, B, "eu-west-1")) == 2


def test_every_target_denied_exits_4_and_changes_before_a_failure_are_kept(served):
    original = served.put_query_definition
    calls = []

    def deny_the_second(account, region, **params):
        calls.append(params["name"])
        if len(calls) > 1:
            raise FakeError("AccessDeniedException", "denied")
        return original(account, region, **params)

    served.put_query_definition = deny_the_second
    outcome = aws.sync(SPECS, plan(profiles=("a",), regions=("us-east-1",)))
    assert [(c.action, c.name) for c in outcome.changes] == [("create", "trailq/one")]
    assert len(outcome.failures) == 1 and outcome.exit_code == 4


def test_log_group_arns_are_saved_as_names_and_prefixes_are_expanded(served):
    served.add_group(A, "us-east-1", "Pre/a")
    served.add_group(A, "us-east-1", "Pre/b")
    groups = ("G1", f"arn:aws:logs:us-east-1:{A}:log-group:G2:*", "arn:aws:logs:eu-west-1:111111111111:log-group:G3", "Pre/*", "None*")
    outcome = aws.sync([DefinitionSpec("extra", "fields @message", groups)], plan(profiles=("a",), regions=("us-east-1",)))
    assert outcome.exit_code == 0
    assert sorted(_saved(served, A, "us-east-1")["trailq/extra"]["logGroupNames"]) == ["G1", "G2", "Pre/a", "Pre/b"]
    assert any("arn:aws:logs:eu-west-1" in w and "another region" in w for w in outcome.warnings), outcome.warnings
    assert any("None*" in w and "no log group" in w for w in outcome.warnings), outcome.warnings
    again = aws.sync([DefinitionSpec("extra", "fields @message", groups)], plan(profiles=("a",), regions=("us-east-1",)))
    assert again.changes == []  # the expanded names compare equal: nothing to update


def test_sync_reports_an_account_that_cannot_list_its_regions(served):
    served.regions_failures[B] = FakeError("UnauthorizedOperation", "not authorized", 403)
    outcome = aws.sync(SPECS, plan(profiles=("a", "b"), regions=("all",)))
    assert {c.account for c in outcome.changes} == {A}
    assert [(f.account, f.region) for f in outcome.failures] == [(B, None)] and outcome.exit_code == 5
