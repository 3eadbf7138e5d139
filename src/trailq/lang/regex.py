"""Logs Insights regex literals for Python: the one conversion the language, the local engine and
the SQL compiler share (`(?<name>` → `(?P<name>`), and the check that a pattern compiles."""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

# `(?<name>` not preceded by an odd number of backslashes (an escaped `(` is not a group).
_NAMED_GROUP = re.compile(r"(?<!\\)((?:\\\\)*)\(\?<(?=[A-Za-z_])")


def regex_to_python(pattern: str) -> str:
    """A Logs Insights regex body → Python `re` syntax: `(?<name>` becomes `(?P<name>`."""
    return _NAMED_GROUP.sub(r"\1(?P<", pattern)


@lru_cache(maxsize=512)
def regex_error(pattern: str) -> str | None:
    """None when the regex compiles, else Python's message (cached: catalogs repeat patterns)."""
    try:
        with warnings.catch_warnings():
            # `[[`, `--`, `&&` in a set: Python's FutureWarning about its own future syntax reached
            # stderr as two lines of Python source; RE2 (which runs the pattern) reads them plainly.
            warnings.simplefilter("ignore", FutureWarning)
            re.compile(regex_to_python(pattern))
    except re.error as exc:
        return str(exc)
    except (RecursionError, OverflowError, ValueError) as exc:  # pathological patterns
        return str(exc) or type(exc).__name__
    return None
