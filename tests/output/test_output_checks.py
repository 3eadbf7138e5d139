"""trailq check: verdicts, exit codes, summary table, JUnit XML, GitHub step summary."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from result_builders import empty, failed, logins

from trailq.catalog import Check
from trailq.reporting.checks import (
    ERROR,
    FAIL,
    MAX_ROWS_IN_JUNIT,
    PASS,
    append_github_step_summary,
    evaluate,
    exit_code,
    github_step_summary,
    junit_xml,
    summary_table,
)
from trailq.result import Result, Target

CHECKS = {"console-logins": Check(max_rows=0, severity="high"), "root-activity": Check(max_rows=0, severity="critical")}


def _verdicts(results):
    return evaluate(results, CHECKS)


def test_rows_above_max_rows_fail_with_the_offending_rows():
    [verdict] = _verdicts([logins()])
    assert verdict.outcome == FAIL and verdict.row_count == 2 and verdict.severity == "high"
    assert verdict.reason == "2 rows; at most 0 allowed"
    assert [r["user"] for r in verdict.offending_rows] == ["alice", 'bob, "the admin"']
    assert all("@ptr" not in r for r in verdict.offending_rows)


def test_min_rows_no_rows_pass_failed_query_errors_and_unchecked_queries_are_ignored():
    results = [empty(), failed(), logins(query="not-checked")]
    checks = {**CHECKS, "root-activity": Check(min_rows=1)}
    verdicts = evaluate(results, checks)
    assert [v.outcome for v in verdicts] == [FAIL, ERROR]
    assert verdicts[0].reason == "0 rows; at least 1 expected"
    assert "AccessDeniedException" in verdicts[1].reason and verdicts[1].row_count is None
    assert evaluate([empty()], CHECKS)[0].outcome == PASS


def test_truncated_results_say_at_least():
    result = logins()
    result.truncated = True
    assert _verdicts([result])[0].reason == "at least 2 rows; at most 0 allowed"


def test_a_truncated_result_cannot_pass():
    within = logins()
    within.truncated = True  # 2 rows came back, more matched: max_rows 5 is not proven
    verdict = evaluate([within], {"console-logins": Check(max_rows=5)})[0]
    assert verdict.outcome == ERROR and "cannot prove at most 5" in verdict.reason
    few = logins()
    few.truncated = True
    assert evaluate([few], {"console-logins": Check(min_rows=1)})[0].outcome == PASS  # at least 2 >= 1
    assert evaluate([few], {"console-logins": Check(min_rows=10)})[0].outcome == ERROR


def test_exit_codes():
    assert exit_code(_verdicts([empty()])) == 0
    assert exit_code(_verdicts([empty(), logins()])) == 1
    assert exit_code(_verdicts([empty(), failed()])) == 5
    assert exit_code(_verdicts([logins(), failed()])) == 5  # an incomplete audit outranks a finding
    assert exit_code([]) == 0


def test_summary_table_lists_every_query_and_target():
    text = summary_table(_verdicts([logins(), empty(), failed()]))
    lines = text.splitlines()
    assert lines[0].split() == ["query", "target", "severity", "rows", "verdict", "detail"]
    assert "FAIL" in lines[2] and "us-east-1" in lines[2]
    assert "PASS" in lines[3] and "ERROR" in lines[4]
    assert lines[-1] == "3 checks: 1 failed, 1 could not run, 1 passed"


def test_junit_parses_with_the_right_counts_and_failure_text():
    results = [logins("us-east-1"), logins("eu-north-1"), empty(), failed()]
    root = ET.fromstring(junit_xml(_verdicts(results)))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "2", "1")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"console-logins", "root-activity"}
    logins_suite = suites["console-logins"]
    assert (logins_suite.get("tests"), logins_suite.get("failures"), logins_suite.get("errors")) == ("3", "2", "1")
    cases = logins_suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["012345678901/us-east-1", "012345678901/eu-north-1", "012345678901/ap-southeast-2"]
    assert all(c.get("classname") == "trailq.console-logins" for c in cases)
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("type") == "high" and failure.get("message") == "2 rows; at most 0 allowed"
    assert "alice" in failure.text and "198.51.100.7" in failure.text and 'bob, "the admin"' in failure.text
    assert cases[2].find("error") is not None
    passed = suites["root-activity"].find("testcase")
    assert list(passed) == []  # a passing case has no child element


def test_junit_survives_characters_xml_cannot_carry():
    rows = [{"msg": "bell\x07 nul\x00 <tag> & \"q\" ]]>"}]
    result = Result("console-logins", Target("1", "us-east-1"), ["msg"], rows)
    root = ET.fromstring(junit_xml(_verdicts([result])))
    text = root.find("testsuite/testcase/failure").text
    assert "bell\\x07 nul\\x00 <tag> & \"q\" ]]>" in text


def test_junit_caps_rows_and_says_how_many_were_left_out():
    rows = [{"user": f"user{i}"} for i in range(MAX_ROWS_IN_JUNIT + 5)]
    result = Result("console-logins", Target("1", "us-east-1"), ["user"], rows)
    text = ET.fromstring(junit_xml(_verdicts([result]))).find("testsuite/testcase/failure").text
    assert f"user{MAX_ROWS_IN_JUNIT - 1}" in text and f"user{MAX_ROWS_IN_JUNIT}\n" not in text
    assert "... and 5 more rows" in text


def test_step_summary_markdown_escapes_cells():
    result = Result("console-logins", Target("1", "us-east-1"), ["user"], [{"user": "a|b <script>"}])
    text = github_step_summary(_verdicts([result, empty()]))
    assert text.startswith("## trailq check: 1 failed, 0 could not run, 1 passed\n")
    assert "| console-logins | 1/us-east-1 | high | 1 | ❌ FAIL | 1 row; at most 0 allowed |" in text
    assert "a\\|b &lt;script&gt;" in text and "<script>" not in text
    assert "<details>" in text and "</details>" in text


def test_step_summary_is_appended_when_the_variable_is_set(tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    assert append_github_step_summary(_verdicts([logins()]), env) == []
    assert append_github_step_summary(_verdicts([empty()]), env) == []
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n") and text.count("## trailq check") == 2


def test_step_summary_skipped_without_the_variable_and_reported_when_unwritable(tmp_path):
    assert append_github_step_summary(_verdicts([logins()]), {}) == []
    notices = append_github_step_summary(_verdicts([logins()]), {"GITHUB_STEP_SUMMARY": str(tmp_path / "no" / "such.md")})
    assert len(notices) == 1 and notices[0].startswith("warning: cannot append to $GITHUB_STEP_SUMMARY")


def test_partial_per_batch_answers_cannot_be_judged():
    partial = logins()
    partial.truncated = partial.rows_partial = True
    verdict = evaluate([partial], {"console-logins": Check(max_rows=0)})[0]
    assert verdict.outcome == ERROR and "per-batch" in verdict.reason


def test_a_file_name_with_a_line_break_cannot_draw_a_line_of_its_own(tmp_path):
    # A folder walk meets any name: `a\n::error::x.json` drew a stderr line that CI runners read as a
    # command, and broke the check summary's rows. Every notice and summary row stays one line.
    from click.testing import CliRunner

    from trailq import cli

    (tmp_path / "a\n::error::forged.json").write_text('garbage\n{"eventTime": "2026-11-20T10:00:00Z"}\n')
    for args in (["run", "--query", "stats count(*)", "--stats"], ["check", "root-console-logins"]):
        result = CliRunner().invoke(cli.main, [*args, "--source", str(tmp_path)])
        lines = (result.stdout + result.stderr).splitlines()
        assert not [line for line in lines if line.startswith("::")], result.output
        assert any("a\\x0a::error::forged.json:1: not valid JSON" in line for line in lines), result.output
