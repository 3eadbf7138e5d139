"""The S3 layout benchmark: many small gzip objects, as a trail writes them, against DuckDB.

    .venv/bin/python bench/s3_layout.py make [--objects 20000] [--records 25]   # ~40 s, bench/data/s3/
    .venv/bin/python bench/s3_layout.py run [--repeat 3] [--queries abc]         # the table

`make` writes AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_
<YYYYMMDDTHHmmZ>_<id>.json.gz objects, each `{"Records":[...]}` with records from bench/generate.py
(deterministic). `run` times trailq (`run_local` on the folder, all cores) and DuckDB (`read_json`
over the same files, 2 threads, `unnest` of Records) as child processes, like bench/run.py, and
prints the wall seconds and peak RSS. `engine --profile QUERY` also prints, on stderr, what
opening and decompressing every object costs alone in one process (the per-file part).
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson

# Run as a script: its folder (bench/) is first on sys.path.
from generate import ACCOUNTS, REGIONS, record
from run import timed

HERE = Path(__file__).parent

DEFAULT_ROOT = HERE / "data" / "s3"
QUERIES = {
    "a": 'filter eventName = "ConsoleLogin" | fields @timestamp, userIdentity.userName, sourceIPAddress, responseElements.ConsoleLogin',
    "b": "stats count(*) by eventSource, eventName",
    "c": "filter errorCode like /AccessDenied/ | stats count(*) as n by userIdentity.arn | sort n desc | limit 10",
}
_RECORDS = (
    "read_json('{glob}', format='auto', columns={Records: 'STRUCT(eventTime VARCHAR, eventName VARCHAR, eventSource VARCHAR, "
    "sourceIPAddress VARCHAR, errorCode VARCHAR, userIdentity JSON, responseElements JSON)[]'})"
)
_UNNESTED = "(SELECT unnest(Records, recursive := true) FROM " + _RECORDS + ")"
DUCKDB_SQL = {
    "a": "SELECT eventTime, json_extract_string(userIdentity, '$.userName'), sourceIPAddress, "
    "json_extract_string(responseElements, '$.ConsoleLogin') FROM "
    + _UNNESTED
    + " WHERE eventName = 'ConsoleLogin' ORDER BY eventTime DESC",
    "b": "SELECT eventSource, eventName, count(*) FROM " + _UNNESTED + " GROUP BY 1, 2",
    "c": "SELECT json_extract_string(userIdentity, '$.arn') AS arn, count(*) AS n FROM "
    + _UNNESTED
    + " WHERE regexp_matches(errorCode, 'AccessDenied') GROUP BY 1 ORDER BY n DESC LIMIT 10",
}


def make(root: Path, objects: int, per_object: int) -> None:
    rng = random.Random(20240501)
    start = datetime(2024, 5, 1, tzinfo=timezone.utc)
    step = timedelta(days=7) / objects
    written = 0
    for index in range(objects):
        moment = start + step * index
        account, region = ACCOUNTS[index % len(ACCOUNTS)], REGIONS[index % len(REGIONS)]
        folder = root / "AWSLogs" / account / "CloudTrail" / region / f"{moment:%Y/%m/%d}"
        folder.mkdir(parents=True, exist_ok=True)
        records = [record(rng, moment + timedelta(seconds=i)) for i in range(per_object)]
        name = f"{account}_CloudTrail_{region}_{moment:%Y%m%dT%H%MZ}_{rng.getrandbits(64):016x}.json.gz"
        body = gzip.compress(orjson.dumps({"Records": records}), compresslevel=6, mtime=0)
        (folder / name).write_bytes(body)
        written += len(body)
    print(f"wrote {objects} objects of {per_object} records ({written / 1e6:.0f} MB gzip) under {root}")


def engine_only(query: str, root: str, profile: bool) -> None:
    from trailq.engine import run_local
    from trailq.lang import parse

    if profile:
        _profile_open(root)
    result = run_local(parse(query), name="bench", sources=[root], time_range=None)
    print(len(result.rows), int(result.statistics.records_scanned))


def _profile_open(root: str) -> None:
    """Opening and decompressing every object alone (one process), for the split in the table."""
    started = time.perf_counter()
    total = 0
    for folder, _, names in os.walk(root):
        for name in names:
            with open(os.path.join(folder, name), "rb") as handle:
                total += len(gzip.GzipFile(fileobj=handle).read())
    print(f"open+gunzip alone, one process: {time.perf_counter() - started:.2f} s for {total / 1e6:.0f} MB", file=sys.stderr)


def duckdb_only(sql: str) -> None:
    import duckdb

    connection = duckdb.connect()
    connection.execute("SET threads = 2")
    print(len(connection.execute(sql).fetchall()))


def run(root: Path, repeat: int, keys: str) -> None:
    python = sys.executable
    files = sum(len(names) for _, _, names in os.walk(root))
    glob = str(root / "AWSLogs" / "*" / "CloudTrail" / "*" / "*" / "*" / "*" / "*.json.gz")
    print(f"data: {root} ({files} objects), cores: {len(os.sched_getaffinity(0))}, load: {os.getloadavg()[0]:.2f}")
    print("| query | trailq s min / median | trailq MB | duckdb s min / median | duckdb MB | trailq/duckdb (min) |")
    print("|---|---|---|---|---|---|")
    for key in keys:
        query = QUERIES[key]
        ours, theirs = [], []
        for _ in range(repeat):
            ours.append(timed([python, __file__, "engine", "--root", str(root), query]))
            theirs.append(timed([python, __file__, "duckdb", DUCKDB_SQL[key].replace("{glob}", glob)]))
        t, d = min(ours), min(theirs)
        print(
            f"| ({key}) | {t[0]:.2f} / {statistics.median(x[0] for x in ours):.2f} | {max(x[1] for x in ours):.0f} "
            f"| {d[0]:.2f} / {statistics.median(x[0] for x in theirs):.2f} | {max(x[1] for x in theirs):.0f} | {t[0] / d[0]:.2f} |",
            flush=True,
        )
        print(f"<!-- ({key}) trailq out: {t[2]} | duckdb out: {d[2]} -->", flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    made = sub.add_parser("make")
    made.add_argument("--root", default=str(DEFAULT_ROOT))
    made.add_argument("--objects", type=int, default=20_000)
    made.add_argument("--records", type=int, default=25, help="records per object")
    ran = sub.add_parser("run")
    ran.add_argument("--root", default=str(DEFAULT_ROOT))
    ran.add_argument("--repeat", type=int, default=3)
    ran.add_argument("--queries", default="abc", help="which of a, b, c to run")
    engine = sub.add_parser("engine")
    engine.add_argument("--root", default=str(DEFAULT_ROOT))
    engine.add_argument("--profile", action="store_true")
    engine.add_argument("query")
    duck = sub.add_parser("duckdb")
    duck.add_argument("sql")
    args = parser.parse_args()
    if args.command == "make":
        make(Path(args.root), args.objects, args.records)
    elif args.command == "run":
        run(Path(args.root), args.repeat, args.queries)
    elif args.command == "engine":
        engine_only(args.query, args.root, args.profile)
    else:
        duckdb_only(args.sql)


if __name__ == "__main__":
    main()
