"""Time loading a large catalog: `trailq show` of one query from an N-query ./queries.yaml.

Usage: .venv/bin/python bench/catalog_load.py [--sizes 2500,5000,10000,20000] [--src PATH] [--repeat N]

Each size is written to a temporary folder as ./queries.yaml (inline `query: |` block scalars, a
tag and a parameter per query, the shape of a real catalog), and `python -m trailq show q1` runs
there as a child process; the best wall time of --repeat runs is printed as a Markdown table, with
seconds per 1,000 queries so a quadratic step shows as a growing figure. `--src` runs another
checkout's `src/` (e.g. an export of an older commit) with this interpreter, for a before/after.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def catalog_text(count: int) -> str:
    lines = ["version: 1", "queries:"]
    for i in range(count):
        lines += [
            f"  q{i}:",
            f"    description: query number {i}",
            "    tags: [bulk]",
            "    params:",
            "      user: {type: string, default: \"\", description: only this user}",
            "    query: |",
            f"      filter eventName = \"Event{i}\" and userIdentity.userName like {{{{user}}}}",
            "      | fields @timestamp, eventName, sourceIPAddress",
            "      | sort @timestamp desc",
        ]
    return "\n".join(lines) + "\n"


def time_show(folder: Path, src: str | None, repeat: int) -> float:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "trailq", "show", "q1"], cwd=folder, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"trailq show failed: {done.stderr[-500:]}")
        best = min(best, elapsed)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="2500,5000,10000,20000")
    parser.add_argument("--src", help="another checkout's src/ folder to time instead of the installed trailq")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print("| queries | file MB | `trailq show q1` s | s per 1,000 queries |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for count in (int(n) for n in args.sizes.split(",")):
            folder = Path(tmp) / str(count)
            folder.mkdir()
            text = catalog_text(count)
            (folder / "queries.yaml").write_text(text)
            seconds = time_show(folder, args.src, args.repeat)
            print(f"| {count:,} | {len(text) / 1e6:.1f} | {seconds:.2f} | {seconds / count * 1000:.3f} |", flush=True)


if __name__ == "__main__":
    main()
