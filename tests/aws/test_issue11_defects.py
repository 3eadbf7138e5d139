"""Query text the service accepts (SOURCE, SQL/PPL, new statistics) and the defects issue 11 lists,
each pinned: StopQuery's one truth, unknown profiles, markup error bodies, left-running queries."""

from __future__ import annotations

import json
import threading

from aws_support import T0, endpoints, fan_out
from botocore.exceptions import ClientError
from click.testing import CliRunner
from fakelogs import FakeError, FakeLogs

from trailq import catalog as catalog_mod
from trailq import cli
from trailq.aws.insights import QueryRequest, chooses_own_log_groups, statistics_of
from trailq.aws.session import error_message
from trailq.result import Result, Statistics, Target

A = "111111111111"
LIST_QUERY = "fields @timestamp, @message"


def _events(fake: FakeLogs, region: str = "us-east-1") -> None:
    fake.add_events(A, region, "trail", [T0 * 1000 + i * 1000 for i in range(5)])


# -- SOURCE and query languages ---------------------------------------------------------------------


def test_source_queries_are_sent_without_log_groups_and_others_with_them():
    for text in ("SOURCE logGroups(namePrefix: ['aws/cloudtrail']) | fields @message",
                 "# audit\n  source dataSource(['aws_cloudtrail']) | stats count()",
                 "SOURCE logGroupTags(team: ['sec']) | fields @message"):
        params = QueryRequest(text, ("trail",), 1, 2).start_params()
        assert "logGroupNames" not in params and "logGroupIdentifiers" not in params, text
    plain = QueryRequest("fields @message | filter x = 'SOURCE'", ("trail",), 1, 2).start_params()
    assert plain["logGroupNames"] == ["trail"] and plain["queryLanguage"] == "CWLI"
    sql = QueryRequest("SELECT * FROM `trail`", ("trail",), 1, 2, language="SQL").start_params()
    assert sql["queryLanguage"] == "SQL" and "logGroupNames" not in sql
    ppl = QueryRequest("fields eventName | head 5", ("arn:aws:logs:us-east-1:1:log-group:trail",), 1, 2, language="PPL").start_params()
    assert ppl["queryLanguage"] == "PPL" and ppl["logGroupIdentifiers"] == ["arn:aws:logs:us-east-1:1:log-group:trail"]
    assert not chooses_own_log_groups("fields @message")


def test_a_source_query_runs_once_per_target_on_the_fake():
    fake = FakeLogs(service_seconds=0.01)
    _events(fake)
    groups = tuple(f"g{i}" for i in range(60))  # more than one batch of 50 if the groups were sent
    outcome = fan_out([("q", "SOURCE logGroups() | fields @message")], endpoints(fake, [A], ["us-east-1"], groups)).execute()
    assert outcome.exit_code == 0 and len(outcome.results[0].rows) == 5
    assert [c[3] for c in fake.calls].count("StartQuery") == 1


def test_catalog_language_key_is_kept_and_validated(tmp_path):
    good = tmp_path / "q.yaml"
    good.write_text(
        "version: 1\nqueries:\n"
        "  sql-logins: {description: d, language: SQL, query: \"SELECT eventName FROM `trail` WHERE eventName = 'ConsoleLogin'\"}\n"
        "  ppl-logins: {description: d, language: ppl, query: 'fields eventName | where eventName = \"ConsoleLogin\"'}\n"
    )
    cat = catalog_mod.load([str(good)], include_builtin=False)
    assert cat.get("sql-logins").language == "SQL" and cat.get("ppl-logins").language == "PPL"
    assert catalog_mod.describe(cat.get("sql-logins"))["language"] == "SQL"
    checked = CliRunner().invoke(cli.main, ["validate", "--catalog", str(good)])
    assert checked.exit_code == 0
    assert "sql-logins: language SQL: not checked offline" in checked.stderr and "not checked offline" in checked.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nqueries:\n  q: {description: d, language: KQL, query: 'x'}\n")
    refused = CliRunner().invoke(cli.main, ["validate", "--catalog", str(bad)])
    assert refused.exit_code == 6 and "KQL" in refused.stderr


def test_a_sql_query_run_locally_exits_7_naming_the_language(tmp_path):
    catalog = tmp_path / "q.yaml"
    catalog.write_text("version: 1\nqueries:\n  sql-logins: {description: d, language: SQL, query: 'SELECT 1 FROM `trail`'}\n")
    result = CliRunner().invoke(cli.main, ["run", "sql-logins", "--catalog", str(catalog), "--sample"])
    assert result.exit_code == 7 and "SQL" in result.stderr and "Traceback" not in result.output


def test_sql_queries_send_their_language_and_get_the_lower_concurrency(served):
    from trailq import aws

    plan = aws.AwsPlan(profiles=("a",), regions=("us-east-1",), log_groups=("CloudTrail/Default",), language="PPL")
    assert plan.effective_concurrency == aws.OPENSEARCH_CONCURRENCY < aws.AwsPlan().effective_concurrency
    seen: list[dict] = []
    original = served.start_query

    def recording(account, region, **params):
        seen.append(params)
        return original(account, region, **params)

    served.start_query = recording
    outcome = aws.run([("q", "fields eventName")], plan, _window())
    assert outcome.exit_code == 0 and seen[0]["queryLanguage"] == "PPL"


def test_sync_sends_the_query_language(served, tmp_path):
    catalog = tmp_path / "q.yaml"
    catalog.write_text("version: 1\nqueries:\n  sql-logins: {description: d, language: SQL, query: 'SELECT 1 FROM `CloudTrail/Default`'}\n")
    result = CliRunner().invoke(cli.main, ["sync", "--catalog", str(catalog), "--profile", "a", "--region", "us-east-1"])
    assert result.exit_code == 0, result.stderr
    saved = {d["name"]: d for d in served.definitions[(A, "us-east-1")].values()}
    assert saved["trailq/sql-logins"]["queryLanguage"] == "SQL"
    assert saved["trailq/console-logins"]["queryLanguage"] == "CWLI"


# -- statistics ---------------------------------------------------------------------------------------


def test_field_index_and_unknown_statistics_are_kept_and_shown_by_stats():
    reply = {"statistics": {"recordsMatched": 2.0, "recordsScanned": 10.0, "bytesScanned": 100.0,
                            "estimatedRecordsSkipped": 990.0, "estimatedBytesSkipped": 9900.0, "logGroupsScanned": 3.0,
                            "brandNewFigure": 7.0}}
    stats = statistics_of(reply, 1.0)
    assert stats.extra == {"estimatedRecordsSkipped": 990.0, "estimatedBytesSkipped": 9900.0, "logGroupsScanned": 3.0,
                           "brandNewFigure": 7.0}
    total = Statistics()
    total.add(stats)
    total.add(stats)
    assert total.extra["logGroupsScanned"] == 6.0
    result = Result(query="q", target=Target("1", "us-east-1"), statistics=stats)
    assert result.to_dict()["statistics"]["extra"]["estimatedBytesSkipped"] == 9900.0
    from trailq.reporting.output import format_statistics

    shown = format_statistics([result])
    assert "estimatedRecordsSkipped 990" in shown and "logGroupsScanned 3" in shown and "brandNewFigure 7" in shown


# -- StopQuery: one truth -------------------------------------------------------------------------------


def test_a_query_stopquery_could_not_stop_is_not_called_stopped():
    fake = FakeLogs(service_seconds=30.0)
    _events(fake)
    original = fake.stop_query

    def refusing(account, region, **params):
        raise FakeError("ServiceUnavailableException", "try later", 503)

    fake.stop_query = refusing
    cancel = threading.Event()
    cancel_once_live = lambda event: event.status == "Scheduled" and cancel.set()  # noqa: E731 - no timer to race
    outcome = fan_out([("q", LIST_QUERY)], endpoints(fake, [A], ["us-east-1"]), cancel=cancel, on_progress=cancel_once_live).execute()
    [abandoned] = outcome.abandoned
    assert abandoned.stopped is False
    error = outcome.results[0].error
    assert "could not be stopped" in error and "query " + abandoned.query_id + " stopped" not in error
    fake.stop_query = original


def test_a_query_left_running_after_polling_failed_is_listed_for_resume():
    fake = FakeLogs(service_seconds=30.0)
    _events(fake)
    fake.results_failures[(A, "us-east-1")] = FakeError("AccessDeniedException", "session expired")
    fake.stop_query = lambda account, region, **p: (_ for _ in ()).throw(FakeError("AccessDeniedException", "session expired"))
    outcome = fan_out([("q", LIST_QUERY)], endpoints(fake, [A], ["us-east-1"])).execute()
    [left] = outcome.abandoned
    assert left.stopped is False and left.query_id in outcome.results[0].error
    assert "may still be running" in outcome.results[0].error


# -- error messages -----------------------------------------------------------------------------------


def test_markup_error_bodies_become_one_trimmed_line_with_the_http_status():
    page = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<h1>Bad Gateway</h1>\n" + "x " * 300 + "</body></html>"
    html = ClientError({"Error": {"Code": "502", "Message": page}, "ResponseMetadata": {"HTTPStatusCode": 502}}, "StartQuery")
    text = error_message(html)
    assert text.startswith("HTTP 502: ") and "\n" not in text and "<" not in text and len(text) <= 210
    assert "Bad Gateway" in text
    xml = ClientError({"Error": {"Code": "403", "Message": "<?xml version='1.0'?><Error><Message>Forbidden by proxy</Message></Error>"},
                       "ResponseMetadata": {"HTTPStatusCode": 403}}, "DescribeTrails")
    assert error_message(xml) == "HTTP 403: Forbidden by proxy"
    plain = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no\nway"}}, "StartQuery")
    assert error_message(plain) == "AccessDeniedException: no way"


def test_an_html_error_page_reaches_stderr_and_the_check_summary_as_one_line(served, tmp_path):
    served.region_failures[(A, "us-east-1")] = FakeError("403", "<html><body><h1>403 Forbidden</h1><p>by the proxy</p></body></html>", 403)
    result = CliRunner().invoke(cli.main, ["check", "console-login-failures", "--profile", "a", "--region", "us-east-1",
                                           "--log-group", "CloudTrail/Default", "--since", "1h", "--no-findings"])
    assert result.exit_code in (4, 5)
    assert "<html" not in result.output and "403 Forbidden by the proxy" in result.output and "HTTP 403" in result.output


# -- profiles ------------------------------------------------------------------------------------------


def test_unknown_profile_with_a_default_region_is_a_usage_error(aws_env):
    aws_env.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    result = CliRunner().invoke(cli.main, ["run", "console-logins", "--profile", "nosuch", "--region", "us-east-1", "--since", "1h"])
    assert result.exit_code == 2 and "--profile nosuch: no such profile" in result.stderr


# -- hidden-only columns ------------------------------------------------------------------------------


def test_a_result_whose_only_column_is_hidden_says_so():
    from trailq.reporting import output

    result = Result(query="q", target=Target("1", "us-east-1"), columns=["@ptr"], rows=[{"@ptr": "a"}, {"@ptr": "b"}])
    for fmt in ("table", "json", "csv"):
        notices = output.render([result], output.RenderOptions(format=fmt)).notices
        assert any("@ptr" in n and "--show-ptr" in n for n in notices), fmt
    shown = output.render([result], output.RenderOptions(format="table", show_ptr=True)).notices
    assert not any("--show-ptr" in n for n in shown)


def _iso(epoch: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(epoch, timezone.utc).isoformat()


def _window():
    from datetime import datetime, timezone

    from trailq.timerange import TimeRange

    return TimeRange(datetime.fromtimestamp(T0, timezone.utc), datetime.fromtimestamp(T0 + 3600, timezone.utc))


def test_json_output_carries_the_statistics_extra(served):
    result = CliRunner().invoke(cli.main, ["run", "--query", "fields @message", "--profile", "a", "--region", "us-east-1",
                                           "--log-group", "CloudTrail/Default", "--start", _iso(T0), "--end", _iso(T0 + 3600),
                                           "--format", "json"])
    assert result.exit_code == 0
    assert "extra" in json.loads(result.stdout)[0]["statistics"]


def test_junit_hint_gives_the_full_command_reproducing_the_scope(served, tmp_path):
    import shlex
    import xml.etree.ElementTree as ET

    served.add_events(A, "us-west-2", "CloudTrail/Default", [(T0 + 100 + i) * 1000 for i in range(240)])
    junit = tmp_path / "junit.xml"
    args = ["check", "root-activity", "--profile", "a", "--region", "us-west-2", "--log-group", "CloudTrail/Default",
            "--start", _iso(T0), "--end", _iso(T0 + 3600), "--junit", str(junit), "--no-findings"]
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == 1, result.output
    failure = ET.parse(junit).find("testsuite/testcase/failure").text
    hint = failure.splitlines()[-1]
    command = shlex.split(hint[hint.index("`") + 1: hint.rindex("`")])
    assert command[:3] == ["trailq", "run", "root-activity"]
    for flag, value in (("--profile", "a"), ("--region", "us-west-2"), ("--log-group", "CloudTrail/Default")):
        assert command[command.index(flag) + 1] == value
    assert "--start" in command and "--end" in command
    rerun = CliRunner().invoke(cli.main, command[1:] + ["--format", "json"])
    assert rerun.exit_code == 0 and len(json.loads(rerun.stdout)[0]["rows"]) == 240 + 7


def test_a_query_left_running_by_a_network_failure_is_in_the_resume_list(monkeypatch):
    from botocore.exceptions import EndpointConnectionError

    import trailq.aws.budget as budget

    monkeypatch.setattr(budget, "backoff_seconds", lambda attempt, rng, **kw: 0.001)
    fake = FakeLogs(service_seconds=30.0)
    _events(fake)

    def unreachable(*args, **params):
        raise EndpointConnectionError(endpoint_url="https://logs.us-east-1.amazonaws.com")

    fake.get_query_results = unreachable
    fake.stop_query = unreachable
    outcome = fan_out([("q", LIST_QUERY)], endpoints(fake, [A], ["us-east-1"])).execute()
    [left] = outcome.abandoned
    assert left.stopped is False and fake.live_queries() == [left.query_id]
    assert outcome.aborted is None and outcome.exit_code == 5
    assert left.query_id in outcome.results[0].error and "may still be running" in outcome.results[0].error


def test_explain_names_the_language_it_cannot_read(tmp_path):
    catalog = tmp_path / "q.yaml"
    catalog.write_text("version: 1\nqueries:\n  ppl-logins: {description: d, language: PPL, query: 'fields eventName'}\n")
    result = CliRunner().invoke(cli.main, ["explain", "ppl-logins", "--catalog", str(catalog)])
    assert result.exit_code == 2 and "PPL" in result.stderr
    shown = CliRunner().invoke(cli.main, ["show", "ppl-logins", "--catalog", str(catalog)])
    assert shown.exit_code == 0 and shown.stdout.strip() == "fields eventName"
