"""Token kinds and the Token record produced by the lexer.

A token knows its half-open character span in the query text; line/column come from
`trailq.source.line_col` when an error is drawn, never stored here.
"""

from __future__ import annotations

from trailq.source import Span

# Kinds. Keywords are not a kind of their own: a keyword is an IDENT whose lower-cased text
# is in the parser's tables, because "fields" or "by" may also be ordinary field names.
IDENT = "ident"  # a field path or word: a.b.c, @timestamp, `detail-type`, @`x:y`, json_message.`user.id`
STRING = "string"  # '...' or "..." (value decoded)
REGEX = "regex"  # /.../ (value = the text between the slashes, as written)
NUMBER = "number"  # 12, 3.5 (value int or float)
DURATION = "duration"  # 5m, 1h, 500ms (value (amount, unit))
PLACEHOLDER = "placeholder"  # {{name}} (value = name)
URL = "url"  # an unquoted URL such as http://34.250.27.141/ (value = the text); read as a string, with a warning
SAVED_QUERY = "saved"  # $Name or $`Name with spaces` (value = the name, backticks removed)
OP = "op"  # = != < <= > >= + - * / % ^ =~ !
PIPE = "|"
COMMA = ","
COLON = ":"
DOT = "."
LPAREN = "("
RPAREN = ")"
LBRACKET = "["
RBRACKET = "]"
LBRACE = "{"
RBRACE = "}"
COMMENT = "comment"  # # to end of line (value = text from '#', right-stripped)
EOF = "eof"


class Token:
    """One token. `value` is the decoded value (see the kind comments above);
    `segments` holds an IDENT's dotted path (backtick segments unquoted), `quoted` says
    whether any segment was backtick-quoted (a quoted word is never a keyword)."""

    __slots__ = ("kind", "text", "start", "end", "value", "segments", "quoted")

    def __init__(
        self,
        kind: str,
        text: str,
        start: int,
        end: int,
        value: object = None,
        segments: tuple[str, ...] = (),
        quoted: bool = False,
    ) -> None:
        self.kind = kind
        self.text = text
        self.start = start
        self.end = end
        self.value = value
        self.segments = segments
        self.quoted = quoted

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)

    @property
    def word(self) -> str | None:
        """Lower-cased text of a plain one-segment identifier (keyword candidate), else None."""
        if self.kind == IDENT and not self.quoted and len(self.segments) == 1:
            return self.text.lower()
        return None

    def number(self) -> int | float:
        """A NUMBER token's value (the lexer stores an int or a float)."""
        if isinstance(self.value, (int, float)):
            return self.value
        raise TypeError(f"not a number token: {self!r}")

    def duration(self) -> tuple[int | float, str]:
        """A DURATION token's (amount, unit) (the lexer stores that pair, unit lower-cased)."""
        if isinstance(self.value, tuple):
            amount, unit = self.value
            if isinstance(amount, (int, float)) and isinstance(unit, str):
                return amount, unit
        raise TypeError(f"not a duration token: {self!r}")

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.text!r}, {self.start}, {self.end})"
