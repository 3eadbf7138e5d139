"""The parser: tokens → Query AST. Commands by a keyword → method dispatch table,
expressions by a Pratt parser whose binding powers live in one table.

Precedence, loosest first (decided; AWS does not document it): or < and < not < comparisons
(= != < <= > >= like, not like, =~, in, not in) < + - < * / % < ^ (right-assoc) < unary minus
< postfix (call, [index], .member). `!x` is read as `not x`.

Only `trailq.errors.QueryError` escapes `parse` (a hypothesis test holds us to it).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from trailq.errors import QueryError
from trailq.lang import ast as A
from trailq.lang import functions
from trailq.lang import tokens as T
from trailq.lang.lexer import Lexer, regex_error
from trailq.source import Span

# Binding powers of infix operators (by op text, or lower-cased keyword).
BINDING: dict[str, int] = {
    "or": 10,
    "and": 20,
    **dict.fromkeys(["=", "!=", "<", "<=", ">", ">=", "=~", "like", "in", "not"], 40),
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

# Newer commands parsed syntactically only (§3.18, §3.17): spelling → canonical name.
GENERIC_COMMANDS = {
    name.lower(): name
    for name in (
        "addtotals", "relevantfields", "expand", "estimate", "autoregress", "logcompare", "filldown",
        "fillmissing", "outlier", "accum", "appendcols", "sessionize", "countFrequent", "join", "search",
    )
}
GENERIC_COMMANDS["count_frequent"] = "countFrequent"

DIFF_PERIODS = {p.lower(): p for p in ("previousDay", "previousWeek", "previousMonth")}
SOURCE_SELECTORS = {s.lower(): s for s in ("logGroups", "dataSource", "logGroupTags")}
MAX_LIMIT = 100_000
MAX_SAVED_QUERY_PARAMS = 20  # §3.19: "Parameter count exceeds the maximum of 20"
# Values a saved-query parameter may take: literals only (the service substitutes them as text).
PARAMETER_VALUES = (A.String, A.Number, A.Duration, A.ListLiteral, A.Regex, A.Placeholder)
MAX_DEPTH = 200  # nesting depth guard: deep parentheses raise a QueryError, not RecursionError


def parse(text: str, *, origin: str = "query", placeholders: bool = False) -> A.Query:
    """Parse and statically check one query. Raises QueryError (syntax, unknown-command,
    unknown-function, arity, semantic) pointing at the characters at fault."""
    from trailq.lang.analysis import check

    if not isinstance(text, str):
        raise TypeError("query text must be a str")
    query = Parser(text, origin=origin, placeholders=placeholders).parse_query()
    check(query, origin=origin)
    return query


class Parser:
    def __init__(self, text: str, *, origin: str = "query", placeholders: bool = False) -> None:
        self.text = text
        self.origin = origin
        self.lexer = Lexer(text, origin=origin, placeholders=placeholders)
        self.prev_end = 0  # end of the last consumed token
        self.any_consumed = False
        self.comments: list[tuple[T.Token, bool]] = []  # (comment, on its own line)
        self.depth = 0
        self.tok = self._fetch(0)

    # -- token plumbing -----------------------------------------------------------------------

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

    # -- query and commands -------------------------------------------------------------------

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
        trailing = tuple(c.value for c, _ in self.comments)  # type: ignore[misc]
        self.comments.clear()
        return A.Query(tuple(commands), text=self.text, trailing_comments=trailing, span=self.span_from(start))

    def parse_command(self) -> A.Command:
        tok = self.tok
        leading = tuple(c.value for c, _ in self.comments)  # type: ignore[misc]
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
                trailing.append(comment.value)  # type: ignore[arg-type]
        self.comments = keep
        cls, kwargs = fields
        return cls(
            **kwargs,
            span=Span(tok.start, end),
            keyword_span=tok.span,
            comments=leading,
            trailing_comments=tuple(trailing),
        )

    def command_body(self, tok: T.Token) -> tuple[type, dict]:
        """Dispatch on the command word (or a `$Name` saved-query token) and parse the rest."""
        if tok.kind == T.SAVED_QUERY:
            self.advance()
            return self.cmd_saved_query(tok)
        word = tok.word
        if word is None:
            raise self.unexpected("a command")
        method = COMMAND_PARSERS.get(word)
        generic = GENERIC_COMMANDS.get(word)
        if method is None and generic is None:
            known = sorted({*COMMAND_PARSERS, *GENERIC_COMMANDS})
            import difflib

            close = difflib.get_close_matches(word, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else None
            raise self.error(f"unknown command '{tok.text}'", tok.span, "unknown-command", hint)
        self.advance()
        return method(self, word) if method is not None else self.parse_generic(generic)  # type: ignore[arg-type]

    def parse_projections(self, *, keep_comments: bool = False) -> tuple[A.Projection, ...]:
        """`expr [as a], ...`; with keep_comments, comments between items stay with the items
        (fields, display and stats lay out one item per line and print them back there)."""
        items = [self.parse_projection()]
        while self.tok.kind == T.COMMA:
            self.advance()
            leading: tuple[str, ...] = ()
            if keep_comments:
                items[-1], leading = self.take_item_comments(items[-1])
            item = self.parse_projection()
            items.append(replace(item, comments=leading) if leading else item)
        return tuple(items)

    def take_item_comments(self, previous: A.Projection) -> tuple[A.Projection, tuple[str, ...]]:
        """Comments between `previous` and the next item: those on previous's line become its
        trailing comments, those on their own lines the next item's leading comments.
        Comments inside previous's expression stay with the command."""
        trailing: list[str] = []
        leading: list[str] = []
        rest: list[tuple[T.Token, bool]] = []
        for comment, own_line in self.comments:
            if comment.start < previous.span.end:
                rest.append((comment, own_line))
            else:
                (leading if own_line else trailing).append(str(comment.value))
        self.comments = rest
        if trailing:
            previous = replace(previous, trailing_comments=tuple(trailing))
        return previous, tuple(leading)

    def parse_projection(self) -> A.Projection:
        start = self.tok.start
        expr = self.parse_expr()
        alias = None
        if self.at_word("as"):
            self.advance()
            alias = self.parse_name("an alias name")
        return A.Projection(expr, alias, span=self.span_from(start))

    def parse_name(self, what: str) -> str:
        tok = self.tok
        if tok.kind != T.IDENT or tok.word in RESERVED:
            raise self.unexpected(what)
        self.advance()
        return str(tok.value)

    def cmd_fields(self, word: str) -> tuple[type, dict]:
        return A.Fields, {"items": self.parse_projections(keep_comments=True)}

    def cmd_display(self, word: str) -> tuple[type, dict]:
        return A.Display, {"items": self.parse_projections(keep_comments=True)}

    def cmd_filter(self, word: str) -> tuple[type, dict]:
        return A.Filter, {"condition": self.parse_expr(), "keyword": word}

    def cmd_stats(self, word: str) -> tuple[type, dict]:
        aggregations = self.parse_projections(keep_comments=True)
        by: tuple[A.Projection, ...] = ()
        if self.at_word("by"):
            self.advance()
            by = self.parse_projections(keep_comments=True)
        offset: A.Expr | None = None
        if self.at_word("offset"):
            offset = self.stats_offset(by)
        return A.Stats, {"aggregations": aggregations, "by": by, "offset": offset}

    def stats_offset(self, by: tuple[A.Projection, ...]) -> A.Expr:
        """`offset <period>` at the end of `stats ... by bin(p)`: shifts the bins."""
        word = self.advance()
        if not any(isinstance(p.expr, A.Call) and p.expr.name == "bin" for p in by):
            raise self.error("offset needs a bin() term in the stats 'by' list", word.span, "semantic")
        tok = self.tok
        if tok.kind == T.DURATION:
            self.advance()
            amount, unit = tok.value  # type: ignore[misc]
            return A.Duration(amount, unit, span=tok.span)
        if tok.kind == T.PLACEHOLDER:
            self.advance()
            return A.Placeholder(str(tok.value), span=tok.span)
        raise self.unexpected("a time period such as 1h or 1d after 'offset'")

    def cmd_sort(self, word: str) -> tuple[type, dict]:
        keys = [self.parse_sort_key()]
        while self.tok.kind == T.COMMA:
            self.advance()
            keys.append(self.parse_sort_key())
        return A.Sort, {"keys": tuple(keys), "keyword": word}

    def parse_sort_key(self) -> A.SortKey:
        start = self.tok.start
        expr = self.parse_expr()
        descending = None
        if self.at_word("asc", "desc"):
            descending = self.advance().word == "desc"
        return A.SortKey(expr, descending, span=self.span_from(start))

    def cmd_limit(self, word: str) -> tuple[type, dict]:
        any_ = False
        if word == "limit" and self.at_word("any") and self.peek().kind in (T.NUMBER, T.PLACEHOLDER):
            self.advance()
            any_ = True
        tok = self.tok
        if tok.kind == T.PLACEHOLDER:
            self.advance()
            count: A.Number | A.Placeholder = A.Placeholder(str(tok.value), span=tok.span)
        elif tok.kind == T.NUMBER and isinstance(tok.value, int):
            self.advance()
            if not 1 <= tok.value <= MAX_LIMIT:
                raise self.error(f"{word} must be between 1 and {MAX_LIMIT}, got {tok.value}", tok.span, "semantic")
            count = A.Number(tok.value, text=tok.text, span=tok.span)
        else:
            raise self.unexpected(f"a whole number of rows after '{word}'")
        return A.Limit, {"count": count, "any": any_, "keyword": word}

    def cmd_parse(self, word: str) -> tuple[type, dict]:
        source: A.Expr | None = None
        tok = self.tok
        mode_word = tok.word in ("logfmt", "csv") and self.peek().word == "as"
        if tok.kind == T.IDENT and not mode_word:
            source = self.parse_postfix(self.parse_field_or_call())
        self.relex_regex()
        tok = self.tok
        aliases: tuple[str, ...] = ()
        multi = False
        if tok.kind == T.STRING or tok.kind == T.PLACEHOLDER:
            self.advance()
            pattern: A.Expr | None = (
                A.String(str(tok.value), span=tok.span) if tok.kind == T.STRING else A.Placeholder(str(tok.value), span=tok.span)
            )
            mode = "glob"
            self.expect_word("as")
            aliases = self.parse_alias_list()
            if isinstance(pattern, A.String) and pattern.value.count("*") != len(aliases):
                stars = pattern.value.count("*")
                raise self.error(
                    f"parse pattern has {stars} '*' but {len(aliases)} alias{'es' if len(aliases) != 1 else ''}",
                    tok.span,
                    "semantic",
                )
        elif tok.kind == T.REGEX:
            pattern = self.regex_literal()
            mode = "regex"
            if self.at_word("as"):
                self.advance()
                aliases = self.parse_alias_list()
        elif tok.word in ("logfmt", "csv"):
            mode = str(tok.word)
            self.advance()
            pattern = None
            self.expect_word("as")
            aliases = self.parse_alias_list()
            if mode == "logfmt" and len(aliases) != 1:
                raise self.error("parse logfmt takes exactly one alias (a map)", self.span_from(tok.start), "semantic")
        else:
            raise self.unexpected("a \"glob\" pattern, a /regex/, logfmt or csv after 'parse'")
        if self.at_word("multi"):
            self.advance()
            multi = True
        return A.Parse, {"source": source, "mode": mode, "pattern": pattern, "aliases": aliases, "multi": multi}

    def parse_alias_list(self) -> tuple[str, ...]:
        names = [self.parse_name("an alias name")]
        while self.tok.kind == T.COMMA:
            self.advance()
            names.append(self.parse_name("an alias name"))
        return tuple(names)

    def cmd_dedup(self, word: str) -> tuple[type, dict]:
        fields = [self.parse_expr()]
        while self.tok.kind == T.COMMA:
            self.advance()
            fields.append(self.parse_expr())
        return A.Dedup, {"fields": tuple(fields)}

    def cmd_unnest(self, word: str) -> tuple[type, dict]:
        field = self.parse_postfix(self.parse_field_or_call())
        self.expect_word("into")
        return A.Unnest, {"field": field, "into": self.parse_name("a field name after 'into'")}

    def cmd_bare(self, word: str) -> tuple[type, dict]:
        return {"unmask": A.Unmask, "anomaly": A.Anomaly}[word], {}

    def cmd_pattern(self, word: str) -> tuple[type, dict]:
        return A.Pattern, {"expr": self.parse_expr()}

    def cmd_diff(self, word: str) -> tuple[type, dict]:
        period = None
        if self.tok.word in DIFF_PERIODS:
            period = DIFF_PERIODS[str(self.advance().word)]
        return A.Diff, {"period": period}

    def cmd_filter_index(self, word: str) -> tuple[type, dict]:
        start = self.tok.start
        condition = self.parse_expr()
        shape_ok = (
            isinstance(condition, A.Binary) and condition.op == "=" and isinstance(condition.left, A.Field)
        ) or (isinstance(condition, A.In) and isinstance(condition.operand, A.Field) and not condition.negated)
        if not shape_ok:
            raise self.error('filterIndex takes field = "value" or field in [...]', self.span_from(start), "semantic")
        return A.FilterIndex, {"condition": condition}

    def cmd_source(self, word: str) -> tuple[type, dict]:
        selectors: list[A.SourceSelector] = []
        bounds: dict[str, A.Expr] = {}
        while self.tok.kind not in (T.PIPE, T.EOF, T.RPAREN):
            tok = self.tok
            if tok.word in ("start", "end") and self.peek().kind == T.OP and self.peek().text == "=":
                self.advance()
                self.advance()
                bounds[str(tok.word)] = self.parse_expr(PREFIX_MINUS - 1)
            elif tok.kind == T.STRING:
                self.advance()
                selectors.append(A.SourceSelector("name", (A.String(str(tok.value), span=tok.span),), span=tok.span))
            elif tok.word in SOURCE_SELECTORS and self.peek().kind == T.LPAREN:
                selectors.append(self.parse_source_selector(SOURCE_SELECTORS[str(tok.word)]))
            else:
                raise self.unexpected("logGroups(...), dataSource(...), logGroupTags(...), a quoted log group, START= or END=")
        if not selectors and not bounds:
            raise self.unexpected("a log group selector after SOURCE")
        return A.Source, {"selectors": tuple(selectors), "start": bounds.get("start"), "end": bounds.get("end")}

    def parse_source_selector(self, kind: str) -> A.SourceSelector:
        start = self.advance().start
        self.expect(T.LPAREN)
        args: list[A.Expr] = []
        named: list[tuple[str, A.Expr]] = []
        while self.tok.kind != T.RPAREN:
            if self.tok.kind == T.IDENT and self.peek().kind == T.COLON:
                key = str(self.advance().value)
                self.advance()
                named.append((key, self.parse_expr()))
            else:
                args.append(self.parse_expr())
            if self.tok.kind != T.COMMA:
                break
            self.advance()
        self.expect(T.RPAREN, "')'")
        return A.SourceSelector(kind, tuple(args), tuple(named), span=self.span_from(start))

    def cmd_lookup(self, word: str) -> tuple[type, dict]:
        table = self.parse_name("a lookup table name")
        matches = self.parse_projections()
        if not self.at_word("output", "outputnew"):
            raise self.unexpected("OUTPUT or OUTPUTNEW")
        mode = str(self.advance().word).upper()
        outputs = self.parse_projections()
        cls = A.Lookup if word == "lookup" else A.CidrLookup
        return cls, {"table": table, "matches": matches, "mode": mode, "outputs": outputs}

    def cmd_json(self, word: str) -> tuple[type, dict]:
        """`json field=<field> "<path>" as <alias>` (§3.5)."""
        if self.tok.word != "field" or not (self.peek().kind == T.OP and self.peek().text == "="):
            raise self.unexpected("field=<field> after 'json'")
        self.advance()
        self.advance()
        tok = self.tok
        if tok.kind != T.IDENT or tok.word in RESERVED:
            raise self.unexpected("a field name after 'field='")
        self.advance()
        source = A.Field(str(tok.value), segments=tok.segments, span=tok.span)
        tok = self.tok
        if tok.kind == T.STRING:
            path: A.Expr = A.String(str(tok.value), span=tok.span)
        elif tok.kind == T.PLACEHOLDER:
            path = A.Placeholder(str(tok.value), span=tok.span)
        else:
            raise self.unexpected('a quoted JSON path such as "detail.user" after the field')
        self.advance()
        self.expect_word("as")
        alias = self.parse_name("an alias name")
        return A.JsonExtract, {"name": "json", "source": source, "path": path, "alias": alias}

    def cmd_saved_query(self, name_tok: T.Token) -> tuple[type, dict]:
        """`$Name(p = "v", ...)` (§3.19): parameter names are unique, at most 20, values literal."""
        name = str(name_tok.value)
        if not name.strip():
            raise self.error("empty saved query name", name_tok.span)
        self.expect(T.LPAREN, "'(' after the saved query name")
        params: list[tuple[str, A.Expr]] = []
        seen: set[str] = set()
        while self.tok.kind != T.RPAREN:
            key_tok = self.tok
            key = self.parse_name("a parameter name")
            if key in seen:
                raise self.error(f"duplicate parameter name '{key}'", key_tok.span, "semantic")
            seen.add(key)
            if not (self.tok.kind == T.OP and self.tok.text == "="):
                raise self.unexpected(f"'=' after parameter '{key}'")
            self.advance()
            value = self.parse_expr()
            if not isinstance(value, PARAMETER_VALUES):
                raise self.error(f"the value of parameter '{key}' must be a literal", value.span, "semantic")
            params.append((key, value))
            if len(params) > MAX_SAVED_QUERY_PARAMS:
                raise self.error(
                    f"a saved query takes at most {MAX_SAVED_QUERY_PARAMS} parameters", key_tok.span, "semantic"
                )
            if self.tok.kind != T.COMMA:
                break
            self.advance()
        self.expect(T.RPAREN, "',' or ')'")
        return A.SavedQueryCall, {"name": "$" + name, "query_name": name, "params": tuple(params)}

    def parse_generic(self, name: str) -> tuple[type, dict]:
        """Collect argument tokens up to the next top-level '|' (newer commands, syntax only)."""
        args: list[str] = []
        depth = 0
        while True:
            tok = self.tok
            if tok.kind == T.EOF or (depth == 0 and tok.kind in (T.PIPE, T.RPAREN)):
                break
            if tok.kind in (T.LPAREN, T.LBRACKET, T.LBRACE):
                depth += 1
            elif tok.kind in (T.RPAREN, T.RBRACKET, T.RBRACE):
                depth -= 1
            if tok.kind == T.OP and tok.text == "/" and (not args or args[-1] in "=(,[:"):
                self.relex_regex()
                tok = self.tok
            args.append(self.advance().text)
        if depth > 0:
            raise self.unexpected("a closing bracket")
        return A.GenericCommand, {"name": name, "args": tuple(args)}

    # -- expressions (Pratt) ------------------------------------------------------------------

    def parse_expr(self, rbp: int = 0) -> A.Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error("expression nested too deeply", self.tok.span)
        try:
            left = self.nud()
            while True:
                lbp = self.infix_power()
                if lbp <= rbp:
                    return left
                left = self.led(left, lbp)
        finally:
            self.depth -= 1

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
        self.relex_regex()
        tok = self.tok
        kind = tok.kind
        if kind == T.NUMBER:
            self.advance()
            return A.Number(tok.value, text=tok.text, span=tok.span)  # type: ignore[arg-type]
        if kind == T.DURATION:
            self.advance()
            amount, unit = tok.value  # type: ignore[misc]
            return A.Duration(amount, unit, span=tok.span)
        if kind == T.STRING:
            self.advance()
            return A.String(str(tok.value), span=tok.span)
        if kind == T.PLACEHOLDER:
            self.advance()
            return A.Placeholder(str(tok.value), span=tok.span)
        if kind == T.REGEX:
            return self.regex_literal()
        if kind == T.OP and tok.text == "-":
            return self.negation()
        if kind == T.OP and tok.text == "!" or tok.word == "not":
            self.advance()
            operand = self.parse_expr(PREFIX_NOT)
            return A.Unary("not", operand, span=self.span_from(tok.start))
        if kind == T.LPAREN:
            self.advance()
            inner = self.parse_expr()
            self.expect(T.RPAREN, "')'")
            return inner
        if kind == T.LBRACKET:
            return self.list_literal()
        if kind == T.LBRACE:
            return self.map_literal()
        if kind == T.IDENT:
            if tok.word in RESERVED:
                raise self.error(f"expected an expression, found keyword '{tok.text}'", tok.span)
            return self.parse_field_or_call()
        raise self.unexpected("an expression")

    def negation(self) -> A.Expr:
        minus = self.advance()
        nxt = self.tok
        if nxt.kind == T.NUMBER and nxt.start == minus.end:
            self.advance()
            return A.Number(-nxt.value, text="-" + nxt.text, span=self.span_from(minus.start))  # type: ignore[operator]
        if nxt.kind == T.DURATION and nxt.start == minus.end:
            self.advance()
            amount, unit = nxt.value  # type: ignore[misc]
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


CommandParser = Callable[[Parser, str], "tuple[type, dict]"]

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
