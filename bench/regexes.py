"""Regex engines on log data: Python's backtracking `re` against RE2 (engine/regexes.py).

Usage: .venv/bin/python bench/regexes.py [--src OLD_SRC]

1. A catastrophic pattern, `(a+)+$`, on n `a`s and a `!`: `re` doubles its time with every
   character (measured for small n only), RE2 stays linear (measured up to 100,000 characters).
2. The per-match cost of ordinary patterns on a 350-byte CloudTrail-like record.
3. End to end: `trailq run --sample` with a `like /regex/` filter, this checkout against `--src`
   (an export of an older commit's src/, run with PYTHONPATH), best of 3 wall seconds.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time

from trailq.engine.regexes import compile_user_regex

RECORD = ('{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice"},'
          '"eventTime":"2026-11-20T10:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin",'
          '"userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0"}')
PATTERNS = [r"Chrome/\d+", r"(?i)consolelogin", r"^arn:aws:iam::\d+:root$", r"Mozilla"]
QUERY = r"filter userAgent like /Chrome\/1\d\d/ or eventName =~ /^Get.*Value$/ | stats count(*) as n"


def seconds(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def catastrophic() -> None:
    print("| n | `re` s | RE2 s |")
    print("|---|---|---|")
    slow = re.compile(r"(a+)+$")
    fast = compile_user_regex(r"(a+)+$")
    for n in (16, 18, 20, 22, 41, 100_000):
        text = "a" * n + "!"
        old = f"{seconds(lambda text=text: slow.search(text)):.3f}" if n <= 22 else "(not run: ~2^n)"
        print(f"| {n:,} | {old} | {seconds(lambda text=text: fast.test(text), 3):.6f} |", flush=True)


def per_match(count: int = 200_000) -> None:
    print("\n| pattern | `re` µs/match | RE2 µs/match |")
    print("|---|---|---|")
    for pattern in PATTERNS:
        old, new = re.compile(pattern), compile_user_regex(pattern)
        a = seconds(lambda old=old: [old.search(RECORD) for _ in range(count)], 3) / count * 1e6
        b = seconds(lambda new=new: [new.test(RECORD) for _ in range(count)], 3) / count * 1e6
        print(f"| `{pattern}` | {a:.2f} | {b:.2f} |", flush=True)


def end_to_end(src: str | None) -> None:
    print(f"\n`trailq run --sample --query '{QUERY}'`, best of 3 wall seconds:\n")
    print("| trailq | s |")
    print("|---|---|")
    for label, path in (("this checkout (RE2)", None), ("--src (re)", src)):
        if label.startswith("--src") and not path:
            continue
        env = dict(os.environ)
        if path:
            env.update(PYTHONPATH=path, PYTHONDONTWRITEBYTECODE="1")
        run = lambda env=env: subprocess.run([sys.executable, "-m", "trailq", "run", "--sample", "--query", QUERY],
                                     env=env, capture_output=True, check=True)
        print(f"| {label} | {seconds(run, 3):.2f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", help="an older checkout's src/ (with Python's re) for the end-to-end comparison")
    args = parser.parse_args()
    catastrophic()
    per_match()
    end_to_end(args.src)


if __name__ == "__main__":
    main()
