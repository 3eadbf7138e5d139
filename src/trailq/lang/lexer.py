"""The lexer: query text → tokens with spans, one compiled master regex.

A `/` is either division or the start of a regex literal, and only the parser knows which
(`parse @message /re/` versus `a / b`). So the lexer is pulled: `Lexer.token_at(pos, regex=...)`
returns the token starting at or after `pos`; the parser asks for a regex where an operand may
start. `tokenize()` runs the lexer on its own with a previous-token heuristic (for tests and
`explain`).

Lexical decisions (also in docs/semantics.md, "Language"):
- Strings: '...' or "..."; escapes \\\\ \\" \\' \\n \\r \\t; any other backslash pair is kept as
  both characters (`"\\d"` is backslash + d), so regex-like text in strings survives. A string may
  not contain a raw line break (an unclosed quote is reported at its line, not at the end of text).
- `#` inside a string, a regex or a backtick name is literal; elsewhere it starts a comment.
- Regex: /.../, normally on one line; `\\/` is an escaped slash and stays in the pattern as written.
  A regex with no closing slash on its line may close on a later line (AWS's parse examples do).
- Numbers may be written in scientific notation (`1e6`, `2.5E-3`; the parser warns).
- `==` is an operator token (the parser reads it as `=`, with a warning).
- A word directly followed by `://` starts an unquoted URL, up to a space, `|`, `,`, a bracket or a
  quote (the Apache sample query compares `referrer= http://34.250.27.141/`); the parser reads it as
  a string, with a warning. A name followed by `:` is never valid, so no valid text changes meaning.
"""

from __future__ import annotations

import re
import string

from trailq.errors import QueryError
from trailq.lang import tokens as T
from trailq.lang.units import DURATION_UNITS
from trailq.numbers import from_text
from trailq.source import Span

_UNITS = "|".join(sorted(DURATION_UNITS, key=len, reverse=True))
_SEG = r"(?:`[^`\n]*`|[A-Za-z0-9_@]+)"
_FIRST = r"(?:`[^`\n]*`|[A-Za-z_@][A-Za-z0-9_@]*)"

_MASTER = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<duration>\d+(?:\.\d+)?(?:{_UNITS})(?![A-Za-z0-9_@]))
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<url>[A-Za-z][A-Za-z0-9+.\-]*://[^\s|,()\[\]{{}}"'`]*)
  | (?P<ident>@*{_FIRST}(?:\.{_SEG})*)
  | (?P<string>"(?:\\[^\n]|[^"\\\n])*"|'(?:\\[^\n]|[^'\\\n])*')
  | (?P<saved>\$(?:`[^`\n]*`|[A-Za-z_][A-Za-z0-9_]*))
  | (?P<placeholder>\{{\{{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}}\}})
  | (?P<op>==|=~|!=|<=|>=|[=<>+\-*/%^!])
  | (?P<punct>[|,:.()\[\]{{}}])
    """,
    re.VERBOSE,
)
_REGEX = re.compile(r"/((?:\\[^\n]|[^/\\\n])*)/")
_REGEX_LINES = re.compile(r"/((?:\\.|[^/\\])*)/", re.DOTALL)  # a regex whose line break is part of it
_SEGMENT = re.compile(_SEG)
_ESCAPE = re.compile(r"\\(.)")
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "r": "\r", "t": "\t"}


def decode_string(body: str) -> str:
    """The value of a string literal's body (between the quotes)."""
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), body)


def encode_string(value: str) -> str:
    """The canonical double-quoted spelling of a string value (inverse of decode_string)."""
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    )
    return f'"{escaped}"'


def split_field(text: str) -> tuple[tuple[str, ...], bool]:
    """An IDENT's segments (backticks removed) and whether any was quoted.

    Leading `@`s stay on the first segment: ``@`a:b` `` → ("@a:b",).
    """
    at = len(text) - len(text.lstrip("@"))
    prefix, rest = text[:at], text[at:]
    segments: list[str] = []
    quoted = False
    pos = 0
    while pos < len(rest):
        m = _SEGMENT.match(rest, pos)
        if m is None:  # only `@`s: the name is the prefix itself
            break
        seg = m.group(0)
        if seg.startswith("`"):
            quoted = True
            seg = seg[1:-1]
        segments.append(seg)
        pos = m.end() + 1  # skip the dot
    if not segments:
        return (prefix,), quoted
    segments[0] = prefix + segments[0]
    return tuple(segments), quoted


class Lexer:
    """Pull lexer over one query text."""

    def __init__(self, text: str, *, origin: str = "query", placeholders: bool = False) -> None:
        self.text = text
        self.origin = origin
        self.placeholders = placeholders

    def error(self, message: str, start: int, end: int) -> QueryError:
        return QueryError(message, category="syntax", span=Span(start, end), text=self.text, origin=self.origin)

    def token_at(self, pos: int, *, regex: bool = False) -> T.Token:
        """The next token at `pos` (whitespace skipped, comments returned as COMMENT tokens)."""
        text = self.text
        while True:
            if pos >= len(text):
                return T.Token(T.EOF, "", len(text), len(text))
            if regex and text[pos] == "/":
                return self._regex(pos)
            m = _MASTER.match(text, pos)
            if m is None:
                return self._bad_char(pos)
            kind = m.lastgroup
            if kind == "ws":
                pos = m.end()
                continue
            return self._token(kind, m)

    def _token(self, kind: str | None, m: re.Match[str]) -> T.Token:
        start, end, text = m.start(), m.end(), m.group(0)
        if kind == "ident":
            segments, quoted = split_field(text)
            return T.Token(T.IDENT, text, start, end, ".".join(segments), segments, quoted)
        if kind == "string":
            return T.Token(T.STRING, text, start, end, decode_string(text[1:-1]))
        if kind == "url":
            return T.Token(T.URL, text, start, end, text)
        if kind == "number":
            value: object = float(text) if "." in text else from_text(text)  # numbers.py: no unbounded ints
            return T.Token(T.NUMBER, text, start, end, value)
        if kind == "duration":
            # The duration rule matched digits, maybe a fraction, then a unit made of letters.
            amount = text.rstrip(string.ascii_letters)
            unit = text[len(amount) :].lower()
            number = float(amount) if "." in amount else from_text(amount)
            return T.Token(T.DURATION, text, start, end, (number, unit))
        if kind == "comment":
            return T.Token(T.COMMENT, text, start, end, text.rstrip())
        if kind == "placeholder":
            name = text[2:-2].strip()  # the rule allows spaces around the name only
            if not self.placeholders:
                raise self.error(f"unrendered parameter {{{{{name}}}}}", start, end)
            return T.Token(T.PLACEHOLDER, text, start, end, name)
        if kind == "saved":
            return T.Token(T.SAVED_QUERY, text, start, end, text[1:].strip("`"))
        if kind == "op":
            return T.Token(T.OP, text, start, end, text)
        return T.Token(text, text, start, end, text)  # punctuation: kind is the character

    def _regex(self, pos: int) -> T.Token:
        m = _REGEX.match(self.text, pos) or _REGEX_LINES.match(self.text, pos)
        if m is None:
            line_end = self.text.find("\n", pos)
            raise self.error("unclosed regex: no closing '/' on this line", pos, len(self.text) if line_end < 0 else line_end)
        return T.Token(T.REGEX, m.group(0), pos, m.end(), m.group(1))

    def _bad_char(self, pos: int) -> T.Token:
        text = self.text
        ch = text[pos]
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end < 0 else line_end
        if ch in "\"'":
            raise self.error(f"unclosed string: no closing {ch} on this line", pos, line_end)
        if ch == "`":
            raise self.error("unclosed backtick name: no closing ` on this line", pos, line_end)
        if text.startswith("{{", pos):
            raise self.error("malformed parameter: expected {{name}}", pos, min(line_end, pos + 2))
        if ch == "$":
            if text.startswith("$`", pos):
                raise self.error("unclosed backtick name: no closing ` on this line", pos + 1, line_end)
            raise self.error("'$' must start a saved query name ($Name or $`Name with spaces`)", pos, pos + 1)
        if ch == "@":  # '@' followed by something that is not a name
            raise self.error("'@' must start a field name", pos, pos + 1)
        raise self.error(f"unexpected character {ch!r}", pos, pos + 1)


# After these tokens an operand may start, so a '/' there opens a regex (tokenize() only).
_OPERAND_BEFORE = {T.OP, T.PIPE, T.COMMA, T.COLON, T.LPAREN, T.LBRACKET, T.LBRACE}
_REGEX_AFTER_WORDS = {"like", "parse", "filter", "where", "and", "or", "not", "in", "pattern"}


def tokenize(text: str, *, origin: str = "query", placeholders: bool = True, comments: bool = True) -> list[T.Token]:
    """All tokens of a text, ending with EOF (for tests, `explain` and tools).

    Decides regex-versus-division by the previous token; the parser decides by grammar.
    `parse @message /re/` is therefore split differently here than in the parser.
    """
    lexer = Lexer(text, origin=origin, placeholders=placeholders)
    out: list[T.Token] = []
    pos = 0
    prev: T.Token | None = None
    while True:
        regex = prev is None or prev.kind in _OPERAND_BEFORE or prev.word in _REGEX_AFTER_WORDS
        tok = lexer.token_at(pos, regex=regex)
        if tok.kind != T.COMMENT:
            prev = tok
        if comments or tok.kind != T.COMMENT:
            out.append(tok)
        if tok.kind == T.EOF:
            return out
        pos = tok.end
