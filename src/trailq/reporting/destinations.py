"""Where a run writes (`--output`, `--junit`, `--state`), checked against what it reads (`--source`).

Checked before anything runs (exit 2), so that a run never destroys or re-reads the user's data:

- a destination that *is* a `--source` file (or a file a `--source` glob matches) is refused: the
  run would replace the records it reads;
- two destinations naming the same file (`--output r.xml --junit r.xml`) are refused: one would
  overwrite the other;
- a destination inside a `--source` folder, or one a `--source` glob would match once written, is
  refused unless `--allow-output-in-source`: the next run over that folder would read the report
  back as records (or warn about it as unreadable input).

`-` (stdout or stdin) is never a file here. Paths are compared resolved (symlinks, `..`), so
`./trail/../trail/a.json` and a link to `a.json` are the same file.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Mapping
from fnmatch import fnmatch

from trailq.errors import UsageError

ALLOW_FLAG = "--allow-output-in-source"
_GLOB_CHARS = frozenset("*?[")


def check_destinations(
    destinations: Mapping[str, str | None],
    sources: Iterable[str],
    *,
    allow_in_source: bool = False,
) -> None:
    """Raise UsageError naming both flags when a destination collides with a source or another destination.

    `destinations` maps a flag (`--output`) to its path (None or `-`: not a file, nothing to check).
    """
    named = {flag: path for flag, path in destinations.items() if path not in (None, "", "-")}
    _refuse_the_same_file_twice(named)
    for source in sources:
        if source == "-":
            continue
        for flag, path in named.items():
            _check_one(flag, path, source, allow_in_source)


def _refuse_the_same_file_twice(named: Mapping[str, str]) -> None:
    seen: dict[str, str] = {}
    for flag, path in named.items():
        key = os.path.realpath(path)
        if key in seen:
            raise UsageError(
                f"{flag} {path}: the same file as {seen[key]} {named[seen[key]]}; one would overwrite the other",
                hint="give each report its own file",
            )
        seen[key] = flag


def _check_one(flag: str, path: str, source: str, allow_in_source: bool) -> None:
    target = os.path.realpath(path)
    if _is_glob(source) and not os.path.exists(source):
        matches = glob.glob(source, recursive=True)
        if any(os.path.realpath(m) == target for m in matches if os.path.isfile(m)):
            raise _overwrites(flag, path, source)
        for folder in (m for m in matches if os.path.isdir(m)):
            _check_folder(flag, path, target, folder, allow_in_source)
        if not allow_in_source and (fnmatch(path, source) or fnmatch(target, os.path.abspath(source))):
            raise _read_back(flag, path, f"--source {source} matches it")
        return
    if os.path.isdir(source):
        _check_folder(flag, path, target, source, allow_in_source)
    elif os.path.exists(source) and os.path.realpath(source) == target:
        raise _overwrites(flag, path, source)


def _check_folder(flag: str, path: str, target: str, folder: str, allow_in_source: bool) -> None:
    root = os.path.realpath(folder)
    if allow_in_source or os.path.commonpath([root, target]) != root:
        return
    raise _read_back(flag, path, f"it is inside --source folder {folder}")


def _is_glob(source: str) -> bool:
    return any(ch in _GLOB_CHARS for ch in source)


def _overwrites(flag: str, path: str, source: str) -> UsageError:
    return UsageError(
        f"{flag} {path}: this is the --source file {source}; writing it would destroy the records it holds",
        hint="write the report to another file",
    )


def _read_back(flag: str, path: str, why: str) -> UsageError:
    return UsageError(
        f"{flag} {path}: {why}, so the next run over it would read this report back as records",
        hint=f"write it outside the source folders, or pass {ALLOW_FLAG} if that is what you want",
    )
