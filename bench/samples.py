"""AWS's published sample queries (and the slow shapes of issue 16) on the bundled sample trail.

Usage: .venv/bin/python bench/samples.py [--old] [--timeout SECONDS] [--repeat N]

Each query runs in its own child process (run_local over the sample trail, all cores), timed
wall-clock, best of N. With --old each query also runs with the compilations this issue replaced
(globs as chains of lazy regex groups, yes/no regexes searched as written), killed after
--timeout seconds, for a before/after table. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time

# Written from the CloudWatch Logs "Sample queries" page (general, CloudTrail, Lambda shapes) and
# the three queries issue 16 measured; the sample trail is CloudTrail, so @message is a JSON record.
QUERIES = {
    "recent-25": "fields @timestamp, @message | sort @timestamp desc | limit 25",
    "exceptions-per-hour": "filter @message like /Exception/ | stats count(*) as exceptionCount by bin(1h) | sort exceptionCount desc",
    "not-exception": "fields @message | filter @message not like /Exception/ | stats count(*)",
    "glob-3-stars": 'FIELDS @message | PARSE @message "* [*] *" as loggingTime, loggingType, loggingMessage '
    '| FILTER loggingType IN ["ERROR", "INFO"] | DISPLAY loggingMessage, loggingType = "ERROR" as isError',
    "glob-5-stars": 'parse @message "*:*:*:*:*" as a, b, c, d, e | stats count(*) by e',
    "glob-5-stars-no-match": 'parse @message "*=*;*=*;*" as a, b, c, d, e | stats count(*) by a',
    "not-like-dotplus": "filter @message not like /.+Waiting.+/ | stats count(*)",
    "like-plain": "filter @message not like /Waiting/ | stats count(*)",
    "cloudtrail-by-service": "stats count(*) by eventSource, eventName, awsRegion",
    "cloudtrail-start-stop": 'filter (eventName="StartInstances" or eventName="StopInstances") and awsRegion="us-east-2"',
    "cloudtrail-update-trail": 'filter eventName="UpdateTrail" and ispresent(errorCode) | stats count(*) by errorCode, errorMessage',
    "cloudtrail-tls": 'filter tlsDetails.tlsVersion in [ "TLSv1", "TLSv1.1" ] | stats count(*) as numOutdatedTlsCalls '
    "by eventSource | sort numOutdatedTlsCalls desc",
}


def old_glob(pattern: str) -> re.Pattern[str]:
    pieces = pattern.split("*")
    out = re.escape(pieces[0])
    for i, piece in enumerate(pieces[1:], start=1):
        out += ("(.*)" if i == len(pieces) - 1 and piece == "" else "(.*?)") + re.escape(piece)
    return re.compile(out, re.DOTALL)


def old_search(pattern: str, compile_regex):  # type: ignore[no-untyped-def]
    search = compile_regex(pattern).search
    return lambda text: search(text) is not None


def run_one(key: str, old: bool) -> None:
    from trailq import engine
    from trailq.engine import expressions, interpreter
    from trailq.lang import parse

    if old:
        interpreter.compile_glob = old_glob  # type: ignore[assignment]
        expressions.search_test = old_search  # type: ignore[assignment]
    result = engine.run_local(parse(QUERIES[key]), name=key, sources=engine.sample_sources(), time_range=None)
    print(len(result.rows), int(result.statistics.records_scanned))


def timed(key: str, old: bool, timeout: float) -> tuple[float | None, str]:
    command = [sys.executable, __file__, "--one", key] + (["--old"] if old else [])
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None, ""
    return time.perf_counter() - started, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--one")
    parser.add_argument("--old", action="store_true")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if args.one:
        run_one(args.one, args.old)
        return
    print("| query | rows, records | trailq s | before s |")
    print("|---|---|---|---|")
    for key in QUERIES:
        runs = [timed(key, False, args.timeout) for _ in range(args.repeat)]
        best = min((s for s, _ in runs if s is not None), default=None)
        before = "-"
        if args.old:
            seconds, _ = timed(key, True, args.timeout)
            before = f"> {args.timeout:.0f}" if seconds is None else f"{seconds:.2f}"
        now = f"> {args.timeout:.0f}" if best is None else f"{best:.2f}"
        print(f"| {key} | {runs[0][1] or '-'} | {now} | {before} |", flush=True)


if __name__ == "__main__":
    main()
