"""Which files a run reads, and as what.

`collect_sources`: `--source` paths, folders and globs turned into a list of files, each once, with
CloudTrail digest files left out (they are written next to the logs but hold no events).
`sniff`: whether an input is JSON lines or one JSON document, from its first lines.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from typing import Callable, Iterable

import orjson

from trailq.errors import UsageError

_JSON_SUFFIXES = (".json", ".jsonl", ".ndjson", ".gz", ".log", ".txt")

# CloudTrail writes digest files (log file validation) next to the logs, under
# AWSLogs/<account>/CloudTrail-Digest/<region>/..., named <account>_CloudTrail-Digest_<region>_...
DIGEST_FOLDER = "CloudTrail-Digest"
_DIGEST_NAME_PART = "_CloudTrail-Digest_"
_DIGEST_KEYS = ("digestStartTime", "digestEndTime", "logFiles")


@dataclass
class SourceFiles:
    """The files to read, each once in first-seen order, and the digest files left out."""

    files: list[str] = field(default_factory=list)
    found_digests: list[str] = field(default_factory=list)  # met walking a folder or matching a glob
    named_digests: list[str] = field(default_factory=list)  # named with --source

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
        return out


def is_digest_path(path: str) -> bool:
    """A CloudTrail digest by its S3 key: in a `CloudTrail-Digest` folder or named `..._CloudTrail-Digest_...`."""
    parts = path.replace(os.sep, "/").split("/")
    return DIGEST_FOLDER in parts[:-1] or _DIGEST_NAME_PART in parts[-1]


def is_digest_record(record: dict) -> bool:
    """A CloudTrail digest by its content: digest times and a list of log files, no event time or Records."""
    return all(key in record for key in _DIGEST_KEYS) and "eventTime" not in record and "Records" not in record


def collect_sources(sources: Iterable[str]) -> SourceFiles:
    """Paths, folders (recursive, sorted) and globs → files, in a stable order; ``-`` stays ``-``.

    Each file is read once (compared by resolved path, so `a.json`, `./a.json` and a symlink to it
    are one file; the first mention keeps its place), and stdin once. Digest files are left out.
    """
    collected = SourceFiles()
    seen: set[str] = set()

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
        elif os.path.isdir(source):
            for root, dirs, names in os.walk(source):
                dirs.sort()
                for name in sorted(names):
                    if _looks_like_data(name):
                        add(os.path.join(root, name), False)
        elif os.path.isfile(source):
            add(source, True)
        elif glob.has_magic(source):
            matches = sorted(p for p in glob.glob(source, recursive=True) if os.path.isfile(p))
            if not matches:
                raise UsageError(f"--source {source}: the pattern matches no file")
            for match in matches:
                add(match, False)
        else:
            raise UsageError(f"--source {source}: no such file or folder")
    return collected


def expand_sources(sources: Iterable[str]) -> list[str]:
    """The files `collect_sources` reads (digest files left out)."""
    return collect_sources(sources).files


def _looks_like_data(name: str) -> bool:
    # Folders hold digests, manifests and READMEs too; read what a trail or an export writes.
    return not name.startswith(".") and name.lower().endswith(_JSON_SUFFIXES)


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
    head: list[bytes] = []

    def next_body() -> bytes | None:
        while True:
            line = readline()
            if not line:
                return None
            head.append(line)
            body = line.strip()
            if body:
                return body

    body = next_body()
    if body is None:
        return b"".join(head), False
    first = _loads_or_none(body)
    if first is not None:
        return b"".join(head), isinstance(first, dict)
    for _ in range(SNIFF_LINES):
        body = next_body()
        if body is None:
            break
        if isinstance(_loads_or_none(body), dict):
            after = next_body()
            return b"".join(head), after is None or not after.startswith(b"]")
    return b"".join(head), False


def _loads_or_none(body: bytes) -> object:
    """The line's JSON value, or None when it is not valid JSON (a JSON `null` line counts as broken)."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
