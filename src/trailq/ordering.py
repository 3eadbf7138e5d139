"""The "updated natural sort" of Logs Insights (reference §3.7) for text values.

Shared by the local engine (which adds numbers, timestamps and booleans on top) and by the
CloudWatch backend (which re-sorts merged rows, all strings), so neither imports the other.
"""

from __future__ import annotations

import re
from typing import Any

_DIGITS_ONLY = re.compile(r"[0-9]+")
_CHUNKS = re.compile(r"[0-9]+|[^0-9]+")


def text_sort_key(text: str) -> tuple[Any, ...]:
    """Ascending key of a text value: non-numbers first, chunk by chunk; then digits-only text by value
    (ties, such as ``0`` and ``00``, by their text)."""
    if _DIGITS_ONLY.fullmatch(text):
        return (1, int(text), text)
    return (0, _text_chunks_key(text))


def _text_chunks_key(text: str) -> tuple[Any, ...]:
    """Chunks of digits and non-digits; digit runs compare by length, then value.

    A digit chunk and a text chunk compare by their first characters' code points. All digit
    chunks share the first element 48 ("0"): no text chunk starts with a digit, so comparing a
    digit chunk with a text chunk is decided by that first element alone, and two digit chunks
    go on to length and value.
    """
    key: list[tuple[Any, ...]] = []
    for chunk in _CHUNKS.findall(text):
        if chunk[0] in "0123456789":
            key.append((48, len(chunk), int(chunk)))
        else:
            key.append((ord(chunk[0]), chunk))
    return tuple(key)
