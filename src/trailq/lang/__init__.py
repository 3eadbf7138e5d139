"""The Logs Insights language: lexer, parser, AST, printer, function registry, analysis.

    parse(text, *, origin="query", placeholders=False) -> Query   (raises QueryError)
    to_text(query) -> str                                          (canonical text)
    format_query(text, *, origin="query", placeholders=True) -> str (canonical text + newline)

`parse` lives here, above the modules it joins (parser.py for the syntax, analysis.py for the
static rules), so that none of them imports another in a circle.
"""

from __future__ import annotations

from dataclasses import replace

from trailq.lang.analysis import check
from trailq.lang.ast import Query
from trailq.lang.layout import to_text
from trailq.lang.parser import Parser


def parse(text: str, *, origin: str = "query", placeholders: bool = False, strict: bool = False) -> Query:
    """Parse and statically check one query. Raises QueryError (syntax, unknown-command,
    unknown-function, arity, semantic) pointing at the characters at fault. Warnings (text the
    service may run, lang/diagnostics.py) are on `query.warnings`; with `strict` the first one
    is raised as an error instead. Only `trailq.errors.QueryError` escapes (a hypothesis test
    holds us to it)."""
    if not isinstance(text, str):
        raise TypeError("query text must be a str")
    parser = Parser(text, origin=origin, placeholders=placeholders)
    query = parser.parse_query()
    warnings = sorted(parser.warnings + check(query, origin=origin), key=lambda w: (w.span.start, w.span.end))
    if strict and warnings:
        raise warnings[0].as_error()
    return replace(query, warnings=tuple(warnings)) if warnings else query


def format_query(text: str, *, origin: str = "query", placeholders: bool = True) -> str:
    """Canonical text of a query, comments kept, ending with a newline. Raises QueryError."""
    return to_text(parse(text, origin=origin, placeholders=placeholders)) + "\n"


__all__ = ["Query", "format_query", "parse", "to_text"]
