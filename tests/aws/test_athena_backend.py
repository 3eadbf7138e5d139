"""The Athena backend: moto's server end to end (results seeded through moto's API), and botocore's
Stubber for what moto lacks (FAILED with a message, CANCELLED, throttling, an abort, malformed SQL)."""

from __future__ import annotations

import json
import threading
import urllib.request
from datetime import datetime, timezone

import boto3
import pytest
from botocore.stub import ANY, Stubber
from click.testing import CliRunner

from trailq import cli
from trailq.aws import athena
from trailq.aws.budget import Runtime
from trailq.aws.insights import PollRamp
from trailq.errors import EXIT_QUERY_FAILED, EXIT_QUERY_INVALID
from trailq.lang import parse
from trailq.result import exit_code_of
from trailq.timerange import TimeRange

WINDOW = TimeRange(datetime(2025, 7, 14, tzinfo=timezone.utc), datetime(2025, 7, 20, tzinfo=timezone.utc))
QUERY = [("roots", parse("filter userIdentity.type = 'Root' | stats count(*) as n by awsRegion"))]
PLAN = athena.AthenaPlan(table="audit.trail", workgroup="wg", accounts=("111122223333",), regions=("us-east-1",))


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def runtime(stop: threading.Event | None = None) -> Runtime:
    clock = FakeClock()
    return Runtime(deadline=600.0, stop=stop or threading.Event(), clock=clock, sleep=clock.sleep)


def client():
    return boto3.client("athena", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")


def execution(state: str, scanned: int = 2048, **status: object) -> dict:
    return {"QueryExecution": {"QueryExecutionId": "q-1", "Status": {"State": state, **status},
                               "Statistics": {"DataScannedInBytes": scanned, "EngineExecutionTimeInMillis": 900}}}


def rows(*values: list[str]) -> dict:
    return {"ResultSet": {"Rows": [{"Data": [{"VarCharValue": v} for v in row]} for row in values]}}


def test_a_query_runs_pages_and_renders_like_getqueryresults() -> None:
    athena_client = client()
    with Stubber(athena_client) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
        stub.add_response("get_query_execution", execution("QUEUED"))
        stub.add_response("get_query_execution", execution("RUNNING"))
        stub.add_response("get_query_execution", execution("SUCCEEDED"))
        stub.add_response("get_query_results", {**rows(["awsRegion", "n"], ["us-east-1", "3"]), "NextToken": "t"},
                          {"QueryExecutionId": "q-1", "MaxResults": 1000})
        stub.add_response("get_query_results", rows(["eu-west-1", "1"]), {"QueryExecutionId": "q-1", "MaxResults": 1000, "NextToken": "t"})
        outcome = athena.run(QUERY, PLAN, WINDOW, client=athena_client, region="us-east-1", runtime=runtime())
    result = outcome.results[0]
    assert result.ok and result.rows == [{"awsRegion": "us-east-1", "n": "3"}, {"awsRegion": "eu-west-1", "n": "1"}]
    assert result.statistics.bytes_scanned == 2048 and result.query_ids == ["q-1"]
    assert "athena:audit.trail accounts 111122223333 regions us-east-1" in result.coverage.searched[0].where
    assert "q-1 scanned 2,048 bytes" in outcome.notices[0] and "$5/TB" in outcome.notices[0]
    assert "engine time 0.9s" in outcome.notices[0]


def test_failed_with_a_syntax_message_is_exit_3_with_the_service_message() -> None:
    athena_client = client()
    with Stubber(athena_client) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
        stub.add_response("get_query_execution", execution(
            "FAILED", StateChangeReason="line 1:8: mismatched input 'FROM'", AthenaError={"ErrorCategory": 2, "ErrorType": 1301}))
        outcome = athena.run(QUERY, PLAN, WINDOW, client=athena_client, region="us-east-1", runtime=runtime())
    assert outcome.results[0].status == "Failed" and "mismatched input 'FROM'" in outcome.results[0].error
    assert exit_code_of(outcome.results) == EXIT_QUERY_INVALID


def test_malformed_sql_rejected_at_start_is_exit_3() -> None:
    athena_client = client()
    with Stubber(athena_client) as stub:
        stub.add_client_error("start_query_execution", "InvalidRequestException", "line 1:1: mismatched input 'SELEC'")
        outcome = athena.run(QUERY, PLAN, WINDOW, client=athena_client, region="us-east-1", runtime=runtime())
    assert exit_code_of(outcome.results) == EXIT_QUERY_INVALID and "mismatched input 'SELEC'" in outcome.results[0].error


def test_cancelled_elsewhere_is_a_failed_query() -> None:
    athena_client = client()
    with Stubber(athena_client) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
        stub.add_response("get_query_execution", execution("CANCELLED", StateChangeReason="Query cancelled by user"))
        outcome = athena.run(QUERY, PLAN, WINDOW, client=athena_client, region="us-east-1", runtime=runtime())
    assert outcome.results[0].status == "Cancelled" and exit_code_of(outcome.results) == EXIT_QUERY_FAILED


def test_throttling_is_retried_with_backoff() -> None:
    athena_client = client()
    with Stubber(athena_client) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
        stub.add_client_error("get_query_execution", "ThrottlingException", "Rate exceeded")
        stub.add_client_error("get_query_execution", "TooManyRequestsException", "slow down")
        stub.add_response("get_query_execution", execution("SUCCEEDED"))
        stub.add_response("get_query_results", rows(["awsRegion", "n"]))
        outcome = athena.run(QUERY, PLAN, WINDOW, client=athena_client, region="us-east-1", runtime=runtime())
        stub.assert_no_pending_responses()
    assert outcome.results[0].ok and outcome.results[0].rows == []


def _no_rows_from_no_data(probe_scanned: int, probe_state: str = "SUCCEEDED"):
    """The query succeeds with no row and 0 bytes scanned; the probe then scans `probe_scanned` bytes."""
    athena_client = client()
    with Stubber(athena_client) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
        stub.add_response("get_query_execution", execution("SUCCEEDED", scanned=0))
        stub.add_response("get_query_results", rows(["awsRegion", "n"]))
        probe = PLAN.shape().any_record_sql(WINDOW)
        stub.add_response("start_query_execution", {"QueryExecutionId": "q-2"},
                          {"QueryString": probe, "WorkGroup": "wg", "ClientRequestToken": ANY})
        stub.add_response("get_query_execution", execution(probe_state, scanned=probe_scanned))
        outcome = athena.run(QUERY, PLAN, WINDOW, client=athena_client, region="us-east-1", runtime=runtime())
        stub.assert_no_pending_responses()
    assert probe.startswith("SELECT 1 FROM") and probe.endswith("LIMIT 1") and "ORDER BY" not in probe
    assert "\"account\" IN ('111122223333')" in probe and "\"timestamp\" BETWEEN '2025/07/14'" in probe
    return outcome.results[0]


def test_no_rows_from_no_bytes_on_an_empty_table_is_an_input_gap() -> None:
    # A table whose LOCATION points at nothing: every query answers 0 rows, 0 bytes. A check must not pass.
    result = _no_rows_from_no_data(0)
    assert result.ok and result.rows == [] and not result.coverage.complete
    gap = result.coverage.gaps[0]
    assert gap.kind == "input" and gap.where.startswith("athena:audit.trail") and "scanned no data" in gap.reason
    assert "LOCATION" in result.warnings[0]
    failed_probe = _no_rows_from_no_data(0, probe_state="FAILED")
    assert "could not tell whether the table holds data" in failed_probe.coverage.gaps[0].reason


def test_no_rows_from_no_bytes_with_data_in_the_partitions_is_complete() -> None:
    # Athena proved the query empty without reading (a filter that is false); the probe read a record.
    result = _no_rows_from_no_data(4096)
    assert result.ok and result.rows == [] and result.coverage.complete and result.warnings == []


def test_a_retried_start_sends_one_client_request_token() -> None:
    # A retry after a lost answer must not run (and bill) the query twice: Athena dedupes by this token.
    athena_client, tokens = client(), []
    athena_client.meta.events.register("provide-client-params.athena.StartQueryExecution",
                                       lambda params, **_: tokens.append(params.get("ClientRequestToken")))
    with Stubber(athena_client) as stub:
        stub.add_client_error("start_query_execution", "ThrottlingException", "Rate exceeded")
        stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
        stub.add_response("get_query_execution", execution("SUCCEEDED"))
        stub.add_response("get_query_results", rows(["awsRegion", "n"], ["us-east-1", "1"]))
        outcome = athena.run(QUERY, PLAN, WINDOW, client=athena_client, region="us-east-1", runtime=runtime())
    assert outcome.results[0].ok and len(tokens) == 2 and tokens[0] == tokens[1] and len(tokens[0]) >= 32


def test_an_abort_stops_the_query_it_started_and_names_it() -> None:
    athena_client, stopper = client(), client()
    stop = threading.Event()
    with Stubber(athena_client) as stub, Stubber(stopper) as stop_stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": "q-9"})
        stub.add_response("get_query_execution", execution("RUNNING"))
        stop_stub.add_response("stop_query_execution", {}, {"QueryExecutionId": "q-9"})
        clock = FakeClock()

        def sleep(seconds: float) -> None:
            clock.sleep(seconds)
            if clock.now > 0.3:
                stop.set()  # Ctrl-C while the query runs

        run_time = Runtime(deadline=600.0, stop=stop, clock=clock, sleep=sleep)
        outcome = athena.run(QUERY * 2, PLAN, WINDOW, client=athena_client, stop_client=stopper, region="us-east-1",
                             runtime=run_time, ramp=PollRamp(0.2, 1.0, 0.2))
        stop_stub.assert_no_pending_responses()
    assert outcome.stopped == ["q-9 (roots)"] and outcome.aborted == "interrupted" and outcome.exit_code == 130
    assert len(outcome.results) == 1  # the second query never started


@pytest.fixture
def moto_athena(monkeypatch):
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    yield endpoint
    server.stop()


def _seed(endpoint: str, result_rows: list[list[str]]) -> None:
    body = json.dumps({"results": [{"rows": [{"Data": [{"VarCharValue": v} for v in row]} for row in result_rows]}]}).encode()
    request = urllib.request.Request(f"{endpoint}/moto-api/static/athena/query-results", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request).read()


def test_run_athena_end_to_end_on_motos_server(moto_athena: str) -> None:
    header = ["@timestamp", "account", "outcome", "mfa", "sourceIPAddress", "awsRegion", "userAgent", "errorMessage", "@ptr"]
    _seed(moto_athena, [header, ["1752453282000", "111122223333", "Success", "No", "192.0.2.1", "us-east-1", "ua", "", "e-1"]])
    result = CliRunner().invoke(cli.main, [
        "run", "root-console-logins", "--athena", "audit.trail", "--output-location", "s3://results/trailq/",
        "--account", "111122223333", "--region", "us-east-1", "--start", "2025-07-14T00:00:00Z", "--end", "2025-07-15T00:00:00Z",
        "--format", "json", "--stats",
    ])
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.stdout)
    assert parsed[0]["rows"][0]["@timestamp"] == "2025-07-14 00:34:42.000" and parsed[0]["rows"][0]["outcome"] == "Success"
    assert parsed[0]["target"]["source"] == "athena:audit.trail"
    assert "scanned" in result.stderr and "per GB" in result.stderr
    sent = boto3.client("athena", region_name="us-east-1")
    query_id = sent.list_query_executions()["QueryExecutionIds"][0]
    text = sent.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Query"]
    assert "\"timestamp\" BETWEEN '2025/07/14' AND '2025/07/16'" in text
    assert "\"account\" IN ('111122223333')" in text and "\"region\" IN ('us-east-1')" in text


def test_athena_setup_apply_on_motos_server(moto_athena: str) -> None:
    result = CliRunner().invoke(cli.main, ["athena", "setup", "--bucket", "s3://trail", "--apply",
                                           "--output-location", "s3://results/"])
    assert result.exit_code == 0, result.output
    assert "created default.cloudtrail" in result.stderr


def test_athena_flags_that_do_not_apply_are_refused() -> None:
    result = CliRunner().invoke(cli.main, ["run", "root-activity", "--athena", "a.b", "--sample"])
    assert result.exit_code == 2 and "--sample does not apply to --athena" in result.output
    refused = CliRunner().invoke(cli.main, ["run", "--query", "fields @ingestionTime", "--athena", "a.b"])
    assert refused.exit_code == 7 and "cannot be read from Athena" in refused.output


def test_check_on_athena_writes_junit_and_state(moto_athena: str, tmp_path) -> None:
    header = ["@timestamp", "account", "outcome", "mfa", "sourceIPAddress", "awsRegion", "userAgent", "errorMessage", "@ptr"]
    _seed(moto_athena, [header, ["1752453282000", "111122223333", "Success", "No", "192.0.2.1", "us-east-1", "ua", "", "e-1"]])
    junit, state = tmp_path / "junit.xml", tmp_path / "state.json"
    result = CliRunner().invoke(cli.main, [
        "check", "root-console-logins", "--athena", "audit.trail", "--output-location", "s3://results/",
        "--account", "111122223333", "--since", "1d", "--junit", str(junit), "--state", str(state),
    ])
    assert result.exit_code == 1, result.output  # the seeded root sign-in is a finding
    assert "root-console-logins" in junit.read_text() and "<failure" in junit.read_text()
    recorded = json.loads(state.read_text())
    assert "athena:audit.trail" in json.dumps(recorded)
