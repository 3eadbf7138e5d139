"""Which files a run reads, and as what.

`collect_sources`: `--source` paths, folders and globs turned into a list of files, each once, with
CloudTrail digest files left out (they are written next to the logs but hold no events), and
every folder or file a walk could not reach reported as a gap.
`sniff`: whether an input is JSON lines or one JSON document, from its first lines.
"""

from __future__ import annotations

import errno
import fnmatch
import glob
import io
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeGuard

import orjson

from trailq.engine.decode import is_json_object
from trailq.errors import UsageError
from trailq.result import Gap

# CloudTrail writes digest files (log file validation) next to the logs, under
# AWSLogs/<account>/CloudTrail-Digest/<region>/..., named <account>_CloudTrail-Digest_<region>_...
DIGEST_FOLDER = "CloudTrail-Digest"
_DIGEST_NAME_PART = "_CloudTrail-Digest_"
_DIGEST_KEYS = ("digestStartTime", "digestEndTime", "logFiles")


@dataclass
class SourceFiles:
    """The files to read, each once in first-seen order; the digest files left out; what a folder
    walk could not reach or left out (gaps), and folders reached twice through symbolic links."""

    files: list[str] = field(default_factory=list)
    found_digests: list[str] = field(default_factory=list)  # met walking a folder or matching a glob
    named_digests: list[str] = field(default_factory=list)  # named with --source
    gaps: list[Gap] = field(default_factory=list)
    walked_twice: list[str] = field(default_factory=list)  # symbolic links to a folder already walked
    gap_keys: set[str] = field(default_factory=set)  # resolved paths of file gaps: each reported once

    def file_gap(self, path: str, reason: str) -> None:
        """A file met in a folder or by a glob that is not read: once, however many ways reach it
        (a `**` glob through a link to an ancestor meets the same FIFO at every depth)."""
        key = os.path.realpath(path)
        if key not in self.gap_keys:
            self.gap_keys.add(key)
            self.gaps.append(Gap("file", path, reason))

    def warnings(self) -> list[str]:
        out: list[str] = []
        if self.found_digests:
            shown = ", ".join(self.found_digests[:3]) + (" ..." if len(self.found_digests) > 3 else "")
            out.append(
                f"skipped {len(self.found_digests)} CloudTrail digest file(s) found in the sources "
                f"(log file validation digests list log files, they hold no events): {shown}"
            )
        if self.named_digests:
            out.append(
                f"skipped {len(self.named_digests)} CloudTrail digest file(s) named with --source "
                f"(log file validation digests hold no events): {', '.join(self.named_digests)}"
            )
        if self.gaps:
            shown = "; ".join(f"{g.where}: {g.reason}" for g in self.gaps[:MAX_LISTED])
            more = f" (and {len(self.gaps) - MAX_LISTED} more)" if len(self.gaps) > MAX_LISTED else ""
            out.append(f"skipped {len(self.gaps)} folder(s) or file(s) in the sources: {shown}{more}")
        if self.walked_twice:
            out.append(
                "not walked again (a symbolic link to a folder already walked; each file is read once): "
                + ", ".join(self.walked_twice[:MAX_LISTED])
            )
        return out


MAX_LISTED = 20


def is_digest_path(path: str) -> bool:
    """A CloudTrail digest by its S3 key: in a `CloudTrail-Digest` folder or named `..._CloudTrail-Digest_...`."""
    parts = path.replace(os.sep, "/").split("/")
    return DIGEST_FOLDER in parts[:-1] or _DIGEST_NAME_PART in parts[-1]


def is_single_record(parsed: object) -> TypeGuard[dict[str, Any]]:
    """A parsed JSON value that is one record, not a wrapper of many (an S3 object's `Records`, an
    export's `events`): the test every reader makes before building one event from a line."""
    return isinstance(parsed, dict) and "Records" not in parsed and "events" not in parsed


def is_digest_record(record: dict[str, Any]) -> bool:
    """A CloudTrail digest by its content: digest times and a list of log files, no event time or Records."""
    return all(key in record for key in _DIGEST_KEYS) and "eventTime" not in record and "Records" not in record


def collect_sources(sources: Iterable[str]) -> SourceFiles:
    """Paths, folders and globs → files, in a stable order; ``-`` stays ``-`` (rules: semantics.md).

    Each file is read once (compared by resolved path, so `a.json`, `./a.json` and a symlink to it
    are one file; the first mention keeps its place), and stdin once. Digest files are left out.
    A folder is walked with its subfolders, following symbolic links (a folder reached twice is
    walked once); in a folder every regular file is read, whatever its name (the reader decides
    by its bytes what it is). What cannot be listed or reached, and files that are not regular
    files (FIFOs, sockets, devices, which could block a walk), are `gaps`. A FIFO, `/dev/fd/N`
    or a device named with --source is read as a stream.
    """
    collected = SourceFiles()
    seen: set[str] = set()
    walked: set[tuple[int, int]] = set()

    def add(path: str, named: bool) -> None:
        key = "-" if path == "-" else os.path.realpath(path)
        if key in seen:
            return
        seen.add(key)
        if path != "-" and is_digest_path(path):
            (collected.named_digests if named else collected.found_digests).append(path)
            return
        collected.files.append(path)

    for source in sources:
        if source == "-":
            add("-", True)
            continue
        try:
            mode = os.stat(source).st_mode
        except OSError as exc:
            if glob.has_magic(source) and not os.path.lexists(source):
                _add_glob(source, collected, add, walked)
                continue
            raise UsageError(f"--source {source}: {_why_missing(source, exc)}") from None
        if stat.S_ISDIR(mode):
            _walk(source, collected, add, walked)
        else:
            add(source, True)
    return collected


def expand_sources(sources: Iterable[str]) -> list[str]:
    """The files `collect_sources` reads (digest files left out)."""
    return collect_sources(sources).files


Add = Callable[[str, bool], None]


def _add_glob(pattern: str, collected: SourceFiles, add: Add, walked: set[tuple[int, int]]) -> None:
    # Python's glob passes over folders it cannot list without a word: look for them first.
    collected.gaps.extend(_unlistable_on_the_way(pattern))
    matches = sorted(glob.glob(pattern, recursive=True))
    if not matches and not collected.gaps:
        raise UsageError(f"--source {pattern}: the pattern matches no file")
    for match in matches:
        _add_entry(match, collected, add, walked)


def _unlistable_on_the_way(pattern: str) -> list[Gap]:
    """Folders a glob would have to list to match `pattern` but cannot (permission denied).

    From the pattern's fixed leading folder, down as many levels as the pattern has folder parts
    (every level under a `**`), each folder that matches the pattern's part at its level is listed."""
    parts = pattern.replace(os.sep, "/").split("/")
    fixed = 0
    while fixed < len(parts) - 1 and not glob.has_magic(parts[fixed]):
        fixed += 1
    root = "/".join(parts[:fixed]) or ("/" if pattern.startswith("/") else ".")
    folder_parts = parts[fixed:-1]  # the last part names files (or folders to walk, listed later)
    gaps: list[Gap] = []
    seen: set[tuple[int, int, int]] = set()  # (device, inode, level) listed: a link to an ancestor is listed once

    def visit(folder: str, level: int) -> None:
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino, level) in seen:
                return
            seen.add((info.st_dev, info.st_ino, level))
            with os.scandir(folder) as listing:
                subfolders = sorted(e.path for e in listing if _is_folder(e))
        except OSError as exc:
            gaps.append(Gap("folder", folder, f"cannot be listed: {exc.strerror or exc}"))
            return
        if level >= len(folder_parts):
            return
        part = folder_parts[level]
        for sub in subfolders:
            if part == "**":
                visit(sub, level)  # `**` matches any depth: every folder below is listed
            elif fnmatch.fnmatchcase(os.path.basename(sub), part):
                visit(sub, level + 1)

    if os.path.isdir(root):
        visit(root, 0)
    return gaps


def _folder_identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of the folder `path` leads to, resolving its links one by one (a path with
    more links than the system follows at once); None when it leads to no folder."""
    try:
        info = os.stat(os.path.realpath(path))
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISDIR(info.st_mode) else None


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """A folder or a link to one. A link loop or a broken link is not (the folder holding it is
    listed fine; the entry itself is reported when a pattern matches it)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _why_missing(path: str, exc: OSError) -> str:
    """A path that cannot be read: a loop, a broken link and a missing path are different things."""
    if exc.errno == errno.ELOOP:
        return "a symbolic link loop (following its links leads back to a link already followed)"
    if os.path.islink(path):
        return f"a broken symbolic link (its target {os.readlink(path)} does not exist)"
    if exc.errno == errno.ENOENT:
        return "no such file or folder"
    return f"cannot be reached: {exc.strerror or exc}"


def _walk(folder: str, collected: SourceFiles, add: Add, walked: set[tuple[int, int]]) -> None:
    """A folder's files (sorted), then its subfolders, depth first; symbolic links followed."""
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            info = os.stat(current)
        except OSError as exc:
            collected.gaps.append(Gap("folder", current, f"cannot be reached: {exc.strerror or exc}"))
            continue
        key = (info.st_dev, info.st_ino)
        if key in walked:
            collected.walked_twice.append(current)
            continue
        walked.add(key)
        try:
            with os.scandir(current) as listing:
                names = sorted(entry.name for entry in listing)
        except OSError as exc:
            collected.gaps.append(Gap("folder", current, f"cannot be listed: {exc.strerror or exc}"))
            continue
        subfolders = [path for path in (os.path.join(current, name) for name in names)
                      if _add_entry(path, collected, add, walked, walk=False)]
        pending.extend(reversed(subfolders))


def _add_entry(path: str, collected: SourceFiles, add: Add, walked: set[tuple[int, int]], walk: bool = True) -> bool:
    """One path met in a folder or by a glob: a regular file is added, anything unreadable is a
    gap; True for a folder (walked here when `walk`, else left to the caller)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP and _folder_identity(path) in walked:
            # A `**` glob followed a link to an ancestor until the system's limit on links in one
            # path: the folder was already walked through a shorter path (not a gap, as in a walk).
            collected.walked_twice.append(os.path.dirname(path))
            return False
        collected.file_gap(path, _why_missing(path, exc))
        return False
    if stat.S_ISDIR(mode):
        if walk:
            _walk(path, collected, add, walked)
        return True
    if stat.S_ISREG(mode):
        add(path, False)
    else:
        collected.file_gap(path, f"not a regular file ({_file_type(mode)}): left out of folder walks "
                                 "and globs, where it could block; name it with --source to read it as a stream")
    return False


def _file_type(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


# How many lines after a broken first line are looked at for a complete record (see `sniff`).
SNIFF_LINES = 8


def sniff(readline: Callable[[], bytes]) -> tuple[bytes, bool]:
    """Read the head of an input and decide whether it is JSON lines (the rule in semantics.md).

    Returns the bytes read, to be read again by the chosen reader (so line numbers stay right),
    and whether the input is JSON lines:
    - the first non-blank line is a complete JSON object: JSON lines;
    - it is other valid JSON (an array or a value on one line): one document;
    - it is not valid JSON (a file cut by `tail -c`, a pretty-printed document's opening): JSON
      lines when one of the next SNIFF_LINES non-blank lines is a complete object that is not
      followed by a line starting with `]`. In a pretty-printed document a line can only hold a
      whole object as an array's last element (the others end with a comma), and `]` follows it.
    Anything else is one document, read whole.
    """
    head = bytearray()  # one buffer: a list of 50 million blank lines took 4.6 GB (a 51 kB gzip)

    started = False  # a line that is not blank was read

    def next_body() -> bytes | None:
        nonlocal started
        while True:
            if not started and len(head) > SNIFF_BLANK_BYTES:
                raise _OnlyBlank
            line = readline()
            if not line:
                return None
            head.extend(line)
            body = line.strip()
            if body:
                started = True
                return body

    try:
        lines = _decide(next_body)
    except _OnlyBlank:
        # An input that starts with megabytes of blank lines: no document starts that way; blank
        # lines are valid JSON lines, and the line reader goes on from here in bounded blocks.
        lines = True
    return bytes(head), lines


# sniff stops looking past this much blank text (see `sniff`).
SNIFF_BLANK_BYTES = 1 << 20


class _OnlyBlank(Exception):
    pass


def _decide(next_body: Callable[[], bytes | None]) -> bool:
    """Whether the input is JSON lines, by the rules of `sniff`."""
    body = next_body()
    if body is None:
        return False
    if is_json_object(body):  # the common case, validated without building the object
        return True
    first = _loads_or_none(body)
    if first is not None:
        # A complete value that is not an object (`"x"`, `42`, `[]`): one document only when
        # nothing follows it (anything after a complete value would make the document invalid).
        return isinstance(first, dict) or next_body() is not None
    for _ in range(SNIFF_LINES):
        body = next_body()
        if body is None:
            break
        if isinstance(_loads_or_none(body), dict):
            after = next_body()
            return after is None or not after.startswith(b"]")
    return False


def holds_json_lines(data: bytes) -> bool:
    """Whether text that is not one JSON document holds JSON lines: sniff's rule for a broken first
    line (a line that is a complete object, not followed by a line starting with `]`), applied to
    every line rather than the first few. A pretty-printed document never qualifies (see `sniff`)."""
    found = False
    for line in io.BytesIO(data):  # line by line, without a copy of the whole text
        body = line.strip()
        if not body:
            continue
        if found and not body.startswith(b"]"):
            return True
        found = body.startswith(b"{") and body.endswith(b"}") and isinstance(_loads_or_none(body), dict)
    return found


def _loads_or_none(body: bytes) -> object:
    """The line's JSON value, or None when it is not valid JSON (a JSON `null` line counts as broken)."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
