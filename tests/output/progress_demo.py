"""Drive ProgressDisplay with a fake event sequence, to look at it in a real terminal.

    .venv/bin/python tests/output/progress_demo.py [--targets N] [--delay SECONDS]

Not a test (pytest does not collect it): tests/output/test_progress.py covers the logic; this
script is for checking the drawing by eye, e.g. inside tmux.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from trailq.reporting.progress import ProgressDisplay
from trailq.result import ProgressEvent, Statistics, Target

REGIONS = ["us-east-1", "us-east-2", "eu-north-1", "ap-southeast-2", "eu-west-1", "sa-east-1", "ca-central-1", "ap-south-1"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=4)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--keep", action="store_true", help="leave the final state on screen")
    args = parser.parse_args()
    rng = random.Random(7)
    display = ProgressDisplay(sys.stderr)
    jobs = [
        (query, Target("123456789012", REGIONS[i % len(REGIONS)] + ("" if i < len(REGIONS) else f"-{i}")))
        for query in ("console-logins", "root-activity")
        for i in range(args.targets)
    ]
    scanned = {job: 0.0 for job in jobs}
    started = time.monotonic()
    pending = list(jobs)
    while pending:
        job = rng.choice(pending)
        scanned[job] += rng.randint(1_000, 250_000)
        elapsed = time.monotonic() - started
        status = "Running" if scanned[job] < 1_500_000 else rng.choice(["Complete"] * 5 + ["Failed"])
        if status != "Running":
            pending.remove(job)
        display(ProgressEvent(job[0], job[1], status, Statistics(records_scanned=scanned[job]), elapsed))
        time.sleep(args.delay)
    display.close(clear=not args.keep)
    print("done", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
