"""`--engine duckdb` against the interpreter and against hand-written DuckDB SQL, same file, same run.

Usage: .venv/bin/python bench/sql_engine.py [--data bench/data/trail.jsonl] [--repeat 3]
The three queries and the hand-written SQL are bench/run.py's. Each side runs in a child process
(start-up included, as a user sees it); best of --repeat, the sides alternating so that a burst of
load on the shared machine hits them alike. DuckDB uses 2 threads on both DuckDB sides.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# Run as a script: its folder (bench/) is first on sys.path.
from run import DUCKDB_SQL, QUERIES, timed


def child(kind: str, key: str, data: str) -> None:
    if kind == "hand":
        import duckdb

        connection = duckdb.connect()
        connection.execute("SET threads = 2")
        print(len(connection.execute(DUCKDB_SQL[key].replace("{path}", data)).fetchall()))
        return
    from trailq.lang import parse

    if kind == "engine":
        from trailq.sql.duckdb_run import run_duckdb

        result = run_duckdb(parse(QUERIES[key]), name="bench", sources=[data], time_range=None)
    else:
        from trailq.engine import run_local

        result = run_local(parse(QUERIES[key]), name="bench", sources=[data], time_range=None)
    print(len(result.rows), int(result.coverage.records_read or result.statistics.records_scanned))


def in_process(data: str, repeat: int) -> None:
    """The SQL alone: hand-written SQL and run_duckdb alternating in one process, after the imports."""
    import time

    import duckdb

    from trailq.lang import parse
    from trailq.sql.duckdb_run import run_duckdb

    print("| query | --engine duckdb s | hand-written DuckDB s | engine/hand |")
    print("|---|---|---|---|")
    for key in QUERIES:
        best = {"engine": float("inf"), "hand": float("inf")}
        for _ in range(repeat):
            connection = duckdb.connect()
            connection.execute("SET threads = 2")
            started = time.perf_counter()
            connection.execute(DUCKDB_SQL[key].replace("{path}", data)).fetchall()
            best["hand"] = min(best["hand"], time.perf_counter() - started)
            connection.close()
            started = time.perf_counter()
            run_duckdb(parse(QUERIES[key]), name="bench", sources=[data], time_range=None)
            best["engine"] = min(best["engine"], time.perf_counter() - started)
        print(f"| ({key}) | {best['engine']:.2f} | {best['hand']:.2f} | {best['engine'] / best['hand']:.2f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(Path(__file__).parent / "data" / "trail.jsonl"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "KEY"))
    parser.add_argument("--in-process", action="store_true", help="Time the queries alone (imports excluded).")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.data)
        return
    if args.in_process:
        in_process(args.data, args.repeat)
        return
    print(f"data: {args.data} ({os.path.getsize(args.data) / 1e9:.2f} GB), cores: {len(os.sched_getaffinity(0))}")
    print("| query | interpreter s | --engine duckdb s | hand-written DuckDB s | engine/hand | interpreter/engine | rows (engine, hand) |")
    print("|---|---|---|---|---|---|---|")
    for key in QUERIES:
        best: dict[str, tuple[float, float, str]] = {}
        for _ in range(args.repeat):
            for kind in ("engine", "hand", "interpreter"):
                measured = timed([sys.executable, __file__, "--data", args.data, "--child", kind, key])
                if kind not in best or measured[0] < best[kind][0]:
                    best[kind] = measured
        e, h, i = best["engine"], best["hand"], best["interpreter"]
        print(f"| ({key}) | {i[0]:.2f} | {e[0]:.2f} | {h[0]:.2f} | {e[0] / h[0]:.2f} | {i[0] / e[0]:.1f}x | {e[2]} / {h[2]} |",
              flush=True)


if __name__ == "__main__":
    main()
