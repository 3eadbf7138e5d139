"""CloudWatch backend benchmark against the project's fake Logs service on loopback HTTP.

    .venv/bin/python bench/aws/bench_fanout.py            # fan-out run + completeness run
    .venv/bin/python bench/aws/bench_fanout.py --fanout   # only the 17 regions x 2 accounts run

Fan-out: 17 regions x 2 accounts (profiles a and b), one query each taking 2 s of simulated
service time, the default budgets (StartQuery 3/s, GetQueryResults 5/s per account+region).
Targets: wall <= 1.5 x 2 s; GetQueryResults per second per account+region <= 5; polls per query <= 10.
Completeness: 250,000 matching events in one window, 10,000-row limit: every event exactly once.

The fake runs in a child process, as the real service runs elsewhere: in the same process its
request handling would share trailq's interpreter lock and be timed as client work.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A script, not a test: pytest's pythonpath setting does not apply, so the fake's folder is added here.
sys.path.insert(0, str(ROOT / "tests" / "aws"))

from fakelogs import FakeLogs, FakeServer  # noqa: E402

import trailq.aws as aws  # noqa: E402
from trailq.timerange import TimeRange  # noqa: E402

REGIONS = (
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
    "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1",
    "us-east-1", "us-east-2", "us-west-1", "us-west-2",
)
ACCOUNTS = {"AKIABENCHA": "111111111111", "AKIABENCHB": "222222222222"}
T0 = 1_700_000_000
SERVICE_SECONDS = 2.0


def isolated_aws_env(folder: Path, endpoint: str) -> None:
    (folder / "config").write_text("".join(f"[profile {p}]\nregion = us-east-1\n" for p in "ab") + "[default]\nregion = us-east-1\n")
    (folder / "credentials").write_text(
        "[default]\naws_access_key_id = AKIABENCHA\naws_secret_access_key = x\n"
        "[a]\naws_access_key_id = AKIABENCHA\naws_secret_access_key = x\n"
        "[b]\naws_access_key_id = AKIABENCHB\naws_secret_access_key = x\n")
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        del os.environ[key]
    os.environ.update(AWS_CONFIG_FILE=str(folder / "config"), AWS_SHARED_CREDENTIALS_FILE=str(folder / "credentials"),
                      AWS_ENDPOINT_URL=endpoint, AWS_EC2_METADATA_DISABLED="true")


@contextmanager
def served_in_child(fake: FakeLogs):  # type: ignore[no-untyped-def]
    """Serve the fake from a forked process; yields (endpoint, calls) — calls filled in on exit.

    Both processes read the same system-wide monotonic clock, so call times compare with ours.
    """
    parent, child = multiprocessing.Pipe()

    def serve(conn) -> None:  # type: ignore[no-untyped-def]
        with FakeServer(fake) as server:
            conn.send(server.endpoint)
            conn.recv()  # the run is over
            conn.send((fake.calls, fake.throttled))

    process = multiprocessing.get_context("fork").Process(target=serve, args=(child,), daemon=True)
    process.start()
    log: dict[str, list] = {}
    try:
        yield parent.recv(), log
    finally:
        parent.send("done")
        log["calls"], log["throttled"] = parent.recv()
        process.join(10)


def window(seconds: int) -> TimeRange:
    return TimeRange(datetime.fromtimestamp(T0, timezone.utc), datetime.fromtimestamp(T0 + seconds, timezone.utc))


def fanout_run() -> dict[str, float]:
    fake = FakeLogs(service_seconds=SERVICE_SECONDS, regions=REGIONS, tps={"GetQueryResults": 10, "StartQuery": 10})
    fake.keys.update(ACCOUNTS)
    for account in ACCOUNTS.values():
        for region in REGIONS:
            fake.add_events(account, region, "CloudTrail/Default", [(T0 + 10 + i) * 1000 for i in range(20)])
    with tempfile.TemporaryDirectory() as tmp, served_in_child(fake) as (endpoint, log):
        isolated_aws_env(Path(tmp), endpoint)
        plan = aws.AwsPlan(profiles=("a", "b"), regions=("all",), log_groups=("CloudTrail/Default",))
        started, started_mono = time.perf_counter(), time.monotonic()
        outcome = aws.run([("console-logins", "fields @timestamp, @message")], plan, window(3600))
        wall = time.perf_counter() - started
    assert outcome.exit_code == 0 and len(outcome.results) == 34, outcome
    assert all(len(r.rows) == 20 for r in outcome.results)
    calls = log["calls"]
    polls = Counter((a, r) for _, a, r, action in calls if action == "GetQueryResults")
    per_second = Counter((a, r, int(t)) for t, a, r, action in calls if action == "GetQueryResults")
    first_start = min(t for t, _, _, action in calls if action == "StartQuery")
    last_start = max(t for t, _, _, action in calls if action == "StartQuery")
    return {
        "targets": len(outcome.results),
        "wall_seconds": round(wall, 2),
        "wall_over_one_query": round(wall / SERVICE_SECONDS, 2),
        "max_get_query_results_per_second_per_target": max(per_second.values()),
        "max_polls_per_query": max(polls.values()),
        "throttled_calls": len(log["throttled"]),
        "setup_seconds_before_first_start_query": round(first_start - started_mono, 2),
        "seconds_from_first_to_last_start_query": round(last_start - first_start, 2),
    }


def completeness_run(events: int = 250_000, limit: int = 10_000) -> dict[str, float]:
    fake = FakeLogs(service_seconds=0.0, regions=("us-east-1",))
    fake.keys.update(ACCOUNTS)
    seconds = 3600
    fake.add_events("111111111111", "us-east-1", "CloudTrail/Default", [T0 * 1000 + (i * seconds * 1000) // events for i in range(events)])
    with tempfile.TemporaryDirectory() as tmp, served_in_child(fake) as (endpoint, log):
        isolated_aws_env(Path(tmp), endpoint)
        plan = aws.AwsPlan(profiles=("a",), regions=("us-east-1",), log_groups=("CloudTrail/Default",), limit=limit,
                           rates={"StartQuery": 3.0, "GetQueryResults": 5.0})
        started = time.perf_counter()
        outcome = aws.run([("all-events", "fields @timestamp, @message")], plan, window(seconds))
        wall = time.perf_counter() - started
    result = outcome.results[0]
    ptrs = [r["@ptr"] for r in result.rows]
    return {
        "events": events,
        "rows": len(ptrs),
        "unique_rows": len(set(ptrs)),
        "exactly_once": len(ptrs) == len(set(ptrs)) == events,
        "start_query_calls": sum(1 for c in log["calls"] if c[3] == "StartQuery"),
        "truncated": result.truncated,
        "wall_seconds": round(wall, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fanout", action="store_true", help="only the fan-out run")
    args = parser.parse_args()
    print("fan-out (17 regions x 2 accounts, 2 s per query):", fanout_run())
    if not args.fanout:
        print("completeness (250,000 events, limit 10,000):", completeness_run())


if __name__ == "__main__":
    main()
