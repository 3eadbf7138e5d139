"""What the worker processes cost and give: start-up per worker, and a CPU-bound query on 1..N cores.

    .venv/bin/python bench/workers.py [--data bench/data/trail.jsonl] [--repeat 3]

1. Start cost: the time to start a pool of N workers as scan.scan does (fork, `_worker_init`
   plans the query), hand each a trivial task and stop them, best of 5, for N = 1, 2, 4.
2. Speed-up: `stats count(*) by eventSource, eventName` (every line parsed: CPU-bound) through
   `run_local(workers=N)` in a child process for N = 1 and N = all cores (os.sched_getaffinity),
   alternating, wall seconds min / median, and the speed-up of the medians.
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

QUERY = "stats count(*) by eventSource, eventName"


def _noop(value: int) -> int:
    return value


def start_cost() -> None:
    scan = importlib.import_module("trailq.engine.scan")
    from trailq.engine.events import ReadOptions
    from trailq.engine.expressions import RunContext
    from trailq.engine.interpreter import plan_query
    from trailq.lang import parse

    query = parse(QUERY)
    plan = plan_query(query, RunContext(query=query, now_ms=0))
    context = multiprocessing.get_context("fork")
    for workers in (1, 2, 4):
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            with context.Pool(workers, initializer=scan._worker_init, initargs=(plan.query, plan.context, ReadOptions())) as pool:
                pool.map(_noop, range(workers), chunksize=1)
            best = min(best, time.perf_counter() - started)
        print(f"pool of {workers}: start, one task each, stop: {best * 1000:.1f} ms ({best * 1000 / workers:.1f} ms a worker)")


def one_run(data: str, workers: int) -> float:
    code = (
        "from trailq.engine import run_local; from trailq.lang import parse; "
        f"run_local(parse({QUERY!r}), name='b', sources=[{data!r}], time_range=None, workers={workers})"
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(Path(__file__).parent / "data" / "trail.jsonl"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    print(f"cores: {cores}, load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    start_cost()
    times: dict[int, list[float]] = {1: [], cores: []}
    for _ in range(args.repeat):
        for workers in times:
            times[workers].append(one_run(args.data, workers))
    for workers, runs in times.items():
        print(f"`{QUERY}` with {workers} worker(s): {min(runs):.2f} s min, {statistics.median(runs):.2f} s median")
    if cores > 1:
        print(f"speed-up of the medians on {cores} cores: {statistics.median(times[1]) / statistics.median(times[cores]):.2f}x")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
