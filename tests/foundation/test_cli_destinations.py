"""Where run/check write: never over a --source, never twice to one file, - is stdout, failures named."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from trailq import cli

QUERY = "fields eventID | sort eventID asc"


def invoke(*args, input=None):
    return CliRunner().invoke(cli.main, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def trail(tmp_path):
    folder = tmp_path / "trail"
    folder.mkdir()
    record = {"eventTime": "2026-11-20T10:00:00Z", "eventName": "ConsoleLogin", "eventID": "id-0",
              "userAgent": '=HYPERLINK("http://x.example","x")', "n": -5}
    (folder / "events.json").write_text(json.dumps(record) + "\n")
    return folder


def test_output_naming_a_source_file_is_refused_before_anything_runs(trail):
    source = trail / "events.json"
    before = source.read_bytes()
    result = invoke("run", "--query", QUERY, "--source", str(source), "--output", str(source))
    assert result.exit_code == 2
    assert "--output" in result.stderr and "destroy" in result.stderr
    assert source.read_bytes() == before


def test_junit_naming_a_source_file_through_another_spelling_is_refused(trail):
    source = trail / "events.json"
    spelled = str(trail / ".." / trail.name / "events.json")
    result = invoke("check", "--source", str(source), "--junit", spelled)
    assert result.exit_code == 2 and "--junit" in result.stderr


def test_a_source_glob_that_matches_the_output_is_refused(trail):
    result = invoke("run", "--query", QUERY, "--source", str(trail / "*.json"), "--output", str(trail / "events.json"))
    assert result.exit_code == 2


def test_the_same_file_twice_is_refused(tmp_path, trail):
    report = str(tmp_path / "report.xml")
    result = invoke("check", "--source", str(trail), "--output", report, "--junit", report)
    assert result.exit_code == 2
    assert "--junit" in result.stderr and "--output" in result.stderr
    assert not os.path.exists(report)


def test_output_inside_a_source_folder_needs_the_flag(trail):
    out = trail / "report.csv"
    refused = invoke("run", "--query", QUERY, "--source", str(trail), "--output", str(out), "--format", "csv")
    assert refused.exit_code == 2 and "--allow-output-in-source" in refused.stderr and not out.exists()
    allowed = invoke("run", "--query", QUERY, "--source", str(trail), "--output", str(out), "--format", "csv",
                     "--allow-output-in-source")
    assert allowed.exit_code == 0 and out.exists()


def test_output_dash_is_stdout_and_an_empty_name_is_a_usage_error(trail):
    result = invoke("run", "--query", QUERY, "--source", str(trail), "--output", "-", "--format", "jsonl")
    assert result.exit_code == 0 and json.loads(result.stdout)["eventID"] == "id-0"
    assert not os.path.exists("-")
    empty = invoke("run", "--query", QUERY, "--source", str(trail), "--output", "")
    assert empty.exit_code == 2 and "--output" in empty.stderr
    junit = invoke("check", "--source", str(trail), "--junit", "-")
    assert junit.exit_code == 2 and "--junit -" in junit.stderr


def test_a_missing_output_folder_is_created_and_said(tmp_path, trail):
    out = tmp_path / "reports" / "2026" / "out.json"
    result = invoke("run", "--query", QUERY, "--source", str(trail), "--output", str(out), "--format", "json")
    assert result.exit_code == 0 and out.exists()
    assert str(tmp_path / "reports") in result.stderr and "created" in result.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_a_failed_write_names_the_path_and_exits_5(trail):
    result = invoke("run", "--query", QUERY, "--source", str(trail), "--output", "/dev/full")
    assert result.exit_code == 5 and "/dev/full" in result.stderr


def test_csv_guards_formulas_and_keeps_negative_numbers(trail):
    query = "fields userAgent, n"
    guarded = invoke("run", "--query", query, "--source", str(trail), "--format", "csv").stdout.splitlines()
    assert guarded[1] == '"\'=HYPERLINK(""http://x.example"",""x"")",-5'
    raw = invoke("run", "--query", query, "--source", str(trail), "--format", "csv", "--csv-raw").stdout.splitlines()
    assert raw[1] == '"=HYPERLINK(""http://x.example"",""x"")",-5'


def _trailq(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trailq", *args], capture_output=True, text=True, timeout=120, **kwargs)


def test_a_closed_stdout_is_one_line_and_exit_5():
    result = subprocess.run([sys.executable, "-m", "trailq", "list"], stdout=None, stderr=subprocess.PIPE, text=True,
                            timeout=120, pass_fds=(), close_fds=True, preexec_fn=lambda: os.close(1))
    assert result.returncode == 5
    assert result.stderr.strip().splitlines() == ["trailq: error: cannot write to stdout: it is closed"]


@pytest.mark.parametrize("args", [["list"], ["run", "--sample", "--query", "fields @message | limit 50", "--format", "jsonl"]])
def test_a_reader_that_went_away_gives_no_traceback_and_exit_141(args):
    process = subprocess.Popen([sys.executable, "-m", "trailq", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # before trailq writes anything: its first write meets a broken pipe
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141
    assert "Traceback" not in stderr and "internal error" not in stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_stdout_on_a_full_device_is_named_and_exits_5():
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "trailq", "list"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert result.returncode == 5 and "cannot write to stdout" in result.stderr and "Traceback" not in result.stderr
