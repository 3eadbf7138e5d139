"""`trailq check` fails closed (issue 10): a green check means "read everything, found nothing".

Coverage is shown in --stats, --format json, the check summary, JUnit and the GitHub step summary;
--allow-partial accepts partial input explicitly; --strict makes any skip an error for `run` too;
local windows nobody asked for are stated; --timeout is honoured and validated locally."""

from __future__ import annotations

import bz2
import errno
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from trailq import cli
from trailq.catalog import Check
from trailq.engine import sources as sources_mod
from trailq.reporting import checks
from trailq.result import Coverage, Gap, Result, Target

ROOT_LOGIN = {"eventTime": "2026-11-20T10:00:00Z", "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin",
              "userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root"}, "recipientAccountId": "111122223333",
              "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7", "responseElements": {"ConsoleLogin": "Success"},
              "additionalEventData": {"MFAUsed": "Yes"}}
QUIET = {"eventTime": "2026-11-20T10:00:00Z", "eventSource": "s3.amazonaws.com", "eventName": "ListBuckets",
         "userIdentity": {"type": "IAMUser", "userName": "alice"}, "recipientAccountId": "111122223333", "awsRegion": "us-east-1"}


def invoke(*args: str, input: str | None = None, env: dict | None = None):
    return CliRunner().invoke(cli.main, list(args), input=input, catch_exceptions=False, env=env)


def trail(root: Path, records: list[dict], extra: dict[str, bytes] | None = None) -> str:
    root.mkdir(parents=True, exist_ok=True)
    (root / "events.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    for name, data in (extra or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return str(root)


UNREADABLE = {"archive.json.bz2": bz2.compress(json.dumps(ROOT_LOGIN).encode())}


# --- check fails closed -------------------------------------------------------------------------


def test_a_check_that_found_nothing_on_partial_input_could_not_judge(tmp_path: Path) -> None:
    source = trail(tmp_path / "t", [QUIET], UNREADABLE)
    result = invoke("check", "root-console-logins", "--source", source)
    assert result.exit_code == 5, result.output
    assert "could not judge" in result.stdout and "archive.json.bz2" in result.stdout and "bzip2" in result.stdout
    assert "passed" in result.stdout and "1 could not run" in result.stdout
    assert "Traceback" not in result.output


def test_allow_partial_accepts_it_and_says_so(tmp_path: Path) -> None:
    source = trail(tmp_path / "t", [QUIET], UNREADABLE)
    result = invoke("check", "root-console-logins", "--source", source, "--allow-partial")
    assert result.exit_code == 0, result.output
    assert "partial input accepted: 1 skipped" in result.stdout
    assert "--allow-partial" in invoke("check", "--help").stdout


def test_findings_still_fail_on_partial_input(tmp_path: Path) -> None:
    source = trail(tmp_path / "t", [ROOT_LOGIN], UNREADABLE)
    result = invoke("check", "root-console-logins", "--source", source)
    assert result.exit_code == 1, result.output
    assert "FAIL" in result.stdout and "partial input" in result.stdout


def test_no_record_read_at_all_could_not_judge(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke("check", "root-console-logins", "--source", str(empty))
    assert result.exit_code == 5 and "no record was read" in result.stdout


def test_an_unlistable_account_folder_fails_check_even_with_strict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "t"
    trail(root / "ok", [QUIET])
    trail(root / "acct", [ROOT_LOGIN])
    locked = str(root / "acct")
    real = os.scandir

    def scandir(path):  # chmod 000 (root, who runs some CI containers, ignores it)
        if str(path) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(sources_mod.os, "scandir", scandir)
    relaxed = invoke("check", "root-console-logins", "--source", str(root))
    assert relaxed.exit_code == 5 and locked in relaxed.stdout
    strict = invoke("check", "root-console-logins", "--source", str(root), "--strict")
    assert strict.exit_code == 5 and locked in strict.stderr
    run = invoke("run", "--query", "stats count(*) as n", "--source", str(root), "--strict")
    assert run.exit_code == 5 and locked in run.stderr
    assert invoke("check", "--source", str(root), "--strict", "--allow-partial").exit_code == 2


def test_run_strict_makes_any_skip_an_error(tmp_path: Path) -> None:
    source = trail(tmp_path / "t", [QUIET], UNREADABLE)
    relaxed = invoke("run", "--query", "stats count(*) as n", "--source", source)
    assert relaxed.exit_code == 0 and "archive.json.bz2" in relaxed.stderr
    strict = invoke("run", "--query", "stats count(*) as n", "--source", source, "--strict")
    assert strict.exit_code == 5 and "archive.json.bz2" in strict.stderr


# --- fail closed is generic: any backend's Result ----------------------------------------------


def _aws_result(rows: int, gap: Gap | None) -> Result:
    coverage = Coverage(records_read=10)
    if gap is not None:
        coverage.add_gap(gap)
    return Result("q", Target(account="111122223333", region="us-east-1"), columns=["a"], rows=[{"a": "x"}] * rows, coverage=coverage)


def test_evaluate_fails_closed_on_any_results_gaps() -> None:
    region = Gap("region", "111122223333/eu-west-1", "AccessDenied")
    none_found = checks.evaluate([_aws_result(0, region)], {"q": Check(max_rows=0)})[0]
    assert none_found.outcome == checks.ERROR and "111122223333/eu-west-1" in none_found.reason
    too_few = checks.evaluate([_aws_result(0, region)], {"q": Check(min_rows=1)})[0]
    assert too_few.outcome == checks.ERROR
    found = checks.evaluate([_aws_result(2, region)], {"q": Check(max_rows=0)})[0]
    assert found.outcome == checks.FAIL
    accepted = checks.evaluate([_aws_result(0, region)], {"q": Check(max_rows=0)}, allow_partial=True)[0]
    assert accepted.outcome == checks.PASS and "partial input accepted: 1 skipped" in accepted.reason
    complete = checks.evaluate([_aws_result(0, None)], {"q": Check(max_rows=0)})[0]
    assert complete.outcome == checks.PASS
    assert checks.exit_code([none_found, found]) == 5


# --- coverage shown everywhere -------------------------------------------------------------------


def test_coverage_in_junit_step_summary_json_and_stats(tmp_path: Path) -> None:
    source = trail(tmp_path / "t", [QUIET, QUIET], UNREADABLE)
    junit = tmp_path / "r.xml"
    summary = tmp_path / "summary.md"
    result = invoke("check", "root-console-logins", "--source", source, "--junit", str(junit), "--stats",
                    env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 5
    assert "1 file, 2 records read" in result.stdout  # the summary's input line
    case = ET.parse(junit).getroot().find("testsuite/testcase")
    assert case is not None
    properties = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert properties["coverage.files_read"] == "1" and properties["coverage.records_read"] == "2"
    assert properties["coverage.files_skipped"] == "1" and properties["coverage.complete"] == "false"
    assert "archive.json.bz2" in (case.findtext("system-out") or "")
    assert case.find("error") is not None
    markdown = summary.read_text()
    assert "Input coverage" in markdown and "archive.json.bz2" in markdown
    assert "records read" in result.stderr  # --stats
    as_json = json.loads(invoke("run", "--query", "stats count(*) as n", "--source", source, "--format", "json").stdout)[0]
    assert as_json["statistics"]["files_read"] == 1 and as_json["statistics"]["files_skipped"] == 1
    assert as_json["coverage"]["gaps"][0]["where"].endswith("archive.json.bz2")


# --- windows nobody asked for --------------------------------------------------------------------


def test_end_alone_locally_reads_everything_up_to_it_and_says_so(tmp_path: Path) -> None:
    old = dict(QUIET, eventTime="2020-01-01T00:00:00Z")
    source = trail(tmp_path / "t", [old, QUIET])
    result = invoke("run", "--query", "stats count(*) as n", "--source", source, "--end", "2026-11-21T00:00:00Z", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.split()[-1] == "2"  # not a silent 24-hour window
    assert "--end without --since/--start" in result.stderr
    assert "locally every event up to it" in " ".join(invoke("run", "--help").stdout.split())


def test_a_first_state_window_is_stated(tmp_path: Path) -> None:
    result = invoke("check", "--sample", "--state", str(tmp_path / "s.json"))
    assert "--state without --since/--start" in result.stderr and "24h" in result.stderr


# --- --timeout locally ---------------------------------------------------------------------------


def test_timeout_is_validated_locally() -> None:
    result = invoke("run", "--query", "stats count(*)", "--sample", "--timeout", "abc")
    assert result.exit_code == 2 and "--timeout" in result.stderr


def test_timeout_is_honoured_locally_with_what_was_read(tmp_path: Path) -> None:
    records = [dict(QUIET, eventName=f"E{i}") for i in range(3000)]
    source = trail(tmp_path / "t", records)
    for i in range(30):
        trail(tmp_path / "t" / f"more{i:02d}", records)
    result = invoke("run", "--query", "stats count(*) as n", "--source", source, "--timeout", "1ms", "--format", "json")
    assert result.exit_code == 5, result.output
    document = json.loads(result.stdout)[0]
    assert document["status"] == "Timeout" and "--timeout" in document["error"]
    assert document["coverage"]["complete"] is False
    assert any("--timeout" in g["reason"] for g in document["coverage"]["gaps"])
    checked = invoke("check", "root-console-logins", "--source", source, "--timeout", "1ms")
    assert checked.exit_code == 5


def test_quiet_still_says_what_was_skipped(tmp_path: Path) -> None:
    source = trail(tmp_path / "t", [QUIET], UNREADABLE)
    result = invoke("run", "--query", "stats count(*) as n", "--source", source, "--quiet")
    assert "archive.json.bz2" in result.stderr


def test_quiet_keeps_a_window_nobody_asked_for_and_hides_context(tmp_path: Path) -> None:
    source = trail(tmp_path / "t", [QUIET])
    args = ["run", "--query", 'filter eventName = "NoSuchEvent" | fields eventName', "--source", source, "--end", "2026-11-30T00:00:00Z"]
    loud = invoke(*args)
    quiet = invoke(*args, "--quiet")
    assert "note: --end without --since/--start" in loud.stderr and "no rows" in loud.stderr
    assert "note: --end without --since/--start" in quiet.stderr  # the run reads more than was asked: never silent
    assert "no rows" not in quiet.stderr


def test_a_file_name_cannot_send_escape_sequences_to_the_terminal(tmp_path: Path) -> None:
    root = tmp_path / "t"
    root.mkdir()
    (root / "bad\x1b]0;pwned\x07\u202ename.json").write_text("not json\n")
    (root / "good.jsonl").write_text(json.dumps(QUIET) + "\n")
    result = invoke("run", "--query", "stats count(*) as n", "--source", str(root))
    assert "bad\\x1b]0;pwned\\x07\\u202ename.json:1: not valid JSON" in result.stderr
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr
    missing = invoke("run", "--query", "stats count(*) as n", "--source", str(root / "no\x1b[2Jsuch"))
    assert missing.exit_code == 2 and "no\\x1b[2Jsuch" in missing.stderr


def test_a_full_disk_while_copying_stdin_for_several_queries_is_one_line(tmp_path: Path, monkeypatch) -> None:
    from trailq import runs

    def disk_full(source, out, deadline):
        out.write(b"{")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(runs, "_copy_until", disk_full)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # read TMPDIR again
    result = invoke("check", "root-console-logins", "console-login-failures", "--source", "-", input=json.dumps(QUIET) + "\n")
    assert result.exit_code == 5, result.stderr
    assert result.stderr.splitlines()[0] == (
        "trailq: error: --source -: copying the stream for the queries that read it failed: No space left on device "
        f"(in {tmp_path}; TMPDIR sets the folder)")
    assert list(tmp_path.iterdir()) == []  # the partial copy is removed
