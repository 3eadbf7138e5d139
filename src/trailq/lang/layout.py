"""Width-aware layout of canonical query text: what `trailq fmt` and `to_text` print.

`printer.py` gives every command and expression its one-line canonical text. Here a command
that would run past `WIDTH` columns is broken over lines, outermost structure first, keeping
the same tokens in the same order, so the text parses back to an equal AST and printing it
again gives the same text. Each level of breaking indents 4 columns more than the line it
belongs to:

- fields, display: one item per line (a list of bare field names is filled instead, as
  many names per line as fit); comments between items stay between them.
- stats: the aggregations, then `by` on its own line; each list broken as above.
- and/or chains: one operand per line, the operator first; a parenthesised chain the same,
  one level deeper.
- function calls: one argument per line, `)` closing on the last argument's line; `case`
  keeps each condition with its value on one line when the pair fits.
- lists (`in [...]`), sort keys, dedup fields: filled.

Whatever cannot be broken (a long string, regex or field name, an unaliased fields/display/stats
expression, whose column is named by its text) is printed whole: the line may then exceed the width.
"""

from __future__ import annotations

from functools import singledispatchmethod

from trailq.lang import ast as A
from trailq.lang import printer as P

WIDTH = 100
STEP = 4
_PAIRED_CALLS = {"case"}  # arguments read as (condition, value) pairs, then an optional default


def to_text(query: A.Query, *, width: int = WIDTH) -> str:
    """Canonical text of a query (no final newline), lines broken to fit `width` columns."""
    layout = Layout(width)
    return P.assemble(query, lambda command, prefix: prefix + layout.command(command, len(prefix)))


def _last_column(col: int, text: str) -> int:
    """The column after `text` when it starts at `col` (its lines after the first carry their own indentation)."""
    newline = text.rfind("\n")
    return col + len(text) if newline < 0 else len(text) - newline - 1


class Layout:
    """Lays out commands and expressions for one line width. Every method returns text whose
    first line starts at column `col` and whose later lines carry their own indentation;
    `indent` is the indentation of the construct the text belongs to, `tail` the number of
    characters that will follow the text on its last line (a comma, `)`, ` as alias`)."""

    def __init__(self, width: int = WIDTH) -> None:
        self.width = width

    def fits(self, col: int, text: str, tail: int = 0) -> bool:
        return "\n" not in text and col + len(text) + tail <= self.width

    # -- commands -----------------------------------------------------------------------------

    def command(self, c: A.Command, col: int) -> str:
        flat = P.command_text(c)
        if self.fits(col, flat) and not P.item_comments(c):
            return flat
        return self.broken_command(c, col, flat)

    # One method per command class that has a broken form (the printer's dispatch style); the
    # others stay on one line whatever their length.
    @singledispatchmethod
    def broken_command(self, c: A.Command, col: int, flat: str) -> str:
        return flat

    @broken_command.register(A.Fields)
    @broken_command.register(A.Display)
    def _(self, c: A.Fields | A.Display, col: int, flat: str) -> str:
        word = "fields " if isinstance(c, A.Fields) else "display "
        return word + self.projections(c.items, col + len(word), STEP, 0)

    @broken_command.register
    def _(self, c: A.Stats, col: int, flat: str) -> str:
        text = "stats " + self.projections(c.aggregations, col + 6, STEP, 0)
        offset = "" if c.offset is None else " offset " + P.expr_text(c.offset)
        if c.by:
            text += "\n" + " " * STEP + "by " + self.projections(c.by, STEP + 3, 2 * STEP, len(offset))
        return text + offset

    @broken_command.register
    def _(self, c: A.Filter, col: int, flat: str) -> str:
        return self.keyword_and_expr(c.keyword, c.condition, col)

    @broken_command.register
    def _(self, c: A.FilterIndex, col: int, flat: str) -> str:
        return self.keyword_and_expr("filterIndex", c.condition, col)

    @broken_command.register
    def _(self, c: A.Pattern, col: int, flat: str) -> str:
        return self.keyword_and_expr("pattern", c.expr, col)

    @broken_command.register
    def _(self, c: A.Sort, col: int, flat: str) -> str:
        keys = [P.sort_key_text(k) for k in c.keys]
        return c.keyword + " " + self.fill(keys, col + len(c.keyword) + 1, STEP, 0, ",")

    @broken_command.register
    def _(self, c: A.Dedup, col: int, flat: str) -> str:
        return "dedup " + self.fill([P.expr_text(f) for f in c.fields], col + 6, STEP, 0, ",")

    def keyword_and_expr(self, word: str, node: A.Expr, col: int) -> str:
        return word + " " + self.expr(node, col + len(word) + 1, 0, 0)

    def projections(self, items: tuple[A.Projection, ...], col: int, indent: int, tail: int) -> str:
        """A projection list: flat when it fits, filled when it is only bare field names,
        else one item per line at `indent` (with the comments kept between items)."""
        texts = [P.projection_text(p) for p in items]
        commented = any(p.comments or p.trailing_comments for p in items)
        if not commented and self.fits(col, ", ".join(texts), tail):
            return ", ".join(texts)
        if not commented and all(isinstance(p.expr, A.Field) and p.alias is None for p in items):
            return self.fill(texts, col, indent, tail, ",")
        pad = " " * indent
        lines: list[str] = []
        for i, p in enumerate(items):
            last = i == len(items) - 1
            if i > 0:
                lines.extend(pad + comment for comment in p.comments)
            text = self.projection(p, col if i == 0 else indent, indent, tail if last else 1)
            text = (text if i == 0 else pad + text) + ("" if last else ",")
            if p.trailing_comments:
                text += "  " + p.trailing_comments[0]
                lines.append(text)
                lines.extend(pad + comment for comment in p.trailing_comments[1:])
            else:
                lines.append(text)
        return "\n".join(lines)

    def projection(self, p: A.Projection, col: int, indent: int, tail: int) -> str:
        if p.alias is None and not isinstance(p.expr, A.Field):
            # Never broken: the service names its column by its text, line breaks included.
            return P.projection_text(p)
        alias = "" if p.alias is None else " as " + P.name_text(p.alias)
        return self.expr(p.expr, col, indent, tail + len(alias)) + alias

    def fill(self, texts: list[str], col: int, indent: int, tail: int, sep: str) -> str:
        """Items separated by `sep`, as many per line as fit; later lines at `indent`."""
        lines: list[str] = []
        column = col
        for i, text in enumerate(texts):
            last = i == len(texts) - 1
            piece = text if last else text + sep
            room = tail if last else 0
            if not lines:
                lines.append(piece)
                column = col + len(piece)
            elif column + 1 + len(piece) + room <= self.width:
                lines[-1] += " " + piece
                column += 1 + len(piece)
            else:
                lines.append(" " * indent + piece)
                column = indent + len(piece)
        return "\n".join(lines)

    # -- expressions --------------------------------------------------------------------------

    def expr(self, node: A.Expr, col: int, indent: int, tail: int) -> str:
        """An expression: its flat text when that fits, else broken at its outermost structure."""
        flat = P.expr_text(node)
        if self.fits(col, flat, tail):
            return flat
        return self.broken_expr(node, flat, col, indent, tail)

    @singledispatchmethod
    def broken_expr(self, node: A.Expr, flat: str, col: int, indent: int, tail: int) -> str:
        return flat  # atoms, `-x` and postfix access are never broken

    @broken_expr.register
    def _(self, node: A.Call, flat: str, col: int, indent: int, tail: int) -> str:
        return self.call(node, indent, tail) if node.args else flat

    @broken_expr.register
    def _(self, node: A.Binary, flat: str, col: int, indent: int, tail: int) -> str:
        if node.op in ("and", "or"):
            return self.chain(node, col, indent, tail)
        left_parens, right_parens = P.binary_parens(node)
        return self.infix(node.left, left_parens, node.op, node.right, right_parens, col, indent, tail)

    @broken_expr.register(A.Like)
    @broken_expr.register(A.Match)
    @broken_expr.register(A.In)
    def _(self, node: A.Like | A.Match | A.In, flat: str, col: int, indent: int, tail: int) -> str:
        left_parens, op, right, right_parens = P.pattern_parts(node)
        return self.infix(node.operand, left_parens, op, right, right_parens, col, indent, tail)

    @broken_expr.register
    def _(self, node: A.Unary, flat: str, col: int, indent: int, tail: int) -> str:
        if node.op != "not":
            return flat
        parens = P.precedence(node.operand) < P.precedence(node)
        return "not " + self.wrapped(node.operand, parens, col + 4, indent, tail)

    @broken_expr.register
    def _(self, node: A.ListLiteral, flat: str, col: int, indent: int, tail: int) -> str:
        if not node.items:
            return flat
        inner = indent + STEP
        items = self.fill([P.expr_text(item) for item in node.items], inner, inner, tail + 1, ",")
        return "[\n" + " " * inner + items + "]"

    def wrapped(self, node: A.Expr, parens: bool, col: int, indent: int, tail: int) -> str:
        if not parens:
            return self.expr(node, col, indent, tail)
        return "(" + self.expr(node, col + 1, indent, tail + 1) + ")"

    def infix(
        self, left: A.Expr, left_parens: bool, op: str, right: A.Expr, right_parens: bool, col: int, indent: int, tail: int
    ) -> str:
        """`left op right` with the operator kept on the left operand's last line."""
        right_flat = P.wrap(right, right_parens)
        left_text = self.wrapped(left, left_parens, col, indent, len(op) + 2 + len(right_flat) + tail)
        right_col = _last_column(col, left_text) + len(op) + 2
        return f"{left_text} {op} {self.wrapped(right, right_parens, right_col, indent, tail)}"

    def chain(self, node: A.Binary, col: int, indent: int, tail: int) -> str:
        """`a and b and c`: the first operand where the chain starts, each other one on its own
        line one level deeper, led by the operator."""
        op = node.op
        operands = _chain(node, op)
        inner = indent + STEP
        parts: list[str] = []
        for i, (operand, parens) in enumerate(operands):
            last = i == len(operands) - 1
            start = col if i == 0 else inner + len(op) + 1
            text = self.wrapped(operand, parens, start, inner, tail if last else 0)
            parts.append(text if i == 0 else " " * inner + op + " " + text)
        return "\n".join(parts)

    def call(self, node: A.Call, indent: int, tail: int) -> str:
        """`name(` then one argument per line one level deeper; `)` ends the last line.
        A call whose only argument is a call breaks the inner one: `f(g(` then g's arguments."""
        inner = indent + STEP
        args = node.args
        if len(args) == 1 and isinstance(args[0], A.Call) and args[0].args:
            return node.name + "(" + self.call(args[0], indent, tail + 1) + ")"
        if node.name in _PAIRED_CALLS:
            groups = [args[i : i + 2] for i in range(0, len(args), 2)]
        else:
            groups = [(arg,) for arg in args]
        lines: list[str] = []
        for i, group in enumerate(groups):
            last = i == len(groups) - 1
            end = ")" if last else ","
            room = len(end) + (tail if last else 0)
            if len(group) == 2:
                pair = P.expr_text(group[0]) + ", " + P.expr_text(group[1])
                if self.fits(inner, pair, room):
                    lines.append(" " * inner + pair + end)
                    continue
                condition = self.expr(group[0], inner, inner, 1) + ","
                value = P.expr_text(group[1])
                if "\n" in condition and self.fits(_last_column(inner, condition) + 1, value, room):
                    # A condition broken over lines: its value ends the last line when it fits there.
                    lines.append(" " * inner + condition + " " + value + end)
                    continue
                value = self.expr(group[1], inner + STEP, inner + STEP, room) + end
                lines.append(" " * inner + condition + "\n" + " " * (inner + STEP) + value)
            else:
                lines.append(" " * inner + self.expr(group[0], inner, inner, room) + end)
        return node.name + "(\n" + "\n".join(lines)


def _chain(node: A.Binary, op: str) -> list[tuple[A.Expr, bool]]:
    """Operands of a left-associated `a op b op c` chain, with whether each needs parentheses
    (as `printer.binary_parens` decides)."""
    left_parens, right_parens = P.binary_parens(node)
    left, right = node.left, node.right
    head = _chain(left, op) if isinstance(left, A.Binary) and left.op == op else [(left, left_parens)]
    # A balanced chain's right side is part of the chain too (printed without parentheses).
    tail = _chain(right, op) if not right_parens and isinstance(right, A.Binary) and right.op == op else [(right, right_parens)]
    return head + tail
