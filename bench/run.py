"""Time trailq, DuckDB (2 threads) and jq on the same JSON-lines file, in the same run.

Usage: .venv/bin/python bench/run.py [--data bench/data/trail.jsonl] [--skip-jq] [--repeat N] [--queries abc]
Each tool runs as a child process; wall time and that child's peak RSS (wait4) are reported.
trailq and DuckDB alternate, N times each (jq once); the table shows the min and the median of
the N runs, and the ratio of the mins and of the medians. The load average is printed before
and after, since other work on the machine moves every figure.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

QUERIES = {
    "a": 'filter eventName = "ConsoleLogin" | fields @timestamp, userIdentity.userName, sourceIPAddress, responseElements.ConsoleLogin',
    "b": "stats count(*) by eventSource, eventName",
    "c": "filter errorCode like /AccessDenied/ | stats count(*) as n by userIdentity.arn | sort n desc | limit 10",
}
_COLUMNS = "columns={eventTime:'VARCHAR', eventName:'VARCHAR', eventSource:'VARCHAR', sourceIPAddress:'VARCHAR', errorCode:'VARCHAR', userIdentity:'JSON', responseElements:'JSON'}"
DUCKDB_SQL = {
    "a": "SELECT eventTime, json_extract_string(userIdentity, '$.userName') AS u, sourceIPAddress, json_extract_string(responseElements, '$.ConsoleLogin') AS c FROM read_json('{path}', format='newline_delimited', " + _COLUMNS + ") WHERE eventName = 'ConsoleLogin' ORDER BY eventTime DESC",
    "b": "SELECT eventSource, eventName, count(*) FROM read_json('{path}', format='newline_delimited', " + _COLUMNS + ") GROUP BY 1, 2",
    "c": "SELECT json_extract_string(userIdentity, '$.arn') AS arn, count(*) AS n FROM read_json('{path}', format='newline_delimited', " + _COLUMNS + ") WHERE regexp_matches(errorCode, 'AccessDenied') GROUP BY 1 ORDER BY n DESC LIMIT 10",
}
JQ = {
    "a": ["jq", "-c", 'select(.eventName == "ConsoleLogin") | {eventTime, u: .userIdentity.userName, ip: .sourceIPAddress, c: .responseElements.ConsoleLogin}'],
    "b": ["jq", "-n", 'reduce inputs as $r ({}; .["\\($r.eventSource) \\($r.eventName)"] += 1)'],
    "c": ["jq", "-n", '[inputs | select((.errorCode // "") | test("AccessDenied")) | .userIdentity.arn] | group_by(.) | map({arn: .[0], n: length}) | sort_by(-.n) | .[:10]'],
}


def engine_only(query: str, data: str) -> None:
    """The trailq side: parse, run locally (all cores), print the row count."""
    from trailq.engine import run_local
    from trailq.lang import parse

    result = run_local(parse(query), name="bench", sources=[data], time_range=None)
    print(len(result.rows), int(result.statistics.records_scanned))


def duckdb_only(sql: str) -> None:
    import duckdb

    connection = duckdb.connect()
    connection.execute("SET threads = 2")
    rows = connection.execute(sql).fetchall()
    print(len(rows))


def timed(command: list[str], stdin_path: str | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB (the child and its reaped children), first output line."""
    with open(stdin_path, "rb") if stdin_path else contextlib.nullcontext(subprocess.DEVNULL) as stdin:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        output = process.stdout.read() if process.stdout else b""
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
    first = output.decode(errors="replace").strip().splitlines()
    tag = "" if os.waitstatus_to_exitcode(status) == 0 else f" (exit {os.waitstatus_to_exitcode(status)})"
    return elapsed, usage.ru_maxrss / 1024, (first[0][:60] if first else "") + tag


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(Path(__file__).parent / "data" / "trail.jsonl"))
    parser.add_argument("--skip-jq", action="store_true")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--queries", default="abc", help="which of a, b, c to run")
    parser.add_argument("--engine-only", metavar="QUERY")
    parser.add_argument("--duckdb-only", metavar="SQL")
    args = parser.parse_args()
    if args.engine_only:
        engine_only(args.engine_only, args.data)
        return
    if args.duckdb_only:
        duckdb_only(args.duckdb_only)
        return
    python = sys.executable
    print(f"data: {args.data} ({os.path.getsize(args.data) / 1e9:.2f} GB), cores: {len(os.sched_getaffinity(0))}, "
          f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| query | trailq s min / median | trailq MB | duckdb s min / median | duckdb MB | jq s | trailq/duckdb min (median) | jq/trailq |")
    print("|---|---|---|---|---|---|---|---|")
    for key in args.queries:
        query = QUERIES[key]
        ours, theirs = [], []
        for _ in range(args.repeat):
            ours.append(timed([python, __file__, "--data", args.data, "--engine-only", query]))
            theirs.append(timed([python, __file__, "--duckdb-only", DUCKDB_SQL[key].replace("{path}", args.data)]))
        best_t, best_d = min(ours), min(theirs)
        median_t, median_d = statistics.median(x[0] for x in ours), statistics.median(x[0] for x in theirs)
        j = None if args.skip_jq else timed(JQ[key], stdin_path=args.data)
        jq_text = f"{j[0]:.1f}" if j else "-"
        jq_ratio = f"{j[0] / median_t:.1f}x" if j else "-"  # against trailq's median: jq ran once
        print(
            f"| ({key}) | {best_t[0]:.2f} / {median_t:.2f} | {max(x[1] for x in ours):.0f} | {best_d[0]:.2f} / {median_d:.2f} "
            f"| {max(x[1] for x in theirs):.0f} | {jq_text} | {best_t[0] / best_d[0]:.2f} ({median_t / median_d:.2f}) | {jq_ratio} |",
            flush=True,
        )
        print(f"<!-- ({key}) trailq out: {best_t[2]} | duckdb out: {best_d[2]} -->", flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

if __name__ == "__main__":
    main()
