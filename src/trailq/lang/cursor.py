"""The token cursor the parser walks: the current token, one token of lookahead, comments
collected on the way (with whether each sat on its own line), and QueryError construction with
the span at fault. The expression and command parsers build on it (pratt.py, commands.py)."""

from __future__ import annotations

import re

from trailq.errors import QueryError
from trailq.lang import tokens as T
from trailq.lang.diagnostics import QueryWarning
from trailq.lang.lexer import Lexer
from trailq.source import Span


class TokenCursor:
    """Where the parser stands in the text. Comments never reach the parsers as tokens: they are
    collected in `comments` for the command and item that own them."""

    def __init__(self, text: str, *, origin: str = "query", placeholders: bool = False) -> None:
        self.text = text
        self.origin = origin
        self.lexer = Lexer(text, origin=origin, placeholders=placeholders)
        self.prev_end = 0  # end of the last consumed token
        self.any_consumed = False
        self.comments: list[tuple[T.Token, bool]] = []  # (comment, on its own line)
        self.depth = 0  # expression nesting, guarded by pratt.MAX_DEPTH
        self.warnings: list[QueryWarning] = []  # text the service may run but trailq cannot be sure of
        self.tok = self._fetch(0)

    def _fetch(self, pos: int, regex: bool = False) -> T.Token:
        while True:
            tok = self.lexer.token_at(pos, regex=regex)
            if tok.kind != T.COMMENT:
                return tok
            own_line = not self.any_consumed or "\n" in self.text[self.prev_end : tok.start]
            self.comments.append((tok, own_line))
            pos = tok.end

    def advance(self) -> T.Token:
        tok = self.tok
        self.prev_end = tok.end
        self.any_consumed = True
        self.tok = self._fetch(tok.end)
        return tok

    def peek(self) -> T.Token:
        """The token after the current one (comments skipped, not recorded)."""
        pos = self.tok.end
        while True:
            tok = self.lexer.token_at(pos)
            if tok.kind != T.COMMENT:
                return tok
            pos = tok.end

    def relex_regex(self) -> None:
        """The current '/' opens a regex literal: lex it again as one."""
        if self.tok.kind == T.OP and self.tok.text == "/":
            self.tok = self.lexer.token_at(self.tok.start, regex=True)

    def warn(self, rule: str, message: str, span: Span) -> None:
        self.warnings.append(QueryWarning(rule, message, span, self.text, self.origin))

    def take_raw(self, pattern: re.Pattern[str]) -> T.Token | None:
        """Characters matching `pattern` from the current token's start, as one token of `kind`
        IDENT (a bare log group name such as `/aws/lambda/x` is not made of ordinary tokens)."""
        m = pattern.match(self.text, self.tok.start)
        if m is None or m.end() == m.start():
            return None
        tok = T.Token(T.IDENT, m.group(0), m.start(), m.end(), m.group(0), (m.group(0),), True)
        self.prev_end = tok.end
        self.any_consumed = True
        self.tok = self._fetch(tok.end)
        return tok

    def error(self, message: str, span: Span, category: str = "syntax", hint: str | None = None) -> QueryError:
        return QueryError(message, category=category, span=span, text=self.text, origin=self.origin, hint=hint)

    def unexpected(self, expected: str) -> QueryError:
        tok = self.tok
        found = "end of query" if tok.kind == T.EOF else repr(tok.text)
        return self.error(f"expected {expected}, found {found}", tok.span)

    def expect(self, kind: str, what: str | None = None) -> T.Token:
        if self.tok.kind != kind:
            raise self.unexpected(what or repr(kind))
        return self.advance()

    def at_word(self, *words: str) -> bool:
        return self.tok.word in words

    def expect_word(self, word: str) -> T.Token:
        if self.tok.word != word:
            raise self.unexpected(f"'{word}'")
        return self.advance()

    def span_from(self, start: int) -> Span:
        return Span(start, max(start, self.prev_end))
