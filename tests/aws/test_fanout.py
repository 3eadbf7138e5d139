"""Many queries on the fake service: splitting, caps, batches, budgets, partial failure, abort."""

from __future__ import annotations

import threading
import time

from aws_support import T0, VirtualClock, endpoints, fan_out
from botocore.exceptions import ClientError
from budget_support import RecordingBuckets, busiest_second
from fakelogs import FakeError, FakeLogs

from trailq.aws.budget import DEFAULT_RATES

A, B = "111111111111", "222222222222"
LIST_QUERY = "fields @timestamp, @message"


def spread(count: int, seconds: int) -> list[int]:
    """`count` events spread evenly over `seconds` from T0, several sharing each second."""
    return [T0 * 1000 + (i * seconds * 1000) // count for i in range(count)]


def test_split_past_the_cap_returns_every_event_exactly_once():
    fake = FakeLogs()
    fake.add_events(A, "us-east-1", "trail", spread(5000, 3600))
    outcome = fan_out([("q", LIST_QUERY)], endpoints(fake, [A], ["us-east-1"]), limit=400).execute()
    result = outcome.results[0]
    assert result.ok and not result.truncated
    ptrs = [r["@ptr"] for r in result.rows]
    assert len(ptrs) == 5000 == len(set(ptrs))
    assert len(result.query_ids) > 1
    # merged rows come back newest first, like one unsplit query would
    assert [r["@timestamp"] for r in result.rows] == sorted((r["@timestamp"] for r in result.rows), reverse=True)


def test_query_limit_below_cap_is_not_split_and_final_sort_limit_applied_after_split():
    fake = FakeLogs()
    fake.add_events(A, "us-east-1", "trail", spread(3000, 600))
    small = fan_out([("q", LIST_QUERY + " | limit 50")], endpoints(fake, [A], ["us-east-1"]), limit=50).execute()
    assert len(small.results[0].query_ids) == 1  # the query's own limit: complete as asked
    big = fan_out([("q", LIST_QUERY + " | sort @timestamp asc | limit 1500")], endpoints(fake, [A], ["us-east-1"]), limit=1000).execute()
    rows = big.results[0].rows
    assert len(big.results[0].query_ids) > 1 and len(rows) == 1500
    stamps = [r["@timestamp"] for r in rows]
    assert stamps == sorted(stamps)  # re-sorted ascending across the merged windows


def test_stats_at_the_cap_is_truncated_with_a_warning_and_not_split():
    fake = FakeLogs()
    fake.add_events(A, "us-east-1", "trail", spread(2000, 400))
    outcome = fan_out([("s", "stats count() by bin(1s)")], endpoints(fake, [A], ["us-east-1"]), limit=100).execute()
    result = outcome.results[0]
    assert result.truncated and result.ok
    assert len(result.query_ids) == 1
    assert any("cap" in w and "aggregating" in w for w in result.warnings)
    # the window in UTC ISO times a reader can check, not epoch seconds (T0 = 2023-11-14T22:13:20Z)
    assert any("between 2023-11-14T22:13:20Z and 2023-11-14T23:13:20Z" in w for w in result.warnings), result.warnings


def test_one_second_window_at_the_cap_is_truncated():
    fake = FakeLogs()
    fake.add_events(A, "us-east-1", "trail", [T0 * 1000 + i for i in range(300)])
    outcome = fan_out([("q", LIST_QUERY)], endpoints(fake, [A], ["us-east-1"]), seconds=0, limit=100).execute()
    assert outcome.results[0].truncated
    assert any("the window is one second" in w for w in outcome.results[0].warnings)


def test_more_than_fifty_log_groups_run_in_batches_and_merge():
    fake = FakeLogs()
    groups = tuple(f"g{i:03d}" for i in range(120))
    for i, g in enumerate(groups):
        fake.add_events(A, "us-east-1", g, [T0 * 1000 + i * 10])
    outcome = fan_out([("q", LIST_QUERY)], endpoints(fake, [A], ["us-east-1"], groups)).execute()
    result = outcome.results[0]
    starts = [c for c in fake.calls if c[3] == "StartQuery"]
    assert len(starts) == 3 and len(result.query_ids) == 3
    assert len(result.rows) == 120 and result.target.log_groups == groups


def test_one_failing_region_does_not_lose_the_others():
    fake = FakeLogs()
    for region in ("us-east-1", "eu-west-1", "ap-southeast-2"):
        fake.add_events(A, region, "trail", spread(10, 60))
    fake.start_failures[(None, "eu-west-1")] = FakeError("AccessDeniedException", "not authorized to perform logs:StartQuery", 400)
    fake.final_status[(None, "ap-southeast-2")] = "Failed"
    outcome = fan_out([("q", LIST_QUERY)], endpoints(fake, [A], ["us-east-1", "eu-west-1", "ap-southeast-2"])).execute()
    by_region = {r.target.region: r for r in outcome.results}
    assert by_region["us-east-1"].ok and len(by_region["us-east-1"].rows) == 10
    denied = by_region["eu-west-1"]
    assert denied.error_exit_code == 4 and "eu-west-1" in denied.error and A in denied.error
    assert by_region["ap-southeast-2"].status == "Failed" and by_region["ap-southeast-2"].error_exit_code == 5
    assert outcome.exit_code == 5
    assert len([c for c in fake.calls if c[3] == "StartQuery" and c[2] == "eu-west-1"]) == 1  # not retried


def test_every_target_denied_exits_4():
    fake = FakeLogs()
    fake.start_failures[(None, "us-east-1")] = FakeError("AccessDeniedException", "denied", 400)
    outcome = fan_out([("q", LIST_QUERY)], endpoints(fake, [A, B], ["us-east-1"])).execute()
    assert outcome.exit_code == 4


def test_malformed_query_exits_3_with_a_caret_and_is_sent_once():
    fake = FakeLogs()
    for region in ("us-east-1", "eu-west-1"):
        fake.add_group(A, region, "trail")
    text = "fields @message\n| !!oops"
    outcome = fan_out([("bad", text)], endpoints(fake, [A], ["us-east-1", "eu-west-1"])).execute()
    assert outcome.exit_code == 3
    err = outcome.query_error()
    assert err is not None and err.category == "service"
    rendered = err.render()
    assert rendered.startswith("bad:2:3: CloudWatch rejected the query") and "  ^^" in rendered
    assert all(r.error_exit_code == 3 for r in outcome.results)
    assert len([c for c in fake.calls if c[3] == "StartQuery"]) <= 2  # never retried


def test_malformed_text_is_not_sent_again_to_queued_targets():
    fake = FakeLogs()
    fake.add_group(A, "us-east-1", "trail")
    queries = [("a", "fields x | !!"), ("b", "fields x | !!"), ("c", "fields x | !!")]
    outcome = fan_out(queries, endpoints(fake, [A], ["us-east-1"]), concurrency=1).execute()
    assert outcome.exit_code == 3 and len(outcome.results) == 3
    assert len([c for c in fake.calls if c[3] == "StartQuery"]) == 1


def test_concurrency_cap_shrinks_on_limit_exceeded_and_everything_completes():
    clock = VirtualClock()
    fake = FakeLogs(service_seconds=0.05, max_concurrent=2, clock=clock.now)
    fake.add_events(A, "us-east-1", "trail", spread(50, 60))
    queries = [(f"q{i}", LIST_QUERY) for i in range(8)]
    outcome = fan_out(queries, endpoints(fake, [A], ["us-east-1"]), concurrency=6, clock=clock).execute()
    assert fake.limit_exceeded >= 1
    assert all(r.ok and len(r.rows) == 50 for r in outcome.results)


def test_throttling_is_absorbed_and_no_rows_are_lost():
    clock = VirtualClock()  # the fake's quota windows and the run's backoffs in the same virtual seconds
    fake = FakeLogs(service_seconds=1.0, tps={"GetQueryResults": 8, "StartQuery": 4}, clock=clock.now)
    for region in ("us-east-1", "eu-west-1"):
        fake.add_events(A, region, "trail", spread(30, 60))
    queries = [(f"q{i}", LIST_QUERY) for i in range(4)]
    outcome = fan_out(queries, endpoints(fake, [A], ["us-east-1", "eu-west-1"]), clock=clock).execute()
    assert fake.throttled  # the budget was set above the fake's quota on purpose
    assert all(r.ok and len(r.rows) == 30 for r in outcome.results)


def test_default_budget_keeps_under_the_quota():
    """Every call the service received was granted by its bucket, and no one-second window of grants
    holds more than the documented quota. On virtual time and counted from the grants, not from the
    fake's arrival times: a thread descheduled between grant and call would make arrivals a test of
    the machine's load (test_budget_pacing.py pins the bucket itself)."""
    clock = VirtualClock()
    fake = FakeLogs(service_seconds=0.6, clock=clock.now)
    fake.add_events(A, "us-east-1", "trail", spread(5, 60))
    buckets = RecordingBuckets(DEFAULT_RATES, clock.now)
    queries = [(f"q{i}", LIST_QUERY) for i in range(6)]
    outcome = fan_out(queries, endpoints(fake, [A], ["us-east-1"]), clock=clock, buckets=buckets).execute()
    assert all(r.ok for r in outcome.results)
    for action in ("StartQuery", "GetQueryResults"):
        grants = buckets.grants[action]
        assert len(grants) == len([c for c in fake.calls if c[3] == action]) > 0, action
        assert busiest_second(grants) <= DEFAULT_RATES[action], action


def test_cancel_stops_every_live_query_and_reports_ids():
    fake = FakeLogs(service_seconds=30.0)
    for region in ("us-east-1", "eu-west-1"):
        fake.add_events(A, region, "trail", spread(5, 60))
    cancel = threading.Event()
    scheduled: set[str | None] = set()

    def cancel_once_both_run(event):  # Ctrl-C once both regions' queries are live: no timer to race
        if event.status == "Scheduled":
            scheduled.add(event.target.region)
            if len(scheduled) == 2:
                cancel.set()

    fan = fan_out([("q", LIST_QUERY)], endpoints(fake, [A, B][:1], ["us-east-1", "eu-west-1"]), cancel=cancel,
                  on_progress=cancel_once_both_run)
    started = time.monotonic()
    outcome = fan.execute()
    assert time.monotonic() - started < 5
    assert outcome.aborted == "interrupted" and outcome.exit_code == 130
    assert len(outcome.abandoned) == 2 and all(a.stopped for a in outcome.abandoned)
    assert fake.live_queries() == []
    assert all(r.status == "Cancelled" and r.query_ids for r in outcome.results)


def test_deadline_stops_queries_and_exits_5():
    clock = VirtualClock()
    fake = FakeLogs(service_seconds=30.0, clock=clock.now)
    fake.add_events(A, "us-east-1", "trail", spread(5, 60))
    outcome = fan_out([("q", LIST_QUERY)], endpoints(fake, [A], ["us-east-1"]), timeout=0.5, clock=clock).execute()
    assert outcome.aborted == "deadline" and outcome.exit_code == 5
    assert outcome.results[0].status == "Timeout" and "--timeout" in outcome.results[0].error
    assert fake.live_queries() == [] and [a.query_id for a in outcome.abandoned] == outcome.results[0].query_ids


def test_progress_events_are_sent_for_each_status():
    clock = VirtualClock()
    fake = FakeLogs(service_seconds=0.05, clock=clock.now)
    fake.add_events(A, "us-east-1", "trail", spread(5, 60))
    events = []
    fan_out([("q", LIST_QUERY)], endpoints(fake, [A], ["us-east-1"]), on_progress=events.append, clock=clock).execute()
    statuses = [e.status for e in events]
    assert statuses[0] == "Scheduled" and "Running" in statuses and statuses[-1] == "Complete"
    assert events[-1].target.region == "us-east-1" and events[-1].statistics.records_matched == 5


def test_fake_client_raises_real_client_errors():
    fake = FakeLogs()
    try:
        fake.client(A, "us-east-1").start_query(queryString="x", startTime=1, endTime=2, logGroupNames=["missing"])
    except ClientError as err:
        assert err.response["Error"]["Code"] == "ResourceNotFoundException"
    else:
        raise AssertionError("expected ResourceNotFoundException")


def test_a_target_with_nothing_new_is_returned_as_skipped():
    fake = FakeLogs()
    fake.add_events(A, "us-east-1", "trail", spread(5, 60))
    eps = endpoints(fake, [A], ["us-east-1", "us-west-2"])
    fan = fan_out(
        [("q", LIST_QUERY)], eps, windows=lambda name, text, target: None if target.region == "us-west-2" else (T0, T0 + 60, text)
    )
    outcome = fan.execute()
    assert [r.target.region for r in outcome.results] == ["us-east-1"]
    assert outcome.skipped == [("q", eps[1].label())]  # runs.run_aws words it (state.nothing_new)
    assert outcome.warnings == []


def test_aggregates_over_more_than_fifty_log_groups_are_marked_partial():
    fake = FakeLogs()
    groups = tuple(f"g{i:03d}" for i in range(60))
    for g in groups:
        fake.add_group(A, "us-east-1", g)
    fake.add_events(A, "us-east-1", "g000", [(T0 + 100) * 1000])  # same second, different batches
    fake.add_events(A, "us-east-1", "g055", [(T0 + 100) * 1000 + 500])
    result = fan_out([("s", "stats count() by bin(1s)")], endpoints(fake, [A], ["us-east-1"], groups)).execute().results[0]
    assert result.ok and result.truncated and len(result.rows) == 2
    assert any("aggregated separately per batch of 50 log groups; rows are partial aggregates" in w for w in result.warnings)


def test_a_dedup_query_at_the_cap_is_not_split():
    fake = FakeLogs()
    fake.add_events(A, "us-east-1", "trail", spread(500, 600))
    result = fan_out([("d", LIST_QUERY + " | dedup @message")], endpoints(fake, [A], ["us-east-1"]), limit=100).execute().results[0]
    assert result.truncated and len(result.query_ids) == 1
    assert any("dedup" in w and "cannot be split" in w for w in result.warnings), result.warnings


def test_a_dedup_query_over_several_batches_is_marked_partial():
    fake = FakeLogs()
    groups = tuple(f"g{i:03d}" for i in range(51))
    for g in groups:
        fake.add_events(A, "us-east-1", g, [T0 * 1000])
    result = fan_out([("d", LIST_QUERY + " | dedup @message")], endpoints(fake, [A], ["us-east-1"], groups)).execute().results[0]
    assert result.truncated and any("de-duplicated separately per batch of 50" in w for w in result.warnings)


def test_a_two_second_window_at_the_cap_says_why_it_is_not_split():
    fake = FakeLogs()
    fake.add_events(A, "us-east-1", "trail", [T0 * 1000 + i for i in range(300)])
    outcome = fan_out([("q", LIST_QUERY)], endpoints(fake, [A], ["us-east-1"]), seconds=1, limit=100).execute()
    [warning] = outcome.results[0].warnings
    assert "one second" not in warning
    assert "2 seconds" in warning and "share" in warning


def test_a_full_concurrency_quota_until_the_deadline_is_named():
    clock = VirtualClock()
    fake = FakeLogs(max_concurrent=0, clock=clock.now)  # other users hold the whole quota
    fake.add_events(A, "us-east-1", "trail", spread(5, 60))
    outcome = fan_out([("q", LIST_QUERY)], endpoints(fake, [A], ["us-east-1"]), timeout=1.0, clock=clock).execute()
    result = outcome.results[0]
    assert outcome.aborted == "deadline" and result.status == "Timeout"
    assert (
        "before the query could start" in result.error
        and "concurrent-query quota" in result.error
        and "LimitExceededException" in result.error
    )


def test_the_scheduler_waits_for_its_workers_through_the_runtime():
    from trailq.aws.budget import wait_first

    clock = VirtualClock()
    fake = FakeLogs(service_seconds=0.05, clock=clock.now)
    fake.add_events(A, "us-east-1", "trail", spread(5, 60))
    fan = fan_out([("q", LIST_QUERY)], endpoints(fake, [A], ["us-east-1"]), clock=clock)
    waits: list[int] = []

    def counting_wait(futures, timeout):
        waits.append(len(futures))
        return wait_first(futures, timeout)

    fan.runtime.wait_first = counting_wait
    outcome = fan.execute()
    assert outcome.results[0].ok and waits and all(n == 1 for n in waits)
