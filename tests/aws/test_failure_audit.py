"""Fail-closed audit of the CloudWatch backend: every way the AWS side can fail or answer partially.

Each scenario injects one failure into one region of a two-region `trailq check` (the fake on
loopback, or a botocore exception in process) and pins what the user gets: the exit code of
DESIGN.md, one line naming the account, region (and log group where known), the region counted as a
coverage gap, the other region's rows still there, and a check that fails closed ("could not
judge", exit 5) unless --allow-partial, which judges the rest and says what is missing.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import botocore.exceptions as bx
import pytest
from aws_support import T0, A
from click.testing import CliRunner
from fakelogs import FakeError

from trailq import cli
from trailq.aws.session import Account

WINDOW = [
    "--start", datetime.fromtimestamp(T0, timezone.utc).isoformat(),
    "--end", datetime.fromtimestamp(T0 + 3600, timezone.utc).isoformat(),
]
REGIONS = ["--profile", "a", "--region", "us-east-1,us-west-2"]
CATALOG = (
    "version: 1\nqueries:\n"
    "  audit:\n    description: nothing should match\n    log_groups: [Audit]\n"
    "    query: 'fields @message'\n    check: {max_rows: 0}\n"
)


@pytest.fixture
def audit(served, tmp_path):
    """The served fake with an empty `Audit` group in every region: a complete check passes."""
    for region in served.regions:
        served.add_group(A, region, "Audit")
    catalog = tmp_path / "audit.yaml"
    catalog.write_text(CATALOG)
    served.catalog = str(catalog)
    served.timeout = "20s"  # scenarios retried until the deadline set a short one
    return served


def check(fake, *extra: str):
    args = ["check", "audit", "--catalog", fake.catalog, *REGIONS, *WINDOW, "--timeout", fake.timeout, *extra]
    return CliRunner().invoke(cli.main, args, catch_exceptions=False)


def run_json(fake, *extra: str):
    args = ["run", "audit", "--catalog", fake.catalog, *REGIONS, *WINDOW, "--timeout", fake.timeout, "--format", "json", *extra]
    result = CliRunner().invoke(cli.main, args, catch_exceptions=False)
    return result, {r["target"]["region"]: r for r in json.loads(result.stdout or "[]")}


def assert_fails_closed(fake, code: int = 5, *, names: tuple[str, ...] = ("us-west-2",)):
    """us-west-2 failed: check exits `code` naming it; --allow-partial judges us-east-1 and says what is missing."""
    closed = check(fake)
    assert closed.exit_code == code, closed.output
    assert "Traceback" not in closed.output
    lines = [line for line in closed.stderr.splitlines() if "us-west-2" in line]
    assert lines, closed.stderr
    for name in names:
        assert any(name in line for line in lines), (name, closed.stderr)
    assert "us-east-1" in closed.stdout and "PASS" in closed.stdout  # the region that answered is judged
    partial = check(fake, "--allow-partial")
    assert partial.exit_code == 0, partial.output
    assert "partial input accepted" in partial.stdout and "us-west-2" in partial.stdout
    return closed


def assert_gap(fake, *words: str):
    result, by_region = run_json(fake)
    assert result.exit_code == 5, result.output
    assert by_region["us-east-1"]["status"] == "Complete" and by_region["us-east-1"]["coverage"]["complete"]
    failed = by_region["us-west-2"]
    assert failed["status"] != "Complete" and not failed["coverage"]["complete"]
    gap = failed["coverage"]["gaps"][0]
    assert gap["kind"] == "region" and gap["where"] == f"{A}/us-west-2"
    for word in words:
        assert word in gap["reason"], gap


# -- the error codes of the logs model (and the ones IAM/STS/the edge return) at StartQuery --------

START_ERRORS = [
    ("AccessDeniedException", 400),
    ("ResourceNotFoundException", 400),
    ("InvalidParameterException", 400),
    ("ServiceUnavailableException", 503),
    ("ThrottlingException", 400),
    ("UnrecognizedClientException", 400),
    ("ExpiredTokenException", 400),
    ("InvalidClientTokenId", 403),
    ("OptInRequired", 403),
    ("SomeCodeNobodyHasSeenException", 400),
]


def no_backoff(monkeypatch) -> None:
    """Retries without waiting: a retried failure then runs out of attempts (8) in milliseconds."""
    monkeypatch.setattr("trailq.aws.budget.backoff_seconds", lambda attempt, rng, **kw: 0.005)


@pytest.mark.parametrize("code, status", START_ERRORS)
def test_start_query_error_in_one_region_fails_the_check_closed(audit, monkeypatch, code, status):
    no_backoff(monkeypatch)  # retried codes run out of attempts at once
    audit.start_failures[(A, "us-west-2")] = FakeError(code, f"{code} says no", status)
    closed = assert_fails_closed(audit, names=("us-west-2", "Audit") if code == "ResourceNotFoundException" else ("us-west-2",))
    assert code in closed.stderr
    assert_gap(audit, code)


@pytest.mark.parametrize("code, status", START_ERRORS)
def test_get_query_results_error_in_one_region_fails_the_check_closed(audit, monkeypatch, code, status):
    no_backoff(monkeypatch)
    audit.results_failures[(A, "us-west-2")] = FakeError(code, f"{code} says no", status)
    closed = assert_fails_closed(audit)
    assert code in closed.stderr
    assert_gap(audit, code)


def test_every_region_denied_exits_4_even_with_allow_partial(audit):
    for region in ("us-east-1", "us-west-2"):
        audit.start_failures[(A, region)] = FakeError("AccessDeniedException", "not allowed")
    for extra in ((), ("--allow-partial",)):
        result = check(audit, *extra)
        assert result.exit_code == 4, result.output
        assert "PASS" not in result.stdout


def test_nothing_answered_is_never_accepted_as_partial_input(audit):
    for region in ("us-east-1", "us-west-2"):
        audit.start_failures[(A, region)] = FakeError("ServiceUnavailableException", "down", 503)
    audit.timeout = "3s"
    result = check(audit, "--allow-partial")
    assert result.exit_code == 5, result.output
    assert "PASS" not in result.stdout and "ServiceUnavailableException" in result.stderr


def test_malformed_query_exits_3_with_a_caret(audit, tmp_path):
    catalog = tmp_path / "bad.yaml"
    catalog.write_text(CATALOG.replace("'fields @message'", "'fields @message | !!'"))
    audit.catalog = str(catalog)
    result = check(audit)
    assert result.exit_code == 3, result.output
    assert "^" in result.stderr and "Traceback" not in result.output


def test_a_full_concurrency_quota_until_the_timeout_is_named(audit):
    audit.start_failures[(A, "us-west-2")] = FakeError("LimitExceededException", "Account maximum query concurrency limit reached")
    audit.timeout = "3s"
    closed = assert_fails_closed(audit)
    assert "concurrent-query quota" in closed.stderr


# -- query statuses -----------------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["Failed", "Cancelled", "Timeout", "Unknown"])
def test_a_final_status_other_than_complete_fails_the_check_closed(audit, status):
    audit.final_status[(A, "us-west-2")] = status
    closed = assert_fails_closed(audit)
    assert status in closed.stderr
    assert_gap(audit, "query ")


def _running_forever_in(fake, region: str, live: str = "Running") -> None:
    """Queries in `region` stay Running (or Scheduled) until stopped (the service's 60-minute limit is far away)."""
    original = fake._status

    def status(q):
        return live if q.region == region and not q.stopped else original(q)

    fake._status = status


@pytest.mark.parametrize("live", ["Running", "Scheduled"])
def test_a_query_still_live_at_the_timeout_is_stopped_reported_and_fails_closed(audit, live):
    _running_forever_in(audit, "us-west-2", live)
    audit.timeout = "3s"
    closed = assert_fails_closed(audit)
    stopped = [q for q in audit.queries.values() if q.region == "us-west-2"]
    assert stopped and all(q.stopped for q in stopped)  # StopQuery reached every one
    assert "stopped" in closed.stderr and stopped[0].query_id in closed.stderr


# -- pages, caps and statistics -----------------------------------------------------------------------

def test_a_results_page_that_fails_loses_nothing_silently(audit, monkeypatch):
    audit.page_size = 2
    for region in ("us-east-1", "us-west-2"):
        audit.add_events(A, region, "Audit", [(T0 + 10 + i) * 1000 for i in range(5)])
    original = audit.get_query_results

    def second_page_fails(account, region, **params):
        if region == "us-west-2" and params.get("nextToken"):
            raise FakeError("ServiceUnavailableException", "page lost", 503)
        return original(account, region, **params)

    audit.get_query_results = second_page_fails
    no_backoff(monkeypatch)
    result, by_region = run_json(audit)
    assert result.exit_code == 5
    assert len(by_region["us-east-1"]["rows"]) == 5
    assert by_region["us-west-2"]["status"] != "Complete" and "page" in by_region["us-west-2"]["error"]
    assert by_region["us-west-2"]["coverage"]["gaps"][0]["where"] == f"{A}/us-west-2"
    closed = check(audit)
    assert closed.exit_code == 5 and "ERROR" in closed.stdout


def test_result_count_above_the_rows_fetched_is_reported_as_truncated(audit):
    audit.add_events(A, "us-west-2", "Audit", [(T0 + 10) * 1000])
    original = audit.get_query_results

    def says_more(account, region, **params):
        reply = original(account, region, **params)
        if region == "us-west-2" and reply["status"] == "Complete":
            reply["statistics"]["resultCount"] = 3.0  # the service counted 3 rows, sent 1
        return reply

    audit.get_query_results = says_more
    result, by_region = run_json(audit)
    west = by_region["us-west-2"]
    assert west["truncated"] and any("resultCount" in w for w in west["warnings"])
    assert "resultCount" in result.stderr


def test_records_scanned_are_the_records_read(audit):
    audit.add_events(A, "us-east-1", "Audit", [(T0 + 10 + i) * 1000 for i in range(4)])
    _, by_region = run_json(audit)
    assert by_region["us-east-1"]["coverage"]["records_read"] == 4
    assert by_region["us-west-2"]["coverage"]["records_read"] == 0  # an empty group: searched, nothing in it
    summary = check(audit)
    assert "1 searched, 0 records read; nothing skipped" in summary.stdout
    assert "1 searched, 4 records read" in summary.stdout


def test_a_log_group_with_no_event_in_the_window_is_said(audit):
    # A trail that stopped logging looks like a quiet day: the check passes, stderr says so.
    audit.add_events(A, "us-east-1", "Audit", [(T0 + 10 + i) * 1000 for i in range(4)])
    result, by_region = run_json(audit)
    assert by_region["us-east-1"]["warnings"] == []
    assert by_region["us-west-2"]["warnings"] == [f"{A}/us-west-2: the log group(s) hold no event in the time range "
                                                  "(is the trail still logging and delivering to CloudWatch Logs?)"]
    assert f"{A}/us-west-2: the log group(s) hold no event" in check(audit).stderr


def test_a_failed_region_is_not_said_to_have_read_files(audit):
    audit.start_failures[(A, "us-west-2")] = FakeError("AccessDeniedException", "not allowed")
    summary = check(audit)
    line = next(line for line in summary.stdout.splitlines() if line.startswith(f"input {A}/us-west-2"))
    assert "files" not in line and "0 searched" in line


# -- botocore's own errors (raised before or instead of an AWS answer), in process ----------------------

class Faulty:
    """A real client whose `method` raises `error` (each call), everything else passed through."""

    def __init__(self, client, method: str, error: Exception) -> None:
        self._client, self._method, self._error = client, method, error
        self.raised = 0

    def __getattr__(self, name: str):
        if name != self._method:
            return getattr(self._client, name)

        def fail(**params):
            self.raised += 1
            raise self._error

        return fail


def fail_in_west(monkeypatch, method: str, error: Exception) -> list[Faulty]:
    made: list[Faulty] = []
    original = Account.client

    def client(self, service, region, *, for_stop=False):
        real = original(self, service, region, for_stop=for_stop)
        if service != "logs" or region != "us-west-2" or for_stop:
            return real
        made.append(Faulty(real, method, error))
        return made[-1]

    monkeypatch.setattr(Account, "client", client)
    return made


URL = "https://logs.us-west-2.amazonaws.com/"
BOTOCORE_ERRORS = [
    # (error, exit code when it is the only failure, retried)
    (bx.EndpointConnectionError(endpoint_url=URL), 5, True),
    (bx.ConnectTimeoutError(endpoint_url=URL), 5, True),
    (bx.ReadTimeoutError(endpoint_url=URL), 5, True),
    (bx.SSLError(endpoint_url=URL, error="certificate verify failed"), 5, False),
    (bx.NoCredentialsError(), 5, False),
    (bx.ProfileNotFound(profile="gone"), 5, False),
    (bx.NoRegionError(), 5, False),
    (bx.ParamValidationError(report="Invalid length for parameter queryId"), 5, False),
]


@pytest.mark.parametrize("error, code, retried", BOTOCORE_ERRORS, ids=lambda v: type(v).__name__ if isinstance(v, Exception) else "")
def test_botocore_errors_while_polling_fail_only_their_region(audit, monkeypatch, error, code, retried):
    made = fail_in_west(monkeypatch, "get_query_results", error)
    no_backoff(monkeypatch)
    closed = assert_fails_closed(audit, code)
    assert " ".join(str(error).split())[:30] in closed.stderr  # botocore's words, on one line
    assert (max(f.raised for f in made) > 1) is retried
    assert_gap(audit)


@pytest.mark.parametrize("error", [bx.ReadTimeoutError(endpoint_url=URL), bx.ConnectionClosedError(endpoint_url=URL)],
                         ids=lambda e: type(e).__name__)
def test_start_query_is_not_sent_again_when_the_first_may_have_started_a_query(audit, monkeypatch, error):
    made = fail_in_west(monkeypatch, "start_query", error)
    closed = assert_fails_closed(audit)
    assert max(f.raised for f in made) == 1  # a second StartQuery could start the same query twice
    assert "not sent again" in closed.stderr


def test_start_query_is_retried_when_the_connection_was_never_made(audit, monkeypatch):
    made = fail_in_west(monkeypatch, "start_query", bx.EndpointConnectionError(endpoint_url=URL))
    no_backoff(monkeypatch)
    assert_fails_closed(audit)
    assert max(f.raised for f in made) > 1


# -- Ctrl-C mid-run ----------------------------------------------------------------------------------

class _CtrlCWhenEastIsDone:
    """Stands in for interrupts.cancel_on_signals: a Ctrl-C arrives once us-east-1's query has
    completed and us-west-2's is still running (what a user sees as "taking too long")."""

    def __init__(self, fake) -> None:
        import threading

        self.event = threading.Event()
        self._fake = fake
        self._watch = threading.Thread(target=self._press, daemon=True)

    def _press(self) -> None:
        import time

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            east = [q for q in self._fake.queries.values() if q.region == "us-east-1"]
            west = self._fake.live_queries(region="us-west-2")
            if east and self._fake._status(east[0]) == "Complete" and west:
                time.sleep(0.3)  # us-east-1's results are fetched by the next poll
                break
            time.sleep(0.02)
        self.event.set()

    def interrupted(self) -> bool:
        return True

    def __enter__(self):
        self._watch.start()
        return self

    def __exit__(self, *exc) -> None:
        self._watch.join()


def test_ctrl_c_mid_run_stops_the_running_query_exits_130_and_says_the_output_is_partial(audit, monkeypatch):
    import trailq.aws.interrupts as interrupts

    audit.add_events(A, "us-east-1", "Audit", [(T0 + 10) * 1000])
    _running_forever_in(audit, "us-west-2")
    monkeypatch.setattr(interrupts, "cancel_on_signals", lambda: _CtrlCWhenEastIsDone(audit))
    result, by_region = run_json(audit)
    assert result.exit_code == 130, result.output
    assert len(by_region["us-east-1"]["rows"]) == 1  # what finished before the Ctrl-C is still shown
    west = [q for q in audit.queries.values() if q.region == "us-west-2"]
    assert west and all(q.stopped for q in west)
    assert "interrupted" in result.stderr and west[0].query_id in result.stderr
    assert "partial" in result.stderr and "Traceback" not in result.output
    checked = check(audit)
    assert checked.exit_code == 130 and "partial" in checked.stderr


# -- nextToken pagination of the calls that list log groups ---------------------------------------------

def one_group_per_page(original):
    """A fake's log-group listing answered one group per page, with nextToken to the next."""

    def one_per_page(account, region, **params):
        page = original(account, region, **{k: v for k, v in params.items() if k != "nextToken"})["logGroups"]
        at = int(params.get("nextToken") or 0)
        reply = {"logGroups": page[at : at + 1]}
        if at + 1 < len(page):
            reply["nextToken"] = str(at + 1)
        return reply

    return one_per_page


def test_describe_log_groups_pages_are_all_read_for_a_prefix(audit):
    for name in ("Audit-1", "Audit-2", "Audit-3"):
        audit.add_events(A, "us-west-2", name, [(T0 + 20) * 1000])
        audit.add_group(A, "us-east-1", name)
    audit.describe_log_groups = one_group_per_page(audit.describe_log_groups)
    args = ["run", "--query", "fields @message", "--log-group", "Audit-*", *REGIONS, *WINDOW, "--format", "json"]
    result = CliRunner().invoke(cli.main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    west = next(r for r in json.loads(result.stdout) if r["target"]["region"] == "us-west-2")
    assert len(west["rows"]) == 3 and len(west["coverage"]["searched"]) == 3


def test_a_region_where_no_log_group_matches_a_prefix_is_listed_as_nothing_to_search(audit):
    audit.add_events(A, "us-east-1", "Only-east", [(T0 + 20) * 1000])
    args = ["run", "--query", "fields @message", "--log-group", "Only-*", *REGIONS, *WINDOW, "--format", "json"]
    result = CliRunner().invoke(cli.main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (east,) = json.loads(result.stdout)
    assert east["coverage"]["nothing_to_search"] == [f"{A}/us-west-2"]
    assert "us-west-2: no log group matches Only-*" in result.stderr


# -- discovery (ListLogGroups, DescribeTrails) failing in one region ----------------------------------------

DISCOVER = ["run", "--query", "fields @message", "--discover", *REGIONS, *WINDOW, "--format", "json", "--timeout", "20s"]


def _discovery_fails(fake, action: str, error: FakeError) -> None:
    original = getattr(fake, action)

    def fail_in_west(account, region, **params):
        if region == "us-west-2":
            raise error
        return original(account, region, **params)

    setattr(fake, action, fail_in_west)


@pytest.mark.parametrize("action", ["list_log_groups", "describe_trails"])
@pytest.mark.parametrize("code, status", [
    ("AccessDeniedException", 400), ("ServiceUnavailableException", 503), ("ThrottlingException", 400),
    ("UnrecognizedClientException", 400), ("ExpiredTokenException", 400),
])
def test_discovery_failing_in_one_region_is_a_gap_not_a_smaller_search(served, monkeypatch, action, code, status):
    no_backoff(monkeypatch)
    _discovery_fails(served, action, FakeError(code, f"{code} in discovery", status))
    result = CliRunner().invoke(cli.main, DISCOVER, catch_exceptions=False)
    assert result.exit_code == 5, result.output
    by_region = {r["target"]["region"]: r for r in json.loads(result.stdout)}
    assert len(by_region["us-east-1"]["rows"]) == 7
    gap = by_region["us-west-2"]["coverage"]["gaps"][0]
    assert gap["kind"] == "region" and gap["where"] == f"{A}/us-west-2" and code in gap["reason"]
    assert any("us-west-2" in line and code in line for line in result.stderr.splitlines())


def test_an_endpoint_without_list_log_groups_falls_back_with_a_warning(served):
    _discovery_fails(served, "list_log_groups", FakeError("<html><body>Internal Server Error</body></html>", "", 500))
    result = CliRunner().invoke(cli.main, DISCOVER, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert all(len(r["rows"]) == 7 for r in json.loads(result.stdout))
    assert "DescribeLogGroups name prefixes only" in result.stderr


# -- the row cap ---------------------------------------------------------------------------------------

def test_rows_at_the_cap_are_split_or_the_check_cannot_judge(audit, tmp_path):
    audit.add_events(A, "us-east-1", "Audit", [(T0 + 10 + i) * 1000 for i in range(12)])
    _, by_region = run_json(audit, "--limit", "5")  # events: split until every window is under the cap
    assert len(by_region["us-east-1"]["rows"]) == 12 and not by_region["us-east-1"]["truncated"]
    catalog = tmp_path / "stats.yaml"
    catalog.write_text(CATALOG.replace("'fields @message'", "'stats count(*) by bin(1s)'").replace("max_rows: 0", "max_rows: 100"))
    audit.catalog = str(catalog)
    capped = check(audit, "--limit", "5")  # 12 one-second bins, 5 returned: aggregates cannot be split
    assert capped.exit_code == 5, capped.output
    assert "truncated" in capped.stdout and "cannot prove" in capped.stdout and "truncated" in capped.stderr


def test_a_query_the_timeout_kept_from_starting_cannot_pass_by_its_absence(audit, tmp_path):
    for region in audit.regions:
        audit.add_group(A, region, "Other")
    catalog = tmp_path / "two.yaml"
    catalog.write_text(CATALOG + "  later:\n    description: d\n    log_groups: [Other]\n"
                       "    query: 'fields @message'\n    check: {max_rows: 0}\n")
    audit.catalog = str(catalog)
    _running_forever_in(audit, "us-west-2")
    audit.timeout = "3s"
    args = ["check", "audit", "later", "--catalog", audit.catalog, *REGIONS, *WINDOW, "--timeout", "3s", "--allow-partial"]
    result = CliRunner().invoke(cli.main, args, catch_exceptions=False)
    assert result.exit_code == 5, result.output
    assert any(line.startswith("later") and "ERROR" in line for line in result.stdout.splitlines()), result.stdout
    assert "not started at all: later" in result.stderr


# -- credentials that stop working for one account ------------------------------------------------------

@pytest.mark.parametrize("code", ["ExpiredToken", "InvalidClientTokenId", "AccessDenied"])
def test_one_accounts_refused_credentials_fail_that_account_only(audit, monkeypatch, code):
    import trailq.aws.session as session

    original = session._caller_account

    def refuse_b(sess, label):
        if label == "b":
            raise session.AccessError(f"{label}: credentials rejected by STS: {code}: the token is no good")
        return original(sess, label)

    monkeypatch.setattr(session, "_caller_account", refuse_b)
    args = ["run", "audit", "--catalog", audit.catalog, "--profile", "a", "--profile", "b", "--region", "us-east-1",
            *WINDOW, "--format", "json"]
    result = CliRunner().invoke(cli.main, args, catch_exceptions=False)
    assert result.exit_code == 5, result.output
    by_account = {r["target"]["account"]: r for r in json.loads(result.stdout)}
    assert by_account[A]["status"] == "Complete"
    gap = by_account["b"]["coverage"]["gaps"][0]
    assert gap["kind"] == "account" and code in gap["reason"]
    assert any("account b" in line and code in line for line in result.stderr.splitlines())
    checked = CliRunner().invoke(cli.main, ["check", *args[1:-2]], catch_exceptions=False)
    assert checked.exit_code == 5 and "ERROR" in checked.stdout
    accepted = CliRunner().invoke(cli.main, ["check", *args[1:-2], "--allow-partial"], catch_exceptions=False)
    assert accepted.exit_code == 0 and "partial input accepted" in accepted.stdout
    alone = CliRunner().invoke(cli.main, [*args[:4], "--profile", "b", *args[8:]], catch_exceptions=False)
    assert alone.exit_code == 4 and code in alone.stderr  # no credentials work at all: one line, exit 4


def test_a_log_group_deleted_after_discovery_is_named_and_fails_closed(served):
    original = served.start_query

    def deleted_first(account, region, **params):
        if region == "us-west-2":
            served.groups[(account, region)].pop("CloudTrail/Default", None)
        return original(account, region, **params)

    served.start_query = deleted_first
    result = CliRunner().invoke(cli.main, DISCOVER, catch_exceptions=False)
    assert result.exit_code == 5, result.output
    by_region = {r["target"]["region"]: r for r in json.loads(result.stdout)}
    assert len(by_region["us-east-1"]["rows"]) == 7
    assert "ResourceNotFoundException" in by_region["us-west-2"]["coverage"]["gaps"][0]["reason"]
    assert any("us-west-2" in line and "CloudTrail/Default" in line for line in result.stderr.splitlines())


def test_list_log_groups_pages_are_all_read_by_discovery(served):
    for name in ("aws/cloudtrail/one", "aws/cloudtrail/two"):
        served.add_events(A, "us-west-2", name, [(T0 + 30) * 1000])
    served.list_log_groups = one_group_per_page(served.list_log_groups)
    result = CliRunner().invoke(cli.main, DISCOVER, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    west = next(r for r in json.loads(result.stdout) if r["target"]["region"] == "us-west-2")
    assert len(west["coverage"]["searched"]) == 3 and len(west["rows"]) == 9



def test_a_retried_saved_query_create_sends_one_client_token(served, monkeypatch):
    no_backoff(monkeypatch)
    original = served.put_query_definition
    tokens: list[str] = []

    def lost_once(account, region, **params):
        tokens.append(params.get("clientToken", ""))
        if len(tokens) == 1:
            raise FakeError("ServiceUnavailableException", "try again", 503)
        return original(account, region, **params)

    served.put_query_definition = lost_once
    catalog_args = ["sync", "--profile", "a", "--region", "us-east-1"]
    result = CliRunner().invoke(cli.main, catalog_args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert len(tokens) > 2 and tokens[0] == tokens[1] and tokens[1] != tokens[2]  # one token per create, kept on retry
