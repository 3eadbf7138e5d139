"""The printer: AST → canonical one-line text of each command and expression, which parses
back to an equal AST (`layout.py` breaks long commands over lines; `to_text` lives there).

Canonical form: one command per line, continuation lines start with `| `; commands and
keywords lower case (`SOURCE` and `OUTPUT` as documented); functions by canonical name;
strings double-quoted unless that would need an escape the single-quoted original did not (a
string with a backslash or a `"` keeps its spelling); one space around binary operators;
parentheses only where precedence needs them. An unaliased fields/display/stats expression
keeps its spelling (its column is named by it). Comments are printed back: leading comments
on their own lines before the command, same-line comments after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import singledispatch

from trailq.errors import QueryError
from trailq.lang import ast as A
from trailq.lang.lexer import decode_string, encode_string
from trailq.lang.parser import Parser
from trailq.lang.pratt import BINDING, POSTFIX, PREFIX_MINUS, PREFIX_NOT, RESERVED, RIGHT_ASSOC
from trailq.numbers import from_text

_PLAIN_FIRST = re.compile(r"@*[A-Za-z_@][A-Za-z0-9_@]*\Z")
_PLAIN_REST = re.compile(r"[A-Za-z0-9_@]+\Z")
_ATOM = 100  # above every operator: a literal, a name or a call never needs parentheses


def flat_query_text(query: A.Query) -> str:
    """A query one command per line, no line broken (subqueries; `layout.to_text` breaks lines)."""
    return assemble(query, lambda command, prefix: prefix + command_text(command), item_comments)


def assemble(
    query: A.Query,
    command_line: Callable[[A.Command, str], str],
    extra_comments: Callable[[A.Command], tuple[str, ...]] = lambda command: (),
) -> str:
    """The query's commands, one per entry (`| ` before all but the first), each with its leading
    comments above it and its trailing comments (after `extra_comments`) beside and below it."""
    lines: list[str] = []
    for i, command in enumerate(query.commands):
        lines.extend(command.comments)
        text = command_line(command, "" if i == 0 else "| ")
        trailing = extra_comments(command) + command.trailing_comments
        if trailing:
            lines.append(text + "  " + trailing[0])
            lines.extend(trailing[1:])
        else:
            lines.append(text)
    lines.extend(query.trailing_comments)
    return "\n".join(lines)


def item_comments(command: A.Command) -> tuple[str, ...]:
    """Comments kept with the items of a fields/display/stats list, in order (printed after the
    command when it stays on one line)."""
    items: tuple[A.Projection, ...] = ()
    if isinstance(command, (A.Fields, A.Display)):
        items = command.items
    elif isinstance(command, A.Stats):
        items = command.aggregations + command.by
    return tuple(c for p in items for c in (*p.comments, *p.trailing_comments))


# -- names -----------------------------------------------------------------------------------


def quote_segment(segment: str, first: bool) -> str:
    if first:
        stripped = segment.lstrip("@")
        prefix = segment[: len(segment) - len(stripped)]
        if _PLAIN_FIRST.match(segment) and segment.lower() not in RESERVED:
            return segment
        if not stripped:
            return segment  # '@' alone
        return prefix + "`" + stripped + "`"
    return segment if _PLAIN_REST.match(segment) else "`" + segment + "`"


def field_text(field: A.Field) -> str:
    segments = field.segments
    if not segments or ".".join(segments) != field.name:
        return name_text(field.name)
    return ".".join(quote_segment(seg, i == 0) for i, seg in enumerate(segments))


def name_text(name: str) -> str:
    """A field or alias name, backtick-quoted when it would not lex back as one name."""
    first, *rest = name.split(".")
    if _PLAIN_FIRST.match(first) and first.lower() not in RESERVED and all(_PLAIN_REST.match(s) for s in rest):
        return name
    stripped = name.lstrip("@")
    if not stripped or "`" in stripped:
        return name  # cannot be quoted; the parser will say so
    return name[: len(name) - len(stripped)] + "`" + stripped + "`"


# -- expressions -----------------------------------------------------------------------------


@singledispatch
def precedence(node: A.Expr) -> int:
    """How tightly a node's own syntax binds: an operand binding looser than its operator gets
    parentheses. Atoms (fields, calls, literals, lists) bind tightest."""
    return _ATOM


@precedence.register
def _(node: A.Binary) -> int:
    return BINDING[node.op]


@precedence.register(A.Like)
@precedence.register(A.Match)
@precedence.register(A.In)
def _(node: A.Expr) -> int:
    return BINDING["like"]


@precedence.register
def _(node: A.Unary) -> int:
    return PREFIX_NOT if node.op == "not" else PREFIX_MINUS


@precedence.register(A.Number)
@precedence.register(A.Duration)
def _(node: A.Number | A.Duration) -> int:
    return PREFIX_MINUS if node_negative(node) else _ATOM  # `-1` prints as a prefix minus


@precedence.register(A.Index)
@precedence.register(A.Member)
def _(node: A.Expr) -> int:
    return POSTFIX


def binary_parens(node: A.Binary) -> tuple[bool, bool]:
    """Whether the left and the right operand of a binary operator need parentheses.

    Precedence decides, plus one rule for readers: an `and` under an `or` is parenthesised
    although `and` binds tighter (`(a and b) or c`), so nobody has to remember which does.
    """
    own = precedence(node)
    left_p, right_p = precedence(node.left), precedence(node.right)
    if node.op in RIGHT_ASSOC:
        left, right = left_p <= own, right_p < own
    else:
        left, right = left_p < own, right_p <= own
    if node.op == "or":
        left = left or (isinstance(node.left, A.Binary) and node.left.op == "and")
        right = right or (isinstance(node.right, A.Binary) and node.right.op == "and")
    if node.chained and isinstance(node.right, A.Binary) and node.right.chained and node.right.op == node.op:
        right = False  # one balanced chain (pratt.balanced): written, and printed, without parentheses
    return left, right


def node_negative(node: A.Number | A.Duration) -> bool:
    value = node.value if isinstance(node, A.Number) else node.amount
    return value < 0 or (isinstance(value, float) and str(value).startswith("-"))


def wrap(node: A.Expr, needs_parens: bool) -> str:
    text = expr_text(node)
    return f"({text})" if needs_parens else text


@singledispatch
def expr_text(node: A.Expr) -> str:
    """Canonical text of one expression (one function per node class, registered below)."""
    raise TypeError(f"not an expression node: {node!r}")


@expr_text.register
def _(node: A.Field) -> str:
    return field_text(node)


@expr_text.register
def _(node: A.String) -> str:
    return string_text(node)


@expr_text.register
def _(node: A.Number) -> str:
    return number_text(node)


@expr_text.register
def _(node: A.Boolean) -> str:
    return "true" if node.value else "false"


@expr_text.register
def _(node: A.Duration) -> str:
    return f"{number_literal(node.amount)}{node.unit}"


@expr_text.register
def _(node: A.Regex) -> str:
    return f"/{node.pattern}/"


@expr_text.register
def _(node: A.Placeholder) -> str:
    return "{{" + node.name + "}}"


@expr_text.register
def _(node: A.Star) -> str:
    return "*"


@expr_text.register
def _(node: A.ListLiteral) -> str:
    return "[" + ", ".join(expr_text(item) for item in node.items) + "]"


@expr_text.register
def _(node: A.MapLiteral) -> str:
    return "{" + ", ".join(f"{encode_string(k)}: {expr_text(v)}" for k, v in node.entries) + "}"


@expr_text.register
def _(node: A.Call) -> str:
    return node.name + "(" + ", ".join(expr_text(arg) for arg in node.args) + ")"


@expr_text.register
def _(node: A.Unary) -> str:
    own = precedence(node)
    if node.op == "not":
        return "not " + wrap(node.operand, precedence(node.operand) < own)
    operand = node.operand
    # `-5` would read back as the literal -5, so a negated literal keeps its parentheses.
    literal = isinstance(operand, (A.Number, A.Duration))
    return "-" + wrap(operand, literal or precedence(operand) < own)


@expr_text.register
def _(node: A.Binary) -> str:
    left_parens, right_parens = binary_parens(node)
    return f"{wrap(node.left, left_parens)} {node.op} {wrap(node.right, right_parens)}"


def pattern_parts(node: A.Like | A.Match | A.In) -> tuple[bool, str, A.Expr, bool]:
    """`operand op right` of like, =~ and in: whether the operand needs parentheses, the operator,
    the right side, and whether it needs them (a list never does). The layout breaks the same parts."""
    own = precedence(node)
    if isinstance(node, A.Match):
        op, right = "=~", node.pattern
    else:
        op = ("not " if node.negated else "") + ("in" if isinstance(node, A.In) else "like")
        right = node.items if isinstance(node, A.In) else node.pattern
    return precedence(node.operand) < own, op, right, not isinstance(node, A.In) and precedence(right) <= own


@expr_text.register(A.Like)
@expr_text.register(A.Match)
@expr_text.register(A.In)
def _(node: A.Like | A.Match | A.In) -> str:
    left_parens, op, right, right_parens = pattern_parts(node)
    return f"{wrap(node.operand, left_parens)} {op} {wrap(right, right_parens)}"


@expr_text.register
def _(node: A.Subquery) -> str:
    inner = flat_query_text(node.query)
    return f"({inner}\n)" if "#" in inner else f"({inner})"


@expr_text.register
def _(node: A.Index) -> str:
    return f"{wrap(node.base, precedence(node.base) < POSTFIX)}[{expr_text(node.index)}]"


@expr_text.register
def _(node: A.Member) -> str:
    # A member of a plain field (`(a).b`, `a. b`) is not the field `a.b`: a space before the dot keeps
    # it a member, also where only a field may stand (`parse a .b /re/`).
    dot = " ." if isinstance(node.base, A.Field) else "."
    return f"{wrap(node.base, precedence(node.base) < POSTFIX)}{dot}{quote_segment(node.name, False)}"


def number_literal(value: int | float) -> str:
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return str(value)
    text = repr(value)
    if "e" in text or "n" in text:  # 1e+20, inf, nan: write the digits out
        text = f"{value:f}"
    return text


def number_text(node: A.Number) -> str:
    text = node.text
    if text:
        try:
            if (float(text) if "." in text else from_text(text)) == node.value:
                return text
        except ValueError:
            pass
    return number_literal(node.value)


def string_text(node: A.String) -> str:
    """A string literal: as written when it holds a backslash or a quote (escapes are not
    documented, so none is added or removed), else double-quoted."""
    raw = node.raw
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"" and decode_string(raw[1:-1]) == node.value:
        body = raw[1:-1]
        if "\\" in body or '"' in body or "'" in body:
            return raw
        return f'"{body}"'
    if '"' in node.value and "'" not in node.value and "\\" not in node.value and "\n" not in node.value:
        return f"'{node.value}'"  # needs no escape in single quotes
    return encode_string(node.value)


def kept_spelling(p: A.Projection | A.SortKey) -> str | None:
    """The text an unaliased expression (or a sort key) is printed as when the canonical text
    would rename its column: its own source text (whitespace runs collapsed between tokens), if
    that reads back as the same expression; else None (then the canonical text)."""
    if getattr(p, "alias", None) is not None or not p.source_name:
        return None
    canonical = expr_text(p.expr)
    if canonical == p.source_name:
        return None
    return p.source_name if _reads_back(p.source_name, p.expr) else None


def sort_key_text(key: A.SortKey) -> str:
    direction = "" if key.descending is None else (" desc" if key.descending else " asc")
    return (kept_spelling(key) or expr_text(key.expr)) + direction


def _reads_back(text: str, expr: A.Expr) -> bool:
    try:
        command = Parser("fields " + text, placeholders=True).parse_query().commands
    except QueryError:
        return False
    return len(command) == 1 and isinstance(command[0], A.Fields) and len(command[0].items) == 1 and (
        command[0].items[0].alias is None and command[0].items[0].expr == expr
    )


def projection_text(p: A.Projection) -> str:
    kept = kept_spelling(p)
    if kept is not None:
        return kept
    text = expr_text(p.expr)
    return text if p.alias is None else f"{text} as {name_text(p.alias)}"


def projections_text(items: tuple[A.Projection, ...]) -> str:
    return ", ".join(projection_text(p) for p in items)


# -- commands --------------------------------------------------------------------------------


@singledispatch
def command_text(c: A.Command) -> str:
    """Canonical text of one command (no pipe, no comments); one function per command class."""
    raise TypeError(f"not a command node: {c!r}")


@command_text.register
def _(c: A.Fields) -> str:
    return "fields " + projections_text(c.items)


@command_text.register
def _(c: A.Display) -> str:
    return "display " + projections_text(c.items)


@command_text.register
def _(c: A.Filter) -> str:
    return f"{c.keyword} {expr_text(c.condition)}"


@command_text.register
def _(c: A.Stats) -> str:
    text = "stats " + projections_text(c.aggregations)
    text += " by " + projections_text(c.by) if c.by else ""
    return text + (" offset " + expr_text(c.offset) if c.offset is not None else "")


@command_text.register
def _(c: A.Sort) -> str:
    return f"{c.keyword} " + ", ".join(sort_key_text(key) for key in c.keys)


@command_text.register
def _(c: A.Limit) -> str:
    return f"{c.keyword} {'any ' if c.any else ''}{expr_text(c.count)}"


@command_text.register
def _(c: A.Dedup) -> str:
    return "dedup " + ", ".join(expr_text(f) for f in c.fields)


@command_text.register
def _(c: A.Unnest) -> str:
    return f"unnest {expr_text(c.field)} into {name_text(c.into)}"


@command_text.register
def _(c: A.Unmask) -> str:
    return "unmask"


@command_text.register
def _(c: A.Anomaly) -> str:
    return "anomaly"


@command_text.register
def _(c: A.Pattern) -> str:
    return "pattern " + expr_text(c.expr)


@command_text.register
def _(c: A.Diff) -> str:
    return "diff" + (f" {c.period}" if c.period else "")


@command_text.register
def _(c: A.FilterIndex) -> str:
    return "filterIndex " + expr_text(c.condition)


@command_text.register(A.Lookup)
@command_text.register(A.CidrLookup)
def _(c: A.Lookup | A.CidrLookup) -> str:
    word = "lookup" if isinstance(c, A.Lookup) else "cidrlookup"
    return f"{word} {name_text(c.table)} {projections_text(c.matches)} {c.mode} {projections_text(c.outputs)}"


@command_text.register
def _(c: A.JsonExtract) -> str:
    source = "" if c.source is None else expr_text(c.source)
    path = "" if c.path is None else expr_text(c.path)
    return f"json field={source} {path} as {name_text(c.alias or '')}"


@command_text.register
def _(c: A.GenericCommand) -> str:
    return (c.name + " " + generic_args_text(c.args)).rstrip()


_SAVED_QUERY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@command_text.register
def saved_query_text(c: A.SavedQueryCall) -> str:
    """`$Name(p = "v", n = 10)`; a name that is not one plain word in backticks."""
    name = c.query_name if _SAVED_QUERY_NAME.match(c.query_name) else f"`{c.query_name}`"
    params = ", ".join(f"{key} = {expr_text(value)}" for key, value in c.params)
    return f"${name}({params})"


@command_text.register
def parse_text(c: A.Parse) -> str:
    parts = ["parse"]
    if c.source is not None:
        parts.append(expr_text(c.source))
    if c.mode in ("logfmt", "csv"):
        parts.append(c.mode)
    elif c.pattern is not None:
        parts.append(expr_text(c.pattern))
    if c.aliases:
        parts.append("as " + ", ".join(name_text(a) for a in c.aliases))
    if c.multi:
        parts.append("multi")
    return " ".join(parts)


@command_text.register
def source_text(c: A.Source) -> str:
    parts = ["SOURCE"]
    for sel in c.selectors:
        if sel.kind == "name":
            parts.append(log_group_text(sel))
        else:
            args = [expr_text(a) for a in sel.args] + [f"{name_text(k)}: {expr_text(v)}" for k, v in sel.named]
            parts.append(f"{sel.kind}({', '.join(args)})")
    if c.start is not None:
        parts.append("START=" + expr_text(c.start))
    if c.end is not None:
        parts.append("END=" + expr_text(c.end))
    return " ".join(parts)


_BARE_LOG_GROUP = re.compile(r"[.\-_/#A-Za-z0-9]+\Z")


def log_group_text(sel: A.SourceSelector) -> str:
    """A SOURCE log group name as it was written: bare, backquoted or quoted."""
    name = sel.args[0]
    if not isinstance(name, A.String):
        return expr_text(name)
    value = name.value
    bare_ok = _BARE_LOG_GROUP.match(value) and not value.startswith("#") and value.lower() not in ("start", "end")
    if bare_ok and sel.quote == "bare":
        return value
    if sel.quote == "`" and "`" not in value and "\n" not in value:
        return f"`{value}`"
    return expr_text(name)


_NO_SPACE_BEFORE = {",", ")", "]", "}", ":", "=", "."}
_NO_SPACE_AFTER = {"(", "[", "{", "=", "."}


def generic_args_text(args: tuple[str, ...]) -> str:
    out = ""
    prev = ""
    for arg in args:
        if out and arg not in _NO_SPACE_BEFORE and prev not in _NO_SPACE_AFTER:
            out += " "
        out += arg
        prev = arg
    return out
