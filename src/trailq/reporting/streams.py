"""The command line's stdout: a closed or full stdout is an error that names it, a broken pipe is quiet.

Used by cli/base.py (the command group wraps sys.stdout for every command) and cli/run.py (data goes
out through `write_stdout`, byte for byte). Decisions in docs/semantics.md, "Output files and streams".
"""

from __future__ import annotations

import os
import sys
from typing import Any

from trailq import errors

# A reader that went away (`trailq run ... | head -1`): exit as a process killed by SIGPIPE would
# (128 + 13), silently; the output is incomplete, so `set -o pipefail` should see it (docs/ci.md).
EXIT_BROKEN_PIPE = 141


class GuardedStdout:
    """sys.stdout for the commands: a closed or failing stdout becomes a WriteFailedError (exit 5).

    `trailq list >&-` starts with no stdout at all (Python sets sys.stdout to None, and click.echo
    then drops the text silently); `> /dev/full` fails on flush. Either way the data is lost, which
    must be said. A broken pipe stays BrokenPipeError, handled by the group.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _failed(self, exc: OSError | None) -> errors.WriteFailedError:
        why = "it is closed" if exc is None else (exc.strerror or str(exc))
        return errors.WriteFailedError(f"cannot write to stdout: {why}")

    def write(self, text: str) -> int:
        if self._stream is None:
            raise self._failed(None)
        try:
            written: int = self._stream.write(text)
            return written
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._failed(exc) from None

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._failed(exc) from None

    def isatty(self) -> bool:
        return self._stream is not None and self._stream.isatty()

    def __getattr__(self, name: str) -> Any:
        if self._stream is None:
            raise AttributeError(name)
        return getattr(self._stream, name)


def write_stdout(text: str) -> None:
    """Data to stdout as it is (click.echo would strip escape sequences from piped output)."""
    sys.stdout.write(text)
    sys.stdout.flush()


def silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass
