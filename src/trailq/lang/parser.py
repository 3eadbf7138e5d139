"""The parser: tokens → Query AST. Commands by a keyword → method dispatch table,
expressions by a Pratt parser whose binding powers live in one table.

The work is split three ways: cursor.py (tokens, comments, errors), pratt.py (expressions and
the precedence table), commands.py (one method per command). This module ties them together:
the query/command loop and the keyword → command dispatch table. The entry point `parse`
(syntax, then the static checks of analysis.py) is `trailq.lang.parse`, in the package's
`__init__`, above both: the printer parses text back with `Parser`, and analysis prints.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from trailq.lang import ast as A
from trailq.lang import tokens as T
from trailq.lang.commands import CommandParsers, CommandParts
from trailq.source import Span

# Newer commands parsed syntactically only (§3.18, §3.17): spelling → canonical name.
GENERIC_COMMANDS = {
    name.lower(): name
    for name in (
        "addtotals", "relevantfields", "expand", "estimate", "autoregress", "logcompare", "filldown",
        "fillmissing", "outlier", "accum", "appendcols", "sessionize", "countFrequent", "join", "search",
    )
}
GENERIC_COMMANDS["count_frequent"] = "countFrequent"


class Parser(CommandParsers):
    """The whole parser: cursor (cursor.py) + expressions (pratt.py) + commands (commands.py)."""

    # -- query and command dispatch -----------------------------------------------------------

    def parse_query(self, *, until: str = T.EOF) -> A.Query:
        start = self.tok.start
        commands: list[A.Command] = []
        if self.tok.kind == until:
            raise self.error("empty query: expected a command such as fields, filter or stats", self.tok.span)
        while True:
            if self.tok.kind == T.PIPE:
                raise self.error("stray '|': expected a command before it", self.tok.span)
            commands.append(self.parse_command())
            if self.tok.kind == T.PIPE:
                pipe = self.advance()
                if self.tok.kind in (T.PIPE, T.EOF, until):
                    raise self.error("stray '|': expected a command after it", pipe.span)
                continue
            if self.tok.kind == until:
                break
            raise self.unexpected("'|' or the end of the query")
        trailing = tuple(str(c.value) for c, _ in self.comments)
        self.comments.clear()
        return A.Query(tuple(commands), text=self.text, trailing_comments=trailing, span=self.span_from(start))

    def parse_command(self) -> A.Command:
        tok = self.tok
        leading = tuple(str(c.value) for c, _ in self.comments)
        self.comments.clear()
        fields = self.command_body(tok)
        end = self.prev_end
        trailing: list[str] = []
        keep: list[tuple[T.Token, bool]] = []
        for comment, own_line in self.comments:
            # A comment on its own line after the command's last token introduces the next command.
            if own_line and comment.start >= end:
                keep.append((comment, own_line))
            else:
                trailing.append(str(comment.value))
        self.comments = keep
        cls, kwargs = fields
        return cls(
            **kwargs,
            span=Span(tok.start, end),
            keyword_span=tok.span,
            comments=leading,
            trailing_comments=tuple(trailing),
        )

    def command_body(self, tok: T.Token) -> CommandParts:
        """Dispatch on the command word (or a `$Name` saved-query token) and parse the rest."""
        if tok.kind == T.SAVED_QUERY:
            self.advance()
            return self.cmd_saved_query(tok)
        word = tok.word
        if word is None:
            raise self.unexpected("a command")
        method = COMMAND_PARSERS.get(word)
        generic = GENERIC_COMMANDS.get(word)
        if method is not None:
            self.advance()
            return method(self, word)
        if generic is not None:
            self.advance()
            return self.parse_generic(generic)
        close = difflib.get_close_matches(word, sorted({*COMMAND_PARSERS, *GENERIC_COMMANDS}), n=1)
        hint = f"did you mean '{close[0]}'?" if close else None
        raise self.error(f"unknown command '{tok.text}'", tok.span, "unknown-command", hint)


CommandParser = Callable[[Parser, str], CommandParts]

COMMAND_PARSERS: dict[str, CommandParser] = {
    "fields": Parser.cmd_fields,
    "display": Parser.cmd_display,
    "filter": Parser.cmd_filter,
    "where": Parser.cmd_filter,
    "stats": Parser.cmd_stats,
    "sort": Parser.cmd_sort,
    "order": Parser.cmd_sort,
    "limit": Parser.cmd_limit,
    "head": Parser.cmd_limit,
    "tail": Parser.cmd_limit,
    "parse": Parser.cmd_parse,
    "dedup": Parser.cmd_dedup,
    "unnest": Parser.cmd_unnest,
    "unmask": Parser.cmd_bare,
    "anomaly": Parser.cmd_bare,
    "pattern": Parser.cmd_pattern,
    "diff": Parser.cmd_diff,
    "filterindex": Parser.cmd_filter_index,
    "source": Parser.cmd_source,
    "lookup": Parser.cmd_lookup,
    "cidrlookup": Parser.cmd_lookup,
    "json": Parser.cmd_json,
}
