"""Reading query text and catalog files, bounded.

A query file, a catalog or `fmt -`'s stdin is read whole; without a bound, `--query-file /dev/zero`,
`trailq fmt /dev/zero` or an endless pipe filled memory until the run was killed. The service takes
at most 10,000 characters of query text, so 1 MiB leaves room for comments and layout; a catalog of
20,000 queries (bench/README.md, "Catalog loading") is far below 64 MiB.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

QUERY_TEXT_MAX_BYTES = 1 << 20
CATALOG_MAX_BYTES = 64 << 20


class TooLarge(OSError):
    """Text over its bound: an OSError, so every caller's "cannot read: …" reports it."""

    def __str__(self) -> str:
        return str(self.args[0])


def _too_large(limit: int, what: str) -> TooLarge:
    return TooLarge(f"over {limit >> 20} MiB, too large for {what}")


def read_text(path: Path | str, limit: int = QUERY_TEXT_MAX_BYTES, what: str = "query text") -> str:
    """The UTF-8 text of `path`, refused beyond `limit` bytes. Raises OSError or UnicodeDecodeError."""
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit, what)
    return data.decode("utf-8")


def read_stream(stream: TextIO, limit: int = QUERY_TEXT_MAX_BYTES, what: str = "query text") -> str:
    """A text stream (stdin) read whole, refused beyond `limit` characters."""
    text = stream.read(limit + 1)
    if len(text) > limit:
        raise _too_large(limit, what)
    return text
