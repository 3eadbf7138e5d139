"""One query's life with botocore's Stubber: every status, paging, retries, the poll ramp, the deadline."""

from __future__ import annotations

import botocore.session
import pytest
from botocore.stub import Stubber

from trailq.aws.budget import Aborted, Buckets, CallFailed, Kind, Runtime, classify, exit_code_for
from trailq.aws.insights import Attempt, Caller, PollRamp, QueryRequest, start, wait_and_fetch
from trailq.aws.session import CALL_CONFIG
from trailq.result import Statistics


class FakeTime:
    """A clock that only moves when someone sleeps: polls and backoffs become exact numbers."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def logs():
    session = botocore.session.get_session()
    session.set_credentials("AKIDEXAMPLE", "secret")
    client = session.create_client("logs", region_name="eu-west-1", config=CALL_CONFIG)
    with Stubber(client) as stub:
        yield client, stub


def caller_for(client, clock: FakeTime, *, deadline: float = 600.0, rates=None) -> Caller:
    runtime = Runtime(deadline=clock.now + deadline, clock=clock.clock, sleep=clock.sleep)
    buckets = Buckets(rates or {"StartQuery": 1000.0, "GetQueryResults": 1000.0}, clock.clock)
    return Caller(client, "123456789012", "eu-west-1", buckets, runtime)


REQ = QueryRequest("fields @timestamp | filter eventName = 'ConsoleLogin'", ("CloudTrail/Default",), 1_700_000_000, 1_700_003_600)
START_PARAMS = {
    "queryLanguage": "CWLI", "startTime": 1_700_000_000, "endTime": 1_700_003_600,
    "queryString": REQ.text, "logGroupNames": ["CloudTrail/Default"],
}
STATS = {"recordsMatched": 2.0, "recordsScanned": 50.0, "bytesScanned": 5000.0}


def run_one(caller: Caller, request: QueryRequest, *, on_status=None) -> Attempt:
    """One whole query life, as fan-out's worker runs it (without its StopQuery bookkeeping)."""
    started_at = caller.runtime.clock()
    try:
        query_id = start(caller, request)
    except CallFailed as failed:
        return Attempt(None, "Error", error=failed.detail, failure=failed)
    if on_status is not None:
        on_status("Scheduled", Statistics(), 0.0)
    return wait_and_fetch(caller, query_id, on_status=on_status, started_at=started_at)


def row(ts: str, ptr: str) -> list[dict[str, str]]:
    return [{"field": "@timestamp", "value": ts}, {"field": "@ptr", "value": ptr}]


def test_lifecycle_scheduled_running_complete_with_pages(logs):
    client, stub = logs
    clock = FakeTime()
    stub.add_response("start_query", {"queryId": "q-1"}, START_PARAMS)
    stub.add_response("get_query_results", {"status": "Scheduled", "results": []}, {"queryId": "q-1"})
    stub.add_response("get_query_results", {"status": "Running", "results": [row("2023-11-14 22:13:20.000", "p0")]}, {"queryId": "q-1"})
    stub.add_response(
        "get_query_results",
        {"status": "Complete", "results": [row("2023-11-14 22:13:21.000", "p1")], "statistics": STATS, "nextToken": "t2"},
        {"queryId": "q-1"},
    )
    stub.add_response(
        "get_query_results",
        {"status": "Complete", "results": [row("2023-11-14 22:13:20.000", "p2")], "statistics": STATS},
        {"queryId": "q-1", "nextToken": "t2"},
    )
    seen: list[str] = []
    attempt = run_one(caller_for(client, clock), REQ, on_status=lambda status, stats, elapsed: seen.append(status))
    stub.assert_no_pending_responses()
    assert attempt.status == "Complete" and attempt.query_id == "q-1"
    # Partial rows seen while Running are not kept; both pages are.
    assert [r["@ptr"] for r in attempt.rows] == ["p1", "p2"]
    assert attempt.columns == ["@timestamp", "@ptr"]
    assert attempt.statistics.records_matched == 2.0 and attempt.statistics.bytes_scanned == 5000.0
    assert seen == ["Scheduled", "Scheduled", "Running", "Complete"]


def test_poll_ramp_starts_fast_and_caps():
    delays = PollRamp().delays()
    first = [next(delays) for _ in range(12)]
    assert first[0] <= 0.3
    assert first == sorted(first)
    assert 1.0 <= max(first) <= 5.0 and first[-1] == max(first)


@pytest.mark.parametrize("status", ["Failed", "Cancelled", "Timeout", "Unknown"])
def test_terminal_statuses_end_the_query_naming_its_id(logs, status):
    client, stub = logs
    stub.add_response("start_query", {"queryId": "q-9"}, START_PARAMS)
    stub.add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": "q-9"})
    stub.add_response("get_query_results", {"status": status, "results": []}, {"queryId": "q-9"})
    attempt = run_one(caller_for(client, FakeTime()), REQ)
    stub.assert_no_pending_responses()
    assert attempt.status == status
    assert "q-9" in attempt.error


def test_arn_log_groups_go_as_identifiers_without_trailing_star_and_limit_is_sent(logs):
    client, stub = logs
    arn = "arn:aws:logs:eu-west-1:123456789012:log-group:CloudTrail/Default:*"
    request = QueryRequest("fields @message", (arn,), 10, 20, limit=500)
    stub.add_response("start_query", {"queryId": "q-2"}, {
        "queryLanguage": "CWLI", "startTime": 10, "endTime": 20, "queryString": "fields @message",
        "logGroupIdentifiers": [arn[:-2]], "limit": 500})
    stub.add_response("get_query_results", {"status": "Complete", "results": []}, {"queryId": "q-2"})
    assert run_one(caller_for(client, FakeTime()), request).status == "Complete"
    stub.assert_no_pending_responses()


def test_throttling_is_retried_with_backoff_then_succeeds(logs):
    client, stub = logs
    clock = FakeTime()
    stub.add_client_error("start_query", "ThrottlingException", "Rate exceeded", 400, expected_params=START_PARAMS)
    stub.add_client_error("start_query", "ServiceUnavailableException", "try later", 500, expected_params=START_PARAMS)
    stub.add_response("start_query", {"queryId": "q-3"}, START_PARAMS)
    stub.add_response("get_query_results", {"status": "Complete", "results": []}, {"queryId": "q-3"})
    attempt = run_one(caller_for(client, clock), REQ)
    stub.assert_no_pending_responses()
    assert attempt.status == "Complete"
    assert len([s for s in clock.sleeps if s >= 0.1]) >= 2  # two backoffs before the third try


@pytest.mark.parametrize(
    ("code", "kind"),
    [("AccessDeniedException", Kind.ACCESS), ("ResourceNotFoundException", Kind.PERMANENT),
     ("InvalidParameterException", Kind.PERMANENT), ("MalformedQueryException", Kind.MALFORMED),
     ("LimitExceededException", Kind.CONCURRENCY)],
)
def test_permanent_errors_are_not_retried(logs, code, kind):
    client, stub = logs
    stub.add_client_error("start_query", code, "no", 400, expected_params=START_PARAMS)
    attempt = run_one(caller_for(client, FakeTime()), REQ)
    stub.assert_no_pending_responses()  # exactly one call
    assert attempt.status == "Error" and attempt.failure.kind is kind
    assert code in attempt.error


def test_deadline_while_running_aborts(logs):
    client, stub = logs
    clock = FakeTime()
    for _ in range(40):
        stub.add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": "q-4"})
    with pytest.raises(Aborted):
        wait_and_fetch(caller_for(client, clock, deadline=10.0), "q-4")
    assert clock.now <= 1000.0 + 10.0 + 1e-9  # never slept past the deadline


def test_polls_are_paced_by_the_shared_bucket(logs):
    client, stub = logs
    clock = FakeTime()
    for _ in range(5):
        stub.add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": "q-5"})
    stub.add_response("get_query_results", {"status": "Complete", "results": []}, {"queryId": "q-5"})
    caller = caller_for(client, clock, rates={"GetQueryResults": 0.5})  # one call every 2 s
    wait_and_fetch(caller, "q-5", ramp=PollRamp(first_seconds=0.1, factor=1.0, cap_seconds=0.1))
    assert clock.now - 1000.0 >= 10.0  # six calls, two seconds apart


def test_classify_network_and_rate_message():
    from botocore.exceptions import ClientError, EndpointConnectionError

    assert classify(EndpointConnectionError(endpoint_url="http://x")) is Kind.TRANSIENT
    err = ClientError({"Error": {"Code": "Weird", "Message": "Rate exceeded"}, "ResponseMetadata": {"HTTPStatusCode": 400}}, "StartQuery")
    assert classify(err) is Kind.THROTTLED
    assert isinstance(CallFailed("StartQuery", Kind.THROTTLED, err).detail, str)


def test_one_mapping_from_failure_kind_to_exit_code():
    assert exit_code_for(Kind.ACCESS) == 4
    assert exit_code_for(Kind.MALFORMED) == 3
    assert {exit_code_for(k) for k in (Kind.PERMANENT, Kind.TRANSIENT, Kind.THROTTLED, Kind.CONCURRENCY, None)} == {5}
