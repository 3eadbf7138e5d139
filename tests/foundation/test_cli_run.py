"""`trailq run` and `trailq check` end to end on local sources (the CloudWatch side is in tests/aws)."""

import json

from click.testing import CliRunner

from trailq import cli


def invoke(*args, input=None):
    return CliRunner().invoke(cli.main, list(args), input=input, catch_exceptions=False)


def write_events(path, stamps):
    lines = [
        json.dumps({"eventTime": stamp, "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin",
                    "eventID": f"id-{i}", "recipientAccountId": "111122223333", "awsRegion": "us-east-1"})
        for i, stamp in enumerate(stamps)
    ]
    path.write_text("\n".join(lines) + "\n")


def test_sample_run_is_labelled_sample():
    result = invoke("run", "console-login-regions", "switch-role", "--sample")
    assert result.exit_code == 0
    assert "console-login-regions · sample" in result.stdout and "switch-role · sample" in result.stdout


def test_same_rows_from_a_file_and_from_stdin(tmp_path):
    path = tmp_path / "events.jsonl"
    write_events(path, ["2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z"])
    query = "fields eventID | sort eventID asc"
    from_file = json.loads(invoke("run", "--query", query, "--source", str(path), "--format", "json").stdout)
    from_stdin = json.loads(invoke("run", "--query", query, "--source", "-", "--format", "json", input=path.read_text()).stdout)
    assert [r["eventID"] for r in from_file[0]["rows"]] == ["id-0", "id-1"]
    assert from_file[0]["rows"] == from_stdin[0]["rows"]


def test_consecutive_state_runs_cover_each_event_once(tmp_path):
    path = tmp_path / "events.jsonl"
    write_events(path, ["2026-11-20T10:00:00.250Z", "2026-11-20T10:00:09.999Z", "2026-11-20T10:00:10.400Z", "2026-11-20T10:00:30Z"])
    state = tmp_path / "state.json"
    common = ["run", "--query", "fields eventID", "--source", str(path), "--state", str(state), "--settle", "0s", "--format", "json"]
    first = invoke(*common, "--start", "2026-11-20T10:00:00Z", "--end", "2026-11-20T10:00:10.500Z")
    second = invoke(*common, "--start", "2026-11-20T10:00:00Z", "--end", "2026-11-20T10:01:00Z")
    assert first.exit_code == second.exit_code == 0, first.stderr + second.stderr
    ids = [r["eventID"] for r in json.loads(first.stdout)[0]["rows"]] + [r["eventID"] for r in json.loads(second.stdout)[0]["rows"]]
    assert sorted(ids) == ["id-0", "id-1", "id-2", "id-3"]
    third = invoke(*common, "--start", "2026-11-20T10:00:00Z", "--end", "2026-11-20T10:01:00Z")
    assert "nothing new has settled" in third.stderr


def test_unsupported_command_locally_exits_7_with_a_caret():
    result = invoke("run", "--query", "fields @message | pattern @message", "--sample")
    assert result.exit_code == 7
    assert "query:1:19:" in result.stderr and "^^^^^^^" in result.stderr


def test_invalid_query_exits_3():
    result = invoke("run", "--query", 'filter eventName = "x', "--sample")
    assert result.exit_code == 3 and "query:1:20:" in result.stderr


def test_corrupt_input_is_reported_and_strict_fails(tmp_path):
    path = tmp_path / "events.jsonl"
    write_events(path, ["2026-11-20T10:00:00Z"])
    with path.open("a") as handle:
        handle.write('{"eventTime": "2026-11-20T10:00:01Z", "truncated\n')
    relaxed = invoke("run", "--query", "stats count(*) as n", "--source", str(path), "--format", "csv")
    assert relaxed.exit_code == 0 and relaxed.stdout.splitlines()[1].strip() == "1"
    assert f"{path}:2" in relaxed.stderr
    strict = invoke("run", "--query", "stats count(*) as n", "--source", str(path), "--strict")
    assert strict.exit_code == 5 and "Traceback" not in strict.output


def test_check_on_the_sample_finds_the_stories(tmp_path):
    junit = tmp_path / "out.xml"
    result = invoke("check", "--sample", "--junit", str(junit))
    assert result.exit_code == 1
    for name in ("console-logins-without-mfa", "root-console-logins", "failed-login-bursts"):
        assert name in result.stdout
    import xml.etree.ElementTree as ET

    suites = ET.parse(junit).getroot()
    assert int(suites.get("failures")) >= 3


def test_check_passes_when_nothing_is_found(tmp_path):
    path = tmp_path / "events.jsonl"
    write_events(path, ["2026-11-20T10:00:00Z"])
    result = invoke("check", "console-logins-without-mfa", "root-activity", "--source", str(path))
    assert result.exit_code == 0, result.output
    assert "2 checks: 0 failed, 0 could not run, 2 passed" in result.stdout


def test_check_prints_the_findings_after_the_summary():
    shown = invoke("check", "root-console-logins", "--sample")
    summary, _, findings = shown.stdout.partition("findings:")
    assert "root-console-logins  sample" in summary and "FAIL" in summary
    assert "root-console-logins · sample (2 rows)" in findings and "198.51.100.99" in findings
    hidden = invoke("check", "root-console-logins", "--sample", "--no-findings")
    assert hidden.exit_code == 1 and "findings:" not in hidden.stdout


def test_bad_output_options_fail_before_the_state_moves(tmp_path):
    path = tmp_path / "events.jsonl"
    write_events(path, ["2026-11-20T10:00:00Z"])
    state = tmp_path / "state.json"
    common = ["run", "--query", "fields eventID", "--source", str(path), "--state", str(state), "--settle", "0s",
              "--start", "2026-11-20T09:00:00Z", "--end", "2026-11-20T11:00:00Z"]
    (tmp_path / "a-file").write_text("x")
    for bad in (["--tz", "Mars/Base"], ["--table-format", "nope"], ["--output", str(tmp_path / "a-file" / "out.csv")]):
        result = invoke(*common, *bad)
        assert result.exit_code == 2, result.output
        assert not state.exists()  # nothing was recorded: the next run reads the same window
    assert "id-0" in invoke(*common).stdout


def test_output_follows_symlinks_and_writes_fifos_in_place(tmp_path):
    import os
    import threading

    real = tmp_path / "real.csv"
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert invoke("run", "switch-role", "--sample", "--format", "csv", "--output", str(link)).exit_code == 0
    assert link.is_symlink() and "ProdAdmin" in real.read_text()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    assert invoke("run", "switch-role", "--sample", "--format", "csv", "--output", str(fifo)).exit_code == 0
    reader.join(10)
    assert "ProdAdmin" in received[0] and fifo.exists() and not fifo.is_file()


def test_first_ci_run_creates_report_and_state_folders(tmp_path):
    path = tmp_path / "events.jsonl"
    write_events(path, ["2026-11-20T10:00:00Z"])
    junit = tmp_path / "reports" / "trailq-junit.xml"
    state = tmp_path / ".trailq" / "state.json"
    result = invoke("check", "root-activity", "--source", str(path), "--junit", str(junit), "--state", str(state),
                    "--start", "2026-11-20T09:00:00Z", "--end", "2026-11-20T11:00:00Z")
    assert result.exit_code == 0, result.output
    assert junit.is_file() and state.is_file()


def test_resume_refuses_options_it_cannot_use():
    result = invoke("run", "--resume", "abc", "--since", "1h")
    assert result.exit_code == 2 and "--since does not apply to --resume" in result.stderr
