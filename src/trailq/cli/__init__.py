"""Command line: thin. Options → library calls → render → exit code.

`main` is the `trailq` click group (base.py: error handling, where every TrailqError becomes one
message, plus a hint, on stderr and its exit code, and any other exception a short bug report; the
options the commands share). Importing the command modules registers their commands on it, so
`trailq.cli:main` has every command. Nothing below the command line prints or exits.
"""

# First: base guards Ctrl-C while the rest of the command line is imported.
from trailq.cli.base import main

# isort: split
from trailq.cli import commands, run, sql  # noqa: F401  (importing registers the commands on main)

__all__ = ["main"]
