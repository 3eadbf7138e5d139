"""Positions in query text: spans, line/column, and the caret drawing under an error.

All position maths lives here so that the lexer, the parser, the catalog, the engine and the AWS
backend (which turns `queryCompileError` offsets into a span) point at characters the same way.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Span:
    """Half-open character range [start, end) in a query text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"bad span {self.start}..{self.end}")


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset (clamped to the text)."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    line_start = text.rfind("\n", 0, offset) + 1
    return line, offset - line_start + 1


def char_width(ch: str) -> int:
    """Columns a terminal gives one character: 2 for wide East Asian characters and most emoji,
    0 for combining marks and format characters (zero-width joiner, variation selectors), else 1."""
    if ch < "\u0300":  # ASCII and Latin-1: one column (the common case, no table lookup)
        return 1
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _pad(text: str) -> str:
    """Blank space as wide as `text` on a terminal; tabs stay tabs so the caret lines up under them."""
    return "".join("\t" if ch == "\t" else " " * char_width(ch) for ch in text)


def caret(text: str, span: Span) -> str:
    """The line holding the span's start and a caret line under the span (cut at the line's end).
    Columns are counted in display width, so a caret after CJK text or emoji does not drift."""
    _, col = line_col(text, span.start)
    line_start = span.start - (col - 1)
    line_end = text.find("\n", line_start)
    line_end = len(text) if line_end < 0 else line_end
    line_text = text[line_start:line_end]
    marked = text[span.start : min(span.end, line_end)]
    width = max(1, sum(char_width(ch) for ch in marked))
    return f"{line_text}\n{_pad(line_text[: col - 1])}{'^' * width}"


def describe(origin: str, text: str, span: Span, message: str) -> str:
    """`origin:LINE:COL: message` followed by the offending line and a caret under the span."""
    line_no, col = line_col(text, span.start)
    return f"{origin}:{line_no}:{col}: {message}\n{caret(text, span)}"
