"""The Logs Insights language: lexer, parser, AST, printer, function registry, analysis.

    parse(text, *, origin="query", placeholders=False) -> Query   (raises QueryError)
    to_text(query) -> str                                          (canonical text)
    format_query(text, *, origin="query", placeholders=True) -> str (canonical text + newline)
"""

from __future__ import annotations

from trailq.lang.ast import Query
from trailq.lang.parser import parse
from trailq.lang.layout import to_text


def format_query(text: str, *, origin: str = "query", placeholders: bool = True) -> str:
    """Canonical text of a query, comments kept, ending with a newline. Raises QueryError."""
    return to_text(parse(text, origin=origin, placeholders=placeholders)) + "\n"


__all__ = ["Query", "format_query", "parse", "to_text"]
