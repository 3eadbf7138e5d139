"""Time every built-in catalog query on the bundled sample trail (target: each under 2 s).

    .venv/bin/python bench/signin_pack.py [--repeat N]

In-process, through `run_local`, best of N, as a Markdown table on stdout. Never part of the test run.
"""

from __future__ import annotations

import argparse
import time
from importlib import resources

from trailq import catalog, engine, lang

TARGET_SECONDS = 2.0


def sample_path() -> str:
    return str(resources.files("trailq") / "data" / "sample")


def time_query(name: str, text: str, repeat: int) -> tuple[float, int]:
    ast = lang.parse(text)
    best, rows = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        result = engine.run_local(ast, name=name, sources=[sample_path()], time_range=None)
        best = min(best, time.perf_counter() - started)
        rows = len(result.rows)
    return best, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    builtin = catalog.load(include_cwd=False)
    print("| query | best s | rows | under 2 s |")
    print("|---|---|---|---|")
    for name, query in builtin.queries.items():
        seconds, rows = time_query(name, query.render({}), args.repeat)
        print(f"| {name} | {seconds:.2f} | {rows} | {'yes' if seconds < TARGET_SECONDS else 'NO'} |")


if __name__ == "__main__":
    main()
