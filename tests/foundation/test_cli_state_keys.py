"""--state: ad-hoc queries keyed by their text, a recorded point that overrides --start is said, bad files named."""

from __future__ import annotations

import json

from click.testing import CliRunner

from trailq import cli
from trailq.runs import QueryToRun


def invoke(*args):
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


def _events(path):
    records = [{"eventTime": f"2026-11-20T10:00:{s:02d}Z", "eventName": name, "eventID": f"id-{s}"}
               for s, name in ((1, "ConsoleLogin"), (2, "AssumeRole"), (3, "ConsoleLogin"))]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")


def _run(path, state, query, *extra):
    result = invoke("run", "--query", query, "--source", str(path), "--state", str(state), "--settle", "0s",
                    "--start", "2026-11-20T10:00:00Z", "--end", "2026-11-20T10:01:00Z", "--format", "json", *extra)
    assert result.exit_code == 0, result.stderr
    return result


def test_two_adhoc_queries_do_not_share_a_state_entry(tmp_path):
    path, state = tmp_path / "events.jsonl", tmp_path / "state.json"
    _events(path)
    logins = _run(path, state, 'filter eventName = "ConsoleLogin" | fields eventID')
    roles = _run(path, state, 'filter eventName = "AssumeRole" | fields eventID')
    assert len(json.loads(logins.stdout)[0]["rows"]) == 2
    assert [r["eventID"] for r in json.loads(roles.stdout)[0]["rows"]] == ["id-2"]  # not skipped by the first's watermark
    assert len(json.loads(state.read_text())["covered_until"]) == 2


def test_the_same_adhoc_text_finds_its_entry_again_whatever_its_spacing():
    one = QueryToRun("query", 'filter eventName = "x" | fields a', adhoc=True)
    two = QueryToRun("query", 'filter  eventName="x"\n| fields a', adhoc=True)
    other = QueryToRun("query", 'filter eventName = "y" | fields a', adhoc=True)
    assert one.state_key == two.state_key != other.state_key
    assert one.state_key.startswith("query:")
    assert QueryToRun("console-logins", "fields a").state_key == "console-logins"


def test_a_recorded_point_overriding_start_is_said(tmp_path):
    path, state = tmp_path / "events.jsonl", tmp_path / "state.json"
    _events(path)
    first = _run(path, state, "fields eventID")
    assert "--start ignored" not in first.stderr
    second = _run(path, state, "fields eventID")
    assert "--start ignored" in second.stderr and str(state) in second.stderr


def test_a_binary_state_file_is_one_line_naming_it(tmp_path):
    path, state = tmp_path / "events.jsonl", tmp_path / "state.bin"
    _events(path)
    state.write_bytes(bytes(range(256)) * 4)
    result = invoke("run", "--query", "fields eventID", "--source", str(path), "--state", str(state))
    assert result.exit_code == 2
    assert str(state) in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.startswith("trailq: error: --state")


def test_a_deeply_nested_state_file_is_refused_not_a_crash(tmp_path):
    path, state = tmp_path / "events.jsonl", tmp_path / "state.json"
    _events(path)
    state.write_text("[" * 100_000)
    result = invoke("run", "--query", "fields eventID", "--source", str(path), "--state", str(state))
    assert result.exit_code == 2 and str(state) in result.stderr


def test_a_device_as_state_file_is_refused_not_read_forever(tmp_path):
    path = tmp_path / "events.jsonl"
    _events(path)
    result = invoke("run", "--query", "fields eventID", "--source", str(path), "--state", "/dev/zero")
    assert result.exit_code == 2 and "/dev/zero" in result.stderr
