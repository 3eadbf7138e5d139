"""Discovery benchmark: the API calls and wall time of finding every CloudTrail log group for
2 accounts x all 17 regions, against the project's fake served from a child process.

    .venv/bin/python bench/aws/bench_discovery.py           # three rounds, figures per round

Each round opens the two accounts (STS), lists their regions (EC2 DescribeRegions), then asks every
account+region for its trails (DescribeTrails) and its CloudTrail log groups (two ListLogGroups:
name pattern and data source), through the run's default budgets. A second pass over the same
DiscoveryCache (what a run's second query group does) must make no call at all.
Target: <= 1 s for 2 x 17 regions; calls counted on the fake's side.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path

# bench_fanout (this folder: first on sys.path when run as a script) puts tests/aws on the path for fakelogs.
from bench_fanout import ACCOUNTS, REGIONS, isolated_aws_env, served_in_child
from fakelogs import FakeLogs

import trailq.aws as aws
from trailq.aws.budget import Buckets, Runtime
from trailq.aws.session import open_accounts
from trailq.aws.targets import distinct_accounts, plan_endpoints

A, B = ACCOUNTS.values()


def world() -> FakeLogs:
    """A multi-region trail in A (group in us-east-1); managed groups in 5 of B's regions."""
    fake = FakeLogs(regions=REGIONS)
    fake.keys.update(ACCOUNTS)
    fake.add_trail(A, "us-east-1", "main", "aws-cloudtrail-logs-main")
    for region in REGIONS[:5]:
        fake.add_group(B, region, "aws/cloudtrail/management-events")
    return fake


def one_round() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp, served_in_child(world()) as (endpoint, log):
        isolated_aws_env(Path(tmp), endpoint)
        plan = aws.AwsPlan(profiles=("a", "b"), regions=("all",))
        runtime = Runtime(deadline=time.monotonic() + 60)
        buckets = Buckets(plan.rates, runtime.clock)
        cache = aws.DiscoveryCache()
        started = time.perf_counter()
        accounts, _ = distinct_accounts(open_accounts(plan.profiles))
        opened = time.perf_counter()
        first = plan_endpoints(accounts, plan.regions, (), discover=True, buckets=buckets, runtime=runtime, cache=cache)
        discovered = time.perf_counter()
        second = plan_endpoints(accounts, plan.regions, (), discover=True, buckets=buckets, runtime=runtime, cache=cache)
        cached = time.perf_counter()
        # Of the discovery time, how much is botocore building one logs and one cloudtrail client per
        # account+region (fresh accounts, no call made):
        fresh, _ = distinct_accounts(open_accounts(plan.profiles))
        before_clients = time.perf_counter()
        for account in fresh:
            for region in REGIONS:
                account.client("logs", region)
                account.client("cloudtrail", region)
        clients = time.perf_counter() - before_clients
    calls = Counter(action for _, _, _, action in log["calls"])
    assert len(first.planned) == len(second.planned) == 6, first.planned
    assert all(p.failure is None for p in first.planned)
    return {
        "endpoints": len(first.planned),
        "nothing_to_search": len(first.nothing_to_search),
        "calls": dict(sorted(calls.items())),
        "calls_total": sum(calls.values()),
        "open_accounts_seconds": round(opened - started, 3),
        "discovery_seconds": round(discovered - opened, 3),
        "second_pass_seconds": round(cached - discovered, 4),
        "of_which_client_creation_seconds": round(clients, 3),
    }


def main() -> None:
    for number in range(1, 4):
        print(f"round {number} (2 accounts x {len(REGIONS)} regions):", one_round())


if __name__ == "__main__":
    main()
