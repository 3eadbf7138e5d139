"""Runs fuzz cases through the CLI in one process (called by test_fuzz_catalogs_and_queries.py).

Input (argv[1]): a JSON file of cases, each {"args": [...], "cwd": folder or null}. Output: one
JSON line per case on stdout, {"case": i, "exit": code, "stderr": last 400 characters}, flushed as
it goes, so a case that hangs is the one after the last line printed. faulthandler dumps every
thread's stack if the whole batch runs past its bound, to show where.
"""

from __future__ import annotations

import faulthandler
import json
import os
import sys
from pathlib import Path

from click.testing import CliRunner

from trailq import cli


def main() -> None:
    cases = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    faulthandler.dump_traceback_later(float(sys.argv[2]), exit=True)
    home = os.getcwd()
    for i, case in enumerate(cases):
        os.chdir(case.get("cwd") or home)
        result = CliRunner().invoke(cli.main, case["args"], catch_exceptions=True)
        code = result.exit_code
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            code = 70  # an exception escaped the command group: as bad as a bug report
        print(json.dumps({"case": i, "exit": code, "stderr": result.stderr[-400:]}), flush=True)
        os.chdir(home)


if __name__ == "__main__":
    main()
