"""The command parsers: one `cmd_<name>(word)` method per command keyword, each returning the
AST node class and its fields (Parser.parse_command adds spans and comments). The keyword →
method table is COMMAND_PARSERS in parser.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from trailq.lang import ast as A
from trailq.lang import tokens as T
from trailq.lang.pratt import PREFIX_MINUS, RESERVED, ExpressionParser

DIFF_PERIODS = {p.lower(): p for p in ("previousDay", "previousWeek", "previousMonth")}
SOURCE_SELECTORS = {s.lower(): s for s in ("logGroups", "dataSource", "logGroupTags")}
MAX_LIMIT = 100_000
MAX_SAVED_QUERY_PARAMS = 20  # §3.19: "Parameter count exceeds the maximum of 20"
# Values a saved-query parameter may take: literals only (the service substitutes them as text).
PARAMETER_VALUES = (A.String, A.Number, A.Duration, A.ListLiteral, A.Regex, A.Placeholder)
# A bare log group name after SOURCE (`SOURCE lg start=-1d`, logcompare page): the characters
# StartQuery allows in a log group name (botocore model, LogGroupName pattern).
BARE_LOG_GROUP = re.compile(r"[.\-_/#A-Za-z0-9]+")
# What a command parser returns: the node class and its fields (Parser.parse_command adds the
# span and the comments, which every command has, and builds the node).
CommandParts = tuple[Callable[..., A.Command], dict[str, Any]]


def collapse_spaces(text: str, start: int, end: int, expr: A.Expr) -> str:
    """`text[start:end]` with each run of whitespace between tokens made one space; strings,
    regexes and field names (backquoted ones may hold spaces) are kept exactly as written."""
    keep = sorted((n.span.start, n.span.end) for n in A.walk(expr) if isinstance(n, (A.String, A.Regex, A.Field)))
    out: list[str] = []
    pos = start
    for lo, hi in keep:
        if lo < pos:
            continue
        out.append(_squeeze(text[pos:lo]))
        out.append(text[lo:hi])
        pos = hi
    out.append(_squeeze(text[pos:end]))
    return "".join(out).strip()


def _squeeze(gap: str) -> str:
    return re.sub(r"\s+", " ", gap)


class CommandParsers(ExpressionParser):
    """Projections, names and the body of every command after its keyword."""

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
        expr_end = self.prev_end
        alias = None
        if self.at_word("as"):
            self.advance()
            alias = self.parse_name("an alias name")
        source_name = ""
        if alias is None and not isinstance(expr, A.Field):
            # From the item's first token to its last: parentheses around it are part of its name.
            source_name = collapse_spaces(self.text, start, expr_end, expr)
        return A.Projection(expr, alias, span=self.span_from(start), source_name=source_name)

    def parse_name(self, what: str) -> str:
        tok = self.tok
        if tok.kind != T.IDENT or tok.word in RESERVED:
            raise self.unexpected(what)
        self.advance()
        return str(tok.value)

    def cmd_fields(self, word: str) -> CommandParts:
        return A.Fields, {"items": self.parse_projections(keep_comments=True)}

    def cmd_display(self, word: str) -> CommandParts:
        return A.Display, {"items": self.parse_projections(keep_comments=True)}

    def cmd_filter(self, word: str) -> CommandParts:
        return A.Filter, {"condition": self.parse_expr(), "keyword": word}

    def cmd_stats(self, word: str) -> CommandParts:
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
        if self.tok.kind == T.DURATION:
            return self.duration_literal()
        if self.tok.kind == T.PLACEHOLDER:
            return self.placeholder()
        raise self.unexpected("a time period such as 1h or 1d after 'offset'")

    def cmd_sort(self, word: str) -> CommandParts:
        if self.at_word("by"):
            self.warn("sort-by", f"'{word} by' is read as '{word}' (the Sort page writes `sort field`)", self.advance().span)
        keys = [self.parse_sort_key()]
        while self.tok.kind == T.COMMA:
            self.advance()
            keys.append(self.parse_sort_key())
        return A.Sort, {"keys": tuple(keys), "keyword": word}

    def parse_sort_key(self) -> A.SortKey:
        start = self.tok.start
        expr = self.parse_expr()
        source_name = "" if isinstance(expr, A.Field) else collapse_spaces(self.text, start, self.prev_end, expr)
        descending = None
        if self.at_word("asc", "desc"):
            descending = self.advance().word == "desc"
        return A.SortKey(expr, descending, span=self.span_from(start), source_name=source_name)

    def cmd_limit(self, word: str) -> CommandParts:
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

    def cmd_parse(self, word: str) -> CommandParts:
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
                A.String(str(tok.value), raw=tok.text, span=tok.span)
                if tok.kind == T.STRING
                else A.Placeholder(str(tok.value), span=tok.span)
            )
            mode = "glob"
            if self.tok.kind == T.IDENT and self.tok.word not in RESERVED:
                self.warn("parse-without-as", "the names after the pattern are read as its aliases ('as' is missing)", self.tok.span)
            else:
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

    def cmd_dedup(self, word: str) -> CommandParts:
        fields = [self.parse_expr()]
        while self.tok.kind == T.COMMA:
            self.advance()
            fields.append(self.parse_expr())
        return A.Dedup, {"fields": tuple(fields)}

    def cmd_unnest(self, word: str) -> CommandParts:
        field = self.parse_postfix(self.parse_field_or_call())
        self.expect_word("into")
        return A.Unnest, {"field": field, "into": self.parse_name("a field name after 'into'")}

    def cmd_bare(self, word: str) -> CommandParts:
        return (A.Unmask if word == "unmask" else A.Anomaly), {}

    def cmd_pattern(self, word: str) -> CommandParts:
        return A.Pattern, {"expr": self.parse_expr()}

    def cmd_diff(self, word: str) -> CommandParts:
        period = None
        if self.tok.word in DIFF_PERIODS:
            period = DIFF_PERIODS[str(self.advance().word)]
        return A.Diff, {"period": period}

    def cmd_filter_index(self, word: str) -> CommandParts:
        start = self.tok.start
        condition = self.parse_expr()
        shape_ok = (
            isinstance(condition, A.Binary) and condition.op == "=" and isinstance(condition.left, A.Field)
        ) or (isinstance(condition, A.In) and isinstance(condition.operand, A.Field) and not condition.negated)
        if not shape_ok:
            raise self.error('filterIndex takes field = "value" or field in [...]', self.span_from(start), "semantic")
        return A.FilterIndex, {"condition": condition}

    def cmd_source(self, word: str) -> CommandParts:
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
                name = A.String(str(tok.value), raw=tok.text, span=tok.span)
                selectors.append(A.SourceSelector("name", (name,), span=tok.span))
            elif tok.word in SOURCE_SELECTORS and self.peek().kind == T.LPAREN:
                selectors.append(self.parse_source_selector(SOURCE_SELECTORS[str(tok.word)]))
            elif tok.kind == T.IDENT and tok.text.startswith("`") and tok.text.endswith("`") and len(tok.segments) == 1:
                self.advance()  # a backquoted log group name: `/aws/lambda/x`
                name = A.String(str(tok.value), span=tok.span)
                selectors.append(A.SourceSelector("name", (name,), span=tok.span, quote="`"))
            else:
                bare = self.take_raw(BARE_LOG_GROUP)
                if bare is None:
                    raise self.unexpected(
                        "logGroups(...), dataSource(...), logGroupTags(...), a log group name, START= or END="
                    )
                name = A.String(bare.text, span=bare.span)
                selectors.append(A.SourceSelector("name", (name,), span=bare.span, quote="bare"))
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

    def cmd_lookup(self, word: str) -> CommandParts:
        table = self.parse_name("a lookup table name")
        matches = self.parse_projections()
        if not self.at_word("output", "outputnew"):
            raise self.unexpected("OUTPUT or OUTPUTNEW")
        mode = str(self.advance().word).upper()
        outputs = self.parse_projections()
        cls = A.Lookup if word == "lookup" else A.CidrLookup
        return cls, {"table": table, "matches": matches, "mode": mode, "outputs": outputs}

    def cmd_json(self, word: str) -> CommandParts:
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
            path: A.Expr = A.String(str(tok.value), raw=tok.text, span=tok.span)
        elif tok.kind == T.PLACEHOLDER:
            path = A.Placeholder(str(tok.value), span=tok.span)
        else:
            raise self.unexpected('a quoted JSON path such as "detail.user" after the field')
        self.advance()
        self.expect_word("as")
        alias = self.parse_name("an alias name")
        return A.JsonExtract, {"name": "json", "source": source, "path": path, "alias": alias}

    def cmd_saved_query(self, name_tok: T.Token) -> CommandParts:
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

    def parse_generic(self, name: str) -> CommandParts:
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
