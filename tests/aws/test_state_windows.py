"""Two consecutive `trailq run --state` runs on CloudWatch cover every event exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from aws_support import T0
from fakelogs import FakeLogs, FakeServer


def _iso(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _run(server: FakeServer, home: Path, state: Path, end: float, *extra: str) -> list[dict]:
    return json.loads(_trailq(server, home, state, end, *extra).stdout)[0]["rows"]


def _trailq(server: FakeServer, home: Path, state: Path, end: float, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=server.endpoint, AWS_CONFIG_FILE=str(home / "config"),
               AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"), AWS_EC2_METADATA_DISABLED="true")
    args = [sys.executable, "-m", "trailq", "run", "--query", "fields @timestamp, @message", "--log-group", "trail",
            "--region", "us-east-1", "--start", _iso(T0), "--end", _iso(end), "--state", str(state),
            "--settle", "0s", "--format", "json", *extra]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done


def test_consecutive_state_windows_cover_each_event_once(tmp_path: Path) -> None:
    # Events on both sides of the first window's end, including two inside its last, half-written second.
    stamps_ms = [(T0 + 1) * 1000, (T0 + 9) * 1000 + 200, (T0 + 10) * 1000 + 100, (T0 + 10) * 1000 + 900, (T0 + 15) * 1000]
    fake = FakeLogs(service_seconds=0.01)
    fake.add_events("111111111111", "us-east-1", "trail", stamps_ms)
    (tmp_path / "credentials").write_text("[default]\naws_access_key_id = AKIATEST\naws_secret_access_key = x\n")
    (tmp_path / "config").write_text("[default]\nregion = us-east-1\n")
    state = tmp_path / "state.json"
    with FakeServer(fake) as server:
        first = _run(server, tmp_path, state, T0 + 10.5)  # ends inside second T0+10: that second waits
        second = _run(server, tmp_path, state, T0 + 20)
    seen = [row["@message"] for row in first + second]
    assert len(seen) == len(stamps_ms) == len(set(seen))
    assert len(first) == 2  # T0+1 and T0+9.2; the T0+10 events belong to the second window
    entries = json.loads(state.read_text())["covered_until"]
    [adhoc] = [key for key in entries if key.startswith("query:")]  # ad-hoc text is keyed by its digest
    saved = entries[adhoc]["111111111111/us-east-1"]
    assert saved == datetime.fromtimestamp(T0 + 19, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_target_with_nothing_new_is_said_unless_quiet(tmp_path: Path) -> None:
    """The fan-out returns the query × target it skipped; the run words it (the local runs' wording)."""
    fake = FakeLogs(service_seconds=0.01)
    fake.add_events("111111111111", "us-east-1", "trail", [(T0 + 1) * 1000])
    (tmp_path / "credentials").write_text("[default]\naws_access_key_id = AKIATEST\naws_secret_access_key = x\n")
    (tmp_path / "config").write_text("[default]\nregion = us-east-1\n")
    state = tmp_path / "state.json"
    with FakeServer(fake) as server:
        assert len(_run(server, tmp_path, state, T0 + 20)) == 1
        again = _trailq(server, tmp_path, state, T0 + 20)
        quiet = _trailq(server, tmp_path, state, T0 + 20, "--quiet")
    assert json.loads(again.stdout) == []
    [said] = [line for line in again.stderr.splitlines() if "nothing new" in line]
    assert said == "query on account 111111111111 us-east-1: nothing new has settled since the last run", again.stderr
    assert "nothing new" not in quiet.stderr  # context, not lost data: --quiet hides it


def test_queries_with_different_windows_share_one_state_file(tmp_path: Path) -> None:
    """Two `since` groups in one run: both watermarks are saved (one group must not overwrite the other)."""
    catalog = tmp_path / "audit.yaml"
    catalog.write_text(
        "version: 1\nqueries:\n"
        "  short: {description: one hour, since: 1h, query: 'fields @timestamp, @message'}\n"
        "  long: {description: one week, since: 7d, query: 'fields @timestamp, @message'}\n"
    )
    now_s = int(datetime.now(timezone.utc).timestamp())
    fake = FakeLogs(service_seconds=0.01)
    fake.add_events("111111111111", "us-east-1", "trail", [(now_s - 600) * 1000, (now_s - 3 * 86400) * 1000])
    (tmp_path / "credentials").write_text("[default]\naws_access_key_id = AKIATEST\naws_secret_access_key = x\n")
    (tmp_path / "config").write_text("[default]\nregion = us-east-1\n")
    state = tmp_path / "state.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    with FakeServer(fake) as server:
        env.update(AWS_ENDPOINT_URL=server.endpoint, AWS_CONFIG_FILE=str(tmp_path / "config"),
                   AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"), AWS_EC2_METADATA_DISABLED="true")
        args = [sys.executable, "-m", "trailq", "run", "short", "long", "--catalog", str(catalog), "--log-group", "trail",
                "--region", "us-east-1", "--state", str(state), "--settle", "0s", "--format", "json"]
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = {r["query"]: len(r["rows"]) for r in json.loads(done.stdout)}
    assert rows == {"short": 1, "long": 2}
    assert set(json.loads(state.read_text())["covered_until"]) == {"short", "long"}
