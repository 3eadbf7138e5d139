"""Expressions: a Pratt parser whose binding powers live in one table.

Precedence, loosest first (decided; AWS does not document it): or < and < not < comparisons
(= != < <= > >= like, not like, =~, in, not in) < + - < * / % < ^ (right-assoc) < unary minus
< postfix (call, [index], .member). `!x` is read as `not x`.

The printer reads the same table to decide where parentheses go.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from trailq.lang import ast as A
from trailq.lang import functions
from trailq.lang import tokens as T
from trailq.lang.cursor import TokenCursor
from trailq.lang.lexer import encode_string
from trailq.lang.regex import regex_error
from trailq.source import Span

# Binding powers of infix operators (by op text, or lower-cased keyword).
BINDING: dict[str, int] = {
    "or": 10,
    "and": 20,
    **dict.fromkeys(["=", "==", "!=", "<", "<=", ">", ">=", "=~", "like", "in", "not"], 40),
    "+": 50,
    "-": 50,
    "*": 60,
    "/": 60,
    "%": 60,
    "^": 70,
}
PREFIX_NOT = 30
PREFIX_MINUS = 80
POSTFIX = 90
RIGHT_ASSOC = {"^"}
COMPARISONS = {"=", "!=", "<", "<=", ">", ">="}

# Words that cannot be bare field names in an expression (quote them with backticks).
RESERVED = {"and", "or", "not", "like", "in", "as", "by", "asc", "desc"}
# Boolean literals, any case (a field named `true` is written with backticks).
BOOLEANS = {"true", "false"}
# The deepest expression tree accepted. Every consumer recurses over the tree (printer, layout, the
# engine's compiler and its closures, the SQL compiler and sqlglot, which gave up near 170 levels), so
# a deeper one is a QueryError here rather than a RecursionError (exit 70) there.
MAX_DEPTH = 100
# An `and`/`or` chain longer than this is built balanced (depth log2 n), so that a long allow-list
# written as `x != "a" and x != "b" and …` stays far from MAX_DEPTH. Shorter chains keep the
# grammar's left-deep shape.
BALANCE_FROM = 32


class ExpressionParser(TokenCursor):
    """Expression parsing on top of the token cursor; `Parser` (parser.py) adds the commands."""

    if TYPE_CHECKING:
        # `x in (subquery)` parses a whole query; Parser (parser.py) defines parse_query.
        def parse_query(self, *, until: str = T.EOF) -> A.Query: ...

    def parse_expr(self, rbp: int = 0) -> A.Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error("expression nested too deeply", self.tok.span)
        try:
            left = self.nud()
            while True:
                lbp = self.infix_power()
                if lbp <= rbp:
                    break
                left = self.led(left, lbp)
        finally:
            self.depth -= 1
        left = balanced(left)
        if self.depth == 0:
            self.check_depth(left)
        return left

    def check_depth(self, node: A.Expr) -> None:
        """Left-deep chains (`a + b + …`) are built by a loop, not by recursion: their depth is
        measured here, without recursion, once per outermost expression."""
        stack = [(node, 1)]
        while stack:
            current, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise self.error(f"expression nested too deeply (more than {MAX_DEPTH} levels)", current.span)
            stack.extend((child, depth + 1) for child in A.children(current))

    def infix_power(self) -> int:
        tok = self.tok
        if tok.kind == T.OP:
            return BINDING.get(tok.text, 0)
        if tok.kind in (T.LBRACKET, T.DOT):
            return POSTFIX
        word = tok.word
        if word is None or word not in BINDING:
            return 0
        if word == "not" and self.peek().word not in ("like", "in"):
            return 0
        return BINDING[word]

    def nud(self) -> A.Expr:
        """An operand or a prefix operator: the parselet for the current token's kind (NUD)."""
        self.relex_regex()
        parselet = NUD.get(self.tok.kind)
        if parselet is None:
            raise self.unexpected("an expression")
        return parselet(self)

    def number_literal(self) -> A.Number:
        tok = self.advance()
        if "e" in tok.text.lower():
            self.warn("exponent-number", f"{tok.text} is in scientific notation, which no AWS page shows", tok.span)
        return A.Number(tok.number(), text=tok.text, span=tok.span)

    def duration_literal(self) -> A.Duration:
        tok = self.advance()
        amount, unit = tok.duration()
        return A.Duration(amount, unit, span=tok.span)

    def string_literal(self) -> A.String:
        tok = self.advance()
        return A.String(str(tok.value), raw=tok.text, span=tok.span)

    def url_literal(self) -> A.String:
        """An unquoted URL (`referrer= http://34.250.27.141/`, AWS's Apache sample): the string it spells."""
        tok = self.advance()
        self.warn("unquoted-url", f"the unquoted URL {tok.text} is read as the string \"{tok.text}\"", tok.span)
        return A.String(tok.text, raw=encode_string(tok.text), span=tok.span)

    def placeholder(self) -> A.Placeholder:
        tok = self.advance()
        return A.Placeholder(str(tok.value), span=tok.span)

    def prefix_operator(self) -> A.Expr:
        if self.tok.text == "-":
            return self.negation()
        if self.tok.text == "!":
            return self.logical_not()
        raise self.unexpected("an expression")

    def logical_not(self) -> A.Unary:
        """`not x` or `!x`."""
        start = self.advance().start
        operand = self.parse_expr(PREFIX_NOT)
        return A.Unary("not", operand, span=self.span_from(start))

    def group(self) -> A.Expr:
        """`( expr )`: parentheses leave no node."""
        self.advance()
        inner = self.parse_expr()
        self.expect(T.RPAREN, "')'")
        return inner

    def identifier(self) -> A.Expr:
        """A field or a function call; `not` here is the prefix operator."""
        tok = self.tok
        if tok.word == "not":
            return self.logical_not()
        if tok.word in RESERVED:
            raise self.error(f"expected an expression, found keyword '{tok.text}'", tok.span)
        if tok.word in BOOLEANS and self.peek().kind not in (T.LPAREN, T.DOT, T.LBRACKET):
            self.advance()
            return A.Boolean(tok.word == "true", text=tok.text, span=tok.span)
        return self.parse_field_or_call()

    def negation(self) -> A.Expr:
        minus = self.advance()
        nxt = self.tok
        if nxt.kind == T.NUMBER and nxt.start == minus.end:
            self.advance()
            return A.Number(-nxt.number(), text="-" + nxt.text, span=self.span_from(minus.start))
        if nxt.kind == T.DURATION and nxt.start == minus.end:
            self.advance()
            amount, unit = nxt.duration()
            return A.Duration(-amount, unit, span=self.span_from(minus.start))
        operand = self.parse_expr(PREFIX_MINUS)
        return A.Unary("-", operand, span=self.span_from(minus.start))

    def regex_literal(self) -> A.Regex:
        tok = self.advance()
        problem = regex_error(str(tok.value))
        if problem is not None:
            raise self.error(f"bad regex: {problem}", tok.span)
        return A.Regex(str(tok.value), span=tok.span)

    def list_literal(self) -> A.ListLiteral:
        start = self.advance().start
        items: list[A.Expr] = []
        while self.tok.kind != T.RBRACKET:
            items.append(self.parse_expr())
            if self.tok.kind != T.COMMA:
                break
            self.advance()
        self.expect(T.RBRACKET, "',' or ']'")
        return A.ListLiteral(tuple(items), span=self.span_from(start))

    def map_literal(self) -> A.MapLiteral:
        start = self.advance().start
        entries: list[tuple[str, A.Expr]] = []
        while self.tok.kind != T.RBRACE:
            key = self.expect(T.STRING, "a quoted key")
            self.expect(T.COLON, "':'")
            entries.append((str(key.value), self.parse_expr()))
            if self.tok.kind != T.COMMA:
                break
            self.advance()
        self.expect(T.RBRACE, "',' or '}'")
        return A.MapLiteral(tuple(entries), span=self.span_from(start))

    def parse_field_or_call(self) -> A.Expr:
        tok = self.tok
        if tok.kind != T.IDENT:
            raise self.unexpected("a field name")
        self.advance()
        if self.tok.kind == T.LPAREN and tok.word is not None and self.tok.start == tok.end:
            return self.call(tok)
        if self.tok.kind == T.LPAREN and tok.word is not None and functions.lookup(tok.word) is not None:
            return self.call(tok)
        return A.Field(str(tok.value), segments=tok.segments, span=tok.span)

    def call(self, name_tok: T.Token) -> A.Call:
        spec = functions.lookup(name_tok.text)
        if spec is None:
            close = functions.suggest(name_tok.text)
            hint = f"did you mean {close}()?" if close else None
            raise self.error(f"unknown function '{name_tok.text}'", name_tok.span, "unknown-function", hint)
        self.advance()  # (
        args: list[A.Expr] = []
        while self.tok.kind != T.RPAREN:
            args.append(self.call_argument(spec))
            if self.tok.kind != T.COMMA:
                break
            self.advance()
        self.expect(T.RPAREN, "',' or ')'")
        span = self.span_from(name_tok.start)
        n = len(args)
        if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
            raise self.error(
                f"{spec.name}() takes {spec.arity_text()}, got {n}", span, "arity"
            )
        for position in spec.duration_args:
            if position < n and not isinstance(args[position], (A.Duration, A.Placeholder)):
                raise self.error(
                    f"{spec.name}() expects a time period such as 5m or 1h", args[position].span, "semantic"
                )
            period = args[position] if position < n else None
            if isinstance(period, A.Duration) and period.amount <= 0:
                # A zero or negative period has no bins: every row would vanish (or loop), silently.
                raise self.error(f"{spec.name}() needs a positive time period", period.span, "semantic")
        return A.Call(spec.name, tuple(args), span=span)

    def call_argument(self, spec: functions.FunctionSpec) -> A.Expr:
        tok = self.tok
        if tok.kind == T.OP and tok.text == "*" and self.peek().kind in (T.RPAREN, T.COMMA):
            if not spec.star_arg:
                raise self.error(f"{spec.name}() does not take '*'", tok.span, "semantic")
            self.advance()
            return A.Star(span=tok.span)
        return self.parse_expr()

    def parse_postfix(self, left: A.Expr) -> A.Expr:
        while self.tok.kind in (T.LBRACKET, T.DOT):
            left = self.led(left, POSTFIX)
        return left

    def led(self, left: A.Expr, lbp: int) -> A.Expr:
        tok = self.advance()
        start = left.span.start
        if tok.kind == T.LBRACKET:
            index = self.parse_expr()
            self.expect(T.RBRACKET, "']'")
            return A.Index(left, index, span=self.span_from(start))
        if tok.kind == T.DOT:
            name_tok = self.expect(T.IDENT, "a member name after '.'")
            node: A.Expr = left
            for segment in name_tok.segments:
                node = A.Member(node, segment, span=Span(start, name_tok.end))
            return node
        op = tok.text if tok.kind == T.OP else str(tok.word)
        if op == "==":
            self.warn("double-equals", "'==' is read as '=' (the operator tables list only '=')", tok.span)
            op = "="
        negated = False
        if op == "not":
            negated = True
            op = str(self.advance().word)
        if op == "like":
            return A.Like(left, self.parse_expr(lbp), negated, span=self.span_from(start))
        if op == "=~":
            return A.Match(left, self.parse_expr(lbp), span=self.span_from(start))
        if op == "in":
            return A.In(left, self.in_items(), negated, span=self.span_from(start))
        right = self.parse_expr(lbp - 1 if op in RIGHT_ASSOC else lbp)
        return A.Binary(op, left, right, span=self.span_from(start))

    def in_items(self) -> A.Expr:
        tok = self.tok
        if tok.kind == T.LBRACKET:
            return self.list_literal()
        if tok.kind == T.PLACEHOLDER:
            self.advance()
            return A.Placeholder(str(tok.value), span=tok.span)
        if tok.kind == T.LPAREN:
            self.advance()
            self.depth += 10
            try:
                query = self.parse_query(until=T.RPAREN)
            finally:
                self.depth -= 10
            self.expect(T.RPAREN, "')'")
            return A.Subquery(query, span=self.span_from(tok.start))
        raise self.unexpected("'[' (a list) after 'in'")


# Token kind → the parselet that starts an expression with it (the NUD of a Pratt parser).
NUD: dict[str, Callable[[ExpressionParser], A.Expr]] = {
    T.NUMBER: ExpressionParser.number_literal,
    T.DURATION: ExpressionParser.duration_literal,
    T.STRING: ExpressionParser.string_literal,
    T.URL: ExpressionParser.url_literal,
    T.PLACEHOLDER: ExpressionParser.placeholder,
    T.REGEX: ExpressionParser.regex_literal,
    T.OP: ExpressionParser.prefix_operator,
    T.LPAREN: ExpressionParser.group,
    T.LBRACKET: ExpressionParser.list_literal,
    T.LBRACE: ExpressionParser.map_literal,
    T.IDENT: ExpressionParser.identifier,
}


def balanced(node: A.Expr) -> A.Expr:
    """A long `a and b and …` (or `or`) chain rebuilt as a balanced tree of the same operands in the
    same order: `and` and `or` are associative, and evaluation still runs left to right."""
    if not isinstance(node, A.Binary) or node.op not in ("and", "or"):
        return node
    operands: list[A.Expr] = []
    current: A.Expr = node
    while isinstance(current, A.Binary) and current.op == node.op and not current.chained:
        operands.append(current.right)
        current = current.left
    operands.append(current)
    if len(operands) <= BALANCE_FROM:
        return node
    operands.reverse()
    return _balanced_tree(node.op, operands)


def _balanced_tree(op: str, operands: list[A.Expr]) -> A.Expr:
    if len(operands) == 1:
        return operands[0]
    middle = len(operands) // 2
    left, right = _balanced_tree(op, operands[:middle]), _balanced_tree(op, operands[middle:])
    return A.Binary(op, left, right, span=Span(left.span.start, right.span.end), chained=True)
