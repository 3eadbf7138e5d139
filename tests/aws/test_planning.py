"""Before any query starts: accounts, regions and log groups resolved, and what goes wrong there.

Aborts while resolving (Ctrl-C, SIGTERM, the deadline), an account that cannot list its regions,
two credentials reaching one account, and the run-level warnings planning adds.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import datetime, timezone

from aws_support import T0, A, B, VirtualClock
from fakelogs import FakeError

from trailq import aws
from trailq.timerange import TimeRange

WINDOW = TimeRange(datetime.fromtimestamp(T0, timezone.utc), datetime.fromtimestamp(T0 + 3600, timezone.utc))
QUERIES = [("q1", "fields @message"), ("q2", "stats count()")]


def plan(**kw) -> aws.AwsPlan:
    kw.setdefault("log_groups", ("CloudTrail/Default",))
    kw.setdefault("timeout_seconds", 30)
    return aws.AwsPlan(ramp=aws.PollRamp(first_seconds=0.02, cap_seconds=0.1), **kw)


def _slow_prefixes(served) -> aws.AwsPlan:
    """Twelve `prefix*` values in three regions at 1 DescribeLogGroups per second: planning takes ~36 s."""
    served.tps["DescribeLogGroups"] = 1
    return plan(profiles=("a",), regions=("all",), log_groups=tuple(f"P{i}*" for i in range(12)), rates={"DescribeLogGroups": 50.0})


def _cancel_on_first(served, action: str, cancel: threading.Event) -> None:
    """Set `cancel` as the fake receives its first `action` call: the abort lands mid-planning, no timer to race."""
    admit = served._admit

    def admit_then_cancel(account: str, region: str, called: str) -> None:
        if called == action:
            cancel.set()
        admit(account, region, called)

    served._admit = admit_then_cancel


def _virtual(served) -> VirtualClock:
    """A virtual clock for the run and the fake alike: deadlines are reached by backoffs, not by waiting."""
    clock = VirtualClock()
    served.clock = clock.now
    return clock


def test_ctrl_c_while_resolving_log_groups_returns_an_interrupted_outcome(served):
    cancel = threading.Event()
    _cancel_on_first(served, "DescribeLogGroups", cancel)
    started = time.monotonic()
    outcome = aws.run(QUERIES, _slow_prefixes(served), WINDOW, cancel=cancel)
    assert time.monotonic() - started < 5
    assert outcome.aborted == "interrupted" and outcome.exit_code == 130 and outcome.abandoned == []
    assert [r.query for r in outcome.results] == ["q1", "q2"]
    assert all(r.status == "Cancelled" and "no query was started" in r.error for r in outcome.results)
    assert not [c for c in served.calls if c[3] == "StartQuery"]


def test_deadline_while_resolving_log_groups_returns_a_timed_out_outcome(served):
    clock = _virtual(served)
    outcome = aws.run(QUERIES, dataclasses.replace(_slow_prefixes(served), timeout_seconds=0.6), WINDOW, clock=clock.clock())
    assert outcome.aborted == "deadline" and outcome.exit_code == 5
    assert all(r.status == "Timeout" and "--timeout" in r.error for r in outcome.results)


def test_deadline_while_listing_regions_or_trails_returns_an_outcome(served):
    served.tps.update(DescribeRegions=0, DescribeTrails=0)  # always throttled: retried until the deadline
    fast = {"DescribeRegions": 50.0, "DescribeTrails": 50.0}
    clock = _virtual(served)
    for regions, discover in ((("all",), False), (("us-east-1",), True)):
        p = plan(profiles=("a", "b"), regions=regions, discover=discover, rates=fast, timeout_seconds=0.6)
        outcome = aws.run(QUERIES, p, WINDOW, clock=clock.clock())
        assert outcome.aborted == "deadline" and outcome.exit_code == 5, discover
        assert all(r.status == "Timeout" for r in outcome.results)


def test_discover_and_resume_do_not_leak_aborts(served):
    served.tps["DescribeTrails"] = 0
    cancel = threading.Event()
    _cancel_on_first(served, "DescribeTrails", cancel)
    p = plan(profiles=("a",), regions=("eu-west-1,us-east-1,us-west-2",), rates={"DescribeTrails": 50.0})
    try:
        aws.discover(p, cancel=cancel)
    except aws.RunAborted as aborted:
        assert aborted.reason == "interrupted" and aborted.exit_code == 130 and "discover" in aborted.message
    else:
        raise AssertionError("discover should report the interruption")
    served.tps["DescribeRegions"] = 0
    cancel = threading.Event()
    _cancel_on_first(served, "DescribeRegions", cancel)
    [result] = aws.resume(["some-id"], plan(profiles=("a",), regions=("all",)), cancel=cancel)
    assert result.status == "Cancelled" and "interrupted" in result.error


def test_one_account_that_cannot_list_its_regions_fails_only_its_own_targets(served):
    served.regions_failures[B] = FakeError("UnauthorizedOperation", "You are not authorized to perform ec2:DescribeRegions", 403)
    outcome = aws.run(QUERIES, plan(profiles=("a", "b"), regions=("all",)), WINDOW)
    ok = [r for r in outcome.results if r.ok]
    assert sorted({(r.target.account, r.target.region) for r in ok}) == [(A, reg) for reg in served.regions]
    failed = [r for r in outcome.results if not r.ok]
    assert [(r.query, r.target.account, r.target.region) for r in failed] == [("q1", B, None), ("q2", B, None)]
    assert all(r.error_exit_code == 4 and "DescribeRegions" in r.error and "not authorized" in r.error for r in failed)
    assert outcome.exit_code == 5


def test_every_account_unable_to_list_regions_exits_4(served):
    for account in (A, B):
        served.regions_failures[account] = FakeError("UnauthorizedOperation", "not authorized", 403)
    outcome = aws.run(QUERIES, plan(profiles=("a", "b"), regions=("all",)), WINDOW)
    assert len(outcome.results) == 4 and outcome.exit_code == 4


def test_the_same_account_reached_twice_is_queried_once_with_a_warning(served):
    p = plan(profiles=("a",), role_arns=(f"arn:aws:iam::{A}:role/Audit",), regions=("us-east-1",))
    outcome = aws.run([("q", "fields @message")], p, WINDOW)
    assert [(r.target.account, len(r.rows)) for r in outcome.results] == [(A, 7)]
    assert any("--profile a" in w and f"--role-arn arn:aws:iam::{A}:role/Audit" in w and A in w for w in outcome.warnings), outcome.warnings
    twice = aws.run([("q", "fields @message")], plan(profiles=("a", "a"), regions=("us-east-1",)), WINDOW)
    assert [len(r.rows) for r in twice.results] == [7]


def test_discover_finding_nothing_does_not_suggest_discover(served):
    served.groups[(A, "us-east-1")].clear()  # no CloudTrail log group of any kind
    try:
        aws.run(QUERIES, plan(profiles=("a",), regions=("us-east-1",), discover=True), WINDOW)
    except aws.QueryFailedError as err:
        assert "--discover" not in (err.hint or "") and "no CloudTrail log group" in err.message
        assert f"{A}/us-east-1" in err.message
    else:
        raise AssertionError("expected QueryFailedError")


def test_state_window_on_text_the_parser_cannot_read_warns_about_the_boundary_second(served):
    def window_for(name, target):
        return TimeRange(datetime.fromtimestamp(T0 + 0.5, timezone.utc), datetime.fromtimestamp(T0 + 600.5, timezone.utc))

    p = plan(profiles=("a",), regions=("us-east-1",))
    outcome = aws.run([("odd", "fields @message | newcmd x"), ("fine", "fields @message")], p, WINDOW, window_for=window_for)
    warned = [w for w in outcome.warnings if "cannot cut the window to the millisecond" in w]
    assert len(warned) == 1 and warned[0].startswith("odd") and "boundary second may be reported twice" in warned[0]
