"""The Logs Insights query AST: frozen dataclasses, compared by structure only.

Every node carries `span` (its characters in the source text) with `compare=False`, so
`parse(to_text(ast)) == ast` compares what a query *means*, not where it was written.
Comments are kept for `trailq fmt` but excluded from equality as well.

Names are normalised at parse time: keywords and function names to their canonical
spelling (function names via the registry in `functions.py`), operators to lower case
(`and`, `or`, `not`), field names exactly as written (field names are case-sensitive).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import KW_ONLY, dataclass, field, fields
from typing import TYPE_CHECKING, TypeVar, get_args, overload

from trailq.lang.regex import regex_to_python
from trailq.lang.units import DURATION_UNITS, UNIT_MILLISECONDS
from trailq.source import Span

if TYPE_CHECKING:
    from trailq.lang.diagnostics import QueryWarning

NO_SPAN = Span(0, 0)


_T = TypeVar("_T")


def _span() -> Span:
    # A node built by hand (tests, generated ASTs) has no source; NO_SPAN marks that.
    return _meta(NO_SPAN)


def _meta(default: _T) -> _T:
    """Data kept for printing only (spelling, comments): never part of equality."""
    return field(default=default, compare=False, repr=False, kw_only=True)


# ---------------------------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A field reference, `name` flattened the way Logs Insights discovers it.

    `userIdentity.sessionContext.sessionIssuer.userName`, `@timestamp`, `@@x`, `detail-type`
    (from `` `detail-type` ``), `@aws.tag.aws:cloudformation:stack-name` (from
    ``@`aws.tag.aws:cloudformation:stack-name` ``). `segments` keeps the dotted path as written
    (a backtick-quoted segment may itself contain dots, e.g. ``json_message.`user.id` ``) so the
    printer can re-quote it; it is empty for hand-built nodes (then `name` is printed).
    """

    name: str
    segments: tuple[str, ...] = _meta(())
    span: Span = _span()


@dataclass(frozen=True)
class String:
    """A quoted string literal; `value` is decoded (escapes resolved). `raw` is the literal as
    written, quotes included (printing only: escapes AWS does not document are never added)."""

    value: str
    raw: str = _meta("")
    span: Span = _span()


@dataclass(frozen=True)
class Number:
    """An integer or decimal literal. `text` is the spelling as written (printing only)."""

    value: int | float
    text: str = _meta("")
    span: Span = _span()


@dataclass(frozen=True)
class Boolean:
    """`true` or `false` (strcontains's third argument is "set to `true`", operations-functions).
    `text` is the spelling as written (printing only)."""

    value: bool
    text: str = _meta("")
    span: Span = _span()


@dataclass(frozen=True)
class Regex:
    """A `/pattern/` literal. `pattern` is the text between the slashes exactly as written:
    an escaped slash stays `\\/` (harmless to every regex engine), flags stay inline (`(?i)`).
    Use `python_pattern()` to get text for Python's `re` (`(?<name>` → `(?P<name>`).
    """

    pattern: str
    span: Span = _span()

    def python_pattern(self) -> str:
        return regex_to_python(self.pattern)


@dataclass(frozen=True)
class Duration:
    """A time period such as `5m`, `1h`, `30s`, `500ms`, `2hrs` (negative in `START=-3600s`).

    `unit` is the unit as written, lower-cased; `canonical_unit` maps it to one of
    ms s m h d w mo q y.
    """

    amount: int | float
    unit: str
    span: Span = _span()

    @property
    def canonical_unit(self) -> str:
        return DURATION_UNITS[self.unit]

    @property
    def milliseconds(self) -> float:
        """Nominal length (months 30 days, quarters 91 days, years 365 days)."""
        return self.amount * UNIT_MILLISECONDS[self.canonical_unit]


@dataclass(frozen=True)
class ListLiteral:
    """`[item, ...]` (the right side of `in`, SOURCE arguments)."""

    items: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True)
class MapLiteral:
    """`{"key": value, ...}` — only in `SOURCE logGroupTags([...])`."""

    entries: tuple[tuple[str, Expr], ...]
    span: Span = _span()


@dataclass(frozen=True)
class Star:
    """The `*` in `count(*)`."""

    span: Span = _span()


@dataclass(frozen=True)
class Placeholder:
    """A `{{name}}` catalog parameter (only when parsed with placeholders=True)."""

    name: str
    span: Span = _span()


@dataclass(frozen=True)
class Call:
    """A function call; `name` is the registry's canonical name (`functions.lookup`)."""

    name: str
    args: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True)
class Unary:
    """`op` is `not` (also written `!`) or `-` (negation)."""

    op: str
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Binary:
    """`op` in: or and = != < <= > >= + - * / % ^ (lower case)."""

    op: str
    left: Expr
    right: Expr
    span: Span = _span()
    # Built by the parser from a long `and`/`or` chain as a balanced tree (pratt.balanced): printed
    # without parentheses around its chained operands, as it was written.
    chained: bool = _meta(False)


@dataclass(frozen=True)
class Like:
    """`operand [not] like pattern`; pattern is String (substring), Regex, or Placeholder."""

    operand: Expr
    pattern: Expr
    negated: bool = False
    span: Span = _span()


@dataclass(frozen=True)
class Match:
    """`operand =~ regex` (regex is a Regex or Placeholder; a String is matched as a regex too)."""

    operand: Expr
    pattern: Expr
    span: Span = _span()


@dataclass(frozen=True)
class In:
    """`operand [not] in [..]`; items is a ListLiteral, a Placeholder or a Subquery."""

    operand: Expr
    items: Expr
    negated: bool = False
    span: Span = _span()


@dataclass(frozen=True)
class Subquery:
    """`( query )` on the right of `in` (§3.17)."""

    query: Query
    span: Span = _span()


@dataclass(frozen=True)
class Index:
    """`base[index]` on a jsonParse() value or a list."""

    base: Expr
    index: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Member:
    """`base.name` where base is not a plain field path (e.g. `jsonParse(x).a`, `a[1].b`)."""

    base: Expr
    name: str
    span: Span = _span()


Expr = (
    Field | String | Number | Boolean | Regex | Duration | ListLiteral | MapLiteral | Star | Placeholder |
    Call | Unary | Binary | Like | Match | In | Subquery | Index | Member
)


@dataclass(frozen=True)
class Projection:
    """`expr [as alias]` in fields, display, stats and stats `by`."""

    expr: Expr
    alias: str | None = None
    span: Span = _span()
    # Comments around an item of a fields/display/stats list (printing only): `comments` on
    # their own lines just before it, `trailing_comments` on the line of the comma after it.
    comments: tuple[str, ...] = _meta(())
    trailing_comments: tuple[str, ...] = _meta(())
    # An unaliased expression's source text, whitespace runs collapsed: the service names its
    # column by it, so the printer keeps this spelling (`count_distinct(x)`, `bin (1min)`).
    source_name: str = _meta("")

    @property
    def output_name(self) -> str | None:
        """The alias, or the field name for a bare field; None when named by source text."""
        if self.alias is not None:
            return self.alias
        if isinstance(self.expr, Field):
            return self.expr.name
        return None


@dataclass(frozen=True)
class SortKey:
    """One sort key; `descending` is None when neither asc nor desc was written."""

    expr: Expr
    descending: bool | None = None
    span: Span = _span()
    # As Projection.source_name: a key naming a stats column by its text keeps that spelling.
    source_name: str = _meta("")


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommandBase:
    """Fields shared by every command, none compared.

    `keyword_span`: the command word (carets for "not supported locally").
    `comments`: `#` comments on their own lines just before the command (text from `#`).
    `trailing_comments`: comments that followed code of this command on the same line.
    """

    # Keyword-only (as every _meta field is at run time), so each command's own fields, which
    # have no default, may follow these: the marker says so to type checkers too.
    _: KW_ONLY
    span: Span = _span()
    keyword_span: Span = _meta(NO_SPAN)
    comments: tuple[str, ...] = _meta(())
    trailing_comments: tuple[str, ...] = _meta(())


@dataclass(frozen=True)
class Fields(CommandBase):
    """`fields expr [as alias], ...`"""

    items: tuple[Projection, ...]


@dataclass(frozen=True)
class Display(CommandBase):
    """`display expr [as alias], ...` — the last display decides the output columns."""

    items: tuple[Projection, ...]


@dataclass(frozen=True)
class Filter(CommandBase):
    """`filter cond` or `where cond` (keyword kept, canonical lower case)."""

    condition: Expr
    keyword: str = "filter"


@dataclass(frozen=True)
class Stats(CommandBase):
    """`stats agg [as a], ... [by expr [as b], ...]`."""

    aggregations: tuple[Projection, ...]
    by: tuple[Projection, ...] = ()
    # `... by bin(5m) offset 1h` (time-series page, 2026): shifts the time bins by a period.
    # A Duration or Placeholder; None when not written. Only allowed when `by` has a bin() term.
    offset: Expr | None = None


@dataclass(frozen=True)
class Sort(CommandBase):
    """`sort key [asc|desc], ...` (also spelled `order`)."""

    keys: tuple[SortKey, ...]
    keyword: str = "sort"


@dataclass(frozen=True)
class Limit(CommandBase):
    """`limit [any] N`; `head N` and `tail N` are the deprecated spellings (keyword kept)."""

    count: Number | Placeholder
    any: bool = False
    keyword: str = "limit"


@dataclass(frozen=True)
class Parse(CommandBase):
    """`parse [source] <pattern> [as a, ...] [multi]`.

    mode: glob (pattern String), regex (pattern Regex; fields from named groups or aliases),
    logfmt and csv (pattern None). `source` None means @message.
    """

    source: Expr | None = None
    mode: str = "glob"
    pattern: Expr | None = None
    aliases: tuple[str, ...] = ()
    multi: bool = False


@dataclass(frozen=True)
class Dedup(CommandBase):
    """`dedup f1, f2, ...`"""

    fields: tuple[Expr, ...]


@dataclass(frozen=True)
class Unnest(CommandBase):
    """`unnest field into newField`"""

    field: Expr
    into: str


@dataclass(frozen=True)
class Unmask(CommandBase):
    """`unmask`"""


@dataclass(frozen=True)
class Pattern(CommandBase):
    """`pattern expr`"""

    expr: Expr


@dataclass(frozen=True)
class Diff(CommandBase):
    """`diff [previousDay|previousWeek|previousMonth]`"""

    period: str | None = None


@dataclass(frozen=True)
class FilterIndex(CommandBase):
    """`filterIndex field = "v"` or `filterIndex field in [...]`."""

    condition: Expr


@dataclass(frozen=True)
class SourceSelector:
    """One SOURCE selector: `logGroups(namePrefix: [...])`, `dataSource([...])`,
    `logGroupTags([...])`, or a quoted log group name (kind "name", args (String,)).
    """

    kind: str
    args: tuple[Expr, ...] = ()
    named: tuple[tuple[str, Expr], ...] = ()
    span: Span = _span()
    # How a log group name was written: "bare" (`SOURCE lg`), "`" (backquoted) or "" (a string).
    quote: str = _meta("")


@dataclass(frozen=True)
class Source(CommandBase):
    """`SOURCE selector ... [START=t] [END=t]` (first command; CLI/API only)."""

    selectors: tuple[SourceSelector, ...] = ()
    start: Expr | None = None
    end: Expr | None = None


@dataclass(frozen=True)
class Lookup(CommandBase):
    """`lookup table f [as g], ... OUTPUT|OUTPUTNEW out [as x], ...`"""

    table: str
    matches: tuple[Projection, ...]
    mode: str
    outputs: tuple[Projection, ...]


@dataclass(frozen=True)
class CidrLookup(CommandBase):
    """`cidrlookup table ipField [as cidrColumn] OUTPUT|OUTPUTNEW f [as g], ...`"""

    table: str
    matches: tuple[Projection, ...]
    mode: str
    outputs: tuple[Projection, ...]


@dataclass(frozen=True)
class Anomaly(CommandBase):
    """`anomaly` (after `pattern`)."""


@dataclass(frozen=True)
class GenericCommand(CommandBase):
    """A newer command parsed syntactically only (§3.18: addtotals, join, expand, ...).

    `name` is the canonical command name; `args` the argument token texts in order
    (strings and regexes as written), so printing joins them back.
    """

    name: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class JsonExtract(GenericCommand):
    """`json field=<field> "<key.subkey>" as <alias>` (§3.5, 2026): extraction from a field
    holding a parsed JSON object. A GenericCommand (name "json", args empty) because only its
    syntax is known: code that runs only the commands it understands keeps refusing it.

    `source`: the field after `field=`; `path`: the quoted path (String) or a Placeholder.
    """

    source: Expr | None = None
    path: Expr | None = None
    alias: str | None = None


@dataclass(frozen=True)
class SavedQueryCall(GenericCommand):
    """`$Name(p = "v", n = 10)` or `` $`Name with spaces`() `` (§3.19, 2026): runs a saved
    query, the service expanding it in place. A GenericCommand (name "$" + query_name, args
    empty): what it does depends on a definition stored in the account.

    `params`: (parameter name, value) pairs in the order written; values are literals
    (String, Number, Duration, ListLiteral, Regex) or Placeholders.
    """

    query_name: str = ""
    params: tuple[tuple[str, Expr], ...] = ()


Command = (
    Fields | Display | Filter | Stats | Sort | Limit | Parse | Dedup | Unnest | Unmask | Pattern |
    Diff | FilterIndex | Source | Lookup | CidrLookup | Anomaly | GenericCommand | JsonExtract |
    SavedQueryCall
)


@dataclass(frozen=True)
class Query:
    """A whole query: commands in pipeline order.

    `text` is the source (so the engine can name unaliased columns by `text[span.start:span.end]`);
    `trailing_comments` are comments after the last command.
    """

    commands: tuple[Command, ...]
    text: str = _meta("")
    trailing_comments: tuple[str, ...] = _meta(())
    span: Span = _span()
    # QueryWarnings (trailq.lang.diagnostics) found by parse(), in text order: not errors.
    warnings: tuple[QueryWarning, ...] = _meta(())

    def source_text(self, node: object) -> str:
        """The source characters of a node of this query (empty for hand-built nodes)."""
        span = getattr(node, "span", NO_SPAN)
        return self.text[span.start : span.end]


# ---------------------------------------------------------------------------------------------
# Walking: the one definition of a node's children
# ---------------------------------------------------------------------------------------------

Node = Expr | Command | Projection | SortKey | SourceSelector | Query
# Exact classes (a type lookup is faster than isinstance against a tuple; no node is subclassed
# outside this module).
_NODE_TYPES: frozenset[type] = frozenset(
    (*get_args(Expr), *get_args(Command), Projection, SortKey, SourceSelector, Query)
)
_COMPARED_FIELDS: dict[type, tuple[str, ...]] = {}


def _compared_fields(cls: type) -> tuple[str, ...]:
    # What a node means is in its compared fields; spans, comments and spellings are not.
    names = _COMPARED_FIELDS.get(cls)
    if names is None:
        names = _COMPARED_FIELDS[cls] = tuple(f.name for f in fields(cls) if f.compare)
    return names


@overload
def children(node: Expr) -> tuple[Expr, ...]: ...
@overload
def children(node: Node) -> tuple[Node, ...]: ...
def children(node: Node) -> tuple[Node, ...]:
    """Direct sub-nodes in written order: the nodes held by the compared fields (a Query's
    commands, a command's projections and expressions, an expression's operands). A Subquery has
    none: its query is a scope of its own (walk `subquery.query` to enter it)."""
    if isinstance(node, Subquery):
        return ()
    out: list[Node] = []
    for name in _compared_fields(type(node)):
        value = getattr(node, name)
        if type(value) in _NODE_TYPES:
            out.append(value)
        elif type(value) is tuple:  # items, arguments, or (name, value) pairs
            for item in value:
                if type(item) in _NODE_TYPES:
                    out.append(item)
                elif type(item) is tuple:
                    out.extend(v for v in item if type(v) in _NODE_TYPES)
    return tuple(out)


@overload
def walk(node: Expr) -> Iterator[Expr]: ...
@overload
def walk(node: Node) -> Iterator[Node]: ...
def walk(node: Node) -> Iterator[Node]:
    """The node and every node under it, depth first in written order (not into subqueries)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))
